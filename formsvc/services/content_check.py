"""``check-content`` (run daily by formsvc-check-content.timer): the content check, mailed.

It runs ``scripts/check``'s rules and column freshness warnings (portal.check, portal.freshness) on
``CONTENT_DIR``, adds a warning for each document missing from the published ``OUTPUT_DIR``
(portal.published), and queues the result in the outbox for the editors of ``CHECK_MAIL_TO``, so
``send-mail`` delivers it with its retries. A stale column is then seen before an inspection finds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from formsvc.services import notify
from pelicanconf import SITENAME
from portal import check, freshness, published

TEMPLATE = "content_check"


@dataclass
class ContentCheckResult:
    report: check.Report
    recipients: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the operator."""
        line = check.summary(self.report)
        if not self.report.problems:
            return f"{line}；没有错误和警告，未发送邮件"
        if not self.recipients:
            return f"{line}；未配置 CHECK_MAIL_TO，未发送邮件"
        return f"{line}；已排队发送给 {'、'.join(self.recipients)}"


def recipients(config: Mapping[str, Any]) -> list[str]:
    """The editors' addresses of CHECK_MAIL_TO (a list, or one string with commas)."""
    value = config.get("CHECK_MAIL_TO") or []
    if isinstance(value, str):
        value = value.split(",")
    return list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def payload(report: check.Report, note: str = "") -> dict[str, Any]:
    """What the mail says: the summary and every problem line as scripts/check prints them."""
    return {"site": SITENAME,
            "summary": f"错误 {len(report.errors)} 处，警告 {len(report.warnings)} 条",
            "problems": "\n".join(str(p) for p in report.problems),
            "note": note}


def run(session: Session, config: Mapping[str, Any], *, published_dir: Path | None = None,
        today: date | None = None) -> ContentCheckResult:
    """Check CONTENT_DIR (and the published tree) and queue the mail; commits the queued rows."""
    content = Path(config["CONTENT_DIR"])
    output = Path(published_dir or config["OUTPUT_DIR"])
    report = published.run(content, output if output.is_dir() else None, today)
    if not output.is_dir():
        report.problems = sorted([*report.problems, check.Problem(
            str(output), 0, "发布目录不存在：网站还没有生成或发布", check.WARNING)])
    result = ContentCheckResult(report, recipients(config))
    if report.problems and result.recipients:
        note = freshness.demo_note(content) if report.warnings else ""
        data = payload(report, note)
        for to in result.recipients:
            notify.queue(session, to, TEMPLATE, data)
        session.commit()
    return result
