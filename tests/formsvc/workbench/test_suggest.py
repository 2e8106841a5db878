"""The suggested department for 分办 (issue 22): realistic messages, the registry's duties and the
past dispatches; a suggestion only, the message stays where it is until the dispatcher acts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from formsvc.config import county_date
from formsvc.services import workbench as wb
from formsvc.web.runtime import department_duties
from tests.formsvc.conftest import soup
from tests.formsvc.workbench.helpers import insert_message, login, message_row, number_of, run

# (subject, content, the department a dispatcher would choose)
MESSAGES = [
    ("灵活就业人员社保补贴怎么申领", "我是灵活就业人员，请问社会保险补贴怎么申领，需要什么材料？", "rsj"),
    ("孩子小学入学学位咨询", "我家孩子今年满六岁，户口在城关镇，请问义务教育阶段入学需要准备哪些材料，学位怎么分配？", "jyj"),
    ("超市出售过期食品", "县城某超市货架上的牛奶已经过期还在销售，请食品安全监管部门查处。", "scjgj"),
    ("异地就医报销比例", "我在省城住院，医保异地就医直接结算的报销比例是多少？需要备案吗？", "ylbzj"),
    ("小区物业乱收费", "我们小区物业公司擅自提高物业费，还收取停车管理费，请住建部门管一管物业管理。", "zjj"),
    ("政务服务中心办事排队太久", "在县政务服务中心办理业务排了两个小时，窗口太少，建议推行一窗受理和网上办理。", "xzspj"),
    ("不动产登记办证太慢", "去年买的房子到现在还没拿到不动产权证书，不动产登记要多久？", "zrzyj"),
    ("农机购置补贴什么时候发放", "去年买的拖拉机申请了农机购置补贴，到现在还没发放，请农业部门给个答复。", "nyncj"),
]


def today(app: Flask):
    return county_date(app.config, datetime.now(UTC))


def suggestion(app: Flask, subject: str, content: str) -> wb.Suggestion | None:
    t = today(app)
    mid = insert_message(app, dept=None, status="submitted", received_on=t,
                         due_date=t + timedelta(10), subject=subject, content=content)
    with app.test_request_context():
        duties = department_duties()
    return run(app, "disp", lambda ctx, _s: wb.suggest_department(
        ctx, message_row(app, number_of(app, mid)), duties))


@pytest.mark.parametrize(("subject", "content", "want"), MESSAGES, ids=[m[2] for m in MESSAGES])
def test_the_registry_suggests_the_department_of_the_duties(staff: Flask, subject: str,
                                                             content: str, want: str) -> None:
    got = suggestion(staff, subject, content)
    assert got is not None and got.code == want, got


def test_nothing_is_suggested_for_a_text_that_names_nothing(staff: Flask) -> None:
    assert suggestion(staff, "你好", "请问一下，谢谢您了。") is None


def test_past_dispatches_teach_what_the_registry_does_not_say(staff: Flask) -> None:
    # 路灯 is in no department's duties: without history the suggestion is not 城关镇
    subject, content = "人民路路灯不亮", "城关镇人民路东段的路灯已经坏了半个月，晚上走路看不清。"
    before = suggestion(staff, subject, content)
    t = today(staff)
    for i, text in enumerate(("新华街路灯坏了好几天没人修", "解放路路灯晚上不亮，请安排维修",
                              "小区门口路灯不亮存在安全隐患")):
        insert_message(staff, dept="cgz", status="replied", received_on=t - timedelta(30 + i),
                       due_date=t - timedelta(20), subject=text, content=text,
                       replied_at=datetime.now(UTC))
    after = suggestion(staff, subject, content)
    assert after is not None and after.code == "cgz" and after.similar >= 2, (before, after)


def test_the_message_page_shows_the_suggestion_without_dispatching(staff: Flask) -> None:
    t = today(staff)
    subject, content, want = MESSAGES[0]
    mid = insert_message(staff, dept=None, status="submitted", received_on=t,
                         due_date=t + timedelta(10), subject=subject, content=content)
    number = number_of(staff, mid)
    client = staff.test_client()
    login(client, "disp")
    page = soup(client.get(f"/hdjl/staff/m/{number}"))
    hint = page.select_one("#dispatch-suggestion")
    assert "县人社局" in hint.get_text() or "人力资源和社会保障局" in hint.get_text()
    picker = page.select_one("#dispatch-department")
    chosen = picker.select_one("option[selected]")
    assert chosen is None or chosen["value"] == ""  # suggested, not chosen
    assert picker.select_one(f"option[value={want}]").get_text().endswith("（建议）")
    # the dispatch form is open and first: the dispatcher's primary action
    assert page.select_one(".gp-staff-actions details")["id"] == "dispatch"
    assert page.select_one("#dispatch").has_attr("open")
    assert message_row(staff, number).status == "submitted"


def test_the_reasons_are_words_of_the_message() -> None:
    from formsvc.services.workbench.suggest import words_of

    strong = {"社会": 0.5, "会保": 1.0, "保险": 2.0, "就业": 3.0}
    assert words_of("灵活就业人员，请问社会保险补贴怎么申领", strong) == ("社会保险", "就业")
