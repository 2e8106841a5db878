"""XSS: every payload of tests/security_data/xss_payloads.txt through every text field, every page
that shows it opened in Chromium under the service's own Content-Security-Policy; nothing runs.

How it works:
- 60 messages are submitted through the JSON API with payloads in every citizen text field (name,
  subject, content; for 依申请公开 also address, organisation, legal representative, document
  number, purpose, passport number). The workbench then acts on them through the service layer
  (``seed_main``, a subprocess on the server's database): dispatch and internal notes, reply
  drafts, 依申请公开 outcome notes, rejection, return, transfer and extension reasons, approval and
  review comments, supervision notes, reply templates, replies, and published letters whose
  subject, question and reply staff "edited" into payloads; citizens rate with payload comments.
  Field f of message m holds the next payload(s) in rotation that fit the field (three where the
  field is long enough), so across the messages each field sees a different payload each time.
- Real typing: a citizen types payloads with the keyboard (error page, receipt, tracking page), the
  依申请公开 review page is filled with them, and a staff member types a note.
- Chromium opens every page that shows them: tracking pages, workbench message pages and lists
  (inbox, queue, review, supervision, templates) as an administrator and as a department's
  reviewer, the public letters (list and detail), statistics, search results, pages reflecting
  payloads from the query string, and the JSON APIs. On each: ``window.__xss(n)``,
  alert/confirm/prompt and CSP violations are reported to the test; the DOM is scanned for
  injected elements and attributes (script, on* handlers, style="", javascript: URLs, iframes,
  marker elements); the HTML the server sent must not contain a payload with markup characters
  verbatim (i.e. unescaped); template expressions must come back unevaluated.
- A control test writes payloads raw into a page and proves each of those detectors fires.
- Figures (payloads, fields, pages, executions) go to artifacts/xss/summary.json.
"""
from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest

from formsvc.services import masking
from tests.e2e import support
from tests.e2e.support import click_and_wait

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Response

ROOT = Path(__file__).resolve().parents[2]
PAYLOAD_FILE = ROOT / "tests" / "security_data" / "xss_payloads.txt"
MESSAGES = 60
STAFF_PASSWORD = "xss-Passw0rd-示范"
# username: (role, department)
XSS_STAFF = {"xss-admin": ("admin", ""), "xss-fenban": ("dispatcher", ""),
             "xss-dubian": ("supervisor", ""), "xss-rsj": ("handler", "rsj"),
             "xss-scj-cb": ("handler", "scjgj"), "xss-scj-sh": ("reviewer", "scjgj")}
MARKUP_CHARS = set("<>\"'&")
# a TPL<n>- payload is unevaluated when one of its openers still follows the prefix
TEMPLATE_EVALUATED = re.compile(r"TPL\d+-(?!\{\{|\$\{|#\{|<%|\{%|\[\[)")


# --- the payloads ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Payload:
    n: int
    text: str

    @property
    def has_markup(self) -> bool:
        return bool(MARKUP_CHARS & set(self.text))


def load_payloads(path: Path = PAYLOAD_FILE) -> list[Payload]:
    out: list[Payload] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line == "#" or line.startswith("# "):
            continue
        text = re.sub(r"\{U\+([0-9A-Fa-f]{4,6})\}", lambda m: chr(int(m.group(1), 16)), line)
        out.append(Payload(len(out) + 1, text.replace("__N__", str(len(out) + 1))))
    return out


PAYLOADS = load_payloads()
BY_NUMBER = {p.n: p for p in PAYLOADS}


def first(needle: str) -> str:
    """The first payload containing ``needle`` (for the typed journeys)."""
    return next(p.text for p in PAYLOADS if needle in p.text)

# field → (max length, text around the payload so the field's own rules accept it)
FIELDS: dict[str, tuple[int, str]] = {
    "name": (50, "{}"), "subject": (100, "{}"), "content": (2000, "留言内容：{}。请答复，谢谢。"),
    "address": (300, "{}"), "org_name": (200, "{}"), "legal_rep": (50, "{}"),
    "doc_no": (100, "{}"), "purpose": (200, "{}"), "id_number": (30, "{}"),
    "dispatch_note": (1000, "{}"), "note": (1000, "{}"), "draft": (5000, "答复：{}"),
    "outcome_note": (1000, "{}"), "transfer": (1000, "{}"), "return": (1000, "{}"),
    "reject": (1000, "{}"), "extension": (1000, "{}"), "approve_note": (1000, "{}"),
    "review_note": (1000, "{}"), "supervise": (1000, "{}"), "letter_subject": (200, "{}"),
    "letter_question": (5000, "公开的留言：{}"), "letter_reply": (5000, "公开的答复：{}"),
    "letter_return": (1000, "{}"),
    "comment": (500, "{}"), "template_title": (100, "{}"), "template_body": (5000, "模板：{}"),
    "reconfirm_note": (1000, "{}"),
    # 依申请公开 procedure (issue 20): the 补正 asked and answered, a third party consulted; the
    # citizen's 补充材料 before 分办 and 追问 after the reply
    "correction_reason": (1000, "{}"), "correction_text": (2000, "补正：{}"),
    "consultation_note": (1000, "{}"), "consultation_end": (1000, "{}"),
    "supplement_text": (2000, "补充：{}"), "follow_up_text": (2000, "追问：{}"),
}
TEMPLATES = 10  # reply templates of 市场监管局, payloads in their titles and bodies


