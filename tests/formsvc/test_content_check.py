"""The daily content check: ``flask check-content`` queues the check's problems as mail to the
editors of CHECK_MAIL_TO, and ``send-mail`` delivers it (file backend)."""

from __future__ import annotations

import email
import shutil
from email import policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from portal import check
from tests.conftest import TEST_SITE
from tests.formsvc.workbench.test_notifications import queued

EDITORS = ["bianji@shifan.gov.cn", "zwgk@shifan.gov.cn"]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    dest = tmp_path / "site"
    shutil.copytree(TEST_SITE, dest)
    return dest


@pytest.fixture
def output(tmp_path: Path, site: Path) -> Path:
    """A published tree with a page for every document of the site."""
    out = tmp_path / "output"
    for _shown, url in check.run(site).urls:
        (out / url).parent.mkdir(parents=True, exist_ok=True)
        (out / url).write_text("<html></html>", encoding="utf-8")
    return out


@pytest.fixture
def app_config(tmp_path: Path, site: Path, output: Path) -> dict[str, Any]:
    return {"CONTENT_DIR": str(site), "OUTPUT_DIR": str(output), "CHECK_MAIL_TO": EDITORS,
            "MAIL_BACKEND": "file", "MAIL_FILE_DIR": str(tmp_path / "mail")}


def _mails(folder: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(folder.glob("*.eml"))]


def test_queues_the_warnings_for_each_editor_and_send_mail_delivers(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["check-content", "--today", "2024-07-05"])
    assert result.exit_code == 0, result.output
    assert "已排队发送给 bianji@shifan.gov.cn、zwgk@shifan.gov.cn" in result.output
    rows = queued(app)
    assert [(r.recipient, r.template) for r in rows] == [(e, "content_check") for e in EDITORS]
    with app.app_context():
        assert runner.invoke(args=["send-mail"]).exit_code == 0
    mails = _mails(tmp_path / "mail")
    assert sorted(m["To"] for m in mails) == sorted(EDITORS)
    mail = mails[0]
    assert mail["Subject"].startswith("示范县人民政府网站每日检查：错误 0 处，警告 ")
    body = mail.get_content()
    assert "栏目 要闻动态（yw）最近更新于 2024-06-20，已 15 天未更新，超过动态要闻类的 14 天" in body
    assert "发布目录" not in body  # everything is published


def test_a_document_missing_from_the_published_tree(app: Flask, output: Path) -> None:
    (output / "zwdt/yw/2024-gzhy.html").unlink()
    assert app.test_cli_runner().invoke(args=["check-content", "--today", "2024-06-25"]).exit_code == 0
    problems = queued(app)[0].payload["problems"]
    assert f"zwdt/2024-gzhy.md: 警告：已通过检查，但发布目录 {output} 中没有它的页面 /zwdt/yw/2024-gzhy.html；" \
           "网站生成后是否没有发布？" in problems


def test_errors_are_mailed_too(app: Flask, site: Path) -> None:
    news = site / "zwdt/2024-gzhy.md"
    news.write_text(news.read_text(encoding="utf-8").replace("column: yw", "column: yaowen"), "utf-8")
    result = app.test_cli_runner().invoke(args=["check-content", "--today", "2024-06-25"])
    assert result.exit_code == 0 and "检查未通过：错误 1 处" in result.output
    data = queued(app)[0].payload
    assert data["summary"].startswith("错误 1 处")
    assert "column（栏目） 的值 “yaowen” 不是 columns.yml 中的栏目" in data["problems"]


def test_no_editor_named_queues_nothing(app: Flask) -> None:
    app.config["CHECK_MAIL_TO"] = []
    result = app.test_cli_runner().invoke(args=["check-content"])
    assert result.exit_code == 0
    assert "未配置 CHECK_MAIL_TO，未发送邮件" in result.output
    assert queued(app) == []
