"""Fixtures for formsvc: an app on a migrated database, a client, and helpers for forms.

Tests run on SQLite; when TEST_DATABASE_URL is set (CI), every database test runs a second time on
PostgreSQL. The schema is created once per engine by the Alembic migrations (so they are tested
too) and the tables are emptied after each test.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, text
from sqlalchemy.orm import Session
from werkzeug.test import EnvironBuilder

from formsvc import create_app, db
from formsvc.db import migrate
from formsvc.models import Message
from formsvc.services import departments, lifecycle

ROOT = Path(__file__).resolve().parents[2]
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINES = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
# children before parents: emptied in this order after each test
TABLES = ("disclosure_case", "mail_attempt", "outbox", "letter", "reply_template", "extension_request", "reply_draft",
          "attachment", "event", "message", "staff", "department")
# tables of rows a test counts (everything a submission writes)
COUNTED = ("outbox", "attachment", "event", "message")

PROJECT_MD = """---
title: 示范县新能源汽车零部件产业园项目
industry: 先进制造
amount: 50000
cooperation: 独资
location: 示范县经济开发区
land: 200 亩工业用地
status: 洽谈中
department: swj
contact:
  name: 王明
  phone: 0123-6612012
summary: 建设新能源汽车零部件生产基地。
date: 2026-10-01
---
项目介绍。
"""


# 网上调查 of rsj, open for years around today (the access matrix, tests/formsvc/test_surveys.py)
SURVEY_YML = """title: 社保服务满意度调查
department: rsj
opens: 2000-01-01
closes: 2099-12-31
questions:
  - id: score
    type: scale
    text: 满意吗？
    required: true
  - id: advice
    type: text
    text: 建议
"""


@pytest.fixture(scope="session")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small content tree: the real departments registry, one 招商项目, drafts and interviews."""
    d = tmp_path_factory.mktemp("content")
    shutil.copy(ROOT / "content" / "departments.yml", d / "departments.yml")
    (d / "zsyz" / "xm").mkdir(parents=True)
    (d / "zsyz" / "xm" / "xny-lbj.md").write_text(PROJECT_MD, encoding="utf-8")
    (d / "surveys").mkdir()
    (d / "surveys" / "rsj-open.yml").write_text(SURVEY_YML, encoding="utf-8")
    # 意见征集 and 在线访谈 (open and closed), for the route-wide tests (CSRF, access matrix)
    from tests.formsvc.participation_data import write_tree

    return write_tree(d)


@pytest.fixture(scope="session", params=ENGINES)
def database_url(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'formsvc.sqlite3'}"
    else:
        url = TEST_DATABASE_URL.replace("postgresql://", "postgresql+psycopg://", 1)
        engine = db.make_engine(url)
        with engine.begin() as conn:  # a fresh schema for this test session
            old = MetaData()
            old.reflect(conn)
            old.drop_all(conn)
        engine.dispose()
    engine = db.make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url


def make_config(tmp_path: Path, database_url: str, content_dir: Path, **extra: Any) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": database_url,
        "CONTENT_DIR": str(content_dir),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "HOLIDAYS_FILE": str(tmp_path / "holidays.yml"),
        "RATELIMIT_STORAGE_URI": "memory://",
        "SUBMIT_RATE_LIMIT": "1000 per hour",
        "TRACK_RATE_LIMIT": "1000 per hour",
        **extra,
    }


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override to change the app's config in one test module or test."""
    return {}


