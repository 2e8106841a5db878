"""One edit at province size without building a province: a sub-site's body edit and the county's
build after a title edit it lists (prints CPU seconds; not a test).

``python -m harness.edit_bench --docs 1000 --listed 99 --rounds 3 --dir /tmp/eb`` writes the county
and one sub-site (``s001``) of ``--docs`` ``harness.synth`` documents each, builds them with the
runner, then gives the county ``--listed`` sub-sites' manifests: s001's and copies of it under
other site ids (other URLs and 索引号), what the county of a cluster of ``--listed`` + 1 sites of
``--docs`` documents reads. The county is built once in full with them; then each round

1. appends a line to the body of one of s001's 信息公开 documents and builds s001 incrementally;
2. changes the title of one entry of a copied manifest and builds the county incrementally.

Each build runs as the runner runs it (forked by ``portal.cluster.forkserver``, ``INCREMENTAL``
as the runner sets it); its CPU is the build's and its search index writer's (``os.wait4``).
Compare code versions by running this from two checkouts alternately (same load).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.cluster_bench import make_repo
from portal.cluster import incremental, runner
from portal.cluster import settings as cluster_settings


def copies(out: Path, listed: int) -> list[str]:
    """``listed - 1`` copies of s001's manifest under other site ids; their paths."""
    source = (out / "s001" / cluster_settings.MANIFEST).read_text(encoding="utf-8")
    paths = []
    for i in range(2, listed + 1):
        site = f"x{i:03d}"
        data = json.loads(source.replace('"s001/', f'"{site}/'))
        data["site"] = site
        for e in data["documents"]:
            if e.get("index_no"):
                e["index_no"] = f"{e['index_no']}-{i}"
        path = out / site / cluster_settings.MANIFEST
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    return paths


def build(cluster: runner.Cluster, builds: runner.Builds, out: Path, site: str, overrides: dict[str, Any],
          full: bool) -> float:
    """One site's build as the runner makes it (the county's after the runner's planning: the
    manifests' identities hashed and saved for the build); its CPU seconds."""
    if site == "county":
        for path in overrides["CLUSTER"]["manifests"]:
            cluster.digests.of(Path(path))
        cluster.digests.save()
    run = {**overrides, "INCREMENTAL": cluster.incremental(site, incremental.cache_dir(out, site), not full)}
    if not full:
        run["DELETE_OUTPUT_DIRECTORY"] = False
    code, _wall, cpu = builds.run(cluster_settings.pelican_args(run), out / runner.LOG_DIR / f"{site}.log")
    if code != 0:
        raise SystemExit((out / runner.LOG_DIR / f"{site}.log").read_text(encoding="utf-8")[-3000:])
    return cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.edit_bench",
                                     description="省级规模下改一篇文档的生成开销（打印 CPU 秒数，不是测试）")
    parser.add_argument("--docs", type=int, default=1000, help="每个网站的文档数，默认 1000")
    parser.add_argument("--listed", type=int, default=99, help="县门户读取的子网站清单数，默认 99")
    parser.add_argument("--rounds", type=int, default=3, help="改动轮数，默认 3")
    parser.add_argument("--dir", type=Path, help="工作目录（已有则沿用其中的网站）")
    args = parser.parse_args(argv)
    root = Path(args.dir or tempfile.mkdtemp(prefix="edit-bench-"))
    repo, out = root / "repo", root / "out"
    if not repo.exists():
        make_repo(repo, 2, args.docs)
    cluster = runner.Cluster(out, repo=repo)
    cluster.build(force=True)
    county = cluster.overrides("county")
    county["CLUSTER"]["manifests"] += copies(out, args.listed)
    s001 = cluster.overrides("s001")
    builds = runner.Builds()
    try:
        cpu = build(cluster, builds, out, "county", county, full=True)
        print(f"县门户全量生成（列出 {args.listed} 个子网站的信息公开文档）：CPU {cpu:.2f} 秒")
        doc = sorted((repo / "sites" / "s001" / "content" / "xxgk").rglob("*.md"))[0]
        listed = out / "x002" / cluster_settings.MANIFEST
        for n in range(1, args.rounds + 1):
            with doc.open("a", encoding="utf-8") as f:
                f.write(f"\n补充说明（第 {n} 次）。\n")
            body = build(cluster, builds, out, "s001", s001, full=False)
            data = json.loads(listed.read_text(encoding="utf-8"))
            entry = next(e for e in data["documents"] if e["type"] == "disclosure")
            entry["title"] = f"{entry['title'].split('（修订')[0]}（修订{n}）"
            listed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            title = build(cluster, builds, out, "county", county, full=False)
            print(f"第 {n} 轮：改正文，s001 增量生成 CPU {body:.2f} 秒；"
                  f"改标题，县门户增量生成 CPU {title:.2f} 秒（负载 {os.getloadavg()[0]:.1f}，{time.strftime('%H:%M:%S')}）")
    finally:
        builds.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
