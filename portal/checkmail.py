"""The daily check (``scripts/check --published output/ --mail``, run by portal-check.timer).

It checks the content tree the site was built from, adds a warning for every document that passed
but has no page in the published tree (a build that did not run or did not reach the web root),
and mails the result to the editors named in ``CHECK_MAIL_TO`` with formsvc's mail settings and
backends (SMTP, .eml files, console), so a stale column is seen before an inspection finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any

from pelicanconf import SITENAME
from portal import check


def unpublished(report: check.Report, published: Path) -> list[check.Problem]:
    """A warning for each checked document whose page is missing from the published tree."""
    missing = [(shown, url) for shown, url in report.urls if not (Path(published) / url).is_file()]
    return [check.Problem(shown, 0, f"已通过检查，但发布目录 {published} 中没有它的页面 /{url}；"
                                    "网站生成后是否没有发布？", check.WARNING)
            for shown, url in missing]


def compose(report: check.Report, config: Mapping[str, Any], note: str = "") -> EmailMessage:
    """The mail to the editors: the summary as subject, every problem as a line of the body."""
    mail = EmailMessage()
    mail["Subject"] = f"{SITENAME}网站每日检查：错误 {len(report.errors)} 处，警告 {len(report.warnings)} 条"
    mail["From"] = config.get("MAIL_FROM") or ""
    mail["To"] = ", ".join(recipients(config))
    mail["Date"] = formatdate(localtime=True)
    domain = str(config.get("MAIL_FROM") or "localhost").rpartition("@")[2] or "localhost"
    mail["Message-ID"] = make_msgid("check", domain=domain)
    lines = [str(p) for p in report.problems]
    body = [check.summary(report), "", *lines]
    if note:
        body += ["", note]
    body += ["", "在编辑电脑上运行 scripts/check 可看到同样的结果；栏目和更新时限见 docs/editing.md。"]
    mail.set_content("\n".join(body) + "\n")
    return mail


def recipients(config: Mapping[str, Any]) -> list[str]:
    """The editors' addresses of CHECK_MAIL_TO (a list, or one string with commas)."""
    value = config.get("CHECK_MAIL_TO") or []
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def send(report: check.Report, note: str = "", overrides: Mapping[str, Any] | None = None) -> str:
    """Mail the report with formsvc's settings; returns what to print. Raises ValueError with a
    Chinese message when no editor is named."""
    from formsvc import config as formsvc_config
    from formsvc.services.outbox import backend_from_config

    config = formsvc_config.load(overrides)
    to = recipients(config)
    if not to:
        raise ValueError("没有配置收件人：请在 instance/config.py 中设置 CHECK_MAIL_TO（编辑的邮箱列表），"
                         "或设置环境变量 FORMSVC_CHECK_MAIL_TO")
    if not report.problems:
        return "没有错误和警告，未发送邮件"
    backend = backend_from_config(config, str(formsvc_config.instance_path(overrides)))
    backend.send(compose(report, config, note))
    return f"检查结果已发送给 {'、'.join(to)}"
