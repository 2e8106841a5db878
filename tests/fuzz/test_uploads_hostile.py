"""Hostile attachments: lying extensions, polyglots, archives and zip bombs, pixel bombs, SVG with
script, empty and too many files, bodies of gigabytes, and a disk that fills up while saving.

Each is refused with a Chinese message beside the field (or a 413/503 page), and nothing is
stored: no message row, no file under UPLOAD_DIR.
"""

from __future__ import annotations

import errno
import io
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder, run_wsgi_app

from formsvc.services import uploads
from tests.formsvc.conftest import (
    JPEG,
    PDF,
    PNG,
    count_rows,
    csrf_from,
    error_texts,
    good_data,
    post_form,
    post_multipart,
    soup,
    upload_files,
)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_of(width: int, height: int) -> bytes:
    """A PNG whose header claims this size (the pixel data is one row: enough to be detected)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 2)) + png_chunk(b"IEND", b""))


def jpeg_of(width: int, height: int, padding: int = 0) -> bytes:
    """A JPEG with a frame header of this size and a comment of ``padding`` bytes."""
    comment = b"\xff\xfe" + struct.pack(">H", padding + 2) + b"a" * padding if padding else b""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + JPEG[2:20] + comment + sof + b"\xff\xd9"


def zip_bytes(files: dict[str, bytes], compress: bool = True) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def office_bomb() -> bytes:
    """A .docx-shaped ZIP whose document.xml inflates 50 MB from ~50 KB (ratio ~1000:1)."""
    return zip_bytes({"[Content_Types].xml": b'<?xml version="1.0"?><Types/>',
                      "word/document.xml": b"<w:document>" + b"0" * 50_000_000})


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>')
HTML = b"<!DOCTYPE html><html><body><script>fetch('/hdjl/staff/')</script></body></html>"
ZIP = zip_bytes({"readme.txt": b"hello"})

# (file name, content, the code formsvc.services.uploads raises)
HOSTILE: dict[str, tuple[str, bytes, str]] = {
    "html named .jpg": ("照片.jpg", HTML, "file_type"),
    "svg with script": ("图.svg", SVG, "file_type"),
    "svg named .png": ("图.png", SVG, "file_type"),
    "exe named .pdf": ("申请.pdf", b"MZ\x90\x00" + b"\x00" * 200, "file_type"),
    "zip named .jpg": ("a.jpg", ZIP, "file_type"),
    "docx zip bomb": ("材料.docx", office_bomb(), "file_type"),
    "xlsx zip bomb named .pdf": ("表格.pdf", office_bomb(), "file_type"),
    "nested zip": ("a.zip", zip_bytes({"inner.zip": office_bomb()}), "file_type"),
    "text file": ("说明.txt", "纯文本说明".encode(), "file_type"),
    "jpeg + zip (GIFAR-style)": ("照片.jpg", JPEG + ZIP, "file_damaged"),
    "png + zip": ("图.png", PNG + ZIP, "file_damaged"),
    "pdf + zip": ("文件.pdf", PDF + ZIP, "file_damaged"),
    "jpeg + html": ("照片.jpg", JPEG + HTML, "file_active_content"),
    "pdf + html": ("文件.pdf", PDF + HTML, "file_active_content"),
    "png + html in a text chunk": (
        "图.png", PNG[:33] + png_chunk(b"tEXt", b"Comment\x00<script>alert(1)</script>") + PNG[33:],
        "file_active_content"),
    "jpeg with script in a comment": (
        "照片.jpg", JPEG[:20] + b"\xff\xfe\x00\x1d<svg onload=alert(1)>..." + JPEG[20:],
        "file_active_content"),
    "pdf with javascript": ("文件.pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction<</S"
                                        b"/JavaScript/JS(app.alert(1))>>>>endobj\n%%EOF\n",
                            "file_active_content"),
    "pdf with launch action": ("文件.pdf", b"%PDF-1.4\n1 0 obj<</S/Launch/F(cmd.exe)>>endobj\n"
                                           b"%%EOF\n", "file_active_content"),
    "pdf with embedded file": ("文件.pdf", b"%PDF-1.4\n1 0 obj<</Type/EmbeddedFile>>stream\nMZ\n"
                                           b"endstream endobj\n%%EOF\n", "file_active_content"),
    "truncated png": ("图.png", PNG[:-12], "file_damaged"),
    "truncated jpeg": ("照片.jpg", JPEG[:-2], "file_damaged"),
    "pdf without %%EOF": ("文件.pdf", PDF.replace(b"%%EOF", b""), "file_damaged"),
    "png pixel bomb": ("图.png", png_of(100_000, 100_000), "image_too_large"),
    "jpeg pixel bomb": ("照片.jpg", jpeg_of(65_000, 65_000), "image_too_large"),
    "empty file": ("空.jpg", b"", "file_empty"),
}
# what an honest file may look like and still pass
GOOD_FILES = {
    "png": ("图.png", PNG, "image/png"),
    "jpeg": ("照片.jpg", JPEG, "image/jpeg"),
    "jpeg with a frame header": ("照片.jpg", jpeg_of(4000, 3000), "image/jpeg"),
    "jpeg padded with NULs": ("照片.jpg", JPEG + b"\x00" * 64, "image/jpeg"),
    "pdf with trailing newlines": ("文件.pdf", PDF + b"\r\n\r\n", "application/pdf"),
    # phones append the video of a "motion photo" after the JPEG's end marker
    "jpeg motion photo": ("照片.jpg", JPEG + b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 40,
                          "image/jpeg"),
    "png 6000x6000": ("图.png", png_of(6000, 6000), "image/png"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_is_refused_by_the_check(case: str) -> None:
    name, data, code = HOSTILE[case]
    with pytest.raises(uploads.UploadError) as exc:
        uploads.check([(name, data)], max_count=3, max_bytes=5 * 1024 * 1024)
    assert exc.value.code == code
    assert name in exc.value.message  # the citizen learns which file


@pytest.mark.parametrize("case", list(GOOD_FILES))
def test_honest_files_pass(case: str) -> None:
    name, data, mime = GOOD_FILES[case]
    [up] = uploads.check([(name, data)], max_count=3, max_bytes=5 * 1024 * 1024)
    assert up.mime_type == mime


def test_hostile_files_through_the_form(client: FlaskClient, app: Flask) -> None:
    before = count_rows(app)
    for case, (name, data, code) in HOSTILE.items():
        # an honest file first: one bad file refuses the whole submission
        r = post_form(client, "ts", good_data("ts"), files=[(PNG, "好.png"), (data, name)])
        assert r.status_code == 400, case
        message = error_texts(soup(r)).get("attachments", "")
        assert name.rsplit(".", 1)[0] in message, (case, message)
        expected = {"file_type": "不是 JPG、PNG 或 PDF 文件", "file_damaged": "文件结构异常",
                    "file_active_content": "含有网页脚本", "image_too_large": "图像尺寸过大",
                    "file_empty": "是空文件"}[code]
        assert expected in message, (case, message)
    assert count_rows(app) == before
    assert upload_files(app) == []


def test_file_names_are_cleaned(client: FlaskClient, app: Flask) -> None:
    from sqlalchemy import select

    from formsvc import db
    from formsvc.models import Attachment

    names = ["a\x00b.png", "../../etc/passwd.png", "C:\\temp\\x.png", "\u202egnp.exe", "\x1b[2J.png"]
    r = post_form(client, "zx", good_data("zx"), files=[(PNG, n) for n in names[:3]])
    assert r.status_code == 303
    r = post_form(client, "zx", good_data("zx", subject="第二件"),
                  files=[(PNG, n) for n in names[3:]])
    assert r.status_code == 303
    with app.app_context():
        s = db.new_session()
        stored = sorted(a.original_name for a in s.scalars(select(Attachment)))
        s.close()
    # (the test client's multipart encoder already eats the backslashes of "C:\\temp\\x.png")
    assert {"ab.png", "passwd.png", "gnp.exe", "[2J.png"} <= set(stored)
    assert all(n.isprintable() and "/" not in n and "\\" not in n for n in stored), stored
    for path in upload_files(app):  # stored under our random names only
        assert len(path.stem) == 32 and path.suffix == ".png"


@pytest.mark.parametrize("count", [4, 50])
def test_too_many_files(client: FlaskClient, app: Flask, count: int) -> None:
    r = post_form(client, "zx", good_data("zx"), files=[(PNG, f"{i}.png") for i in range(count)])
    assert r.status_code == 400
    assert f"最多上传 3 个附件，您选择了 {count} 个" in error_texts(soup(r))["attachments"]
    assert count_rows(app)["message"] == 0 and upload_files(app) == []


def test_over_the_size_limit(client: FlaskClient, app: Flask) -> None:
    limit = app.config["MAX_ATTACHMENT_BYTES"]
    big = jpeg_of(100, 100, padding=60_000)
    big = big[:-2] + b"\x00" * (limit + 1 - len(big)) + b"\xff\xd9"
    r = post_form(client, "zx", good_data("zx"), files=[(big, "大.jpg")])
    assert r.status_code == 400
    assert "超过 5 MB" in error_texts(soup(r))["attachments"]
    assert count_rows(app)["message"] == 0 and upload_files(app) == []


class Endless(io.RawIOBase):
    """A request body that never ends; counts what the server reads and refuses to go far."""

    def __init__(self, refuse_after: int) -> None:
        self.read_bytes = 0
        self.refuse_after = refuse_after

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.read_bytes += len(buffer)
        if self.read_bytes > self.refuse_after:
            raise AssertionError(f"the server read {self.read_bytes} bytes of a refused body")
        buffer[:] = b"a" * len(buffer)
        return len(buffer)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize("url", ["/hdjl/zx/new", "/api/v1/messages"])
def test_a_2_gb_body_is_refused_without_reading_it(client: FlaskClient, app: Flask, url: str,
                                                   declared: bool) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit <= 16 * 1024 * 1024  # three 5 MB files and the text, not gigabytes
    body = Endless(refuse_after=limit + 1024 * 1024)
    builder = EnvironBuilder(path=url, method="POST",
                             content_type="multipart/form-data; boundary=x"
                             if url.startswith("/hdjl") else "application/json")
    environ = builder.get_environ()
    builder.close()
    environ["wsgi.input"] = io.BufferedReader(body)
    if declared:
        environ["CONTENT_LENGTH"] = str(2 * 1024**3)
    else:
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    # straight to the WSGI app: the test client would measure the body by seeking to its end
    app_iter, status, _headers = run_wsgi_app(app.wsgi_app, environ, buffered=True)
    assert status.startswith("413")
    assert "提交的内容过大" in b"".join(app_iter).decode()
    if declared:
        assert body.read_bytes == 0  # refused on the header alone
    assert count_rows(app)["message"] == 0


# --- disk full ------------------------------------------------------------------------------------

def _disk_full_after(monkeypatch: pytest.MonkeyPatch, ok_writes: int) -> None:
    """Files opened for writing under UPLOAD_DIR fail with ENOSPC after ``ok_writes`` writes,
    having written half their data first (what a filling disk does)."""
    real_open = open
    state = {"writes": 0}

    class Filling(io.FileIO):
        def write(self, data: Any) -> int:
            state["writes"] += 1
            if state["writes"] > ok_writes:
                super().write(bytes(data)[: len(data) // 2])
                raise OSError(errno.ENOSPC, "No space left on device")
            return super().write(data)

    def fake_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "xb":
            return Filling(file, "x")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)


@pytest.mark.parametrize("ok_writes", [0, 1, 2])
def test_disk_full_while_saving(client: FlaskClient, app: Flask, monkeypatch: pytest.MonkeyPatch,
                                ok_writes: int) -> None:
    page = soup(client.get("/hdjl/zx/new"))
    _disk_full_after(monkeypatch, ok_writes)
    r = _post_with_token(client, csrf_from(page), [(PNG, "1.png"), (JPEG, "2.jpg"), (PDF, "3.pdf")])
    assert r.status_code == 503
    assert "留言没有被保存" in r.get_data(as_text=True)
    assert count_rows(app) == {"outbox": 0, "attachment": 0, "event": 0, "message": 0}
    assert upload_files(app) == []  # neither the finished files nor the half-written one


@pytest.fixture
def tiny_upload_dir(tmp_path: Path) -> Iterator[Path]:
    """A real 128 KB file system (tmpfs; needs root, as CI has), else the test is skipped."""
    d = tmp_path / "tiny"
    d.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(d)],
                          capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (not root?)")
    try:
        yield d
    finally:
        subprocess.run(["umount", str(d)], check=True)


@pytest.fixture
def app_config(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    config: dict[str, Any] = {"SUBMIT_RATE_LIMIT": "1000000 per hour"}
    if "tiny_upload_dir" in request.fixturenames:
        config["UPLOAD_DIR"] = str(request.getfixturevalue("tiny_upload_dir"))
    return config


def test_a_really_full_disk(tiny_upload_dir: Path, client: FlaskClient, app: Flask) -> None:
    assert app.config["UPLOAD_DIR"] == str(tiny_upload_dir)
    files = [(jpeg_of(100, 100, padding=60_000), f"{i}.jpg") for i in range(3)]  # 180 KB > 128 KB
    r = post_form(client, "zx", good_data("zx"), files=files)
    assert r.status_code == 503
    assert "留言没有被保存" in r.get_data(as_text=True)
    assert count_rows(app) == {"outbox": 0, "attachment": 0, "event": 0, "message": 0}
    assert list(tiny_upload_dir.iterdir()) == []
    # and the service goes on working once there is room: one file fits
    r = post_form(client, "zx", good_data("zx"), files=files[:1])
    assert r.status_code == 303
    assert len(list(tiny_upload_dir.iterdir())) == 1


def test_disk_full_while_saving_a_disclosure_draft(client: FlaskClient, app: Flask,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from formsvc.services import drafts

    def full(*args: Any, **kwargs: Any) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(drafts, "save", full)
    r = post_form(client, "ysqgk", good_data("ysqgk"), files=[(PDF, "材料.pdf")])
    assert r.status_code == 503
    assert "申请没有被提交" in r.get_data(as_text=True)
    assert count_rows(app)["message"] == 0


def test_disk_full_inside_a_draft_leaves_no_draft_folder(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from formsvc.services import drafts

    real = Path.write_text

    def full(self: Path, *args: Any, **kwargs: Any) -> int:
        if self.name == "draft.json":  # the attachment is written, then the disk fills
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError):
        drafts.save(tmp_path, {"subject": "申请"}, [uploads.Upload("材料.pdf", PDF, "application/pdf")])
    assert not any((tmp_path / "pending").iterdir())


def _post_with_token(client: FlaskClient, token: str, files: list[tuple[bytes, str]]) -> Any:
    data: dict[str, Any] = {"csrf_token": token, **good_data("zx"),
                            "attachments": [(io.BytesIO(c), n) for c, n in files]}
    return post_multipart(client, "/hdjl/zx/new", data)
