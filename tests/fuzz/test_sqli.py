"""SQL injection: every payload of data/sqli.txt through every text field and query parameter.

The payloads must be inert: stored verbatim where the field takes free text, refused with a
Chinese message where it has a format, never a 5xx, never a row of someone else's, and afterwards
every table is still there with exactly the rows the accepted submissions added.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, select, text
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.forms import ORGANIZATION_FIELDS
from formsvc.models import Department, Message
from formsvc.models.workbench import Letter
from formsvc.services import workbench as wb
from tests.formsvc.conftest import api_submit, csrf_from, good_data, mark_replied, soup
from tests.formsvc.workbench.helpers import login, make_staff, run, submit
from tests.sitesearch.conftest import CORPUS

PAYLOADS = [line for line in (Path(__file__).parent / "data" / "sqli.txt").read_text(
    encoding="utf-8").splitlines() if line.strip() and not line.startswith("# ")]
FREE_TEXT = ("name", "address", "subject", "content", "org_name", "legal_rep", "doc_no", "purpose")
FORMATTED = ("phone", "email", "department", "project", "applicant_type", "id_type", "id_number",
             "credit_code", "medium", "delivery")
KINDS = ("zx", "jy", "ts", "qz", "jb", "tz", "ysqgk")


def test_the_corpus_is_big_enough() -> None:
    assert len(PAYLOADS) >= 30
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def snapshot(app: Flask) -> dict[str, int]:
    """Every table and its row count."""
    with app.app_context():
        engine = db.get_engine(app)
        with engine.connect() as conn:
            meta = MetaData()
            meta.reflect(conn)
            return {t: conn.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()
                    for t in sorted(meta.tables)}


@pytest.fixture
def world(app: Flask, client: FlaskClient) -> dict[str, Any]:
    """Two departments' messages, a published letter of each, a handler of one department."""
    make_staff(app, "disp", "dispatcher")
    make_staff(app, "h_rsj", "handler", "rsj")
    numbers = {}
    for dept in ("rsj", "zjj"):
        number, code = submit(client, "zx", department="", consent_publish=True,
                              subject=f"秘密标题{dept}")
        run(app, "disp", wb.dispatch, number, dept)
        numbers[dept] = (number, code)
    with app.app_context():
        s = db.new_session()
        for dept, (number, _) in numbers.items():
            m = s.scalar(select(Message).where(Message.tracking_number == number))
            d = s.scalar(select(Department).where(Department.code == dept))
            s.add(Letter(message_id=m.id, kind="zx", department_id=d.id, masked_name="张*",
                         subject=f"公开信件{dept}", question="问题", reply="答复",
                         received_on=m.received_on, replied_on=m.received_on, published=True))
        s.commit()
        s.close()
    return {"numbers": numbers}


def _stored(session: Session, number: str) -> Message:
    session.expire_all()
    return session.scalar(select(Message).where(Message.tracking_number == number))


def test_payloads_in_every_field_of_every_kind(client: FlaskClient, app: Flask,
                                               session: Session, world: dict[str, Any]) -> None:
    limits = {(k["code"], f["name"]): f.get("max_length") for k in client.get(
        "/api/v1/kinds").get_json()["kinds"] for f in k["fields"]}
    before = snapshot(app)
    accepted = 0
    for payload in PAYLOADS:
        for kind in KINDS:
            # each free-text field the kind has, cut to its limit (over it is test_text_input's)
            free = {f: payload[:limits[kind, f]] for f in FREE_TEXT if (kind, f) in limits}
            free["content"] = payload + "（留言内容）" * 2  # at least CONTENT_MIN characters
            r = api_submit(client, kind, **free)
            assert r.status_code == 201, (payload, kind, r.get_json())
            accepted += 1
            m = _stored(session, r.get_json()["tracking_number"])
            stored = {"name": m.name, "subject": m.subject, "address": m.address,
                      "content": m.content, **m.details}
            # a citizen's request keeps no organisation fields (ORGANIZATION_FIELDS)
            kept = {f: v for f, v in free.items() if f not in ORGANIZATION_FIELDS}
            assert {f: stored.get(f) for f in kept} == kept, (payload, kind)
            assert not set(ORGANIZATION_FIELDS) & set(m.details), (payload, kind)
            # formatted fields once per payload, each in the first kind that has it
            for field in FORMATTED:
                if (kind, field) not in limits or kind != next(
                        k for k in KINDS if (k, field) in limits):
                    continue
                # the organisation's fields are checked (and kept) for organisations only
                org = {"applicant_type": "organization", "org_type": "other", "org_name": "示范公司",
                       "legal_rep": "王五"} if field == "credit_code" else {}
                r = api_submit(client, kind, **{**org, field: payload})
                assert r.status_code == 400, (payload, kind, field)
                assert field in r.get_json()["fields"], (payload, kind, field)
    after = snapshot(app)
    assert set(after) == set(before), "a table appeared or disappeared"
    assert after["message"] == before["message"] + accepted
    assert after["staff"] == before["staff"] and after["department"] == before["department"]
    assert after["letter"] == before["letter"]
    for dept, (number, _) in world["numbers"].items():  # the existing messages are untouched
        m = _stored(session, number)
        assert m.subject == f"秘密标题{dept}" and m.department.code == dept


