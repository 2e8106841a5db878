"""Backup and restore: ``flask backup`` / ``flask restore`` move a whole county, field by field,
between new databases (SQLite → SQLite, SQLite → PostgreSQL, PostgreSQL → PostgreSQL, and back)."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from formsvc import db
from formsvc.db import backup
from formsvc.models import Attachment, Event, Message, OutboxNotification
from sitesearch import indexer
from tests.formsvc.conftest import good_data
from tests.reliability.conftest import bare_app, migrated_app
from tests.reliability.county import fill, snapshot, statuses
from tests.sitesearch.conftest import make_doc

PAIRS = [("sqlite", "sqlite"), ("sqlite", "postgresql"), ("postgresql", "postgresql"),
         ("postgresql", "sqlite")]


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{a}-to-{b}" for a, b in PAIRS])
def test_backup_restores_every_row_and_file(source: str, target: str, tmp_path: Path,
                                            content_dir: Path,
                                            new_database: Callable[[str, str], str]) -> None:
    src = migrated_app(tmp_path, new_database(source, "src"), content_dir, "src")
    codes = fill(src)
    assert statuses(src) == {"submitted", "assigned", "replied", "closed", "rejected"}
    archive = tmp_path / "county.tar.gz"
    r = src.test_cli_runner().invoke(args=["backup", str(archive)])
    assert r.exit_code == 0, r.output
    assert "备份已写入" in r.output

    # a new, empty database without even a schema: restore migrates it
    dst = bare_app(tmp_path, new_database(target, "dst"), content_dir, "dst")
    r = dst.test_cli_runner().invoke(args=["restore", str(archive)])
    assert r.exit_code == 0, r.output
    assert "校验一致" in r.output

    before, after = snapshot(src), snapshot(dst)
    assert set(before) == set(after)
    for table, rows in before.items():
        assert len(after[table]) == len(rows), table
        for old, new in zip(rows, after[table], strict=True):
            assert old == new, (table, old.get("id"))
    assert len(before["message"]) == len(codes) and before["event"] and before["mail_attempt"]
    assert before["letter"] and before["attachment"] and before["staff"]

    # the files came along, byte for byte
    for row in before["attachment"]:
        old = Path(src.config["UPLOAD_DIR"]) / row["stored_name"]
        new = Path(dst.config["UPLOAD_DIR"]) / row["stored_name"]
        assert new.read_bytes() == old.read_bytes()

    # the restored county works: citizens track with their old codes, new messages get new ids
    client = dst.test_client()
    for number, code in codes.items():
        resp = client.post("/api/v1/track", json={"tracking_number": number, "query_code": code})
        assert resp.status_code == 200, (number, resp.get_json())
    resp = client.post("/api/v1/messages", json={"kind": "zx", **good_data(
        "zx", phone="13900009999", content="恢复后的第一条新留言，请问办事大厅几点开门？")})
    assert resp.status_code == 201, resp.get_json()
    with dst.app_context():
        s = db.new_session()
        newest = s.scalar(select(func.max(Message.id)))
        assert newest == max(r["id"] for r in before["message"]) + 1
        s.close()


def test_restore_rebuilds_the_letters_search(tmp_path: Path, content_dir: Path,
                                             new_database: Callable[[str, str], str]) -> None:
    """The letters' search index is a copy of the database: restore rebuilds it (issue 18,
    defect 7), so the restored county's published letters are found again."""
    site = tmp_path / "site-index"
    indexer.build(site, [make_doc(1, title="路灯维护管理办法", body="路灯维修。")])
    src = migrated_app(tmp_path, new_database("sqlite", "src"), content_dir, "src",
                       SEARCH_INDEX_DIR=str(site))
    fill(src)
    archive = tmp_path / "county.tar.gz"
    assert src.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    dst = bare_app(tmp_path, new_database("sqlite", "dst"), content_dir, "dst",
                   SEARCH_INDEX_DIR=str(site))
    r = dst.test_cli_runner().invoke(args=["restore", str(archive)])
    assert r.exit_code == 0, r.output
    assert "已重建公开信件的搜索索引：1 件" in r.output
    found = dst.test_client().get("/api/v1/search", query_string={"q": "公交站点"})
    assert [h["type"] for h in found.get_json()["items"]] == ["letter"]


