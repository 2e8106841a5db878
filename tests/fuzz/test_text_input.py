"""Over-long and odd text: each field at its limit and one past it, 100 KB and 2 MB bodies, control
and bidi characters, lone surrogates, invalid UTF-8, deeply nested JSON.

Never a 5xx, never a half-saved record: a refused submission leaves every counted table as it was,
an accepted one stores what formsvc.forms.text.clean_text makes of the input.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.forms.text import clean_text
from formsvc.models import Message
from tests.formsvc.conftest import (
    api_submit,
    count_rows,
    error_texts,
    good_data,
    post_form,
    soup,
    summary_texts,
)

KINDS = ["zx", "jy", "ts", "tz", "ysqgk"]
# free text (no format rule), so any string within the limit is valid
FREE_TEXT = {"name", "address", "subject", "content", "org_name", "legal_rep", "doc_no", "purpose"}
KB100 = "政" * (100 * 1024 // 3)
MB2 = "a" * (2 * 1024 * 1024)


def _json_post(client: FlaskClient, url: str, body: bytes | str) -> Any:
    return client.post(url, data=body, content_type="application/json")


def _limits(client: FlaskClient) -> list[tuple[str, str, int]]:
    """(kind, field, max length) as the API publishes them in /api/v1/kinds."""
    return [(k["code"], f["name"], f["max_length"]) for k in client.get("/api/v1/kinds").get_json()[
        "kinds"] for f in k["fields"] if f.get("max_length")]


def _stored(session: Session, number: str) -> Message:
    session.expire_all()
    m = session.scalar(select(Message).where(Message.tracking_number == number))
    assert m is not None
    return m


def _value_of_length(field: str, n: int) -> str:
    return "测" * n if field != "content" else "内" * n


# --- the one place that decides ------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "single", "multi"), [
    ("  张三  ", "张三", "张三"),
    ("张\x00三", "张三", "张三"),
    ("\x1b[31m红\x1b[0m", "[31m红[0m", "[31m红[0m"),
    ("a\u202eexe.pdf", "aexe.pdf", "aexe.pdf"),
    ("\u2066隔离\u2069", "隔离", "隔离"),
    ("第一行\r\n第二行\r第三行", "第一行 第二行 第三行", "第一行\n第二行\n第三行"),
    ("列\t列", "列 列", "列\t列"),
    ("\ud800孤\udfff", "孤", "孤"),
    ("\ufeffBOM", "BOM", "BOM"),
    ("\x7f\x85\x9f删", "删", "删"),
    ("表情👨‍👩‍👧", "表情👨‍👩‍👧", "表情👨‍👩‍👧"),  # ZWJ sequences stay whole
    ("全角ＡＢＣ　", "全角ＡＢＣ", "全角ＡＢＣ"),
])
def test_clean_text_decides_once(raw: str, single: str, multi: str) -> None:
    assert clean_text(raw) == single
    assert clean_text(raw, multiline=True) == multi


# --- limits --------------------------------------------------------------------------------------

def test_every_field_at_its_limit_and_one_past_it(client: FlaskClient, app: Flask) -> None:
    limits = _limits(client)
    assert len(limits) >= 25, limits  # every kind publishes its limits
    for kind, field, limit in limits:
        if field in FREE_TEXT:
            at = api_submit(client, kind, **{field: _value_of_length(field, limit)})
            assert at.status_code == 201, (kind, field, at.get_json())
        elif field == "email":
            local = "a" * (limit - len("@example.com"))
            at = api_submit(client, kind, email=f"{local}@example.com")
            assert at.status_code == 201, (kind, field, at.get_json())
        before = count_rows(app)
        over = api_submit(client, kind, **{field: _value_of_length(field, limit + 1)})
        assert over.status_code == 400, (kind, field, over.get_json())
        body = over.get_json()
        assert body["code"] == "validation_failed"
        assert field in body["fields"], (kind, field, body)
        if field in FREE_TEXT:
            assert f"不能超过 {limit} 个字" in body["fields"][field][0]
        assert count_rows(app) == before, (kind, field)


def test_limit_counts_cleaned_text(client: FlaskClient, session: Session, app: Flask) -> None:
    limit = app.config["SUBJECT_MAX"]
    # NULs and bidi controls do not count: what is stored is within the limit
    r = api_submit(client, "zx", subject="标" * limit + "\x00\u202e" * 20)
    assert r.status_code == 201, r.get_json()
    assert _stored(session, r.get_json()["tracking_number"]).subject == "标" * limit


@pytest.mark.parametrize("size", ["100KB", "2MB"])
def test_huge_text_fields_are_a_clear_400(client: FlaskClient, app: Flask, size: str) -> None:
    text = KB100 if size == "100KB" else MB2
    before = count_rows(app)
    for kind in KINDS:
        r = api_submit(client, kind, content=text, subject=text[:5000])
        assert r.status_code == 400, r.status_code
        body = r.get_json()
        assert body["code"] == "validation_failed"
        assert "不能超过" in body["fields"]["content"][0]
    page = post_form(client, "zx", good_data("zx", content=text))
    if size == "100KB":
        assert page.status_code == 400
        assert any("内容不能超过 2000 个字" in t for t in summary_texts(soup(page)))
    else:
        # over MAX_FORM_MEMORY_SIZE (500 KB of form text) werkzeug refuses before the view
        assert page.status_code == 413
        assert "提交的内容过大" in page.get_data(as_text=True)
    for url, data in (("/hdjl/track", {"tracking_number": text, "query_code": text}),
                      ("/hdjl/track/rate", {"tracking_number": text, "query_code": text,
                                            "rating": text, "comment": text})):
        r = client.post(url, data={**data, "csrf_token": _csrf(client)})
        assert r.status_code in (400, 404, 413), (url, r.status_code)
    for url in ("/api/v1/track", "/api/v1/rate"):
        r = _json_post(client, url, json.dumps({"tracking_number": text, "query_code": text,
                                                "rating": "satisfied", "comment": text}))
        assert r.status_code in (400, 404)
        assert set(r.get_json()) >= {"code", "message"}
    assert count_rows(app) == before


def test_body_over_the_request_limit_is_a_json_413(client: FlaskClient, app: Flask) -> None:
    body = json.dumps({"kind": "zx", "content": "a" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    r = _json_post(client, "/api/v1/messages", body)
    assert r.status_code == 413
    assert r.get_json()["code"] == "payload_too_large"
    assert "过大" in r.get_json()["message"]


# --- odd characters ------------------------------------------------------------------------------

ODD = "\x00\x1b[2J\u202e\ufeff\x7f\x85"


def test_control_characters_are_removed_before_storing_api(client: FlaskClient,
                                                           session: Session) -> None:
    r = api_submit(client, "ysqgk", name=f"李{ODD}四", subject=f"预算{ODD}公开",
                   content=f"申请公开\r\n2024年{ODD}预算执行情况\t全文。\x00",
                   address=f"示范县\n人民路{ODD}1号", purpose=f"学习{ODD}",
                   org_name="\x00\u202e\ufeff", doc_no=f"示政办{ODD}〔2024〕12号")
    assert r.status_code == 201, r.get_json()
    m = _stored(session, r.get_json()["tracking_number"])
    assert m.name == "李[2J四"
    assert m.subject == "预算[2J公开"
    assert m.content == "申请公开\n2024年[2J预算执行情况\t全文。"
    assert m.address == "示范县 人民路[2J1号"
    assert m.details["purpose"] == "学习[2J"
    assert m.details["doc_no"] == "示政办[2J〔2024〕12号"
    assert "org_name" not in m.details  # only invisible characters: empty, so not stored


def test_control_characters_are_removed_before_storing_html(client: FlaskClient,
                                                            session: Session) -> None:
    r = post_form(client, "jy", good_data("jy", name=f"王{ODD}五", subject=f"建议{ODD}",
                                          content=f"建议增设\r\n公交线路{ODD}，方便群众出行。"))
    assert r.status_code == 303, error_texts(soup(r))
    number = r.headers["Location"].rsplit("/", 1)[-1]
    m = _stored(session, number)
    assert (m.name, m.subject) == ("王[2J五", "建议[2J")
    assert m.content == "建议增设\n公交线路[2J，方便群众出行。"


def test_only_invisible_characters_count_as_empty(client: FlaskClient, app: Flask) -> None:
    before = count_rows(app)
    r = api_submit(client, "zx", name="\x00\u202e\ufeff", subject=" \x1b ")
    assert r.status_code == 400
    fields = r.get_json()["fields"]
    assert fields["name"] == ["请填写姓名"] and fields["subject"] == ["请填写标题"]
    assert count_rows(app) == before


@pytest.mark.parametrize("field", ["name", "subject", "content", "address", "email", "phone",
                                   "department", "website"])
def test_lone_surrogates_in_json(client: FlaskClient, app: Flask, session: Session,
                                 field: str) -> None:
    body = json.dumps({"kind": "zx", **good_data("zx")})
    # json.dumps would escape a real surrogate the same way; written out to be sure it is sent
    body = body.replace(f'"{field}": "', f'"{field}": "\\ud800\\udfff\\udbff', 1) \
        if f'"{field}"' in body else body[:-1] + f', "{field}": "\\ud800"}}'
    before = count_rows(app)
    r = _json_post(client, "/api/v1/messages", body)
    assert r.status_code in (201, 400), (field, r.status_code, r.get_data(as_text=True)[:300])
    if r.status_code == 201:
        m = _stored(session, r.get_json()["tracking_number"])
        assert "\ud800" not in (m.name + m.subject + m.content + m.address + m.email)
    else:
        assert r.get_json()["code"] in ("validation_failed", "spam_suspected")
        assert count_rows(app) == before


def test_lone_surrogates_in_tracking_and_rating(client: FlaskClient) -> None:
    for url in ("/api/v1/track", "/api/v1/rate"):
        r = _json_post(client, url, '{"tracking_number": "ZX20261122-ABCDEF", '
                                    '"query_code": "\\ud800AB", "rating": "satisfied", '
                                    '"comment": "\\udfff"}')
        assert r.status_code == 404, r.get_data(as_text=True)[:300]
        assert r.get_json()["code"] == "not_found"


@pytest.mark.parametrize("encoding", ["percent", "raw", "multipart"])
def test_invalid_utf8_in_form_bodies(client: FlaskClient, app: Flask, session: Session,
                                     encoding: str) -> None:
    token = _csrf(client, "/hdjl/zx/new")
    fields = {k: v.encode() for k, v in good_data("zx").items()}
    fields["name"] = b"\xff\xfe\xc3\x28"  # not UTF-8
    fields["subject"] = "社保卡".encode() + b"\x80\x81"
    fields["csrf_token"] = token.encode()
    if encoding == "multipart":
        boundary = b"fuzzboundary"
        raw = b"".join(b"--" + boundary + b'\r\nContent-Disposition: form-data; name="' + k.encode()
                       + b'"\r\n\r\n' + v + b"\r\n" for k, v in fields.items())
        raw += b"--" + boundary + b"--\r\n"
        content_type = "multipart/form-data; boundary=fuzzboundary"
    else:
        quote = _pct if encoding == "percent" else (lambda v: v)
        raw = b"&".join(k.encode() + b"=" + quote(v) for k, v in fields.items())
        content_type = "application/x-www-form-urlencoded"
    before = count_rows(app)
    r = client.post("/hdjl/zx/new", data=raw, content_type=content_type)
    assert r.status_code in (303, 400), r.status_code
    if r.status_code == 400:
        # werkzeug drops an undecodable urlencoded body whole: the CSRF token goes with it
        assert "请返回刷新页面后重新提交" in r.get_data(as_text=True)
        assert count_rows(app) == before
        return
    m = _stored(session, r.headers["Location"].rsplit("/", 1)[-1])
    assert m.subject.startswith("社保卡")
    for value in (m.name, m.subject):
        value.encode("utf-8")  # storable text, whatever became of the bad bytes
    before = count_rows(app)
    bad_json = b'{"kind": "zx", "name": "\xff\xfe", "phone": "13812345678"}'
    r = _json_post(client, "/api/v1/messages", bad_json)
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_json"
    assert count_rows(app) == before


@pytest.mark.parametrize("body", [
    "[" * 100_000, '{"kind": ' + "[" * 100_000, '{"a": ' * 50_000 + "1" + "}" * 50_000,
    '{"kind": "zx", "phone": ' + "9" * 5000 + "}", "NaN", '"a string"', "[]", "",
])
def test_json_that_is_not_an_object(client: FlaskClient, app: Flask, body: str) -> None:
    for url in ("/api/v1/messages", "/api/v1/track", "/api/v1/rate"):
        r = _json_post(client, url, body)
        assert r.status_code == 400, (url, r.status_code)
        assert r.get_json()["code"] == "invalid_json"


@pytest.mark.parametrize("query", ["%00", "%FF%FE", "%1B%5B2J", "%E2%80%AE", "%ED%A0%80",
                                   "a%00b", "%C0%AF"])
def test_odd_bytes_in_query_parameters(client: FlaskClient, query: str) -> None:
    for url in (f"/api/v1/letters?kind={query}&department={query}&page={query}",
                f"/hdjl/letters?department={query}&kind={query}",
                f"/api/v1/search?q={query}", f"/api/v1/search?q=审批&dept={query}&topic={query}",
                f"/search?q={query}&section={query}", f"/api/v1/stats?from={query}&to={query}",
                f"/hdjl/stats?from={query}", f"/hdjl/track?number={query}",
                f"/hdjl/ysqgk/new?draft={query}", f"/hdjl/zx/new?project={query}",
                f"/hdjl/report?month={query}&format={query}"):
        r = client.get(url)
        assert r.status_code < 500, (url, r.status_code)
        if url.startswith("/api/") and r.status_code >= 400:
            assert set(r.get_json()) >= {"code", "message"}


def test_odd_characters_in_tracking_forms(client: FlaskClient) -> None:
    token = _csrf(client)
    for value in ("\x00", "ZX20261122-ABCDEF\x00", "\u202eFEDCBA-22116202XZ", "\x1b[2J"):
        r = client.post("/hdjl/track", data={"csrf_token": token, "tracking_number": value,
                                             "query_code": value})
        assert r.status_code in (400, 404), r.status_code
        r = client.post("/hdjl/track/rate", data={"csrf_token": token, "tracking_number": value,
                                                  "query_code": value, "rating": value,
                                                  "comment": value})
        assert r.status_code in (400, 404), r.status_code


# --- helpers -------------------------------------------------------------------------------------

def _csrf(client: FlaskClient, url: str = "/hdjl/track") -> str:
    from tests.formsvc.conftest import csrf_from

    return csrf_from(soup(client.get(url)))


def _pct(value: bytes) -> bytes:
    return b"".join(bytes([c]) if c < 128 and chr(c).isalnum() else f"%{c:02X}".encode()
                    for c in value)


def test_control_characters_in_workbench_text(app: Flask) -> None:
    """Staff text and filters (notes, replies, the inbox's number and department) must not carry
    a NUL to PostgreSQL, which refuses it: a 500."""
    from formsvc.services import workbench as wb
    from tests.formsvc.workbench.helpers import (
        login,
        make_staff,
        message_row,
        post_action,
        run,
        submit,
    )

    make_staff(app, "disp", "dispatcher")
    staff_client = app.test_client()
    number, _ = submit(staff_client, "zx", department="")
    run(app, "disp", wb.dispatch, number, "rsj")
    assert login(staff_client, "disp").status_code == 303
    for query in ("department=%00", "number=ZX%00", "kind=%00&from=%00&status=%00&page=%00"):
        assert staff_client.get("/hdjl/staff/inbox?" + query).status_code == 200, query
    assert staff_client.get("/hdjl/staff/m/ZX%00").status_code == 404
    r = post_action(staff_client, number, "note", note=f"内部{ODD}备注")
    assert r.status_code == 303, r.status_code
    note = [e.note for e in message_row(app, number).events if e.action == "note"]
    assert note == ["内部[2J备注"]
    assert post_action(staff_client, number, "transfer", department="\x00",
                       note="\x00").status_code == 400


def test_control_characters_in_the_intake_form(app: Flask) -> None:
    """代录 takes the citizens' rule for odd characters: removed before storing, a NUL never
    reaches PostgreSQL, text of nothing but invisible characters is empty (400)."""
    from formsvc.models import Message
    from tests.formsvc.workbench.helpers import login, make_staff

    make_staff(app, "op", "intake")
    staff_client = app.test_client()
    assert login(staff_client, "op").status_code == 303
    token = _csrf(staff_client, "/hdjl/staff/intake/qz")
    data = {"csrf_token": token, "name": "王五", "phone": "13912345678", "department": "",
            "subject": f"求{ODD}助", "content": f"家中老人{ODD}行动不便，需要帮助办理低保手续。"}
    r = staff_client.post("/hdjl/staff/intake/qz", data=data)
    assert r.status_code == 303, r.status_code
    number = r.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        from sqlalchemy import select

        from formsvc import db
        subject = db.new_session().scalar(select(Message.subject).where(
            Message.tracking_number == number))
    assert subject == "求[2J助"
    r = staff_client.post("/hdjl/staff/intake/qz", data={**data, "content": "\x00\u202e\ufeff" * 20})
    assert r.status_code == 400


# --- what citizens add from the tracking page (issue 20: 补正, 补充材料, 追问) -------------------------

def _tracked(client: FlaskClient, number: str, code: str) -> str:
    """Open the message with its code (binding this client to it); a CSRF token."""
    token = _csrf(client)
    r = client.post("/hdjl/track", data={"csrf_token": token, "tracking_number": number,
                                         "query_code": code})
    assert r.status_code == 200
    return token


@pytest.mark.parametrize(("url", "field"), [("/hdjl/track/supplement", "supplement_text"),
                                            ("/hdjl/track/follow-up", "follow_up_text"),
                                            ("/hdjl/track/correction", "correction_text")])
def test_tracking_page_texts(client: FlaskClient, app: Flask, session: Session, url: str,
                             field: str) -> None:
    from formsvc import db
    from formsvc.services import workbench as wb
    from tests.formsvc.conftest import mark_replied
    from tests.formsvc.workbench.helpers import make_staff, run

    r = api_submit(client, "ysqgk" if "correction" in url else "zx", department="")
    number, code = r.get_json()["tracking_number"], r.get_json()["query_code"]
    if "follow-up" in url:
        mark_replied(app, number)
    if "correction" in url:
        make_staff(app, "disp", "dispatcher")
        make_staff(app, "gk", "handler", "xzfb")
        run(app, "disp", wb.dispatch, number, "xzfb")
        run(app, "gk", wb.request_correction, number, "请补充", "")
    token = _tracked(client, number, code)
    limit = app.config["CONTENT_MAX"]
    for text in ("政" * (limit + 1), KB100, "\x00\u202e\ufeff \x1b "):
        before = count_rows(app)
        r = client.post(url, data={"csrf_token": token, "tracking_number": number, field: text})
        assert r.status_code in (400, 413), (url, len(text), r.status_code)
        assert count_rows(app) == before, url
    # control and bidi characters are removed before the text is kept
    r = client.post(url, data={"csrf_token": token, "tracking_number": number,
                               field: "甲\x00乙\u202e丙\x1b[2J丁"})
    assert r.status_code == 200, soup(r).get_text()[:300]
    with app.app_context():
        s = db.new_session()
        m = s.scalar(select(Message).where(Message.tracking_number == number))
        # the 补正 is kept with its pause, the others as the event's note
        note = m.pauses[-1].answer if "correction" in url else m.events[-1].note
        s.close()
    assert "甲乙丙[2J丁" in note and not any(c in note for c in "\x00\u202e\x1b")
