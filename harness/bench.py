"""``scripts/bench``: how fast the portal builds, previews and answers, against baselines.

Everything runs on this machine, in one run, on the same synthetic input (``harness.synth``):

* site build with our theme and plugins vs plain Pelican (default theme, no plugins) on the same
  documents: cold, rebuilt with nothing changed, rebuilt with one document changed; wall time,
  CPU time (user + system of the build process and its children, e.g. the search index worker)
  and peak memory (max RSS of the largest process);
* edit-to-preview: from writing one changed document to ``scripts/preview`` serving the new text,
  for the document's own page and its section list page;
* the message service under load (see ``harness.loadtest``), when ``--service`` is given.

Prints a table and writes JSON (``--json``). Benchmarks print figures; tests never assert timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness import REPO_ROOT, stop, synth
from harness.ports import reserved_port

VENV_BIN = Path(sys.executable).parent
DATE_LINE = re.compile(r'^date: "?(\d{4}-\d{2}-\d{2}[ \d:]*)"?$', re.M)
TITLE_LINE = re.compile(r"^title: (.*)$", re.M)


@dataclass
class Run:
    """One measured process."""

    wall: float
    cpu: float
    rss_mb: float
    rc: int
    load: float = 0.0  # 1-minute load average when it started: other work on the machine


def measure(cmd: list[str], cwd: Path, log: Path) -> Run:
    """Run a command to the end; wall clock, CPU (user + sys) and max RSS of that process tree."""
    load = os.getloadavg()[0]
    with open(log, "ab") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
    return Run(round(wall, 2), round(usage.ru_utime + usage.ru_stime, 2),
               round(usage.ru_maxrss / 1024, 1), proc.returncode, round(load, 2))


def corpus(workdir: Path, n: int, seed: int) -> tuple[Path, Path]:
    """Our content tree and its plain-Pelican conversion, generated once per (n, seed)."""
    base = workdir / f"corpus-n{n}-s{seed}"
    stamp = base / ".complete"
    if not stamp.exists():
        shutil.rmtree(base, ignore_errors=True)
        synth.generate(base / "content", n, seed)
        synth.to_plain(base / "content", base / "plain" / "content")
        (base / "plain" / "pelicanconf.py").write_text(synth.PLAIN_SETTINGS, encoding="utf-8")
        stamp.write_text(dt.datetime.now().isoformat(), encoding="utf-8")
    return base / "content", base / "plain"


def newest_of(content: Path, directory: str) -> Path:
    """The newest document in a directory of the tree (it is on page 1 of every list)."""
    best: tuple[str, Path] | None = None
    for path in (content / directory).rglob("*.md"):
        m = DATE_LINE.search(path.read_text(encoding="utf-8"))
        if m and (best is None or m.group(1) > best[0]):
            best = (m.group(1), path)
    assert best is not None, directory
    return best[1]


def retitle(path: Path, suffix: str) -> tuple[str, str]:
    """Append a suffix to a document's title; returns (old text, new title)."""
    text = path.read_text(encoding="utf-8")
    m = TITLE_LINE.search(text)
    assert m
    title = m.group(1).strip().strip('"') + suffix
    path.write_text(text[: m.start(1)] + title + text[m.end(1):], encoding="utf-8")
    return text, title


def retitle_plain(path: Path, suffix: str) -> str:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^Title: (.*)$", lambda m: m.group(0) + suffix, text, count=1,
                           flags=re.M), encoding="utf-8")
    return text


# ---- builds ------------------------------------------------------------------------------------


def site_plugins() -> list[str]:
    from pelican.settings import read_settings

    return list(read_settings(str(REPO_ROOT / "pelicanconf.py")).get("PLUGINS", []))