def test_payloads_through_the_intake_form(app: Flask) -> None:
    """代录: a 12345 operator types the payloads for a caller; stored verbatim, channel phone.
    (No ``session`` fixture: its app context would keep the CSRF token of the login page in g.)"""
    make_staff(app, "op", "intake")
    staff_client = app.test_client()
    assert login(staff_client, "op").status_code == 303
    token = csrf_from(soup(staff_client.get("/hdjl/staff/intake/jb")))
    before = snapshot(app)
    numbers = {}
    for payload in PAYLOADS:
        r = staff_client.post("/hdjl/staff/intake/jb", data={
            **good_data("jb"), "csrf_token": token, "name": payload[:50], "subject": payload,
            "address": payload, "content": payload + "（举报内容）" * 2})
        assert r.status_code == 303, payload
        assert staff_client.get(r.headers["Location"]).status_code == 200
        numbers[r.headers["Location"].rsplit("/", 1)[-1]] = payload
    with app.app_context():
        s = db.new_session()
        for number, payload in numbers.items():
            m = s.scalar(select(Message).where(Message.tracking_number == number))
            assert (m.name, m.subject, m.address, m.channel) == (payload[:50], payload, payload,
                                                                 "phone")
        s.close()
    after = snapshot(app)
    assert after["message"] == before["message"] + len(PAYLOADS)
    assert after["staff"] == before["staff"]


def test_payloads_through_the_html_form(client: FlaskClient, app: Flask, session: Session) -> None:
    token = csrf_from(soup(client.get("/hdjl/jy/new")))
    before = snapshot(app)
    for payload in PAYLOADS:
        r = client.post("/hdjl/jy/new", data={
            **good_data("jy"), "csrf_token": token, "name": payload[:50], "subject": payload,
            "content": payload + "（建议内容）" * 2})
        assert r.status_code == 303, payload
        m = _stored(session, r.headers["Location"].rsplit("/", 1)[-1])
        assert (m.name, m.subject) == (payload[:50], payload)
    after = snapshot(app)
    assert after["message"] == before["message"] + len(PAYLOADS)


def test_payloads_in_tracking_and_rating(client: FlaskClient, app: Flask,
                                         world: dict[str, Any]) -> None:
    number, code = submit(client, "zx", department="", subject="秘密标题-待评价")
    mark_replied(app, number)
    token = csrf_from(soup(client.get("/hdjl/track")))
    before = snapshot(app)
    for payload in PAYLOADS:
        for n, c in ((payload, payload), (number, payload), (payload, code),
                     (number + payload, code), (f"{number}' --", code)):
            r = client.post("/hdjl/track", data={"csrf_token": token, "tracking_number": n,
                                                 "query_code": c})
            assert r.status_code in (400, 404), (payload, n, c)
            assert "秘密标题" not in r.get_data(as_text=True)
            r = client.post("/api/v1/track", json={"tracking_number": n, "query_code": c})
            assert r.status_code in (400, 404) and r.get_json()["code"] in ("not_found",
                                                                            "validation_failed")
            r = client.post("/api/v1/rate", json={"tracking_number": n, "query_code": c,
                                                  "rating": "unsatisfied", "comment": payload})
            assert r.status_code in (400, 404), (payload, n, c)
        r = client.post("/api/v1/rate", json={"tracking_number": number, "query_code": code,
                                              "rating": payload})
        assert r.status_code == 400 and "rating" in r.get_json()["fields"]
        r = client.post("/hdjl/track/rate", data={"csrf_token": token, "tracking_number": number,
                                                  "query_code": code, "rating": payload})
        assert r.status_code == 400
        assert client.get("/hdjl/track?" + urlencode({"number": payload})).status_code == 200
    assert snapshot(app) == before
    # and the real one still works, with the payload as its comment, stored as text
    r = client.post("/api/v1/rate", json={"tracking_number": number, "query_code": code,
                                          "rating": "satisfied", "comment": PAYLOADS[11]})
    assert r.status_code == 200 and r.get_json()["rating"]["comment"] == PAYLOADS[11]