def per_field(limit: int) -> int:
    """How many payloads one field holds: three where there is room (they meet each other)."""
    return 3 if limit >= 200 else 1


def field_payloads(name: str, m: int) -> list[Payload]:
    """The payloads in field ``name`` of message ``m``: the next ones that fit, in rotation."""
    limit, frame = FIELDS[name]
    k = per_field(limit)
    fitting = [p for p in PAYLOADS if len(frame.format(p.text)) * k + k <= limit]
    offset = list(FIELDS).index(name) * 11
    return [fitting[(m * k + j + offset) % len(fitting)] for j in range(k)]


def field_value(name: str, m: int) -> str:
    return FIELDS[name][1].format(" ".join(p.text for p in field_payloads(name, m)))


def test_corpus_is_large_and_numbered() -> None:
    """The corpus itself: ≥ 100 payloads, each names itself, every category present."""
    assert len(PAYLOADS) >= 100
    assert len({p.text for p in PAYLOADS}) == len(PAYLOADS)
    for p in PAYLOADS:
        assert str(p.n) in p.text and "__N__" not in p.text, p
    texts = "\n".join(p.text for p in PAYLOADS)
    for needle in ("<script", "onerror=", "javascript:", "<svg", "<math", "{{7*7}}", "{{config}}",
                   "expression(", "&#", "](javascript:", "\u200b", "\u202e", "\" onmouseover="):
        assert needle in texts, needle
    # every field gets a payload in every message, and different messages get different ones
    for name in FIELDS:
        assert len({field_value(name, m) for m in range(MESSAGES)}) >= min(MESSAGES, 40), name


# --- watching the browser --------------------------------------------------------------------------

WATCH_JS = """
(() => {
  const report = (kind, detail) => {
    try { window.__xssReport(kind, String(detail), location.href); } catch (e) { /* no binding */ }
  };
  Object.defineProperty(window, "__xss", {value: (n) => report("executed", "__xss(" + n + ")"),
                                          writable: false, configurable: false});
  for (const name of ["alert", "confirm", "prompt"]) {
    window[name] = (...args) => { report("executed", name + "(" + args.join(",") + ")"); return null; };
  }
  document.addEventListener("securitypolicyviolation", (e) => report(
    "csp-violation", e.violatedDirective + " " + e.blockedURI + " " + (e.sample || "")), true);
})();
"""

# Injected markup, whatever it would do: elements and attributes the portal never writes itself.
SCAN_JS = """
() => {
  const out = [];
  const FORBIDDEN = new Set(["style", "iframe", "frame", "frameset", "object", "embed", "applet",
    "base", "template", "math", "maction", "mglyph", "animate", "set", "foreignobject", "isindex",
    "keygen", "marquee", "noscript", "video", "audio", "source"]);
  const URL_ATTRS = new Set(["href", "src", "action", "formaction", "xlink:href", "data",
    "background", "poster", "lowsrc", "dynsrc"]);
  const own = (u) => { try { return new URL(u, location.href).origin === location.origin; }
                       catch (e) { return false; } };
  for (const el of document.querySelectorAll("*")) {
    const tag = el.tagName.toLowerCase();
    const html = el.outerHTML.slice(0, 120);
    if (tag === "script" && (!el.src || !own(el.src) || el.textContent.trim())) out.push("script: " + html);
    if (FORBIDDEN.has(tag) || tag.startsWith("xss")) out.push("element: " + html);
    if ((tag === "meta" || tag === "link") && el.closest("body")) out.push("in body: " + html);
    if (tag === "form" && el.getAttribute("action") && !own(el.action)) out.push("form: " + html);
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const value = a.value.replace(/[\\s\\u0000-\\u001f\\u00ad\\u200b-\\u200f\\u2028-\\u202e\\u2066-\\u2069\\ufeff]/g, "").toLowerCase();
      if (name.startsWith("on")) out.push("handler " + name + ": " + html);
      if (name === "style" || name === "srcdoc" || name.startsWith("data-xss")) out.push("attribute " + name + ": " + html);
      if (URL_ATTRS.has(name) && /^(javascript|vbscript|data:text)/.test(value)) out.push("url " + name + ": " + html);
    }
  }
  const text = [document.body ? document.body.innerText : ""];
  for (const el of document.querySelectorAll("input, textarea")) text.push(el.value);
  return {injected: out, text: text.join("\\n")};
}
"""


