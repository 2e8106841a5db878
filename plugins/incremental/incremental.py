"""Pelican plugin ``incremental``: a publishing build that reads and renders only what changed.

Inert unless the build has the setting ``INCREMENTAL`` (set by ``portal.cluster.runner``)::

    INCREMENTAL = {"dir": "<output root>/_cluster/cache/<site>", "full": False,
                   "manifests": "<output root>/_cluster/manifests.json"}  # the county's


With it, the reader (``plugins/yamlmeta``) reuses the parse, checks and HTML of every document
whose bytes did not change, and the writer renders a page only when what its template is given
changed since the last build (``portal.cluster.incremental``); pages the last build wrote and this
one did not are deleted. ``"full": True`` reads and writes everything (and still deletes what is
gone). Feeds are written the same way, only when their entries changed. Static files (the theme's,
the attachments) are copied only where missing: a changed one makes a full build. The caches are saved
only when the whole build has succeeded. JSON exports, the sitemap, the manifest and the search
index (itself incremental by content hash) are written by their plugins on every build, from
every document.
"""

from __future__ import annotations

import fnmatch
import gc
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pelican import signals
from pelican import utils as pelican_utils
from pelican.utils import sanitised_join
from pelican.writers import Writer

from portal.cluster import incremental, progress

log = logging.getLogger(__name__)
PREFIX = "incremental:"


STATE = incremental.ACTIVE  # plugins/yamlmeta reads STATE.reader


def start(pelican: Any) -> None:
    conf = pelican.settings.get("INCREMENTAL")
    STATE.end()
    STATE.kept_lists = []
    if not conf:
        return
    # A build allocates millions of small objects it keeps to the end (documents, rows, page
    # digests): Python's default collector traverses them again and again (10–15 % of an
    # incremental build's CPU at 1,000 documents and at the county's 45,000 entries). What was
    # imported before the build (the fork server's modules) is never garbage: frozen, never
    # traversed; the young generation collected 70 times less often. A build that is not full
    # renders few pages, so leaves little cyclic garbage, and what it allocates (the county's
    # 45,000 kept entries: 200,000 containers) lives to its end: the collector need not run
    # (its four passes over 50,000 new objects each were 0.06 of the county's 1.3 CPU-s).
    gc.freeze()
    folder = Path(conf["dir"])
    full = bool(conf.get("full"))
    gc.set_threshold(50_000 if full else 1_000_000, 20, 20)
    STATE.reader = incremental.ReaderCache(folder, full=full)
    STATE.pages = incremental.PageDigests(folder, full=full)
    STATE.derived = incremental.Derived(folder, full=full)
    STATE.output = Path(pelican.settings["OUTPUT_PATH"]).resolve()
    if conf.get("manifests"):  # the county: its sub-sites' manifests as the runner hashed them
        STATE.manifests_store = Path(conf["manifests"])
        if progress.held():  # what it keeps of them read while it waits for its word
            progress.meanwhile(STATE.derived.preloading((pelican.settings.get("CLUSTER") or {})
                                                        .get("manifests") or []))


