"""The one routing point between the primary and the read replica (``DATABASE_REPLICA_URL``).

The pages listed here only read, and only what is public: the letters list and a letter, the
statistics (page, CSV, JSON). Their requests get a session on the replica; every other request
(submissions, tracking after a citizen's own action, ratings, the workbench, the API keys' own
bookkeeping) reads and writes the primary. No page has to be pinned to the primary after a write:
the primary commits with ``synchronous_commit = remote_apply`` (harness/pgreplica.py), so what a
commit acknowledged is already visible on the replica. Without the setting nothing changes.
"""

from __future__ import annotations

from flask import Flask, request

from formsvc import db

# endpoint names of the read-only public pages; GET and HEAD only
REPLICA_ENDPOINTS = frozenset({
    "letters.letter_list", "letters.letter_detail", "letters.stats_page", "letters.stats_csv",
    "api.list_letters", "api.get_letter", "api.get_stats",
})
_READ_METHODS = frozenset({"GET", "HEAD"})


def init_app(app: Flask) -> None:
    """A create_app step: route the read-only pages to the replica when there is one."""
    if db.has_replica(app):
        app.before_request(_route)


def _route() -> None:
    if request.method in _READ_METHODS and request.endpoint in REPLICA_ENDPOINTS:
        db.read_from_replica()
