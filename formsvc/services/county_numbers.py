"""The county's own published numbers, which masking keeps (formsvc.services.masking's
``public_numbers``): every department's phone and fax in the registry, the site's contact phone
and the hotlines of the ``PUBLIC_NUMBERS`` setting. One function, so that every text that goes
public (proposed letters, published letters, their search entries) keeps the same numbers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from formsvc.config import load_site_settings
from formsvc.services import departments
from portal import departments as registry
from portal.schema import DEPARTMENTS_FILE


def public_numbers(session: Session | None, config: Mapping[str, Any]) -> tuple[str, ...]:
    """The published numbers of the county, each once, in a stable order."""
    found: set[str] = set(config.get("PUBLIC_NUMBERS", ()))
    found.add(str(config.get("HOTLINE") or ""))
    if session is not None:  # the synced registry: what staff see, cached per process
        found.update(d.phone for d in departments.snapshot(session).by_code.values())
    if config.get("CONTENT_DIR"):
        found.update(_file_numbers(os.path.join(config["CONTENT_DIR"], DEPARTMENTS_FILE),
                                   _registry_numbers))
    if config.get("PELICANCONF"):
        found.update(_file_numbers(config["PELICANCONF"], _site_numbers))
    return tuple(sorted(n.strip() for n in found if n and n.strip()))


def _file_numbers(path: str, read: Any) -> tuple[str, ...]:
    """``read(path)``, again only when the file changed; nothing when it cannot be read."""
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        return ()
    return _cached(path, stamp, read)


@lru_cache(maxsize=8)
def _cached(path: str, _stamp: int, read: Any) -> tuple[str, ...]:
    return tuple(read(path))


def _registry_numbers(path: str) -> list[str]:
    out: list[str] = []
    for entry in registry.load(os.path.dirname(path)):
        out += [entry.phone, entry.fax]
    return out


def _site_numbers(pelicanconf: str) -> list[str]:
    footer = load_site_settings(pelicanconf).get("FOOTER") or {}
    return [str(footer.get("phone") or "")]
