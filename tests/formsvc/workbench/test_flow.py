"""The issue's walk-through, through the pages as a person would use them: a complaint sent to the
wrong department is routed, transferred, reviewed, answered, rated unsatisfied and supervised; the
public letter and the statistics follow."""

from __future__ import annotations

from flask import Flask

from tests.formsvc.conftest import check_page, csrf_from, good_data, post_form, receipt_of, soup
from tests.formsvc.workbench.helpers import (
    login,
    make_staff,
    message_row,
    post_action,
)


def publish_form(page) -> dict[str, str]:  # noqa: ANN001
    form = page.find("form", attrs={"action": lambda a: a and a.endswith("/propose_letter")})
    return {"subject": form.find("input", attrs={"name": "subject"})["value"],
            "question": form.find("textarea", attrs={"name": "question"}).get_text(),
            "reply": form.find("textarea", attrs={"name": "reply"}).get_text()}


def test_walk_through(wbapp: Flask) -> None:
    for username, role, dept in (("disp", "dispatcher", ""), ("zjj_h", "handler", "zjj"),
                                 ("gaj_h", "handler", "gaj"), ("gaj_r", "reviewer", "gaj"),
                                 ("sup", "supervisor", "")):
        make_staff(wbapp, username, role, dept)
    citizen = wbapp.test_client()
    r = post_form(citizen, "ts", good_data("ts", department="jyj", subject="夜市占道经营噪音扰民",
                                           content="人民路夜市每天营业到凌晨，噪音很大，请相关部门处理。",
                                           consent_publish="y"), follow=True)
    number, code = receipt_of(r)

    dispatcher = wbapp.test_client()
    assert login(dispatcher, "disp").headers["Location"].endswith("/hdjl/staff/")
    page = soup(dispatcher.get("/hdjl/staff/queue"))
    check_page(page)
    assert page.find("meta", attrs={"name": "robots", "content": "noindex, nofollow"})
    assert page.find("a", string=number)
    r = post_action(dispatcher, number, "dispatch", department="zjj")
    assert r.status_code == 303
    queue = soup(dispatcher.get("/hdjl/staff/queue"))
    assert "已分办" in queue.select_one(".gp-notice").get_text()  # the flash names the number
    assert number not in queue.find("table").get_text()

    zjj = wbapp.test_client()
    login(zjj, "zjj_h")
    inbox = soup(zjj.get("/hdjl/staff/inbox"))
    check_page(inbox)
    assert inbox.find("a", string=number)
    r = post_action(zjj, number, "transfer", department="gaj", note="占道噪音由公安局治安大队处理")
    assert r.status_code == 303 and r.headers["Location"] == "/hdjl/staff/"  # no longer theirs
    assert zjj.get(f"/hdjl/staff/m/{number}").status_code == 404

    gaj = wbapp.test_client()
    login(gaj, "gaj_h")
    page = soup(gaj.get(f"/hdjl/staff/m/{number}"))
    check_page(page)
    r = post_action(gaj, number, "draft_reply", text="已安排治安大队夜间巡查，并要求商户 22 点前收摊。")
    assert r.status_code == 303
    page = soup(gaj.get(f"/hdjl/staff/m/{number}"))
    assert page.find("form", attrs={"action": lambda a: a and a.endswith("/send_reply")}) is None
    r = post_action(gaj, number, "send_reply")
    assert r.status_code == 400 and "须经审核" in soup(r).select_one(".gp-error-summary").get_text()
    assert post_action(gaj, number, "submit_review").status_code == 303

    reviewer = wbapp.test_client()
    login(reviewer, "gaj_r")
    assert reviewer.get("/hdjl/staff/").headers["Location"].endswith("/hdjl/staff/review")
    assert soup(reviewer.get("/hdjl/staff/review")).find("a", string=number)
    assert post_action(reviewer, number, "approve_reply").status_code == 303
    page = soup(reviewer.get(f"/hdjl/staff/m/{number}", follow_redirects=True))
    assert page.find(id="status").get_text() == "已答复"

    # the citizen rates it 不满意 on the tracking page
    token = csrf_from(soup(citizen.get("/hdjl/track")))
    track = citizen.post("/hdjl/track", data={"csrf_token": token, "tracking_number": number,
                                              "query_code": code})
    tpage = soup(track)
    assert "治安大队" in tpage.select_one(".gp-reply__body").get_text()
    timeline = tpage.find("main").get_text()
    assert "转至" in timeline and "提交审核" not in timeline and "草稿" not in timeline
    r = citizen.post("/hdjl/track/rate", data={"csrf_token": csrf_from(tpage), "tracking_number": number,
                                               "query_code": code, "rating": "unsatisfied",
                                               "comment": "晚上还是很吵"})
    assert r.status_code == 200

    supervisor = wbapp.test_client()
    login(supervisor, "sup")
    page = soup(supervisor.get("/hdjl/staff/supervision"))
    check_page(page)
    flagged = page.find(id="flagged")
    assert flagged is not None and number in flagged.get_text() and "晚上还是很吵" in flagged.get_text()

    # publication: consented, reviewed, masked, proposed by one person and approved by another
    page = soup(gaj.get(f"/hdjl/staff/m/{number}"))
    texts = publish_form(page)
    r = post_action(gaj, number, "propose_letter", **texts)  # not confirmed as reviewed
    assert r.status_code == 400
    r = post_action(gaj, number, "propose_letter", **texts, reviewed="y")
    assert r.status_code == 303
    assert citizen.get("/api/v1/letters").get_json()["total"] == 0  # not before the approval
    queue = soup(reviewer.get("/hdjl/staff/publication"))
    check_page(queue)
    assert queue.find("a", string=number)
    page = soup(reviewer.get(f"/hdjl/staff/m/{number}"))
    check_page(page)
    assert page.find(id="letter-review") is not None
    revision = page.find("input", attrs={"name": "revision"})["value"]
    assert post_action(reviewer, number, "publish_letter", revision=revision).status_code == 303
    letters = soup(citizen.get("/hdjl/letters"))
    check_page(letters)
    link = letters.find("a", string="夜市占道经营噪音扰民")
    assert link is not None
    detail = soup(citizen.get(link["href"]))
    check_page(detail)
    assert detail.find(id="department").get_text() == "示范县公安局"
    assert "张**" in detail.get_text() and "张三" not in detail.get_text()
    api = citizen.get("/api/v1/letters?kind=ts&department=gaj").get_json()
    assert api["total"] == 1 and api["items"][0]["subject"] == "夜市占道经营噪音扰民"
    assert citizen.get("/api/v1/letters?department=jyj").get_json()["total"] == 0

    # statistics count the reply for the department that answered it
    stats = citizen.get("/api/v1/stats").get_json()
    gaj_row = next(d for d in stats["departments"] if d["code"] == "gaj")
    assert (gaj_row["received"], gaj_row["replied"], gaj_row["rated"], gaj_row["satisfied"]) == (
        1, 1, 1, 0)
    page = soup(citizen.get("/hdjl/stats"))
    check_page(page)
    assert page.find(id="stats-table")
    # one message is too few to rank: the charts say so instead of drawing a one-bar winner
    assert page.find("svg") is None and "没有达到排名条件" in page.get_text()

    # the supervisor reopens it once; the department is told
    r = post_action(supervisor, number, "reopen", note="请会同市场监管局再次处理")
    assert r.status_code == 303
    assert message_row(wbapp, number).status == "assigned"
    staff_timeline = soup(gaj.get(f"/hdjl/staff/m/{number}")).find(id="timeline").get_text()
    for label in ("已分办至承办单位", "已转办至其他单位", "提交审核", "审核通过", "已答复",
                  "评价办理结果", "不满意，重新办理"):
        assert label in staff_timeline, label
