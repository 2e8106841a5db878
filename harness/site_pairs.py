"""One site's full build with two checkouts in turn: the CPU each costs, in pairs (prints figures).

``python -m harness.site_pairs --dir D --site s050 --other /path/to/checkout --pairs 6`` builds
the site ``--site`` of a tree that ``harness.cluster_bench --dir D`` left (``D/repo``,
``D/output``) in full, once with this checkout's code and once with ``--other``'s (its own
``.venv``), ``--pairs`` times in turn, and prints each build's CPU seconds (the build's processes,
then the fork server's).

Why: this machine's speed moves by up to 1.9× within half an hour (docs/performance.md, runs 7
and 8), so two cold cluster builds ten minutes apart do not compare. Builds of a few seconds that
alternate do: the drift reaches both sides of a pair alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from portal.sites import REPO_ROOT

# what each side runs, in its own checkout (its code is the one imported there)
BUILD = """
import json, sys
from pathlib import Path
from portal.cluster import runner
cluster = runner.Cluster(Path(sys.argv[2]), repo=Path(sys.argv[1]))
results = cluster.build(only=sys.argv[3], force=True, workers=1)
failed = [r.site for r in results if r.status == "failed"]
print(json.dumps({"cpu": sum(r.cpu for r in results if r.site == sys.argv[3]),
                  "server": cluster.server_cpu, "failed": failed}))
"""


def build_once(checkout: Path, tree: Path, site: str) -> dict[str, float]:
    python = checkout / ".venv" / "bin" / "python"
    run = subprocess.run([str(python), "-c", BUILD, str(tree / "repo"), str(tree / "output"), site],
                         cwd=checkout, capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"{checkout} 生成 {site} 失败：\n{run.stderr[-3000:]}")
    out = json.loads(run.stdout.strip().splitlines()[-1])
    if out["failed"]:
        raise SystemExit(f"{checkout} 生成失败：{out['failed']}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.site_pairs",
                                     description="同一个网站用两份代码轮流完整生成，比较 CPU（打印数字，不是测试）")
    parser.add_argument("--dir", type=Path, required=True, help="harness.cluster_bench --dir 留下的目录")
    parser.add_argument("--site", default="s001", help="生成的网站，默认 s001")
    parser.add_argument("--other", type=Path, required=True, help="另一份代码（含 .venv 的检出目录）")
    parser.add_argument("--pairs", type=int, default=6, help="轮流的次数，默认 6")
    args = parser.parse_args(argv)
    if not (args.dir / "repo").is_dir() or not (args.dir / "output").is_dir():
        print(f"{args.dir} 里没有 repo/ 和 output/：请先用 harness.cluster_bench --dir 生成一次", file=sys.stderr)
        return 1
    sides = {"this": REPO_ROOT, "other": args.other.resolve()}
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    for n in range(args.pairs):
        for name, checkout in sides.items():
            out = build_once(checkout, args.dir.resolve(), args.site)
            cpu[name].append(out["cpu"])
            print(f"第 {n + 1} 对 {name}：CPU {out['cpu']:.2f} 秒（fork 服务器 {out['server']:.2f} 秒）", flush=True)
    lower = sum(a < b for a, b in zip(cpu["this"], cpu["other"], strict=True))
    print(f"中位数：本检出 {statistics.median(cpu['this']):.2f} 秒，另一份 {statistics.median(cpu['other']):.2f} 秒；"
          f"本检出较低 {lower}/{args.pairs} 对")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
