"""The published tree against the content: ``scripts/check --published output/``.

A document that passes the check but has no page under the published folder was never built or
never copied to the web root; the daily check (formsvc ``check-content``) reports it with the
column warnings, so an editor does not believe a page is online that is not.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from portal import check


def unpublished(report: check.Report, published: Path) -> list[check.Problem]:
    """A warning for each checked document whose page is missing from the published tree."""
    return [check.Problem(shown, 0, f"已通过检查，但发布目录 {published} 中没有它的页面 /{url}；"
                                    "网站生成后是否没有发布？", check.WARNING)
            for shown, url in report.urls if not (Path(published) / url).is_file()]


def run(content_dir: Path, published: Path | None = None, today: date | None = None, *,
        county: Path | None = None) -> check.Report:
    """check.run, plus the warnings of :func:`unpublished` when a published folder is given."""
    report = check.run(content_dir, today, county=county)
    if published is not None:
        report.problems = sorted(set(report.problems) | set(unpublished(report, published)))
    return report