def test_restore_refuses_a_database_with_data(tmp_path: Path, content_dir: Path,
                                              new_database: Callable[[str, str], str]) -> None:
    src = migrated_app(tmp_path, new_database("sqlite", "src"), content_dir, "src")
    fill(src)
    archive = tmp_path / "county.tar.gz"
    assert src.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    # the source itself is not empty: refused, and nothing in it changed
    before = snapshot(src)
    r = src.test_cli_runner().invoke(args=["restore", str(archive)])
    assert r.exit_code != 0
    assert "不是空的" in r.output and "--force" in r.output
    assert snapshot(src) == before
    # with --force its rows are replaced by the backup's (the same here)
    r = src.test_cli_runner().invoke(args=["restore", "--force", str(archive)])
    assert r.exit_code == 0, r.output
    assert snapshot(src) == before


def test_a_damaged_backup_is_refused_and_nothing_is_kept(
        tmp_path: Path, content_dir: Path, new_database: Callable[[str, str], str]) -> None:
    src = migrated_app(tmp_path, new_database("sqlite", "src"), content_dir, "src")
    fill(src)
    archive = tmp_path / "county.tar.gz"
    assert src.test_cli_runner().invoke(args=["backup", str(archive)]).exit_code == 0
    # rewrite the archive with one event changed but the manifest as it was
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive, "r:gz") as old, tarfile.open(damaged, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == "tables/event.jsonl":
                data = data.replace("请及时办理".encode(), "已被篡改".encode(), 1)
                member.size = len(data)
            new.addfile(member, io.BytesIO(data))
    dst = bare_app(tmp_path, new_database("sqlite", "dst"), content_dir, "dst")
    r = dst.test_cli_runner().invoke(args=["restore", str(damaged)])
    assert r.exit_code != 0
    assert "核对不一致" in r.output and "event" in r.output
    with dst.app_context():
        s = db.new_session()
        assert s.scalar(select(func.count()).select_from(Message)) == 0
        s.close()


def test_backup_while_submissions_arrive_is_consistent(
        tmp_path: Path, content_dir: Path, new_database: Callable[[str, str], str]) -> None:
    """One read transaction: every message in the archive has its event and outbox rows, and no
    event or outbox row points at a message the archive lacks, although writers never stopped."""
    app = migrated_app(tmp_path, new_database("sqlite", "live"), content_dir, "live")
    stop = threading.Event()
    sent: list[int] = []

    def writer() -> None:
        client = app.test_client()
        n = 0
        while not stop.is_set():
            n += 1
            r = client.post("/api/v1/messages", json={"kind": "zx", **good_data(
                "zx", phone=f"139{n:08d}", content=f"备份期间持续提交的留言，第 {n} 条。")})
            assert r.status_code == 201
            sent.append(n)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(sent) < 20:
            threading.Event().wait(0.05)
        archives = []
        for i in range(3):
            path = tmp_path / f"live-{i}.tar.gz"
            backup.backup(db.get_engine(app), app.config["UPLOAD_DIR"], path)
            archives.append(path)
    finally:
        stop.set()
        thread.join()
    for path in archives:
        with tarfile.open(path, "r:gz") as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
            rows = {t["name"]: [json.loads(x) for x in tar.extractfile(  # type: ignore[union-attr]
                f"tables/{t['name']}.jsonl")] for t in manifest["tables"]}
        ids = {m["id"] for m in rows["message"]}
        assert ids, "the backup saw no message"
        assert {e["message_id"] for e in rows["event"]} == ids
        assert {o["message_id"] for o in rows["outbox"]} == ids
        assert {t["name"]: t["rows"] for t in manifest["tables"]}["message"] == len(ids)
    assert len(sent) > 20


def test_models_match_the_tables_backed_up(tmp_path: Path, content_dir: Path,
                                           new_database: Callable[[str, str], str]) -> None:
    """The archive carries every table of the schema (a table a later migration adds is not
    silently left out) and nothing of Alembic's own."""
    app = migrated_app(tmp_path, new_database("sqlite", "t"), content_dir, "t")
    path = tmp_path / "t.tar.gz"
    summary = backup.backup(db.get_engine(app), app.config["UPLOAD_DIR"], path)
    names = {t.name for t in summary.tables}
    for model in (Message, Event, OutboxNotification, Attachment):
        assert model.__tablename__ in names
    assert "alembic_version" not in names
    assert backup.read_manifest(path)["revision"] == summary.revision
