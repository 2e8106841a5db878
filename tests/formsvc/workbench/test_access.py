"""The access matrix: every workbench route × every role × own / other department.

A message outside the staff member's scope must answer exactly like one that does not exist (404),
for pages and for every action; without a session everything redirects to the login page.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc.services import workbench as wb
from formsvc.staff.views import ACTIONS
from tests.formsvc.workbench.helpers import (
    insert_message,
    login,
    make_staff,
    number_of,
    run,
    submit,
)

# (username, role, department); the message belongs to rsj
ACCOUNTS = {
    "dispatcher": ("disp", "dispatcher", ""),
    "handler_own": ("h_own", "handler", "rsj"),
    "handler_other": ("h_other", "handler", "jyj"),
    "reviewer_own": ("r_own", "reviewer", "rsj"),
    "reviewer_other": ("r_other", "reviewer", "jyj"),
    "supervisor": ("sup", "supervisor", ""),
    "admin": ("adm", "admin", ""),
}
OUT_OF_SCOPE = {"handler_other", "reviewer_other"}
# page → accounts that may open it (others get 404)
PAGES = {
    "/hdjl/staff/queue": {"dispatcher", "supervisor", "admin"},
    "/hdjl/staff/inbox": set(ACCOUNTS),
    "/hdjl/staff/review": set(ACCOUNTS),
    "/hdjl/staff/supervision": {"supervisor", "admin"},
    "/hdjl/staff/templates": {"handler_own", "handler_other", "reviewer_own", "reviewer_other"},
}
# Valid form data for each action, so that only scope and role decide the answer.
FORM = {
    "dispatch": {"department": "rsj"}, "transfer": {"department": "zjj", "note": "不属本单位"},
    "reject": {"note": "重复"}, "return": {"note": "不属本单位"}, "note": {"note": "备注"},
    "request_extension": {"days": "5", "note": "需要调查"}, "approve_extension": {"note": "同意"},
    "refuse_extension": {"note": "不同意"}, "change_due": {"due_date": "2099-01-05", "note": "调整"},
    "draft_reply": {"text": "答复内容"}, "return_draft": {"note": "请修改"},
    "supervise": {"note": "请尽快办理"}, "reopen": {"note": "重新办理"},
    "flag_handled": {"note": "已核实"},
    "publish_letter": {"subject": "标题", "question": "问题", "reply": "答复", "reviewed": "y"},
    "withdraw_letter": {"note": "撤回"},
}


@pytest.fixture
def setup(wbapp: Flask, wbclient: FlaskClient) -> dict[str, str]:
    for username, role, dept in ACCOUNTS.values():
        make_staff(wbapp, username, role, dept)
    number, _ = submit(wbclient, "zx", department="")
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    return {"number": number}


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_pages(wbapp: Flask, setup: dict[str, str], account: str) -> None:
    client = wbapp.test_client()
    assert login(client, ACCOUNTS[account][0]).status_code == 303
    number = setup["number"]
    for path, allowed in PAGES.items():
        r = client.get(path)
        assert r.status_code == (200 if account in allowed else 404), (path, account)
    r = client.get(f"/hdjl/staff/m/{number}")
    assert r.status_code == (404 if account in OUT_OF_SCOPE else 200)
    inbox = client.get("/hdjl/staff/inbox?status=").get_data(as_text=True)
    assert (number in inbox) is (account not in OUT_OF_SCOPE)
    # lookup by number answers the same "nothing" for out-of-scope and unknown numbers
    r = client.get(f"/hdjl/staff/inbox?number={number}")
    assert r.status_code == (200 if account in OUT_OF_SCOPE else 302)
    assert client.get("/hdjl/staff/m/ZX20200101-ABCDEF").status_code == 404
    assert client.get("/hdjl/staff/").status_code == 302


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_actions(wbapp: Flask, setup: dict[str, str], account: str) -> None:
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    token = _token(client)
    for action in ACTIONS:
        number = number_of(wbapp, insert_message(
            wbapp, dept=None, status="submitted", received_on=date(2026, 11, 23),
            due_date=date(2026, 11, 30), kind="ysqgk" if "extension" in action else "zx"))
        run(wbapp, "disp", wb.dispatch, number, "rsj")
        r = client.post(f"/hdjl/staff/m/{number}/{action}",
                        data={"csrf_token": token, **FORM.get(action, {})})
        if account in OUT_OF_SCOPE:
            assert r.status_code == 404, (account, action)
        else:
            assert r.status_code in (303, 400), (account, action, r.status_code)


def test_anonymous_is_sent_to_login(wbclient: FlaskClient, setup: dict[str, str]) -> None:
    number = setup["number"]
    paths = [*PAGES, "/hdjl/staff/", f"/hdjl/staff/m/{number}"]
    for path in paths:
        r = wbclient.get(path)
        assert r.status_code == 303 and "/hdjl/staff/login" in r.headers["Location"], path
    for action in ACTIONS:
        r = wbclient.post(f"/hdjl/staff/m/{number}/{action}", data=FORM.get(action, {}))
        # CSRF fails first (400) or the login redirect (303): never an action
        assert r.status_code in (303, 400), action


def test_unknown_action_is_404(wbapp: Flask, setup: dict[str, str]) -> None:
    client = wbapp.test_client()
    login(client, "adm")
    r = client.post(f"/hdjl/staff/m/{setup['number']}/explode", data={"csrf_token": _token(client)})
    assert r.status_code == 404


def _token(client: FlaskClient) -> str:
    from tests.formsvc.conftest import csrf_from, soup

    return csrf_from(soup(client.get("/hdjl/staff/inbox")))
