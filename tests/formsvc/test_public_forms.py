"""The HTML forms: every kind end to end, and one test per validation rule with its message."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.models import Message, OutboxNotification
from tests.formsvc.conftest import (
    NUMBER_RE,
    check_page,
    count_rows,
    error_texts,
    good_data,
    post_form,
    receipt_of,
    soup,
    summary_texts,
)

ORDINARY = ["zx", "jy", "ts", "tz"]


@pytest.mark.parametrize("url", ["/hdjl/", "/hdjl/zx/new", "/hdjl/jy/new", "/hdjl/ts/new",
                                 "/hdjl/tz/new", "/hdjl/ysqgk/new", "/hdjl/track"])
def test_pages_render_through_the_theme(client: FlaskClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 200
    page = soup(r)
    check_page(page)
    assert page.select_one(".gp-breadcrumb"), "breadcrumb missing"
    assert page.select_one('.gp-nav__link[aria-current]').get_text() == "互动交流"


@pytest.mark.parametrize("kind", ORDINARY)
def test_submit_each_kind_through_html(client: FlaskClient, session: Session, kind: str) -> None:
    r = post_form(client, kind, good_data(kind))
    assert r.status_code == 303
    assert r.headers["Location"].startswith("/hdjl/receipt/")
    receipt = client.get(r.headers["Location"])
    assert receipt.status_code == 200
    check_page(soup(receipt))
    number, code = receipt_of(receipt)
    assert NUMBER_RE.match(number) and number.startswith(kind.upper()[:2])
    assert 6 <= len(code) <= 8
    assert "办理期限如何计算" in receipt.get_data(as_text=True)
    m = session.scalar(select(Message).where(Message.tracking_number == number))
    assert m is not None and m.kind == kind and m.status == "submitted"
    assert m.query_code_hash != code and code not in m.query_code_hash  # stored hashed
    assert [e.action for e in m.events] == ["submit"]
    assert m.events[0].from_status is None and m.events[0].to_status == "submitted"
    if kind == "tz":
        assert m.project_slug == "xny-lbj"
    outbox = session.scalars(select(OutboxNotification)).all()
    assert {o.template for o in outbox} == {"new_message", "receipt"}
    assert all(code not in str(o.payload) for o in outbox)


def test_receipt_then_tracking_through_html(client: FlaskClient) -> None:
    number, code = receipt_of(post_form(client, "zx", good_data("zx"), follow=True))
    page = soup(client.get("/hdjl/track"))
    r = client.post("/hdjl/track", data={"csrf_token": page.find(
        "input", attrs={"name": "csrf_token"})["value"], "tracking_number": number,
        "query_code": code.lower()})
    assert r.status_code == 200
    status = soup(r)
    check_page(status)
    assert status.find(id="status").get_text(strip=True) == "已提交，待分办"
    assert "提交留言" in status.select_one(".gp-steps").get_text()


def test_unsure_department_goes_to_dispatcher(client: FlaskClient, session: Session) -> None:
    post_form(client, "zx", good_data("zx", department=""))
    m = session.scalars(select(Message)).one()
    assert m.department_id is None
    out = session.scalars(select(OutboxNotification).where(
        OutboxNotification.template == "new_message")).one()
    assert out.recipient == "12345@shifan.gov.cn"


def test_project_prefilled_from_query_string(client: FlaskClient) -> None:
    page = soup(client.get("/hdjl/tz/new?project=xny-lbj"))
    selected = page.select_one("#project option[selected]")
    assert selected["value"] == "xny-lbj"
    assert "新能源汽车" in selected.get_text()
    # an unknown slug is ignored rather than failing
    page = soup(client.get("/hdjl/tz/new?project=nope"))
    assert page.select_one("#project option[selected]")["value"] == ""


def test_department_link_from_the_department_page_preselects_it(client: FlaskClient) -> None:
    """/jg/<code>.html links to /hdjl/zx/new?department=<code> (issue 18, defect 7)."""
    page = soup(client.get("/hdjl/zx/new?department=zjj"))
    selected = page.select_one("#department option[selected]")
    assert selected is not None and selected["value"] == "zjj"
    assert "住房和城乡建设局" in selected.get_text()
    # the disclosure form offers only the disclosure offices: another code leaves its default
    page = soup(client.get("/hdjl/ysqgk/new?department=zjj"))
    assert page.select_one("#department option[selected]")["value"] == "xzfb"
    # an unknown, odd or absent code is ignored: the form as without the link
    for odd in ("nope", "zjj%00", "%3Cscript%3E", "x" * 2000, "", "ZJJ"):
        r = client.get(f"/hdjl/zx/new?department={odd}")
        assert r.status_code == 200
        assert soup(r).select_one("#department option[selected]")["value"] == ""


# autofill tokens of the "multiline" group: valid on a <textarea> or <select>, not an <input>
MULTILINE_AUTOFILL = {"street-address"}


@pytest.mark.parametrize("kind", [*ORDINARY, "ysqgk"])
def test_autocomplete_tokens_fit_their_controls(client: FlaskClient, kind: str) -> None:
    """The W3C checker's one error was autocomplete="street-address" on a one-line input."""
    page = soup(client.get(f"/hdjl/{kind}/new"))
    for control in page.find_all("input", attrs={"autocomplete": True}):
        tokens = set(str(control["autocomplete"]).split())
        assert not tokens & MULTILINE_AUTOFILL, control


def test_routing_redirect_is_not_an_error_page(client: FlaskClient) -> None:
    r = client.get("/hdjl")
    assert r.status_code == 308 and r.headers["Location"].endswith("/hdjl/")


def test_unknown_kind_is_404(client: FlaskClient) -> None:
    r = client.get("/hdjl/xx/new")
    assert r.status_code == 404
    assert "页面不存在" in r.get_data(as_text=True)


