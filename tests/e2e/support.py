"""Helpers for the browser tests: the guard every page runs under, axe-core, page weight, forms.

Nothing here imports Playwright at module level, so the folder is collected (and skipped with a
clear message) on machines without it.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Page, Request, Response, Route

HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("GP_E2E_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(os.environ.get("GP_E2E_ARTIFACTS", HERE / "artifacts"))
AXE_JS = HERE / "vendor" / "axe-core" / "axe.min.js"
# WCAG 2.1 level A and AA, nothing else (best-practice rules are advice, not the standard)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = (360, 1280)
PAGE_WEIGHT_LIMIT = 100 * 1024  # HTML + CSS + JavaScript, uncompressed, images apart
ALLOWED_HOSTS = {"127.0.0.1"}
def production_csp() -> str:
    """The Content-Security-Policy of deploy/nginx/security-headers.conf ('' if there is none)."""
    conf = HERE.parent.parent / "deploy" / "nginx" / "security-headers.conf"
    if not conf.is_file():
        return ""
    m = re.search(r'^\s*add_header\s+Content-Security-Policy\s+"([^"]+)"', conf.read_text(encoding="utf-8"),
                  re.MULTILINE)
    return m.group(1) if m else ""


PRODUCTION_CSP = production_csp()
# Page weights measured by the page tests (page type → bytes), printed at the end of the run.
WEIGHTS: dict[str, dict[str, int]] = {}
# whether this run collected browser tests (the summary says why they were skipped only then)
COLLECTED = {"e2e": False}


def unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if os.environ.get("GP_E2E") == "0":
        return "GP_E2E=0 is set"
    if not CHROMIUM.is_file():
        return f"{CHROMIUM} not found (install Debian's chromium: apt-get install chromium fonts-noto-cjk)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


def terminal_summary(terminalreporter: Any) -> None:
    """The page weights (or why the browser tests were skipped), at the end of the run; called
    by tests/conftest.py, which in a parallel run has the figures of every worker."""
    if not COLLECTED["e2e"]:
        return
    reason = unavailable()
    if reason:
        terminalreporter.write_line(f"e2e: browser tests (tests/e2e) SKIPPED: {reason}", yellow=True)
        return
    if not WEIGHTS:
        return
    rows = sorted(WEIGHTS.items(), key=lambda kv: -sum(kv[1].values()))
    terminalreporter.section("page weight (HTML + CSS + JS, uncompressed; heaviest first)")
    lines = []
    for name, w in rows:
        total = sum(w.values())
        lines.append(f"{total / 1024:7.1f} KB  html {w['html'] / 1024:6.1f}  css {w['css'] / 1024:5.1f}"
                     f"  js {w['js'] / 1024:5.1f}  {name}")
    for line in lines[:10]:
        terminalreporter.write_line(line)
    terminalreporter.write_line(f"(all {len(lines)} pages in {ARTIFACTS / 'page-weight.txt'}; "
                                f"screenshots in {ARTIFACTS})")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-weight.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
LOAD_FAILED = re.compile(r"^Failed to load resource: the server responded with a status of (\d+)")


def _multipart(request: Request) -> bool:
    # route.fetch() re-sends the body, and Chromium hands an interception the parts of a file
    # upload empty; a form with files goes through untouched (its answer misses the production
    # CSP header for that one page, every other page keeps it)
    return request.method == "POST" and request.headers.get("content-type", "").startswith(
        "multipart/")


@dataclass
class Guard:
    """Everything that must not happen on a page, recorded while the test runs, checked at the end.

    - a request to any host but 127.0.0.1 (aborted, so it never leaves the machine)
    - a console error or an uncaught JavaScript exception
    - a sub-resource (CSS, JS, image, font) that fails or answers ≥ 400
    A page that is itself meant to answer 400/404 (a form with errors, the 404 page) makes Chromium
    log "Failed to load resource" for the document: that one line is excused because the test
    checks the document's status itself; the same line for anything else is not.
    """

    foreign: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    bad_resources: list[str] = field(default_factory=list)
    documents: set[tuple[str, int]] = field(default_factory=set)

    def attach(self, context: BrowserContext) -> None:
        context.route("**/*", self._route)
        context.on("page", self._watch)
        context.on("requestfailed", self._request_failed)

    def _route(self, route: Route) -> None:
        request = route.request
        if urlsplit(request.url).hostname not in ALLOWED_HOSTS:
            self.foreign.append(request.url)
            route.abort("blockedbyclient")
        elif request.resource_type == "document" and PRODUCTION_CSP and not _multipart(request):
            # pages are tested under the Content-Security-Policy nginx sends in production, so an
            # inline script or style that production would block shows up as a console error
            response = route.fetch(max_redirects=0)
            headers = {**response.headers, "content-security-policy": PRODUCTION_CSP}
            route.fulfill(response=response, headers=headers)
        else:
            route.continue_()

    def _watch(self, page: Page) -> None:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        page.on("response", self._response)

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        where = (msg.location or {}).get("url", "")
        self.console_errors.append(f"{where}: {msg.text}")

    def _response(self, response: Response) -> None:
        request = response.request
        if request.is_navigation_request() and request.frame.parent_frame is None:
            self.documents.add((response.url, response.status))
        elif response.status >= 400:
            self.bad_resources.append(f"{response.status} {response.url}")

    def _request_failed(self, request: Request) -> None:
        # net::ERR_ABORTED: the page moved on (a click, a submit) before the load finished
        if urlsplit(request.url).hostname in ALLOWED_HOSTS and not request.is_navigation_request() \
                and "ERR_ABORTED" not in (request.failure or ""):
            self.bad_resources.append(f"failed ({request.failure}) {request.url}")

    def problems(self) -> list[str]:
        out = [f"request to another host: {u}" for u in self.foreign]
        out += [f"JavaScript error: {e}" for e in self.page_errors]
        out += [f"sub-resource failed: {r}" for r in self.bad_resources]
        for line in self.console_errors:
            url, _, text = line.partition(": ")
            m = LOAD_FAILED.match(text)
            if m and (url, int(m.group(1))) in self.documents:
                continue  # the document's own 4xx status, asserted by the test
            out.append(f"console error: {line}")
        return out


def settle(page: Page) -> None:
    """Wait until the page has handled a resize or a class change: two animation frames, so that
    resize events and ResizeObserver callbacks (site.js) have run."""
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")


# --- what a person sees: layout checks run on every page at every width and mode ----------------

# Returns a list of problems (strings) on the page as laid out now:
# - a table wider than its container that is not in a scrolling .gp-table-wrap with its shadow cue
# - a heading, table header, caption or list tag with a line holding a single character (CJK text
#   may break between any two characters, so "投/诉" or a lone "日" is what a squeezed layout makes)
# - a column of a data table that is "—" in every row (an optional column nobody filled)
# - a date (YYYY-MM-DD) broken over two lines
# - a signature block (.gp-signature) not right-aligned or indented
# - an ASCII space after "。" in the text people read
_LAYOUT_JS = r"""
() => {
  const problems = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;
    // checkVisibility: false inside a closed <details> (content-visibility) and for display: none
    return el.checkVisibility({visibilityProperty: true}) && getComputedStyle(el).clipPath === "none";
  };
  const name = (el) => el.tagName.toLowerCase() + (el.className ? "." + String(el.className).trim().split(/\s+/).join(".") : "")
    + " “" + el.textContent.trim().slice(0, 20) + "”";
  for (const table of document.querySelectorAll("table")) {
    if (!visible(table)) continue;
    const wrap = table.closest(".gp-table-wrap");
    const box = wrap || table.parentElement;
    if (table.getBoundingClientRect().width <= box.clientWidth + 1) continue;
    const st = wrap && getComputedStyle(wrap);
    if (!wrap || !/auto|scroll/.test(st.overflowX) || !/gradient/.test(st.backgroundImage)) {
      problems.push(`table wider than its container without a scroll cue: ${name(table)}`);
    }
  }
  for (const el of document.querySelectorAll("h1, h2, h3, h4, th, caption, .gp-doc-list__tag")) {
    if (!visible(el)) continue;
    const lines = new Map();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    const range = document.createRange();
    let total = 0;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!visible(node.parentElement)) continue;
      const text = node.textContent;
      for (let i = 0; i < text.length; i++) {
        if (/\s/.test(text[i])) continue;
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = range.getBoundingClientRect();
        if (rect.width === 0) continue;
        const top = Math.round(rect.top + rect.height / 2);
        let key = [...lines.keys()].find((k) => Math.abs(k - top) < rect.height / 2);
        if (key === undefined) { key = top; lines.set(key, ""); }
        lines.set(key, lines.get(key) + text[i]);
        total++;
      }
    }
    if (total < 2 || lines.size < 2) continue;
    for (const chars of lines.values()) {
      if (chars.length === 1) {
        problems.push(`one character alone on a line ("${chars}") in ${name(el)}`);
        break;
      }
    }
  }
  for (const table of document.querySelectorAll("table.gp-table")) {
    const rows = [...table.tBodies].flatMap((b) => [...b.rows]);
    if (rows.length < 2) continue;
    const heads = table.tHead ? [...table.tHead.rows[0].cells] : [];
    heads.forEach((th, i) => {
      if (rows.every((r) => r.cells[i] && r.cells[i].textContent.trim() === "—")) {
        problems.push(`a column empty ("—") in every row: ${th.textContent.trim()}`);
      }
    });
  }
  const dates = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const dateRange = document.createRange();
  for (let node = dates.nextNode(); node; node = dates.nextNode()) {
    for (const m of node.textContent.matchAll(/\d{4}-\d{2}-\d{2}/g)) {
      dateRange.setStart(node, m.index);
      dateRange.setEnd(node, m.index + m[0].length);
      const rects = [...dateRange.getClientRects()].filter((r) => r.width > 0);
      if (new Set(rects.map((r) => Math.round(r.top))).size > 1) {
        problems.push(`a date broken over two lines: ${m[0]} in ${name(node.parentElement)}`);
      }
    }
  }
  for (const p of document.querySelectorAll(".gp-signature")) {
    const st = getComputedStyle(p);
    if (!["right", "end"].includes(st.textAlign) || parseFloat(st.textIndent) !== 0) {
      problems.push(`signature block not right-aligned without indent (${st.textAlign}, ${st.textIndent}): ${name(p)}`);
    }
  }
  const spaced = document.body.innerText.match(/。 [^\s]/g);
  if (spaced) problems.push(`ASCII space after "。" (${spaced.length}×): ${spaced.slice(0, 3).join(" | ")}`);
  return problems;
}
"""


def layout_problems(page: Page) -> list[str]:
    """What a person would notice on the page as laid out now (see _LAYOUT_JS)."""
    return page.evaluate(_LAYOUT_JS)


# --- which file of the built site is which page type ------------------------------------------

def _url(out: Path, path: Path) -> str:
    rel = path.relative_to(out).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def _first(out: Path, pattern: str, test: Callable[[Path], bool] = lambda p: True) -> str | None:
    for path in sorted(out.glob(pattern)):
        if test(path):
            return _url(out, path)
    return None


def _text_has(*needles: str, without: str = "") -> Callable[[Path], bool]:
    def test(path: Path) -> bool:
        text = path.read_text(encoding="utf-8")
        return all(n in text for n in needles) and not (without and without in text)
    return test


def _not_index(path: Path) -> bool:
    return not path.name.startswith("index")


def discover(out: Path) -> dict[str, str | None]:
    """Page type → its URL in the built site (None when the demo content has no such page)."""
    guide = _first(out, "bsfw/zn/*.html", lambda p: _not_index(p) and not p.stem.endswith("-qd"))
    return {
        "home": "/",
        # section indexes
        "zwdt": "/zwdt/",
        "xxgk": "/xxgk/",
        "bsfw": "/bsfw/",
        "zsyz": "/zsyz/",
        "jg": "/jg/",
        # 信息公开
        "xxgk-catalog": "/xxgk/ml/",
        "xxgk-topic": _first(out, "xxgk/ml/zt/*/index.html"),
        "xxgk-publisher": _first(out, "xxgk/ml/jg/*/index.html"),
        "xxgk-year": _first(out, "xxgk/ml/nd/*/index.html"),
        "xxgk-doc-valid": _first(out, "xxgk/wj/*.html",
                                 _text_has("gp-metadata", "gp-signature", without="gp-validity-banner")),
        "xxgk-doc-modified": _first(out, "xxgk/wj/*.html", _text_has("gp-validity-banner--modified")),
        "xxgk-doc-repealed": _first(out, "xxgk/wj/*.html", _text_has("gp-validity-banner--invalid")),
        "xxgk-guide": _first(out, "xxgk/zn.html"),
        "xxgk-annual-report": _first(out, "xxgk/nb/*.html", _not_index),
        # 办事服务
        "bsfw-department": _first(out, "bsfw/bm/*/index.html"),
        "bsfw-type": _first(out, "bsfw/lx/*/index.html"),
        "bsfw-life-event": _first(out, "bsfw/gr/*/index.html"),
        "bsfw-business": _first(out, "bsfw/fr/*/index.html"),
        "guide": guide,
        "guide-checklist": guide.replace(".html", "-qd.html") if guide else None,
        # 招商引资
        "zsyz-projects": "/zsyz/xm/",
        "zsyz-industry": _first(out, "zsyz/xm/cy/*/index.html"),
        "project": _first(out, "zsyz/xm/*.html", _not_index),
        "zsyz-page": _first(out, "zsyz/tz/*.html", _not_index),
        # 政务动态
        "news-column": _first(out, "zwdt/*/index.html"),
        "news-item": _first(out, "zwdt/*/*.html", _not_index),
        # 机构, fixed pages, errors
        "department": _first(out, "jg/*.html", _not_index),
        "sitemap": "/sitemap.html",
        "accessibility": "/accessibility.html",
        "contact": "/contact.html",
        "not-found": "/this-page-does-not-exist.html",
        # 职权目录: the catalogue, a category, a 处罚 with its 裁量基准 and both flowcharts
        "power-catalogue": _first(out, "xxgk/ql/index.html"),
        "power-category": _first(out, "xxgk/ql/lb/*/index.html"),
        "power-item": _first(out, "xxgk/ql/*.html", _text_has("gp-table--discretion", "flow-internal")),
    }


# --- axe-core -----------------------------------------------------------------------------------

@functools.cache
def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8") + "\n;undefined"


def run_axe(page: Page) -> dict[str, Any]:
    """Run axe-core (vendored, injected from the local file) on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol, which the page's CSP does not restrict
        page.evaluate(axe_source())
    return page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations", "incomplete"],
            });
            const slim = (list) => list.map((v) => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({target: n.target.join(" "), html: n.html.slice(0, 200),
                                            summary: n.failureSummary || ""})),
            }));
            return {violations: slim(r.violations), incomplete: slim(r.incomplete)};
        }""",
        AXE_TAGS,
    )


def describe_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for n in v["nodes"][:5]:
            lines.append(f"    {n['target']}: {n['summary'].splitlines()[-1] if n['summary'] else ''}")
            lines.append(f"      {n['html']}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


# --- page weight --------------------------------------------------------------------------------

def page_weight(page: Page) -> dict[str, int]:
    """Uncompressed bytes of the document and of every stylesheet and script it loaded."""
    return page.evaluate(
        """() => {
            const nav = performance.getEntriesByType("navigation")[0];
            const out = {html: nav ? nav.decodedBodySize : document.documentElement.outerHTML.length,
                         css: 0, js: 0};
            for (const e of performance.getEntriesByType("resource")) {
                const path = new URL(e.name).pathname;
                if (path.endsWith(".css")) out.css += e.decodedBodySize;
                else if (path.endsWith(".js") || e.initiatorType === "script") out.js += e.decodedBodySize;
            }
            return out;
        }"""
    )


# --- checks on the page as a person meets it ----------------------------------------------------

def unlabelled_controls(page: Page) -> list[str]:
    """Visible form controls without an accessible name from a <label> (or aria-label)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll("input, select, textarea"))
            .filter((el) => el.type !== "hidden" && el.type !== "submit" && el.type !== "button")
            .filter((el) => !el.closest("[aria-hidden='true']"))
            .filter((el) => !((el.labels && el.labels.length && el.labels[0].textContent.trim())
                              || el.getAttribute("aria-label") || el.getAttribute("aria-labelledby")))
            .map((el) => el.outerHTML.slice(0, 120))"""
    )


def focus_indicator(page: Page) -> dict[str, Any]:
    """The focused element and whether its focus style differs visibly from its resting style."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return {tag: "body", id: "", href: null, visible: false, text: "", onscreen: false};
            const cs = getComputedStyle(el);
            const outline = cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) >= 2;
            const shadow = cs.boxShadow && cs.boxShadow !== "none";
            const r = el.getBoundingClientRect();
            return {tag: el.tagName.toLowerCase(), id: el.id, text: (el.textContent || el.value || "").trim().slice(0, 40),
                    href: el.getAttribute("href"), visible: outline || shadow,
                    outline: cs.outlineStyle + " " + cs.outlineWidth + " " + cs.outlineColor,
                    background: cs.backgroundColor, shadow: cs.boxShadow,
                    onscreen: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight
                              && r.right > 0 && r.left < innerWidth};
        }"""
    )


def json_dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")


# --- citizens' data -----------------------------------------------------------------------------

CITIZEN = {
    "name": "王秀英",
    "phone": "13912345678",
    "email": "wangxiuying@example.com",
    "content": "我今年六十八岁，想了解在县里办理老年人优待证需要带哪些材料，可以让子女代办吗？",
}


def fill_message(page: Page, subject: str, *, phone: str | None = None,
                 department: str | None = None, content: str | None = None) -> None:
    """Fill an ordinary message form (咨询, 建议, 投诉, 投资咨询) by its visible labels."""
    page.get_by_label("姓名").fill(CITIZEN["name"])
    page.get_by_label("联系电话").fill(phone or CITIZEN["phone"])
    page.get_by_label("电子邮箱").fill(CITIZEN["email"])
    if department:
        page.get_by_label("办理单位").select_option(label=department)
    page.get_by_label("标题").fill(subject)
    page.get_by_label("内容", exact=False).first.fill(content or CITIZEN["content"])


def fill_disclosure(page: Page) -> None:
    """Fill the 依申请公开 form as a citizen applicant."""
    page.get_by_label("自然人").check()
    page.get_by_label("姓名").fill("李建国")
    page.get_by_label("身份证件类型").select_option(value="resident_id")
    page.get_by_label("证件号码").fill("11010519491231002X")
    page.get_by_label("联系电话").fill("0123-6612345")
    page.get_by_label("电子邮箱").fill("lijianguo@example.com")
    page.get_by_label("通信地址").fill("示范县人民路1号")
    page.get_by_label("所需政府信息的名称").fill("2024年县级财政预算执行情况")
    page.get_by_label("所需政府信息的内容描述").fill("申请公开2024年示范县县级财政预算执行情况的报告全文。")
    # the radio groups (the innermost fieldsets), not the form section of the same name
    page.get_by_role("group", name=re.compile(r"^提供信息的形式\s*（必填）")).get_by_label("电子邮件").check()
    page.get_by_role("group", name=re.compile(r"^获取信息的方式\s*（必填）")).get_by_label("电子邮件").check()


def receipt_numbers(page: Page) -> tuple[str, str]:
    return (page.locator("#tracking-number").inner_text().strip(),
            page.locator("#query-code").inner_text().strip())


StepFn = Callable[["Page"], None]


# --- moving through the site as a person does -----------------------------------------------

NUMBER = re.compile(r"^(ZX|JY|TS|QZ|JB|TZ|GK)\d{8}-[2-9A-HJKMNP-Z]{6}$")


def click_and_wait(page: Page, locator) -> int:
    """Click a link or submit button and wait for the page it leads to; its HTTP status."""
    with page.expect_navigation() as nav:
        locator.click()
    response = nav.value
    assert response is not None
    return response.status


def main(page: Page):
    return page.locator("main")


def h1(page: Page) -> str:
    return page.locator("h1").inner_text().strip()


def receipt(page: Page, kind_label: str) -> tuple[str, str]:
    assert h1(page) in ("留言已提交", "申请已提交")
    number, code = receipt_numbers(page)
    assert NUMBER.match(number), number
    assert re.fullmatch(r"[A-Z0-9]{6,12}", code), code
    assert kind_label in page.locator(".gp-metadata").inner_text()
    return number, code


def track(page: Page, number: str, code: str) -> str:
    """From the home page: 办理进度查询 (a shortcut in the first screen); returns the status shown."""
    page.goto("/")
    click_and_wait(page, page.get_by_role("list", name="常用服务").get_by_role("link", name="办理进度查询"))
    assert h1(page) == "查询办理进度"
    page.get_by_label("受理编号").fill(number)
    page.get_by_label("查询码").fill(code)
    assert click_and_wait(page, page.get_by_role("button", name="查询")) == 200
    assert h1(page) == f"办理进度：{number}"
    return page.locator("#status").inner_text().strip()


@contextlib.contextmanager
def server_db(server: Any) -> Iterator[sqlite3.Connection]:
    """The e2e server's SQLite database, straight: for what no page does (a receipt on another
    day, a due date in the past) and what a test looks up; committed when the block ends well."""
    path = Path(server.env["FORMSVC_INSTANCE_PATH"]) / "formsvc.sqlite3"
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        yield conn
