"""How many generated cases each fuzz suite runs, and the tally printed at the end of the run.

``FUZZ_CASES`` (default 10,000) is the total for a run on SQLite, shared among the suites by the
weights below; on PostgreSQL each suite runs a tenth of its share (the same variable scales both).
``FUZZ_RANDOM=1`` draws new random cases each run; by default the cases are derived from the test
(``derandomize``), so CI sees the same cases every time and a failure reproduces.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, settings

TOTAL = int(os.environ.get("FUZZ_CASES", "10000"))
POSTGRES_FRACTION = 10
# Shares of TOTAL; they add up to 1.0. Each suite is a test (or a few) that loops over its part.
# Schemathesis cases cost about half of an HTML form case (no page to render and parse).
WEIGHTS = {
    "forms": 0.20,  # the five citizen forms through HTML POST
    "tracking": 0.06,  # tracking and rating forms
    "workbench": 0.06,  # staff action forms
    "api": 0.66,  # Schemathesis over the OpenAPI document
    "authorization": 0.02,  # odd Authorization headers on the API (Schemathesis sends none)
}

TALLY: Counter[str] = Counter()


def cases(suite: str, database_url: str, parts: int = 1) -> int:
    """Examples for one test of ``suite`` (split over ``parts`` tests) on this database."""
    n = TOTAL * WEIGHTS[suite] / parts
    if not database_url.startswith("sqlite"):
        n /= POSTGRES_FRACTION
    return max(1, round(n))


def record(suite: str, database_url: str, n: int) -> None:
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    TALLY[f"{suite} ({engine})"] += n


def fuzz_settings(max_examples: int) -> settings:
    """Settings of every fuzz test: no deadline (the machine is shared), no example database."""
    return settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=os.environ.get("FUZZ_RANDOM", "") != "1",
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                               HealthCheck.data_too_large, HealthCheck.filter_too_much],
        # the first failure is enough; shrinking a web request takes long and says little more
        report_multiple_bugs=False,
    )


def terminal_summary(terminalreporter: Any) -> None:
    """The tally, at the end of the run; called by tests/conftest.py, which in a parallel run has
    the counts of every worker."""
    if not TALLY:
        return
    terminalreporter.write_sep("-", "fuzz cases generated")
    for suite, n in sorted(TALLY.items()):
        terminalreporter.write_line(f"{suite}: {n}")
    terminalreporter.write_line(f"total: {sum(TALLY.values())} (FUZZ_CASES={TOTAL})")
