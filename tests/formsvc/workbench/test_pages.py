"""Workbench pages: reply templates per department, 督办 notes, pagination, every page's frame."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.models import OutboxNotification
from formsvc.services import workbench as wb
from tests.formsvc.conftest import check_page, csrf_from, soup
from tests.formsvc.workbench.helpers import (
    insert_message,
    login,
    make_staff,
    message_row,
    post_action,
    run,
    submit,
)


def test_reply_templates_are_per_department(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "rsj_h", "handler", "rsj")
    make_staff(wbapp, "jyj_h", "handler", "jyj")
    rsj = wbapp.test_client()
    login(rsj, "rsj_h")
    page = soup(rsj.get("/hdjl/staff/templates"))
    check_page(page)
    r = rsj.post("/hdjl/staff/templates", data={"csrf_token": csrf_from(page), "title": "",
                                                "body": "x"})
    assert r.status_code == 400 and "请填写模板名称" in soup(r).get_text()
    r = rsj.post("/hdjl/staff/templates", data={"csrf_token": csrf_from(page), "title": "社保卡补办",
                                                "body": "请携带身份证到县政务服务中心社保窗口办理。"})
    assert r.status_code == 303
    listed = soup(rsj.get("/hdjl/staff/templates")).find(id="template-list")
    assert "社保卡补办" in listed.get_text()
    template_id = listed.find("input", attrs={"name": "remove"})["value"]

    number, _ = submit(wbclient, "zx", department="")
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    assert "社保窗口" in rsj.get(f"/hdjl/staff/m/{number}").get_data(as_text=True)

    jyj = wbapp.test_client()
    login(jyj, "jyj_h")
    assert "社保卡补办" not in jyj.get("/hdjl/staff/templates").get_data(as_text=True)
    token = csrf_from(soup(jyj.get("/hdjl/staff/templates")))
    r = jyj.post("/hdjl/staff/templates", data={"csrf_token": token, "remove": template_id})
    assert r.status_code == 404
    token = csrf_from(soup(rsj.get("/hdjl/staff/templates")))
    assert rsj.post("/hdjl/staff/templates",
                    data={"csrf_token": token, "remove": template_id}).status_code == 303
    assert "社保卡补办" not in rsj.get("/hdjl/staff/templates").get_data(as_text=True)


def test_supervise_note_notifies_and_is_logged(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "sup", "supervisor")
    make_staff(wbapp, "h", "handler", "rsj", email="h@gov.test")
    number, code = submit(wbclient, "zx", department="")
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    client = wbapp.test_client()
    login(client, "sup")
    r = post_action(client, number, "supervise", note="请于周五前答复")
    assert r.status_code == 303
    ev = message_row(wbapp, number).events[-1]
    assert (ev.action, ev.note, ev.public) == ("supervise", "请于周五前答复", False)
    with wbapp.app_context():
        s = db.new_session()
        sent = {o.recipient for o in s.scalars(select(OutboxNotification).where(
            OutboxNotification.template == "supervise"))}
        s.close()
    assert "h@gov.test" in sent
    view = wbclient.post("/api/v1/track", json={"tracking_number": number,
                                                "query_code": code}).get_json()
    assert "周五" not in str(view)
    # a handler cannot supervise
    h = wbapp.test_client()
    login(h, "h")
    r = post_action(h, number, "supervise", note="自己督办自己")
    assert r.status_code == 400 and "无权" in soup(r).select_one(".gp-error-summary").get_text()


def test_inbox_pagination_and_every_page(wbapp: Flask) -> None:
    make_staff(wbapp, "h", "handler", "rsj")
    for i in range(23):
        insert_message(wbapp, dept="rsj", status="assigned", received_on=date(2026, 1, 5),
                       due_date=date(2026, 1, 12 + i % 5))
    client = wbapp.test_client()
    login(client, "h")
    first = soup(client.get("/hdjl/staff/inbox"))
    check_page(first)
    assert len(first.select("tbody tr")) == 20
    nav = first.select_one(".gp-pagination")
    assert nav is not None and "共 23 条" in nav.get_text()
    second = soup(client.get(nav.find("a", attrs={"rel": "next"})["href"]))
    assert len(second.select("tbody tr")) == 3
    dues = [td.find("time")["datetime"] for td in first.select("tbody tr td.gp-staff-due")]
    assert dues == sorted(dues)
    for path in ("/hdjl/staff/review", "/hdjl/staff/inbox?kind=zx&status=&from=2026-01-01"):
        check_page(soup(client.get(path)))


def test_attachments_for_staff_in_scope_only(wbapp: Flask) -> None:
    from tests.formsvc.conftest import PNG, good_data, post_form, receipt_of

    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "h", "handler", "rsj")
    make_staff(wbapp, "other", "handler", "jyj")
    citizen = wbapp.test_client()
    number, _ = receipt_of(post_form(citizen, "zx", good_data("zx"), files=[(PNG, "photo.png")],
                                     follow=True))
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    h = wbapp.test_client()
    login(h, "h")
    link = soup(h.get(f"/hdjl/staff/m/{number}")).find("a", string="photo.png")
    r = h.get(link["href"])
    assert r.status_code == 200 and r.data == PNG and r.mimetype == "image/png"
    r.close()
    other = wbapp.test_client()
    login(other, "other")
    assert other.get(link["href"]).status_code == 404
    assert wbapp.test_client().get(link["href"]).status_code == 303  # not logged in


def test_an_investment_inquiry_shows_the_project_by_name(wbapp: Flask) -> None:
    """The workbench showed the 招商项目's slug (issue 18, defect 7)."""
    make_staff(wbapp, "disp", "dispatcher")
    client = wbapp.test_client()
    number, _ = submit(client, "tz")
    login(client, "disp")
    page = soup(client.get(f"/hdjl/staff/m/{number}"))
    project = page.find(id="project")
    assert project.get_text(strip=True) == "示范县新能源汽车零部件产业园项目"
    assert project.a["href"].endswith("/zsyz/xm/xny-lbj.html")


