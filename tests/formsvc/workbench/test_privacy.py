"""Personal data never reaches a public page or API response.

Unique values are planted in every personal field and inside the message text; after the message
has been answered and published, every public response is searched for them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc.services import masking
from formsvc.services import workbench as wb
from tests.formsvc.conftest import soup
from tests.formsvc.workbench.helpers import (
    login,
    make_staff,
    post_action,
    run,
    submit,
)
from tests.formsvc.workbench.test_flow import publish_form

NAME = "欧阳明珠"
PHONE = "13907770123"
EMAIL = "planted.q7x@example.org"
ADDRESS = "示范县幸福路88号7栋2单元301室"
ID_NUMBER = "110105198005171239"
LANDLINE = "0123-6655443"
PLANTED = (NAME, PHONE, EMAIL, ADDRESS, ID_NUMBER, LANDLINE, "幸福路88号", "6655443",
           "1390777", "planted.q7x")
TEXT = (f"我是{NAME}，家住{ADDRESS}，电话 {PHONE[:3]} {PHONE[3:7]} {PHONE[7:]}，座机{LANDLINE}，"
        f"邮箱 {EMAIL}，身份证号{ID_NUMBER}。小区门口的路灯坏了三个月，晚上出行很不方便。")


@pytest.fixture
def app_config(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A one-document site index, so that the search pages answer (letters are indexed too)."""
    from sitesearch import indexer
    from tests.sitesearch.conftest import make_doc

    indexer.build(tmp_path / "_search", [make_doc(1, title="路灯维护管理办法", body="路灯维修。")])
    yield {"SEARCH_INDEX_DIR": str(tmp_path / "_search"),
           "SEARCH_LETTERS_DIR": str(tmp_path / "letters")}


def assert_clean(body: str, where: str) -> None:
    flat = re.sub(r"\s", "", body)
    for value in PLANTED:
        assert value not in body and value not in flat, f"{value} leaked in {where}"


@pytest.fixture
def published(wbapp: Flask, wbclient: FlaskClient) -> dict[str, str]:
    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "h", "handler", "zjj")
    make_staff(wbapp, "xh", "handler", "xzfb")
    number, code = submit(wbclient, "zx", name=NAME, phone=PHONE, email=EMAIL, department="zjj",
                          subject=f"幸福路88号路灯坏了（{NAME}）", content=TEXT, consent_publish=True)
    run(wbapp, "disp", wb.dispatch, number, "zjj")
    client = wbapp.test_client()
    login(client, "h")
    # a careless reply that repeats the citizen's data: masked on the way to the public
    post_action(client, number, "draft_reply",
                text=f"{NAME}您好：已派人维修幸福路88号的路灯。如有问题请拨打{PHONE}联系您。")
    assert post_action(client, number, "send_reply").status_code == 303
    texts = publish_form(soup(client.get(f"/hdjl/staff/m/{number}")))
    for value in (NAME, PHONE, EMAIL, ID_NUMBER, "幸福路88号"):
        assert value not in str(texts), f"{value} offered for publication"
    # the reviewer puts a phone number back by hand: publication masks it again
    texts["reply"] += f"\n联系人电话 {PHONE}，邮箱 {EMAIL}"
    assert post_action(client, number, "propose_letter", **texts, reviewed="y").status_code == 303
    # a second person approves the revision their page shows (four eyes)
    approver = wbapp.test_client()
    login(approver, "disp")
    page = soup(approver.get(f"/hdjl/staff/m/{number}"))
    revision = page.find("input", attrs={"name": "revision"})["value"]
    assert post_action(approver, number, "publish_letter", revision=revision).status_code == 303

    # a disclosure request with address and ID number, answered but not consented to publish
    gk, gk_code = submit(wbclient, "ysqgk", name=NAME, phone=PHONE, email=EMAIL, address=ADDRESS,
                         id_number=ID_NUMBER, content=TEXT)
    run(wbapp, "disp", wb.dispatch, gk, "xzfb")
    run(wbapp, "xh", wb.save_draft, gk, "予以公开，见附件。", "disclosed")
    run(wbapp, "xh", wb.send_reply, gk)
    with pytest.raises(wb.ActionError) as exc:
        run(wbapp, "xh", wb.propose, gk, "标题", "问题", "答复", True)
    assert exc.value.code == "no_consent"
    return {"number": number, "code": code, "gk": gk, "gk_code": gk_code}


def test_no_personal_data_in_public_responses(wbapp: Flask, published: dict[str, str]) -> None:
    client = wbapp.test_client()
    letters = client.get("/api/v1/letters").get_json()
    assert letters["total"] == 1
    letter_id = letters["items"][0]["id"]
    assert letters["items"][0]["name"] == "欧**"
    urls = ["/hdjl/", "/hdjl/letters", f"/hdjl/letters/{letter_id}", "/hdjl/letters?kind=zx",
            "/api/v1/letters", f"/api/v1/letters/{letter_id}", "/api/v1/letters?department=zjj",
            "/hdjl/stats", "/hdjl/stats.csv", "/api/v1/stats", "/api/v1/departments",
            "/api/v1/kinds", "/api/v1/openapi.json", "/hdjl/track"]
    urls += ["/search?q=路灯", "/api/v1/search?q=路灯", "/search?q=幸福路"]
    bodies = {}
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        bodies[url] = r.get_data(as_text=True)
    for number, code in ((published["number"], published["code"]),
                         (published["gk"], published["gk_code"])):
        r = client.post("/api/v1/track", json={"tracking_number": number, "query_code": code})
        assert r.status_code == 200
        # the subject the citizen wrote and the reply to them are theirs to read (with the code)
        body = r.get_json()
        bodies[f"track {number}"] = r.get_data(as_text=True).replace(
            body["reply"]["text"], "").replace(body["subject"], "")
    for where, body in bodies.items():
        assert_clean(body, where)
    # the published letter is found by the site search, masked like the letter page
    assert any(h["url"] == f"/hdjl/letters/{letter_id}"
               for h in json.loads(bodies["/api/v1/search?q=路灯"])["items"])
    # searching for the planted values themselves finds nothing
    for value in (NAME, PHONE, EMAIL):
        assert client.get("/api/v1/search", query_string={"q": value}).get_json()["total"] == 0
    detail = bodies[f"/hdjl/letters/{letter_id}"]
    assert "路灯坏了三个月" in detail and masking.PHONE_MASK in detail


def test_masking_patterns() -> None:
    masked = masking.mask_text(TEXT, [NAME, PHONE, EMAIL, ADDRESS, ID_NUMBER])
    assert_clean(masked, "mask_text")
    assert masking.mask_name("张三") == "张**" and masking.mask_name("") == "匿名"
    assert masking.mask_text("请携带身份证到人民路1号办理，电话 0123 6612345。") == (
        f"请携带身份证到{masking.ADDRESS_MASK}办理，电话 {masking.PHONE_MASK}。")
    assert masking.mask_text("示政办〔2024〕12号文件，2024年预算") == "示政办〔2024〕12号文件，2024年预算"
