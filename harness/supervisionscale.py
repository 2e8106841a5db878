"""电子监察 at scale: 1,000,000 messages received in one year, bulk-inserted into a scratch
SQLite database, then the monthly report (``monthly_report.build``, its HTML and PDF apart) and
the ranked performance table (``performance.compute``; the stored table read back) are timed
through formsvc's own services, then the public report page and its PDF as requests (the PDF's
first request stores it). Prints figures (wall p50/p95 and CPU p50, ms); asserts nothing.

Rows carry what the report reads: receipt, due and reply dates, the reply's working days, the
rating, the 签收 (90 % within a working day) and 1 % of messages with a 督办/纠错 notice. No
event rows: the report reads none.

``python -m harness.supervisionscale [--messages 1000000] [--workdir DIR] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from harness.msgscale import timed

YEAR = 2026
STATUSES = (("assigned", 0.03), ("replied", 0.05), ("closed", 0.90), ("rejected", 0.02))


def bulk_generate(db_path: Path, n: int, today: date, seed: int = 24) -> None:
    """n messages received in YEAR up to ``today`` (and their notices), straight into SQLite."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")  # a bulk load, not a benchmark of durability
    depts = [r[0] for r in conn.execute("SELECT id FROM department WHERE active = 1")]
    staff_id = conn.execute(
        "INSERT INTO staff (username, display_name, email, role, password_hash, active, "
        "failed_logins, created_at) VALUES ('bench', 'bench', '', 'supervisor', 'x', 1, 0, "
        "'2026-01-01 00:00:00.000000') RETURNING id").fetchone()[0]
    days = (today - date(YEAR, 1, 1)).days + 1
    statuses, weights = [s for s, _ in STATUSES], [w for _, w in STATUSES]
    cols = ("tracking_number, query_code_hash, kind, status, department_id, project_slug, name, "
            "phone, email, address, subject, content, consent_publish, details, submitted_at, "
            "received_on, due_date, time_limit_days, extension_days, text_hash, reply_text, "
            "replied_at, replied_on, reply_working_days, rating, rating_comment, closed_at, "
            "client_ip, channel, notify_sms, consent_source, signed_at, sign_working_days, "
            "warning_grade")

    def ts(x: datetime | None) -> str | None:
        return x.strftime("%Y-%m-%d %H:%M:%S.%f") if x else None

    batch, next_id = 50_000, 1
    for lo in range(0, n, batch):
        msgs, notices = [], []
        for i in range(lo, min(n, lo + batch)):
            received = date(YEAR, 1, 1) + timedelta(days=rng.randrange(days))
            status = rng.choices(statuses, weights)[0]
            if status == "assigned" and (today - received).days > 30:
                received = today - timedelta(days=rng.randrange(30))
            submitted = datetime(received.year, received.month, received.day, 2, tzinfo=UTC)
            due = received + timedelta(days=14)
            replied = replied_on = wd = None
            rating = ""
            if status in ("replied", "closed"):
                took = rng.randint(1, 18)
                replied = submitted + timedelta(days=took, hours=3)
                replied_on, wd = replied.date(), took * 5 // 7
                if status == "closed" and rng.random() < 0.6:
                    rating = rng.choice(("satisfied", "basically_satisfied", "unsatisfied"))
            signed = sign_days = None
            if status != "rejected":
                sign_days = 0 if rng.random() < 0.9 else rng.randint(2, 4)
                signed = submitted + timedelta(days=sign_days, hours=1)
            dept = rng.choice(depts) if status != "rejected" else None
            msgs.append((f"ZX{received:%Y%m%d}-{i:07d}", "x", "zx", status, dept, "", "张三",
                         f"138{i:08d}", "", "", f"留言主题 {i}", f"留言内容 {i}", 0, "{}",
                         ts(submitted), received.isoformat(), due.isoformat(), 10, 0, f"h{i}",
                         "答复" if replied else "", ts(replied),
                         replied_on.isoformat() if replied_on else None, wd, rating, "",
                         ts(replied + timedelta(days=7)) if status == "closed" and replied
                         else None, "127.0.0.1", "web", 0, "web", ts(signed), sign_days, ""))
            if dept is not None and rng.random() < 0.01:
                issued = submitted + timedelta(days=3)
                answered = issued + timedelta(days=1) if rng.random() < 0.8 else None
                notices.append((next_id + i, dept, rng.choice(("duban", "jiucuo")), "请尽快办理",
                                staff_id, ts(issued), (issued + timedelta(days=5)).date()
                                .isoformat(), "已办理" if answered else "",
                                staff_id if answered else None, ts(answered)))
        conn.executemany(f"INSERT INTO message ({cols}) VALUES ({','.join('?' * 34)})", msgs)
        conn.executemany("INSERT INTO supervision_notice (message_id, department_id, kind, text, "
                         "issued_by_id, issued_at, answer_due, answer, answered_by_id, "
                         "answered_at) VALUES (?,?,?,?,?,?,?,?,?,?)", notices)
        conn.commit()
    conn.execute("ANALYZE")
    conn.commit()
    conn.close()


