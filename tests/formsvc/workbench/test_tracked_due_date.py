"""Tracking shows the stored due date and explains how that date came about (issue 18, defect 2).

After a supervisor's change, an approved extension, a reopening or a transfer with a new date,
``/api/v1/track`` and the tracking page once said the stored ``due_date`` and, in the same answer,
"办理期限至" another date counted afresh from the receipt date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc.services import workbench as wb
from tests.formsvc.conftest import csrf_from, soup
from tests.formsvc.workbench.helpers import message_row, run, submit


def track(client: FlaskClient, number: str, code: str) -> dict[str, Any]:
    r = client.post("/api/v1/track", json={"tracking_number": number, "query_code": code})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def tracking_page(client: FlaskClient, number: str, code: str) -> str:
    token = csrf_from(soup(client.get("/hdjl/track")))
    r = client.post("/hdjl/track", data={"csrf_token": token, "tracking_number": number,
                                         "query_code": code})
    assert r.status_code == 200
    # inline markup (dates kept on one line in <span>) adds no space of its own
    return " ".join(soup(r).find("main").get_text().split())


def later(days: int) -> date:
    return date.today() + timedelta(days=days)


def changed_by_hand(app: Flask, client: FlaskClient) -> tuple[str, str, str]:
    number, code = submit(client, "zx", department="")
    run(app, "disp", wb.dispatch, number, "rsj")
    run(app, "sup", wb.change_due_date, number, later(60), "涉及多个部门，需要协调")
    return number, code, "调整"


def transferred_with_a_new_date(app: Flask, client: FlaskClient) -> tuple[str, str, str]:
    number, code = submit(client, "zx", department="")
    run(app, "disp", wb.dispatch, number, "rsj")
    run(app, "sup", wb.transfer, number, "xzfb", "属县政府办职责", later(45))
    return number, code, "调整"


def extended(app: Flask, client: FlaskClient) -> tuple[str, str, str]:
    number, code = submit(client, "ysqgk")
    run(app, "disp", wb.dispatch, number, "xzfb")
    run(app, "xzfb_h", wb.request_extension, number, 15, "需要征求第三方意见")
    run(app, "sup", wb.decide_extension, number, True, "同意")
    return number, code, "延长 15 个工作日"


def extended_after_a_change(app: Flask, client: FlaskClient) -> tuple[str, str, str]:
    number, code = submit(client, "ysqgk")
    run(app, "disp", wb.dispatch, number, "xzfb")
    run(app, "xzfb_h", wb.request_extension, number, 10, "材料较多")
    run(app, "sup", wb.change_due_date, number, later(50), "先调整")
    run(app, "sup", wb.decide_extension, number, True, "同意")
    return number, code, "延长 10 个工作日"


def reopened(app: Flask, client: FlaskClient) -> tuple[str, str, str]:
    number, code = submit(client, "ts", department="")
    run(app, "disp", wb.dispatch, number, "rsj")
    run(app, "rsj_h", wb.save_draft, number, "已处理。")
    run(app, "rsj_h", wb.send_reply, number)
    client.post("/api/v1/rate", json={"tracking_number": number, "query_code": code,
                                      "rating": "unsatisfied", "comment": "没有解决"})
    # reopened three weeks later: a new full time limit from that day
    run(app, "sup", wb.reopen, number, "请重新核查",
        now=datetime.now(UTC) + timedelta(days=21))
    return number, code, "重新"


CASES: dict[str, Callable[[Flask, FlaskClient], tuple[str, str, str]]] = {
    "changed": changed_by_hand, "transferred": transferred_with_a_new_date,
    "extended": extended, "extended_after_change": extended_after_a_change,
    "reopened": reopened,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_tracking_explains_the_stored_due_date(staff: Flask, wbclient: FlaskClient,
                                               case: str) -> None:
    number, code, how = CASES[case](staff, wbclient)
    stored = message_row(staff, number).due_date.isoformat()
    view = track(wbclient, number, code)
    assert view["due_date"] == stored
    assert view["due"]["due_date"] == stored
    explanation = view["due"]["explanation"]
    assert f"办理期限至 {stored}" in explanation or f"调整为 {stored}" in explanation, explanation
    assert how in explanation
    # no second date offered as the deadline
    assert explanation.count("办理期限至") <= 1
    page = tracking_page(wbclient, number, code)
    assert explanation in page
    assert all(d == stored for d in _deadlines_in(page)), page


def test_a_date_set_by_hand_says_so(staff: Flask, wbclient: FlaskClient) -> None:
    number, code, _ = changed_by_hand(staff, wbclient)
    due = track(wbclient, number, code)["due"]
    assert due["basis"] == "manual"
    assert "督办员" in due["explanation"] and "不按工作日推算" in due["explanation"]
    assert due["working_days"] is None and due["skipped"] == [] == due["makeup_workdays"]


def test_an_unchanged_date_keeps_the_submission_count(staff: Flask,
                                                      wbclient: FlaskClient) -> None:
    number, code = submit(wbclient, "zx")
    body = wbclient.post("/api/v1/track", json={"tracking_number": number,
                                                "query_code": code}).get_json()
    assert body["due"]["basis"] == "submission"
    assert body["due"]["explanation"].startswith("自受理日 ")
    assert body["due"]["due_date"] == body["due_date"]


def _deadlines_in(text: str) -> list[str]:
    import re

    return re.findall(r"办理期限至 (\d{4}-\d{2}-\d{2})", text)