class SelectiveWriter(Writer):
    """Pelican's writer, skipping pages whose template gets what it got last time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a list page's folder in the output and the files in it (write_page)
        self._folders: dict[str, tuple[str, frozenset[str]]] = {}

    def write_file(self, name: Any, template: Any, context: dict[str, Any], relative_urls: bool = False,
                   paginated: Any = None, template_name: Any = None, override_output: bool = False,
                   url: Any = None, **kwargs: Any) -> Any:
        pages = STATE.pages
        pelican_paginates = (paginated if paginated is not None else
                             {k: v for k, v in kwargs.items() if k in {"articles", "dates"}})
        if (pages is None or not name
                or (pelican_paginates and template_name in self.settings["PAGINATED_TEMPLATES"])):
            # Pelican's own pagination writes pages under other names: always written
            return super().write_file(name, template, context, relative_urls, paginated, template_name,
                                      override_output, url, **kwargs)
        digest = pages.digest(name, template, context, (relative_urls, template_name), kwargs)
        path = sanitised_join(self.output_path, name)
        if pages.unchanged(name, digest, path):
            pages.skipped += 1
            # the page is the one on disk; whoever collects the written pages (the sitemap)
            # is told about it as if it had been written
            local = context.copy()
            local["output_file"] = name
            local.update(kwargs)
            signals.content_written.send(path, context=local)
            return None
        pages.written += 1
        return super().write_file(name, template, context, relative_urls, paginated, template_name,
                                  override_output, url, **kwargs)

    def write_page(self, name: str, digest: str, template: Any, context: dict[str, Any],
                   arguments: Callable[[], dict[str, Any]]) -> Any:
        """A page whose digest its generator made (a list page: of its list's and its items'
        digests, ``PageDigests.list_page_digest``), written with ``write_file``'s ``arguments()``
        only when the digest changed: a page kept costs neither its arguments nor their hash.
        A list page kept is not announced by ``content_written`` (blinker's 6.5 µs a page, 9,000
        kept pages of the county's): its path is noted in ``STATE.kept_lists``, which the
        sitemap (plugins/exports, the one receiver) takes in at its end, as a page without a
        document's date, what the signal with the shared context told it."""
        pages = STATE.pages
        if pages is None:
            return super().write_file(name, template, context, **arguments())
        folder, _, file = name.rpartition("/")
        joined, files = self._folder(folder)
        path = os.path.join(joined, file)
        # whether the kept page's file is there: in the folder's listing instead of a stat a page
        # (each name is given once a build: a page written since the listing is not asked about)
        if pages.unchanged(name, digest, path, lambda: file in files):
            pages.skipped += 1
            STATE.kept_lists.append(path)  # announced to the sitemap at its end (see the docstring)
            return None
        pages.written += 1
        return super().write_file(name, template, context, **arguments())

    def keep_list(self, key: str, digest: str, names: list[str]) -> bool:
        """Whether a paginated list's pages (``names``, files of one folder) are all kept at once:
        its digest (``PageDigests.list_digest``) is the last build's and every page's file is
        there (``PageDigests.keep_list``); they are then added to the sitemap like pages kept one
        by one (``write_page``). False: its pages are to be written or kept one by one."""
        pages = STATE.pages
        if pages is None or not names:
            return False
        folder = names[0].rpartition("/")[0]
        parts = [name.rpartition("/") for name in names]
        if any(part[0] != folder for part in parts):
            return False
        joined, files = self._folder(folder)
        if not pages.keep_list(key, digest, names, lambda: all(part[2] in files for part in parts)):
            return False
        pages.skipped += len(names)
        STATE.kept_lists.extend(os.path.join(joined, part[2]) for part in parts)
        return True

    def _folder(self, folder: str) -> tuple[str, frozenset[str]]:
        """A folder of the output (checked) and the files in it: listed once a build (10,000
        list pages in 100 folders)."""
        known = self._folders.get(folder)
        if known is None:
            joined = sanitised_join(self.output_path, folder)
            known = self._folders[folder] = (joined, _files_in(joined))
        return known

    def write_feed(self, elements: Any, context: dict[str, Any], path: Any = None, url: Any = None,
                   feed_type: str = "atom", override_output: bool = False, feed_title: Any = None) -> Any:
        """Pelican's feed, skipped when its entries and names are those of the last build (the
        feed's own ``<updated>`` then stays that of the build that changed it)."""
        pages = STATE.pages
        if pages is None or not path:
            return super().write_feed(elements, context, path, url, feed_type, override_output, feed_title)
        digest = pages.feed_digest(path, elements, context, (url, feed_type, feed_title))
        if pages.unchanged(path, digest, sanitised_join(self.output_path, path)):
            pages.skipped += 1
            return None
        pages.written += 1
        return super().write_feed(elements, context, path, url, feed_type, override_output, feed_title)


def _files_in(folder: str) -> frozenset[str]:
    """The names of the files in a folder of the output (none when it is not there yet)."""
    try:
        with os.scandir(folder) as entries:
            return frozenset(e.name for e in entries if e.is_file())
    except (FileNotFoundError, NotADirectoryError):
        return frozenset()


def _copy_missing(source: str, destination: str, ignores: list[str]) -> None:
    """Pelican's ``copy(source, destination, ignores)`` of a file or folder, but only of the
    files missing at the destination."""
    if any(fnmatch.fnmatch(os.path.basename(source), pattern) for pattern in ignores):
        return
    if not os.path.isdir(source):
        if not os.path.isfile(destination):
            pelican_utils.copy(source, destination, ignores)
        return
    for folder, subfolders, files in os.walk(source, followlinks=True):
        subfolders[:] = [d for d in subfolders if not any(fnmatch.fnmatch(d, p) for p in ignores)]
        target = os.path.normpath(os.path.join(destination, os.path.relpath(folder, source)))
        for name in files:
            if not any(fnmatch.fnmatch(name, p) for p in ignores):
                _copy_missing(os.path.join(folder, name), os.path.join(target, name), ignores)


def keep_static_files(generator: Any) -> None:
    """An incremental build copies only the static files missing from the output.

    Every static file (the theme's, the site's logo, the attachments under ``files/``) is in the
    site's base fingerprint: when one changes, the build is a full one. So in an incremental
    build each is the file the last good build copied, and Pelican's copying them all again at
    every build (≈ 50 files at 1,000 documents, 0.1 s of a sub-site's build) is skipped; one
    missing from the output (deleted by hand) is copied again, as a missing page is written again.
    """
    conf = generator.settings.get("INCREMENTAL")
    if not conf or conf.get("full"):
        return
    output = generator.output_path

    def update_required(staticfile: Any) -> bool:  # the attachments
        return not os.path.isfile(os.path.join(output, staticfile.save_as))

    def copy_paths(paths: list[str], source: str, destination: str, output_path: str,
                   final_path: str | None = None) -> None:
        """``StaticGenerator._copy_paths`` (the theme's static folders), missing files only."""
        for path in paths:
            source_path = os.path.join(source, path)
            if not final_path:
                target = os.path.join(output_path, destination, path)
            elif os.path.isfile(source_path):
                target = os.path.join(output_path, destination, final_path, os.path.basename(path))
            else:
                target = os.path.join(output_path, destination, final_path)
            _copy_missing(os.path.abspath(source_path), os.path.abspath(target),
                          list(generator.settings["IGNORE_FILES"]))

    generator._file_update_required = update_required
    generator._copy_paths = copy_paths


def get_writer(pelican: Any) -> type | None:
    return SelectiveWriter if pelican.settings.get("INCREMENTAL") else None


def finish(pelican: Any) -> None:
    """The build succeeded: delete the pages that are gone, keep the caches for the next build."""
    if STATE.pages is None or STATE.reader is None or STATE.output is None:
        return
    pages, reader = STATE.pages, STATE.reader
    for name in pages.gone():
        path = Path(sanitised_join(str(STATE.output), name))
        path.unlink(missing_ok=True)
        # the folders a removed page leaves empty go too (a fresh build would not make them)
        parent = path.parent
        while parent != STATE.output and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    reader.save()
    pages.save()
    if STATE.derived is not None:
        STATE.derived.save()
    log.info("%s %d documents reused, %d read; %d pages written, %d unchanged, %d deleted", PREFIX,
             reader.hits, len(reader.new) - reader.hits, pages.written, pages.skipped, len(pages.gone()))
    STATE.end()


def register() -> None:
    signals.initialized.connect(start)
    signals.get_writer.connect(get_writer)
    signals.static_generator_init.connect(keep_static_files)
    signals.finalized.connect(finish)
