"""A PostgreSQL primary and its streaming replica on loopback, for the failover test and for trying
the replica out (docs/deploy.md, "PostgreSQL streaming replica and failover").

Both clusters live in one temporary directory, run Debian's server binaries
(``/usr/lib/postgresql/<version>/bin``, the version ``/etc/postgresql`` names), listen on
127.0.0.1 on ports of their own (never 5432) and are started and stopped with ``pg_ctl``. The
replica is a ``pg_basebackup -R`` of the primary, streaming as the ``replicator`` role (password,
scram). ``pg_createcluster``/``pg_ctlcluster`` are not used on purpose: they register the cluster
in ``/etc/postgresql`` (outside the temporary directory, root only, left behind by a crashed run).

Durability choice: ``synchronous_standby_names = 'FIRST 1 (replica1)'`` with
``synchronous_commit = remote_apply``: a commit returns (and the API answers 201) only after the
replica has written *and applied* it. Written (``on``) would already keep every acknowledged
submission through a failover; applied also means a page read from the replica right after a
write shows it, so no request has to be pinned to the primary "for a while" after a write.
The price is that the primary waits for the replica: with the replica down, writes stop (the
failover section of docs/deploy.md says how to run on alone).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.ports import reserved_port

REPLICA_NAME = "replica1"
REPLICATION_ROLE = "replicator"
APP_ROLE = "formsvc"
APP_DATABASE = "formsvc"
STATE_FILE = "pair.json"
# on the primary, copied to the replica by pg_basebackup; the replica's own lines follow.
# SYNCHRONOUS is set once the replica streams: before, every commit (CREATE ROLE) would wait.
SYNCHRONOUS = f"FIRST 1 ({REPLICA_NAME})"
PRIMARY_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "wal_level": "replica",
    "max_wal_senders": "4",
    "hot_standby": "on",
    "fsync": "on",
    "synchronous_commit": "remote_apply",
    "max_connections": "40",
    "shared_buffers": "32MB",
}
HBA = f"""\
local   all          all                          trust
host    replication  {REPLICATION_ROLE}  127.0.0.1/32  scram-sha-256
host    all          {APP_ROLE}     127.0.0.1/32  scram-sha-256
"""


class PgError(Exception):
    pass


def pg_version() -> str:
    """The PostgreSQL major version to use: the newest one in /etc/postgresql with its server
    binaries installed (else the newest installed)."""
    installed = {Path(p).parts[-3] for p in glob.glob("/usr/lib/postgresql/*/bin/pg_basebackup")}
    configured = {p.name for p in Path("/etc/postgresql").glob("*")} & installed
    versions = sorted(configured or installed, key=lambda v: [int(x) for x in v.split(".")])
    if not versions:
        raise PgError("PostgreSQL server binaries not found: apt-get install postgresql")
    return versions[-1]


def available() -> bool:
    """True when the server binaries this module needs are installed."""
    try:
        pg_version()
    except PgError:
        return False
    return True


@dataclass
class Node:
    name: str
    port: int

    def data(self, root: Path) -> Path:
        return root / self.name


@dataclass
class Pair:
    """A primary and its replica in ``root``; ``up`` creates and starts them."""

    root: Path
    version: str
    primary: Node
    replica: Node
    app_password: str
    replication_password: str

    # ---- life cycle -----------------------------------------------------------------------

    @classmethod
    def up(cls, root: Path | None = None) -> Pair:
        """Create both clusters in ``root`` (a new temporary directory by default) and start them;
        returns when the replica streams synchronously."""
        root = Path(root or tempfile.mkdtemp(prefix="portal-pg-replica-"))
        root.mkdir(parents=True, exist_ok=True)
        # each port kept from everyone else until its server listens (a parallel test worker
        # asking the OS for a port meanwhile is given another: harness.ports)
        with contextlib.ExitStack() as held:
            ports = set()
            while len(ports) < 2:
                port = held.enter_context(reserved_port())
                if port != 5432:
                    ports.add(port)
            p1, p2 = sorted(ports)
            pair = cls(root, pg_version(), Node("primary", p1), Node("replica", p2),
                       secrets.token_urlsafe(16), secrets.token_urlsafe(16))
            try:
                pair._create()
            except BaseException:
                pair.down(remove=False)
                raise
        return pair

    @classmethod
    def load(cls, root: Path) -> Pair:
        """The pair ``up`` left in ``root``."""
        raw = json.loads((Path(root) / STATE_FILE).read_text())
        return cls(Path(raw["root"]), raw["version"], Node(**raw["primary"]),
                   Node(**raw["replica"]), raw["app_password"], raw["replication_password"])

    def _create(self) -> None:
        self._prepare_dirs()
        self._run(self._bin("initdb"), "-D", str(self.primary.data(self.root)), "-U", "postgres",
                  "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8",
                  "--locale=C.UTF-8")
        data = self.primary.data(self.root)
        with (data / "postgresql.conf").open("a") as fh:
            fh.write("\n# harness/pgreplica.py\n")
            fh.writelines(f"{k} = {v}\n" for k, v in PRIMARY_SETTINGS.items())
        (data / "pg_hba.conf").write_text(HBA)
        self._chown(data / "postgresql.conf", data / "pg_hba.conf")
        self.start(self.primary)
        self._psql(self.primary, f"CREATE ROLE {REPLICATION_ROLE} REPLICATION LOGIN "
                                 f"PASSWORD '{self.replication_password}'")
        self._psql(self.primary, f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{self.app_password}'")
        self._psql(self.primary, f"CREATE DATABASE {APP_DATABASE} OWNER {APP_ROLE}")
        replica = self.replica.data(self.root)
        env = {"PGPASSWORD": self.replication_password}
        self._run(self._bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port),
                  "-U", REPLICATION_ROLE, "-D", str(replica), "-X", "stream", "-R",
                  "--checkpoint=fast", env=env)
        conninfo = (f"host=127.0.0.1 port={self.primary.port} user={REPLICATION_ROLE} "
                    f"password={self.replication_password} application_name={REPLICA_NAME}")
        with (replica / "postgresql.auto.conf").open("a") as fh:
            fh.write(f"primary_conninfo = '{conninfo}'\n"
                     # once promoted it runs alone: waiting for a standby it does not have would
                     # stop every write
                     "synchronous_standby_names = ''\n")
        self.start(self.replica)
        self._psql(self.primary, f"ALTER SYSTEM SET synchronous_standby_names = '{SYNCHRONOUS}'")
        self._psql(self.primary, "SELECT pg_reload_conf()")
        self.wait_streaming()
        (self.root / STATE_FILE).write_text(json.dumps(asdict(self), default=str))
        os.chmod(self.root / STATE_FILE, 0o600)

    def _prepare_dirs(self) -> None:
        # the server refuses to run as root: as root, the clusters belong to Debian's postgres
        self.root.chmod(0o755)
        for node in (self.primary, self.replica):
            d = node.data(self.root)
            d.mkdir(mode=0o700)
            self._chown(d)
        (self.root / "log").mkdir(exist_ok=True)
        self._chown(self.root / "log")

    def down(self, *, remove: bool = True) -> None:
        """Stop both clusters (fast) and remove the directory."""
        for node in (self.replica, self.primary):
            data = node.data(self.root)
            if (data / "postmaster.pid").exists():
                self._run(self._bin("pg_ctl"), "-D", str(data), "stop", "-m", "fast", "-w",
                          check=False)
        if remove:
            shutil.rmtree(self.root, ignore_errors=True)

    # ---- one node -------------------------------------------------------------------------

    def start(self, node: Node) -> None:
        """Start ``node`` on its port (its socket in the pair's directory); waits until ready."""
        self._run(self._bin("pg_ctl"), "-D", str(node.data(self.root)), "-w", "-t", "60",
                  "-l", str(self.root / "log" / f"{node.name}.log"),
                  "-o", f"-p {node.port} -k {self.root / 'log'}", "start")

    def kill(self, node: Node) -> None:
        """Stop ``node`` the way a crash would: immediate shutdown, no checkpoint."""
        self._run(self._bin("pg_ctl"), "-D", str(node.data(self.root)), "stop", "-m", "immediate",
                  "-w")

    def promote(self) -> None:
        """Make the replica a primary (``pg_ctl promote``); returns when it accepts writes."""
        self._run(self._bin("pg_ctl"), "-D", str(self.replica.data(self.root)), "promote", "-w",
                  "-t", "60")

    def pause_replication(self) -> int:
        """Freeze the replica's WAL receiver (SIGSTOP): a replica that has fallen behind. Returns
        its pid for ``resume_replication``."""
        pid = int(self._psql(self.replica, "SELECT pid FROM pg_stat_wal_receiver").strip())
        os.kill(pid, signal.SIGSTOP)
        return pid

    def drop_unreceived(self, pid: int) -> None:
        """End the WAL receiver ``pause_replication`` froze (SIGKILL): the WAL waiting in its
        socket is gone, as WAL a dead primary never sent is. The replica's postmaster restarts
        recovery from what is on its disk and streams again (or is promoted)."""
        os.kill(pid, signal.SIGKILL)

    def wait_streaming(self, timeout: float = 60) -> None:
        """Wait until the primary sees the replica as its synchronous standby."""
        deadline = time.monotonic() + timeout
        query = ("SELECT count(*) FROM pg_stat_replication WHERE application_name = "
                 f"'{REPLICA_NAME}' AND state = 'streaming' AND sync_state = 'sync'")
        while time.monotonic() < deadline:
            if self._psql(self.primary, query).strip() == "1":
                return
            time.sleep(0.2)
        raise PgError(f"the replica did not stream within {timeout} s: see {self.root / 'log'}")

    def url(self, node: Node, driver: str = "postgresql+psycopg") -> str:
        """The application's URL for ``node`` (role formsvc, database formsvc)."""
        return (f"{driver}://{APP_ROLE}:{self.app_password}@127.0.0.1:{node.port}/{APP_DATABASE}")

    # ---- helpers --------------------------------------------------------------------------

    def _bin(self, name: str) -> str:
        return f"/usr/lib/postgresql/{self.version}/bin/{name}"

    def _owner(self) -> pwd.struct_passwd | None:
        return pwd.getpwnam("postgres") if os.geteuid() == 0 else None

    def _chown(self, *paths: Path) -> None:
        owner = self._owner()
        if owner is not None:
            for p in paths:
                os.chown(p, owner.pw_uid, owner.pw_gid)

    def _run(self, *cmd: str, env: dict[str, str] | None = None,
             check: bool = True) -> str:
        argv = list(cmd)
        if self._owner() is not None:
            argv = ["runuser", "-u", "postgres", "--", "env",
                    *(f"{k}={v}" for k, v in (env or {}).items()), *argv]
        r = subprocess.run(argv, capture_output=True, text=True, timeout=90, cwd=self.root,
                           env={**os.environ, **(env or {})})
        if check and r.returncode:
            raise PgError(f"{' '.join(cmd[:2])} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
        return r.stdout

    def _psql(self, node: Node, sql: str) -> str:
        return self._run(self._bin("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                         "-h", str(self.root / "log"), "-p", str(node.port), "-U", "postgres",
                         "-d", "postgres", "-c", sql)


def main(argv: list[str] | None = None) -> int:
    """scripts/pg-replica up|down|kill-primary|promote [--dir DIR]."""
    parser = argparse.ArgumentParser(prog="scripts/pg-replica",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("up", "down", "kill-primary", "promote"))
    parser.add_argument("--dir", type=Path, help="the pair's directory (up: default a new "
                        "temporary one; the others: required)")
    args = parser.parse_args(argv)
    try:
        if args.action == "up":
            pair = Pair.up(args.dir)
            print(f"# PostgreSQL {pair.version}: primary :{pair.primary.port}, "
                  f"replica :{pair.replica.port}, in {pair.root}")
            print(f"export DATABASE_URL='{pair.url(pair.primary)}'")
            print(f"export DATABASE_REPLICA_URL='{pair.url(pair.replica)}'")
            print(f"# stop and remove: scripts/pg-replica down --dir {pair.root}")
            return 0
        if args.dir is None:
            parser.error(f"{args.action} needs --dir")
        pair = Pair.load(args.dir)
        if args.action == "down":
            pair.down()
        elif args.action == "kill-primary":
            pair.kill(pair.primary)
        else:
            pair.promote()
            print(f"export DATABASE_URL='{pair.url(pair.replica)}'")
            print("unset DATABASE_REPLICA_URL")
    except PgError as exc:
        print(f"pg-replica: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