def bench_build(n: int, seed: int, workdir: Path, plain: bool = True) -> dict[str, Any]:
    content, plain_dir = corpus(workdir, n, seed)
    log = workdir / f"build-n{n}.log"
    out = workdir / f"out-ours-n{n}"
    pelican = str(VENV_BIN / "pelican")
    ours_cmd = [pelican, str(content), "-s", str(REPO_ROOT / "pelicanconf.py"), "-o", str(out)]
    result: dict[str, Any] = {"documents": n, "seed": seed}
    shutil.rmtree(out, ignore_errors=True)
    result["ours_cold"] = asdict(measure(ours_cmd, REPO_ROOT, log))
    result["ours_nochange"] = asdict(measure(ours_cmd, REPO_ROOT, log))
    changed = newest_of(content, "zwdt")
    old, _ = retitle(changed, "（修订）")
    try:
        result["ours_onechange"] = asdict(measure(ours_cmd, REPO_ROOT, log))
    finally:
        changed.write_text(old, encoding="utf-8")
    plugins = site_plugins()
    if "searchindex" in plugins:
        # the same build without the search index, which costs more than the rest of the site
        without = [p for p in plugins if p != "searchindex"]
        shutil.rmtree(out, ignore_errors=True)
        result["ours_nosearch_cold"] = asdict(measure(
            [*ours_cmd, "-e", f"PLUGINS={json.dumps(without)}"], REPO_ROOT, log))
        # the index written in the Pelican process after rendering instead of by the worker
        # process alongside it (docs/search.md): what the overlap saves
        shutil.rmtree(out, ignore_errors=True)
        result["ours_fgsearch_cold"] = asdict(measure(
            [*ours_cmd, "-e", 'SEARCHINDEX={"background": false}'], REPO_ROOT, log))
    if plain:
        pout = plain_dir / "output"
        plain_cmd = [pelican, "content", "-s", "pelicanconf.py", "-o", "output"]
        shutil.rmtree(pout, ignore_errors=True)
        shutil.rmtree(plain_dir / "cache", ignore_errors=True)
        result["plain_cold"] = asdict(measure(plain_cmd, plain_dir, log))
        result["plain_nochange"] = asdict(measure(plain_cmd, plain_dir, log))
        pchanged = plain_dir / "content" / changed.relative_to(content)
        pold = retitle_plain(pchanged, "（修订）")
        try:
            result["plain_onechange"] = asdict(measure(plain_cmd, plain_dir, log))
        finally:
            pchanged.write_text(pold, encoding="utf-8")
        for key in ("nosearch_cold", "fgsearch_cold"):
            if f"ours_{key}" in result:
                o, p = result[f"ours_{key}"], result["plain_cold"]
                result[f"ratio_{key}_wall"] = round(o["wall"] / p["wall"], 2)
                result[f"ratio_{key}_cpu"] = round(o["cpu"] / p["cpu"], 2)
        for key in ("cold", "nochange", "onechange"):
            o, p = result[f"ours_{key}"], result[f"plain_{key}"]
            result[f"ratio_{key}_wall"] = round(o["wall"] / p["wall"], 2) if p["wall"] else None
            result[f"ratio_{key}_cpu"] = round(o["cpu"] / p["cpu"], 2) if p["cpu"] else None
    result["failed"] = [k for k, v in result.items() if isinstance(v, dict) and v.get("rc")]
    return result


# ---- edit-to-preview ---------------------------------------------------------------------------


def fetch(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, ""
    except (OSError, http.client.HTTPException):  # not up yet, or a page being rewritten
        return 0, ""


def wait_for(url: str, needle: str, deadline: float) -> float | None:
    """Poll url every 10 ms until its body contains needle; the time it happened, or None."""
    while time.perf_counter() < deadline:
        status, body = fetch(url)
        if status == 200 and needle in body:
            return time.perf_counter()
        time.sleep(0.01)
    return None


def wait_gone(url: str, needle: str, deadline: float) -> None:
    """Poll url until its body no longer contains needle (the edit was undone)."""
    while time.perf_counter() < deadline:
        status, body = fetch(url)
        if status == 200 and needle not in body:
            return
        time.sleep(0.02)


SAMPLES = (  # (directory, list page the newest document is on)
    ("zwdt", None),  # news: its column page, found from the URL
    ("xxgk/wj", "xxgk/ml/"),
    ("bsfw", "bsfw/bm/{department}/"),  # guides: the department's list, newest first
)


def bench_preview(n: int, seed: int, workdir: Path, rounds: int = 2) -> dict[str, Any]:
    with reserved_port() as port:  # the preview's until it has stopped (harness.ports)
        return _bench_preview(n, seed, workdir, rounds, port)


def _bench_preview(n: int, seed: int, workdir: Path, rounds: int, port: int) -> dict[str, Any]:
    from portal import schema

    content, _ = corpus(workdir, n, seed)
    out = workdir / f"out-preview-n{n}"
    shutil.rmtree(out, ignore_errors=True)
    base = f"http://127.0.0.1:{port}"
    log = open(workdir / f"preview-n{n}.log", "ab")  # noqa: SIM115 (closed below)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "scripts" / "preview"), "--content", str(content),
         "--output", str(out), "--port", str(port)],
        cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT)
    result: dict[str, Any] = {"documents": n, "edits": []}
    try:
        status = None
        while time.perf_counter() - started < 900:
            code, body = fetch(f"{base}/_preview/status")
            if code == 200:
                status = json.loads(body)
                break
            if proc.poll() is not None:
                raise RuntimeError(f"preview exited with {proc.returncode}")
            time.sleep(0.5)
        if status is None:
            raise RuntimeError("preview did not start")
        result["initial_build_s"] = status["build_seconds"]
        result["ready_s"] = round(time.perf_counter() - started, 2)
        for r in range(rounds):
            for directory, list_page in SAMPLES:
                path = newest_of(content, directory)
                rel = path.relative_to(content).as_posix()
                t = schema.doc_type_for(rel)
                old, title = retitle(path, f" 预览{r + 1}")
                try:
                    meta_column = re.search(r"^column: (\w+)$", old, re.M)
                    url = schema.url_for(t, rel, {"column": meta_column.group(1) if meta_column else ""})
                    dept = re.search(r"^department: (\w+)$", old, re.M)
                    lst = (list_page or url.rsplit("/", 1)[0] + "/").format(
                        department=dept.group(1) if dept else "")
                    t0 = time.perf_counter()
                    # the file is written by retitle just before t0; re-stamp to be exact
                    path.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
                    t_page = wait_for(f"{base}/{url}", title, t0 + 60)
                    t_list = wait_for(f"{base}/{lst}", title, t0 + 60)
                    _, body = fetch(f"{base}/_preview/status")
                    last = json.loads(body).get("last") or {}
                    result["edits"].append({
                        "document": rel, "page": url, "list": lst,
                        "page_s": round(t_page - t0, 3) if t_page else None,
                        "list_s": round(t_list - t0, 3) if t_list else None,
                        "written": last.get("written"), "skipped": last.get("skipped"),
                        "update_s": last.get("seconds"),
                    })
                finally:
                    path.write_text(old, encoding="utf-8")
                    wait_gone(f"{base}/{url}", title, time.perf_counter() + 60)
    finally:
        stop(proc)
        log.close()
    page = [e["page_s"] for e in result["edits"] if e["page_s"] is not None]
    lists = [e["list_s"] for e in result["edits"] if e["list_s"] is not None]
    result["page_max_s"] = max(page) if page else None
    result["list_max_s"] = max(lists) if lists else None
    result["failed"] = len(page) < len(result["edits"]) or len(lists) < len(result["edits"])
    return result


