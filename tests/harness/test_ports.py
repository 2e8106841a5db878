"""harness.ports.reserved_port: a port for a server a test starts, kept from every other worker."""

from __future__ import annotations

import errno
import socket
import threading
from typing import Any
from urllib.request import urlopen

import pytest
from werkzeug.serving import make_server

from harness.ports import reserved_port
from portal import ports


def _hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def test_a_reserved_port_is_kept_from_others_and_open_to_the_server_started_on_it() -> None:
    with reserved_port() as port:
        # nothing listens there yet: refused (the mail test's server that is down)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)
        # the port is in use: no one else binds it (the gap a closed probe socket left open)
        with socket.socket() as other, pytest.raises(OSError) as taken:
            other.bind(("127.0.0.1", port))
        assert taken.value.errno == errno.EADDRINUSE
        # make run's and make preview's check finds it free, and a server listens and answers there
        assert ports.busy_port_message("127.0.0.1", port, "make run") is None
        server = make_server("127.0.0.1", port, _hello)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with urlopen(f"http://127.0.0.1:{port}/", timeout=10) as r:
                assert r.read() == b"ok"
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
