"""Pelican plugin ``exports``: what machines read — sitemap.xml, Atom feeds, open-data JSON, robots.txt.

Feeds and JSON are written by a generator after the articles are read; the sitemap is written at
the very end from every HTML file the build wrote, so catalog pages from other plugins are in it.
The JSON formats are documented in ``docs/open-data.md``; change both together.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pelican import signals

from portal import columns as portal_columns
from portal import jsonfile
from portal.cluster import incremental
from portal.cluster import manifest as cluster_manifest
from portal.cluster.lists import SITEMAP_INDEX
from sitesearch.fields import DEFAULT_SITE

log = logging.getLogger(__name__)
PREFIX = "exports:"
FEED_ITEMS = 50
OPEN_DATA_VERSION = 1

# Paths answered by formsvc, never worth crawling (tracking needs a secret code anyway).
ROBOTS_DISALLOW = ("/hdjl/track", "/api/", "/search")


def public_url(settings: dict[str, Any]) -> str:
    """Absolute address for sitemap, feeds and open data: SITEURL when it is absolute, else the
    site's domain with SITEURL's path (a sub-site's local build has SITEURL ``/cgz``)."""
    url = str(settings.get("SITEURL") or "")
    if "://" not in url:
        url = f"https://{settings.get('SITE_DOMAIN', 'localhost')}{url}"
    return url.rstrip("/")


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value) if value not in (None, "") else None


def _dept(article: Any) -> dict[str, str] | None:
    d = getattr(article, "dept", None)
    return {"code": d.code, "name": d.name} if d else None


def _files(records: Any, base: str) -> list[dict[str, str]]:
    return [
        {"title": str(r.get("title", "")), "url": f"{base}/{r.get('file', '')}"}
        for r in records or ()
        if isinstance(r, dict)
    ]


def disclosure_record(a: Any, base: str) -> dict[str, Any]:
    """One disclosure document as a record of data/xxgk.json."""
    return {
        "index_no": a.index_no,
        "title": a.title,
        "topic": a.topic,
        "genre": a.genre,
        "publisher": _dept(a),
        "written": _iso(getattr(a, "written", None)),
        "published": _iso(a.date),
        "doc_no": getattr(a, "doc_no", None),
        "validity": a.validity,
        "replaced_by": getattr(a, "replaced_by", None),
        "invalid_from": _iso(getattr(a, "invalid_from", None)),
        "keywords": list(getattr(a, "keywords", None) or []),
        "summary": getattr(a, "summary", ""),
        "attachments": _files(getattr(a, "attachments", None), base),
        "url": f"{base}/{a.url}",
    }


GUIDE_KEYS = (
    "title", "base_code", "impl_code", "item_type", "basis", "audience", "life_events",
    "conditions", "materials", "steps", "legal_limit", "promised_limit", "case_type", "fees",
    "place", "hours", "visits", "online_url", "phone", "complaint_phone", "result", "faq",
    "power",
)


def guide_record(a: Any, base: str) -> dict[str, Any]:
    """One service guide as a record of data/bsfw.json (file links made absolute)."""
    rec = {k: getattr(a, k, None) for k in GUIDE_KEYS}
    rec["department"] = _dept(a)
    rec["forms"] = _files(getattr(a, "forms", None), base)
    for m in rec.get("materials") or []:
        for key in ("blank_form", "sample"):
            if isinstance(m, dict) and m.get(key):
                m[key] = f"{base}/{m[key]}"
    rec["updated"] = _iso(a.date)
    rec["url"] = f"{base}/{a.url}"
    return rec


PROJECT_KEYS = ("title", "industry", "amount", "cooperation", "location", "land", "contact", "summary")


def project_record(a: Any, base: str) -> dict[str, Any]:
    """One investment project as a record of data/zsyz.json, with its inquiry link."""
    rec = {k: getattr(a, k, None) for k in PROJECT_KEYS}
    rec["status"] = getattr(a, "project_status", None)
    rec["department"] = _dept(a)
    rec["published"] = _iso(a.date)
    rec["url"] = f"{base}/{a.url}"
    rec["inquiry_url"] = f"{base}/hdjl/tz/new?project={a.slug}"
    return rec


POWER_KEYS = ("code", "title", "power_type", "basis", "office", "duties", "accountability",
              "supervision_phone", "discretion", "flow_external", "flow_internal")


def power_record(a: Any, base: str) -> dict[str, Any]:
    """One 权力事项 as a record of data/ql.json: its front matter, flows as written, and the
    办事指南 that implement it (plugins/powers joins them)."""
    rec = {k: getattr(a, k, None) for k in POWER_KEYS}
    rec["department"] = _dept(a)
    rec["guides"] = [f"{base}/{g.url}" for g in getattr(a, "guides", None) or []]
    rec["updated"] = _iso(a.date)
    rec["url"] = f"{base}/{a.url}"
    return rec


