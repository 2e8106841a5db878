"""Drafts of 依申请公开 requests between the form and the confirmation page.

The receipt date of an online request is the day both sides confirm (Art. 31), so the request is
only stored as a message when the applicant presses 确认提交 on the review page. Until then the
checked input and attachments wait under UPLOAD_DIR/pending/<token>/, outside the web root; drafts
older than a day are removed whenever a new one is saved.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path
from typing import Any

from formsvc.services.uploads import Upload

MAX_AGE_SECONDS = 24 * 3600
_TOKEN_CHARS = set("0123456789abcdef")


def _root(upload_dir: Path | str) -> Path:
    return Path(upload_dir) / "pending"


def _dir(upload_dir: Path | str, token: str) -> Path | None:
    # the token comes from a form field: accept only what we generate
    if len(token) != 32 or not set(token) <= _TOKEN_CHARS:
        return None
    return _root(upload_dir) / token


def save(upload_dir: Path | str, data: dict[str, Any], uploads: list[Upload]) -> str:
    """Keep a 依申请公开 request and its files until it is confirmed; returns its token."""
    purge(upload_dir)
    token = secrets.token_hex(16)
    d = _root(upload_dir) / token
    d.mkdir(parents=True, mode=0o700)
    try:
        files = []
        for i, up in enumerate(uploads):
            (d / f"file{i}").write_bytes(up.data)
            files.append({"filename": up.filename, "mime_type": up.mime_type})
        (d / "draft.json").write_text(json.dumps({"data": data, "files": files},
                                                 ensure_ascii=False), encoding="utf-8")
    except OSError:
        # a full disk leaves no half-written draft behind (the caller answers 503)
        shutil.rmtree(d, ignore_errors=True)
        raise
    return token


def load(upload_dir: Path | str, token: str) -> tuple[dict[str, Any], list[Upload]] | None:
    """The draft of ``token`` (data and files), or None when missing or expired."""
    d = _dir(upload_dir, token)
    if d is None or not (d / "draft.json").is_file():
        return None
    if time.time() - (d / "draft.json").stat().st_mtime > MAX_AGE_SECONDS:
        delete(upload_dir, token)
        return None
    raw = json.loads((d / "draft.json").read_text(encoding="utf-8"))
    uploads = [Upload(f["filename"], (d / f"file{i}").read_bytes(), f["mime_type"])
               for i, f in enumerate(raw["files"])]
    return raw["data"], uploads


def delete(upload_dir: Path | str, token: str) -> None:
    """Remove the draft of ``token`` and its files."""
    d = _dir(upload_dir, token)
    if d is not None:
        shutil.rmtree(d, ignore_errors=True)


def purge(upload_dir: Path | str, max_age: int = MAX_AGE_SECONDS) -> int:
    """Remove abandoned drafts; returns how many."""
    root = _root(upload_dir)
    if not root.is_dir():
        return 0
    n = 0
    for d in root.iterdir():
        if d.is_dir() and time.time() - d.stat().st_mtime > max_age:
            shutil.rmtree(d, ignore_errors=True)
            n += 1
    return n
