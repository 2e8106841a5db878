"""The 12345 platform's poll (``services/work_orders.changed``) reads events by time: the CPU
one poll's window query takes over N events without and with ``ix_event_created_at`` (migration
0019), on SQLite in memory. The events are spread over a year, 50,000 messages; the window is two
hours, as a platform polling every few minutes after a pause would ask.

``python -m harness.pollindex [--events 300000]``. It prints figures (CPU seconds, same run);
no test asserts them.
"""

from __future__ import annotations

import argparse
import sqlite3
import time
from typing import Any

# the statement's shape: services/work_orders.changed's inner query
WINDOW = ("SELECT message_id, max(created_at) FROM event WHERE created_at > ? AND created_at <= ? "
          "GROUP BY message_id")


def run(n: int, repeat: int = 20) -> dict[str, Any]:
    """CPU milliseconds per poll without and with the index, for ``n`` events."""
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE event (id INTEGER PRIMARY KEY, message_id INT, created_at TEXT)")
    con.executemany("INSERT INTO event (message_id, created_at) VALUES (?, ?)", (
        (i % 50000, f"2026-{1 + i * 12 // n:02d}-{1 + i % 28:02d} {i % 24:02d}:00:00")
        for i in range(n)))
    con.execute("CREATE INDEX ix_event_message_id ON event (message_id)")

    def per_poll() -> float:
        t = time.process_time()
        for _ in range(repeat):
            con.execute(WINDOW, ("2026-06-05 10:00:00", "2026-06-05 12:00:00")).fetchall()
        return (time.process_time() - t) / repeat * 1000

    without = per_poll()
    con.execute("CREATE INDEX ix_event_created_at ON event (created_at)")
    with_index = per_poll()
    return {"events": n, "cpu_ms_per_poll_without_index": round(without, 3),
            "cpu_ms_per_poll_with_index": round(with_index, 3),
            "ratio": round(without / with_index) if with_index else None}


def main() -> None:
    """Command line: print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=300000)
    for key, value in run(parser.parse_args().events).items():
        print(f"{key}: {value}")


if __name__ == "__main__":
    main()