class ExportsGenerator:
    """Feeds and open-data JSON from the articles read by Pelican."""

    def __init__(self, context, settings, path, theme, output_path, *args, **kwargs) -> None:
        self.context = context
        self.settings = settings
        self.output_path = Path(output_path)

    def generate_context(self) -> None:
        """Read nothing of its own: it exports what the other generators read."""
        pass

    def _by_type(self, name: str) -> list[Any]:
        own = [a for a in self.context.get("articles", []) if getattr(a, "doctype", "") == name]
        if name != "disclosure":
            return own
        # the cluster's sub-sites' 信息公开 documents (their manifests) in the county's xxgk.json
        manifests = (self.settings.get("CLUSTER") or {}).get("manifests") or []
        return own + cluster_manifest.documents(manifests, self.context.get("departments"), name,
                                                incremental.ACTIVE.derived, incremental.ACTIVE.manifests)

    def _disclosure_lines(self, items: list[Any], base: str) -> list[bytes | memoryview]:
        """``items``' lines of data/xxgk.json (UTF-8); a sub-site's documents' lines kept in the
        county's incremental cache under its manifest's identity (an edit encodes one manifest's,
        not 45,000), mapped from their files (``Derived.lines``)."""
        derived = incremental.ACTIVE.derived
        manifests = (self.settings.get("CLUSTER") or {}).get("manifests") or []
        line_of: dict[int, bytes | memoryview] = {}
        if derived is not None and manifests:
            registry = self.context.get("departments")
            depts = cluster_manifest.departments_key(registry)
            for path, identity, docs in cluster_manifest.sources(manifests, registry, "disclosure", derived,
                                                                 incremental.ACTIVE.manifests):
                # made from the manifest read again: the kept documents leave out what only
                # this file shows (summary, keywords, attachments)
                lines = derived.lines("xxgk.json lines, mapped", path, (identity, base, depts),
                                      lambda path=path: [jsonfile.encode(disclosure_record(d, base)).encode()
                                                         for d in cluster_manifest.parsed(path, registry)])
                line_of.update(zip(map(id, docs), lines, strict=True))
            # the county's own (not kept: read again on every build), then every line looked up
            # without a Python loop over the 45,000
            for a in self.context.get("articles", []):
                if getattr(a, "doctype", "") == "disclosure":
                    line_of[id(a)] = jsonfile.encode(disclosure_record(a, base)).encode()
            try:
                return list(map(line_of.__getitem__, map(id, items)))
            except KeyError:  # a document of neither kind: each encoded as needed
                pass
        return [line_of.get(id(a)) or jsonfile.encode(disclosure_record(a, base)).encode() for a in items]

    def generate_output(self, writer) -> None:
        """Write the open-data JSON files and the section feeds."""
        base = public_url(self.settings)
        self.write_feeds(writer, base)
        generated = _iso(dt.datetime.now(dt.UTC))
        exports = {
            "xxgk.json": ("disclosure", disclosure_record, "政府信息公开目录"),
            "bsfw.json": ("guide", guide_record, "办事指南"),
            "zsyz.json": ("project", project_record, "招商项目"),
            "ql.json": ("power", power_record, "职权目录"),
        }
        for filename, (doctype, to_record, title) in exports.items():
            items = cluster_manifest.newest_first(self._by_type(doctype))
            data = {
                "version": OPEN_DATA_VERSION,
                "title": f"{self.settings.get('SITENAME', '')}{title}",
                "generated": generated,
                "count": len(items),
            }
            if doctype == "disclosure":
                self.write_json(filename, {**data, "items": []}, self._disclosure_lines(items, base))
            else:
                self.write_json(filename, {**data, "items": [to_record(a, base) for a in items]})
        registry = self.context.get("departments") or []
        self.write_json("departments.json", {
            "version": OPEN_DATA_VERSION,
            "title": f"{self.settings.get('SITENAME', '')}机构名录",
            "generated": generated,
            "count": len(registry),
            "items": [
                {
                    "code": d.code, "name": d.name, "org_code": d.org_code, "kind": d.kind,
                    "parent": d.parent or None, "address": d.address, "hours": d.hours,
                    "phone": d.phone, "url": f"{base}/{d.url}",
                }
                for d in registry
            ],
        })

    def write_json(self, filename: str, data: dict[str, Any], lines: list[bytes | memoryview] | None = None) -> None:
        """Write one open-data file under output/data/ (``lines``: its items, encoded as UTF-8)."""
        path = self.output_path / "data" / filename
        if lines is not None:
            with cluster_manifest.replacing(path) as f:
                jsonfile.write_lines_utf8(f, data, "items", lines)
        else:
            cluster_manifest.write_atomic(path, jsonfile.dumps_lines(data, "items"))
        log.debug("%s wrote %s", PREFIX, path)

    def write_feeds(self, writer, base: str) -> None:
        """One Atom feed per section and per news column, newest first."""
        ctx = dict(self.context, SITEURL=base, FEED_DOMAIN=base)
        articles = sorted(self.context.get("articles", []), key=lambda a: a.date, reverse=True)
        feeds: dict[str, tuple[str, list[Any]]] = {
            "zwdt": ("政务动态", [a for a in articles if a.doctype == "news"]),
            "xxgk": ("政府信息公开", [a for a in articles if a.doctype == "disclosure"]),
            "bsfw": ("办事指南", [a for a in articles if a.doctype == "guide"]),
            "zsyz": ("招商引资", [a for a in articles if a.doctype in ("project", "investment")]),
        }
        declared = self.context.get("columns") or portal_columns.load(Path(self.settings["PATH"]))
        for code, label in declared.news.items():
            feeds[f"zwdt-{code}"] = (label, [a for a in feeds["zwdt"][1] if a.column == code])
        for name, (label, items) in feeds.items():
            path = f"feeds/{name}.atom.xml"
            writer.write_feed(items[:FEED_ITEMS], ctx, path, path, feed_type="atom",
                              feed_title=label)


