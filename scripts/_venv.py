"""Run the editor commands (scripts/check, scripts/new, scripts/preview) with the project's Python.

Their shebang finds the system ``python3``, which lacks the project's packages; this re-executes
the command with ``.venv/bin/python`` whichever way it was called (``scripts/check`` from any
folder, ``python3 scripts/check``), and says in Chinese what to do when there is no environment.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"


def use_project_python() -> None:
    """Re-exec ``sys.argv`` with .venv/bin/python unless already running in it."""
    python = VENV / "bin" / "python"
    if Path(sys.prefix).resolve() != VENV.resolve() and python.exists():
        os.execv(str(python), [str(python), str(Path(sys.argv[0]).resolve()), *sys.argv[1:]])
    if importlib.util.find_spec("portal") is None:
        print("找不到项目的运行环境 .venv：请先在仓库目录运行 make check（第一次会自动安装，约 1 分钟）",
              file=sys.stderr)
        raise SystemExit(2)
