"""Benchmark of the cluster's search (``scripts/bench-search``): prints figures, asserts nothing.

    scripts/bench-search                               # 100,000 documents over 100 sites
    scripts/bench-search --docs 500000                 # a province's worth of documents
    scripts/bench-search --docs 100000 --sites 1       # the alternative: one index for everything
    scripts/bench-search --quality                     # recall/precision: bigrams vs jieba

For each size, on a synthetic cluster (``synthetic.cluster``: the county portal and its sub-sites):

1. the corpus is generated into one file per site (not timed);
2. the full build of every site's index, sites shared out over ``--jobs`` processes as a cluster
   build does: wall seconds, CPU seconds of the workers (steadier than wall seconds when other jobs
   share the machine), the workers' peak memory;
3. an incremental build of the largest site after one of its documents changed, and with nothing
   changed (what a site's rebuild costs the index);
4. in a fresh process, a query worker as formsvc runs one: the time to open the cluster, latency
   p50/p95 (wall and CPU) of a query mix — cold and warm, over the whole cluster and with a filter
   by site, with other filters, quoted phrases, 文号 — then the first queries after one site's
   rebuild, and the worker's peak memory.

Latency is measured in-process on the ``search()`` call the views make: matching, the exact total,
the facet counts and ten hits with highlighted snippets, i.e. everything the result page shows.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import pickle
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from harness.search import synthetic
from sitesearch import fields as F
from sitesearch import indexer, layout, query


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def _peak_mb() -> float:
    """This process's peak resident memory, MB."""
    try:
        # VmHWM starts afresh at exec; ru_maxrss keeps the high-water mark of the process the
        # worker was forked from (the benchmark's own, with a site's documents loaded)
        with open("/proc/self/status", encoding="ascii") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration, ValueError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _spawn_pool(jobs: int) -> concurrent.futures.ProcessPoolExecutor:
    # spawn: each worker starts from nothing, so its peak memory is its own work's
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))


# --- the corpus ----------------------------------------------------------------------------------


def _corpus_file(workdir: Path, site: synthetic.Site) -> Path:
    return workdir / "corpus" / f"{site.id}.pickle"


def _write_corpus(path: str, site: synthetic.Site, seed: int) -> int:
    with open(path, "wb") as fh:
        for doc in synthetic.documents(site.count, seed, site.start, site.id, site.name):
            pickle.dump(doc, fh, pickle.HIGHEST_PROTOCOL)
    return site.count


def read_corpus(path: Path) -> Iterator[indexer.Document]:
    """The documents of one site, as the site build hands them to the index."""
    with open(path, "rb") as fh:
        while True:
            try:
                yield pickle.load(fh)
            except EOFError:
                return


# --- building ------------------------------------------------------------------------------------


def _build_site(index_dir: str, site: synthetic.Site, corpus: str) -> tuple[float, float, float]:
    """One site's full build in a worker: (CPU s, wall s, the worker's peak MB so far)."""
    cpu, wall = _cpu(), time.perf_counter()
    build = indexer.FullBuild(index_dir, site.id)
    try:
        for doc in read_corpus(Path(corpus)):
            build.add(doc)
    except BaseException:
        build.cancel()
        raise
    build.publish()
    return _cpu() - cpu, time.perf_counter() - wall, _peak_mb()


