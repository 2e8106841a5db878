"""Zero loss under load, and after a SIGKILL of the whole server, on a real gunicorn server.

CI-sized: 50 concurrent clients and LOSS_TEST_SUBMISSIONS submissions per run (default 200; the
kill run 2/3 of that). ``scripts/loss-test --both`` runs the full 50 × 10,000 and prints figures
(docs/reliability.md).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.losstest import Outcome, Stored, check, run
from tests.reliability.conftest import ENGINES

SUBMISSIONS = int(os.environ.get("LOSS_TEST_SUBMISSIONS", "200"))
CLIENTS = 50

pytestmark = pytest.mark.skipif(not (Path(sys.executable).parent / "gunicorn").exists(),
                                reason="gunicorn (the prod extra) is not installed")


@pytest.mark.parametrize("engine", ENGINES)
def test_every_acknowledged_submission_is_stored_once(
        engine: str, tmp_path: Path, new_database: Callable[[str, str], str]) -> None:
    url = new_database(engine, "loss") if engine == "postgresql" else None
    r = run(tmp_path / "run", SUBMISSIONS, CLIENTS, url)
    c = r["check"]
    assert c["problems"] == []
    assert c["acknowledged"] == SUBMISSIONS == c["stored"]
    # both paths were exercised: the JSON API and the HTML form with its CSRF token and redirect
    assert c["via"]["form"] == SUBMISSIONS // 10 and c["via"]["api"] == SUBMISSIONS - SUBMISSIONS // 10
    assert c["missing"] == c["duplicates"] == c["half_written"] == c["unexpected"] == 0
    assert r["ok"]


@pytest.mark.parametrize("engine", ENGINES)
def test_sigkill_loses_nothing_acknowledged_and_leaves_nothing_half_written(
        engine: str, tmp_path: Path, new_database: Callable[[str, str], str]) -> None:
    url = new_database(engine, "kill") if engine == "postgresql" else None
    total = SUBMISSIONS * 2 // 3
    r = run(tmp_path / "run", total, CLIENTS, url, kill=True, after_restart=CLIENTS)
    before = r["before_kill"]
    # master and every worker were killed half-way through the load
    assert r["killed_processes"] >= 2
    assert total // 2 <= before["acknowledged"] < total
    assert before["missing"] == before["wrong_number"] == before["half_written"] == 0
    assert before["problems"] == []
    # the restarted server took every new submission, and they are stored too
    assert r["acknowledged_after_restart"] == CLIENTS
    assert r["check"]["problems"] == [] and r["ok"]


def test_the_check_sees_loss_duplicates_and_half_written_rows() -> None:
    """The comparison itself can fail: a lost, a doubled and a half-written submission."""
    outcomes = [Outcome("LOSS-x-1", "api", True, 201, "ZX1"), Outcome("LOSS-x-2", "api", True, 201, "ZX2"),
                Outcome("LOSS-x-3", "form", True, 303, "ZX3"), Outcome("LOSS-x-4", "api", True, 503)]
    stored = Stored(by_marker={"LOSS-x-2": ["ZX2", "ZX9"], "LOSS-x-3": ["ZX3"], "LOSS-x-4": ["ZX4"]},
                    numbers=Counter(["ZX2", "ZX9", "ZX3", "ZX4"]),
                    messages=4, events={1: 1, 2: 1, 3: 0, 4: 1}, outbox={1: 1, 2: 1, 3: 1, 4: 1},
                    message_ids={1, 2, 3, 4}, orphan_events=0, orphan_outbox=0)
    c = check(outcomes, stored)
    assert c.missing == 1 and c.wrong_number == 1 and c.duplicates == 1
    assert c.half_written == 1 and c.unexpected == 1 and not c.ok
