"""What a site's build tells its runner before it ends: one word a line, through the fork server.

A build forked by ``portal.cluster.forkserver`` has a pipe of its own to the server (:func:`attach`,
in the child); the server answers the runner ``{"id": n, "event": word}`` for each line, always
before the build's end (``{"id": n, "status": …}``). The words:

- ``manifest``: the site's manifest (``plugins/clustermanifest``) is written and will not change
  in this build: its documents are read and checked, its pages not yet written. What depends on
  the manifests only (the county's catalogue, the cluster-wide lists) may start.

A build started any other way (``python -m pelican``, the preview, a ``fresh`` build of the
runner, which is a new interpreter) has no pipe: telling is a no-op, and its runner learns
everything at the build's end.
"""

from __future__ import annotations

import contextlib
import os

MANIFEST = "manifest"
# the write end of this build's pipe to the fork server; None outside a forked build
_FD: int | None = None


def attach(fd: int) -> None:
    """In a build forked by the server: where to tell."""
    global _FD
    _FD = fd


def tell(word: str) -> None:
    """Tell the runner (nothing without one; a runner gone is no failure of the build)."""
    if _FD is None:
        return
    # a few bytes in one write(): a pipe never splits it nor mixes it with another's
    with contextlib.suppress(OSError):
        os.write(_FD, word.encode("ascii") + b"\n")