@dataclass
class Watch:
    """Everything that counts as a payload executing or markup escaping, page by page."""

    executed: list[str] = field(default_factory=list)
    injected: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        context: BrowserContext = page.context
        context.expose_binding("__xssReport", self._report)
        context.add_init_script(WATCH_JS)
        page.on("dialog", self._dialog)

    def _report(self, source: dict[str, Any], kind: str, detail: str, url: str) -> None:
        target = self.executed if kind == "executed" else self.injected
        target.append(f"{kind}: {detail} at {url}")

    def _dialog(self, dialog: Any) -> None:
        self.executed.append(f"dialog {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def console(self, msg: Any) -> None:
        # a document's own 4xx (a form with errors, a bad filter) is the test's business
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.injected.append(f"console error: {msg.text}")

    def subresource(self, response: Any) -> None:
        request = response.request
        if response.status >= 400 and not request.is_navigation_request():
            self.injected.append(f"sub-resource {response.status}: {response.url}")

    def check(self, page: Page, response: Response | None, label: str) -> None:
        """Scan the page as it is now; ``response`` is the document the server sent."""
        self.pages.append(label)
        found = page.evaluate(SCAN_JS)
        self.injected += [f"{label}: {x}" for x in found["injected"]]
        if TEMPLATE_EVALUATED.search(found["text"]) or "SECRET_KEY" in found["text"]:
            self.injected.append(f"{label}: a template expression was evaluated: "
                                 + str(TEMPLATE_EVALUATED.findall(found["text"])[:3]))
        if response is not None and "html" in (response.headers.get("content-type") or ""):
            body = response.text()
            for p in PAYLOADS:
                if p.has_markup and p.text in body:
                    self.injected.append(f"{label}: payload {p.n} unescaped in the HTML: {p.text!r}")

    def visit(self, page: Page, path: str, label: str = "") -> Response | None:
        response = page.goto(path)
        assert response is not None and response.status < 500, f"{path}: {response and response.status}"
        self.check(page, response, label or path)
        return response

    def assert_clean(self) -> None:
        problems = self.executed + self.injected
        assert not problems, f"{len(self.executed)} executions, {len(self.injected)} injections:\n" \
            + "\n".join(problems[:60])


@pytest.fixture
def watched(open_page: Callable[..., Page]) -> Iterator[Callable[[], tuple[Page, Watch]]]:
    """Factory: a fresh page with its Watch (and the conftest Guard: no foreign requests, no
    console errors, no failed sub-resource — an injected <img src=x> fails that too)."""
    def _open() -> tuple[Page, Watch]:
        page = open_page()
        watch = Watch()
        watch.attach(page)
        return page, watch

    yield _open


@pytest.fixture
def quick(browser: Any, server: Any) -> Iterator[Callable[[], tuple[Page, Watch]]]:
    """Factory for the bulk pass: a context without request interception, so Chromium caches
    the stylesheet and scripts between the ~200 pages (routing switches the cache off). What the
    Guard would see is recorded by the Watch instead: uncaught errors, console errors, failed
    sub-resources; the server's log is checked for tracebacks and 5xx at the end."""
    contexts = []
    log_start = server.log_size()

    def _open() -> tuple[Page, Watch]:
        context = browser.new_context(base_url=server.base, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        watch = Watch()
        watch.attach(page)
        page.on("pageerror", lambda exc: watch.injected.append(f"JavaScript error: {exc}"))
        page.on("console", lambda msg: watch.console(msg))
        page.on("response", lambda r: watch.subresource(r))
        return page, watch

    yield _open
    for context in contexts:
        context.close()
    errors = server.errors_since(log_start)
    assert not errors, "\n".join(errors)


# --- seeding ---------------------------------------------------------------------------------------

KIND_CYCLE = ("zx", "jy", "ts", "qz", "jb", "tz", "ysqgk")
# message m's fate: by m % 10
GROUPS = {0: "reject", 5: "return", 1: "inbox", 6: "inbox", 2: "review", 7: "review_returned",
          3: "transfer", 8: "replied", 4: "replied", 9: "replied"}


def credit_code(seed: int) -> str:
    """A valid 统一社会信用代码 (GB 32100 check character) built from ``seed``."""
    chars, weights = "0123456789ABCDEFGHJKLMNPQRTUWXY", (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25,
                                                           13, 8, 24, 10, 30, 28)
    body = f"91{seed:015d}"[:17]
    total = sum(chars.index(c) * w for c, w in zip(body, weights, strict=True))
    return body + chars[(31 - total % 31) % 31]


def submission(m: int) -> dict[str, Any]:
    kind = KIND_CYCLE[(m + m // 10) % len(KIND_CYCLE)]  # every fate meets every kind
    body: dict[str, Any] = {
        "kind": kind, "name": field_value("name", m), "subject": field_value("subject", m),
        "content": field_value("content", m), "phone": f"139{m:08d}",
        "email": f"xss{m}@example.com"}
    if kind == "ysqgk":
        org = m % 2 == 0
        body.update({
            "applicant_type": "organization" if org else "citizen", "department": "xzfb",
            "address": field_value("address", m), "doc_no": field_value("doc_no", m),
            "purpose": field_value("purpose", m), "medium": "paper", "delivery": "post",
            "confirmed": True})
        if org:
            body.update({"org_type": "other", "org_name": field_value("org_name", m), "credit_code": credit_code(m),
                         "legal_rep": field_value("legal_rep", m)})
        else:
            body.update({"id_type": "passport", "id_number": field_value("id_number", m)})
    else:
        body["consent_publish"] = True
    return body


def api(base: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
    req = Request(base + path, data=json.dumps(body).encode(), method="POST",
                  headers={"Content-Type": "application/json"})
    try:
        with urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read()), dict(r.headers)
    except Exception as exc:  # HTTPError carries the JSON error
        data = exc.read() if hasattr(exc, "read") else b"{}"
        return getattr(exc, "code", 0), json.loads(data or b"{}"), {}


def seed_main() -> None:
    """Subprocess entry point: the workbench's work on the submitted messages, by the services.

    Reads [{"m": …, "number": …}] on stdin, writes {"letters": {number: id}, "states": …}.
    """
    from sqlalchemy import select, update

    from formsvc import create_app, db
    from formsvc.domain import consent
    from formsvc.models import Message
    from formsvc.services import auth, followups, procedure
    from formsvc.services import workbench as wb
    from formsvc.web.runtime import calendar

    plan = json.load(sys.stdin)
    app = create_app()
    out: dict[str, Any] = {"letters": {}, "used": []}  # used: [field, m] of every staff text
    with app.app_context():
        session = db.new_session()
        staff = {}
        for username, (role, dept) in XSS_STAFF.items():
            staff[username] = auth.create_staff(session, username=username, password=STAFF_PASSWORD,
                                                role=role, department_code=dept,
                                                display_name=f"测试{role}")
        ctx = wb.Context(session, app.config, calendar())
        disp, sup, rsj = staff["xss-fenban"], staff["xss-dubian"], staff["xss-rsj"]
        scj, scj_sh = staff["xss-scj-cb"], staff["xss-scj-sh"]
        # letters are approved by a second person: the administrator may wherever the department
        # has reviewers (the journeys' accounts may hold one) or not
        approver = staff["xss-admin"]
        for t in range(TEMPLATES):
            out["used"] += [["template_title", t], ["template_body", t]]
            wb.add_template(ctx, scj, field_value("template_title", t), field_value("template_body", t))
        for item in plan:
            m, n = item["m"], item["number"]
            group, kind = GROUPS[m % 10], item["kind"]

            def v(name: str, m: int = m) -> str:
                out["used"].append([name, m])
                return field_value(name, m)

            def message(n: str = n) -> Message:
                session.expire_all()
                return session.scalars(select(Message).where(Message.tracking_number == n)).one()

            wb.add_note(ctx, disp, n, v("note"))
            followups.supplement(session, app.config, message(), v("supplement_text"), [])
            if group == "reject":
                wb.reject(ctx, disp, n, v("reject"))
                continue
            to_scj = group in ("review", "review_returned")
            wb.dispatch(ctx, disp, n, "scjgj" if to_scj else "rsj", v("dispatch_note"))
            handler = scj if to_scj else rsj
            wb.add_note(ctx, handler, n, v("note", m + 1))
            if group == "return":
                wb.return_to_dispatcher(ctx, handler, n, v("return"))
                continue
            if group == "transfer":
                wb.transfer(ctx, rsj, n, "scjgj", v("transfer"))
                wb.supervise(ctx, sup, n, v("supervise"))
                continue
            outcome = ("not_disclosed", v("outcome_note"), "withheld.third_party") \
                if kind == "ysqgk" else ("", "", "")
            wb.save_draft(ctx, handler, n, v("draft"), *outcome)
            if group == "inbox":
                if kind == "ysqgk":
                    wb.request_correction(ctx, handler, n, v("correction_reason"), "")
                    procedure.answer_correction(session, app.config, calendar(), message(),
                                                v("correction_text"), [])
                    wb.start_consultation(ctx, handler, n, v("consultation_note"))
                    wb.end_consultation(ctx, handler, n, v("consultation_end"))
                    wb.request_extension(ctx, handler, n, 5, v("extension"))
                    if m % 10 == 6:
                        wb.decide_extension(ctx, sup, n, True, v("approve_note"))
                continue
            if group in ("review", "review_returned"):
                wb.submit_for_review(ctx, handler, n)
                if group == "review_returned":
                    wb.return_draft(ctx, scj_sh, n, v("review_note"))
                else:
                    wb.supervise(ctx, sup, n, v("supervise"))
                continue
            wb.send_reply(ctx, handler, n)  # replied
            followups.follow_up(session, app.config, message(), v("follow_up_text"))
            if kind not in ("ysqgk", "jb"):  # a 举报 is never published
                if m % 2 == 0:  # consent stored before migration 0008: asked again, then published
                    session.execute(update(Message).where(Message.tracking_number == n)
                                    .values(consent_source=consent.UNKNOWN))
                    session.commit()
                    wb.reconfirm_consent(ctx, handler, n, "yes", v("reconfirm_note"))
                proposal = wb.propose(ctx, handler, n, v("letter_subject"),
                                      v("letter_question"), v("letter_reply"), True)
                letter = wb.approve(ctx, approver, n, proposal.revision)  # four eyes
                out["letters"][n] = letter.id
                # a change to it waiting for approval (the administrator's page shows the review
                # panel with every segment marked), or one sent back with a reason
                fate = len(out["letters"]) % 3
                if fate:
                    change = wb.propose(ctx, handler, n, v("letter_subject", m + 1),
                                        v("letter_question", m + 1), v("letter_reply", m + 1), True)
                    if fate == 2:
                        wb.send_back(ctx, approver, n, change.revision, v("letter_return"))
        session.close()
    json.dump(out, sys.stdout)


@dataclass
class Seeded:
    messages: list[dict[str, Any]]  # m, kind, number, code, body
    letters: dict[str, int]
    used: list[tuple[str, int]]  # (field, m) of every text field filled

    def coverage(self) -> dict[str, int]:
        """Field → how many different payloads went through it."""
        seen: dict[str, set[int]] = {}
        for name, m in self.used:
            seen.setdefault(name, set()).update(p.n for p in field_payloads(name, m))
        return {name: len(ns) for name, ns in seen.items()}


@pytest.fixture(scope="module")
def seeded(server: Any, staff: Any) -> Seeded:
    """~100 messages through the API, the workbench's work through the services, the ratings
    through the API again."""
    messages = []
    for m in range(MESSAGES):
        body = submission(m)
        status, receipt, _ = api(server.base, "/api/v1/messages", body)
        assert status == 201, (m, body, receipt)
        messages.append({"m": m, "kind": body["kind"], "number": receipt["tracking_number"],
                         "code": receipt["query_code"], "body": body})
    done = subprocess.run(
        [sys.executable, "-c", "from tests.e2e.test_xss import seed_main; seed_main()"],
        input=json.dumps([{k: x[k] for k in ("m", "kind", "number")} for x in messages]),
        cwd=ROOT, env=server.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    used = [(f, x["m"]) for x in messages for f in x["body"] if f in FIELDS]
    used += [(f, m) for f, m in result["used"]]
    for x in messages:
        if GROUPS[x["m"] % 10] == "replied":
            rating = "unsatisfied" if x["m"] % 3 == 0 else "basically_satisfied"
            status, view, _ = api(server.base, "/api/v1/rate", {
                "tracking_number": x["number"], "query_code": x["code"], "rating": rating,
                "comment": field_value("comment", x["m"])})
            assert status == 200, view
            used.append(("comment", x["m"]))
    return Seeded(messages, result["letters"], used)


def log_in(page: Page, username: str) -> None:
    page.goto("/hdjl/staff/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(STAFF_PASSWORD)
    assert click_and_wait(page, page.get_by_role("button", name="登录")) == 200


# --- the tests -------------------------------------------------------------------------------------

CONTROL_PAGE = """<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><title>对照</title>
<body><p>{0}</p><p>{1}</p><p>{2}</p><input value="{3}"></body></html>"""


def _fulfill(route: Any, *, headers: dict[str, str], body: str) -> None:
    route.fulfill(status=200, headers=headers, body=body)


def test_the_watch_sees_payloads_that_get_through(browser, server) -> None:
    """Control: the same payloads written raw into a page are seen — executed without a CSP,
    blocked and reported under the production one, and flagged by the scans either way."""
    raw = [first("<img src=x onerror=__"), first("<svg onload"), first("<script>__xss"),
           first('"><img src=x')]
    for csp, expect_runs in (("", True), (support.PRODUCTION_CSP, False)):
        context = browser.new_context(base_url=server.base)
        headers = {"content-type": "text/html; charset=utf-8"}
        if csp:
            headers["content-security-policy"] = csp
        body = CONTROL_PAGE.format(*raw)
        context.route("**/xss-control", functools.partial(_fulfill, headers=headers, body=body))
        page = context.new_page()
        watch = Watch()
        watch.attach(page)
        response = page.goto("/xss-control")
        numbers = {p.n for p in PAYLOADS if p.text in raw}

        def ran(watch: Watch = watch) -> set[int]:
            return {int(n) for n in re.findall(r"__xss\((\d+)\)", " ".join(watch.executed))}

        # a failed image's onerror may come after "load": wait for the reports (or 10 s)
        for _ in range(100):
            if (numbers <= ran()) if expect_runs else sum("csp-violation" in x for x in watch.injected) >= 3:
                break
            page.wait_for_timeout(100)
        watch.check(page, response, "control")
        if expect_runs:
            assert numbers <= ran(), watch.executed
        else:
            assert not watch.executed, watch.executed
            assert any("csp-violation" in x for x in watch.injected), watch.injected
        flagged = " ".join(watch.injected)
        for n in numbers:
            assert f"payload {n} unescaped" in flagged, n
        assert "handler onerror" in flagged and "script:" in flagged
        context.close()

def test_citizen_types_payloads_into_the_form(watched, server) -> None:
    """A citizen types payloads with the keyboard: the error page echoes them, then the receipt
    and the tracking page show them; the 依申请公开 review page shows its fields."""
    page, watch = watched()
    name, subject = first("<img src=x onerror=__"), first('" onmouseover="')
    content = "我想咨询：" + first("<script>__xss") + first("{{7*7}}")
    page.goto("/hdjl/zx/new")
    page.get_by_label("姓名").press_sequentially(name)
    page.get_by_label("联系电话").press_sequentially("12345")  # wrong: the form comes back
    page.get_by_label("标题").press_sequentially(subject)
    page.get_by_label("内容", exact=False).first.press_sequentially(content)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="提交").click()
    assert nav.value is not None and nav.value.status == 400
    watch.check(page, nav.value, "zx form with errors")
    assert page.get_by_label("标题").input_value() == subject  # kept as typed, as text
    page.get_by_label("联系电话").fill("13912340000")
    page.get_by_label("同意在“公开信件”栏目公开本留言及答复").check()
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="提交").click()
    watch.check(page, nav.value, "receipt")
    number, code = support.receipt(page, "咨询")
    assert subject in page.locator("main").inner_text()
    page.goto("/hdjl/track")
    page.get_by_label("受理编号").press_sequentially(number)
    page.get_by_label("查询码").press_sequentially(code)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="查询").click()
    watch.check(page, nav.value, "tracking page (typed)")
    assert subject in page.locator("main").inner_text()

    # 依申请公开: every text field a payload, up to the review page and the receipt
    page.goto("/hdjl/ysqgk/new")
    support.fill_disclosure(page)
    texts = {"姓名": first("<svg onload"), "通信地址": first("</textarea><img"),
             "所需政府信息的名称": first('"><img src=x'), "文号": first("{{config}}"),
             "所需政府信息的内容描述": "内容描述：" + first("<math><mtext>"),
             "用途": first("[点击查看](javascript:")}
    for label, text in texts.items():
        page.get_by_label(label).fill(text)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="下一步：核对申请内容").click()
    watch.check(page, nav.value, "ysqgk review page")
    assert texts["所需政府信息的名称"] in page.locator("main").inner_text()
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="确认提交").click()
    watch.check(page, nav.value, "ysqgk receipt")
    support.receipt(page, "依申请公开")
    watch.assert_clean()


INTAKE_M = 1000  # the payloads of FIELDS the 代录 journey types (past the seeded messages')


def test_operator_types_payloads_into_the_intake_form(watched, server, staff) -> None:
    """代录: the dispatcher types a caller's 举报 with payloads in every text field of the form;
    the receipt, the message page (reporter hidden) and the supervisor's page (reporter shown)
    run nothing."""
    page, watch = watched()
    page.goto("/hdjl/staff/login")
    page.get_by_label("用户名").fill("fenban")
    page.get_by_label("密码").fill(staff["fenban"])
    assert click_and_wait(page, page.get_by_role("button", name="登录")) == 200
    page.goto("/hdjl/staff/intake/jb")
    values = {name: field_value(name, INTAKE_M) for name in ("name", "address", "subject",
                                                             "content")}
    for label, name in (("姓名", "name"), ("通信地址", "address"), ("标题", "subject")):
        page.get_by_label(label).fill(values[name])
    page.get_by_label("联系电话").fill("13912340000")
    page.get_by_label("内容", exact=False).first.fill(values["content"])
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="代为提交").click()
    watch.check(page, nav.value, "intake receipt")
    number = page.locator("#tracking-number").inner_text().strip()
    assert support.NUMBER.match(number) and values["subject"] in page.locator("main").inner_text()
    watch.visit(page, f"/hdjl/staff/m/{number}", "intake message (dispatcher)")
    assert page.locator("#reporter-hidden").count() == 1
    page.context.clear_cookies()
    page.goto("/hdjl/staff/login")
    page.get_by_label("用户名").fill("ducha")
    page.get_by_label("密码").fill(staff["ducha"])
    assert click_and_wait(page, page.get_by_role("button", name="登录")) == 200
    watch.visit(page, f"/hdjl/staff/m/{number}", "intake message (supervisor)")
    assert values["address"] in page.locator("main").inner_text()
    watch.assert_clean()


