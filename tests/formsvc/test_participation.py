"""意见征集, 网上听证 and 在线访谈 in formsvc: the forms, the service's date rule, durability,
the repeat flag, cleaning, CSRF, masking on publication and the public pages (SQLite and PG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.models import Contribution, ContributionEvent
from formsvc.services import participation as svc
from tests.formsvc.conftest import check_page, csrf_from, error_texts, soup
from tests.formsvc.participation_data import write_tree

COMMENT = {"name": "张三", "phone": "13812345678",
           "text": "建议第一条写明适用于农村互助幸福院，我的电话 13812345678。"}


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("participation"))


def post(client: FlaskClient, path: str, data: dict[str, Any], query: str = "") -> Any:
    token = csrf_from(soup(client.get(path + query)))
    return client.post(path, data={"csrf_token": token, **data})


def rows(app: Flask) -> list[Contribution]:
    with app.app_context():
        s = db.new_session()
        try:
            found = list(s.scalars(select(Contribution).order_by(Contribution.id)))
            for row in found:  # loaded before the session closes
                _ = row.department
            return found
        finally:
            s.close()


def test_comment_on_an_article_is_stored_before_the_thanks_page(app: Flask,
                                                                client: FlaskClient) -> None:
    page = soup(client.get("/hdjl/yjzj/open-draft/new?article=2"))
    check_page(page)
    assert page.find("option", attrs={"value": "2", "selected": True})
    r = post(client, "/hdjl/yjzj/open-draft/new", {**COMMENT, "article": "1"})
    assert r.status_code == 303 and r.headers["Location"].endswith(
        "/hdjl/yjzj/open-draft/thanks?kind=comment")
    [row] = rows(app)
    assert (row.kind, row.slug, row.article, row.status) == ("comment", "open-draft", 1, "pending")
    assert row.department is not None and row.department.code == "mzj"
    thanks = soup(client.get(r.headers["Location"]))
    check_page(thanks)
    assert "意见已收到" in thanks.get_text()


def test_whole_draft_comment_has_no_article(app: Flask, client: FlaskClient) -> None:
    assert post(client, "/hdjl/yjzj/open-draft/new", {**COMMENT, "article": ""}).status_code == 303
    assert rows(app)[0].article is None


@pytest.mark.parametrize("article", ["9", "abc", "1.5", "-1"])
def test_an_article_the_draft_lacks_is_refused_beside_the_field(app: Flask, client: FlaskClient,
                                                               article: str) -> None:
    r = post(client, "/hdjl/yjzj/open-draft/new", {**COMMENT, "article": article})
    assert r.status_code == 400
    assert "条文" in error_texts(soup(r))["article"]
    assert rows(app) == []


def test_missing_name_phone_and_short_text_are_explained(app: Flask, client: FlaskClient) -> None:
    r = post(client, "/hdjl/yjzj/open-draft/new", {"name": "", "phone": "123", "text": "短"})
    assert r.status_code == 400
    errors = error_texts(soup(r))
    assert set(errors) >= {"name", "phone", "text"}
    assert rows(app) == []


def test_closed_draft_says_so_and_accepts_nothing(app: Flask, client: FlaskClient) -> None:
    page = client.get("/hdjl/yjzj/closed-draft/new")
    assert page.status_code == 200
    text = soup(page).get_text()
    assert "截止，不再接受意见" in text
    assert soup(page).find("textarea") is None
    # a hostile client posts anyway, with a token from another form
    token = csrf_from(soup(client.get("/hdjl/yjzj/open-draft/new")))
    r = client.post("/hdjl/yjzj/closed-draft/new", data={"csrf_token": token, **COMMENT})
    assert r.status_code == 409
    assert "不再接受意见" in soup(r).get_text()
    assert rows(app) == []


def test_closed_draft_public_page_shows_the_feedback(client: FlaskClient) -> None:
    page = soup(client.get("/hdjl/yjzj/closed-draft"))
    check_page(page)
    assert "共收到意见 3 条" in page.get_text()
    assert "已结束" in page.get_text()


def test_unknown_slug_is_404(client: FlaskClient) -> None:
    for path in ("/hdjl/yjzj/nope", "/hdjl/yjzj/nope/new", "/hdjl/ft/nope", "/hdjl/ft/nope/answers",
                 "/hdjl/ft/nope/new", "/hdjl/yjzj/..%2Fetc/new", "/hdjl/yjzj/closed-draft/hearing"):
        assert client.get(path).status_code == 404, path


def test_csrf_is_required(app: Flask, client: FlaskClient) -> None:
    r = client.post("/hdjl/yjzj/open-draft/new", data=COMMENT)
    assert r.status_code == 400
    assert rows(app) == []


def test_hidden_field_filled_is_refused(app: Flask, client: FlaskClient) -> None:
    r = post(client, "/hdjl/yjzj/open-draft/new", {**COMMENT, "website": "http://spam"})
    assert r.status_code == 400
    assert rows(app) == []


def test_odd_characters_are_cleaned_and_repeats_flagged(app: Flask, client: FlaskClient) -> None:
    data = {**COMMENT, "name": " 张\u202e三 ", "text": "建议\x00增加助餐服务\u2066内容。"}
    assert post(client, "/hdjl/yjzj/open-draft/new", data).status_code == 303
    assert post(client, "/hdjl/yjzj/open-draft/new", {**data, "text": "建议 增加助餐服务内容。"}
                ).status_code == 303
    first, second = rows(app)
    assert first.name == "张三" and first.text == "建议增加助餐服务内容。"
    assert first.duplicate_of_id is None and second.duplicate_of_id == first.id


@pytest.mark.parametrize("value", [["a", "b"], 12345, True, None])
def test_wrong_types_in_the_form_do_not_500(app: Flask, client: FlaskClient, value: Any) -> None:
    token = csrf_from(soup(client.get("/hdjl/yjzj/open-draft/new")))
    data: dict[str, Any] = {"csrf_token": token, **COMMENT}
    data["article"] = value if value is not None else ""
    r = client.post("/hdjl/yjzj/open-draft/new", data=data)
    assert r.status_code in (303, 400)


def test_hearing_registration_is_never_published(app: Flask, client: FlaskClient) -> None:
    r = post(client, "/hdjl/yjzj/open-draft/hearing",
             {"name": "李四", "phone": "13900001111", "text": "我想就补贴标准发言。"})
    assert r.status_code == 303
    [row] = rows(app)
    assert row.kind == "speaker"


def test_question_for_a_live_interview_and_none_after(app: Flask, client: FlaskClient) -> None:
    r = post(client, "/hdjl/ft/live/new", {"name": "王五", "phone": "13700001111",
                                           "text": "八十岁老人怎么申请补贴？"})
    assert r.status_code == 303
    assert "问题已收到" in soup(client.get(r.headers["Location"])).get_text()
    token = csrf_from(soup(client.get("/hdjl/ft/live/new")))
    r = client.post("/hdjl/ft/past/new", data={"csrf_token": token, "name": "王五",
                                               "phone": "13700001111", "text": "还能提问吗？"})
    assert r.status_code == 409
    assert [c.slug for c in rows(app)] == ["live"]


def test_service_refuses_after_close_even_without_the_form(app: Flask, session: Session) -> None:
    from formsvc.domain.participation import kind
    from formsvc.web import runtime

    with app.test_request_context():
        target = runtime.consultations()["closed-draft"]
    comment = kind("comment")
    assert comment is not None
    with pytest.raises(svc.Refused) as exc:
        svc.submit(session, app.config, svc.NewContribution(comment, "closed-draft", "张三",
                                                            "13812345678", "一条意见内容"), target)
    assert exc.value.code == "closed"
    assert session.scalar(select(func.count()).select_from(ContributionEvent)) == 0


# --- moderation and the public side -----------------------------------------------------------

def _moderate(app: Flask, cid: int, action: str, **form: str) -> Any:
    from tests.formsvc.workbench.helpers import login, make_staff

    client = app.test_client()
    if not getattr(app, "_moderator", False):
        make_staff(app, "mz_h", "handler", "mzj")
        app._moderator = True  # type: ignore[attr-defined]
    login(client, "mz_h")
    token = csrf_from(soup(client.get("/hdjl/staff/participation")))
    return client.post(f"/hdjl/staff/participation/{cid}/{action}",
                       data={"csrf_token": token, **form})


def test_published_comment_appears_masked_under_its_article(app: Flask,
                                                            client: FlaskClient) -> None:
    post(client, "/hdjl/yjzj/open-draft/new", {**COMMENT, "article": "2"})
    cid = rows(app)[0].id
    assert _moderate(app, cid, "publish").status_code == 303
    r = _moderate(app, cid, "adopt", adoption="not_adopted", adoption_reason="")
    assert r.status_code == 400 and "采纳情况说明" in soup(r).get_text()
    assert _moderate(app, cid, "adopt", adoption="partly",
                     adoption_reason="补贴标准另行规定").status_code == 303
    page = soup(client.get("/hdjl/yjzj/open-draft"))
    check_page(page)
    section = page.find(id="t2").find_parent("section")
    text = section.get_text()
    assert "建议第一条写明适用于农村互助幸福院" in text
    assert "张三" not in page.get_text() and "13812345678" not in page.get_text()
    assert "张**" in text and "部分采纳" in text and "补贴标准另行规定" in text
    assert "建议第一条" not in page.find(id="t1").find_parent("section").get_text()


def test_hide_needs_a_reason_and_takes_the_comment_off(app: Flask, client: FlaskClient) -> None:
    post(client, "/hdjl/yjzj/open-draft/new", COMMENT)
    cid = rows(app)[0].id
    _moderate(app, cid, "publish")
    assert _moderate(app, cid, "hide", hide_reason="").status_code == 400
    assert _moderate(app, cid, "hide", hide_reason="含有广告").status_code == 303
    assert "农村互助幸福院" not in client.get("/hdjl/yjzj/open-draft").get_data(as_text=True)
    assert rows(app)[0].hide_reason == "含有广告"


def test_speaker_registration_cannot_be_published(app: Flask, client: FlaskClient) -> None:
    post(client, "/hdjl/yjzj/open-draft/hearing",
         {"name": "李四", "phone": "13900001111", "text": "我想就补贴标准发言。"})
    r = _moderate(app, rows(app)[0].id, "publish")
    assert r.status_code == 400 and "不公开" in soup(r).get_text()


def test_answered_question_shows_on_the_live_page_and_fragment(app: Flask,
                                                                client: FlaskClient) -> None:
    post(client, "/hdjl/ft/live/new", {"name": "王五", "phone": "13700001111",
                                       "text": "八十岁老人怎么申请补贴？"})
    cid = rows(app)[0].id
    assert "八十岁" not in client.get("/hdjl/ft/live/answers").get_data(as_text=True)
    assert _moderate(app, cid, "answer", answer="到村委会填写申请表即可。").status_code == 303
    fragment = client.get("/hdjl/ft/live/answers").get_data(as_text=True)
    assert "八十岁老人怎么申请补贴" in fragment and "到村委会填写申请表即可" in fragment
    assert "王五" not in fragment
    page = soup(client.get("/hdjl/ft/live"))
    check_page(page)
    live = page.find(id="live-answers")
    assert live["data-module"] == "gp-live" and "到村委会填写申请表即可" in live.get_text()
    past = soup(client.get("/hdjl/ft/past"))
    assert past.find(id="live-answers").get("data-module") is None
    assert past.find("a", string="向嘉宾提问") is None


def test_export_interview_writes_the_answered_questions(app: Flask, client: FlaskClient,
                                                        tmp_path: Path) -> None:
    post(client, "/hdjl/ft/live/new", {"name": "王五", "phone": "13700001111",
                                       "text": "我是王五，电话13700001111，补贴怎么领？"})
    post(client, "/hdjl/ft/live/new", {"name": "赵六", "phone": "13700002222",
                                       "text": "没有回答的问题不导出。"})
    first = rows(app)[0].id
    _moderate(app, first, "answer", answer="到村委会申请。")
    out = tmp_path / "t.yml"
    result = app.test_cli_runner().invoke(args=["export-interview", "live", "--output", str(out)])
    assert result.exit_code == 0, result.output
    import yaml

    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert data == {"transcript": [{"q": data["transcript"][0]["q"], "a": "到村委会申请。"}]}
    assert "13700001111" not in data["transcript"][0]["q"] and "补贴怎么领" in data["transcript"][0]["q"]
    missing = app.test_cli_runner().invoke(args=["export-interview", "nope"])
    assert missing.exit_code != 0 and "没有在线访谈" in missing.output


def test_demo_participation_seeds_the_demo_drafts_once(app: Flask, tmp_path: Path,
                                                       database_url: str) -> None:
    # ``app`` only for its teardown, which empties the tables the demo app wrote to
    from formsvc import create_app
    from formsvc.services import departments
    from tests.formsvc.conftest import ROOT, make_config

    demo = create_app(make_config(tmp_path, database_url, ROOT / "content"))
    try:
        with demo.app_context():
            s = db.new_session()
            departments.sync(s, demo.config["CONTENT_DIR"])
            s.close()
        runner = demo.test_cli_runner()
        assert "已添加示例意见和提问" in runner.invoke(args=["demo-participation"]).output
        assert "未添加" in runner.invoke(args=["demo-participation"]).output
        page = demo.test_client().get("/hdjl/yjzj/xiaoxue-ruxue-banfa").get_data(as_text=True)
        assert "未采纳" in page and "义务教育法规定免试就近入学" in page and "王磊" not in page
    finally:
        db.get_engine(demo).dispose()


def test_statistics_page_counts_comments_and_adoption(app: Flask, client: FlaskClient) -> None:
    for text in ("第一条意见，建议增加助餐。", "第二条意见，建议增加助浴。", "第三条意见，建议增加助洁。"):
        post(client, "/hdjl/yjzj/open-draft/new", {**COMMENT, "text": text})
    first, second, _ = (r.id for r in rows(app))
    _moderate(app, first, "publish")
    _moderate(app, first, "adopt", adoption="adopted")
    _moderate(app, second, "adopt", adoption="not_adopted", adoption_reason="另有规定")
    page = soup(client.get("/hdjl/stats"))
    cells = [td.get_text() for td in page.find(id="participation-table").find("tbody").find_all(
        ["th", "td"])]
    assert cells == ["示范县养老服务办法（征求意见稿）", "示范县民政局", "3", "1", "50.0%"]
    dept = [td.get_text() for td in page.find(id="participation-dept-table").find("tbody")
            .find_all(["th", "td"])]
    assert dept == ["示范县民政局", "3", "2", "1", "50.0%"]


def test_migration_0015_down_and_up_keeps_messages(app: Flask, client: FlaskClient) -> None:
    from sqlalchemy import inspect

    from formsvc.db import migrate
    from tests.formsvc.workbench.test_stats_summary import _alembic

    post(client, "/hdjl/yjzj/open-draft/new", COMMENT)
    with app.app_context():
        engine = db.get_engine(app)
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0014")
            tables = set(inspect(engine).get_table_names())
            assert "contribution" not in tables and "contribution_event" not in tables
            assert "message" in tables
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    assert rows(app) == []  # the downgrade dropped the contributions with their table
    assert post(client, "/hdjl/yjzj/open-draft/new", COMMENT).status_code == 303


def test_a_close_date_edited_in_place_is_seen_without_a_restart(app: Flask, client: FlaskClient,
                                                                 content_dir: Path) -> None:
    import os

    path = content_dir / "hd" / "yjzj" / "closed-draft.md"
    original = path.read_text(encoding="utf-8")
    assert "截止" in client.get("/hdjl/yjzj/closed-draft/new").get_data(as_text=True)
    from portal.participation import china_now

    today = china_now().date()
    lines = [f"closes: {today}" if line.startswith("closes:") else line
             for line in original.splitlines()]
    try:
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 5))  # a later edit, even on coarse clocks
        page = client.get("/hdjl/yjzj/closed-draft/new").get_data(as_text=True)
        assert "不再接受意见" not in page and 'name="text"' in page
    finally:
        path.write_text(original, encoding="utf-8")
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 10))
