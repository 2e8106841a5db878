"""A minimal SMTP server on loopback (enough of RFC 5321 for smtplib), keeping what it receives."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from email import message_from_bytes
from email.message import Message
from typing import Any


class FakeSMTP:
    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay  # per message, so that two senders overlap in time
        self.received: list[tuple[list[str], Message]] = []
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        self._threads: list[threading.Thread] = []

    def __enter__(self) -> FakeSMTP:
        self._sock.listen(16)
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def __exit__(self, *exc: Any) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        for t in self._threads:
            t.join(timeout=5)

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            t = threading.Thread(target=self._session, args=(conn,), daemon=True)
            t.start()
            self._threads.append(t)

    def _session(self, conn: socket.socket) -> None:
        f = conn.makefile("rb")
        try:
            conn.sendall(b"220 fake.test ESMTP\r\n")
            rcpts: list[str] = []
            while line := f.readline():
                cmd = line.decode("ascii", "replace").strip()
                verb = cmd[:4].upper()
                if verb in ("EHLO", "HELO"):
                    conn.sendall(b"250 fake.test\r\n")
                elif verb == "MAIL":
                    rcpts = []
                    conn.sendall(b"250 OK\r\n")
                elif verb == "RCPT":
                    rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
                    conn.sendall(b"250 OK\r\n")
                elif verb == "DATA":
                    conn.sendall(b"354 end with .\r\n")
                    data = bytearray()
                    while (part := f.readline()) not in (b".\r\n", b""):
                        data += part[1:] if part.startswith(b"..") else part
                    time.sleep(self.delay)
                    with self._lock:
                        self.received.append((rcpts, message_from_bytes(bytes(data))))
                    conn.sendall(b"250 queued\r\n")
                elif verb == "QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:  # RSET, NOOP …
                    conn.sendall(b"250 OK\r\n")
        except OSError:
            pass
        finally:
            f.close()
            conn.close()
