"""Property-based fuzzing (Hypothesis) of every HTML form: the five citizen forms (依申请公开 with
its confirmation step), tracking, rating, and the workbench actions as logged-in staff.

Each field gets a good value, arbitrary Unicode (control and bidi characters included), a value
just past its limit, SQL or markup, or nothing. Whatever arrives:

* the answer is a redirect (stored) or a 4xx page whose every error message is Chinese, never a
  5xx and never WTForms' English defaults;
* a refused submission stores nothing; an accepted one stores exactly one message whose text has
  been cleaned (formsvc.forms.text: no control or bidi characters survive).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from formsvc import db
from formsvc.domain import consent
from formsvc.domain.outcomes import OUTCOMES
from formsvc.forms.text import clean_text
from formsvc.models import Event, Message
from formsvc.services import codes
from formsvc.services import workbench as wb
from formsvc.services.tracking import RATINGS
from formsvc.staff.views import ACTIONS
from tests.formsvc.conftest import csrf_from, good_data, mark_replied, soup
from tests.formsvc.workbench.helpers import login, make_staff, message_row, run, submit
from tests.fuzz import budget

CJK = re.compile(r"[\u4e00-\u9fff]")
# what must never survive cleaning
DIRTY = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff]")
KINDS = ["zx", "jy", "ts", "qz", "jb", "tz", "ysqgk"]
CHOICES = {
    "department": ["", "rsj", "zjj", "xzfb", "swj", "nope"],
    "project": ["", "xny-lbj", "nope"],
    "applicant_type": ["citizen", "organization", "", "robot"],
    "org_type": ["", "business", "legal_service", "other", "church"],
    "id_type": ["", "resident_id", "passport", "other", "alien"],
    "medium": ["paper", "email", "disc", "other", "", "fax"],
    "delivery": ["post", "pickup", "email", "online", "", "pigeon"],
    "consent_publish": ["y", "", "on", "false"],
    "notify_sms": ["y", "", "on", "false"],
}
ODD = ["\x00", "\x1b[2J", "\u202e", "\ufeff", "\r\n", "\t", "\x7f", "\u0085", "👨‍👩‍👧",
       "' OR '1'='1", "<script>alert(1)</script>", "{{7*7}}", "%s%n", "\\", "　"]

# any text (surrogates cannot travel in a form body, so Hypothesis' default excludes them)
any_text = st.text(max_size=60)
odd_text = st.lists(st.one_of(st.sampled_from(ODD), st.text(max_size=5)), max_size=8).map("".join)


def field_value(name: str, good: str) -> st.SearchStrategy[str]:
    """Mostly plausible values for ``name``, often broken ones."""
    options = [st.just(good), any_text, odd_text, st.just(""),
               st.builds(lambda g, o: g + o, st.just(good), odd_text),
               st.integers(0, 2100).map(lambda n: "字" * n)]
    if name in CHOICES:
        options.append(st.sampled_from(CHOICES[name]))
    return st.one_of(*options)


def form_data(kind: str) -> st.SearchStrategy[dict[str, str]]:
    base = good_data(kind)
    names = [*base, *(n for n in CHOICES if n not in base), "website"]
    return st.fixed_dictionaries(
        {}, optional={n: field_value(n, str(base.get(n, ""))) for n in names}
    ).map(lambda d: {**base, "website": "", **d})


# the error summary's items and the messages beside the fields (a regex: parsing every page with
# BeautifulSoup took a third of each case)
ERROR_RE = re.compile(r'<(?:li|p)[^>]*class="gp-error-message"[^>]*>(.*?)</p>'
                      r'|<ul class="gp-error-summary__list">(.*?)</ul>', re.S)
TAG_RE = re.compile(r"<[^>]+>")


def _errors_are_chinese(html: str) -> list[str]:
    texts = []
    for beside, summary in ERROR_RE.findall(html):
        items = re.findall(r"<li>(.*?)</li>", summary, re.S) if summary else [beside]
        texts += [TAG_RE.sub("", t).strip() for t in items]
    for t in texts:
        assert CJK.search(t), f"an error message without Chinese: {t!r}"
    return texts


# The tests below use no long-lived app context (no ``session`` fixture): requests would share
# its ``g``, and with it one CSRF token for every client.
def _count(app: Flask, model: Any = Message) -> int:
    with app.app_context():
        s = db.new_session()
        try:
            return s.scalar(select(func.count()).select_from(model)) or 0
        finally:
            s.close()


@pytest.mark.parametrize("kind", KINDS)
def test_citizen_form(client: FlaskClient, app: Flask, database_url: str,
                      kind: str) -> None:
    token = csrf_from(soup(client.get(f"/hdjl/{kind}/new")))
    tried = 0
    statuses: Counter[int] = Counter()

    @budget.fuzz_settings(budget.cases("forms", database_url, parts=len(KINDS)))
    @given(data=form_data(kind))
    @example(data=good_data(kind))  # both paths, whatever is drawn: stored …
    @example(data={})  # … and refused
    def post(data: dict[str, str]) -> None:
        nonlocal tried
        tried += 1
        before = _count(app)
        r = client.post(f"/hdjl/{kind}/new", data={**data, "csrf_token": token})
        if kind == "ysqgk" and r.status_code == 200:  # the review page: confirm it
            page = soup(r)
            r = client.post("/hdjl/ysqgk/confirm", data={
                "csrf_token": token, "draft": page.find("input", attrs={"name": "draft"})["value"]})
        assert r.status_code in (303, 400), r.status_code
        statuses[r.status_code] += 1
        if r.status_code == 400:
            html = r.get_data(as_text=True)
            texts = _errors_are_chinese(html)
            assert texts or "提交未被受理" in html, "a 400 without a message"
            assert _count(app) == before, "a refused submission stored something"
            return
        assert _count(app) == before + 1
        number = r.headers["Location"].rsplit("/", 1)[-1]
        m = message_row(app, number)
        for value in (m.name, m.subject, m.phone, m.email, m.address,
                      *(str(v) for v in m.details.values())):
            assert not DIRTY.search(value), value
            assert value == value.strip()
        assert not DIRTY.search(m.content.replace("\t", ""))

    try:
        post()
    finally:
        budget.record("forms", database_url, tried)
    # both paths were exercised: some input was stored, some refused
    assert statuses[303] and statuses[400], statuses


# --- tracking and rating -------------------------------------------------------------------------

def mangled(value: str) -> st.SearchStrategy[str]:
    """The real value, as people mistype it, or anything."""
    return st.one_of(
        st.just(value), st.just(value.lower()), st.just(f" {value[:5]} {value[5:]} "),
        st.just(value.replace("-", "")), st.just(value[:-1]),
        st.builds(lambda i, c: value[:i] + c + value[i + 1:], st.integers(0, len(value) - 1),
                  st.sampled_from("0O1IL2Z")),
        st.builds(lambda o: value + o, odd_text), any_text, odd_text)


@pytest.fixture
def replied(app: Flask, client: FlaskClient) -> tuple[str, str]:
    number, code = submit(client, "zx", department="")
    mark_replied(app, number)
    return number, code


def test_tracking_and_rating_forms(client: FlaskClient, app: Flask,
                                   database_url: str, replied: tuple[str, str]) -> None:
    number, code = replied
    token = csrf_from(soup(client.get("/hdjl/track")))
    tried = 0
    statuses: Counter[int] = Counter()

    @budget.fuzz_settings(budget.cases("tracking", database_url))
    @given(n=mangled(number), c=mangled(code), rating=st.one_of(
        st.sampled_from([*RATINGS, ""]), any_text), comment=st.one_of(
        st.just(""), odd_text, st.integers(0, 600).map(lambda k: "评" * k)),
        rate=st.booleans(), api=st.booleans())
    @example(n=number, c=code, rating="", comment="", rate=False, api=False)
    @example(n=number, c=code[::-1], rating="", comment="", rate=False, api=True)
    def track(n: str, c: str, rating: str, comment: str, rate: bool, api: bool) -> None:
        nonlocal tried
        tried += 1
        events = _count(app, Event)
        if api:
            url = "/api/v1/rate" if rate else "/api/v1/track"
            r = client.post(url, json={"tracking_number": n, "query_code": c, "rating": rating,
                                       "comment": comment})
            assert r.status_code in (200, 400, 404, 409), r.status_code
            if r.status_code != 200:
                body = r.get_json()
                assert set(body) >= {"code", "message"} and CJK.search(body["message"])
        else:
            url = "/hdjl/track/rate" if rate else "/hdjl/track"
            r = client.post(url, data={"csrf_token": token, "tracking_number": n,
                                       "query_code": c, "rating": rating, "comment": comment})
            assert r.status_code in (200, 400, 404), r.status_code
            if r.status_code != 200:
                _errors_are_chinese(r.get_data(as_text=True))
        statuses[r.status_code] += 1
        if r.status_code == 200:
            # only the real pair opens the message, however it was typed (spaces, dashes, case,
            # invisible characters: the service's own normalising is the oracle)
            assert codes.normalize_number(clean_text(n)) == number
            assert codes.normalize(clean_text(c)) == code
        else:
            assert _count(app, Event) == events, "a refused request changed the record"

    try:
        track()
    finally:
        budget.record("tracking", database_url, tried)
    assert statuses[200] and statuses[404], statuses


# --- the workbench -------------------------------------------------------------------------------

STAFF_FIELDS = ("department", "note", "due_date", "days", "text", "outcome", "outcome_note",
                "subject", "question", "reply", "reviewed", "report_row", "revision", "answer", "step",
                "assignee")
STAFF_CHOICES = {
    "department": ["rsj", "zjj", "xzfb", "", "nope"],
    "due_date": ["2099-01-05", "2000-01-01", "2026-02-30", "tomorrow", ""],
    "days": ["5", "20", "0", "-3", "999999999999", "五", ""],
    "outcome": [*OUTCOMES, "", "nope"],
    "step": [*wb.REPLY_STEPS, "", "nope"],  # the reply form's buttons
    "report_row": ["", "withheld.secret", "unable.needs_making", "disclosed", "nope"],
    "reviewed": ["y", "", "1"],
    "revision": ["1", "2", "0", "-1", "01", "1.0", ""],  # the proposal a page approves
    "answer": ["yes", "no", "", "maybe", "1"],  # reconfirm_consent
    "assignee": ["", "1", "2", "3", "-1", "abc", "1.0"],  # assign: staff ids, some of rsj's
}


def staff_form(nul: bool) -> st.SearchStrategy[dict[str, str]]:
    """Form data of the workbench actions; ``nul`` False keeps NUL out (see test_text_input)."""
    keep = st.characters() if nul else st.characters(exclude_characters="\x00")
    odd = odd_text if nul else odd_text.map(lambda t: t.replace("\x00", ""))

    def value(name: str) -> st.SearchStrategy[str]:
        options = [st.text(keep, max_size=60), odd, st.just("同意。"),
                   st.integers(0, 5100).map(lambda n: "办" * n)]
        if name in STAFF_CHOICES:
            options.append(st.sampled_from(STAFF_CHOICES[name]))
        # a form body is UTF-8: a lone surrogate cannot be sent at all (the test client refuses)
        return st.one_of(*options).map(
            lambda t: "".join(c for c in t if not "\ud800" <= c <= "\udfff"))

    return st.fixed_dictionaries({"note": st.one_of(st.just("已核实。"), value("note"))},
                                 optional={n: value(n) for n in STAFF_FIELDS if n != "note"})


@pytest.fixture
def staffed(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """Accounts of every role and a handful of messages in different states."""
    for username, role, dept in (("disp", "dispatcher", ""), ("h", "handler", "rsj"),
                                 ("r", "reviewer", "rsj"), ("sup", "supervisor", ""),
                                 ("adm", "admin", "")):
        make_staff(app, username, role, dept)
    numbers = []
    for kind in ("zx", "ysqgk", "ts", "zx"):
        number, _ = submit(client, kind, department="" if kind != "ysqgk" else "xzfb",
                           consent_publish=True)
        numbers.append(number)
    run(app, "disp", wb.dispatch, numbers[0], "rsj")
    run(app, "disp", wb.dispatch, numbers[2], "rsj")
    # answered, with a letter proposed for publication: approving and returning have a target
    number, _ = submit(client, "jy", department="", consent_publish=True)
    run(app, "disp", wb.dispatch, number, "rsj")
    run(app, "h", wb.save_draft, number, "已纳入明年计划。")
    run(app, "h", wb.send_reply, number)
    run(app, "h", wb.propose, number, "标题", "问题", "答复", True)
    numbers.append(number)
    # consent stored before migration 0008: reconfirm_consent has something to record
    with app.app_context(), db.get_engine(app).begin() as conn:
        conn.execute(update(Message).where(Message.tracking_number == numbers[2])
                     .values(consent_source=consent.UNKNOWN))
    clients = {}
    for username in ("disp", "h", "r", "sup", "adm"):
        c = app.test_client()
        r = login(c, username)
        assert r.status_code == 303, soup(r).get_text(" ", strip=True)[:300]
        clients[username] = (c, csrf_from(soup(c.get("/hdjl/staff/inbox"))))
    return {"numbers": numbers, "clients": clients}


def test_workbench_actions(app: Flask, database_url: str,
                           staffed: dict[str, Any]) -> None:
    tried = 0
    statuses: Counter[int] = Counter()

    @budget.fuzz_settings(budget.cases("workbench", database_url))
    @given(who=st.sampled_from(sorted(staffed["clients"])),
           number=st.sampled_from(staffed["numbers"]),
           # half the time the one action every role may take on any message in its scope
           action=st.one_of(st.just("note"), st.sampled_from(sorted(ACTIONS))),
           form=staff_form(nul=True))
    @example(who="adm", number=staffed["numbers"][0], action="note", form={"note": "已电话联系。"})
    @example(who="adm", number=staffed["numbers"][0], action="note", form={"note": ""})
    @example(who="h", number=staffed["numbers"][1], action="note", form={"note": "不在本单位"})
    def act(who: str, number: str, action: str, form: dict[str, str]) -> None:
        nonlocal tried
        tried += 1
        client, token = staffed["clients"][who]
        events = _count(app, Event)
        r = client.post(f"/hdjl/staff/m/{number}/{action}", data={**form, "csrf_token": token})
        assert r.status_code in (303, 400, 404), (who, action, r.status_code)
        statuses[r.status_code] += 1
        if r.status_code == 400:
            texts = _errors_are_chinese(r.get_data(as_text=True))
            assert texts, "a 400 without a message"
            assert _count(app, Event) == events, "a refused action was logged"

    try:
        act()
    finally:
        budget.record("workbench", database_url, tried)
    assert statuses[303] and statuses[400] and statuses[404], statuses
