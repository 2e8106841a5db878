"""The access matrix of participation moderation: a contribution to a draft of rsj, and every
account of test_access.ACCOUNTS trying each action (own department, other department, county)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from formsvc import db
from formsvc.models import Contribution, ContributionEvent
from formsvc.services import departments
from tests.formsvc.workbench.helpers import login, make_staff
from tests.formsvc.workbench.test_access import ACCOUNTS, _token

MODERATORS = {"dispatcher", "handler_own", "reviewer_own", "admin"}
READ_ONLY = {"supervisor"}
FORM = {"publish": {}, "hide": {"hide_reason": "与本稿无关"},
        "adopt": {"adoption": "partly", "adoption_reason": "部分采纳：补贴标准另行规定"},
        "answer": {"answer": "您好，已转交访谈嘉宾。"}}


def add_contribution(app: Flask, kind: str = "comment", dept: str = "rsj") -> int:
    with app.app_context():
        s = db.new_session()
        try:
            d = departments.by_code(s, dept)
            row = Contribution(
                kind=kind, target="interview" if kind == "question" else "consultation",
                slug="draft", article=1, department_id=d.id if d else None, name="张三",
                phone="13812345678", text="我是张三，电话13812345678，建议增加助餐点。",
                text_hash="x", submitted_at=datetime.now(UTC), status="pending", public_text="",
                hide_reason="", adoption="", adoption_reason="", answer="")
            s.add(row)
            s.commit()
            return row.id
        finally:
            s.close()


@pytest.fixture
def accounts(wbapp: Flask) -> None:
    for username, role, dept in ACCOUNTS.values():
        make_staff(wbapp, username, role, dept)


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_moderation_actions(wbapp: Flask, accounts: None, account: str) -> None:
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    token = _token(client)
    for action, form in FORM.items():
        cid = add_contribution(wbapp, "question" if action == "answer" else "comment")
        r = client.post(f"/hdjl/staff/participation/{cid}/{action}",
                        data={"csrf_token": token, **form})
        if account in MODERATORS:
            assert r.status_code == 303, (account, action, r.status_code)
        elif account in READ_ONLY:
            assert r.status_code == 400, (account, action)
        else:  # other department or 12345 operator: like an unknown contribution
            assert r.status_code == 404, (account, action)
        with wbapp.app_context():
            s = db.new_session()
            events = list(s.scalars(select(ContributionEvent.action).where(
                ContributionEvent.contribution_id == cid)))
            s.close()
        assert events == ([action] if account in MODERATORS else []), (account, action)


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_listing_shows_only_the_scope(wbapp: Flask, accounts: None, account: str) -> None:
    add_contribution(wbapp, dept="rsj")
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    r = client.get("/hdjl/staff/participation")
    if account == "intake":
        assert r.status_code == 404
        return
    assert r.status_code == 200
    sees = "13812345678" in r.get_data(as_text=True)
    assert sees is (account not in {"handler_other", "reviewer_other"}), account


def test_unknown_action_and_id_are_404(wbapp: Flask, accounts: None) -> None:
    client = wbapp.test_client()
    login(client, "adm")
    token = _token(client)
    cid = add_contribution(wbapp)
    assert client.post(f"/hdjl/staff/participation/{cid}/delete",
                       data={"csrf_token": token}).status_code == 404
    assert client.post("/hdjl/staff/participation/99999/publish",
                       data={"csrf_token": token}).status_code == 404
