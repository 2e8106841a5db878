"""定期通报's PDFs as stored files: a month that has ended is rendered once and served from disk.

Rendering costs about 2 s of CPU, most of it fpdf2 parsing the 19 MB CJK font, so a closed
month's PDF (public and internal) is a file in ``REPORT_DIR`` (default ``<instance>/tongbao``):
``supervision-report`` (re)writes it, and the first request for a month without one builds and
stores it. Writes go to a temporary file in the same directory, then ``os.replace``, so a reader
sees the old file or the new one, never half of one; a lock file per month makes concurrent first
requests wait for the one that renders instead of parsing the font again (docs/supervision.md).
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from formsvc.domain.supervision import Period


def pdf_name(period: Period, public: bool) -> str:
    """The file name of a month's PDF, as the download and the command name it."""
    return f"tongbao-{period.key}.pdf" if public else f"tongbao-{period.key}-neibu.pdf"


def pdf_path(config: Mapping[str, Any], period: Period, public: bool) -> Path:
    """Where the month's stored PDF lives."""
    return Path(str(config["REPORT_DIR"])) / pdf_name(period, public)


def write(path: Path, body: bytes) -> None:
    """Replace ``path`` with ``body`` atomically (temporary file in the same folder, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _month_lock(config: Mapping[str, Any], period: Period) -> Iterator[None]:
    folder = Path(str(config["REPORT_DIR"]))
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f".tongbao-{period.key}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def store(config: Mapping[str, Any], period: Period, public: bool, body: bytes) -> Path:
    """Write (or rewrite) the month's PDF; returns its path."""
    path = pdf_path(config, period, public)
    with _month_lock(config, period):
        write(path, body)
    return path


def stored_or_render(config: Mapping[str, Any], period: Period, public: bool,
                     render: Callable[[], bytes]) -> bytes:
    """The month's stored PDF; rendered with ``render`` and stored when there is none yet."""
    path = pdf_path(config, period, public)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    with _month_lock(config, period):
        try:  # another request may have rendered it while this one waited for the lock
            return path.read_bytes()
        except FileNotFoundError:
            body = render()
            write(path, body)
            return body
