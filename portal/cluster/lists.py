"""The cluster-wide lists, written after every site's build from the sites' manifests.

- ``data/cluster.json``: every document of every site (open data; format in docs/open-data.md),
- ``feeds/cluster.atom.xml``: the newest documents of the whole cluster,
- ``sitemap_index.xml``: a sitemap index naming each site's ``sitemap.xml``.

The county's 信息公开 catalogue, its department pages and ``data/xxgk.json`` list the sub-sites'
documents too; the county's build reads the manifests for them (``plugins/catalogs``,
``plugins/exports``). Nothing here reads content: a manifest is all a site tells the others.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any
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

    A body edit leaves its site's manifest as it was (same title, URL, date): rewriting 100,000
    documents' lists then cost ≈ 1.3 CPU-s for the same bytes but the time they name."""
    stamp = Path(output_root) / DIGEST
    current = made_of(output_root, sites, origin, title, digests)
    with contextlib.suppress(OSError):
        if stamp.read_text(encoding="ascii") == current and present(output_root):
            return False
    stamp.unlink(missing_ok=True)  # a run ended half-way through writing them: written again next time
    write(output_root, sites, origin, title)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current, encoding="ascii")
    return True


def collect(output_root: Path, site_ids: list[str]) -> list[dict[str, Any]]:
    """Every document of the cluster (each with its site), newest first."""
    docs = []
    for site_id in site_ids:
        data = manifest.read(site_output(output_root, site_id) / MANIFEST)
        docs.extend({**e, "site": site_id} for e in data.get("documents", []))
    docs.sort(key=lambda e: e.get("date") or "", reverse=True)
    return docs


def write(output_root: Path, sites: list[dict[str, str]], origin: str, title: str) -> int:
    """Write the three lists; ``sites`` as in ``CLUSTER_SITES``; returns the document count.

    Compact JSON on purpose: with ``indent`` Python's json module uses its pure-Python encoder
    (1.37 against 0.66 CPU-s for 99,200 documents, and 18 % more bytes).
    """
    output_root = Path(output_root)
    origin = origin.rstrip("/")
    ids = [s["id"] for s in sites]
    docs = collect(output_root, ids)
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest.write_atomic(output_root / LIST_FILES[0], json.dumps({
        "version": OPEN_DATA_VERSION, "title": f"{title}网站群文档目录", "generated": now,
        "sites": [{"id": s["id"], "name": s["name"], "kind": s["kind"], "url": origin + s["url"]}
                  for s in sites],
        "count": len(docs),
        "items": [{**{k: v for k, v in e.items() if v not in (None, "", [])}, "url": f"{origin}/{e['url']}"}
                  for e in docs],
    }, ensure_ascii=False, separators=(",", ":")))
    names = {s["id"]: s["name"] for s in sites}
    entries = "".join(
        f"<entry><title>{escape(e['title'])}</title><link href=\"{escape(origin)}/{escape(e['url'])}\"/>"
        f"<id>{escape(origin)}/{escape(e['url'])}</id><updated>{escape(e.get('date') or now)}</updated>"
        f"<author><name>{escape(names.get(e['site'], e['site']))}</name></author></entry>"
        for e in docs[:FEED_ITEMS])
    manifest.write_atomic(output_root / LIST_FILES[1],
           '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
           f"<title>{escape(title)}网站群最新信息</title><link href=\"{escape(origin)}/\"/>"
           f"<id>{escape(origin)}/feeds/cluster.atom.xml</id><updated>{now}</updated>{entries}</feed>\n")
    maps = "".join(
        f"<sitemap><loc>{escape(origin)}{'' if s['id'] == DEFAULT_SITE else '/' + s['id']}/sitemap.xml</loc></sitemap>"
        for s in sites)
    manifest.write_atomic(output_root / SITEMAP_INDEX,
           '<?xml version="1.0" encoding="utf-8"?>\n'
           f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>\n')
    return len(docs)