# ---- report ------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    lines = []
    builds = results.get("build", [])
    if builds:
        lines += ["## 生成（墙钟 / CPU 秒 / 峰值内存 MB）", "",
                  "| 文档数 | 场景 | 本项目 | 纯 Pelican | 比值（墙钟 / CPU） |",
                  "|---|---|---|---|---|"]
        names = {"cold": "冷启动全量", "nochange": "无改动重建", "onechange": "改一篇重建",
                 "nosearch_cold": "冷启动全量（不建搜索索引）",
                 "fgsearch_cold": "冷启动全量（索引在渲染后、同一进程内建）"}
        for b in builds:
            for key, label in names.items():
                o = b.get(f"ours_{key}")
                p = b.get(f"plain_{key.replace('nosearch_', '').replace('fgsearch_', '')}")
                if o is None:
                    continue
                fo = f"{o['wall']:.1f} / {o['cpu']:.1f} / {o['rss_mb']:.0f}" if o else "-"
                fp = f"{p['wall']:.1f} / {p['cpu']:.1f} / {p['rss_mb']:.0f}" if p else "-"
                ratio = (f"{b.get(f'ratio_{key}_wall')} / {b.get(f'ratio_{key}_cpu')}"
                         if p else "-")
                lines.append(f"| {b['documents']:,} | {label} | {fo} | {fp} | {ratio} |")
        lines.append("")
    prev = results.get("preview")
    if prev:
        lines += [f"## 编辑到预览（{prev['documents']:,} 篇；预览首次完整生成 "
                  f"{prev.get('initial_build_s')} 秒）", "",
                  "| 文档 | 文档页（秒） | 列表页（秒） | 重写页面 | 跳过未变页面 |", "|---|---|---|---|---|"]
        for e in prev["edits"]:
            lines.append(f"| {e['document']} | {e['page_s']} | {e['list_s']} | {e['written']} | "
                         f"{e['skipped']} |")
        lines.append("")
    svc = results.get("service")
    if svc:
        from harness import loadtest

        lines += loadtest.table(svc)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="文档数，逗号分隔")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="结果写入此 JSON 文件")
    parser.add_argument("--workdir", type=Path,
                        default=Path(os.environ.get("TMPDIR", "/tmp")) / "portal-bench",
                        help="合成内容和输出目录（按文档数和种子缓存）")
    parser.add_argument("--no-plain", action="store_true", help="不测纯 Pelican 基线")
    parser.add_argument("--no-build", action="store_true", help="不测生成")
    parser.add_argument("--no-preview", action="store_true", help="不测编辑到预览")
    parser.add_argument("--preview-size", type=int, help="编辑到预览用的文档数（默认最大的 --sizes）")
    parser.add_argument("--service", action="store_true", help="同时测留言服务（见 harness.loadtest）")
    parser.add_argument("--messages", type=int, default=1_000_000,
                        help="留言服务查询测试的库中留言数")
    parser.add_argument("--duration", type=float, default=8.0, help="每个压测端点的秒数")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "seed": args.seed,
    }
    if not args.no_build:
        results["build"] = []
        for n in sizes:
            print(f"[bench] build {n} …", flush=True)
            results["build"].append(bench_build(n, args.seed, args.workdir, not args.no_plain))
    if not args.no_preview and sizes:
        n = args.preview_size or max(sizes)
        print(f"[bench] edit-to-preview {n} …", flush=True)
        results["preview"] = bench_preview(n, args.seed, args.workdir)
    if args.service:
        from harness import loadtest

        print("[bench] message service …", flush=True)
        results["service"] = loadtest.run(args.workdir, messages=args.messages,
                                          duration=args.duration)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