@pytest.fixture
def app(tmp_path: Path, database_url: str, content_dir: Path,
        app_config: dict[str, Any]) -> Iterator[Flask]:
    app = create_app(make_config(tmp_path, database_url, content_dir, **app_config))
    with app.app_context():
        session = db.new_session()
        departments.sync(session, app.config["CONTENT_DIR"])
        session.close()
    yield app
    engine = db.get_engine(app)
    with engine.begin() as conn:
        # every table the migrations made (later issues add their own), children first
        current = MetaData()
        current.reflect(conn)
        names = [t.name for t in reversed(current.sorted_tables) if t.name != "alembic_version"]
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        else:
            for name in names:
                conn.execute(text(f'DELETE FROM "{name}"'))
    engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A database session of its own, for looking at what the app stored."""
    with app.app_context():
        s = db.new_session()
        yield s
        s.close()


# --- helpers ----------------------------------------------------------------------------

def soup(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csrf_from(page: BeautifulSoup) -> str:
    tag = page.find("input", attrs={"name": "csrf_token"})
    assert tag is not None, "form without a CSRF token"
    return str(tag["value"])


def check_page(page: BeautifulSoup) -> None:
    """What every formsvc page must have: the theme frame, one <h1>, labelled fields, CSRF."""
    assert page.html is not None and page.html.get("lang") == "zh-CN"
    assert page.title is not None and page.title.string and "示范县人民政府" in page.title.string
    assert len(page.find_all("h1")) == 1
    assert page.find("meta", attrs={"name": "ColumnName", "content": "互动交流"})
    assert page.find("footer")
    for form in page.find_all("form", attrs={"method": "post"}):
        assert form.find("input", attrs={"name": "csrf_token"}), "POST form without CSRF"
        for control in form.find_all(["input", "select", "textarea"]):
            if control.get("type") in ("hidden", "submit") or control.name == "button":
                continue
            cid = control.get("id")
            assert cid and page.find("label", attrs={"for": cid}), f"unlabelled control {cid}"


def error_texts(page: BeautifulSoup) -> dict[str, str]:
    """Field id → the error message shown beside it."""
    out = {}
    for p in page.select(".gp-error-message"):
        out[p["id"].removesuffix("-error")] = p.get_text().replace("错误：", "").strip()
    return out


def summary_texts(page: BeautifulSoup) -> list[str]:
    return [li.get_text(strip=True) for li in page.select(".gp-error-summary__list li")]


GOOD: dict[str, dict[str, str]] = {
    "common": {
        "name": "张三", "phone": "13812345678", "email": "zhangsan@example.com",
        "department": "rsj", "subject": "社保卡办理", "content": "请问社保卡补办需要带哪些材料，在哪里办理？",
    },
    "ysqgk": {
        "applicant_type": "citizen", "name": "李四", "id_type": "resident_id",
        "id_number": "11010519491231002X", "phone": "0123-6612345", "email": "lisi@example.com",
        "address": "示范县人民路1号", "department": "xzfb", "subject": "2024年县级财政预算执行情况",
        "doc_no": "", "content": "申请公开2024年示范县县级财政预算执行情况的报告全文。",
        "purpose": "学习研究", "medium": "email", "delivery": "email",
    },
}


def good_data(kind: str, **changes: Any) -> dict[str, Any]:
    data = dict(GOOD["ysqgk" if kind == "ysqgk" else "common"])
    if kind == "tz":
        data.update(project="xny-lbj", department="swj", subject="园区用地咨询")
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def post_form(client: FlaskClient, kind: str, data: dict[str, Any],
              files: list[tuple[bytes, str]] | None = None, follow: bool = False) -> Any:
    page = soup(client.get(f"/hdjl/{kind}/new"))
    payload: dict[str, Any] = {"csrf_token": csrf_from(page), **data}
    if files:
        payload["attachments"] = [(BytesIO(content), name) for content, name in files]
    return post_multipart(client, f"/hdjl/{kind}/new", payload, follow)


def post_multipart(client: FlaskClient, path: str, data: dict[str, Any],
                   follow: bool = False) -> Any:
    """POST ``data`` (files as (BytesIO, name) pairs) as multipart/form-data.

    Built by hand: werkzeug's test client spools big bodies to a temporary file it never
    closes, which warnings-as-errors turns into a failure."""
    builder = EnvironBuilder(path=path, method="POST", data=data,
                             content_type="multipart/form-data")
    environ = builder.get_environ()
    try:
        return client.open(environ, follow_redirects=follow)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def confirm_disclosure(client: FlaskClient, review: Any, follow: bool = False) -> Any:
    page = soup(review)
    draft = page.find("input", attrs={"name": "draft"})["value"]
    return client.post("/hdjl/ysqgk/confirm", data={"csrf_token": csrf_from(page), "draft": draft},
                       follow_redirects=follow)


def receipt_of(response: Any) -> tuple[str, str]:
    page = soup(response)
    return (page.find(id="tracking-number").get_text(strip=True),
            page.find(id="query-code").get_text(strip=True))


def api_submit(client: FlaskClient, kind: str, **changes: Any) -> Any:
    body = {"kind": kind, **good_data(kind, **changes)}
    if kind == "ysqgk":
        body.setdefault("confirmed", True)
    return client.post("/api/v1/messages", json=body)


def mark_replied(app: Flask, number: str, text_: str = "您好，社保卡补办请携带身份证到县政务服务中心办理。") -> None:
    """Staff side (a later issue): dispatch and reply through the state machine."""
    from sqlalchemy import select

    from formsvc.db import utcnow

    with app.app_context():
        s = db.new_session()
        m = s.scalar(select(Message).where(Message.tracking_number == number))
        lifecycle.apply(m, "dispatch", actor="staff:1", role="dispatcher")
        m.reply_text = text_
        m.replied_at = utcnow()
        lifecycle.apply(m, "reply", actor="staff:2", role="handler")
        s.commit()
        s.close()


def count_rows(app: Flask) -> dict[str, int]:
    with app.app_context():
        engine = db.get_engine(app)
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
                    for t in COUNTED}


def upload_files(app: Flask) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


NUMBER_RE = re.compile(r"^(ZX|JY|TS|QZ|JB|TZ|GK)\d{8}-[2-9A-HJKMNP-Z]{6}$")

# Smallest real files of each type (checked by content, so they must be genuine).
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
       b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
       b"\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
