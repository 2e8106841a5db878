"""Pelican plugin ``searchindex``: write the Whoosh site index during the build.

Every article (disclosure documents, guides, projects, investment pages, news, fixed pages) and every
department of the registry becomes one search document. The index is built after all content is
read, incrementally by default (only documents whose content hash changed are re-indexed), into a
new version folder that is published atomically; formsvc's ``/search`` picks it up on its next request.

One dict setting, every key optional::

    SEARCHINDEX = {
        "dir": "output/_search",  # default: <OUTPUT_PATH>/_search
        "full": False,            # True: ignore the live index and rebuild everything
        "procs": 1,               # worker processes for a full build (2 on the 2-core server)
        "keep": 2,                # old versions kept for requests still reading them
    }

A full rebuild from the command line: ``pelican -e 'SEARCHINDEX={"full": true}'``.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
from pathlib import Path
from typing import Any

from pelican import signals

from portal import schema
from portal.search.indexer import Document, build

log = logging.getLogger(__name__)
PREFIX = "searchindex:"

_BLOCK = re.compile(r"</?(p|div|li|tr|br|h[1-6]|table|ul|ol|section|blockquote|pre)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"[ \t\r\f\v]+")
_SOFT_CJK = re.compile(r"([\u3000-\u9fff\uff00-\uffef])[ \t]*\r?\n[ \t]*(?=[\u3000-\u9fff\uff00-\uffef])")
# Field kinds whose values are paths or addresses, not words anyone searches for.
_SKIP_KINDS = {"file", "url", "bool", "int", "date", "datetime"}
# Indexed by name elsewhere (title, body, summary …) or meaningless as text.
_SKIP_KEYS = {"title", "summary", "date", "index_no", "doc_no", "topic", "keywords", "publisher",
              "department", "replaced_by"}


def settings_of(settings: dict[str, Any]) -> dict[str, Any]:
    """The plugin's settings with defaults filled in."""
    conf = {"dir": None, "full": False, "procs": 1, "keep": 2}
    conf.update(settings.get("SEARCHINDEX") or {})
    if not conf["dir"]:
        conf["dir"] = str(Path(settings["OUTPUT_PATH"]) / "_search")
    return conf


def html_to_text(value: str) -> str:
    """Plain text of sanitised document HTML, one line per block.

    Line breaks inside a block are soft wraps of the Markdown source: between Chinese characters
    they vanish (as when the page is read), elsewhere they become a space.
    """
    value = _SOFT_CJK.sub(r"\1", value or "").replace("\n", " ")
    text = _TAG.sub("", _BLOCK.sub("\n", value))
    lines = (_SPACE.sub(" ", line).strip() for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def _flatten(value: Any, fieldspec: schema.Field | None, registry: Any) -> list[str]:
    """Searchable strings of a structured front-matter value (lists and records of text)."""
    if fieldspec is not None and fieldspec.kind in _SKIP_KINDS:
        return []
    if fieldspec is not None and fieldspec.kind == "dept":
        dept = registry.get(str(value)) if registry is not None and value else None
        return [dept.name] if dept else []
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        subs = {f.key: f for f in (fieldspec.item_fields if fieldspec else ())}
        return [s for k, v in value.items() for s in _flatten(v, subs.get(k), registry)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _flatten(v, fieldspec, registry)]
    return []


def _naive(value: Any) -> dt.datetime | None:
    # Dates are county-local; Whoosh stores naive datetimes, and the offset carries no information
    if isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, value.hour, value.minute)
    return None


def article_document(article: Any, sections: dict[str, str], registry: Any = None) -> Document:
    """The search document of one Pelican article read by the yamlmeta reader."""
    doc_type = schema.DOC_TYPES_BY_NAME.get(getattr(article, "doctype", ""), schema.PAGE)
    url = str(article.url)
    # fixed pages belong to the section of their first path segment (pages/xxgk/zn.md → xxgk)
    section = doc_type.section or (url.split("/", 1)[0] if "/" in url else "")
    if section not in sections:
        section = ""
    extra = []
    for f in doc_type.fields:
        if f.key in _SKIP_KEYS:
            continue
        attr = {"status": "project_status", "author": "byline"}.get(f.key, f.key)
        extra.extend(_flatten(getattr(article, attr, None), f, registry))
    dept = getattr(article, "dept", None)
    summary = getattr(article, "summary", "") or ""
    return Document(
        path=str(getattr(article, "relpath", "") or article.relative_source_path),
        url="/" + url.lstrip("/"),
        title=str(article.title),
        body=html_to_text(article.content),
        summary=html_to_text(str(summary))[:300],
        section=section,
        section_label=sections.get(section, ""),
        doctype=doc_type.name,
        doctype_label=getattr(article, "doctype_label", doc_type.label),
        dept=getattr(dept, "code", "") or "",
        dept_name=getattr(dept, "name", "") or "",
        topic=str(getattr(article, "topic", "") or ""),
        date=_naive(getattr(article, "date", None)),
        index_no=str(getattr(article, "index_no", "") or ""),
        doc_no=str(getattr(article, "doc_no", "") or ""),
        keywords=[str(k) for k in getattr(article, "keywords", None) or []],
        extra="\n".join(extra),
    )


def department_document(dept: Any, sections: dict[str, str]) -> Document:
    """The search document of one department page (/jg/<code>.html)."""
    leaders = [f"{le.title} {le.name} {le.portfolio}" for le in getattr(dept, "leaders", ())]
    body = "\n".join([*dept.duties, *leaders, f"办公地址：{dept.address}",
                      f"办公时间：{dept.hours}", f"联系电话：{dept.phone}"])
    return Document(
        path=f"departments.yml#{dept.code}",
        url="/" + dept.url,
        title=dept.name,
        body=body,
        summary=(dept.duties[0] if dept.duties else "")[:300],
        section="jg" if "jg" in sections else "",
        section_label=sections.get("jg", ""),
        doctype="department",
        doctype_label="机构",
        dept=dept.code,
        dept_name=dept.name,
        extra=" ".join(filter(None, [dept.short_name, dept.org_code, dept.kind])),
    )


class SearchIndexGenerator:
    """Runs after every other generator has read its content; writes no page."""

    def __init__(self, context: dict[str, Any], settings: dict[str, Any], path: str, theme: str,
                 output_path: str, *args: Any, **kwargs: Any) -> None:
        self.context = context
        self.settings = settings

    def generate_context(self) -> None:
        pass

    def generate_output(self, writer: Any) -> None:
        """Build the index from every article read (the writer is not needed: no page is written)."""
        conf = settings_of(self.settings)
        sections = {code: label for label, _url, code in self.settings.get("SECTIONS", ())
                    if code != "home"}
        registry = self.context.get("departments")
        docs = [article_document(a, sections, registry)
                for a in self.context.get("articles", []) if getattr(a, "doctype", None)]
        docs += [department_document(d, sections) for d in registry or []]
        try:
            report = build(conf["dir"], docs, full=bool(conf["full"]), procs=int(conf["procs"]),
                           keep=int(conf["keep"]))
        except Exception as exc:  # noqa: BLE001 - the site is fine; the old index keeps serving
            log.error("%s index not updated, the previous one stays live: %s", PREFIX, exc)
            return
        log.info("%s %s (%s)", PREFIX, report, conf["dir"])


def get_generators(pelican: Any) -> type:
    return SearchIndexGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
