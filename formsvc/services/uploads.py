"""Attachments: checked by content (not by name), stored under random names outside the web root.

The type comes from the first bytes (``filetype``); then the structure must agree with it to the
last byte, because a file can be two things at once: a JPEG or PDF with a ZIP archive or an HTML
page appended (GIFAR-style polyglots) opens as an image for one program and as something else for
another. No file may end in a ZIP or RAR directory or carry HTML or script markup anywhere; a PNG
must end at its IEND chunk and a PDF at its last ``%%EOF`` (trailing whitespace and NUL padding
allowed), a JPEG must have its end marker; a PDF may have no JavaScript, launch actions or
embedded files (names written with ``#xx`` escapes or inside compressed object streams are not
seen: the check stops the common cases, staff still open attachments in a viewer, not a browser). Image dimensions are read from the header and
capped, so a tiny file cannot claim a canvas that takes gigabytes to open (a decompression bomb).
Office files, ZIP archives and SVG are not accepted from citizens, so no archive of theirs is ever
opened here. Staff attach the disclosed information to a reply (``REPLY_ACCEPTED``): PDF and office
documents, which are ZIP (OOXML, OpenDocument) or OLE2 (DOC, XLS) files; those are checked for
macros and, for ZIP, for a declared unpacked size a bomb would have (the directory is read, the
contents are not unpacked). Every file may also pass a virus scanner (:func:`scan`,
``VIRUS_SCAN_COMMAND``; none by default).

Files are written before the database commit and deleted again if the commit fails, so a failed
submission leaves no orphan file; a crash between the two leaves at worst an unreferenced file,
never a message pointing at a missing one. A write that fails half-way (disk full) removes the
partial file too.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
import shlex
import struct
import subprocess
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import filetype
from sqlalchemy.orm import Session

from formsvc.models import Attachment
from formsvc.services.errors import ServiceError

ACCEPTED = {"image/jpeg": ".jpg", "image/png": ".png", "application/pdf": ".pdf"}
ACCEPTED_LABEL = "JPG、PNG 或 PDF"
# The disclosed information staff attach to a reply (Art. 40: the form the applicant asked for).
_ZIP_OFFICE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
}
_OLE_OFFICE = {"application/msword": ".doc", "application/vnd.ms-excel": ".xls"}
REPLY_ACCEPTED = {"application/pdf": ".pdf", **_ZIP_OFFICE, **_OLE_OFFICE}
REPLY_ACCEPTED_LABEL = "PDF、Word（DOC、DOCX）、Excel（XLS、XLSX）或 OpenDocument（ODT、ODS）"
_EXTENSIONS = {**ACCEPTED, **REPLY_ACCEPTED}
# An office file's declared unpacked size and entry count: far above any real document.
_OFFICE_MAX_UNPACKED = 200 * 1024 * 1024
_OFFICE_MAX_ENTRIES = 5000
# Macros (VBA in OOXML and OLE2, Basic in OpenDocument): code that runs when the file opens.
_OLE_MACROS = ("_VBA_PROJECT".encode("utf-16-le"), "Macros".encode("utf-16-le"))
# 40 megapixels: beyond any phone photo or A4 scan at 600 dpi (~35 MP), far below a bomb
MAX_PIXELS = 40_000_000

# Markup a browser would run if it ever rendered the file as HTML (or an SVG inside it).
_MARKUP = re.compile(rb"<\s*(script|html|iframe|svg|object|embed|body|\?php)\b|javascript:",
                     re.IGNORECASE)
# PDF actions that run code or open other files.
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")
_PADDING = b" \t\r\n\x00"
_PNG_END = b"IEND\xaeB`\x82"
# What makes a file open as an archive too: ZIP's end-of-central-directory record (JAR, GIFAR,
# Office, APK are all ZIP), which readers look for in the last 64 KB, and RAR's signature.
_ARCHIVE_ENDS = (b"PK\x05\x06", b"Rar!\x1a\x07")
_ARCHIVE_TAIL = 65_536 + 22


@dataclass(frozen=True)
class Upload:
    """A checked attachment held in memory until the submission stores it."""

    filename: str
    data: bytes
    mime_type: str

    @property
    def size(self) -> int:
        """Bytes."""
        return len(self.data)

    @property
    def sha256(self) -> str:
        """Hex digest of the content."""
        return hashlib.sha256(self.data).hexdigest()


class UploadError(ServiceError):
    """An attachment refused (count, size, type by content)."""


def check(files: Iterable[tuple[str, bytes]], *, max_count: int, max_bytes: int,
          accepted: dict[str, str] | None = None, accepted_label: str = ACCEPTED_LABEL
          ) -> list[Upload]:
    """Check (filename, data) pairs; empty file inputs are ignored. Raises UploadError in Chinese.

    ``accepted`` (type → extension) is the citizens' ``ACCEPTED`` unless given (``REPLY_ACCEPTED``
    for a reply's files)."""
    accepted = ACCEPTED if accepted is None else accepted
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
        if kind is None or kind.mime not in accepted:
            raise UploadError("file_type", f"附件“{label}”不是 {accepted_label} 文件（按文件内容判断，"
                                           "改扩展名无效）")
        if kind.mime in _ZIP_OFFICE or kind.mime in _OLE_OFFICE:
            _check_office(label, data, kind.mime)
        else:
            _check_structure(label, data, kind.mime)
        checked.append(Upload(label, data, kind.mime))
    return checked