def test_workbench_has_its_own_frame_and_marks_the_current_screen(wbapp: Flask) -> None:
    """Issue 22: staff pages are not the public site (no public menu, search, 关怀版, footer)."""
    make_staff(wbapp, "sup", "supervisor")
    make_staff(wbapp, "rsj_h", "handler", "rsj")
    client = wbapp.test_client()
    login(client, "sup")
    for url, place in (("/hdjl/staff/queue", "待分办"), ("/hdjl/staff/review", "待审核答复"),
                       ("/hdjl/staff/supervision", "督办"), ("/hdjl/staff/inbox", "全部留言")):
        page = soup(client.get(url))
        for public in (".gp-nav", ".gp-search", ".gp-care-toggle", ".gp-footer",
                       ".gp-breadcrumb"):
            assert page.select_one(public) is None, (url, public)
        nav = page.find("nav", attrs={"aria-label": "工作台导航"})
        assert [a.get_text() for a in nav.select("a[aria-current=page]")] == [place], url
        assert "sup" in page.select_one("#staff-who").get_text()
        assert page.find("form", attrs={"action": "/hdjl/staff/logout"})
    handler = wbapp.test_client()
    login(handler, "rsj_h")
    nav = soup(handler.get("/hdjl/staff/inbox")).find("nav", attrs={"aria-label": "工作台导航"})
    # a department's handler has no 分办 queue and no 督办 page to go to; it answers notices and
    # moderates its department's comments, questions and survey texts
    assert [a.get_text() for a in nav.find_all("a")] == ["本单位留言", "待审核答复", "答复模板",
                                                         "督办通知", "意见征集与访谈", "网上调查"]
    who = soup(handler.get("/hdjl/staff/inbox")).select_one("#staff-who").get_text()
    assert "县人社局" in who and "承办人" in who, who


