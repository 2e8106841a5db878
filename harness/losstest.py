"""``scripts/loss-test``: no acknowledged submission is ever lost, even when the server is killed.

A real formsvc under gunicorn (several workers, ``deploy/gunicorn.conf.py``) on loopback takes
submissions from many concurrent clients, most through the JSON API and some through the HTML form
(GET the form for its CSRF token and session cookie, POST it, read the tracking number from the
303 redirect). Every submission carries a unique marker in its subject. Afterwards the database is
compared with what the clients were told:

* every acknowledged submission (201 with a tracking number, or 303 to its receipt) is stored
  exactly once, under that tracking number, with its ``submit`` event and its outbox row;
* nothing is stored that no client sent, no tracking number twice, no event or outbox row without
  its message, no message without its event and outbox row (nothing half-written).

The kill run does the same, then kills the whole server (master and workers, SIGKILL, no chance to
clean up) in the middle of the load, restarts it and checks that everything acknowledged before
the kill is stored, that the submissions in flight at the kill are each either complete or absent,
and that the restarted server takes new submissions.

``python -m harness.losstest [--submissions 10000] [--clients 50] [--postgres URL] [--kill]``
prints the figures (JSON with ``--json``). ``--postgres URL`` creates a new database beside the one
in URL (the role needs CREATEDB) and drops it afterwards; without it the run uses SQLite.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness import REPO_ROOT
from harness.loadtest import Gunicorn, prepare_formsvc, wait_http

WORKERS = 4
FORM_EVERY = 10  # every 10th submission goes through the HTML form, the rest through the API
DEPARTMENTS = ("rsj", "mzj", "jyj", "wsjkj", "zjj", "ylbzj", "xzspj", "")
CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
VALUE_RE = re.compile(r'value="([^"]*)"')
NUMBER_RE = re.compile(r"/receipt/([A-Z0-9-]+)")
MARKER_RE = re.compile(r"LOSS-[0-9a-f]+-\d+")


@dataclass
class Outcome:
    """What one client was told about one submission."""

    marker: str
    via: str  # "api" or "form"
    sent: bool = False  # the POST left the client (False: failed before, e.g. getting the form)
    status: int | None = None
    number: str = ""  # the tracking number the client was given: acknowledged
    error: str = ""


class KillableGunicorn(Gunicorn):
    """gunicorn in a process group of its own, so one SIGKILL takes master and workers at once."""

    def __enter__(self) -> KillableGunicorn:
        out = open(self.log, "ab")  # noqa: SIM115 (owned by the process's lifetime)
        self.proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c",
             str(REPO_ROOT / "deploy" / "gunicorn.conf.py"), self.app],
            cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)
        out.close()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            super().__exit__(*exc)
        self._reap_group()

    def kill(self) -> int:
        """SIGKILL to every process of the server; returns how many there were."""
        assert self.proc is not None
        pids = group_pids(self.proc.pid)
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._reap_group()
        return len(pids)

    def _reap_group(self) -> None:
        if self.proc is None:
            return
        deadline = time.monotonic() + 30
        while group_pids(self.proc.pid) and time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                break
            time.sleep(0.1)


def group_pids(pgid: int) -> list[int]:
    """Living (not zombie) processes of a process group, from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


# --- clients -----------------------------------------------------------------------------------


def body_for(marker: str, n: int) -> dict[str, str]:
    return {
        "kind": ("zx", "jy", "ts")[n % 3], "name": "张三", "phone": f"139{n % 10**8:08d}",
        "email": "", "department": DEPARTMENTS[n % len(DEPARTMENTS)],
        "subject": f"丢失测试 {marker}",
        "content": f"请问社保卡补办需要带哪些材料，在哪里办理？编号 {marker}",
    }


