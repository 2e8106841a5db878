"""Is the port free? Asked before ``make run`` and ``make preview`` start, so a busy port gets
one sentence in Chinese on how to choose another instead of a traceback after a full build."""

from __future__ import annotations

import errno
import socket
import sys


def busy_port_message(host: str, port: int, command: str) -> str | None:
    """The Chinese message when ``host:port`` cannot be bound, or None when it is free.

    ``command`` is what the user ran (``make run``), so the hint names it with ``PORT=``.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return f"无法识别地址 {host}；请用 HOST=127.0.0.1 {command}"
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # as the servers bind: a port left in TIME_WAIT by the last run counts as free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return (f"端口 {port} 已被占用（可能门户或预览已在运行）；"
                        f"请先停止它，或换一个端口：{command} PORT={port + 1}")
            return f"无法使用端口 {port}（{exc.strerror}）；请换一个端口：{command} PORT={port + 1}"
    return None


def main(argv: list[str]) -> int:
    """``python -m portal.ports HOST PORT COMMAND``: exit 1 with the message when the port is busy
    (``make run`` asks before its build, so nobody waits for a build to learn it)."""
    host, port, command = argv[0], int(argv[1]), " ".join(argv[2:]) or "make run"
    if (busy := busy_port_message(host, port, command)) is not None:
        print(busy, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
