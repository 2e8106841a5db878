"""Instructions per request, counted by callgrind: an API submission against the bare ``/insert``.

Requests per second on this shared two-core machine move by half from one minute to the next (the
same code ran 668 and 413 submissions/s half an hour apart), so a change of 5 % to the request
path cannot be seen with wrk, nor with CPU time in one process. Valgrind's callgrind counts the
instructions a process executes, which is the same on every run of the same code whatever else
the machine does. This script measures the two requests of ``harness.loadtest`` that make its
ratio, each in its own process under callgrind:

* ``submit``: ``POST /api/v1/messages`` through formsvc's whole WSGI app (rate limit in Redis when
  one answers on 127.0.0.1:6379, else in memory; validation; the four statements and COMMIT);
* ``insert``: ``POST /insert`` of ``harness.loadtest``'s bare Flask app (one INSERT, one COMMIT).

Each process starts with instrumentation off, warms up (imports, compiled statements, caches),
then counts ``--requests`` requests. Counted is user space only: the kernel's ``fsync`` and socket
work, gunicorn and wrk are not in it (they are the same for both requests, and wrk measures them).

A count shows that a change did something, not how much time it saves: interpreter code runs at
about 8 instructions per nanosecond here and a whole submission at about 3 (its system calls and
SQLite pages are not counted or count cheaply), so size a change in CPU time as well
(docs/performance.md, "fourth pass").

    python -m harness.instructions [--requests 200] [--target submit|insert|both]

Needs valgrind (Debian package ``valgrind``). Never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

WARMUP = 300
INSERT_TEXT = "请问社保卡补办需要带哪些材料，在哪里办理？"


def _submit_app(work: Path) -> tuple[Any, Callable[[int], dict[str, Any]]]:
    from werkzeug.test import EnvironBuilder

    from formsvc import create_app
    from harness.loadtest import environ, prepare_formsvc, submission_body

    env = prepare_formsvc(work)
    with environ(env):
        app = create_app()

    def request(n: int) -> dict[str, Any]:
        body = json.dumps(submission_body(n), ensure_ascii=False).encode("utf-8")
        return EnvironBuilder(path="/api/v1/messages", method="POST", data=body,
                              content_type="application/json",
                              environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()

    return app, request


def _insert_app(work: Path) -> tuple[Any, Callable[[int], dict[str, Any]]]:
    from werkzeug.test import EnvironBuilder

    from harness.loadtest import baseline_app, environ

    with environ({"BASELINE_DATABASE_URL": f"sqlite:///{work / 'baseline.sqlite3'}"}):
        app = baseline_app()

    def request(n: int) -> dict[str, Any]:
        return EnvironBuilder(path="/insert", method="POST", data=f"{INSERT_TEXT}{n}".encode(),
                              environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()

    return app, request


APPS = {"submit": _submit_app, "insert": _insert_app}


def child(target: str, requests: int) -> int:
    """Run under callgrind: warm up, then count ``requests`` requests between two handshakes."""
    work = Path(tempfile.mkdtemp(prefix=f"instructions-{target}-"))
    try:
        app, make = APPS[target](work)
        environs = [make(n) for n in range(WARMUP + requests)]
        statuses: list[str] = []

        def start_response(status: str, _headers: Any, _exc: Any = None) -> None:
            statuses.append(status)

        def call(env: dict[str, Any]) -> None:
            b"".join(app(env, start_response))

        for env in environs[:WARMUP]:
            call(env)
        print("READY", flush=True)
        sys.stdin.readline()
        for env in environs[WARMUP:]:
            call(env)
        print("DONE", flush=True)
        sys.stdin.readline()
        failed = [s for s in statuses if not s.startswith("2")]
        print(json.dumps({"failed": len(failed), "first_failure": failed[:1]}), flush=True)
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def count(target: str, requests: int) -> dict[str, Any]:
    """Instructions per request of ``target``, from a callgrind run of this module as a child."""
    out_dir = Path(tempfile.mkdtemp(prefix="callgrind-"))
    out = out_dir / "callgrind.out"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
         sys.executable, "-m", "harness.instructions", "--child", target,
         "--requests", str(requests)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=env, cwd=Path(__file__).resolve().parents[1])
    assert proc.stdin is not None and proc.stdout is not None

    def expect(word: str) -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.strip() == word:
                return
        raise RuntimeError(f"{target}: the child ended before {word}")

    def instrumentation(on: bool) -> None:
        subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(proc.pid)],
                       check=True, capture_output=True)

    try:
        expect("READY")
        instrumentation(True)
        proc.stdin.write("\n")
        proc.stdin.flush()
        expect("DONE")
        instrumentation(False)
        proc.stdin.write("\n")
        proc.stdin.flush()
        tail = proc.stdout.read()
        if proc.wait() != 0:
            raise RuntimeError(f"{target}: requests failed: {tail.strip()}")
        total = 0
        for path in out_dir.glob("callgrind.out*"):
            text = path.read_text(errors="replace")
            for m in re.finditer(r"^(?:summary|totals): (\d+)", text, re.M):
                total = max(total, int(m.group(1)))
        return {"target": target, "requests": requests, "instructions": total,
                "per_request": round(total / requests)}
    finally:
        if proc.poll() is None:
            proc.kill()
        shutil.rmtree(out_dir, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--requests", type=int, default=200, help="计数的请求数（预热另有 300 次）")
    p.add_argument("--target", choices=["submit", "insert", "both"], default="both")
    p.add_argument("--child", choices=sorted(APPS), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        return child(args.child, args.requests)
    if shutil.which("valgrind") is None:
        print("需要 valgrind（Debian 软件包 valgrind）", file=sys.stderr)
        return 2
    targets = ["submit", "insert"] if args.target == "both" else [args.target]
    results = {t: count(t, args.requests) for t in targets}
    for r in results.values():
        print(f"{r['target']}: 每请求 {r['per_request']:,} 条指令（{r['requests']} 次请求）")
    if len(results) == 2:
        ratio = results["insert"]["per_request"] / results["submit"]["per_request"]
        print(f"INSERT / 完整提交（指令数）= {ratio:.3f}")
        results["insert_vs_submit"] = round(ratio, 3)  # type: ignore[assignment]
    print(json.dumps(results, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