def robots_txt(base: str, cluster: bool) -> str:
    """robots.txt: crawlers kept off formsvc's paths; the sitemap, and the cluster's index when
    the site is the county of a cluster (portal.cluster.lists writes it after every site)."""
    lines = ["User-agent: *"] + [f"Disallow: {p}" for p in ROBOTS_DISALLOW] + [""]
    if cluster:
        lines.append(f"Sitemap: {base}/{SITEMAP_INDEX}")
    return "\n".join([*lines, f"Sitemap: {base}/sitemap.xml", ""])


class Sitemap:
    """Collects every HTML page written during the build."""

    def __init__(self) -> None:
        self.pages: dict[str, str | None] = {}

    def reset(self, pelican) -> None:
        """A build starts: forget the pages of the previous one."""
        self.pages = {}

    def add(self, path: str, context: dict[str, Any]) -> None:
        """Remember an HTML page Pelican wrote, with its document's date."""
        if not path.endswith(".html"):
            return
        article = context.get("article")
        self.pages[path] = _iso(article.date.date()) if article is not None else None

    def write(self, pelican) -> None:
        """After the build: write sitemap.xml and robots.txt (with the list pages an incremental
        build kept, which are not announced one by one: plugins/incremental ``write_page``)."""
        self.pages.update(dict.fromkeys(p for p in incremental.ACTIVE.kept_lists if p.endswith(".html")))
        output = Path(pelican.settings["OUTPUT_PATH"]).resolve()
        # the writer's paths are joined to OUTPUT_PATH: cut it off as text (resolving each of
        # 12,000 paths cost 1 CPU-s), resolve only what is not under it as written
        written = os.path.normpath(os.path.abspath(pelican.settings["OUTPUT_PATH"])) + os.sep
        base = public_url(pelican.settings)
        urls = []
        for path, lastmod in sorted(self.pages.items()):
            absolute = os.path.normpath(os.path.abspath(path))
            rel = (absolute[len(written):].replace(os.sep, "/") if absolute.startswith(written)
                   else Path(path).resolve().relative_to(output).as_posix())
            if rel == "404.html":
                continue
            if rel == "index.html" or rel.endswith("/index.html"):
                rel = rel[: -len("index.html")]
            entry = f"<url><loc>{escape(f'{base}/{rel}')}</loc>"
            if lastmod:
                entry += f"<lastmod>{lastmod}</lastmod>"
            urls.append(entry + "</url>")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(urls) + "\n</urlset>\n"
        )
        (output / "sitemap.xml").write_text(xml, encoding="utf-8")
        conf = pelican.settings.get("CLUSTER") or {}
        # a sub-site is a folder of the county's address: crawlers read the county's robots.txt
        # only, which names the cluster's sitemap index (and so the sub-site's sitemap)
        if conf.get("site") in (None, DEFAULT_SITE):
            (output / "robots.txt").write_text(robots_txt(base, bool(conf.get("manifests"))), encoding="utf-8")
        log.info("%s sitemap.xml with %d pages", PREFIX, len(urls))


SITEMAP = Sitemap()


def get_generators(pelican) -> type:
    """Pelican's hook: the exports generator."""
    return ExportsGenerator


def register() -> None:
    """Connect the plugin to Pelican's signals."""
    signals.get_generators.connect(get_generators)
    signals.initialized.connect(SITEMAP.reset)
    signals.content_written.connect(SITEMAP.add)
    signals.finalized.connect(SITEMAP.write)
