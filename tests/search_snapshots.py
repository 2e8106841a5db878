"""Every test's search snapshots closed after it (a fixture for every test: tests/conftest.py).

``sitesearch.query`` keeps one snapshot per thread, and with it the index's segment files open,
until the thread ends: a test that searches (``/search``, the API, the workbench's search)
would leave them open for the rest of its worker's life, and a file collected unclosed is a
ResourceWarning, an error here, in whichever test happens to run then. One fixture here instead
of a ``query.close_all()`` in each module that searches (and in each that will).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def close_search_snapshots() -> Iterator[None]:
    yield
    query = sys.modules.get("sitesearch.query")  # a test that never searched imports nothing
    if query is not None:
        query.close_all()
