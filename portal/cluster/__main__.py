"""``python -m portal.cluster build [--site ID] [--output DIR] [--publish] [--workers N] [--force]``"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

from portal.cluster import runner
from portal.sites import SiteError


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(signum)


def main(argv: list[str] | None = None) -> int:
    """Build the cluster; exit status 1 when a site.yml is broken or a site's build fails."""
    parser = argparse.ArgumentParser(prog="python -m portal.cluster",
                                     description="生成网站群：县门户网站和 sites/ 下的各个子网站")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="生成网站群（未改动的网站跳过）")
    build.add_argument("--site", help="只生成这一个网站（网站代码，如 county、nyncj）")
    build.add_argument("--output", type=Path, default=Path("output"), help="发布目录，默认 output/")
    build.add_argument("--publish", action="store_true", help="用 publishconf.py（正式地址）生成")
    build.add_argument("--workers", type=int, help="同时生成的子网站数，默认为 CPU 核数（县门户网站在子网站的文档读完后即开始生成，不占名额）")
    build.add_argument("--force", action="store_true", help="全部重新生成，不跳过未改动的网站")
    build.add_argument("--repo", type=Path, help=argparse.SUPPRESS)  # another checkout's sites/ (tests)
    args = parser.parse_args(argv)
    # SIGTERM ends the run as Ctrl-C does: the builds under way are ended, nothing else starts
    signal.signal(signal.SIGTERM, _interrupt)
    start = time.perf_counter()
    try:
        cluster = runner.Cluster(args.output, publish=args.publish, repo=args.repo)
    except SiteError as exc:
        print(f"{exc}\n网站设置有误，未生成网站", file=sys.stderr)
        return 1
    if args.site is not None and args.site not in cluster.ids:
        print(f"没有网站 {args.site}；可用：{'、'.join(cluster.ids)}", file=sys.stderr)
        return 2
    try:
        results = cluster.build(args.site, args.workers, args.force)
    except KeyboardInterrupt:
        print("生成被中断：正在生成的网站已停止，未生成完整", file=sys.stderr)
        return 130
    for r in results:
        if r.status == "failed":
            print(f"--- {r.site} ---\n{r.log.rstrip()}", file=sys.stderr)
    runner.report(results, time.perf_counter() - start, server_cpu=cluster.server_cpu)
    if any(r.status == "failed" for r in results):
        print("有网站生成失败，见上面的信息", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
