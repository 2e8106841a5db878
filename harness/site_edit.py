"""One sub-site's incremental build after one edit, as the fork server runs it, and where its CPU
goes (prints CPU seconds; not a test).

``python -m harness.site_edit --dir /tmp/eb --edit body --rounds 3 [--phases]`` takes a folder
``harness.edit_bench --dir`` left (``repo/`` and ``out/``, built), makes the edit in s001 (``body``
appends a line to a 信息公开 document, ``new`` copies a news item) and builds s001 with the
runner's Pelican arguments and ``INCREMENTAL`` setting, forked after
``portal.cluster.forkserver.preload`` as the server forks it; the CPU is the build's and its
search index writer's (``os.wait4``). Unlike ``harness.edit_bench`` it builds nothing in full
first, so two checkouts can be compared on their own copies of one folder, alternating.
``--phases`` adds the CPU of each Pelican generator's two steps and of the plugins' signals.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import time
from pathlib import Path
from typing import Any

from portal.cluster import forkserver, incremental, runner
from portal.cluster import settings as cluster_settings


def edit(repo: Path, kind: str, n: int) -> None:
    content = repo / "sites" / "s001" / "content"
    if kind == "body":
        doc = sorted((content / "xxgk").rglob("*.md"))[0]
        with doc.open("a", encoding="utf-8") as f:
            f.write(f"\n补充说明（第 {n} 次，{time.time_ns()}）。\n")
    else:
        news = sorted(p for p in (content / "zwdt").rglob("*.md") if not p.name.startswith("site-edit-"))
        shutil.copy(news[0], news[0].with_name(f"site-edit-{time.time_ns()}-{news[0].name}"))


def phases(argv: list[str], log: str, report: Path) -> int:
    """The build (in the forked child) with each generator step's and signal's CPU written to ``report``."""
    import pelican
    from pelican import signals

    marks: list[tuple[str, float]] = []
    original = pelican.Pelican._get_generator_classes

    def timed(f: Any, name: str) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return f(*args, **kwargs)
            finally:
                marks.append((name, time.process_time() - start))
        return run

    def classes(self: Any) -> Any:
        found = original(self)
        for cls in found:
            for step in ("generate_context", "generate_output"):
                if step in cls.__dict__:
                    setattr(cls, step, timed(cls.__dict__[step], f"{cls.__name__}.{step}"))
        return found

    pelican.Pelican._get_generator_classes = classes
    for name in ("initialized", "article_generator_finalized", "finalized"):
        signal = getattr(signals, name)
        signal.send = timed(signal.send, f"signal {name}")
    start = time.process_time()
    code = forkserver._child(argv, log, [])
    writer = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [f"build {time.process_time() - start:.3f}, index writer {writer.ru_utime + writer.ru_stime:.3f}"]
    lines += [f"  {name} {cpu:.3f}" for name, cpu in marks if cpu >= 0.005]
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.site_edit",
                                     description="子站改一篇文档后的增量生成开销（打印 CPU 秒数，不是测试）")
    parser.add_argument("--dir", type=Path, required=True, help="harness.edit_bench --dir 留下的目录（已生成）")
    parser.add_argument("--edit", choices=("body", "new"), default="body")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--phases", action="store_true", help="另打印各生成步骤的 CPU")
    args = parser.parse_args(argv)
    repo, out = args.dir / "repo", args.dir / "out"
    overrides = runner.Cluster(out, repo=repo).overrides("s001")
    run = {**overrides, "INCREMENTAL": {"dir": str(incremental.cache_dir(out, "s001")), "full": False},
           "DELETE_OUTPUT_DIRECTORY": False}
    pelican_args = cluster_settings.pelican_args(run)
    forkserver.preload(cluster_settings.config_file(False))
    log = out / runner.LOG_DIR / "s001.log"
    report = out / runner.LOG_DIR / "s001.phases"
    for n in range(1, args.rounds + 1):
        edit(repo, args.edit, n)
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            code = forkserver.CRASHED
            try:
                code = (phases(pelican_args, str(log), report) if args.phases
                        else forkserver._child(pelican_args, str(log), []))
            finally:
                os._exit(code)
        _, status, usage = os.wait4(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code:
            raise SystemExit(log.read_text(encoding="utf-8")[-3000:])
        print(f"第 {n} 轮（{args.edit}）：s001 增量生成 CPU {usage.ru_utime + usage.ru_stime:.2f} 秒，"
              f"墙钟 {time.perf_counter() - start:.2f} 秒（负载 {os.getloadavg()[0]:.1f}，{time.strftime('%H:%M:%S')}）")
        if args.phases:
            print(report.read_text(encoding="utf-8"), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
