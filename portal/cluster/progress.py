"""What a site's build and its runner tell each other while it runs, through the fork server.

A build forked by ``portal.cluster.forkserver`` has a pipe of its own to the server (:func:`attach`,
in the child); the server answers the runner ``{"id": n, "event": word}`` for each line, always
before the build's end (``{"id": n, "status": …}``). The words a build tells:

- ``manifest``: the site's manifest (``plugins/clustermanifest``) is written and will not change
  in this build: its documents are read and checked, its pages not yet written. What depends on
  the manifests only (the county's catalogue, the cluster-wide lists) may start.

A build may also be started *held*: before the runner knows whether it is needed (the county's,
while its sub-sites' manifests may still change). It reads its documents and caches, then waits
(:func:`wait_for_word`, before it writes anything) for the runner's word through a second pipe:
``go`` (build on), or ``stop`` (end here: nothing written, nothing published).

A build started any other way (``python -m pelican``, the preview, a ``fresh`` build of the
runner, which is a new interpreter) has no pipe: telling is a no-op, nothing is waited for, and
its runner learns everything at the build's end.
"""

from __future__ import annotations

import contextlib
import os
import select
from collections.abc import Iterator

MANIFEST = "manifest"
GO = "go"
STOP = "stop"
# the write end of this build's pipe to the fork server; None outside a forked build
_FD: int | None = None
# the read end of the runner's word to a held build; None when not held (or once read)
_WORD: int | None = None
# what a held build may do while it waits for its word (``meanwhile``)
_MEANWHILE: list[Iterator[object]] = []


def attach(fd: int, word: int | None = None) -> None:
    """In a build forked by the server: where to tell, and where a held build's word comes from."""
    global _FD, _WORD
    _FD, _WORD = fd, word


def tell(word: str) -> None:
    """Tell the runner (nothing without one; a runner gone is no failure of the build)."""
    if _FD is None:
        return
    # a few bytes in one write(): a pipe never splits it nor mixes it with another's
    with contextlib.suppress(OSError):
        os.write(_FD, word.encode("ascii") + b"\n")


def held() -> bool:
    """Whether this build was started held and has not heard its word yet."""
    return _WORD is not None


def meanwhile(steps: Iterator[object]) -> None:
    """Work a held build may do while it waits for its word, each step short (reading a kept
    cache it will need once it goes on): done a step at a time until the word comes, the rest
    left to when it is needed. Only a held build gives any (``held``)."""
    _MEANWHILE.append(steps)


def wait_for_word() -> None:
    """In a held build, before its first write: return on ``go``; end the build on ``stop``
    (``SystemExit(0)``: the exit hooks end its search index writer without publishing) or when
    the runner is gone (the pipe ends unanswered: exit status 1). Not held: returns at once."""
    global _WORD
    fd, _WORD = _WORD, None
    works, _MEANWHILE[:] = list(_MEANWHILE), []
    if fd is None:
        return
    for work in works:
        if any(select.select([fd], [], [], 0)[0] for _step in work):  # the word came (or the end)
            break
    with os.fdopen(fd, "rb") as pipe:
        word = pipe.readline().strip().decode("ascii", "replace")
    if word == GO:
        return
    if word == STOP:
        raise SystemExit(0)
    raise SystemExit("生成程序已结束，未通知本网站继续生成：网站未生成")