def test_post_without_csrf_is_rejected(client: FlaskClient, app: Flask) -> None:
    r = client.post("/hdjl/zx/new", data=good_data("zx"))
    assert r.status_code == 400
    assert "页面已过期" in r.get_data(as_text=True)
    assert count_rows(app)["message"] == 0


# --- one test per rule: the message beside the field and in the summary, input kept ------

RULES = [
    ("name", {"name": ""}, "请填写姓名"),
    ("name", {"name": "张" * 51}, "姓名不能超过 50 个字，目前 51 个字"),
    ("phone", {"phone": ""}, "请填写联系电话"),
    ("phone", {"phone": "12345678901"}, "请输入正确的手机号码（11 位）或固定电话（区号-号码，如 0123-6612345）"),
    ("phone", {"phone": "123-4567"}, "请输入正确的手机号码"),
    ("email", {"email": "zhangsan@"}, "请输入正确的电子邮箱地址，如 name@example.com"),
    ("subject", {"subject": ""}, "请填写标题"),
    ("subject", {"subject": "题" * 101}, "标题不能超过 100 个字，目前 101 个字"),
    ("content", {"content": ""}, "请填写内容"),
    ("content", {"content": "太短了"}, "内容至少 10 个字，目前 3 个字"),
    ("content", {"content": "长" * 2001}, "内容不能超过 2000 个字，目前 2001 个字"),
    ("department", {"department": "nope"}, "请从列表中选择办理单位"),
]


@pytest.mark.parametrize(("field", "change", "message"), RULES,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(RULES)])
def test_validation_rule(client: FlaskClient, app: Flask, field: str, change: dict,
                         message: str) -> None:
    data = good_data("zx", **change)
    r = post_form(client, "zx", data)
    assert r.status_code == 400
    page = soup(r)
    check_page(page)
    assert error_texts(page)[field].startswith(message)
    assert any(t.startswith(message) for t in summary_texts(page))
    assert page.select_one(f'.gp-error-summary a[href="#{field}"]')
    assert page.title.string.startswith("错误：")
    # the rest of the input is kept
    assert page.find(id="subject").get("value", "") == data["subject"][:100] or field == "subject"
    assert page.find(id="content").get_text() == data["content"] or field == "content"
    assert count_rows(app)["message"] == 0


def test_valid_phone_formats(client: FlaskClient, app: Flask) -> None:
    for i, phone in enumerate(["13912345678", "0123-6612345", "01236612345", "010-12345678"]):
        r = post_form(client, "zx", good_data("zx", phone=phone, content=f"第{i}次咨询的内容，请答复。"))
        assert r.status_code == 303, phone


def test_phone_with_spaces_is_stripped_and_normalised(client: FlaskClient,
                                                      session: Session) -> None:
    assert post_form(client, "zx", good_data("zx", phone=" 138 1234 5678 ")).status_code == 303
    assert session.scalars(select(Message)).one().phone == "13812345678"


def test_unknown_project_rejected(client: FlaskClient) -> None:
    r = post_form(client, "tz", good_data("tz", project="no-such-project"))
    assert r.status_code == 400
    assert error_texts(soup(r))["project"] == "未找到该招商项目，请从列表中选择"


def test_consent_checkbox_stored(client: FlaskClient, session: Session) -> None:
    post_form(client, "jy", good_data("jy", consent_publish="y"))
    assert session.scalars(select(Message)).one().consent_publish is True


def test_honeypot_rejected_with_400_and_nothing_stored(client: FlaskClient, app: Flask) -> None:
    r = post_form(client, "zx", good_data("zx", website="http://spam.example"))
    assert r.status_code == 400
    assert "自动程序" in r.get_data(as_text=True)
    assert count_rows(app)["message"] == 0


def test_honeypot_field_is_hidden_from_people(client: FlaskClient) -> None:
    page = soup(client.get("/hdjl/zx/new"))
    box = page.find(id="website").find_parent("div")
    assert box["aria-hidden"] == "true" and "gp-visually-hidden" in box["class"]
    assert page.find(id="website")["tabindex"] == "-1"


@pytest.mark.parametrize("app_config", [{"TIME_LIMITS": {"zx": 7, "ysqgk": 15},
                                         "EXTENSION_LIMITS": {"ysqgk": 12}}])
def test_form_notes_say_what_is_refused_how_long_and_what_is_public(client):
    """留言须知 beside the form: the time limits are the configured ones (formsvc.domain.kinds)."""
    page = soup(client.get("/hdjl/zx/new"))
    notes = page.select_one("details.gp-fold .gp-notes")
    text = notes.get_text("", strip=True).replace(" ", "")
    assert "7个工作日内答复" in text and "5个工作日" not in text
    assert "不予受理" in text and "诉讼" in text and "110" in text
    assert "同意公开" in text and notes.find("a", href="/hdjl/letters")
    # the notes come before the form's first field, so a phone shows them first
    assert page.select_one("details.gp-fold").find_next("form", class_="gp-form")
    gk = soup(client.get("/hdjl/ysqgk/new")).select_one(".gp-notes").get_text("", strip=True)
    gk = gk.replace(" ", "")
    assert "15个工作日内答复" in gk and "不超过12个工作日" in gk
    assert "不在“公开信件”栏目公开" in gk


def test_dates_in_the_deadline_explanation_never_break() -> None:
    from formsvc.web.templating import nowrap_dates

    html = nowrap_dates("自受理日 2026-12-06 的次日起计算，<b>至 2026-12-11 17:30。")
    assert html == ('自受理日 <span class="gp-nowrap">2026-12-06</span> 的次日起计算，&lt;b&gt;至 '
                    '<span class="gp-nowrap">2026-12-11 17:30</span>。')
