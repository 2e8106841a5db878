"""Bulk 分办 against the same messages dispatched one by one: SQL statements and time per message.

Two sets of N new messages (submitted through ``services.submission``, as the form does) in a
fresh SQLite database; the first set dispatched one call at a time (``workbench.dispatch``, one
transaction each), the second in one call (``workbench.dispatch_many``, one transaction). Prints
the statements each way (counted with a SQLAlchemy ``before_cursor_execute`` listener: the same
on a loaded machine), and the wall and CPU time of each (this process's; SQLite's fsyncs show in
the wall time only), measured in the same run (compare the ratio, not the milliseconds, when
other work shares the machine).

``python -m harness.bulkdispatch [--messages 100]``. It prints figures; no test asserts them.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any


def run(n: int) -> dict[str, Any]:
    """Measure both ways for ``n`` messages each; the figures as a dict."""
    work = Path(tempfile.mkdtemp(prefix="bulkdispatch-"))
    os.environ.update({"FORMSVC_INSTANCE_PATH": str(work / "instance"),
                       "DATABASE_URL": f"sqlite:///{work / 'bench.db'}",
                       "FORMSVC_SECRET_KEY": "bench-secret-key"})
    from sqlalchemy import event, select

    from formsvc import create_app, db
    from formsvc.db import migrate
    from formsvc.domain import kinds
    from formsvc.domain.workdays import Calendar
    from formsvc.models.staff import Staff
    from formsvc.services import auth, departments, submission
    from formsvc.services import workbench as wb
    from formsvc.services.submission import NewMessage

    app = create_app()
    out: dict[str, Any] = {"messages": n}
    with app.app_context():
        engine = db.get_engine(app)
        migrate.upgrade(engine)
        session = db.new_session()
        departments.sync(session, app.config["CONTENT_DIR"])
        auth.create_staff(session, username="bench", password="bench-password", role="dispatcher")
        cal = Calendar.from_file(app.config["HOLIDAYS_FILE"])
        numbers = []
        for i in range(2 * n):
            data = NewMessage(kind=kinds.get("zx"), name="测试", phone=f"138{i:08d}", email="",
                              subject=f"批量分办 {i}", content=f"第 {i} 件留言的内容。",
                              department_code="")
            numbers.append(submission.submit(session, app.config, data, [],
                                             calendar=cal).tracking_number)
        staff = session.scalar(select(Staff).where(Staff.username == "bench"))
        statements = [0]

        def count(*_args: Any) -> None:
            statements[0] += 1

        event.listen(engine, "before_cursor_execute", count)
        try:
            ctx = wb.Context(session, app.config, cal)
            t, cpu = time.perf_counter(), time.process_time()
            for number in numbers[:n]:
                wb.dispatch(ctx, staff, number, "rsj")
            one_by_one = time.perf_counter() - t
            one_by_one_cpu = time.process_time() - cpu
            single_statements, statements[0] = statements[0], 0
            t, cpu = time.perf_counter(), time.process_time()
            wb.dispatch_many(ctx, staff, numbers[n:], "rsj")
            bulk = time.perf_counter() - t
            bulk_cpu = time.process_time() - cpu
            bulk_statements = statements[0]
        finally:
            event.remove(engine, "before_cursor_execute", count)
        session.close()
    out.update(one_by_one_s=round(one_by_one, 3), bulk_s=round(bulk, 3),
               one_by_one_cpu_s=round(one_by_one_cpu, 3), bulk_cpu_s=round(bulk_cpu, 3),
               one_by_one_statements=single_statements, bulk_statements=bulk_statements,
               time_ratio=round(bulk / one_by_one, 2) if one_by_one else None)
    return out


def main() -> None:
    """Command line: print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100)
    figures = run(parser.parse_args().messages)
    for key, value in figures.items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
