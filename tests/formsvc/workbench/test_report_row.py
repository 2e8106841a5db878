"""The annual report's row of a reply (不予公开: which of the eight reasons), chosen in the
workbench and counted by the report (formsvc/domain/annual_report.py)."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient

from formsvc import db
from formsvc.services import annual_report
from formsvc.services import workbench as wb
from tests.formsvc.conftest import check_page, csrf_from, soup
from tests.formsvc.workbench.helpers import login, refused, run, submit


def test_not_disclosed_needs_its_reason_and_the_report_counts_it(staff: Flask,
                                                                  wbclient: FlaskClient) -> None:
    number, _ = submit(wbclient, "ysqgk", applicant_type="organization", org_type="legal_service",
                       name="王五", org_name="示范县正义律师事务所",
                       credit_code="91350100M000100Y43", legal_rep="赵六", id_type="",
                       id_number="")
    run(staff, "disp", wb.dispatch, number, "xzfb")
    text = "经审查，您申请的信息涉及第三方商业秘密，不予公开。"
    # a row of another outcome is refused and changes nothing
    assert refused(staff, "xzfb_h", wb.save_draft, number, text, "not_disclosed", "理由",
                   "unable.not_held") == "invalid_report_row"
    run(staff, "xzfb_h", wb.save_draft, number, text, "not_disclosed", "涉及商业秘密")
    assert refused(staff, "xzfb_h", wb.send_reply, number) == "report_row_required"
    run(staff, "xzfb_h", wb.save_draft, number, text, "not_disclosed", "涉及商业秘密",
        "withheld.third_party")
    run(staff, "xzfb_h", wb.send_reply, number)
    with staff.app_context():
        s = db.new_session()
        year = date.today().year
        rows = {r["code"]: r for r in
                annual_report.requests_table(s, staff.config, year)["rows"]}
        s.close()
    assert rows["withheld.third_party"]["cells"]["legal_service"] == 1
    assert rows["withheld"]["cells"]["legal_service"] == 1
    assert rows["total"]["total"] == 1 and rows["new"]["total"] == 1


def test_the_reply_form_offers_the_rows(staff: Flask, wbclient: FlaskClient) -> None:
    number, _ = submit(wbclient, "ysqgk")
    run(staff, "disp", wb.dispatch, number, "xzfb")
    login(wbclient, "xzfb_h")
    page = soup(wbclient.get(f"/hdjl/staff/m/{number}"))
    check_page(page)
    options = [o["value"] for o in page.select("#draft_reply-report_row option")]
    assert options[:3] == ["", "withheld.secret", "withheld.law"]
    assert "not_handled.confirm" in options and "disclosed" not in options
    r = wbclient.post(f"/hdjl/staff/m/{number}/draft_reply", data={
        "csrf_token": csrf_from(page), "text": "答复", "outcome": "disclosed",
        "report_row": "withheld.secret"})
    assert r.status_code == 400 and "所选统计类别与答复结果不符" in soup(r).get_text()


def test_the_annual_report_page_for_supervisors(staff: Flask, wbclient: FlaskClient) -> None:
    with staff.app_context():
        s = db.new_session()
        from formsvc.cli import demo
        demo.seed_disclosure_year(s, 2025)
        s.close()
    login(wbclient, "rsj_h")
    assert wbclient.get("/hdjl/staff/annual-report?year=2025").status_code == 404
    client = staff.test_client()
    login(client, "sup")
    page = soup(client.get("/hdjl/staff/annual-report?year=2025"))
    check_page(page)
    assert page.h1.get_text() == "2025年政府信息公开工作年度报告（统计表）"
    data = client.get("/hdjl/staff/annual-report?year=2025&format=json").get_json()
    for row in data["requests"]["rows"]:
        for col in data["requests"]["columns"]:
            value = row["cells"][col["code"]]
            cell = page.select_one(f'td[data-cell="{row["code"]}/{col["code"]}"]')
            assert cell.get_text() == ("" if value is None else str(value))
    assert sum(k["cells"]["total"] for k in data["cases"]["kinds"]) == 6
    r = client.get("/hdjl/staff/annual-report?year=2025&format=csv")
    assert r.mimetype == "text/csv" and r.get_data(as_text=True).startswith("表格,行,列,数值")
    # a year that makes no sense falls back to last year, never a 500
    assert client.get("/hdjl/staff/annual-report?year=abc").status_code == 200
    assert client.get("/hdjl/staff/annual-report?year=99999").status_code == 200


def test_staff_enter_a_case_and_bad_input_changes_nothing(staff: Flask) -> None:
    client = staff.test_client()
    login(client, "sup")
    page = soup(client.get("/hdjl/staff/annual-report?year=2025"))
    token = csrf_from(page)

    def post(**data: str) -> object:
        return client.post("/hdjl/staff/annual-report", data={"csrf_token": token, **data})

    for data, message in (
            ({"kind": "review", "received": "", "result": "pending"}, "请填写收到日期"),
            ({"kind": "review", "received": "2025-02-30", "result": "pending"}, "请填写收到日期"),
            ({"kind": "appeal", "received": "2025-02-01", "result": "pending"}, "案件类别应为"),
            ({"kind": "review", "received": "2025-02-01", "result": "upheld"}, "审结日期"),
            ({"kind": "review", "received": "2025-02-01", "result": "upheld",
              "decided": "2025-01-01"}, "审结日期不能早于收到日期"),
            ({"kind": "review", "received": "2025-02-01", "result": "pending",
              "number": "号" * 101}, "案号不超过")):
        r = post(**data)
        assert r.status_code == 400 and message in soup(r).get_text(), data
    data = client.get("/hdjl/staff/annual-report?year=2025&format=json").get_json()
    assert sum(k["cells"]["total"] for k in data["cases"]["kinds"]) == 0
    r = post(kind="litigation_direct", received="2025-05-06", result="corrected",
             decided="2025-09-01", number="（2025）示行初12号")
    assert r.status_code == 303 and r.headers["Location"].endswith("year=2025")
    page = soup(client.get(r.headers["Location"]))
    check_page(page)
    assert "案件已登记" in page.get_text()
    assert page.select_one('td[data-cell="litigation_direct/corrected"]').get_text() == "1"
    assert page.select_one('td[data-cell="litigation_direct/total"]').get_text() == "1"
