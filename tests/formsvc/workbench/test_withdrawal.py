"""Withdrawal of a published letter (issue 19): in the same request it leaves every public place
that shows letters (the letter box, its page, the API, the site search as page and JSON; the
statistics never show a letter's text), it is logged with who and why, and it holds even when the
search index cannot be updated, because every public view reads the database's published state.

There is no letters feed and no open-data export of letters (plugins/exports writes the site's
articles only); a test below keeps it that way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc.services import workbench as wb
from sitesearch import letters as search_letters
from sitesearch import query
from tests.formsvc.conftest import soup
from tests.formsvc.workbench.helpers import (
    login,
    make_staff,
    message_row,
    post_action,
    publish,
    run,
    submit,
)

# a one-document site index, so that the search answers (letters have an index of their own)
from tests.formsvc.workbench.test_privacy import app_config  # noqa: F401

SUBJECT = "夜间施工噪音扰民的投诉"
WORD = "施工噪音"


@pytest.fixture
def letter(wbapp: Flask, wbclient: FlaskClient) -> dict[str, Any]:
    """A published letter of zjj: {"number", "id"}."""
    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "h", "handler", "zjj")
    number, _ = submit(wbclient, "ts", department="zjj", consent_publish=True,
                       subject=SUBJECT, content="工地每晚施工到凌晨两点，噪音很大，请处理。")
    run(wbapp, "disp", wb.dispatch, number, "zjj")
    run(wbapp, "h", wb.save_draft, number, "已责令施工单位夜间停止高噪声作业。")
    run(wbapp, "h", wb.send_reply, number)
    published = publish(wbapp, "h", "disp", number, SUBJECT, "工地每晚施工到凌晨两点，噪音很大。",
                        "已责令施工单位夜间停止高噪声作业。")
    return {"number": number, "id": published.id}


def public_places(client: FlaskClient, letter_id: int) -> dict[str, bool]:
    """Where the letter shows: each public response that lists or shows letters."""
    search_page = client.get("/search", query_string={"q": WORD})
    search_api = client.get("/api/v1/search", query_string={"q": WORD}).get_json()
    return {
        "letter box": SUBJECT in client.get("/hdjl/letters").get_data(as_text=True),
        "letter box by kind": SUBJECT in client.get("/hdjl/letters?kind=ts&department=zjj")
        .get_data(as_text=True),
        "letter page": client.get(f"/hdjl/letters/{letter_id}").status_code == 200,
        "API list": any(i["id"] == letter_id
                        for i in client.get("/api/v1/letters").get_json()["items"]),
        "API letter": client.get(f"/api/v1/letters/{letter_id}").status_code == 200,
        "search page": f"/hdjl/letters/{letter_id}" in search_page.get_data(as_text=True),
        "search API": any(h["url"] == f"/hdjl/letters/{letter_id}" for h in search_api["items"]),
        "statistics": SUBJECT in client.get("/hdjl/stats").get_data(as_text=True)
        + client.get("/hdjl/stats.csv").get_data(as_text=True)
        + client.get("/api/v1/stats").get_data(as_text=True),
    }


def test_withdrawal_leaves_every_public_place_in_the_same_request(
        wbapp: Flask, wbclient: FlaskClient, letter: dict[str, Any]) -> None:
    before = public_places(wbclient, letter["id"])
    assert before == {**dict.fromkeys(before, True), "statistics": False}, before
    staff = wbapp.test_client()
    login(staff, "h")
    r = post_action(staff, letter["number"], "withdraw_letter", note="提交人要求撤回")
    assert r.status_code == 303
    after = public_places(wbclient, letter["id"])
    assert not any(after.values()), after
    # logged with who and why
    m = message_row(wbapp, letter["number"])
    withdrawn = [e for e in m.events if e.action == "withdraw_letter"]
    assert len(withdrawn) == 1 and withdrawn[0].note == "提交人要求撤回"
    assert withdrawn[0].actor.startswith("staff:") and withdrawn[0].public is False
    timeline = soup(staff.get(f"/hdjl/staff/m/{letter['number']}")).find(id="timeline").get_text()
    assert "撤回公开" in timeline and "提交人要求撤回" in timeline and "h" in timeline


def test_withdrawal_without_a_reason_is_refused(wbapp: Flask, wbclient: FlaskClient,
                                                letter: dict[str, Any]) -> None:
    staff = wbapp.test_client()
    login(staff, "h")
    assert post_action(staff, letter["number"], "withdraw_letter", note=" ").status_code == 400
    assert wbclient.get(f"/hdjl/letters/{letter['id']}").status_code == 200


def test_withdrawal_holds_when_the_search_index_cannot_be_updated(
        wbapp: Flask, wbclient: FlaskClient, letter: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(search_letters, "remove_letter", broken)
    run(wbapp, "h", wb.withdraw, letter["number"], "含有第三人的姓名")
    assert "not removed from the index" in caplog.text
    # the index still holds it …
    hits = query.search(query.parse_params({"q": WORD}), wbapp.config["SEARCH_INDEX_DIR"],
                        wbapp.config["SEARCH_LETTERS_DIR"]).hits
    assert any(h.url == f"/hdjl/letters/{letter['id']}" for h in hits)
    # … and no public response shows it
    after = public_places(wbclient, letter["id"])
    assert not any(after.values()), after


def test_withdrawal_returns_a_pending_proposal(wbapp: Flask, wbclient: FlaskClient,
                                               letter: dict[str, Any]) -> None:
    """A change proposed before the withdrawal cannot bring the letter back by being approved."""
    number = letter["number"]
    run(wbapp, "h", wb.propose, number, "改过的标题", "问题", "答复", True)
    run(wbapp, "h", wb.withdraw, number, "提交人要求撤回")
    with pytest.raises(wb.ActionError) as exc:
        run(wbapp, "disp", wb.approve, number, 2)
    assert exc.value.code == "not_pending"
    assert wbclient.get(f"/hdjl/letters/{letter['id']}").status_code == 404


def test_no_feed_or_open_data_export_carries_letters() -> None:
    """Were one added, withdrawal would have to reach it: this test names the place to look."""
    exports = Path(__file__).parents[3] / "plugins" / "exports" / "exports.py"
    text = exports.read_text(encoding="utf-8")
    assert "letter" not in text.lower() and "/hdjl/letters" not in text
