"""Fixtures shared by every test folder: paths and real Pelican builds of a content tree."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Pelican loads in-repo plugins as top-level modules from plugins/; tests import them the same
# way so both see one module object. (Everything else imports through the editable install.)
if str(ROOT / "plugins") not in sys.path:
    sys.path.insert(0, str(ROOT / "plugins"))

TEST_SITE = ROOT / "tests" / "data" / "site"


def build_site(content: Path, output: Path, **overrides) -> Path:
    """Run a real Pelican build of ``content`` with the project's settings into ``output``."""
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(
        str(ROOT / "pelicanconf.py"),
        override={
            "PATH": str(content),
            "OUTPUT_PATH": str(output),
            "THEME": str(ROOT / "theme"),
            "PLUGIN_PATHS": [str(ROOT / "plugins")],
            "CACHE_PATH": str(output.parent / "cache"),
            **overrides,
        },
    )
    Pelican(settings).run()
    return output


@pytest.fixture(scope="session")
def site_builder(tmp_path_factory) -> Callable[..., Path]:
    """Build a content tree; returns the output folder."""

    def _build(content: Path = TEST_SITE, **overrides) -> Path:
        out = tmp_path_factory.mktemp("output")
        return build_site(content, out, **overrides)

    return _build


@pytest.fixture(scope="session")
def built_site(site_builder) -> Path:
    """The tiny test tree (tests/data/site) built once per session."""
    return site_builder(TEST_SITE)


@pytest.fixture
def site_copy(tmp_path) -> Path:
    """A writable copy of the tiny test tree, for tests that break it on purpose."""
    dest = tmp_path / "content"
    shutil.copytree(TEST_SITE, dest)
    return dest
