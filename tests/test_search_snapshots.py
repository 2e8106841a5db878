"""The conftest's fixture closes the search snapshots a test opened (tests/search_snapshots.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SEARCHING = '''
from sitesearch import indexer, query
from tests.sitesearch.conftest import make_doc


def test_a_search(tmp_path):
    indexer.build(tmp_path / "_search", [make_doc(1, body="路灯维修")])
    assert query.search(query.parse_params({"q": "路灯"}), tmp_path / "_search").total == 1
    assert query._LOCAL.cache  # its snapshot stays open in this thread


def test_after_it_no_snapshot_is_open():
    assert not getattr(query._LOCAL, "cache", None)
'''


def test_a_snapshot_a_test_opened_is_closed_after_it(tmp_path: Path) -> None:
    module = tmp_path / "test_searching.py"
    module.write_text(SEARCHING, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
         "-p", "no:xdist", "-p", "tests.search_snapshots", "--rootdir", str(tmp_path), str(module)],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
