"""The daily content check: ``flask check-content`` queues the check's problems as mail to the
editors of CHECK_MAIL_TO, and ``send-mail`` delivers it (file backend)."""

from __future__ import annotations

import email
import shutil
from datetime import date
from email import policy
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from formsvc import db
from formsvc.services import content_check
from portal import check
from tests.conftest import ROOT, TEST_SITE
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


# --- the cluster: every site checked, the mail grouped by site ----------------------------------


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    """A county (the demo's registry and columns, no documents) and two sub-sites (the demo's)."""
    repo = tmp_path / "repo"
    (repo / "content").mkdir(parents=True)
    for name in ("departments.yml", "columns.yml"):
        shutil.copy(ROOT / "content" / name, repo / "content" / name)
    for site_id in ("cgz", "rsj"):
        shutil.copytree(ROOT / "sites" / site_id, repo / "sites" / site_id)
    return repo


def _run(app: Flask, repo: Path) -> content_check.ContentCheckResult:
    config = {"CONTENT_DIR": str(repo / "content"), "OUTPUT_DIR": str(repo / "output"),
              "CHECK_MAIL_TO": EDITORS[:1]}
    with app.app_context():
        session = db.new_session()
        try:
            return content_check.run(session, config, today=date(2026, 12, 1))
        finally:
            session.close()


def test_every_site_of_the_cluster_is_checked_and_the_mail_groups_by_site(app: Flask, cluster: Path) -> None:
    doc = cluster / "sites/cgz/content/xxgk/wj/2026/cgz-2026-102.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("publisher: cgz", "publisher: nosuch"), "utf-8")
    result = _run(app, cluster)
    assert list(result.reports) == ["county", "cgz", "rsj"]
    lines = result.summary().splitlines()
    assert lines[0].startswith("county：检查通过") and lines[1].startswith("cgz：检查未通过：错误 1 处")
    assert lines[2].startswith("rsj：检查通过")
    assert lines[3].startswith("网站群 3 个网站：错误 1 处") and "已排队发送给 bianji@shifan.gov.cn" in lines[3]
    [error] = [p for p in result.problems["cgz"] if p.is_error]
    assert error.path.endswith("sites/cgz/content/xxgk/wj/2026/cgz-2026-102.md") and "nosuch" in error.message
    mail = queued(app)[0].payload
    groups = mail["problems"].split("\n\n")
    cgz = next(g for g in groups if g.startswith("【示范县城关镇人民政府（cgz）】错误 1 处"))
    assert "cgz-2026-102.md" in cgz and "nosuch" in cgz
    # the county's group holds the missing published folder; no problem appears in two groups
    county = next(g for g in groups if g.startswith("【示范县人民政府（county）】"))
    assert "发布目录不存在" in county and "cgz-2026-102.md" not in county
    assert mail["summary"].startswith("错误 1 处")


def test_a_rule_between_sites_is_mailed_under_each_site_it_names(app: Flask, cluster: Path) -> None:
    original = cluster / "sites/cgz/content/xxgk/wj/2026/cgz-2026-101.md"
    copy = cluster / "sites/rsj/content/xxgk/wj/2026/copy.md"
    copy.write_text(original.read_text(encoding="utf-8").replace("publisher: cgz", "publisher: rsj"), "utf-8")
    result = _run(app, cluster)
    for site_id in ("cgz", "rsj"):
        dupes = [p for p in result.problems[site_id] if "01150017-7/2026-00101" in p.message and "重复" in p.message]
        assert len(dupes) == 1 and dupes[0].path.startswith(f"{cluster}/sites/{site_id}/")
    assert not [p for p in result.problems["county"] if "重复" in p.message]
    groups = queued(app)[0].payload["problems"].split("\n\n")
    assert sum("重复" in g for g in groups) == 2


def test_a_broken_site_yml_is_mailed_under_its_site(app: Flask, cluster: Path) -> None:
    yml = cluster / "sites/rsj/site.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("kind: department", "kind: bureau"), "utf-8")
    result = _run(app, cluster)
    assert list(result.reports) == ["county", "cgz"]  # rsj's tree is not checked without its settings
    assert [str(p).removeprefix(f"{cluster}/") for p in result.problems["rsj"]][0].startswith("sites/rsj/site.yml:")
    groups = queued(app)[0].payload["problems"].split("\n\n")
    assert any(g.startswith("【rsj（rsj）】错误 1 处") for g in groups)


def test_links_between_sites_are_checked_wherever_the_repository_lies(app: Flask, cluster: Path) -> None:
    """CONTENT_DIR outside this checkout: a link to another site of the cluster is checked against
    that site's tree, as ``scripts/check`` does."""
    rsj = cluster / "sites/rsj/content"
    page = next(url for _shown, url in check.run(rsj).urls if url.startswith("xxgk/wj/"))
    doc = cluster / "sites/cgz/content/xxgk/wj/2026/cgz-2026-102.md"
    doc.write_text(doc.read_text(encoding="utf-8")
                   + f"\n[人社局的文件](/rsj/{page})、[没有的文件](/rsj/xxgk/wj/2026/nosuch.html)\n", "utf-8")
    result = _run(app, cluster)
    [error] = [p for p in result.problems["cgz"] if p.is_error]
    assert "/rsj/xxgk/wj/2026/nosuch.html" in error.message and "网站群中网站 rsj" in error.message
    assert [p for p in check.run(cluster / "sites/cgz/content").problems if p.is_error] == [error]
