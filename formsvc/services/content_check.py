"""``check-content`` (run daily by formsvc-check-content.timer): the content check, mailed.

It runs what ``scripts/check`` runs on the whole cluster (``portal.cluster.checks``: every site's
tree — ``CONTENT_DIR`` is the county's, ``sites/`` beside it the sub-sites' — with the rules and
column freshness warnings of portal.check and portal.freshness, the rules between sites, and a
warning for each document missing from the published ``OUTPUT_DIR``, portal.published), and queues
the result, grouped by site, in the outbox for the editors of ``CHECK_MAIL_TO``, so ``send-mail``
delivers it with its retries. A stale column is then seen before an inspection finds it.
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
from portal import check, freshness
from portal import sites as cluster_sites
from portal.cluster import checks
from sitesearch.fields import DEFAULT_SITE

TEMPLATE = "content_check"


@dataclass
class ContentCheckResult:
    reports: dict[str, check.Report]  # by site id, the county's first
    problems: dict[str, list[check.Problem]]  # by site id: its own and the cluster's rules' about it
    names: dict[str, str] = field(default_factory=dict)  # site id → its name
    recipients: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        """How many problems are errors, over every site."""
        return sum(p.is_error for ps in self.problems.values() for p in ps)

    @property
    def warnings(self) -> int:
        """How many problems are warnings, over every site."""
        return sum(not p.is_error for ps in self.problems.values() for p in ps)

    def summary(self) -> str:
        """Lines for the operator: one per site (as scripts/check prints them), then what was sent."""
        lines = [f"{site_id}：{check.summary(report)}" for site_id, report in self.reports.items()]
        if not self.errors and not self.warnings:
            return "\n".join([*lines, "没有错误和警告，未发送邮件"])
        total = f"网站群 {len(self.problems)} 个网站：错误 {self.errors} 处，警告 {self.warnings} 条"
        if not self.recipients:
            return "\n".join([*lines, f"{total}；未配置 CHECK_MAIL_TO，未发送邮件"])
        return "\n".join([*lines, f"{total}；已排队发送给 {'、'.join(self.recipients)}"])


def recipients(config: Mapping[str, Any]) -> list[str]:
    """The editors' addresses of CHECK_MAIL_TO (a list, or one string with commas)."""
    value = config.get("CHECK_MAIL_TO") or []
    if isinstance(value, str):
        value = value.split(",")
    return list(dict.fromkeys(str(v).strip() for v in value if str(v).strip()))


def site_names(repo: Path) -> dict[str, str]:
    """Each site's name as its editors know it; a site whose site.yml is broken by its id."""
    names = {DEFAULT_SITE: SITENAME}
    for site_id in cluster_sites.discover(repo):
        try:
            names[site_id] = cluster_sites.load(cluster_sites.sites_root(repo) / site_id).name
        except cluster_sites.SiteError:  # the check reports it under the site
            names[site_id] = site_id
    return names


def payload(result: ContentCheckResult, note: str = "") -> dict[str, Any]:
    """What the mail says: the summary, then each site's problems as scripts/check prints them,
    under the site's name (only the sites with something to fix)."""
    groups = []
    for site_id, problems in result.problems.items():
        if not problems:
            continue
        errors = sum(p.is_error for p in problems)
        head = (f"【{result.names.get(site_id, site_id)}（{site_id}）】"
                f"错误 {errors} 处，警告 {len(problems) - errors} 条")
        groups.append("\n".join([head, *(str(p) for p in problems)]))
    return {"site": SITENAME,
            "summary": f"错误 {result.errors} 处，警告 {result.warnings} 条",
            "problems": "\n\n".join(groups),
            "note": note}


def run(session: Session, config: Mapping[str, Any], *, published_dir: Path | None = None,
        today: date | None = None) -> ContentCheckResult:
    """Check every site of the cluster (and the published tree) and queue the mail; commits the
    queued rows."""
    content = Path(config["CONTENT_DIR"])
    repo = content.parent
    output = Path(published_dir or config["OUTPUT_DIR"])
    reports, own = checks.run(today, output if output.is_dir() else None, repo=repo, county=content)
    problems = checks.by_site(reports, own, repo)
    if not output.is_dir():
        problems[DEFAULT_SITE] = sorted([*problems.get(DEFAULT_SITE, []), check.Problem(
            str(output), 0, "发布目录不存在：网站还没有生成或发布", check.WARNING)])
    result = ContentCheckResult(reports, problems, site_names(repo), recipients(config))
    if (result.errors or result.warnings) and result.recipients:
        note = freshness.demo_note(content) if result.warnings else ""
        data = payload(result, note)
        for to in result.recipients:
            notify.queue(session, to, TEMPLATE, data)
        session.commit()
    return result
