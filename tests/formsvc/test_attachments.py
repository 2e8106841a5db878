"""Attachments: type by content, size, count, storage outside the web root under random names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.models import Message
from tests.formsvc.conftest import (
    JPEG,
    PDF,
    PNG,
    count_rows,
    error_texts,
    good_data,
    post_form,
    soup,
    upload_files,
)


def test_three_good_files_are_stored(client: FlaskClient, app: Flask, session: Session) -> None:
    r = post_form(client, "ts", good_data("ts"),
                  files=[(PNG, "a.png"), (JPEG, "b.jpg"), (PDF, "c.pdf")])
    assert r.status_code == 303
    m = session.scalars(select(Message)).one()
    assert [(a.original_name, a.mime_type) for a in m.attachments] == [
        ("a.png", "image/png"), ("b.jpg", "image/jpeg"), ("c.pdf", "application/pdf")]
    stored = sorted(p.name for p in upload_files(app))
    assert stored == sorted(a.stored_name for a in m.attachments)
    # random names, never the citizen's
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(png|jpg|pdf)", a.stored_name) for a in m.attachments)
    root = Path(app.config["UPLOAD_DIR"]).resolve()
    assert (root / m.attachments[0].stored_name).read_bytes() == PNG


def test_type_is_checked_by_content_not_name(client: FlaskClient, app: Flask) -> None:
    r = post_form(client, "ts", good_data("ts"), files=[(b"MZ\x90\x00 not an image", "photo.jpg")])
    assert r.status_code == 400
    assert error_texts(soup(r))["attachments"].startswith("附件“photo.jpg”不是 JPG、PNG 或 PDF 文件")
    assert count_rows(app)["message"] == 0 and upload_files(app) == []


def test_a_real_png_with_a_wrong_name_is_accepted(client: FlaskClient, session: Session) -> None:
    assert post_form(client, "ts", good_data("ts"), files=[(PNG, "scan.pdf")]).status_code == 303
    assert session.scalars(select(Message)).one().attachments[0].mime_type == "image/png"


@pytest.mark.parametrize("app_config", [{"MAX_ATTACHMENT_BYTES": 1024}])
def test_too_big(client: FlaskClient, app: Flask) -> None:
    big = PDF + b"0" * 2048
    r = post_form(client, "ts", good_data("ts"), files=[(big, "big.pdf")])
    assert r.status_code == 400
    assert error_texts(soup(r))["attachments"].startswith("附件“big.pdf”超过")
    assert upload_files(app) == []


def test_too_big_at_the_default_5_mb(client: FlaskClient, app: Flask) -> None:
    big = PDF + b"0" * (5 * 1024 * 1024)
    r = post_form(client, "ts", good_data("ts"), files=[(big, "big.pdf")])
    assert r.status_code == 400
    assert "超过 5 MB" in error_texts(soup(r))["attachments"]


def test_too_many(client: FlaskClient, app: Flask) -> None:
    r = post_form(client, "ts", good_data("ts"), files=[(PNG, f"{i}.png") for i in range(4)])
    assert r.status_code == 400
    assert error_texts(soup(r))["attachments"] == "最多上传 3 个附件，您选择了 4 个"
    assert count_rows(app)["message"] == 0 and upload_files(app) == []


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 10_000}])
def test_request_too_large_is_a_chinese_413(client: FlaskClient) -> None:
    r = post_form(client, "ts", good_data("ts"), files=[(PDF + b"0" * 20_000, "big.pdf")])
    assert r.status_code == 413
    assert "每个附件不超过 5 MB" in r.get_data(as_text=True)


def test_uploads_are_not_served(client: FlaskClient, app: Flask, session: Session) -> None:
    post_form(client, "ts", good_data("ts"), files=[(PNG, "a.png")])
    stored = session.scalars(select(Message)).one().attachments[0].stored_name
    for url in (f"/uploads/{stored}", f"/hdjl/uploads/{stored}", f"/instance/uploads/{stored}"):
        assert client.get(url).status_code == 404
