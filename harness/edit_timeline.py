"""One edit in a built cluster, step by step: where the seconds between save and visible go.

``python -m harness.edit_timeline --dir /work/bench/c100 --edit title`` takes a folder that
``harness.cluster_bench --dir`` left (``repo/`` and ``output/``, built), makes one edit in a
sub-site (``--site``, default s001) and runs the runner once in this process, printing each step
of the run as it happened (``runner.Cluster.trace``: planning, each site's build and when its
manifest was final, the county's planning, the lists made, the fork server's end, the lists put
in place) with its time from the start, then wall and CPU seconds: the runner's
own and its children's (fork server, builds, index writers, grep).

Edits (``--edit``): ``body`` appends a line to a 信息公开 document; ``title`` changes that
document's title (the county's catalogue lists it); ``new`` copies a news item; ``remove``
deletes one. ``--rounds N`` repeats the edit N times, a run each.

To time a checkout whose shared code (``portal/``, ``plugins/``, ``theme/``…) differs from the
one that built the folder without rebuilding every site, give the builder's shared digest
(``--shared``; print it in that checkout with ``python -c "from portal.cluster import
fingerprint; print(fingerprint.shared_digest())"``): the runner then takes the code for the
same. Only for timing: what the kept caches hold was made by the other code.
Benchmark script, not a test: figures, no assertion.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import time
from pathlib import Path
from typing import Any

from portal.cluster import fingerprint, runner


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def apply(repo: Path, site: str, kind: str, n: int) -> str:
    """Make one edit of ``kind`` in ``site``; what was done, for the report."""
    content = repo / "sites" / site / "content"
    if kind in ("body", "title"):
        doc = sorted((content / "xxgk").rglob("*.md"))[0]
        text = doc.read_text(encoding="utf-8")
        if kind == "body":
            text = text.rstrip("\n") + f"\n\n补充说明（第 {n} 次）：本文件内容有更新。\n"
        else:
            # the last run's mark replaced, not added to: a title has a length limit (120)
            title = re.search(r"^title: (.*?)(?:（修订(\d+)）)?$", text, flags=re.M)
            assert title is not None
            mark = int(title.group(2) or 0) + 1
            text = text.replace(title.group(0), f"title: {title.group(1)}（修订{mark}）", 1)
        doc.write_text(text, encoding="utf-8")
        return f"{kind} {doc.relative_to(repo)}"
    news = sorted(p for p in (content / "zwdt").rglob("*.md") if not p.name.startswith("timeline-"))
    if kind == "new":
        # a name no earlier run left (a copy over one of them is an edit, not a new document)
        target = next(t for i in range(n, n + 10_000)
                      if not (t := news[0].with_name(f"timeline-{i}-{news[0].name}")).exists())
        shutil.copy(news[0], target)
        return f"new {target.relative_to(repo)}"
    news[-1].unlink()
    return f"remove {news[-1].relative_to(repo)}"


def run_once(repo: Path, output: Path, shared: str | None) -> dict[str, Any]:
    """One run of the runner: its steps with their times, wall and CPU."""
    if shared:
        fingerprint._SHARED_CACHE["v"] = shared
    cluster = runner.Cluster(output, repo=repo)
    steps: list[tuple[float, str]] = []
    start = time.perf_counter()
    cluster.trace = lambda step: steps.append((time.perf_counter() - start, step))
    own0, kids0 = _cpu()
    results = cluster.build()
    wall = time.perf_counter() - start
    own1, kids1 = _cpu()
    failed = [r for r in results if r.status == "failed"]
    if failed:
        raise SystemExit(f"{failed[0].site} 生成失败:\n{failed[0].log[-3000:]}")
    return {"wall": round(wall, 3), "runner_cpu": round(own1 - own0, 3), "children_cpu": round(kids1 - kids0, 3),
            "steps": [(round(t, 3), s) for t, s in steps],
            "built": {r.site: [r.mode, round(r.wall, 3), round(r.cpu, 3)] for r in results if r.status == "built"}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.edit_timeline",
                                     description="网站群中改一处后的各步用时（打印数字，不是测试）")
    parser.add_argument("--dir", type=Path, required=True, help="harness.cluster_bench --dir 留下的目录（已生成）")
    parser.add_argument("--edit", choices=("body", "title", "new", "remove", "none"), default="title")
    parser.add_argument("--site", default="s001", help="改哪个子站，默认 s001")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--shared", help="生成该目录时的共享代码摘要（见模块说明）")
    parser.add_argument("--json", type=Path, help="把结果另存为 JSON")
    args = parser.parse_args(argv)
    repo, output = args.dir / "repo", args.dir / "output"
    runs = []
    for n in range(1, args.rounds + 1):
        what = apply(repo, args.site, args.edit, n) if args.edit != "none" else "none"
        run = run_once(repo, output, args.shared)
        run["edit"] = what
        runs.append(run)
        print(f"{what}: 墙钟 {run['wall']} 秒，runner CPU {run['runner_cpu']} 秒，"
              f"子进程 CPU {run['children_cpu']} 秒（负载 {os.getloadavg()[0]:.1f}）")
        for t, step in run["steps"]:
            print(f"  {t:7.3f}  {step}")
        for site, (mode, wall, cpu) in run["built"].items():
            print(f"  {site}: {mode}，{wall} 秒，CPU {cpu} 秒")
    if args.json:
        args.json.write_text(json.dumps(runs, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