def test_a_disclosure_request_shows_its_details_by_the_forms_labels(wbapp: Flask) -> None:
    make_staff(wbapp, "disp", "dispatcher")
    client = wbapp.test_client()
    number, _ = submit(client, "ysqgk")
    login(client, "disp")
    rows = {dt.get_text(strip=True): dt.find_next_sibling("dd").get_text(strip=True)
            for dt in soup(client.get(f"/hdjl/staff/m/{number}")).select(".gp-metadata__key")}
    assert rows["申请人类型"] == "自然人" and rows["身份证件类型"] == "居民身份证"
    assert rows["提供信息的形式"] == "电子邮件" and rows["用途"] == "学习研究"


def test_every_table_cell_names_its_column_for_the_phone_cards(wbapp: Flask) -> None:
    """On a phone each row is a card and each cell shows its column's name (data-label): a cell
    without one, or with another column's name, would read wrong."""
    make_staff(wbapp, "sup", "supervisor")
    client = wbapp.test_client()
    number, _ = submit(client, "zx")
    login(client, "sup")
    post_action(client, number, "note", note="请核实")
    insert_message(wbapp, dept=None, status="submitted", received_on=date(2026, 1, 5),
                   due_date=date(2026, 1, 9))  # overdue: the supervisor's tables have a row
    pages = ["/hdjl/staff/queue", "/hdjl/staff/inbox", "/hdjl/staff/inbox?status=",
             "/hdjl/staff/supervision", f"/hdjl/staff/m/{number}"]
    checked = 0
    for url in pages:
        for table in soup(client.get(url)).select("table.gp-staff-table"):
            assert "gp-staff-cards" in table["class"], url
            headers = [th.get_text(strip=True) for th in table.select("thead th")]
            for tr in table.select("tbody tr"):
                cells = tr.find_all(["td", "th"])
                if len(cells) == 1 and cells[0].get("colspan"):
                    continue  # "没有符合条件的留言"
                for header, cell in zip(headers, cells, strict=True):
                    if cell.name == "th":
                        continue  # a row's own header names the card
                    assert cell.get("data-label") == header, (url, header, str(cell)[:80])
                    checked += 1
    assert checked >= 10


def test_the_workbench_warns_when_next_years_holidays_are_missing(
        wbapp: Flask, wbclient: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """From 1 November staff are told that next year's due dates lack the holiday schedule."""
    make_staff(wbapp, "rsj_h", "handler", "rsj")
    login(wbclient, "rsj_h")
    # 2026-12-06, the day issue 20 was filed: 2027 is unknown to chinesecalendar 1.11
    monkeypatch.setattr("formsvc.staff.views.utcnow",
                        lambda: datetime(2026, 12, 6, 2, 0, tzinfo=UTC))
    page = soup(wbclient.get("/hdjl/staff/inbox"))
    check_page(page)
    assert "2027 年的法定节假日安排尚未收录" in page.get_text()
    # October: not yet expected
    monkeypatch.setattr("formsvc.staff.views.utcnow",
                        lambda: datetime(2026, 10, 31, 2, 0, tzinfo=UTC))
    assert "法定节假日安排尚未收录" not in soup(wbclient.get("/hdjl/staff/inbox")).get_text()
    # the schedule in the holiday file: no warning
    Path(wbapp.config["HOLIDAYS_FILE"]).write_text(
        "2027:\n  holidays:\n    - {date: 2027-01-01, name: 元旦}\n", encoding="utf-8")
    monkeypatch.setattr("formsvc.staff.views.utcnow",
                        lambda: datetime(2026, 12, 6, 2, 0, tzinfo=UTC))
    assert "法定节假日安排尚未收录" not in soup(wbclient.get("/hdjl/staff/inbox")).get_text()
