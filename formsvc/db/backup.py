"""Logical backup and restore: ``flask --app formsvc backup FILE`` / ``restore FILE``.

A backup is a gzip-compressed tar archive, independent of the database engine:

* ``manifest.json``: format version, the Alembic revision of the schema, the source engine, and for
  every table its row count and the SHA-256 of its content; for every attachment file its size and
  SHA-256;
* ``tables/<name>.jsonl``: one JSON object per row, in primary-key order, tables in foreign-key
  order (parents first), values in a canonical form (UTC ISO datetimes, ISO dates, JSON as JSON);
* ``uploads/<stored name>``: the attachment files the backed-up ``attachment`` rows name.

All tables are read in one transaction (SQLite: one read transaction on the WAL snapshot;
PostgreSQL: REPEATABLE READ), so a backup taken while the service takes submissions is
consistent. A restore goes into an empty database brought to the backup's schema revision, loads
every table in one transaction, checks counts and hashes before committing, and then upgrades the
schema to the current head. Because the format is engine-independent, ``restore`` also moves a
county from SQLite to PostgreSQL.

The archive holds no secrets: query codes are stored as HMACs under ``QUERY_CODE_KEY`` (default
``SECRET_KEY``), so the restored service must run with the same key; the manifest carries a
fingerprint of the key so that ``restore`` can warn when it differs.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    Table,
    inspect,
    select,
    text,
)

from formsvc.db import UTCDateTime, migrate, utcnow
from formsvc.models import Base

FORMAT = "formsvc-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
BATCH = 1000
# drafts under UPLOAD_DIR/pending expire after a day and are not records: not backed up
ATTACHMENT_TABLE = "attachment"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator (Chinese)."""


@dataclass
class TableInfo:
    name: str
    rows: int
    sha256: str