def _check_structure(label: str, data: bytes, mime: str) -> None:
    """Raise UploadError unless ``data`` is one clean file of type ``mime`` (see module doc)."""
    if _MARKUP.search(data) or (mime == "application/pdf" and _PDF_ACTIVE.search(data)):
        raise UploadError("file_active_content",
                          f"附件“{label}”含有网页脚本或可执行内容，不能上传；请另存为普通图片或 PDF 后再上传")
    body = data.rstrip(_PADDING)
    # JPEG may carry data after its end marker (phones append the video of a "motion photo"),
    # so only an end marker is required there; PNG and PDF end where their format says
    complete = {"image/jpeg": b"\xff\xd9" in data, "image/png": body.endswith(_PNG_END),
                "application/pdf": body.endswith(b"%%EOF")}
    if not complete[mime] or any(sig in data[-_ARCHIVE_TAIL:] for sig in _ARCHIVE_ENDS):
        raise UploadError("file_damaged",
                          f"附件“{label}”的文件结构异常（文件不完整，或附带了压缩包等其他内容），"
                          "请重新导出或截图后再上传")
    size = _dimensions(data, mime)
    if size is not None and size[0] * size[1] > MAX_PIXELS:
        raise UploadError("image_too_large",
                          f"附件“{label}”的图像尺寸过大（{size[0]}×{size[1]} 像素），"
                          f"请缩小到 {MAX_PIXELS // 1_000_000:,} 百万像素以内后再上传")


def _check_office(label: str, data: bytes, mime: str) -> None:
    """Raise UploadError for an office file with macros, or a ZIP one that is broken or would
    unpack to more than _OFFICE_MAX_UNPACKED (read from its directory, nothing is unpacked)."""
    if mime in _OLE_OFFICE:
        if any(m in data for m in _OLE_MACROS):
            raise UploadError("file_macros", f"附件“{label}”含有宏，不能上传；请另存为不含宏的文件或 PDF")
        return
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            entries = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise UploadError("file_damaged", f"附件“{label}”的文件结构异常，请重新导出后再上传") from None
    if (len(entries) > _OFFICE_MAX_ENTRIES
            or sum(e.file_size for e in entries) > _OFFICE_MAX_UNPACKED):
        raise UploadError("file_damaged", f"附件“{label}”解压后过大，请检查文件或另存为 PDF")
    names = [e.filename.lower() for e in entries]
    if any(n.endswith("vbaproject.bin") or n.startswith("basic/") for n in names):
        raise UploadError("file_macros", f"附件“{label}”含有宏，不能上传；请另存为不含宏的文件或 PDF")