class Client:
    """One citizen's browser or app: its own cookies, one request at a time."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def _request(self, method: str, path: str, body: bytes | None = None,
                 headers: dict[str, str] | None = None,
                 on_sent: Callable[[], None] | None = None) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            h = dict(headers or {})
            if self.cookies:
                h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=h)
            if on_sent is not None:
                on_sent()
            resp = conn.getresponse()
            data = resp.read()
            for value in resp.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def submit_api(self, out: Outcome, data: dict[str, str]) -> None:
        status, _, raw = self._request(
            "POST", "/api/v1/messages", json.dumps(data, ensure_ascii=False).encode(),
            {"Content-Type": "application/json"}, on_sent=lambda: setattr(out, "sent", True))
        out.status = status
        if status == 201:
            out.number = json.loads(raw)["tracking_number"]

    def submit_form(self, out: Outcome, data: dict[str, str]) -> None:
        kind = data["kind"]
        if not self.csrf:
            status, _, page = self._request("GET", f"/hdjl/{kind}/new")
            tag = CSRF_RE.search(page.decode("utf-8", "replace"))
            value = VALUE_RE.search(tag.group(0)) if tag else None
            if status != 200 or value is None:
                out.error = f"form page: HTTP {status}"
                return
            self.csrf = value.group(1)
        fields = {k: v for k, v in data.items() if k != "kind"}
        fields["csrf_token"] = self.csrf
        status, headers, _ = self._request(
            "POST", f"/hdjl/{kind}/new", urllib.parse.urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
            on_sent=lambda: setattr(out, "sent", True))
        out.status = status
        m = NUMBER_RE.search(headers.get("location", ""))
        if status == 303 and m:
            out.number = m.group(1)


def load(port: int, run_id: str, numbers: range, clients: int,
         stop: threading.Event | None = None,
         on_ack: Callable[[int], None] | None = None) -> list[Outcome]:
    """``clients`` threads send the submissions ``numbers`` until done or ``stop`` is set."""
    stop = stop or threading.Event()
    todo: Iterator[int] = iter(numbers)
    lock = threading.Lock()
    outcomes: list[Outcome] = []
    acked = [0]

    def worker() -> None:
        client = Client(port)
        while not stop.is_set():
            with lock:
                n = next(todo, None)
            if n is None:
                return
            via = "form" if n % FORM_EVERY == 0 else "api"
            out = Outcome(marker=f"LOSS-{run_id}-{n}", via=via)
            try:
                data = body_for(out.marker, n)
                (client.submit_form if via == "form" else client.submit_api)(out, data)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                out.error = f"{type(exc).__name__}: {exc}"
                client.csrf = ""
            with lock:
                outcomes.append(out)
                if out.number:
                    acked[0] += 1
                    if on_ack is not None:
                        on_ack(acked[0])

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


# --- the database side ---------------------------------------------------------------------


@dataclass
class Stored:
    """The run's rows as the database has them."""

    by_marker: dict[str, list[str]]  # marker → tracking numbers stored with it
    numbers: Counter[str]
    messages: int
    events: dict[int, int]  # message id → events
    outbox: dict[int, int]  # message id → outbox rows
    message_ids: set[int]
    orphan_events: int
    orphan_outbox: int


def read_stored(url: str, run_id: str) -> Stored:
    from sqlalchemy import func, select

    from formsvc.db import make_engine
    from formsvc.models import Event, Message, OutboxNotification

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Message.id, Message.tracking_number, Message.subject)
                                .where(Message.subject.like(f"%LOSS-{run_id}-%"))).all()
            events = dict(conn.execute(select(Event.message_id, func.count())
                                       .group_by(Event.message_id)).all())
            outbox = dict(conn.execute(select(OutboxNotification.message_id, func.count())
                                       .group_by(OutboxNotification.message_id)).all())
            all_ids = set(conn.scalars(select(Message.id)))
    finally:
        engine.dispose()
    by_marker: dict[str, list[str]] = {}
    for _, number, subject in rows:
        m = MARKER_RE.search(subject)
        by_marker.setdefault(m.group(0) if m else subject, []).append(number)
    ids = {r[0] for r in rows}
    return Stored(by_marker, Counter(r[1] for r in rows), len(rows),
                  {i: events.get(i, 0) for i in ids}, {i: outbox.get(i, 0) for i in ids}, ids,
                  sum(n for i, n in events.items() if i not in all_ids),
                  sum(n for i, n in outbox.items() if i is not None and i not in all_ids))