def build_figures(sites: list[synthetic.Site], workdir: Path, index_dir: Path, jobs: int,
                  seed: int) -> None:
    total = sum(s.count for s in sites)
    (workdir / "corpus").mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    with _spawn_pool(jobs) as pool:
        list(pool.map(_write_corpus, [str(_corpus_file(workdir, s)) for s in sites], sites,
                      [seed] * len(sites)))
    print(f"  corpus generated in {time.perf_counter() - t:.1f} s (not counted below)", flush=True)

    shutil.rmtree(index_dir, ignore_errors=True)
    t = time.perf_counter()
    # largest sites first, so that the last ones to finish are small
    order = sorted(sites, key=lambda s: -s.count)
    with _spawn_pool(jobs) as pool:
        done = list(pool.map(_build_site, [str(index_dir)] * len(order), order,
                             [str(_corpus_file(workdir, s)) for s in order]))
    wall = time.perf_counter() - t
    cpu = sum(d[0] for d in done)
    print(f"  full build of {len(sites)} site index(es), {jobs} process(es): {wall:.1f} s wall, "
          f"{total / wall:,.0f} docs/s; CPU {cpu:.1f} s ({cpu / total * 1000:.2f} ms a document); "
          f"peak memory of a build process {max(d[2] for d in done):,.0f} MB; "
          f"index {indexer.index_size(index_dir) / 1e6:,.0f} MB", flush=True)
    if len(sites) > 1:
        walls = sorted(d[1] for d in done)
        print(f"  one site's build: {walls[0]:.2f}–{walls[-1]:.2f} s wall "
              f"(median {statistics.median(walls):.2f} s)", flush=True)

    largest = order[0]
    docs = list(read_corpus(_corpus_file(workdir, largest)))
    for label, changed in (("1 changed", True), ("nothing changed", False)):
        if changed:
            docs[len(docs) // 2] = replace(docs[len(docs) // 2],
                                           body=docs[len(docs) // 2].body + "补充说明：本文件自发布之日起施行。")
        cpu0, t0 = _cpu(), time.perf_counter()
        report = indexer.build(index_dir, docs, site=largest.id)
        print(f"  incremental build of site {largest.id} ({len(docs):,} documents), {label}: "
              f"{time.perf_counter() - t0:.2f} s wall, CPU {_cpu() - cpu0:.2f} s "
              f"({report.added} re-indexed)", flush=True)


# --- querying ------------------------------------------------------------------------------------


def _timed(index_dir: Path, queries: list[dict[str, str]]) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each query."""
    wall, cpu = [], []
    for args in queries:
        params = query.parse_params(args)
        c, t = time.thread_time(), time.perf_counter()
        query.search(params, index_dir)
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    return wall, cpu


def _line(label: str, times: tuple[list[float], list[float]]) -> str:
    wall, cpu = times
    return (f"  {label:<40} p50 {statistics.median(wall):6.1f} ms  p95 {_pct(wall, 95):6.1f} ms  "
            f"max {max(wall):6.1f} ms  (CPU p50 {statistics.median(cpu):5.1f}, "
            f"p95 {_pct(cpu, 95):5.1f} ms)")


def query_mix(sites: list[synthetic.Site], nqueries: int, seed: int
              ) -> dict[str, list[dict[str, str]]]:
    """The query sets: words as citizens type them, the same with a site, other filters, phrases."""
    rng = random.Random(seed)
    words = synthetic.query_words(nqueries, seed=seed + 1)
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
    return {
        "plain": [{"q": w} for w in words],
        "site": [{"q": w, "site": rng.choice(sites).id} for w in words],
        "mixed": mixed,
        "phrases": [{"q": f'"{w.split()[0]}"'} for w in words[: max(10, nqueries // 4)]],
    }


def _cold_worker(index_dir: str, sites: list[synthetic.Site], nqueries: int, seed: int,
                 fast: bool) -> None:
    """A fresh worker's start-up and first queries, with or without the fast postings."""
    query.USE_FAST_POSTINGS = fast
    root = Path(index_dir)
    sets = query_mix(sites, nqueries, seed)
    load = os.getloadavg()[0]
    cpu, t = _cpu(), time.perf_counter()
    snap = query.snapshot(root)
    label = "fast postings" if fast else "Whoosh's postings"
    print(f"  fresh worker, {label} (load {load:.1f}): start-up {time.perf_counter() - t:.2f} s, "
          f"CPU {_cpu() - cpu:.2f} s ({len(snap.parts)} parts, {snap.n:,} documents)", flush=True)
    print(_line(f"{nqueries} queries, cold", _timed(root, sets["plain"])), flush=True)
    print(_line(f"{nqueries} queries, warm", _timed(root, sets["plain"])), flush=True)
    query.close_all()


def cold_figures(sites: list[synthetic.Site], index_dir: Path, nqueries: int, seed: int,
                 rounds: int = 2) -> None:
    """Cold and warm in fresh workers, alternately without and with the fast postings."""
    for _ in range(rounds):
        for fast in (False, True):
            with _spawn_pool(1) as pool:
                pool.submit(_cold_worker, str(index_dir), sites, nqueries, seed, fast).result()


def _query_worker(index_dir: str, sites: list[synthetic.Site], corpus: str, nqueries: int,
                  seed: int) -> None:
    """A fresh process serving queries, as a formsvc worker does (prints its figures)."""
    root = Path(index_dir)
    sets = query_mix(sites, nqueries, seed)
    cpu, t = _cpu(), time.perf_counter()
    snap = query.snapshot(root)
    print(f"  query worker: open the cluster ({len(snap.parts)} parts, {snap.n:,} documents): "
          f"{time.perf_counter() - t:.2f} s, CPU {_cpu() - cpu:.2f} s", flush=True)
    rng = random.Random(seed)
    codes = [{"q": c.replace("〔", "[").replace("〕", "]")}
             for c in rng.sample(snap.terms(F.DOC_NO), 50)]
    print(_line(f"{nqueries} queries, cold", _timed(root, sets["plain"])), flush=True)
    print(_line(f"{nqueries} queries, warm", _timed(root, sets["plain"])), flush=True)
    print(_line("the same, each with a site, warm", _timed(root, sets["site"])), flush=True)
    print(_line("with other filters / date sort, warm", _timed(root, sets["mixed"])), flush=True)
    print(_line(f"{len(sets['phrases'])} quoted phrases", _timed(root, sets["phrases"])), flush=True)
    print(_line(f"{len(codes)} 文号 typed with [ ]", _timed(root, codes)), flush=True)
    print(f"  peak memory of the query worker: {_peak_mb():,.0f} MB", flush=True)

    # one site rebuilt (one document changed) while the worker serves: only its part reopens
    site = min(sites, key=lambda s: (s.count, s.id)) if len(sites) > 1 else sites[0]
    docs = list(read_corpus(Path(corpus)))
    docs[0] = replace(docs[0], title=docs[0].title + "（修订）")
    report = indexer.build(root, docs, site=site.id)
    first = _timed(root, sets["plain"][:1])
    after = _timed(root, sets["plain"])
    print(f"  after site {site.id} was rebuilt ({report.seconds:.2f} s): first query "
          f"{first[0][0]:.1f} ms (CPU {first[1][0]:.1f})", flush=True)
    print(_line(f"{nqueries} queries after the rebuild", after), flush=True)
    query.close_all()


def query_figures(sites: list[synthetic.Site], workdir: Path, index_dir: Path, nqueries: int,
                  seed: int) -> None:
    site = min(sites, key=lambda s: (s.count, s.id)) if len(sites) > 1 else sites[0]
    corpus = _corpus_file(workdir, site)
    if not corpus.exists():
        _write_corpus(str(corpus), site, seed)
    with _spawn_pool(1) as pool:
        pool.submit(_query_worker, str(index_dir), sites, str(corpus), nqueries, seed).result()


# --- the run -------------------------------------------------------------------------------------


def bench(total: int, nsites: int, workdir: Path, jobs: int, nqueries: int, seed: int,
          queries_only: bool) -> None:
    sites = synthetic.cluster(total, nsites)
    sizes = sorted({s.count for s in sites[1:]})
    split = (f"{sites[0].id} {sites[0].count:,}, the other {nsites - 1} "
             f"{sizes[0]:,}–{sizes[-1]:,} each" if nsites > 1 else "one index")
    print(f"\n== {total:,} documents, {nsites} site(s): {split} ==", flush=True)
    index_dir = workdir / f"idx-{total}-{nsites}"
    if not queries_only:
        build_figures(sites, workdir / f"src-{total}-{nsites}", index_dir, jobs, seed)
    if not (index_dir / layout.POINTER).exists():
        print("  no index in the workdir: build first (without --queries-only)")
        return
    cpu = _cpu()
    if indexer.add_fast_postings(index_dir):  # indexes built before sitesearch.fastpost
        print("  fast postings added to an older index: "
              f"CPU {_cpu() - cpu:.1f} s (a full build now writes them itself)", flush=True)
    query_figures(sites, workdir / f"src-{total}-{nsites}", index_dir, nqueries, seed)
    cold_figures(sites, index_dir, nqueries, seed)
    live = layout.live(index_dir)
    print(f"  live versions: {len(live)} sites, index {indexer.index_size(index_dir) / 1e6:,.0f} MB",
          flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="bench-search", description=__doc__.splitlines()[0])
    ap.add_argument("--docs", default="100000", help="corpus sizes, comma-separated")
    ap.add_argument("--sites", type=int, default=100, help="sites the corpus is split over")
    ap.add_argument("--jobs", type=int, default=2, help="processes building sites in parallel")
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
        from harness.search import quality

        return quality.main(args.content)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="bench-search-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"bench-search: Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, workdir {workdir}")
    try:
        for n in (int(n) for n in args.docs.split(",") if n.strip()):
            bench(n, args.sites, workdir, args.jobs, args.queries, args.seed, args.queries_only)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0