def test_no_payload_runs_on_any_page(quick, server, seeded: Seeded, artifacts: Path) -> None:
    """Every page that shows the seeded payloads, citizen side, staff side and public."""
    citizen, watch = quick()
    # tracking pages: the track form once for its CSRF token, then one POST per message
    citizen.goto("/hdjl/track")
    token = citizen.locator("input[name=csrf_token]").first.get_attribute("value")
    for x in seeded.messages:
        with citizen.expect_navigation() as nav:
            citizen.evaluate(
                """([token, number, code]) => {
                    const f = document.createElement("form");
                    f.method = "post"; f.action = "/hdjl/track";
                    for (const [k, v] of [["csrf_token", token], ["tracking_number", number],
                                          ["query_code", code]]) {
                        const i = document.createElement("input");
                        i.type = "hidden"; i.name = k; i.value = v; f.append(i);
                    }
                    document.body.append(f); f.submit();
                }""", [token, x["number"], x["code"]])
        assert nav.value is not None and nav.value.status == 200, x["number"]
        watch.check(citizen, nav.value, f"tracking {x['number']}")
        assert x["body"]["subject"] in citizen.locator("main").inner_text()

    # public letters: list pages, every letter, each found by search; statistics
    listing = watch.visit(citizen, "/hdjl/letters")
    pages = citizen.locator("main a[href*='page=']").evaluate_all("els => els.map(e => e.href)")
    for href in sorted(set(pages)):
        watch.visit(citizen, href)
    assert listing is not None
    for number, letter_id in seeded.letters.items():
        watch.visit(citizen, f"/hdjl/letters/{letter_id}", f"letter {letter_id} ({number})")
    watch.visit(citizen, "/hdjl/stats")
    search_ok = server.missing("/search?q=test") is None
    if search_ok:
        # every letter's question starts so: the results list them with highlighted snippets
        watch.visit(citizen, "/search?" + urlencode({"q": "公开的留言"}))
        assert citizen.locator("main a[href*='/hdjl/letters/']").count() >= 1, \
            "the search finds the published letters"
        for x in seeded.messages:
            if x["number"] in seeded.letters:
                watch.visit(citizen, "/search?" + urlencode({"q": field_value("letter_subject", x["m"])}),
                            f"search for the subject of letter {seeded.letters[x['number']]}")

    # query strings reflected into pages
    for i in range(0, len(PAYLOADS), 20):
        a, b = PAYLOADS[i].text, PAYLOADS[(i + 5) % len(PAYLOADS)].text
        watch.visit(citizen, "/hdjl/letters?" + urlencode({"kind": a, "department": b}))
        watch.visit(citizen, "/hdjl/stats?" + urlencode({"from": a, "to": b}))
        watch.visit(citizen, "/hdjl/track?" + urlencode({"number": a}))
        watch.visit(citizen, "/hdjl/staff/login?" + urlencode({"next": b}))
        if search_ok:
            watch.visit(citizen, "/search?" + urlencode({"q": a, "dept": b, "section": a}))

    # the workbench: an administrator sees every message and every action form
    staff_page, staff_watch = quick()
    log_in(staff_page, "xss-admin")
    for x in seeded.messages:
        staff_watch.visit(staff_page, f"/hdjl/staff/m/{x['number']}", f"workbench {x['number']}")
    for path in ("/hdjl/staff/queue", "/hdjl/staff/review", "/hdjl/staff/supervision",
                 "/hdjl/staff/inbox?status="):
        staff_watch.visit(staff_page, path)
        more = staff_page.locator("main a[href*='page=']").evaluate_all("els => els.map(e => e.href)")
        for href in sorted(set(more)):
            staff_watch.visit(staff_page, href)
    for i in range(0, len(PAYLOADS), 20):
        staff_watch.visit(staff_page, "/hdjl/staff/inbox?" + urlencode({
            "department": PAYLOADS[i].text, "from": PAYLOADS[i + 1].text, "status": "open"}))
    # a department's own view: its inbox, review queue, reply templates, and message pages with
    # the templates offered beside the reply
    reviewer, reviewer_watch = quick()
    log_in(reviewer, "xss-scj-sh")
    for path in ("/hdjl/staff/", "/hdjl/staff/review", "/hdjl/staff/inbox?status=",
                 "/hdjl/staff/templates"):
        reviewer_watch.visit(reviewer, path)
    assert field_value("template_title", 0) in reviewer.locator("main").inner_text()
    for x in [x for x in seeded.messages if GROUPS[x["m"] % 10].startswith("review")][:3]:
        reviewer_watch.visit(reviewer, f"/hdjl/staff/m/{x['number']}", f"reviewer {x['number']}")

    # a staff member types a payload note on a message
    x = seeded.messages[1]
    staff_page.goto(f"/hdjl/staff/m/{x['number']}")
    details = staff_page.locator("details", has=staff_page.locator("summary", has_text="内部备注")).first
    details.locator("summary").click()
    note = first("<input autofocus onfocus")
    details.locator("textarea").press_sequentially(note)
    with staff_page.expect_navigation() as nav:
        details.get_by_role("button").click()
    staff_watch.check(staff_page, nav.value, "workbench after a typed note")
    assert note in staff_page.locator("main").inner_text()

    total = len(watch.pages) + len(staff_watch.pages) + len(reviewer_watch.pages)
    coverage = seeded.coverage()
    support.json_dump(artifacts / "xss" / "summary.json", {
        "payloads": len(PAYLOADS), "fields": len(coverage), "messages": len(seeded.messages),
        "letters": len(seeded.letters), "pages_checked": total,
        "payload_field_pairs": sum(coverage.values()), "payloads_per_field": coverage,
        "executions": len(watch.executed + staff_watch.executed + reviewer_watch.executed),
        "injections": len(watch.injected + staff_watch.injected + reviewer_watch.injected)})
    assert set(coverage) == set(FIELDS), set(FIELDS) - set(coverage)
    for w in (watch, staff_watch, reviewer_watch):
        w.assert_clean()