@dataclass
class Check:
    """The comparison of what clients were told with what is stored."""

    sent: int = 0
    acknowledged: int = 0
    via: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    in_doubt: int = 0  # sent, no answer (the kill): each must be complete or absent
    in_doubt_stored: int = 0
    stored: int = 0
    missing: int = 0  # acknowledged but not stored
    wrong_number: int = 0  # stored under another number than acknowledged
    duplicates: int = 0  # a marker or a tracking number stored twice
    unexpected: int = 0  # stored, but a client was told it failed (4xx/5xx)
    half_written: int = 0  # a message without exactly one event and one outbox row, or orphans
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.wrong_number or self.duplicates or self.unexpected
                    or self.half_written)


def check(outcomes: list[Outcome], stored: Stored) -> Check:
    c = Check()
    c.sent = sum(o.sent for o in outcomes)
    c.acknowledged = sum(bool(o.number) for o in outcomes)
    c.via = dict(Counter(o.via for o in outcomes if o.number))
    c.statuses = dict(Counter(str(o.status) for o in outcomes))
    c.errors = sum(bool(o.error) for o in outcomes)
    c.stored = stored.messages
    known = {o.marker for o in outcomes}
    for o in outcomes:
        numbers = stored.by_marker.get(o.marker, [])
        if o.number:
            if not numbers:
                c.missing += 1
                c.problems.append(f"acknowledged, not stored: {o.marker} {o.number}")
            elif numbers != [o.number]:
                c.wrong_number += 1
                c.problems.append(f"{o.marker}: acknowledged {o.number}, stored {numbers}")
        elif o.sent and o.status is None:
            c.in_doubt += 1
            c.in_doubt_stored += bool(numbers)
        elif numbers:
            c.unexpected += 1
            c.problems.append(f"{o.marker}: answered {o.status} {o.error}, yet stored {numbers}")
        if len(numbers) > 1:
            c.duplicates += 1
            c.problems.append(f"{o.marker} stored {len(numbers)} times")
    strangers = set(stored.by_marker) - known
    c.unexpected += len(strangers)
    c.problems += [f"stored, never sent: {m}" for m in sorted(strangers)[:10]]
    twice = [n for n, k in stored.numbers.items() if k > 1]
    c.duplicates += len(twice)
    for mid in stored.message_ids:
        if stored.events[mid] != 1 or stored.outbox[mid] != 1:
            c.half_written += 1
            c.problems.append(f"message {mid}: {stored.events[mid]} events, "
                              f"{stored.outbox[mid]} outbox rows")
    if stored.orphan_events or stored.orphan_outbox:
        c.half_written += stored.orphan_events + stored.orphan_outbox
        c.problems.append(f"orphans: {stored.orphan_events} events, "
                          f"{stored.orphan_outbox} outbox rows")
    c.problems = c.problems[:30]
    return c


# --- runs ----------------------------------------------------------------------------------


