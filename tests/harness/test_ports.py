"""harness.ports.reserved_port: a port for a server a test starts, kept from every other worker."""

from __future__ import annotations

import errno
import socket
import threading
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from werkzeug.serving import make_server

from harness import loadtest, stacktest
from harness.ports import reserved_port
from portal import ports

ROOT = Path(__file__).resolve().parents[2]


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


def _taken(port: int) -> bool:
    with socket.socket() as other:
        try:
            other.bind(("127.0.0.1", port))
        except OSError as exc:
            assert exc.errno == errno.EADDRINUSE
            return True
    return False


def test_the_harnesses_keep_their_servers_ports_until_the_servers_stop(tmp_path: Path) -> None:
    """scripts/stack-test's servers and loadtest's gunicorn get reserved ports, released only
    when the stack or gunicorn is torn down (no free_port gap where another worker takes it)."""
    stack = stacktest.Stack(tmp_path, lambda _line: None)
    ports_of_stack = [stack.port(), stack.port()]
    assert len(set(ports_of_stack)) == 2 and all(_taken(p) for p in ports_of_stack)
    stack.close()
    assert not any(_taken(p) for p in ports_of_stack)
    gunicorn = loadtest.Gunicorn("formsvc.server.wsgi:app", {}, tmp_path / "gunicorn.log")
    assert _taken(gunicorn.port) and gunicorn.env["GUNICORN_BIND"] == f"127.0.0.1:{gunicorn.port}"
    gunicorn.__exit__(None, None, None)  # never started: only the port to give back
    assert not _taken(gunicorn.port)


@pytest.mark.parametrize("module", sorted((ROOT / "harness").glob("*.py")), ids=lambda p: p.name)
def test_no_harness_picks_a_port_by_closing_a_probe(module: Path) -> None:
    """Binding port 0 and closing the socket leaves the gap harness.ports closes: one helper."""
    if module.name == "ports.py":
        return
    source = module.read_text(encoding="utf-8")
    assert "getsockname()[1]" not in source, f"{module.name}: use harness.ports.reserved_port"
