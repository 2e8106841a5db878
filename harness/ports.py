"""A loopback port for a server a test (or a harness) starts, that nobody else is given meanwhile.

Asking the OS for a free port (bind port 0, close, start the server on it) leaves a gap between
the close and the server's bind, and a parallel test worker asking the OS at that moment may be
given the same port: one of the two servers then fails, or, worse, a test talks to the other
worker's server. :func:`reserved_port` keeps its socket bound (SO_REUSEADDR, never listening)
while the block runs:

- the OS never hands the port to anyone binding port 0 (any worker's helper, a fake SMTP server,
  an outgoing connection): it is in use;
- a server started on it binds and listens as usual, since every server here sets SO_REUSEADDR
  as the reservation does (werkzeug, http.server, nginx, PostgreSQL) and the reservation does
  not listen; so does ``portal.ports``' check before ``make run`` and ``make preview``;
- until a server listens, a connection to it is refused: a port where nothing listens.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator


@contextlib.contextmanager
def reserved_port(host: str = "127.0.0.1") -> Iterator[int]:
    """A free port of ``host``, kept from everyone but the servers started on it in the block."""
    with socket.socket() as reservation:
        reservation.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        reservation.bind((host, 0))
        yield reservation.getsockname()[1]