@contextmanager
def postgres_database(url: str) -> Iterator[str]:
    """A new database beside the one in ``url``, dropped afterwards."""
    from sqlalchemy import create_engine, make_url, text

    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{base.database}_loss_{secrets.token_hex(3)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def server_env(workdir: Path, database_url: str | None) -> dict[str, str]:
    env = prepare_formsvc(workdir, database_url)
    # the load comes from one address: lift the per-address limits (in each worker's memory),
    # without changing the defaults
    env.update({"FORMSVC_RATELIMIT_STORAGE_URI": "memory://",
                "FORMSVC_SUBMIT_RATE_LIMIT": "100000000 per hour",
                "FORMSVC_TRACK_RATE_LIMIT": "100000000 per hour",
                "FORMSVC_MAIL_BACKEND": "console"})
    return env


def run(workdir: Path, submissions: int = 10_000, clients: int = 50,
        database_url: str | None = None, kill: bool = False, workers: int = WORKERS,
        after_restart: int | None = None) -> dict[str, Any]:
    """One run; see the module docstring. ``kill``: SIGKILL the server half-way, restart, go on."""
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = server_env(workdir, database_url)
    url = env["DATABASE_URL"]
    run_id = secrets.token_hex(4)
    log = workdir / "gunicorn.log"
    result: dict[str, Any] = {"engine": url.split(":", 1)[0].split("+")[0], "workers": workers,
                              "clients": clients, "submissions": submissions, "kill": kill,
                              "load_before": round(os.getloadavg()[0], 2)}
    cpu0 = _children_cpu()
    t0 = time.monotonic()
    with KillableGunicorn("formsvc.server.wsgi:app", env, log, workers=workers) as server:
        wait_http(f"{server.base}/api/v1/kinds")
        if not kill:
            outcomes = load(server.port, run_id, range(submissions), clients)
            result["seconds"] = round(time.monotonic() - t0, 2)
        else:
            stop = threading.Event()
            half = submissions // 2
            killed: dict[str, Any] = {}

            def on_ack(n: int) -> None:
                if n >= half and not stop.is_set():
                    stop.set()
                    killed["processes"] = server.kill()
                    killed["at_ack"] = n

            outcomes = load(server.port, run_id, range(submissions), clients, stop, on_ack)
            result["killed_processes"] = killed.get("processes", 0)
            result["seconds"] = round(time.monotonic() - t0, 2)
    if kill:
        before = check(outcomes, read_stored(url, run_id))
        result["before_kill"] = asdict(before)
        result["ok_before_kill"] = before.ok and result["killed_processes"] > 1
        # restart on the same database: it must take new submissions at once
        more = after_restart if after_restart is not None else max(clients, submissions // 10)
        with KillableGunicorn("formsvc.server.wsgi:app", env, log, workers=workers) as server:
            wait_http(f"{server.base}/api/v1/kinds")
            outcomes += load(server.port, run_id, range(submissions, submissions + more), clients)
        result["after_restart_sent"] = more
    # CPU of the server's processes as reaped by us: only meaningful without the kill (killed
    # workers are reaped by init, not by their master)
    result["cpu_seconds_server"] = None if kill else round(_children_cpu() - cpu0, 1)
    final = check(outcomes, read_stored(url, run_id))
    result["check"] = asdict(final)
    result["ok"] = final.ok and (not kill or result["ok_before_kill"]) and (
        final.acknowledged > 0)
    if kill:
        after = [o for o in outcomes[-(result["after_restart_sent"]):]]
        result["acknowledged_after_restart"] = sum(bool(o.number) for o in after)
        result["ok"] = result["ok"] and result["acknowledged_after_restart"] == len(after)
    else:
        result["ok"] = result["ok"] and final.acknowledged == submissions
    result["per_second"] = round(final.acknowledged / result["seconds"], 1) if not kill else None
    result["load_after"] = round(os.getloadavg()[0], 2)
    return result


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def summary(r: dict[str, Any]) -> list[str]:
    c = r["check"]
    lines = [f"## {r['engine']}：{r['clients']} 个并发客户端，{r['submissions']} 件提交"
             f"{'，中途 SIGKILL 整个服务后重启' if r['kill'] else ''}（gunicorn {r['workers']} 个 worker）",
             f"- 受理（2xx 且有受理编号）{c['acknowledged']} 件（API {c['via'].get('api', 0)}，"
             f"表单 {c['via'].get('form', 0)}），状态码 {c['statuses']}，客户端错误 {c['errors']}",
             f"- 入库 {c['stored']} 件；缺失 {c['missing']}，编号不符 {c['wrong_number']}，"
             f"重复 {c['duplicates']}，未受理却入库 {c['unexpected']}，残缺 {c['half_written']}",
             f"- 用时 {r['seconds']} 秒"
             + (f"（{r['per_second']} 件/秒）" if r.get("per_second") else "")
             + (f"，服务端 CPU {r['cpu_seconds_server']} 秒" if r["cpu_seconds_server"] else "")
             + f"；负载 {r['load_before']} → {r['load_after']}"]
    if r["kill"]:
        b = r["before_kill"]
        lines.append(f"- 杀死 {r['killed_processes']} 个进程时：已受理 {b['acknowledged']} 件全部入库："
                     f"{b['missing'] == 0}；在途未答复 {b['in_doubt']} 件，其中完整入库 "
                     f"{b['in_doubt_stored']} 件、其余完全不存在，残缺 {b['half_written']}")
        lines.append(f"- 重启后新提交 {r['after_restart_sent']} 件，受理 "
                     f"{r['acknowledged_after_restart']} 件，全部入库：{c['missing'] == 0}")
    lines.append(f"- 结论：{'通过' if r['ok'] else '失败'}")
    lines += [f"  {p}" for p in c["problems"][:10]]
    return lines


def backup_figures(workdir: Path, messages: int, postgres: str = "") -> dict[str, Any]:
    """Time ``backup`` of a SQLite county of ``messages`` messages (bulk-generated like
    harness.msgscale) and its ``restore`` into a new SQLite and, with ``postgres``, PostgreSQL
    database; archive size; CPU seconds of this process beside wall time."""
    from formsvc import db
    from formsvc.db import backup
    from harness.msgscale import bulk_generate, summarise

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    env = prepare_formsvc(workdir)
    src = Path(env["DATABASE_URL"][len("sqlite:///"):])
    bulk_generate(src, messages)
    summarise(src)
    archive = workdir / "county.tar.gz"
    out: dict[str, Any] = {"messages": messages, "load_before": round(os.getloadavg()[0], 2)}

    def timed(label: str, fn: Callable[[], Any]) -> Any:
        c0, t0 = time.process_time(), time.perf_counter()
        value = fn()
        out[label] = {"seconds": round(time.perf_counter() - t0, 1),
                      "cpu_seconds": round(time.process_time() - c0, 1)}
        return value

    engine = db.make_engine(env["DATABASE_URL"])
    summary = timed("backup", lambda: backup.backup(engine, workdir / "uploads", archive))
    engine.dispose()
    out["rows"] = sum(t.rows for t in summary.tables)
    out["archive_mb"] = round(archive.stat().st_size / 1e6, 1)
    out["sqlite_mb"] = round(src.stat().st_size / 1e6, 1)
    targets = [("restore_sqlite", nullcontext(f"sqlite:///{workdir / 'restored.sqlite3'}"))]
    if postgres:
        targets.append(("restore_postgresql", postgres_database(postgres)))
    for label, target in targets:
        with target as url:
            engine = db.make_engine(url)
            files = workdir / f"up-{label}"
            timed(label, lambda e=engine, f=files: backup.restore(e, f, archive))
            engine.dispose()
    out["load_after"] = round(os.getloadavg()[0], 2)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--submissions", type=int, default=10_000)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--workers", type=int, default=WORKERS)
    p.add_argument("--postgres", metavar="URL", default="",
                   help="在该 PostgreSQL 服务器上新建临时数据库运行（默认 SQLite）")
    p.add_argument("--kill", action="store_true", help="只做中途 SIGKILL 的一轮")
    p.add_argument("--both", action="store_true", help="先做普通一轮，再做 SIGKILL 一轮")
    p.add_argument("--json", action="store_true")
    p.add_argument("--backup-figures", type=int, metavar="N", default=0,
                   help="改为测量 N 件留言的 backup / restore 用时")
    args = p.parse_args(argv)
    if args.backup_figures:
        with tempfile.TemporaryDirectory(prefix="backup-figures-") as tmp:
            print(json.dumps(backup_figures(Path(tmp), args.backup_figures, args.postgres),
                             ensure_ascii=False, indent=1))
        return 0
    results = []
    modes = [False, True] if args.both else [args.kill]
    with tempfile.TemporaryDirectory(prefix="loss-test-") as tmp:
        for kill in modes:
            work = Path(tmp) / ("kill" if kill else "load")
            if args.postgres:
                with postgres_database(args.postgres) as url:
                    r = run(work, args.submissions, args.clients, url, kill, args.workers)
            else:
                r = run(work, args.submissions, args.clients, None, kill, args.workers)
            results.append(r)
            print("\n".join(summary(r)), flush=True)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    return 0 if all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
