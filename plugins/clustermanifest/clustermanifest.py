"""Pelican plugin ``clustermanifest``: the manifest of what this site's build published.

Written at the end of a build that finished (``finalized``) to ``<OUTPUT_PATH>/_cluster/
manifest.json`` (format: ``portal.cluster.manifest``), so the county's build and the cluster-wide
lists (``portal.cluster.lists``) know every site's documents without reading their content.
Settings: ``CLUSTER`` (``site``, ``prefix``: the site's folder from the county's root), set by
``portal.cluster.settings``; a build without it is the county's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pelican import signals

from portal.cluster import manifest
from portal.cluster.settings import MANIFEST
from sitesearch.fields import DEFAULT_SITE

log = logging.getLogger(__name__)
# the documents of the build under way: one build per process (Pelican's signals are global)
_ARTICLES: list[Any] = []


def collect(generators: list[Any]) -> None:
    """Remember the documents every generator read, once all of them have."""
    _ARTICLES[:] = [a for g in generators for a in getattr(g, "articles", ())]


def write_manifest(pelican: Any) -> None:
    """Write the manifest of a build that finished."""
    conf = pelican.settings.get("CLUSTER") or {}
    path = Path(pelican.settings["OUTPUT_PATH"]) / MANIFEST
    manifest.write(path, str(conf.get("site") or DEFAULT_SITE), _ARTICLES, str(conf.get("prefix") or ""))
    log.debug("clustermanifest: %d documents in %s", len(_ARTICLES), path)


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.all_generators_finalized.connect(collect)
    signals.finalized.connect(write_manifest)
