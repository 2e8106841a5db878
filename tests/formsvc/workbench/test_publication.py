"""Four eyes on every publication (issue 19): one person proposes the masked texts of a letter, a
second approves them; the rules of who may approve, and every way an approval is refused."""

from __future__ import annotations

from itertools import count

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from formsvc import db
from formsvc.models import Letter, LetterProposal
from formsvc.models.staff import Staff
from formsvc.services import workbench as wb
from tests.formsvc.conftest import check_page, soup
from tests.formsvc.workbench.helpers import (
    approve_current,
    login,
    make_staff,
    message_row,
    post_action,
    refused,
    run,
    submit,
)

# (username, role, department): rsj has two reviewers, zjj none, jyj one of its own
ACCOUNTS = (("disp", "dispatcher", ""), ("sup", "supervisor", ""), ("adm", "admin", ""),
            ("rsj_h", "handler", "rsj"), ("rsj_h2", "handler", "rsj"),
            ("rsj_r", "reviewer", "rsj"), ("rsj_r2", "reviewer", "rsj"),
            ("jyj_r", "reviewer", "jyj"), ("zjj_h", "handler", "zjj"),
            ("xzfb_r", "reviewer", "xzfb"))
TEXTS = ("社保卡补办", "社保卡丢了怎么补办？", "请携带身份证到县政务服务中心办理。")
_n = count(1)


@pytest.fixture
def people(wbapp: Flask) -> Flask:
    for username, role, dept in ACCOUNTS:
        make_staff(wbapp, username, role, dept)
    return wbapp


def replied(app: Flask, client: FlaskClient, dept: str, handler: str,
            content: str = "") -> str:
    """A consented message of ``dept``, answered by ``handler``: ready to be proposed."""
    n = next(_n)
    number, _ = submit(client, "zx", consent_publish=True, department="",
                       content=content or f"第{n}个问题：社保卡丢了怎么补办，需要哪些材料？")
    run(app, "disp", wb.dispatch, number, dept)
    run(app, handler, wb.save_draft, number, "请携带身份证到县政务服务中心办理。")
    run(app, handler, wb.send_reply, number)
    return number


def proposed(app: Flask, client: FlaskClient, dept: str = "rsj", proposer: str = "rsj_h") -> str:
    handler = {"rsj": "rsj_h", "zjj": "zjj_h"}.get(dept, proposer)
    number = replied(app, client, dept, handler)
    run(app, proposer, wb.propose, number, *TEXTS, True)
    return number


def staff_id(app: Flask, username: str) -> int:
    with app.app_context():
        s = db.new_session()
        try:
            return s.scalar(select(Staff.id).where(Staff.username == username))  # type: ignore[return-value]
        finally:
            s.close()


def public_total(client: FlaskClient) -> int:
    return client.get("/api/v1/letters").get_json()["total"]


def test_a_proposal_is_published_only_when_a_reviewer_approves(people: Flask,
                                                               wbclient: FlaskClient) -> None:
    number = proposed(people, wbclient)
    assert public_total(wbclient) == 0  # proposed is not published
    letter = run(people, "rsj_r", approve_current, number)
    assert public_total(wbclient) == 1
    assert letter.published and letter.published_by_id == staff_id(people, "rsj_r")
    assert (letter.subject, letter.question, letter.reply) == TEXTS
    # the log shows both people: the proposer's step, and the approver's naming the proposer
    events = [(e.action, e.actor, e.note) for e in message_row(people, number).events]
    assert ("propose_letter", f"staff:{staff_id(people, 'rsj_h')}", "") in events
    assert ("publish_letter", f"staff:{staff_id(people, 'rsj_r')}", "提请人：rsj_h") in events
    client = people.test_client()
    login(client, "sup")
    timeline = soup(client.get(f"/hdjl/staff/m/{number}")).find(id="timeline").get_text()
    assert "提请公开" in timeline and "在公开信箱发布" in timeline
    assert "rsj_h" in timeline and "rsj_r" in timeline


def test_nobody_approves_their_own_proposal(people: Flask, wbclient: FlaskClient) -> None:
    # a reviewer who proposes needs the other reviewer
    number = proposed(people, wbclient, proposer="rsj_r")
    assert refused(people, "rsj_r", approve_current, number) == "own_proposal"
    assert refused(people, "rsj_r", wb.send_back, number, 1, "自己退回") == "own_proposal"
    run(people, "rsj_r2", approve_current, number)
    # an administrator holds every role, and still cannot approve their own proposal
    number = replied(people, wbclient, "rsj", "rsj_h")
    run(people, "adm", wb.propose, number, *TEXTS, True)
    assert refused(people, "adm", approve_current, number) == "own_proposal"
    run(people, "rsj_r", approve_current, number)
    assert public_total(wbclient) == 2


