"""Build the cluster: every sub-site in parallel, then the county, then the cluster-wide lists.

One process per site (Pelican, with its settings from ``portal.cluster.settings``), as many at a
time as there are cores. A site whose fingerprint (``portal.cluster.fingerprint``) did not change
since its last good build is skipped; the county is built after its sub-sites because its
catalogue lists their documents (their manifests are part of its fingerprint). A broken site.yml
stops everything at once with its line and a Chinese message; a site that fails is reported with
its build's output, the others are still built, and the run ends with exit status 1.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal import sites as cluster_sites
from portal.cluster import fingerprint, incremental, lists
from portal.cluster import settings as cluster_settings
from sitesearch.fields import DEFAULT_SITE

LOG_DIR = "_cluster/logs"


@dataclass
class Result:
    """One site's turn: built, skipped or failed, with its times."""

    site: str
    status: str  # "built", "skipped", "failed"
    wall: float = 0.0
    cpu: float = 0.0
    log: str = ""
    mode: str = ""  # a build's: "full" or "incremental" (only the documents that changed)


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


# the site builds under way, ended by :func:`stop_all` when the run is interrupted
RUNNING: set[subprocess.Popen[bytes]] = set()
_RUNNING_LOCK = threading.Lock()


def _run(site_id: str, argv: list[str], log_path: Path) -> tuple[int, float, float]:
    """Run one site's build; (exit status, wall seconds, CPU seconds of it and its children)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log_path.open("wb") as out, _RUNNING_LOCK:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=cluster_sites.REPO_ROOT)
        RUNNING.add(proc)
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    finally:
        with _RUNNING_LOCK:
            RUNNING.discard(proc)
    return proc.returncode, time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def stop_all() -> None:
    """End every site build under way (SIGTERM: each ends as an interrupted Pelican build does,
    without publishing its search index)."""
    with _RUNNING_LOCK:
        for proc in RUNNING:
            if proc.returncode is None:
                proc.terminate()


class Cluster:
    """The sites of a repository and where they are written."""

    def __init__(self, output_root: Path, *, publish: bool = False, repo: Path | None = None) -> None:
        self.output_root = Path(output_root).resolve()
        self.publish = publish
        self.repo = repo
        self.sites = cluster_sites.load_all(repo)  # SiteError: a broken site.yml
        self.base = cluster_settings.base_settings(publish)

    @property
    def ids(self) -> list[str]:
        return [DEFAULT_SITE, *(s.id for s in self.sites)]

    def overrides(self, site_id: str) -> dict[str, Any]:
        if site_id == DEFAULT_SITE:
            return cluster_settings.county_overrides(self.sites, self.output_root, publish=self.publish,
                                                     base=self.base, repo=self.repo)
        site = next(s for s in self.sites if s.id == site_id)
        return cluster_settings.subsite_overrides(site, self.sites, self.output_root,
                                                  publish=self.publish, base=self.base)

    def fingerprint(self, site_id: str, overrides: dict[str, Any]) -> tuple[str, str]:
        """(the site's fingerprint, its base: the same without its documents and manifests)."""
        content = Path(overrides["PATH"])
        if site_id == DEFAULT_SITE:
            return fingerprint.compute_parts([content], overrides,
                                             [Path(m) for m in overrides["CLUSTER"]["manifests"]], content)
        site = next(s for s in self.sites if s.id == site_id)
        return fingerprint.compute_parts([site.root], overrides, content_dir=content)

    def build_site(self, site_id: str, force: bool = False) -> Result:
        """Build one site unless nothing it depends on changed; incrementally when only its
        documents (or, for the county, its sub-sites' manifests) did."""
        overrides = self.overrides(site_id)
        fp, base = self.fingerprint(site_id, overrides)
        out = cluster_settings.site_output(self.output_root, site_id)
        if not force and fingerprint.unchanged(self.output_root, site_id, fp, out):
            return Result(site_id, "skipped")
        cache = incremental.cache_dir(self.output_root, site_id)
        partial = (not force and fingerprint.stored_base(self.output_root, site_id) == base
                   and incremental.usable(cache) and (out / "index.html").is_file())
        fingerprint.forget(self.output_root, site_id)
        if not partial:  # nothing of the last build's reading may be used (its pages: deleted if gone)
            incremental.forget_reading(cache)
        run = {**overrides, "INCREMENTAL": {"dir": str(cache), "full": not partial}}
        if partial:  # publishconf empties the output first: the pages kept are the point here
            run["DELETE_OUTPUT_DIRECTORY"] = False
        log_path = self.output_root / LOG_DIR / f"{site_id}.log"
        code, wall, cpu = _run(site_id, cluster_settings.pelican_argv(run, publish=self.publish), log_path)
        log = log_path.read_text(encoding="utf-8", errors="replace")
        mode = "incremental" if partial else "full"
        if code != 0:
            return Result(site_id, "failed", wall, cpu, log, mode)
        fingerprint.store(self.output_root, site_id, fp, base)
        return Result(site_id, "built", wall, cpu, log, mode)

    def build(self, only: str | None = None, workers: int | None = None, force: bool = False) -> list[Result]:
        """Build the cluster (or one site) and the cluster-wide lists."""
        workers = workers or default_workers()
        subsites = [s for s in self.sites if only in (None, s.id)]
        # largest first, so the last site to finish is a small one (less time with a core idle)
        queue = sorted(subsites, key=lambda s: fingerprint.tree_bytes(s.content_dir), reverse=True)
        pool = ThreadPoolExecutor(max_workers=workers)
        try:
            done = {r.site: r for r in pool.map(lambda s: self.build_site(s.id, force), queue)}
            results = [done[s.id] for s in subsites]
            if only in (None, DEFAULT_SITE):
                results.append(self.build_site(DEFAULT_SITE, force))
        except BaseException:  # Ctrl-C or SIGTERM: end the builds under way, start no other
            pool.shutdown(wait=False, cancel_futures=True)
            stop_all()
            raise
        pool.shutdown()
        if not any(r.status == "failed" for r in results):
            lists.write(self.output_root, cluster_settings.cluster_list(self.sites, "", self.base),
                        str(self.base.get("SITEURL") or f"https://{self.base['SITE_DOMAIN']}"),
                        str(self.base["SITENAME"]))
        return results


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def report(results: list[Result], wall: float, stream: Any = sys.stdout) -> None:
    """One line per site, then the totals (wall and CPU seconds)."""
    labels = {"built": "已生成", "skipped": "未改动，跳过", "failed": "生成失败"}
    for r in results:
        times = f"（{r.wall:.1f} 秒，CPU {r.cpu:.1f} 秒）" if r.status != "skipped" else ""
        how = "（增量：只处理改动的文档和页面）" if r.status == "built" and r.mode == "incremental" else ""
        print(f"{r.site}: {labels[r.status]}{how}{times}", file=stream)
    cpu = sum(r.cpu for r in results)
    built = sum(r.status == "built" for r in results)
    print(f"网站群：生成 {built} 个网站，跳过 {sum(r.status == 'skipped' for r in results)} 个，"
          f"用时 {wall:.1f} 秒，CPU {cpu:.1f} 秒", file=stream)