@dataclass
class Summary:
    """What a backup wrote or a restore loaded."""

    revision: str | None
    tables: list[TableInfo]
    files: int = 0
    file_bytes: int = 0
    warnings: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary as the command prints it."""
        total = sum(t.rows for t in self.tables)
        out = [f"数据库结构版本 {self.revision}；{len(self.tables)} 张表共 {total} 行；"
               f"附件 {self.files} 个（{self.file_bytes} 字节）"]
        out += [f"  {t.name}: {t.rows} 行 sha256 {t.sha256[:16]}…" for t in self.tables]
        out += ["注意：" + w for w in self.warnings]
        return out


# --- canonical row encoding ------------------------------------------------------------------


def _encode(value: Any) -> Any:
    """A JSON value for a column value; the same data gives the same text on every engine."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoder(column: Any) -> Callable[[Any], Any]:
    """The inverse of ``_encode`` for one column of the target table."""
    typ = column.type
    if isinstance(typ, UTCDateTime | DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(typ, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(typ, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    if isinstance(typ, Boolean):
        return lambda v: None if v is None else bool(v)
    return lambda v: v


def _line(row: Mapping[str, Any]) -> bytes:
    return (json.dumps({k: _encode(v) for k, v in row.items()}, ensure_ascii=False,
                       sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


# --- which tables --------------------------------------------------------------------------


def _tables(conn: Connection) -> list[Table]:
    """The tables to copy, parents first: the models' tables (their types give UTC datetimes and
    JSON on both engines) plus, reflected, any other table a later migration made."""
    present = set(inspect(conn).get_table_names()) - {"alembic_version"}
    known = [t for t in Base.metadata.sorted_tables if t.name in present]
    extra = sorted(present - {t.name for t in known})
    if not extra:
        return known
    reflected = MetaData()
    reflected.reflect(conn, only=extra)
    combined = MetaData()
    for t in known + [reflected.tables[n] for n in extra]:
        t.to_metadata(combined)
    return list(combined.sorted_tables)


def _ordered_rows(conn: Connection, table: Table) -> Iterator[Mapping[str, Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    # streamed (a server-side cursor on PostgreSQL), closed even if the reader stops early
    # (an option of the statement: Connection.execution_options() would change the connection)
    stmt = select(table).order_by(*order).execution_options(yield_per=BATCH)
    with conn.execute(stmt) as result:
        for row in result:
            yield row._mapping


def _dump_table(conn: Connection, table: Table, out: io.BufferedIOBase | None) -> TableInfo:
    digest = hashlib.sha256()
    rows = 0
    for row in _ordered_rows(conn, table):
        line = _line(row)
        digest.update(line)
        if out is not None:
            out.write(line)
        rows += 1
    return TableInfo(table.name, rows, digest.hexdigest())


def key_fingerprint(config: Mapping[str, Any]) -> str:
    """Identifies the query-code key without revealing it (restore warns when it differs)."""
    key = config.get("QUERY_CODE_KEY") or config.get("SECRET_KEY") or ""
    if not key:
        return ""
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    return hmac.new(raw, b"formsvc-backup-key-check", hashlib.sha256).hexdigest()[:16]


# --- snapshot ------------------------------------------------------------------------------


class _Snapshot:
    """One consistent read of the whole database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.conn: Connection | None = None

    def __enter__(self) -> Connection:
        if self.engine.dialect.name == "sqlite":
            # pysqlite does not BEGIN before a SELECT by itself: without an explicit BEGIN each
            # query would see a different moment. In AUTOCOMMIT mode it passes our BEGIN through;
            # the first read then fixes the WAL snapshot, writers go on meanwhile.
            self.conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            self.conn.exec_driver_sql("BEGIN")
        else:
            self.conn = self.engine.connect().execution_options(isolation_level="REPEATABLE READ")
            self.conn.begin()
            if self.engine.dialect.name == "postgresql":
                self.conn.exec_driver_sql("SET TRANSACTION READ ONLY")
        return self.conn

    def __exit__(self, *exc: Any) -> None:
        assert self.conn is not None
        try:
            if self.engine.dialect.name == "sqlite":
                self.conn.exec_driver_sql("ROLLBACK")
            else:
                self.conn.rollback()
        finally:
            self.conn.close()


# --- backup --------------------------------------------------------------------------------


def backup(engine: Engine, upload_dir: Path | str, dest: Path | str,
           config: Mapping[str, Any] | None = None) -> Summary:
    """Write a backup archive to ``dest`` (atomically: a temporary file renamed at the end)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    upload_dir = Path(upload_dir)
    fd, tmp_name = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with tempfile.TemporaryDirectory(prefix="formsvc-backup-") as work_dir:
            work = Path(work_dir)
            summary, manifest = _snapshot_to(engine, upload_dir, work, config or {})
            with tarfile.open(tmp, "w:gz") as tar:
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime, info.mode = len(data), int(utcnow().timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
                for t in summary.tables:
                    tar.add(work / "tables" / f"{t.name}.jsonl", f"tables/{t.name}.jsonl")
                for name in manifest["uploads"]:
                    tar.add(upload_dir / name, f"uploads/{name}")
        os.chmod(tmp, 0o600)  # personal data
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return summary


def _snapshot_to(engine: Engine, upload_dir: Path, work: Path,
                 config: Mapping[str, Any]) -> tuple[Summary, dict[str, Any]]:
    (work / "tables").mkdir()
    infos: list[TableInfo] = []
    uploads: dict[str, dict[str, Any]] = {}
    warnings: list[str] = []
    files: list[tuple[str, str]] = []
    with _Snapshot(engine) as conn:
        revision = _revision(conn)
        if revision is None:
            raise BackupError("数据库还没有结构（没有 alembic_version）：请先运行 db-upgrade")
        for table in _tables(conn):
            with open(work / "tables" / f"{table.name}.jsonl", "wb") as out:
                infos.append(_dump_table(conn, table, out))
            if table.name == ATTACHMENT_TABLE:
                # the files the snapshot's rows name (written before their row was committed)
                files = [(r.stored_name, r.sha256) for r in conn.execute(
                    select(table.c.stored_name, table.c.sha256).order_by(table.c.id))]
        for stored_name, sha in files:
            path = upload_dir / stored_name
            if not _safe_member(stored_name) or not path.is_file():
                warnings.append(f"附件文件缺失：{stored_name}")
                continue
            digest, size = _file_hash(path)
            if digest != sha:
                warnings.append(f"附件文件与记录的 SHA-256 不符：{stored_name}")
            uploads[stored_name] = {"size": size, "sha256": digest}
    manifest = {
        "format": FORMAT, "version": FORMAT_VERSION, "created_at": utcnow().isoformat(),
        "source_engine": engine.dialect.name, "revision": revision,
        "key_fingerprint": key_fingerprint(config),
        "tables": [{"name": t.name, "rows": t.rows, "sha256": t.sha256} for t in infos],
        "uploads": uploads, "warnings": warnings,
    }
    summary = Summary(revision, infos, len(uploads), sum(u["size"] for u in uploads.values()),
                      warnings)
    return summary, manifest


def _revision(conn: Connection) -> str | None:
    if "alembic_version" not in inspect(conn).get_table_names():
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _file_hash(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return bool(name) and not p.is_absolute() and ".." not in p.parts and len(p.parts) == 1


# --- restore -------------------------------------------------------------------------------


def read_manifest(archive: Path | str) -> dict[str, Any]:
    """The manifest of a backup archive (checked to be one)."""
    with tarfile.open(archive, "r:gz") as tar:
        return _manifest(tar)


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
    except KeyError:
        member = None
    if member is None:
        raise BackupError("不是 formsvc 备份文件：缺少 manifest.json")
    manifest = json.loads(member.read().decode("utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise BackupError(f"不支持的备份格式：{manifest.get('format')} {manifest.get('version')}")
    return manifest


def restore(engine: Engine, upload_dir: Path | str, archive: Path | str, *, force: bool = False,
            config: Mapping[str, Any] | None = None) -> Summary:
    """Load ``archive`` into the database of ``engine`` and the files into ``upload_dir``.

    The target must be empty (no rows in any table) unless ``force``, which deletes its rows
    first. Everything is loaded in one transaction and verified (row counts, SHA-256 per table)
    before the commit; on any mismatch nothing is kept.
    """
    upload_dir = Path(upload_dir)
    with tarfile.open(archive, "r:gz") as tar:
        manifest = _manifest(tar)
        revision = manifest["revision"]
        _prepare_schema(engine, revision)
        warnings: list[str] = []
        fp = key_fingerprint(config or {})
        if manifest.get("key_fingerprint") and fp and fp != manifest["key_fingerprint"]:
            warnings.append("本机的查询码密钥（QUERY_CODE_KEY / SECRET_KEY）与备份来源不同："
                            "恢复后群众原有的查询码将无法使用，请改用原来的密钥")
        files, nbytes = _restore_files(tar, manifest, upload_dir, force)
        infos = _restore_tables(engine, tar, manifest, force)
    # the backup may be older than this code: bring it to the current schema
    migrate.upgrade(engine)
    return Summary(migrate.current_revision(engine), infos, files, nbytes, warnings)


def _prepare_schema(engine: Engine, revision: str) -> None:
    current = migrate.current_revision(engine)
    if current is None:
        migrate.upgrade(engine, revision)
    elif current != revision:
        raise BackupError(f"目标数据库的结构版本是 {current}，备份的是 {revision}：请恢复到一个新建的空数据库")


def _restore_tables(engine: Engine, tar: tarfile.TarFile, manifest: dict[str, Any],
                    force: bool) -> list[TableInfo]:
    infos: list[TableInfo] = []
    with engine.connect() as conn, conn.begin():
        tables = {t.name: t for t in _tables(conn)}
        wanted = [t["name"] for t in manifest["tables"]]
        missing = [n for n in wanted if n not in tables]
        if missing:
            raise BackupError("目标数据库缺少这些表：" + "、".join(missing))
        order = [t for t in tables.values() if t.name in wanted]  # parents first
        nonempty = [t.name for t in order if conn.execute(
            select(t.c[next(iter(t.columns.keys()))]).limit(1)).first() is not None]
        if nonempty and not force:
            raise BackupError("目标数据库不是空的（" + "、".join(nonempty) + " 中已有数据）："
                              "请恢复到新建的空数据库，或加 --force 先清空再恢复")
        for t in reversed(list(tables.values())):
            if nonempty:
                conn.execute(t.delete())
        for t in order:
            _load_table(conn, t, tar)
        expected = {t["name"]: t for t in manifest["tables"]}
        for t in order:
            got = _dump_table(conn, t, None)
            want = expected[t.name]
            if got.rows != want["rows"] or got.sha256 != want["sha256"]:
                raise BackupError(f"恢复后核对不一致：表 {t.name} 应为 {want['rows']} 行，实为 "
                                  f"{got.rows} 行，或内容的 SHA-256 不同；未保存任何数据")
            infos.append(got)
        if conn.dialect.name == "postgresql":
            _reset_sequences(conn, order)
    return infos


def _load_table(conn: Connection, table: Table, tar: tarfile.TarFile) -> None:
    member = tar.extractfile(f"tables/{table.name}.jsonl")
    if member is None:
        raise BackupError(f"备份文件缺少表 {table.name} 的数据")
    decoders = {c.name: _decoder(c) for c in table.columns}
    batch: list[dict[str, Any]] = []
    for raw in member:
        row = json.loads(raw)
        unknown = set(row) - set(decoders)
        if unknown:
            raise BackupError(f"表 {table.name} 没有这些列：{'、'.join(sorted(unknown))}")
        batch.append({k: decoders[k](v) for k, v in row.items()})
        if len(batch) >= BATCH:
            conn.execute(table.insert(), batch)
            batch = []
    if batch:
        conn.execute(table.insert(), batch)


def _reset_sequences(conn: Connection, tables: list[Table]) -> None:
    # rows came with their ids: move each serial sequence past the largest one
    for t in tables:
        pk = list(t.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, Integer):
            continue
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                           {"t": t.name, "c": pk[0].name}).scalar()
        if seq:
            conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT MAX("{pk[0].name}") FROM '
                              f'"{t.name}"), 0) + 1, false)'), {"s": seq})


def _restore_files(tar: tarfile.TarFile, manifest: dict[str, Any], upload_dir: Path,
                   force: bool) -> tuple[int, int]:
    upload_dir.mkdir(parents=True, exist_ok=True)
    count = nbytes = 0
    for name, meta in manifest.get("uploads", {}).items():
        if not _safe_member(name):
            raise BackupError(f"备份中的附件名不安全：{name}")
        member = tar.extractfile(f"uploads/{name}")
        if member is None:
            raise BackupError(f"备份文件缺少附件 {name}")
        data = member.read()
        if hashlib.sha256(data).hexdigest() != meta["sha256"]:
            raise BackupError(f"附件 {name} 的 SHA-256 与清单不符：备份文件已损坏")
        path = upload_dir / name
        if path.exists():
            if _file_hash(path)[0] == meta["sha256"]:
                count, nbytes = count + 1, nbytes + len(data)
                continue
            if not force:
                raise BackupError(f"附件目录中已有不同内容的同名文件 {name}：加 --force 覆盖")
        tmp = path.with_name(f".{name}.restore")
        tmp.write_bytes(data)
        os.replace(tmp, path)
        count, nbytes = count + 1, nbytes + len(data)
    return count, nbytes


def table_hashes(engine: Engine) -> dict[str, TableInfo]:
    """Row counts and content hashes of every table, read in one snapshot (for checks and tests)."""
    with _Snapshot(engine) as conn:
        return {t.name: _dump_table(conn, t, None) for t in _tables(conn)}


__all__ = ["BackupError", "Summary", "TableInfo", "backup", "read_manifest", "restore",
           "table_hashes", "key_fingerprint"]
