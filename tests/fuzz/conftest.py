"""Fixtures of the fuzz tests: the formsvc app on a migrated database (shared with tests/formsvc)
with rate limits out of the way. (tests/conftest.py prints the tally of generated cases.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sitesearch import indexer
from tests.formsvc.conftest import (  # noqa: F401 - fixtures re-exported for this package
    app,
    client,
    content_dir,
    database_url,
    session,
)
from tests.sitesearch.conftest import CORPUS


@pytest.fixture
def app_config(tmp_path: Path) -> Iterator[dict[str, Any]]:
    # a real (small) search index, so /search answers instead of "index unavailable"
    indexer.build(tmp_path / "_search", CORPUS)
    # thousands of submissions per test: the limits themselves are tested in tests/formsvc
    yield {"SUBMIT_RATE_LIMIT": "1000000 per hour", "TRACK_RATE_LIMIT": "1000000 per hour",
           "LOGIN_RATE_LIMIT": "1000000 per hour",
           "SEARCH_INDEX_DIR": str(tmp_path / "_search"),
           "SEARCH_LETTERS_DIR": str(tmp_path / "letters")}
