"""The daily check: scripts/check --published OUTPUT --mail, with formsvc's file mail backend."""

from __future__ import annotations

import email
from email import policy
from pathlib import Path

import pytest

from portal import check

from .util import TODAY, edit


@pytest.fixture
def mail_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """formsvc settings from the environment only: an empty instance folder and a mail folder."""
    instance = tmp_path / "instance"
    instance.mkdir()
    monkeypatch.setenv("FORMSVC_INSTANCE_PATH", str(instance))
    monkeypatch.setenv("FORMSVC_MAIL_BACKEND", "file")
    monkeypatch.setenv("FORMSVC_MAIL_FILE_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("FORMSVC_MAIL_FROM", "noreply@shifan.gov.cn")
    return tmp_path / "mail"


def _published(site: Path, out: Path) -> Path:
    """A published tree with a page for every document of the site."""
    for _shown, url in check.run(site, TODAY, root=site.parent).urls:
        (out / url).parent.mkdir(parents=True, exist_ok=True)
        (out / url).write_text("<html></html>", encoding="utf-8")
    return out


def _mails(folder: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(folder.glob("*.eml"))]


def test_mails_the_warnings_to_the_editors(site: Path, tmp_path: Path, mail_env: Path,
                                           monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("FORMSVC_CHECK_MAIL_TO", '["bianji@shifan.gov.cn", "zwgk@shifan.gov.cn"]')
    out = _published(site, tmp_path / "output")
    code = check.main([str(site), "--today", "2024-07-05", "--published", str(out), "--mail"])
    assert code == 0
    (mail,) = _mails(mail_env)
    assert mail["To"] == "bianji@shifan.gov.cn, zwgk@shifan.gov.cn"
    assert mail["From"] == "noreply@shifan.gov.cn"
    assert mail["Subject"].startswith("示范县人民政府网站每日检查：错误 0 处，警告 ")
    body = mail.get_content()
    assert "栏目 要闻动态（yw）最近更新于 2024-06-20，已 15 天未更新，超过动态要闻类的 14 天" in body
    assert "检查结果已发送给 bianji@shifan.gov.cn、zwgk@shifan.gov.cn" in capsys.readouterr().out


def test_a_document_missing_from_the_published_tree_is_a_warning(site: Path, tmp_path: Path) -> None:
    out = _published(site, tmp_path / "output")
    (out / "zwdt/yw/2024-gzhy.html").unlink()
    code = check.main([str(site), "--today", "2024-06-25", "--published", str(out)])
    assert code == 0
    assert check.main([str(site), "--today", "2024-06-25", "--published", str(out), "--strict"]) == 1


def test_unpublished_message(site: Path, tmp_path: Path, capsys) -> None:
    out = _published(site, tmp_path / "output")
    (out / "zwdt/yw/2024-gzhy.html").unlink()
    check.main([str(site), "--today", "2024-06-25", "--published", str(out)])
    lines = [line for line in capsys.readouterr().out.splitlines() if "2024-gzhy.md" in line]
    assert len(lines) == 1
    assert lines[0].endswith(f"zwdt/2024-gzhy.md: 警告：已通过检查，但发布目录 {out} 中没有它的页面 "
                             "/zwdt/yw/2024-gzhy.html；网站生成后是否没有发布？")


def test_errors_are_mailed_too(site: Path, mail_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORMSVC_CHECK_MAIL_TO", "bianji@shifan.gov.cn")
    edit(site / "zwdt/2024-gzhy.md", "column: yw", "column: yaowen")
    assert check.main([str(site), "--today", "2024-06-25", "--mail"]) == 1
    (mail,) = _mails(mail_env)
    assert mail["Subject"].startswith("示范县人民政府网站每日检查：错误 1 处")
    assert "column（栏目） 的值 “yaowen” 不是 columns.yml 中的栏目" in mail.get_content()


def test_no_recipient_is_a_clear_error(site: Path, mail_env: Path, capsys) -> None:
    assert check.main([str(site), "--today", "2024-06-25", "--mail"]) == 2
    assert "没有配置收件人：请在 instance/config.py 中设置 CHECK_MAIL_TO" in capsys.readouterr().err
    assert not mail_env.exists()