def test_handlers_and_supervisors_cannot_approve(people: Flask, wbclient: FlaskClient) -> None:
    number = proposed(people, wbclient)
    assert refused(people, "rsj_h2", approve_current, number) == "forbidden"
    assert refused(people, "sup", approve_current, number) == "forbidden"
    assert refused(people, "rsj_h2", wb.send_back, number, 1, "退回") == "forbidden"
    assert public_total(wbclient) == 0


def test_a_reviewer_of_another_department_does_not_see_it(people: Flask,
                                                          wbclient: FlaskClient) -> None:
    number = proposed(people, wbclient)
    with pytest.raises(wb.NotFound):
        run(people, "jyj_r", wb.approve, number, 1)
    with pytest.raises(wb.NotFound):
        run(people, "jyj_r", wb.send_back, number, 1, "退回")
    # and were their department to hold it by mistake, the rule itself still refuses
    with people.app_context():
        s = db.new_session()
        reviewer = s.scalar(select(Staff).where(Staff.username == "jyj_r"))
        proposal = s.scalar(select(LetterProposal).where(LetterProposal.status == "pending"))
        refusal = wb.approval_refusal(s, reviewer, proposal.message, proposal)
        s.close()
    assert refusal is not None and refusal.code == "forbidden"
    assert public_total(wbclient) == 0


def test_the_dispatcher_approves_only_where_the_department_has_no_other_reviewer(
        people: Flask, wbclient: FlaskClient) -> None:
    rsj = proposed(people, wbclient)
    assert refused(people, "disp", approve_current, rsj) == "reviewer_exists"
    zjj = proposed(people, wbclient, "zjj", "zjj_h")  # zjj has no reviewer
    run(people, "disp", approve_current, zjj)
    # xzfb's only reviewer proposed it: nobody else in the department can approve
    xzfb = proposed(people, wbclient, "xzfb", "xzfb_r")
    run(people, "disp", approve_current, xzfb)
    # reviewers whose accounts are disabled do not count
    with people.app_context():
        s = db.new_session()
        s.execute(update(Staff).where(Staff.role == "reviewer").values(active=False))
        s.commit()
        s.close()
    run(people, "disp", approve_current, rsj)
    assert public_total(wbclient) == 3


def test_double_approval_and_a_stale_page_are_refused(people: Flask,
                                                      wbclient: FlaskClient) -> None:
    number = proposed(people, wbclient)
    # the handler edits the proposal after the reviewer opened revision 1
    run(people, "rsj_h", wb.propose, number, "社保卡补办（修改）", *TEXTS[1:], True)
    assert refused(people, "rsj_r", wb.approve, number, "1") == "stale"
    assert refused(people, "rsj_r", wb.approve, number, "") == "stale"
    assert public_total(wbclient) == 0
    letter = run(people, "rsj_r", wb.approve, number, "2")
    assert letter.subject == "社保卡补办（修改）"
    assert refused(people, "rsj_r2", wb.approve, number, "2") == "not_pending"
    assert refused(people, "rsj_r", wb.approve, number, "2") == "not_pending"
    events = [e.action for e in message_row(people, number).events]
    assert events.count("publish_letter") == 1 and events.count("propose_letter") == 2


def test_a_proposal_sent_back_is_not_published(people: Flask, wbclient: FlaskClient) -> None:
    number = proposed(people, wbclient)
    assert refused(people, "rsj_r", wb.send_back, number, "1", " ") == "note_required"
    run(people, "rsj_r", wb.send_back, number, "1", "答复中有工作人员的手机号，请删去")
    assert public_total(wbclient) == 0
    assert refused(people, "rsj_r2", approve_current, number) == "not_pending"
    # the proposer sees why, with the texts kept for editing
    client = people.test_client()
    login(client, "rsj_h")
    page = soup(client.get(f"/hdjl/staff/m/{number}"))
    check_page(page)
    assert "请删去" in page.find(id="proposal-status").get_text()
    form = page.find("form", attrs={"action": lambda a: a and a.endswith("/propose_letter")})
    assert form.find("input", attrs={"name": "subject"})["value"] == TEXTS[0]
    notes = [(e.action, e.note) for e in message_row(people, number).events]
    assert ("return_letter", "答复中有工作人员的手机号，请删去") in notes


def test_an_edit_of_a_published_letter_waits_for_approval(people: Flask,
                                                          wbclient: FlaskClient) -> None:
    number = proposed(people, wbclient)
    letter = run(people, "rsj_r", approve_current, number)
    run(people, "rsj_h", wb.propose, number, "改过的标题", *TEXTS[1:], True)
    assert wbclient.get(f"/api/v1/letters/{letter.id}").get_json()["subject"] == TEXTS[0]
    run(people, "rsj_r", approve_current, number)
    assert wbclient.get(f"/api/v1/letters/{letter.id}").get_json()["subject"] == "改过的标题"


