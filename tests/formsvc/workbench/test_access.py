"""The access matrix: every workbench route × every role × own / other department.

A message outside the staff member's scope must answer exactly like one that does not exist (404),
for pages, attachments and every action; without a session everything redirects to the login
page. ``test_every_route_is_classified`` keeps the matrix complete: every route the app registers
must be in one of the lists below (public pages, JSON API, login-free workbench routes, the
matrix), so a new route, in a new blueprint or an old one, fails the suite until it is classified
and, when it needs a login, tested here.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import create_app, db
from formsvc.models import Attachment, Message
from formsvc.services import workbench as wb
from formsvc.staff.views import ACTIONS
from tests.formsvc.conftest import PNG, make_config, post_form, soup
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
    "intake": ("op", "intake", ""),
}
OUT_OF_SCOPE = {"handler_other", "reviewer_other"}
# page → accounts that may open it (others get 404)
PAGES = {
    "/hdjl/staff/queue": {"dispatcher", "supervisor", "admin", "intake"},
    "/hdjl/staff/inbox": set(ACCOUNTS),
    "/hdjl/staff/review": set(ACCOUNTS),
    "/hdjl/staff/supervision": {"supervisor", "admin"},
    "/hdjl/staff/publication": {"dispatcher", "reviewer_own", "reviewer_other", "admin"},
    "/hdjl/staff/annual-report": {"supervisor", "admin"},
    "/hdjl/staff/templates": {"handler_own", "handler_other", "reviewer_own", "reviewer_other"},
    "/hdjl/staff/intake": {"dispatcher", "intake"},
    "/hdjl/staff/intake/zx": {"dispatcher", "intake"},
    # 电子监察 (formsvc/staff/supervision_pages.py): notices for supervisors and departments
    "/hdjl/staff/notices": {"handler_own", "handler_other", "reviewer_own", "reviewer_other",
                            "supervisor", "admin"},
    "/hdjl/staff/performance": {"supervisor", "admin"},
    "/hdjl/staff/report": {"supervisor", "admin"},
    "/hdjl/staff/report?format=pdf": {"supervisor", "admin"},
    "/hdjl/staff/participation": set(ACCOUNTS) - {"intake"},
    "/hdjl/staff/admin/staff": {"admin"},
    "/hdjl/staff/admin/api-keys": {"admin"},
    "/hdjl/staff/admin/failed-mail": {"admin"},
}
# 代录 of another kind than zx, and 依申请公开 (written procedure): 404 for everyone
INTAKE_CLOSED = ("/hdjl/staff/intake/ysqgk", "/hdjl/staff/intake/nosuchkind")
# who reads a 举报's reporter (name, contact data): the handling department and supervisors
REPORTER_READERS = {"handler_own", "reviewer_own", "supervisor"}
# The matrix: every workbench route that needs a login → the test here that runs it for every
# account (own and other department). test_every_route_is_classified fails on a missing entry.
MATRIX_ROUTES = {
    "/hdjl/staff/": "test_pages",
    "/hdjl/staff/queue": "test_pages",
    "/hdjl/staff/inbox": "test_pages",
    "/hdjl/staff/review": "test_pages",
    "/hdjl/staff/supervision": "test_pages",
    "/hdjl/staff/publication": "test_pages, test_publication_matrix",
    "/hdjl/staff/annual-report": "test_pages",
    "/hdjl/staff/templates": "test_pages (GET), test_templates_post (POST)",
    "/hdjl/staff/m/<number>": "test_pages",
    "/hdjl/staff/m/<number>/<action>": "test_actions",
    "/hdjl/staff/m/<number>/files/<int:attachment_id>": "test_attachments",
    "/hdjl/staff/logout": "test_logout",
    "/hdjl/staff/intake": "test_pages",
    "/hdjl/staff/intake/<kind_code>": "test_pages (GET), test_intake_post (POST)",
    "/hdjl/staff/intake/receipt/<number>": "test_pages",
    "/hdjl/staff/notices": "test_pages",
    "/hdjl/staff/performance": "test_pages (GET), test_performance_post (POST)",
    "/hdjl/staff/report": "test_pages (HTML and PDF)",
    "/hdjl/staff/participation": "test_pages, test_participation_access.py",
    "/hdjl/staff/participation/<int:contribution_id>/<action>": "test_participation_access.py",
    "/hdjl/staff/surveys": "test_survey_matrix",
    "/hdjl/staff/surveys/<slug>": "test_survey_matrix",
    "/hdjl/staff/surveys/<slug>.csv": "test_survey_matrix",
    "/hdjl/staff/surveys/<slug>/texts/<int:text_id>": "test_survey_matrix",
    "/hdjl/staff/queue/dispatch": "test_bulk_dispatch",
    "/hdjl/staff/admin/staff": "test_pages (GET), test_admin_posts (POST)",
    "/hdjl/staff/admin/staff/<int:staff_id>/<action>": "test_admin_posts",
    "/hdjl/staff/admin/api-keys": "test_pages (GET), test_admin_posts (POST)",
    "/hdjl/staff/admin/api-keys/<key_id>/<action>": "test_admin_posts",
    "/hdjl/staff/admin/failed-mail": "test_pages",
    "/hdjl/staff/admin/failed-mail/<int:outbox_id>/retry": "test_admin_posts",
}
# Workbench routes that must work without a login.
STAFF_LOGIN_FREE = {
    "/hdjl/staff/login",  # the way in
    "/hdjl/staff/static/<path:filename>",  # the workbench stylesheet: no personal data
}
# Citizens' pages: anyone may open them (tracking needs the number and query code instead).
PUBLIC_ROUTES = {
    "/hdjl/", "/hdjl/<kind_code>/new", "/hdjl/ysqgk/new", "/hdjl/ysqgk/confirm",
    "/hdjl/receipt/<number>", "/hdjl/track", "/hdjl/track/rate", "/hdjl/letters",
    # bound to the browser's tracking login (tests/formsvc/workbench/test_disclosure_procedure.py)
    "/hdjl/track/correction", "/hdjl/track/files/<stored_name>", "/hdjl/track/notice/<number>",
    "/hdjl/track/supplement", "/hdjl/track/follow-up", "/hdjl/rate/<token>",
    "/hdjl/letters/<int:letter_id>", "/hdjl/stats", "/hdjl/stats.csv", "/search",
    "/hdjl/report",  # 定期通报, the public part (tests/formsvc/workbench/test_supervision_report.py)
    # 意见征集, 网上听证, 在线访谈 (tests/formsvc/test_participation.py)
    "/hdjl/yjzj/<slug>", "/hdjl/yjzj/<slug>/new", "/hdjl/yjzj/<slug>/hearing",
    "/hdjl/yjzj/<slug>/thanks", "/hdjl/ft/<slug>", "/hdjl/ft/<slug>/answers",
    "/hdjl/ft/<slug>/new", "/hdjl/ft/<slug>/thanks",
    # 网上调查 (tests/formsvc/test_surveys.py)
    "/hdjl/surveys/", "/hdjl/surveys/<slug>", "/hdjl/surveys/<slug>/thanks",
    "/hdjl/surveys/<slug>/results",
}
# The JSON API: no cookies, no sessions (tests/security/test_csrf.py checks a staff cookie gives
# nothing there); tested in tests/formsvc/test_api.py and its neighbours.
API_ROUTES = {
    "/api/v1/departments", "/api/v1/kinds", "/api/v1/letters", "/api/v1/letters/<int:letter_id>",
    "/api/v1/messages", "/api/v1/openapi.json", "/api/v1/rate", "/api/v1/search",
    "/api/v1/stats", "/api/v1/track", "/api/v1/healthz",
    # the 12345 exchange: a key with the work_orders scope (tests/formsvc/test_work_orders.py)
    "/api/v1/work-orders", "/api/v1/work-orders/schema.json",
    # 网上调查 (tests/formsvc/test_surveys.py)
    "/api/v1/surveys", "/api/v1/surveys/<slug>", "/api/v1/surveys/<slug>/answers",
    "/api/v1/surveys/<slug>/results",
    "/open311/v2/services.json", "/open311/v2/requests.json",
    "/open311/v2/requests/<service_request_id>.json",
    # 意见征集 and 在线访谈 (tests/formsvc/test_participation_api.py)
    "/api/v1/consultations/<slug>/comments", "/api/v1/interviews/<slug>/questions",
    # a key reads what it submitted (tests/formsvc/test_track_on_behalf.py)
    "/api/v1/messages/<tracking_number>",
}
# A value for each URL variable, to request every route for real.
SAMPLE_ARGS = {"kind_code": "zx", "staff_id": "1", "key_id": "000000000000", "stored_name": "0" * 32 + ".pdf", "token": "x", "letter_id": "1",
               "attachment_id": "1", "action": "note",
               "filename": "staff.css", "service_request_id": "ZX-0", "slug": "x",
               "contribution_id": "1", "text_id": "1", "outbox_id": "1", "tracking_number": "ZX20200101-ABCDEF"}

# Valid form data for each action, so that only scope and role decide the answer.
FORM = {
    "dispatch": {"department": "rsj"}, "transfer": {"department": "zjj", "note": "不属本单位"},
    "reject": {"note": "重复"}, "return": {"note": "不属本单位"}, "note": {"note": "备注"},
    "request_extension": {"days": "5", "note": "需要调查"}, "approve_extension": {"note": "同意"},
    "refuse_extension": {"note": "不同意"}, "change_due": {"due_date": "2099-01-05", "note": "调整"},
    "draft_reply": {"text": "答复内容"}, "return_draft": {"note": "请修改"},
    "supervise": {"note": "请尽快办理"}, "reopen": {"note": "重新办理"},
    "flag_handled": {"note": "已核实"},
    "propose_letter": {"subject": "标题", "question": "问题", "reply": "答复", "reviewed": "y"},
    "publish_letter": {"revision": "1"}, "return_letter": {"note": "请修改", "revision": "1"},
    "withdraw_letter": {"note": "撤回"},
    "reconfirm_consent": {"answer": "yes", "note": "电话确认"},
    "request_correction": {"note": "请写明所需文件的名称", "days": "10"},
    "start_consultation": {"note": "某公司"}, "end_consultation": {"note": "同意公开"},
    "remove_reply_file": {"attachment": "1"},
    "issue_notice": {"kind": "duban", "note": "请尽快办理"},
    "answer_notice": {"notice": "1", "note": "已办理"},
    "assign": {"assignee": ""},
}
# Actions that only a 依申请公开 request offers.
DISCLOSURE_ACTIONS = ("extension", "correction", "consultation")


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
    for path in INTAKE_CLOSED:
        assert client.get(path).status_code == 404, (path, account)
    # the receipt page of 代录 (without the code in another session): the intake roles only
    r = client.get(f"/hdjl/staff/intake/receipt/{number}")
    assert r.status_code == (200 if account in PAGES["/hdjl/staff/intake"] else 404), account


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_intake_post(wbapp: Flask, setup: dict[str, str], account: str) -> None:
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    data = {"csrf_token": _token(client), "name": "王五", "phone": "13912345678",
            "department": "", "subject": "来电", "content": f"{account} 代录的来电内容，请处理。"}
    r = client.post("/hdjl/staff/intake/zx", data=data)
    allowed = account in PAGES["/hdjl/staff/intake"]
    assert r.status_code == (303 if allowed else 404), account
    with wbapp.app_context():
        stored = db.new_session().scalar(select(Message.channel).where(
            Message.content == data["content"]))
    assert stored == ("phone" if allowed else None), account


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_report_reporter(wbapp: Flask, wbclient: FlaskClient, setup: dict[str, str],
                         account: str) -> None:
    """A 举报 of rsj: its content for everyone in scope, its reporter for REPORTER_READERS."""
    number, _ = submit(wbclient, "jb", department="", address="人民路 9 号")
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    r = client.get(f"/hdjl/staff/m/{number}")
    if account in OUT_OF_SCOPE:
        assert r.status_code == 404
        return
    page = soup(r)
    assert "社保卡" in page.find(id="content").get_text()
    text = page.get_text()
    for value in ("张三", "13812345678", "zhangsan@example.com", "人民路 9 号"):
        assert (value in text) is (account in REPORTER_READERS), (account, value)


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_actions(wbapp: Flask, setup: dict[str, str], account: str) -> None:
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    token = _token(client)
    for action in ACTIONS:
        number = number_of(wbapp, insert_message(
            wbapp, dept=None, status="submitted", received_on=date(2026, 11, 23),
            due_date=date(2026, 11, 30), kind="ysqgk" if any(a in action for a in DISCLOSURE_ACTIONS) else "zx"))
        run(wbapp, "disp", wb.dispatch, number, "rsj")
        r = client.post(f"/hdjl/staff/m/{number}/{action}",
                        data={"csrf_token": token, **FORM.get(action, {})})
        if account in OUT_OF_SCOPE:
            assert r.status_code == 404, (account, action)
        else:
            assert r.status_code in (303, 400), (account, action, r.status_code)


# The approval of a proposal to publish (four eyes): the message is rsj's, proposed by h_own.
# A decision of the wrong person is a 400 with its reason (the own-department rules in
# test_publication.py), out of scope a 404; only a reviewer of rsj or an administrator may.
APPROVERS = {"reviewer_own", "admin"}


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_publication_matrix(wbapp: Flask, wbclient: FlaskClient, setup: dict[str, str],
                            account: str) -> None:
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    token = _token(client)
    for action, form in (("publish_letter", {}), ("return_letter", {"note": "请修改"})):
        number, _ = submit(wbclient, "zx", consent_publish=True, department="",
                           content=f"{account}：{action} 的留言内容，请答复。")
        run(wbapp, "disp", wb.dispatch, number, "rsj")
        run(wbapp, "h_own", wb.save_draft, number, "答复内容")
        run(wbapp, "h_own", wb.send_reply, number)
        run(wbapp, "h_own", wb.propose, number, "标题", "问题", "答复", True)
        page = client.get("/hdjl/staff/publication")
        allowed = account in PAGES["/hdjl/staff/publication"]
        assert page.status_code == (200 if allowed else 404), account
        # the 待审核公开 list holds it for exactly those who may approve it
        listed = allowed and number in soup(page).find("table").get_text()
        assert listed is (account in APPROVERS), account
        r = client.post(f"/hdjl/staff/m/{number}/{action}",
                        data={"csrf_token": token, "revision": "1", **form})
        expected = 404 if account in OUT_OF_SCOPE else 303 if account in APPROVERS else 400
        assert r.status_code == expected, (account, action, r.status_code)
    # decided (published or returned): no longer in anyone's list
    page = client.get("/hdjl/staff/publication")
    if page.status_code == 200:
        assert number not in soup(page).find("table").get_text()


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
    from tests.formsvc.conftest import csrf_from

    return csrf_from(soup(client.get("/hdjl/staff/inbox")))


# --- the rest of the matrix: attachments, reply templates, logout ----------------------------------


@pytest.fixture
def attached(wbapp: Flask, wbclient: FlaskClient, setup: dict[str, str]) -> tuple[str, int]:
    """A message of rsj with one attachment: (tracking number, attachment id)."""
    data = {"name": "张三", "phone": "13812345678", "email": "", "department": "",
            "subject": "附件测试", "content": "请看附件中的照片，路灯已经损坏多日。"}
    r = post_form(wbclient, "zx", data, files=[(PNG, "photo.png")])
    assert r.status_code in (200, 303), r.status_code
    with wbapp.app_context():
        s = db.new_session()
        number, attachment_id = s.execute(select(Message.tracking_number, Attachment.id).join(
            Attachment, Attachment.message_id == Message.id)).one()
        s.close()
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    return number, attachment_id


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_attachments(wbapp: Flask, setup: dict[str, str], attached: tuple[str, int],
                     account: str) -> None:
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    number, attachment_id = attached
    r = client.get(f"/hdjl/staff/m/{number}/files/{attachment_id}")
    body = r.get_data()
    r.close()  # a streamed file
    if account in OUT_OF_SCOPE:
        assert r.status_code == 404
    else:
        assert r.status_code == 200 and body == PNG
        assert r.headers["Content-Disposition"].startswith("attachment")
    # the attachment through another message's number: as if it did not exist, for everyone
    r = client.get(f"/hdjl/staff/m/{setup['number']}/files/{attachment_id}")
    assert r.status_code == 404


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_report_attachments(wbapp: Flask, wbclient: FlaskClient, setup: dict[str, str],
                            account: str) -> None:
    """A 举报's own files may identify the reporter: listed and served to REPORTER_READERS only;
    the others in scope see a note instead of the links and get a 403 for the address."""
    data = {"name": "张三", "phone": "13812345678", "email": "", "address": "人民路 9 号",
            "department": "", "subject": "举报附件", "content": "举报材料见附件，请依法调查处理。"}
    r = post_form(wbclient, "jb", data, files=[(PNG, "evidence.png")])
    assert r.status_code in (200, 303), r.status_code
    with wbapp.app_context():
        s = db.new_session()
        number, attachment_id = s.execute(select(Message.tracking_number, Attachment.id).join(
            Attachment, Attachment.message_id == Message.id).where(Message.kind == "jb")).one()
        s.close()
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    page = client.get(f"/hdjl/staff/m/{number}")
    r = client.get(f"/hdjl/staff/m/{number}/files/{attachment_id}")
    body = r.get_data()
    r.close()
    if account in OUT_OF_SCOPE:
        assert page.status_code == 404 and r.status_code == 404
        return
    listed = soup(page).find("a", href=f"/hdjl/staff/m/{number}/files/{attachment_id}")
    hidden = soup(page).find(id="files-hidden")
    if account in REPORTER_READERS:
        assert r.status_code == 200 and body == PNG
        assert listed is not None and hidden is None
    else:
        assert r.status_code == 403 and PNG not in body
        assert "只有承办单位和督办人员可以查看" in body.decode()
        assert listed is None and "evidence.png" not in page.get_data(as_text=True)
        assert hidden is not None and "举报人" in hidden.get_text()


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_templates_post(wbapp: Flask, setup: dict[str, str], account: str) -> None:
    own = run(wbapp, "h_own", wb.add_template, "办理地点", "请到县政务服务中心办理。")
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    token = _token(client)
    r = client.post("/hdjl/staff/templates",
                    data={"csrf_token": token, "title": "新模板", "body": "模板内容"})
    has_department = bool(ACCOUNTS[account][2])
    assert r.status_code == (303 if has_department else 404), account
    # removing rsj's template: only rsj's own staff; for anyone else it does not exist
    r = client.post("/hdjl/staff/templates", data={"csrf_token": token, "remove": str(own.id)})
    assert r.status_code == (303 if account in ("handler_own", "reviewer_own") else 404), account


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_performance_post(wbapp: Flask, setup: dict[str, str], account: str) -> None:
    """存档 of the performance table: supervisors and administrators; nobody else sees it."""
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    r = client.post("/hdjl/staff/performance?period=2026-11", data={"csrf_token": _token(client)})
    assert r.status_code == (303 if account in PAGES["/hdjl/staff/performance"] else 404), account


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_logout(wbapp: Flask, setup: dict[str, str], account: str) -> None:
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    r = client.post("/hdjl/staff/logout", data={"csrf_token": _token(client)})
    assert r.status_code == 303 and r.headers["Location"].endswith("/hdjl/staff/login")
    r = client.get("/hdjl/staff/inbox")
    assert r.status_code == 303 and "/hdjl/staff/login" in r.headers["Location"]


# 网上调查: the rsj survey of the test content (tests/formsvc/conftest.py) is seen, exported and
# its texts published by rsj's staff and the county-wide roles; for the others it does not exist
SURVEY_READERS = set(ACCOUNTS) - OUT_OF_SCOPE


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_survey_matrix(wbapp: Flask, wbclient: FlaskClient, setup: dict[str, str], account: str) -> None:
    from formsvc.models import SurveyText
    from tests.formsvc.conftest import csrf_from

    answer_page = soup(wbclient.get("/hdjl/surveys/rsj-open"))
    assert wbclient.post("/hdjl/surveys/rsj-open", data={
        "csrf_token": csrf_from(answer_page), "q-score": "4",
        "q-advice": "窗口服务很好"}).status_code == 303
    with wbapp.app_context():
        s = db.new_session()
        text_id = s.scalars(select(SurveyText.id)).one()
        s.close()
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    allowed = account in SURVEY_READERS
    listing = client.get("/hdjl/staff/surveys")
    assert listing.status_code == 200
    assert ("社保服务满意度调查" in listing.get_data(as_text=True)) is allowed
    page = client.get("/hdjl/staff/surveys/rsj-open")
    assert page.status_code == (200 if allowed else 404), account
    csv_ = client.get("/hdjl/staff/surveys/rsj-open.csv")
    assert csv_.status_code == (200 if allowed else 404)
    if allowed:
        assert "窗口服务很好" in csv_.get_data(as_text=True)
    token = csrf_from(soup(client.get("/hdjl/staff/surveys")))
    r = client.post(f"/hdjl/staff/surveys/rsj-open/texts/{text_id}",
                    data={"csrf_token": token, "action": "publish"})
    assert r.status_code == (303 if allowed else 404), account
    with wbapp.app_context():
        s = db.new_session()
        assert s.get(SurveyText, text_id).published is allowed
        s.close()
    # unknown survey and unknown text: 404 for everyone
    assert client.get("/hdjl/staff/surveys/nosuch").status_code == 404
    r = client.post("/hdjl/staff/surveys/rsj-open/texts/999999", data={"csrf_token": token, "action": "publish"})
    assert r.status_code == 404
# who may 分办 several messages at once from the queue (formsvc/staff/bulk.py)
BULK_DISPATCHERS = {"dispatcher", "supervisor", "admin"}


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_bulk_dispatch(wbapp: Flask, wbclient: FlaskClient, setup: dict[str, str],
                       account: str) -> None:
    number, _ = submit(wbclient, "zx", department="", content=f"{account} 批量分办的留言内容。")
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    r = client.post("/hdjl/staff/queue/dispatch",
                    data={"csrf_token": _token(client), "number": number, "department": "rsj"})
    allowed = account in BULK_DISPATCHERS
    assert r.status_code == (303 if allowed else 404), account
    with wbapp.app_context():
        status = db.new_session().scalar(select(Message.status).where(
            Message.tracking_number == number))
    assert status == ("assigned" if allowed else "submitted"), account


@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_admin_posts(wbapp: Flask, setup: dict[str, str], account: str) -> None:
    """Every POST of the admin screens: the admin only; for anyone else they do not exist, and
    nothing changes."""
    from formsvc.models import AdminEvent, ApiKey, OutboxNotification
    from formsvc.models.staff import Staff
    from formsvc.services import api_keys

    with wbapp.app_context():
        s = db.new_session()
        _, key = api_keys.create(s, name="客户端", scopes=["submit"], channel="api")
        key_id = key.split("_")[1]
        target = s.scalar(select(Staff.id).where(Staff.username == "h_other"))
        mail = OutboxNotification(channel="email", recipient="a@gov.test", template="notice",
                                  payload={}, status="failed", attempts=3)
        s.add(mail)
        s.commit()
        before = len(s.scalars(select(AdminEvent.id)).all())
        s.close()
    client = wbapp.test_client()
    login(client, ACCOUNTS[account][0])
    token = _token(client)
    posts = [("/hdjl/staff/admin/staff", {"username": f"new_{account}", "role": "supervisor"}),
             (f"/hdjl/staff/admin/staff/{target}/change_role", {"role": "reviewer",
                                                                "department": "jyj"}),
             (f"/hdjl/staff/admin/staff/{target}/reset_password", {}),
             (f"/hdjl/staff/admin/staff/{target}/disable", {}),
             ("/hdjl/staff/admin/api-keys", {"name": "新密钥", "scope": "track",
                                             "channel": "api"}),
             (f"/hdjl/staff/admin/api-keys/{key_id}/rotate", {}),
             (f"/hdjl/staff/admin/failed-mail/{mail.id}/retry", {})]
    for path, data in posts:
        r = client.post(path, data={"csrf_token": token, **data})
        assert r.status_code == (404 if account != "admin" else r.status_code), (account, path)
        assert r.status_code in ((200, 303) if account == "admin" else (404,)), (account, path)
    with wbapp.app_context():
        s = db.new_session()
        changes = len(s.scalars(select(AdminEvent.id)).all()) - before
        keys = len(s.scalars(select(ApiKey.id)).all())
        s.close()
    assert changes == (len(posts) if account == "admin" else 0), account
    assert keys == (3 if account == "admin" else 1), account  # created, and rotated


# --- completeness: every route of the app is in a list, every login route in the matrix ------------


def test_every_route_is_classified(wbapp: Flask) -> None:
    lists = {"PUBLIC_ROUTES": PUBLIC_ROUTES, "API_ROUTES": API_ROUTES,
             "STAFF_LOGIN_FREE": STAFF_LOGIN_FREE, "MATRIX_ROUTES": set(MATRIX_ROUTES)}
    rules = {r.rule for r in wbapp.url_map.iter_rules()}
    listed = set().union(*lists.values())
    unknown = sorted(rules - listed)
    assert not unknown, ("routes in no list of tests/formsvc/workbench/test_access.py (classify "
                         "them; test them here if they need a login): " + ", ".join(unknown))
    stale = sorted(listed - rules)
    assert not stale, "listed routes the app no longer has: " + ", ".join(stale)
    names = list(lists)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not lists[a] & lists[b], f"in both {a} and {b}: {lists[a] & lists[b]}"
    workbench = {r for r in rules if r.startswith("/hdjl/staff/")}
    outside = sorted(workbench - STAFF_LOGIN_FREE - set(MATRIX_ROUTES))
    assert not outside, "workbench routes outside the access matrix: " + ", ".join(outside)
    assert set(MATRIX_ROUTES) <= workbench


def _sample_url(rule: str, number: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>",
                  lambda m: number if m.group(1) == "number" else SAMPLE_ARGS[m.group(1)], rule)


def test_only_the_matrix_routes_need_a_login(tmp_path: Path, database_url: str,
                                             content_dir: Path, setup: dict[str, str]) -> None:
    """Every route, asked without a session: exactly the matrix's routes send to the login page.

    CSRF is off in this app so that a POST-only route shows what it does without a session (with
    CSRF on, the token check answers 400 before the login check could be seen).
    """
    app = create_app(make_config(tmp_path, database_url, content_dir, WTF_CSRF_ENABLED=False))
    client = app.test_client()
    needs_login: set[str] = set()
    try:
        for rule in app.url_map.iter_rules():
            method = "GET" if "GET" in (rule.methods or ()) else "POST"
            r = client.open(_sample_url(rule.rule, setup["number"]), method=method)
            if r.status_code in (302, 303) and "/hdjl/staff/login" in r.headers.get("Location", ""):
                needs_login.add(rule.rule)
            # search answers 503 without a built index; nothing may fail with a 500
            assert r.status_code < 500 or (
                rule.rule in ("/search", "/api/v1/search") and r.status_code == 503), \
                (rule.rule, r.status_code)
            r.close()  # the stylesheet is a streamed file
    finally:
        db.get_engine(app).dispose()
    assert needs_login == set(MATRIX_ROUTES), sorted(needs_login ^ set(MATRIX_ROUTES))
