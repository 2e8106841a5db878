"""Queries of the message service at scale: 1,000,000 stored messages, bulk-generated in SQL.

Measures, in-process through formsvc's own services (what a request spends besides HTTP):
tracking lookup (``tracking.find`` + ``public_view``), a department handler's inbox page
(``workbench.inbox``: count + one page, nearest due date first), a county-wide inbox page (and its
count alone, and every status: open ones then closed ones), the lists' counts by state
(``workbench.state_counts``), the suggested department of 分办 (``workbench.suggest_department``), and the statistics page's figures (``stats.compute``, whole table and one year) with
the cost a write pays to keep them (``stats.refresh`` of one row). Reports p50/p95/p99 in
milliseconds, and CPU milliseconds (less distorted by other load on the machine).

``python -m harness.msgscale [--messages 1000000] [--workdir DIR]``; part of ``scripts/bench --service``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import random
import sqlite3
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

CODE = "ABCDEFGH"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # formsvc.services.codes.ALPHABET
SECRET = "bench-secret-key"
STATUSES = (("submitted", 0.04), ("assigned", 0.10), ("replied", 0.06), ("closed", 0.78),
            ("rejected", 0.02))
KINDS = (("zx", "ZX", 5), ("jy", "JY", 10), ("ts", "TS", 10), ("tz", "TZ", 5), ("ysqgk", "GK", 20))


def percentiles(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)

    def q(p: float) -> float:
        return round(s[min(len(s) - 1, int(p * len(s)))] * 1000, 2)

    return {"n": len(s), "p50_ms": q(0.50), "p95_ms": q(0.95), "p99_ms": q(0.99),
            "mean_ms": round(statistics.fmean(s) * 1000, 2)}


def bulk_generate(db_path: Path, n: int, seed: int = 1) -> list[str]:
    """Insert n messages (and their events) straight into SQLite; returns a sample of numbers."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # a bulk load, not a benchmark of durability
    depts = [r[0] for r in conn.execute("SELECT id FROM department WHERE active = 1")]
    code_hash = "hmac-sha256$" + hmac.new(SECRET.encode(), CODE.encode(), hashlib.sha256).hexdigest()
    today = date.today()
    start = today - timedelta(days=3 * 365)
    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    sample: list[str] = []
    cols = ("tracking_number, query_code_hash, kind, status, department_id, project_slug, name, "
            "phone, email, address, subject, content, consent_publish, details, submitted_at, "
            "received_on, due_date, time_limit_days, extension_days, text_hash, duplicate_of_id, "
            "reply_text, replied_at, rating, rating_comment, rated_at, closed_at, client_ip")
    batch = 50_000
    next_id = (conn.execute("SELECT COALESCE(MAX(id), 0) FROM message").fetchone()[0]) + 1
    for lo in range(0, n, batch):
        msgs, events = [], []
        for i in range(lo, min(n, lo + batch)):
            # newer messages are more common, and the open ones are recent
            received = start + timedelta(days=int((3 * 365) * (rng.random() ** 0.5)))
            kind, prefix, limit = KINDS[rng.randrange(len(KINDS))]
            status = rng.choices(statuses, weights)[0]
            if status in ("submitted", "assigned") and (today - received).days > 40:
                received = today - timedelta(days=rng.randrange(0, 40))
            tail, x = "", i
            for _ in range(6):  # i in base 31 over the tracking alphabet: unique, valid
                x, r = divmod(x, len(ALPHABET))
                tail = ALPHABET[r] + tail
            number = f"{prefix}{received:%Y%m%d}-{tail}"
            if rng.random() < 0.001:
                sample.append(number)
            due = received + timedelta(days=limit + limit // 2)
            submitted = datetime(received.year, received.month, received.day, 2, 0, tzinfo=UTC)
            replied = closed = rated = None
            rating = ""
            if status in ("replied", "closed"):
                replied = submitted + timedelta(days=rng.randint(1, limit + 6), hours=3)
            if status == "closed":
                closed = replied + timedelta(days=7)
                if rng.random() < 0.6:
                    rating = rng.choice(("satisfied", "basically_satisfied", "unsatisfied"))
                    rated = closed
            dept = rng.choice(depts) if status != "submitted" or rng.random() < 0.5 else None

            def ts(x: datetime | None) -> str | None:
                return x.strftime("%Y-%m-%d %H:%M:%S.%f") if x else None

            msgs.append((number, code_hash, kind, status, dept, "", "张三", f"138{i:08d}", "", "",
                         f"留言主题 {i}", f"留言内容 {i}：请问有关事项如何办理？", 0, "{}",
                         ts(submitted), received.isoformat(), due.isoformat(), limit, 0,
                         hashlib.sha256(str(i).encode()).hexdigest(), None,
                         "答复内容" if replied else "", ts(replied), rating, "", ts(rated),
                         ts(closed), "127.0.0.1"))
            mid = next_id + i
            events.append((mid, ts(submitted), "citizen", "submit", None, "submitted", "", 1))
            if replied:
                events.append((mid, ts(replied), "staff", "reply", "assigned", "replied", "", 1))
            if closed:
                events.append((mid, ts(closed), "system", "close", "replied", "closed", "", 1))
        conn.executemany(f"INSERT INTO message ({cols}) VALUES ({','.join('?' * 28)})", msgs)
        conn.executemany("INSERT INTO event (message_id, created_at, actor, action, from_status, "
                         "to_status, note, public) VALUES (?,?,?,?,?,?,?,?)", events)
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()
    return sample


def summarise(db_path: Path) -> None:
    """What formsvc keeps beside rows written straight into SQL: the reply facts and the
    statistics summary (services/stats.py), as migration 0004 does for an older database."""
    from zoneinfo import ZoneInfo

    from formsvc import db as _db
    from formsvc.domain.workdays import Calendar
    from formsvc.services import stats

    engine = _db.make_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        stats.backfill_replies(conn, Calendar.from_file(db_path.parent / "holidays.yml"),
                               ZoneInfo("Asia/Shanghai"))
        stats.rebuild(conn)
    engine.dispose()


def timed(fn: Any, rounds: int) -> dict[str, Any]:
    """percentiles() of wall time, plus the median CPU time, of ``rounds`` calls of ``fn``."""
    wall, cpu = [], []
    for i in range(rounds):
        t, c = time.perf_counter(), time.process_time()
        fn(i)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
    return {**percentiles(wall), "cpu_p50_ms": round(statistics.median(cpu) * 1000, 2)}


def measure(workdir: Path, messages: int, rounds: int = 200, upgrade: bool = True,
            inbox_rounds: int = 100, stats_rounds: int = 20) -> dict[str, Any]:
    from harness.loadtest import prepare_formsvc

    work = workdir / f"scale-{messages}"
    db_path = work / "instance" / "formsvc.sqlite3"
    stamp = work / ".complete"
    if not stamp.exists():
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        env = prepare_formsvc(work)
        t0 = time.perf_counter()
        sample = bulk_generate(db_path, messages)
        summarise(db_path)
        (work / "sample.txt").write_text("\n".join(sample), encoding="utf-8")
        stamp.write_text(f"{time.perf_counter() - t0:.1f}", encoding="utf-8")
    upgraded: dict[str, Any] = {}
    if upgrade:  # bring an existing database to the newest migration (new indexes, backfills)
        from formsvc import db as _db
        from formsvc.db import migrate

        engine = _db.make_engine(f"sqlite:///{db_path}")
        before = migrate.current_revision(engine)
        t0 = time.perf_counter()
        migrate.upgrade(engine)
        if before != migrate.current_revision(engine):
            upgraded = {"from": before, "to": migrate.current_revision(engine),
                        "seconds": round(time.perf_counter() - t0, 1)}
        engine.dispose()
    env = {"FORMSVC_INSTANCE_PATH": str(work / "instance"),
           "DATABASE_URL": f"sqlite:///{db_path}", "FORMSVC_SECRET_KEY": SECRET}
    os.environ.update(env)
    from formsvc import create_app, db
    from formsvc.models import Message
    from formsvc.services import stats, tracking, workbench

    app = create_app()
    sample = (work / "sample.txt").read_text(encoding="utf-8").split()
    out: dict[str, Any] = {"messages": messages, "generated_s": float(stamp.read_text())}
    if upgraded:
        out["upgrade"] = upgraded
    with app.app_context():
        from formsvc.web.runtime import calendar  # the app's holiday calendar

        session = db.new_session()
        times = []
        for i in range(rounds):
            number = sample[i % len(sample)]
            t = time.perf_counter()
            m = tracking.find(session, number, CODE)
            tracking.public_view(m, app.config, calendar())
            times.append(time.perf_counter() - t)
            session.expunge_all()
        out["track"] = percentiles(times)

        from sqlalchemy import func, select

        from formsvc.models import Staff

        cal = calendar()
        busiest = session.scalar(select(Message.department_id).where(
            Message.status == "assigned").group_by(Message.department_id)
            .order_by(func.count().desc()).limit(1))
        handler = Staff(username="bench", display_name="bench", email="", role="handler",
                        department_id=busiest, password_hash="x")
        supervisor = Staff(username="sup", display_name="sup", email="", role="supervisor",
                           department_id=None, password_hash="x")
        totals: dict[str, int] = {}
        for label, staff in (("inbox_department", handler), ("inbox_county", supervisor)):
            def inbox_page(i: int, staff: Staff = staff, label: str = label) -> None:
                ctx = workbench.Context(session, app.config, cal)
                page = workbench.inbox(ctx, staff, workbench.InboxFilter(page=1 + i % 3))
                [r.deadline for r in page.rows]
                session.expunge_all()
                totals[label] = page.total

            out[label] = {**timed(inbox_page, inbox_rounds), "total": 0}
            out[label]["total"] = totals[label]
        # the workbench lists' counts bar (one query) and an every-status page (open, then closed)
        for label, staff in (("counts_department", handler), ("counts_county", supervisor)):
            out[label] = timed(lambda i, staff=staff: workbench.state_counts(
                workbench.Context(session, app.config, cal), staff), inbox_rounds)

        def all_statuses(i: int) -> None:
            ctx = workbench.Context(session, app.config, cal)
            workbench.inbox(ctx, supervisor, workbench.InboxFilter(status="", page=1 + i % 3))
            session.expunge_all()

        out["inbox_county_all_statuses"] = timed(all_statuses, inbox_rounds)
        # the suggested department of 分办: the registry and the latest 300 dispatched messages
        from portal import departments as registry

        duties = {d.code: d.duties for d in registry.load(app.config["CONTENT_DIR"]).departments}
        waiting = list(session.scalars(select(Message).where(Message.status == "submitted")
                                       .limit(50)))
        out["suggest_department"] = timed(lambda i: workbench.suggest_department(
            workbench.Context(session, app.config, cal), waiting[i % len(waiting)], duties),
            inbox_rounds)
        county = workbench.filtered(workbench.Context(session, app.config, cal), supervisor,
                                     workbench.InboxFilter())
        count = select(func.count()).select_from(county.subquery())
        out["inbox_county_count"] = timed(lambda i: session.scalar(count), inbox_rounds)
        if stats_rounds:
            today = date.today()
            out["stats"] = timed(lambda i: stats.compute(session, app.config, cal, today),
                                 stats_rounds)
            out["stats_one_year"] = timed(lambda i: stats.compute(
                session, app.config, cal, today, today - timedelta(days=365), today),
                stats_rounds)
            days = session.execute(select(Message.department_id, Message.received_on)
                                   .order_by(Message.id.desc()).limit(200)).all()

            def refresh(i: int) -> None:  # what each write of a message adds
                stats.refresh(session.connection(), [tuple(days[i % len(days)])])

            out["stats_refresh_one_row"] = timed(refresh, 200)
            session.rollback()
        session.close()
    return out


def main(argv: list[str] | None = None) -> int:
    import json

    parser = argparse.ArgumentParser(prog="python -m harness.msgscale")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/portal-bench"))
    parser.add_argument("--no-upgrade", action="store_true",
                        help="measure the database as generated, without newer migrations")
    parser.add_argument("--no-stats", action="store_true", help="skip the statistics figures")
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.workdir, args.messages, upgrade=not args.no_upgrade,
                             stats_rounds=0 if args.no_stats else 20), ensure_ascii=False,
                     indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
