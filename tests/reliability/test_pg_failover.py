"""Failover to the streaming replica: no acknowledged submission is lost, the service answers again.

A real primary and replica (harness/pgreplica.py: Debian's PostgreSQL in a temporary directory,
synchronous_commit = remote_apply with the replica as the synchronous standby). The app runs on
both (DATABASE_URL and DATABASE_REPLICA_URL) while a client keeps submitting; the primary is
stopped the way a crash stops it (``pg_ctl stop -m immediate``) in the middle of that; the replica
is promoted and the app pointed at it. Just before the crash the replica's WAL receiver is frozen
(SIGSTOP) for a second while the client goes on, and killed with the primary (what it had not
written is lost, as WAL a dead primary never sent): with asynchronous replication the primary
acknowledges those submissions and the crash loses them (the test fails with
synchronous_commit = local); with remote_apply they wait and are refused with 503. Every submission answered 201 must be there, and the
service takes submissions and serves the public pages again.

Skipped without PostgreSQL's server binaries; CI sets GP_PG_REPLICA_REQUIRED=1 so it fails
instead (.ci/run).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from formsvc import db
from formsvc.models import Message
from harness import pgreplica
from tests.formsvc.conftest import api_submit
from tests.reliability.conftest import bare_app, migrated_app

REQUIRED = os.environ.get("GP_PG_REPLICA_REQUIRED") == "1"
# enough acknowledged submissions before the crash that a lost one would show; the client
# goes on submitting while the primary goes away
BEFORE_CRASH = 15
# how long the replica stays frozen before the primary is killed
PAUSE_SECONDS = 1.0

if not pgreplica.available():
    if REQUIRED:
        pytest.fail("GP_PG_REPLICA_REQUIRED=1 but PostgreSQL's server binaries are missing: "
                    "apt-get install postgresql", pytrace=False)
    pytest.skip("PostgreSQL's server binaries are missing (apt-get install postgresql)",
                allow_module_level=True)


@pytest.fixture
def pair() -> Iterator[pgreplica.Pair]:
    # its own temporary directory: pytest's tmp_path is private to root, the server runs as
    # postgres
    p = pgreplica.Pair.up()
    yield p
    p.down()


def stored(url: str) -> set[str]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(select(Message.tracking_number)))
    finally:
        engine.dispose()


def test_promoted_replica_has_every_acknowledged_submission(
        pair: pgreplica.Pair, tmp_path: Path, content_dir: Path) -> None:
    primary, replica = pair.url(pair.primary), pair.url(pair.replica)
    app = migrated_app(tmp_path, primary, content_dir, "before",
                       DATABASE_REPLICA_URL=replica)
    client = app.test_client()
    assert client.get("/hdjl/letters").status_code == 200  # a page read from the replica

    acknowledged: list[str] = []
    refused: list[int] = []
    enough = threading.Event()

    def submit_until_refused() -> None:
        own = app.test_client()
        while len(refused) < 3:  # until the primary is gone
            resp = api_submit(own, "zx")
            if resp.status_code == 201:
                acknowledged.append(resp.get_json()["tracking_number"])
            else:
                refused.append(resp.status_code)
            if len(acknowledged) >= BEFORE_CRASH:
                enough.set()
        enough.set()

    client_thread = threading.Thread(target=submit_until_refused)
    client_thread.start()
    assert enough.wait(60)
    # remote_apply: what the primary acknowledged is already applied on the replica
    assert set(acknowledged[:BEFORE_CRASH]) <= stored(replica)
    # the hard case: the replica falls behind while the client goes on submitting, and the
    # primary dies then. Asynchronous replication would have acknowledged (and lost) those
    # submissions; synchronous commits wait for the replica, so none of them is acknowledged.
    receiver = pair.pause_replication()
    during_pause = len(acknowledged)
    time.sleep(PAUSE_SECONDS)  # a window for the client, not a measurement
    pair.kill(pair.primary)
    pair.drop_unreceived(receiver)
    client_thread.join(60)
    assert not client_thread.is_alive()
    assert set(refused) == {503}, "a failed submission answers 503, never 500"
    db.get_engine(app).dispose()
    app.extensions["formsvc.replica_engine"].dispose()

    pair.promote()
    after = bare_app(tmp_path, replica, content_dir, "after")  # DATABASE_URL now the replica
    client = after.test_client()
    lost = set(acknowledged) - stored(replica)
    assert len(acknowledged) >= BEFORE_CRASH and not lost, (
        f"{len(lost)} acknowledged submissions lost ({len(acknowledged) - during_pause} "
        "acknowledged while the replica was frozen)")
    resp = api_submit(client, "zx")
    assert resp.status_code == 201, resp.get_data(as_text=True)
    assert resp.get_json()["tracking_number"] in stored(replica)
    assert client.get("/hdjl/letters").status_code == 200
    assert client.get("/api/v1/stats").status_code == 200
