"""Harnesses: benchmarks, load, loss, scale and stack tests, synthetic content (docs/performance.md).

They drive the product from outside and print figures; no product package imports them
(``tests/test_layout.py`` checks).
"""

from __future__ import annotations

import importlib
import subprocess
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[1]


def stop(proc: subprocess.Popen, timeout: float = 10) -> None:
    """End a server a harness started: SIGTERM, then SIGKILL if it has not exited in ``timeout``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def plugin_module(name: str) -> ModuleType:
    """An in-repo Pelican plugin's module, loaded as Pelican loads it (from plugins/, by path)."""
    from pelican.plugins._utils import load_legacy_plugin

    load_legacy_plugin(name, [str(REPO_ROOT / "plugins")])
    return importlib.import_module(f"{name}.{name}")
