"""The application factory, configuration layers, error handling and CLI commands."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc import create_app, db
from formsvc.models import Department
from formsvc.services import departments
from tests.formsvc.conftest import make_config


def test_defaults_then_instance_file_then_env_then_argument(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str,
        content_dir: Path) -> None:
    inst = tmp_path / "instance"
    inst.mkdir()
    (inst / "config.py").write_text(
        'SUBJECT_MAX = 80\nCONTENT_MAX = 1500\nDISPATCHER_EMAIL = "file@example.com"\n')
    monkeypatch.setenv("FORMSVC_CONTENT_MAX", "1200")
    monkeypatch.setenv("FORMSVC_TIME_LIMITS", '{"ts": 15}')
    cfg = make_config(tmp_path, database_url, content_dir)
    cfg.pop("TESTING")
    app = create_app({**cfg, "DISPATCHER_EMAIL": "arg@example.com"})
    assert app.config["NAME_MAX"] == 50  # default
    assert app.config["SUBJECT_MAX"] == 80  # instance file
    assert app.config["CONTENT_MAX"] == 1200  # environment beats the file
    assert app.config["TIME_LIMITS"] == {"ts": 15}  # JSON from the environment
    assert app.config["DISPATCHER_EMAIL"] == "arg@example.com"  # argument beats all
    db.get_engine(app).dispose()


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/formsvc")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://u:p@db.example/formsvc"


def test_sqlite_default_with_wal_and_foreign_keys(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"INSTANCE_PATH": str(tmp_path / "inst")})
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'inst' / 'formsvc.sqlite3'}"
    assert app.config["UPLOAD_DIR"] == str(tmp_path / "inst" / "uploads")
    # a secret key is generated once and kept in the instance folder
    key = (tmp_path / "inst" / "secret_key").read_text()
    assert app.config["SECRET_KEY"] == key and len(key) == 64
    assert create_app({"INSTANCE_PATH": str(tmp_path / "inst")}).config["SECRET_KEY"] == key
    engine = db.get_engine(app)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
    engine.dispose()


def test_unexpected_error_is_a_chinese_500_without_traceback(app: Flask) -> None:
    @app.get("/hdjl/boom")
    def boom() -> str:
        raise ZeroDivisionError("secret detail")

    @app.get("/api/v1/boom")
    def api_boom() -> str:
        raise ZeroDivisionError("secret detail")

    client = app.test_client()
    html = client.get("/hdjl/boom")
    assert html.status_code == 500
    text = html.get_data(as_text=True)
    assert "系统出现错误" in text and "secret detail" not in text and "Traceback" not in text
    api = client.get("/api/v1/boom")
    assert api.status_code == 500
    assert api.get_json() == {"code": "internal_error", "message": api.get_json()["message"]}
    assert "secret" not in api.get_data(as_text=True)
    # the hotline said is the county's own (one setting), not a number written into the message
    assert "0123-12345" in api.get_json()["message"] and "0123-12345" in text
    app.config["HOTLINE"] = "0999-88888"
    assert "请拨打 0999-88888 反映" in client.get("/api/v1/boom").get_json()["message"]
    assert "0999-88888" in client.get("/hdjl/boom").get_data(as_text=True)


def test_the_hotline_is_kept_by_masking(app: Flask) -> None:
    from formsvc.services import county_numbers
    app.config["HOTLINE"] = "0999-88888"
    assert "0999-88888" in county_numbers.public_numbers(None, app.config)


def test_html_404_and_405_are_themed(client) -> None:  # noqa: ANN001
    r = client.get("/hdjl/nothing-here")
    assert r.status_code == 404 and "页面不存在" in r.get_data(as_text=True)
    assert '<footer class="gp-footer">' in r.get_data(as_text=True)
    assert client.delete("/hdjl/track").status_code == 405


def test_sync_departments_upserts_and_deactivates(app: Flask, tmp_path: Path,
                                                  session: Session) -> None:
    content = tmp_path / "c"
    content.mkdir()
    registry = (Path(app.config["CONTENT_DIR"]) / "departments.yml").read_text(encoding="utf-8")
    # drop 河西镇 (the last entry) and rename 城关镇
    cut = registry.index("  - code: hxz")
    (content / "departments.yml").write_text(
        registry[:cut].replace("name: 示范县城关镇人民政府", "name: 示范县城关街道办事处"),
        encoding="utf-8")
    result = departments.sync(session, content)
    assert result.deactivated == ["hxz"] and result.updated == ["cgz"] and not result.added
    hxz = session.scalar(select(Department).where(Department.code == "hxz"))
    assert hxz is not None and hxz.active is False  # never deleted
    assert [d.code for d in departments.active(session)][-1] == "cgz"
    again = departments.sync(session, app.config["CONTENT_DIR"])
    assert again.updated == ["cgz", "hxz"] and again.unchanged == 17


def test_cli_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    r = runner.invoke(args=["db-upgrade"])
    assert r.exit_code == 0 and "数据库结构" in r.output
    r = runner.invoke(args=["init-db"])
    assert r.exit_code == 0
    r = runner.invoke(args=["sync-departments"])
    assert r.exit_code == 0 and "机构同步完成" in r.output and "未变 19" in r.output
    r = runner.invoke(args=["due-date", "2025-09-26", "5"])
    assert r.exit_code == 0 and "2025-10-10" in r.output and "调休上班" in r.output
    r = runner.invoke(args=["purge-drafts"])
    assert r.exit_code == 0 and "已清理 0 份" in r.output


def test_migrations_match_the_models(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import formsvc.models
    from formsvc.models import Base

    # every model module, including those the package __init__ does not import
    for info in pkgutil.iter_modules(formsvc.models.__path__):
        importlib.import_module(f"formsvc.models.{info.name}")
    with db.get_engine(app).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
