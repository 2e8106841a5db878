"""Attachments: checked by content (not by name), stored under random names outside the web root.

Files are written before the database commit and deleted again if the commit fails, so a failed
submission leaves no orphan file; a crash between the two leaves at worst an unreferenced file,
never a message pointing at a missing one.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import filetype

ACCEPTED = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
ACCEPTED_LABEL = "JPG、PNG 或 PDF"


@dataclass(frozen=True)
class Upload:
    """A checked attachment held in memory until the submission stores it."""

    filename: str
    data: bytes
    mime_type: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class UploadError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def check(files: Iterable[tuple[str, bytes]], *, max_count: int, max_bytes: int) -> list[Upload]:
    """Check (filename, data) pairs; empty file inputs are ignored. Raises UploadError in Chinese."""
    present = [(name, data) for name, data in files if name or data]
    if len(present) > max_count:
        raise UploadError("too_many_files", f"最多上传 {max_count} 个附件，您选择了 {len(present)} 个")
    checked = []
    mb = max_bytes // (1024 * 1024)
    for name, data in present:
        label = _safe_name(name) or "附件"
        if len(data) > max_bytes:
            raise UploadError("file_too_large", f"附件“{label}”超过 {mb} MB，请压缩后再上传")
        if not data:
            raise UploadError("file_empty", f"附件“{label}”是空文件")
        kind = filetype.guess(data)
        if kind is None or kind.mime not in ACCEPTED:
            raise UploadError("file_type", f"附件“{label}”不是 {ACCEPTED_LABEL} 文件（按文件内容判断，"
                                           "改扩展名无效）")
        checked.append(Upload(label, data, kind.mime))
    return checked


def write(upload_dir: Path, uploads: Iterable[Upload]) -> list[tuple[Upload, str]]:
    """Write files under random names; returns (upload, stored name). Cleans up if one write fails."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Upload, str]] = []
    try:
        for up in uploads:
            stored = secrets.token_hex(16) + ACCEPTED[up.mime_type]
            # "x": never overwrite, even on the astronomically unlikely name collision
            with open(upload_dir / stored, "xb") as fh:
                fh.write(up.data)
            written.append((up, stored))
    except OSError:
        remove(upload_dir, [s for _, s in written])
        raise
    return written


def remove(upload_dir: Path, stored_names: Iterable[str]) -> None:
    for name in stored_names:
        (upload_dir / name).unlink(missing_ok=True)


def _safe_name(name: str) -> str:
    # keep only the last path component and printable characters: it is shown back to people
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200]
