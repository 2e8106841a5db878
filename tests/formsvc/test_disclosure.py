"""依申请公开: the Art. 29 fields, their conditional rules, and the confirmation step."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.models import Message
from tests.formsvc.conftest import (
    PDF,
    check_page,
    confirm_disclosure,
    count_rows,
    csrf_from,
    error_texts,
    good_data,
    post_form,
    receipt_of,
    soup,
    upload_files,
)

ORG = {"applicant_type": "organization", "org_type": "business", "name": "王五", "org_name": "示范县某某科技有限公司",
       "credit_code": "91350100M000100Y43", "legal_rep": "赵六", "id_type": "", "id_number": ""}


def test_form_shows_the_legal_fields(client: FlaskClient) -> None:
    page = soup(client.get("/hdjl/ysqgk/new"))
    for name in ("applicant_type", "name", "org_type", "org_name", "credit_code", "legal_rep", "id_type",
                 "id_number", "phone", "email", "address", "subject", "doc_no", "content",
                 "purpose", "medium", "delivery"):
        assert page.find(attrs={"name": name}), name
    assert [i["value"] for i in page.select('input[name="medium"]')] == [
        "paper", "email", "disc", "other"]
    assert [i["value"] for i in page.select('input[name="delivery"]')] == [
        "post", "pickup", "email", "online"]
    # the report's columns (formsvc/domain/applicants.py)
    assert [i["value"] for i in page.select('input[name="applicant_type"]')] == [
        "citizen", "organization"]
    assert [i["value"] for i in page.select('input[name="org_type"]')] == [
        "business", "research", "public_welfare", "legal_service", "other"]
    # only the 政府信息公开工作机构 receives requests
    assert [o["value"] for o in page.select("#department option")] == ["xzfb"]


def test_review_page_then_confirm_stores_the_request(client: FlaskClient, app: Flask,
                                                      session: Session) -> None:
    review = post_form(client, "ysqgk", good_data("ysqgk"))
    assert review.status_code == 200
    page = soup(review)
    check_page(page)
    assert page.h1.get_text() == "核对申请内容"
    assert "确认提交" in page.get_text() and "返回修改" in page.get_text()
    assert "居民身份证" in page.get_text() and "电子邮件" in page.get_text()
    assert count_rows(app)["message"] == 0  # nothing is received before confirmation
    done = confirm_disclosure(client, review)
    assert done.status_code == 303
    number, code = receipt_of(client.get(done.headers["Location"]))
    assert number.startswith("GK")
    m = session.scalar(select(Message).where(Message.tracking_number == number))
    assert m.kind == "ysqgk" and m.department.code == "xzfb"
    assert m.details["id_type"] == "resident_id" and m.details["medium"] == "email"
    assert m.details["applicant_type"] == "citizen"
    assert m.time_limit_days == 20
    # the draft is gone after confirmation; a second confirm cannot store it twice
    again = confirm_disclosure(client, review)
    assert again.status_code == 400 and "已过期" in again.get_data(as_text=True)
    assert count_rows(app)["message"] == 1


def test_confirm_with_attachment_moves_the_file(client: FlaskClient, app: Flask,
                                                session: Session) -> None:
    review = post_form(client, "ysqgk", good_data("ysqgk"), files=[(PDF, "身份证明.pdf")])
    assert "身份证明.pdf" in review.get_data(as_text=True)
    confirm_disclosure(client, review)
    m = session.scalars(select(Message)).one()
    assert [a.original_name for a in m.attachments] == ["身份证明.pdf"]
    files = upload_files(app)
    assert [f.name for f in files] == [m.attachments[0].stored_name]  # no pending copy left


def test_back_to_edit_keeps_the_input(client: FlaskClient) -> None:
    review = soup(post_form(client, "ysqgk", good_data("ysqgk")))
    href = review.find("a", string="返回修改")["href"]
    page = soup(client.get(href))
    assert page.find(id="subject")["value"] == good_data("ysqgk")["subject"]
    assert page.find(id="medium-2").has_attr("checked")  # 电子邮件 is the second option


def test_confirm_needs_the_same_browser(client: FlaskClient, app: Flask) -> None:
    review = post_form(client, "ysqgk", good_data("ysqgk"))
    page = soup(review)
    draft = page.find("input", attrs={"name": "draft"})["value"]
    other = app.test_client()
    token = csrf_from(soup(other.get("/hdjl/track")))
    r = other.post("/hdjl/ysqgk/confirm", data={"csrf_token": token, "draft": draft})
    assert r.status_code == 400
    assert count_rows(app)["message"] == 0


def test_organisation_applicant(client: FlaskClient, session: Session) -> None:
    review = post_form(client, "ysqgk", good_data("ysqgk", **ORG))
    assert review.status_code == 200, error_texts(soup(review))
    confirm_disclosure(client, review)
    m = session.scalars(select(Message)).one()
    assert m.details["org_name"] == "示范县某某科技有限公司"
    assert m.details["credit_code"] == "91350100M000100Y43"
    assert m.details["org_type"] == "business"


def test_a_citizen_keeps_no_organisation_type(client: FlaskClient, session: Session) -> None:
    review = post_form(client, "ysqgk", good_data("ysqgk", org_type="research"))
    confirm_disclosure(client, review)
    assert "org_type" not in session.scalars(select(Message)).one().details


RULES = [
    ("applicant_type", {"applicant_type": ""}, "请选择申请人类型"),
    ("applicant_type", {"applicant_type": "alien"}, "请选择申请人类型"),
    ("id_type", {"id_type": ""}, "请选择身份证件类型"),
    ("id_number", {"id_number": ""}, "请填写证件号码"),
    ("id_number", {"id_number": "110105194912310021"}, "居民身份证号码不正确"),
    ("id_number", {"id_number": "11010519491231"}, "居民身份证号码不正确"),
    ("org_type", {**ORG, "org_type": ""}, "请选择组织类型"),
    ("org_type", {**ORG, "org_type": "church"}, "请选择组织类型"),
    ("org_name", {**ORG, "org_name": ""}, "请填写法人或其他组织名称"),
    ("credit_code", {**ORG, "credit_code": ""}, "请填写统一社会信用代码"),
    ("credit_code", {**ORG, "credit_code": "91350100M000100Y44"}, "统一社会信用代码不正确"),
    ("legal_rep", {**ORG, "legal_rep": ""}, "请填写法定代表人或负责人"),
    ("subject", {"subject": ""}, "请填写所需政府信息的名称"),
    ("content", {"content": ""}, "请填写所需政府信息的内容描述"),
    ("medium", {"medium": ""}, "请选择提供信息的形式"),
    ("delivery", {"delivery": "pigeon"}, "请选择获取信息的方式"),
    ("address", {"delivery": "post", "address": ""}, "选择邮寄时请填写通信地址"),
    ("email", {"delivery": "email", "email": ""}, "选择电子邮件时请填写电子邮箱"),
    ("email", {"delivery": "pickup", "medium": "email", "email": ""}, "选择电子邮件时请填写电子邮箱"),
    ("phone", {"phone": "6612345"}, "请输入正确的手机号码"),
]


@pytest.mark.parametrize(("field", "change", "message"), RULES,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(RULES)])
def test_disclosure_rule(client: FlaskClient, field: str, change: dict, message: str) -> None:
    r = post_form(client, "ysqgk", good_data("ysqgk", **change))
    assert r.status_code == 400
    page = soup(r)
    assert error_texts(page)[field].startswith(message), error_texts(page)
    assert page.select_one(f'.gp-error-summary a[href="#{field}"]')


def test_passport_number_is_not_checksummed(client: FlaskClient) -> None:
    r = post_form(client, "ysqgk", good_data("ysqgk", id_type="passport", id_number="E12345678"))
    assert r.status_code == 200
