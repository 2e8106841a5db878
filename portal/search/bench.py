"""Benchmark of the site search (``scripts/bench-search``): prints figures, asserts nothing.

For each corpus size: a full build (documents/s), an incremental build after one document changed,
the index size, and query latency p50/p95 over a query mix, first with empty postings caches
("cold", every query decodes its postings) and then again ("warm", the steady state of a worker).
``--quality`` instead compares bigram and jieba segmentation on the demo content (docs/search.md).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from portal.search import fields as F
from portal.search import indexer, query, synthetic


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the writer's worker processes):
    steadier than wall time when other jobs share the machine."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _latencies(index_dir: Path, queries: list[dict[str, str]]) -> list[float]:
    out = []
    for args in queries:
        params = query.parse_params(args)
        t = time.perf_counter()
        query.search(params, index_dir)
        out.append((time.perf_counter() - t) * 1000)
    return out


def _line(label: str, ms: list[float]) -> str:
    return (f"  {label:<34} p50 {statistics.median(ms):7.1f} ms   p95 {_pct(ms, 95):7.1f} ms"
            f"   max {max(ms):7.1f} ms")


def bench_size(n: int, workdir: Path, nqueries: int, seed: int,
               queries_only: bool = False) -> None:
    print(f"\n== {n:,} documents ==", flush=True)
    index_dir = workdir / f"idx-{n}"
    if not queries_only:
        build_figures(n, index_dir, seed)
    query_figures(index_dir, nqueries, seed)


def build_figures(n: int, index_dir: Path, seed: int) -> None:
    t = time.perf_counter()
    docs = list(synthetic.documents(n, seed=seed))
    chars = sum(len(d.body) for d in docs)
    print(f"  corpus generated in {time.perf_counter() - t:.1f} s "
          f"({chars / n:,.0f} characters of body per document)", flush=True)
    shutil.rmtree(index_dir, ignore_errors=True)

    cpu0 = _cpu()
    report = indexer.build(index_dir, docs, full=True)
    cpu = _cpu() - cpu0
    size = indexer.index_size(index_dir)
    print(f"  full build: {report.seconds:.1f} s, {n / report.seconds:,.0f} docs/s "
          f"(CPU {cpu:.1f} s incl. workers, {n / cpu:,.0f} docs per CPU-second); "
          f"index {size / 1e6:.1f} MB", flush=True)

    changed = list(docs)
    changed[n // 2] = replace(changed[n // 2],
                              body=changed[n // 2].body + "补充说明：本文件自发布之日起施行。")
    report = indexer.build(index_dir, changed)
    print(f"  incremental build, 1 changed of {n:,}: {report.seconds:.2f} s "
          f"({report.added} re-indexed, {report.unchanged} unchanged)", flush=True)
    report = indexer.build(index_dir, changed)
    print(f"  incremental build, nothing changed: {report.seconds:.2f} s", flush=True)


def query_figures(index_dir: Path, nqueries: int, seed: int) -> None:
    rng = random.Random(seed)
    words = synthetic.query_words(nqueries, seed=seed + 1)
    plain = [{"q": w} for w in words]
    mixed = []
    for w in words:
        args = {"q": w}
        roll = rng.random()
        if roll < 0.2:
            args["sort"] = "date"
        elif roll < 0.3:
            args["year"] = str(rng.randrange(2020, 2026))
        elif roll < 0.4:
            args["section"] = "xxgk"
        mixed.append(args)
    phrases = [{"q": f'"{w.split()[0]}"'} for w in words[: max(10, nqueries // 4)]]

    query.close_all()
    t = time.perf_counter()
    snap = query.snapshot(index_dir)
    print(f"  open index (arrays for facets, dates, lengths): {(time.perf_counter() - t):.2f} s")
    codes = [{"q": c.replace("〔", "[").replace("〕", "]")}
             for c in rng.sample(snap.terms(F.DOC_NO), 50)]
    cold = _latencies(index_dir, plain)
    print(_line(f"{len(plain)} queries, cold caches", cold))
    warm = _latencies(index_dir, plain)
    print(_line(f"{len(plain)} queries, warm", warm))
    print(_line("with filters / date sort, warm", _latencies(index_dir, mixed)))
    print(_line(f"{len(phrases)} quoted phrases", _latencies(index_dir, phrases)))
    print(_line(f"{len(codes)} 文号 typed with [ ]", _latencies(index_dir, codes)))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process: {peak:,.0f} MB", flush=True)
    query.close_all()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench-search", description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000", help="corpus sizes, comma-separated")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--workdir", help="where to build (default: a temporary folder, removed)")
    ap.add_argument("--quality", action="store_true",
                    help="measure recall/precision of bigrams vs jieba on the demo content")
    ap.add_argument("--content", default=None, help="content folder for --quality")
    ap.add_argument("--queries-only", action="store_true",
                    help="only measure queries on the indexes already in --workdir")
    args = ap.parse_args(argv)
    if args.quality:
        from portal.search import quality

        return quality.main(args.content)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"bench-search: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, workdir {workdir}")
    try:
        for size in (int(s) for s in args.sizes.split(",") if s.strip()):
            bench_size(size, workdir, args.queries, args.seed, args.queries_only)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0
