"""The cluster-wide lists, written from the sites' manifests once every manifest is final.

- ``data/cluster.json``: every document of every site (open data; format in docs/open-data.md),
- ``feeds/cluster.atom.xml``: the newest documents of the whole cluster,
- ``sitemap_index.xml``: a sitemap index naming each site's ``sitemap.xml``.

The county's 信息公开 catalogue, its department pages and ``data/xxgk.json`` list the sub-sites'
documents too; the county's build reads the manifests for them (``plugins/catalogs``,
``plugins/exports``). Nothing here reads content: a manifest is all a site tells the others.

The runner makes them while the last builds still run (:func:`stage`: written beside their
places, ``<name>.next``) and puts them in place once every build has ended well
(:meth:`Staged.commit`: three renames), or throws them away.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import heapq
import json
import os
import pickle
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from xml.sax.saxutils import escape

from portal.cluster import manifest
from portal.cluster.fingerprint import STORE
from portal.cluster.settings import MANIFEST, site_output
from sitesearch.fields import DEFAULT_SITE

FEED_ITEMS = 50
OPEN_DATA_VERSION = 1
SITEMAP_INDEX = "sitemap_index.xml"  # at the county's root; its robots.txt names it


LIST_FILES = ("data/cluster.json", "feeds/cluster.atom.xml", SITEMAP_INDEX)
DIGEST = f"{STORE}/lists.digest"  # what the lists in the output were written from (made_of)
STAGED = ".next"  # a list made, not yet in place: beside it, its name and this
ROWS = f"{STORE}/rows"  # each site's rows (Rows), a file a site
ROWS_VERSION = 2
# a document in the lists: (sort key, its JSON in data/cluster.json as UTF-8, title, URL from the
# root, date, site). The JSON kept encoded: 99,100 rows are read back and written out without
# decoding and encoding them again (0.16 of the lists' 0.7 CPU-s at 100 × 1,000 was the encoding).
Row = tuple[str, bytes, str, str, "str | None", str]


def present(output_root: Path) -> bool:
    """True when all three lists are in the output."""
    return all((Path(output_root) / name).is_file() for name in LIST_FILES)


def made_of(output_root: Path, sites: list[dict[str, str]], origin: str, title: str,
            digests: manifest.Digests) -> str:
    """A hash of everything the lists are written from: the sites, the origin, the title and
    every manifest's bytes (not the time they were made)."""
    h = hashlib.sha256(json.dumps([OPEN_DATA_VERSION, FEED_ITEMS, sites, origin, title],
                                  ensure_ascii=False, sort_keys=True).encode())
    for s in sites:
        h.update(digests.of(site_output(output_root, s["id"]) / MANIFEST)[0].encode())
    return h.hexdigest()


def update(output_root: Path, sites: list[dict[str, str]], origin: str, title: str,
           digests: manifest.Digests) -> bool:
    """Write the lists unless they are there and made of the same manifests; True when written.

    A body edit leaves its site's manifest as it was (same title, URL, date): rewriting 99,100
    documents' lists then cost 1.5–1.7 CPU-s (main's write, load 8) for the same bytes but the
    time they name."""
    staged = stage(output_root, sites, origin, title, digests)
    if staged is None:
        return False
    staged.commit()
    return True


@dataclass
class Staged:
    """The three lists written beside their places (``<name>.next``), and what they are made of."""

    output_root: Path
    made_of: str

    def commit(self) -> None:
        """Put them in place (three renames), then say what they are made of."""
        stamp = self.output_root / DIGEST
        stamp.unlink(missing_ok=True)  # a run ended half-way through: written again next time
        for name in LIST_FILES:
            os.replace(self.output_root / f"{name}{STAGED}", self.output_root / name)
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(self.made_of, encoding="ascii")

    def discard(self) -> None:
        """Leave the lists in place as they were (a build of the run failed, or it was stopped)."""
        for name in LIST_FILES:
            (self.output_root / f"{name}{STAGED}").unlink(missing_ok=True)


def stage(output_root: Path, sites: list[dict[str, str]], origin: str, title: str,
          digests: manifest.Digests) -> Staged | None:
    """Write the lists beside their places unless those are there and made of the same
    manifests (None then: nothing to put in place)."""
    output_root = Path(output_root)
    current = made_of(output_root, sites, origin, title, digests)
    with contextlib.suppress(OSError):
        if (output_root / DIGEST).read_text(encoding="ascii") == current and present(output_root):
            return None
    write(output_root, sites, origin, title, digests, suffix=STAGED)
    return Staged(output_root, current)


def _rows(output_root: Path, site_id: str, origin: str) -> list[Row]:
    """One site's documents as rows of the lists, newest first (stable: the manifest's order)."""
    rows = []
    for e in manifest.read(site_output(output_root, site_id) / MANIFEST).get("documents", []):
        e = {**e, "site": site_id}
        item = {**{k: v for k, v in e.items() if v not in (None, "", [])}, "url": f"{origin}/{e['url']}"}
        rows.append((e.get("date") or "", json.dumps(item, ensure_ascii=False, separators=(",", ":")).encode(),
                     str(e.get("title") or ""), e["url"], e.get("date"), site_id))
    rows.sort(key=itemgetter(0), reverse=True)
    return rows


