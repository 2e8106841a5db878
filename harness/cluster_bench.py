"""The cluster build on synthetic sites: cold build, nothing changed, one edit (prints figures).

``python -m harness.cluster_bench --sites 10 --docs 300`` writes a repository of ``--sites`` sites
(the county and ``sites - 1`` sub-sites, each a ``harness.synth`` tree of ``--docs`` documents,
its own seed) and builds it with ``portal.cluster.runner`` into a fresh output folder:

1. cold: every site (wall seconds, CPU seconds of all the builds' processes, the target
   wall ≤ 1.15 × CPU ÷ cores, CPU ms per document);
2. again without a change: every site skipped;
3. one edit of a sub-site document's body: that site only (the county's lists do not change);
4. one edit of a title: that site and the county (its catalogue lists the title);
5. a new document (a copy of a news item), then 6. a removed one, in the same sub-site.

Steps 3–6 are incremental builds (``portal.cluster.incremental``): each prints wall and CPU seconds
(all build processes) and which sites were built, and incrementally.

``--serial`` also builds the same cluster cold with one worker, right after: on a shared machine
the speed-up measured in one run says more about parallelism than wall against CPU.
``--compare-start`` also builds it cold with each site in a new interpreter (``python -m
pelican``, as before ``portal.cluster.forkserver``): the CPU the fork server saves, same run.

The province size of issue 26 is ``--sites 100 --docs 1000`` (about 100,000 documents; hours of
CPU on two cores: run it on a quiet machine). Figures in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import synth
from portal.cluster import runner

SITE_YML = """name: 示范县合成{n}号网站
kind: department
department: {dept}
site_id_code: "{code}"
accent: {accent}
menu: [home, zwdt, xxgk, bsfw, hdjl, jg]
"""
DEPARTMENTS = ("fgw", "jyj", "gxj", "mzj", "czj", "rsj", "zrzyj", "zjj", "nyncj", "swj", "wsjkj")
ACCENTS = ("green", "blue", "teal", "purple", "brown")


def make_repo(root: Path, sites: int, docs: int) -> int:
    """The county and ``sites - 1`` sub-sites of ``docs`` documents each; the document count."""
    total = sum(synth.generate(root / "content", docs, seed=1).values())
    for i in range(1, sites):
        site = root / "sites" / f"s{i:03d}"
        total += sum(synth.generate(site / "content", docs, seed=100 + i).values())
        (site / "site.yml").write_text(SITE_YML.format(
            n=i, dept=DEPARTMENTS[i % len(DEPARTMENTS)], code=f"{9000000000 + i}",
            accent=ACCENTS[i % len(ACCENTS)]), encoding="utf-8")
    return total


def timed(cluster: runner.Cluster, **kwargs: Any) -> dict[str, Any]:
    """One run of the runner: wall and CPU seconds, sites built."""
    start = time.perf_counter()
    results = cluster.build(**kwargs)
    wall = time.perf_counter() - start
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise SystemExit(f"{failed[0].site} 生成失败:\n{failed[0].log[-3000:]}")
    # the fork server's own CPU (its imports, once a run) is part of what the build cost
    return {"wall": round(wall, 2), "cpu": round(sum(r.cpu for r in results) + cluster.server_cpu, 2),
            "server_cpu": round(cluster.server_cpu, 2),
            "built": [r.site for r in results if r.status == "built"],
            "incremental": [r.site for r in results if r.status == "built" and r.mode == "incremental"]}


def edit(path: Path, old_re: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(old_re, new, text, count=1, flags=re.M), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Print the figures (and write them as JSON with --json)."""
    parser = argparse.ArgumentParser(prog="python -m harness.cluster_bench",
                                     description="网站群生成的基准测试（打印数字，不是测试）")
    parser.add_argument("--sites", type=int, default=10, help="网站数（含县门户），默认 10；省级规模 100")
    parser.add_argument("--docs", type=int, default=300, help="每个网站的文档数，默认 300；省级规模 1000")
    parser.add_argument("--workers", type=int, default=None, help="同时生成的网站数，默认 CPU 核数")
    parser.add_argument("--serial", action="store_true",
                        help="另用 1 个进程冷生成一次，在同一负载下比较墙钟（并行加速比）")
    parser.add_argument("--compare-start", action="store_true",
                        help="另用每个网站一个新解释器（fork 服务器之前的做法）冷生成一次，在同一负载下比较 CPU")
    parser.add_argument("--dir", type=Path, help="工作目录（默认临时目录，结束后删除）")
    parser.add_argument("--json", type=Path, help="把结果另存为 JSON")
    args = parser.parse_args(argv)
    workdir = Path(args.dir or tempfile.mkdtemp(prefix="cluster-bench-"))
    repo, output = workdir / "repo", workdir / "output"
    try:
        t0 = time.perf_counter()
        total = make_repo(repo, args.sites, args.docs)
        print(f"合成 {args.sites} 个网站、{total} 篇文档：{time.perf_counter() - t0:.1f} 秒")
        cluster = runner.Cluster(output, repo=repo)
        workers = args.workers or runner.default_workers()
        cold = timed(cluster, workers=workers, force=True)
        target = 1.15 * cold["cpu"] / workers
        cold.update(docs=total, workers=workers, cpu_ms_per_doc=round(cold["cpu"] * 1000 / total, 2),
                    target_wall=round(target, 2), ratio=round(cold["wall"] / (cold["cpu"] / workers), 3))
        print(f"冷生成：墙钟 {cold['wall']} 秒，CPU {cold['cpu']} 秒（{workers} 个进程并行），"
              f"目标 ≤ {cold['target_wall']} 秒（1.15 × CPU ÷ {workers}），"
              f"墙钟 / (CPU ÷ {workers}) = {cold['ratio']}，每篇文档 CPU {cold['cpu_ms_per_doc']} ms")
        if args.compare_start:
            fresh = timed(runner.Cluster(workdir / "output-fresh", repo=repo), workers=workers, force=True,
                          fresh=True)
            fresh["cpu_ms_per_doc"] = round(fresh["cpu"] * 1000 / total, 2)
            cold["fresh"] = fresh
            print(f"同样的冷生成，每个网站一个新解释器（未用 fork 服务器）：墙钟 {fresh['wall']} 秒，"
                  f"CPU {fresh['cpu']} 秒，每篇文档 CPU {fresh['cpu_ms_per_doc']} ms；"
                  f"fork 服务器省下 CPU {1 - cold['cpu'] / fresh['cpu']:.1%}")
        if args.serial:
            serial = timed(runner.Cluster(workdir / "output-serial", repo=repo), workers=1, force=True)
            cold["serial"] = serial
            print(f"同样的冷生成用 1 个进程：墙钟 {serial['wall']} 秒，CPU {serial['cpu']} 秒；"
                  f"加速比 {serial['wall'] / cold['wall']:.2f}（{workers} 个进程，上限 {workers}）")
        unchanged = timed(cluster, workers=workers)
        print(f"无改动再生成：墙钟 {unchanged['wall']} 秒，生成 {len(unchanged['built'])} 个网站")
        doc = next((repo / "sites" / "s001" / "content" / "xxgk").rglob("*.md"))
        edit(doc, r"\Z", "\n补充说明：本文件内容有更新。\n")
        body = timed(cluster, workers=workers)
        print(f"改一篇文档的正文：墙钟 {body['wall']} 秒，CPU {body['cpu']} 秒，生成 {body['built']}"
              f"（增量 {body['incremental']}）")
        edit(doc, r"^title: (.*)$", r"title: \1（修订）")
        title = timed(cluster, workers=workers)
        print(f"改一篇文档的标题：墙钟 {title['wall']} 秒，CPU {title['cpu']} 秒，生成 {title['built']}"
              f"（增量 {title['incremental']}）")
        news = sorted((repo / "sites" / "s001" / "content" / "zwdt").rglob("*.md"))
        shutil.copy(news[0], news[0].with_name("bench-new-" + news[0].name))
        added = timed(cluster, workers=workers)
        print(f"新增一篇文档：墙钟 {added['wall']} 秒，CPU {added['cpu']} 秒，生成 {added['built']}"
              f"（增量 {added['incremental']}）")
        news[1].unlink()
        removed = timed(cluster, workers=workers)
        print(f"删除一篇文档：墙钟 {removed['wall']} 秒，CPU {removed['cpu']} 秒，生成 {removed['built']}"
              f"（增量 {removed['incremental']}）")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        figures = {"sites": args.sites, "docs_per_site": args.docs, "cold": cold, "unchanged": unchanged,
                   "edit_body": body, "edit_title": title, "new_document": added,
                   "removed_document": removed, "cores": os.cpu_count(),
                   "runner_cpu": round(usage.ru_utime + usage.ru_stime, 2),
                   "loadavg": os.getloadavg()}
        print(f"（负载 {figures['loadavg'][0]:.1f}：机器由多人共用，墙钟偏大）")
        if args.json:
            args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1), encoding="utf-8")
    finally:
        if args.dir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