def test_the_queue_lists_what_each_person_may_approve(people: Flask,
                                                      wbclient: FlaskClient) -> None:
    rsj = proposed(people, wbclient)
    own = proposed(people, wbclient, proposer="rsj_r")
    zjj = proposed(people, wbclient, "zjj", "zjj_h")

    def listed(username: str) -> set[str]:
        client = people.test_client()
        login(client, username)
        page = soup(client.get("/hdjl/staff/publication"))
        check_page(page)
        return {a.get_text() for a in page.find("table").find_all("a")}

    assert listed("rsj_r") == {rsj}  # not their own proposal
    assert listed("rsj_r2") == {rsj, own}
    assert listed("disp") == {zjj}  # rsj has reviewers
    assert listed("jyj_r") == set()
    assert listed("adm") == {rsj, own, zjj}


def test_approving_and_returning_through_the_page(people: Flask, wbclient: FlaskClient) -> None:
    number = proposed(people, wbclient)
    handler = people.test_client()
    login(handler, "rsj_h")
    page = soup(handler.get(f"/hdjl/staff/m/{number}"))
    assert page.find(id="letter-review") is None  # the proposer gets no approve button
    assert page.find("form", attrs={"action": lambda a: a and a.endswith("/publish_letter")}) \
        is None
    r = post_action(handler, number, "publish_letter", revision="1")
    assert r.status_code == 400 and "不能审核自己" in soup(r).select_one(".gp-error-summary").text
    reviewer = people.test_client()
    login(reviewer, "rsj_r")
    r = post_action(reviewer, number, "return_letter", revision="1", note="")
    assert r.status_code == 400
    r = post_action(reviewer, number, "publish_letter", revision="0")
    assert r.status_code == 400 and "重新审阅" in soup(r).select_one(".gp-error-summary").text
    r = post_action(reviewer, number, "publish_letter", revision="1")
    assert r.status_code == 303 and public_total(wbclient) == 1
    with people.app_context():
        s = db.new_session()
        assert s.scalar(select(Letter.published)) is True
        s.close()


def test_migration_0007_keeps_the_letters_and_goes_down_and_up(people: Flask,
                                                               wbclient: FlaskClient) -> None:
    """Letters published before 0007 stay as they are; the proposals table comes and goes."""
    from sqlalchemy import inspect

    from tests.formsvc.workbench.test_stats_summary import _alembic

    number = proposed(people, wbclient)
    run(people, "rsj_r", approve_current, number)
    with people.app_context():
        engine = db.get_engine(people)
        with engine.connect() as conn:
            letters = [tuple(r) for r in conn.execute(select(Letter.__table__))]
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0006")
            assert "letter_proposal" not in inspect(engine).get_table_names()
            with engine.connect() as conn:
                assert [tuple(r) for r in conn.execute(select(Letter.__table__))] == letters
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert "letter_proposal" in inspect(engine).get_table_names()
        with engine.connect() as conn:
            assert [tuple(r) for r in conn.execute(select(Letter.__table__))] == letters
    assert public_total(wbclient) == 1
    # and a new proposal works on the recreated table, once the consent that 0008 (passed on the
    # way back up) marked unknown has been asked again
    run(people, "rsj_h", wb.reconfirm_consent, number, "yes", "电话联系提交人，同意公开")
    run(people, "rsj_h", wb.propose, number, "再次修改", *TEXTS[1:], True)
    run(people, "rsj_r", approve_current, number)
    assert wbclient.get("/api/v1/letters").get_json()["items"][0]["subject"] == "再次修改"


def test_who_is_told(people: Flask, wbclient: FlaskClient) -> None:
    """A proposal mails the department's other reviewers (the dispatchers where it has none);
    sending it back mails the proposer with the reason."""
    from formsvc.models import OutboxNotification

    def mails() -> set[tuple[str, str]]:
        with people.app_context():
            s = db.new_session()
            try:
                return {(r.template, r.recipient) for r in s.scalars(select(OutboxNotification))
                        if r.template.startswith("letter_")}
            finally:
                s.close()

    rsj = proposed(people, wbclient, proposer="rsj_r")
    assert mails() == {("letter_proposed", "rsj_r2@gov.test")}
    proposed(people, wbclient, "zjj", "zjj_h")
    assert ("letter_proposed", "disp@gov.test") in mails()
    run(people, "rsj_r2", wb.send_back, rsj, "1", "请核对")
    assert ("letter_returned", "rsj_r@gov.test") in mails()