def measure(workdir: Path, messages: int, rounds: int) -> dict[str, Any]:
    """Generate once (kept under ``workdir``), then time the report and the table."""
    from harness.loadtest import prepare_formsvc

    today = date(YEAR, 12, 6)
    work = workdir / f"supervision-{messages}"
    db_path = work / "instance" / "formsvc.sqlite3"
    stamp = work / ".complete"
    if not stamp.exists():
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        prepare_formsvc(work)
        t0 = time.perf_counter()
        bulk_generate(db_path, messages, today)
        from formsvc import db as _db
        from formsvc.services import stats

        engine = _db.make_engine(f"sqlite:///{db_path}")
        with engine.begin() as conn:
            stats.rebuild(conn)
        engine.dispose()
        stamp.write_text(f"{time.perf_counter() - t0:.1f}", encoding="utf-8")
    os.environ.update({"FORMSVC_INSTANCE_PATH": str(work / "instance"),
                       "DATABASE_URL": f"sqlite:///{db_path}",
                       "FORMSVC_SECRET_KEY": "bench-secret-key"})
    from formsvc import create_app, db
    from formsvc.domain.supervision import parse_period
    from formsvc.letters import report as report_view
    from formsvc.services import monthly_report, performance, report_files

    app = create_app()
    out: dict[str, Any] = {"messages": messages, "generated_s": float(stamp.read_text())}
    month = parse_period(f"{YEAR}-11")
    with app.app_context(), app.test_request_context():
        from formsvc.web.runtime import calendar

        cal = calendar()
        session = db.new_session()
        now = datetime(YEAR, 12, 6, 2, tzinfo=UTC)
        built: list[Any] = []

        def build(i: int) -> None:
            built.append(monthly_report.build(session, app.config, cal, month, today, now))
            session.expunge_all()

        out["monthly_report_build"] = timed(build, rounds)
        report = built[-1]
        out["monthly_report_rows"] = {"received": report.totals.total.received,
                                      "late": report.late_count,
                                      "unsatisfied": report.unsatisfied_count,
                                      "notices": report.notices_issued}
        out["monthly_report_html"] = timed(lambda i: report_view.html(
            report, "staff/report.html", latest=month), rounds)
        out["monthly_report_pdf"] = timed(lambda i: report_view.pdf(report), rounds)
        # as the pages serve it: the public page (data + HTML) per request; the PDF rendered and
        # stored by the first request for an ended month, then read back (report_files.py)
        client = app.test_client()
        page, pdf_url = f"/hdjl/report?month={YEAR}-11", f"/hdjl/report?month={YEAR}-11&format=pdf"
        out["public_report_page"] = timed(lambda i: client.get(page), rounds)
        for public in (True, False):
            report_files.pdf_path(app.config, month, public).unlink(missing_ok=True)
        out["public_report_pdf_first_request"] = timed(lambda i: client.get(pdf_url), 1)
        out["public_report_pdf_stored"] = timed(lambda i: client.get(pdf_url), rounds)
        for key in (f"{YEAR}-11", f"{YEAR}-Q4", f"{YEAR}"):
            period = parse_period(key)
            out[f"ranked_table_{key}"] = timed(lambda i, p=period: performance.compute(
                session, app.config, cal, p, today), rounds)
        scores = performance.compute(session, app.config, cal, month, today)
        performance.store(session, scores)
        out["ranked_table_stored_read"] = timed(lambda i: performance.stored(
            session, app.config, month), rounds)
        session.close()
    return out


def main(argv: list[str] | None = None) -> int:
    """Run and print the figures as JSON."""
    parser = argparse.ArgumentParser(prog="python -m harness.supervisionscale")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/portal-bench"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.workdir, args.messages, args.rounds), ensure_ascii=False,
                     indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
