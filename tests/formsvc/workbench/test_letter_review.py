"""The person approving a letter sees what will be public (issue 19): the proposed question and
reply with every masked span and every run of digits left in marked, without JavaScript, each
<mark> with a text label for screen readers."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from formsvc.services import masking
from formsvc.services import workbench as wb
from formsvc.services.pii_text import Kind
from tests.formsvc.conftest import check_page, soup
from tests.formsvc.workbench.helpers import login, make_staff, post_action, run, submit
from tests.formsvc.workbench.test_flow import publish_form

ORDER = "20241206153012"  # an order number: not personal, but a reviewer must look at it
CONTENT = f"我是张三，电话13907770123，住示范县幸福路88号。订单号{ORDER}的社保卡一直没寄到。"
REPLY = "经查，社保卡已于12月3日寄出，请留意查收。<script>alert(1)</script>"


def test_review_marks_the_markers_of_a_masked_text() -> None:
    """A proposal is stored masked: its markers are segments of their class, digits flagged."""
    known = ["张三", "13907770123"]
    masked = masking.mask_text(CONTENT, known)
    segments = masking.review(masked, known)
    assert "".join(s.text for s in segments) == masked
    marked = [(s.text, s.kind) for s in segments if s.kind]
    assert marked == [("张**", Kind.NAME), (masking.PHONE_MASK, Kind.PHONE),
                      (masking.ADDRESS_MASK, Kind.ADDRESS), (ORDER, masking.DIGITS)]
    # the same segments as reviewing the raw text: masking first changes nothing for the reviewer
    assert [(s.text, s.kind) for s in masking.review(CONTENT, known)] == [
        (s.text, s.kind) for s in segments]
    # masking itself still leaves a masked text alone
    assert masking.mask_text(masked, known) == masked
    assert not masking.contains_personal_data(masked, known)


def test_the_approver_sees_the_public_text_highlighted(wbapp: Flask,
                                                       wbclient: FlaskClient) -> None:
    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "h", "handler", "rsj")
    make_staff(wbapp, "r", "reviewer", "rsj")
    number, _ = submit(wbclient, "zx", consent_publish=True, department="", content=CONTENT)
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    run(wbapp, "h", wb.save_draft, number, REPLY)
    run(wbapp, "h", wb.send_reply, number)
    handler = wbapp.test_client()
    login(handler, "h")
    texts = publish_form(soup(handler.get(f"/hdjl/staff/m/{number}")))
    assert post_action(handler, number, "propose_letter", **texts, reviewed="y").status_code == 303
    # the proposer waits: no review panel for them
    assert soup(handler.get(f"/hdjl/staff/m/{number}")).find(id="letter-review") is None

    reviewer = wbapp.test_client()
    login(reviewer, "r")
    page = soup(reviewer.get(f"/hdjl/staff/m/{number}"))
    check_page(page)
    panel = page.find(id="letter-review")
    assert panel is not None and panel.find("script") is None
    question = panel.find(id="letter-review-question")
    marks = [(m.get("class")[-1], m.find(class_="gp-visually-hidden").get_text(),
              m.get_text()) for m in question.find_all("mark")]
    assert [(css, label) for css, label, _ in marks] == [
        ("gp-review-mark--masked", "（已隐去："), ("gp-review-mark--masked", "（已隐去："),
        ("gp-review-mark--masked", "（已隐去："), ("gp-review-mark--digits", "（请核对的数字：")]
    assert [text for *_, text in marks] == [
        "（已隐去：张**）", f"（已隐去：{masking.PHONE_MASK}）", f"（已隐去：{masking.ADDRESS_MASK}）",
        f"（请核对的数字：{ORDER}）"]
    # the page never shows the citizen's data in the panel, and the text reads as it will publish
    assert "13907770123" not in panel.get_text() and "张三" not in panel.get_text()
    shown = "".join(s for s in question.strings if s.parent.get("class") != ["gp-visually-hidden"])
    assert shown == texts["question"].replace("\r\n", "\n").strip()
    # the reply's markup is text, not markup
    reply = panel.find(id="letter-review-reply")
    assert "<script>alert(1)</script>" in reply.get_text() and reply.find("script") is None
    summary = panel.find(id="letter-review-summary").get_text()
    assert "已隐去 3 处" in summary and "1 处数字未隐去" in summary

    # what was shown is what is published
    revision = page.find("input", attrs={"name": "revision"})["value"]
    assert post_action(reviewer, number, "publish_letter", revision=revision).status_code == 303
    public = wbclient.get("/api/v1/letters").get_json()["items"][0]
    assert public["question"] == shown