def test_payloads_in_search_parameters(client: FlaskClient) -> None:
    urls = {d.url for d in CORPUS}
    for payload in PAYLOADS:
        for name in ("q", "section", "dept", "year", "topic", "sort", "page", "per_page"):
            args = {name: payload, **({"q": "审批"} if name != "q" else {})}
            r = client.get("/api/v1/search?" + urlencode(args))
            assert r.status_code in (200, 400), (payload, name, r.status_code)
            body = r.get_json()
            if r.status_code == 400:
                assert set(body) >= {"code", "message"}
                continue
            assert {item["url"] for item in body["items"]} <= urls
            page = client.get("/search?" + urlencode(args))
            assert page.status_code in (200, 400), (payload, name)


def test_payloads_in_letter_and_statistics_filters(client: FlaskClient,
                                                   world: dict[str, Any]) -> None:
    assert client.get("/api/v1/letters").get_json()["total"] == 2
    for payload in PAYLOADS:
        # the API names a parameter it does not know (invalid_parameter); nothing is matched
        r = client.get("/api/v1/letters?" + urlencode({"department": payload}))
        assert r.status_code == 400 and list(r.get_json()["fields"]) == ["department"], payload
        r = client.get("/api/v1/letters?" + urlencode({"kind": payload, "page": payload,
                                                        "per_page": payload}))
        assert r.status_code == 400, payload
        assert set(r.get_json()["fields"]) == {"kind", "page", "per_page"}, payload
        page = client.get("/hdjl/letters?" + urlencode({"department": payload, "kind": payload}))
        assert page.status_code == 200 and "公开信件" in page.get_data(as_text=True)
        assert "公开信件rsj" not in page.get_data(as_text=True)
        for url in ("/api/v1/stats", "/hdjl/stats", "/hdjl/stats.csv"):
            r = client.get(url + "?" + urlencode({"from": payload, "to": payload}))
            assert r.status_code == 400, (url, payload)
        # 定期通报: the month is a period key or a 400 page, never a query
        r = client.get("/hdjl/report?" + urlencode({"month": payload, "format": payload}))
        assert r.status_code == 400 and "通报" in r.get_data(as_text=True), payload


def test_payloads_in_workbench_filters(app: Flask, client: FlaskClient,
                                       world: dict[str, Any]) -> None:
    own, _ = world["numbers"]["rsj"]
    other, _ = world["numbers"]["zjj"]
    before = snapshot(app)
    for username in ("h_rsj", "disp"):
        staff_client = app.test_client()
        assert login(staff_client, username).status_code == 303
        for payload in PAYLOADS:
            for name in ("kind", "status", "from", "to", "deadline", "department", "number",
                         "page"):
                r = staff_client.get("/hdjl/staff/inbox?" + urlencode({name: payload}))
                assert r.status_code == 200, (username, name, payload, r.status_code)
                page = r.get_data(as_text=True)
                if username == "h_rsj":
                    assert other not in page, (name, payload)
                # the department filter is for county-wide accounts (handlers: ignored)
                if name == "number" or (name == "department" and username == "disp"):
                    assert own not in page and other not in page, (username, name, payload)
            r = staff_client.get("/hdjl/staff/m/" + quote(payload, safe=""))
            # ("…' /*" decodes to /m/<number>/<action>, a POST-only route: 405)
            assert r.status_code in (404, 405), (username, payload)
            r = staff_client.get("/hdjl/staff/queue?" + urlencode({"page": payload}))
            assert r.status_code in (200, 404)
    assert snapshot(app) == before
