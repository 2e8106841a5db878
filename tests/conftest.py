"""Fixtures shared by every test folder: paths and real Pelican builds of a content tree; the
PostgreSQL database of each parallel worker and the figures printed at the end of the run."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests import workers
from tests.e2e import support as e2e_support
from tests.fuzz import budget as fuzz_budget
from tests.search_snapshots import close_search_snapshots  # noqa: F401 (autouse: every test)

ROOT = Path(__file__).resolve().parent.parent
# Pelican loads in-repo plugins as top-level modules from plugins/; tests import them the same
# way so both see one module object. (Everything else imports through the editable install.)
if str(ROOT / "plugins") not in sys.path:
    sys.path.insert(0, str(ROOT / "plugins"))

TEST_SITE = ROOT / "tests" / "data" / "site"

# A parallel worker's TEST_DATABASE_URL names a database of its own (tests/workers.py), set here
# because the conftest files below read it when they are imported.
BASE_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
if workers.WORKER and BASE_DATABASE_URL:
    os.environ["TEST_DATABASE_URL"] = workers.database_url(BASE_DATABASE_URL, workers.WORKER)


def pytest_configure(config: pytest.Config) -> None:
    if workers.WORKER and BASE_DATABASE_URL:
        try:
            workers.create_database(BASE_DATABASE_URL, os.environ["TEST_DATABASE_URL"])
        except Exception as exc:
            raise pytest.UsageError(f"无法为并行测试进程 {workers.WORKER} 建立 PostgreSQL 测试库"
                                    f"（TEST_DATABASE_URL={BASE_DATABASE_URL}）：{exc}") from exc


def pytest_unconfigure(config: pytest.Config) -> None:
    if workers.WORKER and BASE_DATABASE_URL:
        workers.drop_database(BASE_DATABASE_URL, os.environ["TEST_DATABASE_URL"])


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """``-n auto``: one worker per core this process may use, at most workers.MAX_WORKERS."""
    return max(1, min(len(os.sched_getaffinity(0)), workers.MAX_WORKERS))


# node ids (relative to the repository) of the browser tests
E2E_PREFIX = "tests/e2e/"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` (docs/testing.md; ``-n`` alone too), with every browser test in one
    unit: each file's tests run on one worker in file order, as without workers; the browser
    tests all on one worker (one demo build, one server, one Chromium, and the journeys see each
    other's data as they do without workers). (xdist's own ``loadgroup`` cannot do it under
    pytest 9.2: the node ids it marks with the group are read-only there.)"""
    # a bare ``-n 2`` (xdist's "load") too: spreading the browser tests would start a server per
    # worker and let each clear the screenshots of the other
    if config.getvalue("dist") not in ("load", "loadfile"):
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return E2E_PREFIX if path.startswith(E2E_PREFIX) else path

    return FileScheduling(config, log)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # a worker hands its figures to the controller, which prints them (pytest_testnodedown)
    if hasattr(session.config, "workeroutput"):
        session.config.workeroutput["figures"] = {
            "e2e_collected": e2e_support.COLLECTED["e2e"],
            "page_weights": e2e_support.WEIGHTS,
            "fuzz_tally": dict(fuzz_budget.TALLY),
        }


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    figures = getattr(node, "workeroutput", {}).get("figures")
    if figures:
        e2e_support.COLLECTED["e2e"] |= figures["e2e_collected"]
        e2e_support.WEIGHTS.update(figures["page_weights"])
        fuzz_budget.TALLY.update(figures["fuzz_tally"])


def pytest_terminal_summary(terminalreporter: Any) -> None:
    e2e_support.terminal_summary(terminalreporter)
    fuzz_budget.terminal_summary(terminalreporter)


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
