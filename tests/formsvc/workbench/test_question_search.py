"""Answered interview questions in the site search: answering adds the masked question with its
answer, hiding takes it out, the pages leave out a question the database no longer shows even
while the index holds it, and ``reindex-letters`` rebuilds the questions with the letters."""

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
from formsvc.models.staff import Staff
from formsvc.services import participation as svc
from formsvc.services.workbench import moderation
from portal.participation import load_interviews
from sitesearch import contributions
from tests.formsvc.workbench.helpers import (
    make_staff,
    reindex_letters,
    run,
    search_config,
    search_hits,
)

TEXT = "我叫张三，电话13812345678，想问独居老人的助餐补贴怎么申请？"
ANSWER = "到社区服务中心登记即可领取助餐券，咨询请拨13912345678。"


@pytest.fixture
def app_config(tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield search_config(tmp_path)


def question_hits(client: FlaskClient, q: str) -> list[dict[str, Any]]:
    return search_hits(client, q, "question")


def asked(app: Flask, text: str = TEXT) -> int:
    with app.app_context():
        s = db.new_session()
        try:
            known = s.scalar(select(Staff.id).where(Staff.username == "mz_h"))
        finally:
            s.close()
    if known is None:
        make_staff(app, "mz_h", "handler", "mzj")
    interview = load_interviews(app.config["CONTENT_DIR"])["live"]
    with app.app_context():
        s = db.new_session()
        try:
            return svc.submit(s, app.config, svc.NewContribution(
                p.kind("question"), "live", "张三", "13812345678", text, None), interview).id
        finally:
            s.close()


def behind_the_service_s_back(app: Flask, qid: int, **values: Any) -> None:
    with app.app_context():  # the index is not told
        s = db.new_session()
        try:
            s.execute(update(Contribution).where(Contribution.id == qid).values(**values))
            s.commit()
        finally:
            s.close()


def test_an_answered_question_is_found_with_its_answer_and_hiding_removes_it(
        wbapp: Flask, wbclient: FlaskClient) -> None:
    qid = asked(wbapp)
    run(wbapp, "mz_h", moderation.publish, qid)
    assert question_hits(wbclient, "助餐补贴") == []  # published, not answered: not on the page
    run(wbapp, "mz_h", moderation.answer, qid, ANSWER)
    for words in ("助餐补贴", "社区服务中心 助餐券"):  # the question's words, the answer's
        (hit,) = question_hits(wbclient, words)
        assert hit["url"] == f"/hdjl/ft/live#q{qid}"
        assert "养老服务补贴在线访谈" in hit["title"]
    assert "张三" not in str(hit) and "13812345678" not in str(hit)
    assert "13912345678" not in str(hit)  # the answer is masked by the same function
    # the address leads to the question on the interview's page
    page = wbclient.get("/hdjl/ft/live").get_data(as_text=True)
    assert f'id="q{qid}"' in page and "助餐券" in page
    # a new answer replaces the old one in the search
    run(wbapp, "mz_h", moderation.answer, qid, "请向村委会申请。")
    assert question_hits(wbclient, "社区服务中心") == []
    assert len(question_hits(wbclient, "村委会")) == 1
    run(wbapp, "mz_h", moderation.hide, qid, "与访谈无关")
    assert question_hits(wbclient, "助餐补贴") == []


def test_answering_a_pending_question_publishes_it_and_makes_it_searchable(
        wbapp: Flask, wbclient: FlaskClient) -> None:
    qid = asked(wbapp)
    assert question_hits(wbclient, "助餐补贴") == []
    run(wbapp, "mz_h", moderation.answer, qid, ANSWER)
    (hit,) = question_hits(wbclient, "助餐补贴")
    assert hit["url"].endswith(f"#q{qid}")


@pytest.mark.parametrize("values", [{"status": p.HIDDEN}, {"answer": ""}, {"kind": "comment"}])
def test_a_question_the_page_no_longer_shows_is_left_out_while_the_index_holds_it(
        wbapp: Flask, wbclient: FlaskClient, values: dict[str, Any]) -> None:
    qid = asked(wbapp)
    run(wbapp, "mz_h", moderation.answer, qid, ANSWER)
    assert len(question_hits(wbclient, "助餐补贴")) == 1
    behind_the_service_s_back(wbapp, qid, **values)
    assert question_hits(wbclient, "助餐补贴") == []


def test_a_forged_question_entry_is_never_shown(wbapp: Flask, wbclient: FlaskClient) -> None:
    qid = asked(wbapp)
    run(wbapp, "mz_h", moderation.answer, qid, ANSWER)
    letters = wbapp.config["SEARCH_LETTERS_DIR"]
    # not a question's address; a comment's anchor on a question; another contribution's id
    contributions.index(letters, "question", {"id": 999998, "text": "助餐补贴伪造",
                                              "url": "/elsewhere"})
    contributions.index(letters, "question", {"id": 999999, "text": "助餐补贴伪造",
                                              "url": f"/hdjl/ft/live#comment-{qid}"})
    assert [h["url"] for h in question_hits(wbclient, "助餐补贴")] == [f"/hdjl/ft/live#q{qid}"]


def test_a_bad_question_entry_fails_before_the_index_is_touched(wbapp: Flask) -> None:
    letters = wbapp.config["SEARCH_LETTERS_DIR"]
    with pytest.raises(KeyError):
        contributions.index(letters, "question", {"text": "没有编号"})
    with pytest.raises(ValueError):
        contributions.index(letters, "question", {"id": 1, "text": "错站点", "site": "../x"})
    assert not Path(letters).exists()


def test_reindex_letters_rebuilds_the_answered_questions_too(wbapp: Flask,
                                                             wbclient: FlaskClient) -> None:
    qid = asked(wbapp)
    run(wbapp, "mz_h", moderation.answer, qid, ANSWER)
    unanswered = asked(wbapp, "乡镇的助餐点什么时候开？")
    run(wbapp, "mz_h", moderation.publish, unanswered)
    shutil.rmtree(wbapp.config["SEARCH_LETTERS_DIR"])  # lost, or a restored database
    assert question_hits(wbclient, "助餐补贴") == []
    output = reindex_letters(wbapp)
    assert "已回答的网友提问 1 条" in output
    (hit,) = question_hits(wbclient, "助餐")
    assert hit["url"].endswith(f"#q{qid}")
