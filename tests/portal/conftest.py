"""Fixtures of the portal tests: a fresh copy of tests/data/site per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .util import DATA_SITE


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A writable copy of the test content tree at tmp_path/site."""
    dst = tmp_path / "site"
    shutil.copytree(DATA_SITE, dst)
    return dst
