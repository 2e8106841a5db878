"""``scripts/check`` over the whole cluster: every site.yml, every site's content, the rules between sites.

Each site's tree is checked exactly as ``scripts/check <tree>`` does (``portal.check.run``; links
to another site of the cluster are resolved there, ``check.Site.route``). Added here:

- a broken ``site.yml`` (``portal.sites.load``), with its line;
- one 索引号 in two sites' trees: one 索引号 names one document in the whole cluster.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from portal import check, published, schema
from portal import sites as cluster_sites
from portal.cluster.settings import site_output
from portal.index_no import INDEX_LINE_RE
from sitesearch.fields import DEFAULT_SITE


def index_numbers(site_id: str, content_dir: Path) -> list[tuple[str, str, int]]:
    """(索引号, file shown, line) of every disclosure document of one tree."""
    base = Path(content_dir) / schema.DISCLOSURE.directory
    out = []
    for path in sorted(base.rglob("*.md")) if base.is_dir() else ():
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # the tree's own check reports it
            continue
        for m in INDEX_LINE_RE.finditer(text):
            shown = check._display_prefix(Path(content_dir), None) + path.relative_to(content_dir).as_posix()
            out.append((m.group(1), shown, text.count("\n", 0, m.start()) + 1))
    return out


def duplicate_index_numbers(trees: dict[str, Path]) -> list[check.Problem]:
    """An error at each copy of a 索引号 that two sites of the cluster both use."""
    where: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for site_id, content_dir in trees.items():
        for number, shown, line in index_numbers(site_id, content_dir):
            where[number].append((site_id, shown, line))
    out = []
    for number, places in where.items():
        if len({site_id for site_id, _, _ in places}) < 2:
            continue  # within one tree: that tree's own rule
        for _site, shown, line in places:
            others = "、".join(f"{s} 的 {p}" for s, p, _ in places if p != shown)
            out.append(check.Problem(shown, line, f"索引号 {number} 与网站群中 {others} 重复；"
                                                  "一个索引号在整个网站群中只能对应一篇文档"))
    return out


def run(today: date | None = None, published_root: Path | None = None, repo: Path | None = None,
        county: Path | None = None) -> tuple[dict[str, check.Report], list[check.Problem]]:
    """Check every site; (report per site id, problems of the cluster itself).

    ``county`` is the county's tree when it is not ``<repo>/content`` (formsvc's CONTENT_DIR)."""
    own: list[check.Problem] = []
    registry_sites = []
    for site_id in cluster_sites.discover(repo):
        try:
            registry_sites.append(cluster_sites.load(cluster_sites.sites_root(repo) / site_id))
        except cluster_sites.SiteError as exc:
            shown = check._display_prefix(Path(exc.path).parent, None) + cluster_sites.SITE_FILE
            own.append(check.Problem(shown, exc.line, exc.message))
    trees = {DEFAULT_SITE: Path(county or Path(repo or cluster_sites.REPO_ROOT) / cluster_sites.CONTENT_DIR)}
    trees.update({s.id: s.content_dir for s in registry_sites})
    reports = {}
    for site_id, content_dir in trees.items():
        out = site_output(published_root, site_id) if published_root is not None else None
        reports[site_id] = published.run(content_dir, out, today, county=trees[DEFAULT_SITE])
    own.extend(duplicate_index_numbers(trees))
    return reports, sorted(set(own))


def by_site(reports: dict[str, check.Report], own: list[check.Problem],
            repo: Path | None = None) -> dict[str, list[check.Problem]]:
    """Every problem under the site it is about: a site's own, and the cluster's rules' (a
    duplicate 索引号 at each copy, a broken site.yml) under the site whose folder they name."""
    out = {site_id: list(report.problems) for site_id, report in reports.items()}
    folders = {site_id: check._display_prefix(cluster_sites.sites_root(repo) / site_id, None)
               for site_id in cluster_sites.discover(repo)}
    for p in own:
        site_id = next((s for s, folder in folders.items() if p.path.startswith(folder)), DEFAULT_SITE)
        out.setdefault(site_id, []).append(p)
    return {site_id: sorted(set(problems)) for site_id, problems in out.items()}