def scan(command: Sequence[str] | str | None, uploads: Iterable[Upload],
         timeout: float = 120) -> None:
    """Run the virus scanner ``command`` (VIRUS_SCAN_COMMAND) on each file: exit 0 is clean,
    1 is infected (refused); anything else, or a scanner that cannot run, refuses too, so that
    an unchecked file is never taken for a clean one. No command: nothing is scanned."""
    if not command:
        return
    args = shlex.split(command) if isinstance(command, str) else list(command)
    for up in uploads:
        with tempfile.NamedTemporaryFile(prefix="scan-", suffix=_EXTENSIONS[up.mime_type]) as fh:
            fh.write(up.data)
            fh.flush()
            try:
                code = subprocess.run([*args, fh.name], capture_output=True, timeout=timeout,
                                      check=False).returncode
            except (OSError, subprocess.TimeoutExpired):
                code = -1
        if code == 1:
            raise UploadError("file_infected", f"附件“{up.filename}”未通过病毒检查，不能上传")
        if code != 0:
            raise UploadError("scan_failed",
                              f"附件“{up.filename}”暂时无法完成病毒检查，未上传，请稍后再试")


def _dimensions(data: bytes, mime: str) -> tuple[int, int] | None:
    """(width, height) from the image header; None for PDFs or when the header says nothing."""
    if mime == "image/png":
        if len(data) >= 24 and data[12:16] == b"IHDR":
            width, height = struct.unpack(">II", data[16:24])
            return width, height
        return None
    if mime != "image/jpeg":
        return None
    i = 2
    while i + 9 <= len(data):  # walk the marker segments up to the first frame header
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        if marker == 0xDA:  # start of scan before any frame header: nothing to read
            return None
        i += 2 + length
    return None


def write(upload_dir: Path, uploads: Iterable[Upload]) -> list[tuple[Upload, str]]:
    """Write files under random names; returns (upload, stored name). Cleans up if one write fails."""
    upload_dir.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Upload, str]] = []
    partial = ""  # created by us but not completely written
    try:
        for up in uploads:
            stored = secrets.token_hex(16) + _EXTENSIONS[up.mime_type]
            # "x": never overwrite, even on the astronomically unlikely name collision
            with open(upload_dir / stored, "xb") as fh:
                partial = stored
                fh.write(up.data)
            written.append((up, stored))
            partial = ""
    except OSError:
        # the file being written when the disk filled up goes too, not only the finished ones
        remove(upload_dir, [s for _, s in written] + ([partial] if partial else []))
        raise
    return written


def attachment_rows(message_id: int, written: Iterable[tuple[Upload, str]], purpose: str,
                    now: datetime) -> list[Attachment]:
    """The Attachment rows of files :func:`write` stored for ``message_id`` (ORM paths)."""
    return [Attachment(message_id=message_id, stored_name=stored, original_name=up.filename,
                       mime_type=up.mime_type, size=up.size, sha256=up.sha256, created_at=now,
                       purpose=purpose) for up, stored in written]


@contextmanager
def committed_or_removed(session: Session, upload_dir: Path,
                         written: list[tuple[Upload, str]]) -> Iterator[None]:
    """Commit what the block did with the files :func:`write` stored; on any error roll back
    and delete them, so that a refused or failed change leaves no file behind."""
    try:
        yield
        session.commit()
    except Exception:
        session.rollback()
        remove(upload_dir, [s for _, s in written])
        raise


def remove(upload_dir: Path, stored_names: Iterable[str]) -> None:
    """Delete stored files by name (missing ones are fine)."""
    for name in stored_names:
        (upload_dir / name).unlink(missing_ok=True)


def _safe_name(name: str) -> str:
    # keep only the last path component and printable characters: it is shown back to people
    # (isprintable also drops NUL, the RTL override of "gpj.exe" tricks and lone surrogates)
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable())[:200]
