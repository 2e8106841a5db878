"""Pelican plugin ``clustermanifest``: the manifest of what this site's build published.

Written to ``<OUTPUT_PATH>/_cluster/manifest.json`` (format: ``portal.cluster.manifest``) once the
documents are read and checked, before the first page (Pelican's ``get_writer``, which comes after
the last change to a document's metadata: ``refresh_metadata_intersite_links``), and only then:
the runner is told at once (``portal.cluster.progress``), so the county's build and the
cluster-wide lists (``portal.cluster.lists``), which know every site's documents from the
manifests only, start while this build still writes its pages. A build that fails before that
point leaves the manifest of its site's last build; one that fails after, the new one (its
documents, as checked; the runner builds the site again next run). A build the runner started
*held* (``portal.cluster.progress``) waits here, before the manifest, for its word to go on.
Settings: ``CLUSTER`` (``site``, ``prefix``: the site's folder from the county's root), set by
``portal.cluster.settings``; a build without it is the county's.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from pelican import signals

from portal.cluster import manifest, progress
from portal.cluster.settings import MANIFEST
from sitesearch.fields import DEFAULT_SITE

log = logging.getLogger(__name__)
# the documents of the build under way, until its manifest is written: one build per process
# (Pelican's signals are global)
_ARTICLES: list[Any] = []
_UNWRITTEN: list[bool] = [False]


def collect(generators: list[Any]) -> None:
    """Remember the documents every generator read, once all of them have."""
    _ARTICLES[:] = [a for g in generators for a in getattr(g, "articles", ())]
    _UNWRITTEN[0] = True


def write_manifest(pelican: Any) -> None:
    """Write the manifest (atomically) and tell the runner it is final; no writer is returned
    (Pelican's, or ``plugins/incremental``'s, is the one used). Once a build: the preview asks
    for a writer again at each of its steps, without reading every document again."""
    # a held build (the county's, started before its runner knew it was needed) goes no further
    # until told: from here on it writes
    progress.wait_for_word()
    if not _UNWRITTEN[0]:
        return
    _UNWRITTEN[0] = False
    conf = pelican.settings.get("CLUSTER") or {}
    path = Path(pelican.settings["OUTPUT_PATH"]) / MANIFEST
    manifest.write(path, str(conf.get("site") or DEFAULT_SITE), _ARTICLES, str(conf.get("prefix") or ""))
    log.debug("clustermanifest: %d documents in %s", len(_ARTICLES), path)
    progress.tell(progress.MANIFEST)


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.all_generators_finalized.connect(collect)
    signals.get_writer.connect(write_manifest)