class Rows:
    """Each site's rows, kept between runs (``_cluster/rows/<site>.pickle``) under its manifest's
    hash and the origin: a run that rewrites the lists after one site's build parses, serialises
    and stores that site's documents only (0.40 CPU-s in all for 99,100 documents, against 1.5–1.7
    when every manifest is parsed and every document serialised)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._made: dict[str, tuple[tuple[str, str], list[Row]]] = {}  # to store

    def _kept(self, site_id: str, key: tuple[str, str]) -> list[Row] | None:
        assert self.folder is not None
        try:
            with (self.folder / f"{site_id}.pickle").open("rb") as f:
                version, kept_key, rows = pickle.load(f)  # noqa: S301 (the runner's own file, in its output)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, TypeError, ValueError):
            return None  # none yet, or damaged: made again
        return rows if (version, tuple(kept_key)) == (ROWS_VERSION, key) else None

    def of(self, output_root: Path, site_id: str, origin: str, digests: manifest.Digests | None) -> list[Row]:
        if digests is None or self.folder is None:
            return _rows(output_root, site_id, origin)
        key = (digests.of(site_output(output_root, site_id) / MANIFEST)[0], origin)
        rows = self._kept(site_id, key)
        if rows is None:
            rows = _rows(output_root, site_id, origin)
            self._made[site_id] = (key, rows)
        return rows

    def save(self, site_ids: list[str]) -> None:
        """Store the rows made in this run; forget those of sites no longer in the cluster."""
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for site_id, (key, rows) in self._made.items():
            with manifest.replacing(self.folder / f"{site_id}.pickle") as f:
                pickle.dump((ROWS_VERSION, key, rows), f, protocol=pickle.HIGHEST_PROTOCOL)
        self._made = {}
        for path in self.folder.glob("*.pickle"):
            if path.name[: -len(".pickle")] not in site_ids:
                path.unlink(missing_ok=True)


def write(output_root: Path, sites: list[dict[str, str]], origin: str, title: str,
          digests: manifest.Digests | None = None, suffix: str = "") -> int:
    """Write the three lists; ``sites`` as in ``CLUSTER_SITES``; returns the document count
    (``digests``: the manifests' hashes, with which each site's rows are kept between runs;
    ``suffix``: each written under its name and this, as :func:`stage` does).

    Compact JSON on purpose: with ``indent`` Python's json module uses its pure-Python encoder
    (1.37 against 0.66 CPU-s for 99,200 documents, and 18 % more bytes).
    """
    output_root = Path(output_root)
    origin = origin.rstrip("/")
    ids = [s["id"] for s in sites]
    kept = Rows(output_root / ROWS if digests is not None else None)
    # newest first over the cluster; of one date, in the sites' order (heapq.merge is stable)
    docs = list(heapq.merge(*(kept.of(output_root, i, origin, digests) for i in ids), key=itemgetter(0),
                            reverse=True))
    kept.save(ids)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    head = json.dumps({
        "version": OPEN_DATA_VERSION, "title": f"{title}网站群文档目录", "generated": now,
        "sites": [{"id": s["id"], "name": s["name"], "kind": s["kind"], "url": origin + s["url"]}
                  for s in sites],
        "count": len(docs),
        "items": [],
    }, ensure_ascii=False, separators=(",", ":"))
    # "items" is the last key: the rows' own JSON in its list, as json.dumps would have written it
    manifest.write_atomic(output_root / f"{LIST_FILES[0]}{suffix}",
                          b"".join((head[:-2].encode(), b",".join([r[1] for r in docs]), b"]}")))
    names = {s["id"]: s["name"] for s in sites}
    entries = "".join(
        f"<entry><title>{escape(doc_title)}</title><link href=\"{escape(origin)}/{escape(url)}\"/>"
        f"<id>{escape(origin)}/{escape(url)}</id><updated>{escape(date or now)}</updated>"
        f"<author><name>{escape(names.get(site, site))}</name></author></entry>"
        for _key, _item, doc_title, url, date, site in docs[:FEED_ITEMS])
    manifest.write_atomic(output_root / f"{LIST_FILES[1]}{suffix}",
                          '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
                          f"<title>{escape(title)}网站群最新信息</title><link href=\"{escape(origin)}/\"/>"
                          f"<id>{escape(origin)}/feeds/cluster.atom.xml</id><updated>{now}</updated>{entries}</feed>\n")
    maps = "".join(
        f"<sitemap><loc>{escape(origin)}{'' if s['id'] == DEFAULT_SITE else '/' + s['id']}/sitemap.xml</loc></sitemap>"
        for s in sites)
    manifest.write_atomic(output_root / f"{SITEMAP_INDEX}{suffix}",
                          '<?xml version="1.0" encoding="utf-8"?>\n'
                          f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>\n')
    return len(docs)