def test_json_apis_return_the_text_as_data(server, seeded: Seeded, watched) -> None:
    """The APIs return payloads exactly as stored, as JSON that no browser renders as a page."""
    letter_id = next(iter(seeded.letters.values()))
    number = next(n for n, i in seeded.letters.items() if i == letter_id)
    x = next(x for x in seeded.messages if x["number"] == number)
    status, view, headers = api(server.base, "/api/v1/track",
                                {"tracking_number": x["number"], "query_code": x["code"]})
    assert status == 200 and view["subject"] == x["body"]["subject"]
    assert headers["Content-Type"].startswith("application/json")
    assert headers["X-Content-Type-Options"] == "nosniff"
    with urlopen(f"{server.base}/api/v1/letters/{letter_id}", timeout=30) as r:
        letter = json.loads(r.read())
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    # exactly the published text: the reviewed payload, masked only where it repeats the
    # citizen's own name, phone or e-mail (formsvc.services.masking), never HTML-escaped
    known = [x["body"][k] for k in ("name", "phone", "email")]
    assert letter["subject"] == masking.mask_text(field_value("letter_subject", x["m"]), known)
    assert letter["reply"] == masking.mask_text(field_value("letter_reply", x["m"]), known)
    assert "&lt;" not in json.dumps(letter, ensure_ascii=False)  # data, not HTML-escaped text
    # Open311 GeoReport v2 shows the published question, the same data, as its description
    with urlopen(f"{server.base}/open311/v2/requests/{number}.json", timeout=30) as r:
        assert json.loads(r.read())[0]["description"] == letter["question"]
        assert r.headers["X-Content-Type-Options"] == "nosniff"
    # opened in the browser, the JSON is text: nothing runs, nothing is parsed as markup
    page, watch = watched()
    for path in (f"/api/v1/letters/{letter_id}", "/api/v1/letters", "/api/v1/stats",
                 "/api/v1/search?" + urlencode({"q": PAYLOADS[0].text}),
                 f"/open311/v2/requests/{number}.json", "/open311/v2/requests.json"):
        response = page.goto(path)
        assert response is not None and response.status in (200, 503), path
        watch.check(page, None, path)
        assert "json" in response.headers["content-type"], path
    watch.assert_clean()


def test_built_portal_has_no_inline_code(site_output: Path) -> None:
    """Every page of the demo portal works under the policy: no inline script or style, no on*
    handler, no javascript: URL (the same scan as tests/security for the test site)."""
    from tests.security.test_headers import inline_code

    pages = sorted(site_output.rglob("*.html"))
    assert len(pages) > 50
    problems = [f"{p.relative_to(site_output)}: {x}" for p in pages
                for x in inline_code(p.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems[:40])
