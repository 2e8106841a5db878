"""Published comments on drafts in the site search (issue 23): publishing adds the masked
comment, hiding takes it out, the pages leave out a comment the database no longer publishes
even while the index holds it, and ``reindex-letters`` rebuilds the comments with the letters."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from formsvc import db
from formsvc.domain import participation as p
from formsvc.models import Contribution
from formsvc.services import participation as svc
from formsvc.services.workbench import moderation
from portal.participation import load_consultations
from sitesearch import contributions
from tests.formsvc.workbench.helpers import (
    make_staff,
    reindex_letters,
    run,
    search_config,
    search_hits,
)

TEXT = "我叫张三，电话13812345678，建议第二条增加农村助餐点的建设标准。"


@pytest.fixture
def app_config(tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield search_config(tmp_path)


def comment_hits(client: FlaskClient, q: str) -> list[dict[str, Any]]:
    return search_hits(client, q, "comment")


def commented(app: Flask, kind: str = "comment", text: str = TEXT) -> int:
    make_staff(app, "mz_h", "handler", "mzj")
    draft = load_consultations(app.config["CONTENT_DIR"])["open-draft"]
    with app.app_context():
        s = db.new_session()
        try:
            row = svc.submit(s, app.config, svc.NewContribution(
                p.kind(kind), "open-draft", "张三", "13812345678", text,
                2 if kind == "comment" else None), draft)
            return row.id
        finally:
            s.close()


def test_publishing_adds_the_masked_comment_and_hiding_removes_it(wbapp: Flask,
                                                                  wbclient: FlaskClient) -> None:
    cid = commented(wbapp)
    assert comment_hits(wbclient, "助餐点") == []  # pending: not public, not searchable
    run(wbapp, "mz_h", moderation.publish, cid)
    (hit,) = comment_hits(wbclient, "助餐点")
    assert hit["url"] == f"/hdjl/yjzj/open-draft#comment-{cid}"
    assert "示范县养老服务办法" in hit["title"] and "第2条" in hit["title"]
    assert "张三" not in str(hit) and "13812345678" not in str(hit)
    # the address leads to the comment on its draft's page
    page = wbclient.get("/hdjl/yjzj/open-draft").get_data(as_text=True)
    assert f'id="comment-{cid}"' in page
    run(wbapp, "mz_h", moderation.adopt, cid, "partly", "建设标准另行制定")
    (hit,) = comment_hits(wbclient, "建设标准另行制定")
    assert "部分采纳" in hit["snippet"] or "部分采纳" in str(hit)
    run(wbapp, "mz_h", moderation.hide, cid, "与本稿无关")
    assert comment_hits(wbclient, "助餐点") == []


def test_a_hidden_comment_is_left_out_while_the_index_still_holds_it(
        wbapp: Flask, wbclient: FlaskClient) -> None:
    cid = commented(wbapp)
    run(wbapp, "mz_h", moderation.publish, cid)
    assert len(comment_hits(wbclient, "助餐点")) == 1
    with wbapp.app_context():  # hidden behind the service's back: the index is not told
        s = db.new_session()
        try:
            s.execute(update(Contribution).where(Contribution.id == cid).values(status=p.HIDDEN))
            s.commit()
        finally:
            s.close()
    assert comment_hits(wbclient, "助餐点") == []
    # a forged entry that does not point at a comment is never shown either
    contributions.index(wbapp.config["SEARCH_LETTERS_DIR"], "comment", {
        "id": 999999, "draft_title": "伪造", "text": "助餐点伪造条目", "url": "/elsewhere"})
    assert comment_hits(wbclient, "助餐点") == []


def test_speakers_are_never_indexed(wbapp: Flask, wbclient: FlaskClient) -> None:
    cid = commented(wbapp, "speaker", "我想就农村助餐点发言。")
    with pytest.raises(moderation.ActionError):
        run(wbapp, "mz_h", moderation.publish, cid)
    assert comment_hits(wbclient, "助餐点") == []


def test_reindex_letters_rebuilds_the_comments_too(wbapp: Flask, wbclient: FlaskClient) -> None:
    cid = commented(wbapp)
    run(wbapp, "mz_h", moderation.publish, cid)
    shutil.rmtree(wbapp.config["SEARCH_LETTERS_DIR"])  # lost, or a restored database
    assert comment_hits(wbclient, "助餐点") == []
    output = reindex_letters(wbapp)
    assert "已重建公开信件的搜索索引：0 件" in output and "公开的意见 1 条" in output
    (hit,) = comment_hits(wbclient, "助餐点")
    assert hit["url"].endswith(f"#comment-{cid}")
    with wbapp.app_context():
        s = db.new_session()
        try:
            assert s.scalar(select(Contribution.status).where(Contribution.id == cid)) == "published"
        finally:
            s.close()


def test_the_demo_comments_are_searchable_once_seeded(wbapp: Flask, tmp_path: Path,
                                                      database_url: str) -> None:
    # ``wbapp`` only for its teardown, which empties the tables the demo app wrote to
    from formsvc import create_app
    from formsvc.services import departments
    from tests.formsvc.conftest import ROOT, make_config

    demo = create_app(make_config(tmp_path, database_url, ROOT / "content",
                                  SEARCH_INDEX_DIR=wbapp.config["SEARCH_INDEX_DIR"],
                                  SEARCH_LETTERS_DIR=str(tmp_path / "demo-letters")))
    try:
        with demo.app_context():
            s = db.new_session()
            departments.sync(s, demo.config["CONTENT_DIR"])
            s.close()
            assert "已添加示例意见和提问" in demo.test_cli_runner().invoke(
                args=["demo-participation"]).output
        client = demo.test_client()
        (hit,) = comment_hits(client, "租赁合同")  # published, with 采纳情况: no reindex needed
        assert hit["url"].startswith("/hdjl/yjzj/xiaoxue-ruxue-banfa#comment-")
        assert "郑芳" not in str(hit) and "13812340005" not in str(hit)
        assert len(comment_hits(client, "助餐")) == 2  # both published comments that say so
        assert comment_hits(client, "交通费") == []  # the one awaiting moderation
    finally:
        db.get_engine(demo).dispose()
