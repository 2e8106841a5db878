"""Published letters in the site search: kept in step by the workbench, rebuilt on demand.

The letters' index is a copy of the database. Publishing and withdrawing update it (a service,
not the views); ``reindex-letters`` rebuilds it from the database (issue 18, defect 7), and
``restore`` does so after loading a backup (tests/reliability/test_backup.py).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc.services import workbench as wb
from tests.formsvc.workbench.helpers import (
    make_staff,
    publish,
    reindex_letters,
    run,
    search_config,
    search_hits,
    submit,
)


@pytest.fixture
def app_config(tmp_path: Path) -> Iterator[dict[str, Any]]:
    yield search_config(tmp_path)


def letter_hits(client: FlaskClient, q: str) -> list[str]:
    return [h["url"] for h in search_hits(client, q, "letter")]


def published(app: Flask, client: FlaskClient) -> str:
    make_staff(app, "disp", "dispatcher")
    make_staff(app, "h", "handler", "zjj")
    number, _ = submit(client, "jy", department="zjj", consent_publish=True)
    run(app, "disp", wb.dispatch, number, "zjj")
    run(app, "h", wb.save_draft, number, "已纳入明年公交线路调整计划。")
    run(app, "h", wb.send_reply, number)
    publish(app, "h", "disp", number, "增设公交站点的建议", "建议在开发区增设公交站点。",
            "已纳入明年公交线路调整计划。")
    return number


def test_publishing_and_withdrawing_keep_the_search_in_step(wbapp: Flask,
                                                            wbclient: FlaskClient) -> None:
    number = published(wbapp, wbclient)
    assert len(letter_hits(wbclient, "公交站点")) == 1
    run(wbapp, "h", wb.withdraw, number, "提交人要求撤回")
    assert letter_hits(wbclient, "公交站点") == []


def test_reindex_letters_rebuilds_the_index_from_the_database(wbapp: Flask,
                                                              wbclient: FlaskClient) -> None:
    published(wbapp, wbclient)
    shutil.rmtree(wbapp.config["SEARCH_LETTERS_DIR"])  # lost, or a restored database
    assert letter_hits(wbclient, "公交站点") == []
    output = reindex_letters(wbapp)
    assert "已重建公开信件的搜索索引：1 件" in output
    (url,) = letter_hits(wbclient, "公交站点")
    assert url.startswith("/hdjl/letters/")
