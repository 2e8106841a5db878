"""The content-side figures of the 政府信息公开工作年度报告, counted from ``content/``: table 二
(规章 and 行政规范性文件 made, repealed and in force) and the documents published per column for the
网站年度报表. ``flask annual-report`` and the build both call these functions.

- 本年制发: the document's 成文日期 (``written``) is in the year.
- 本年废止: its 有效性 is 废止 or 失效 and its 失效日期 (``invalid_from``) is in the year.
- 现行有效: made by the end of the year and not invalid by then (no 失效日期 after … or a later one).
A document counts when its front matter says ``doc_class: 规章`` or ``doc_class: 行政规范性文件``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from portal import columns, schema, vocab
from portal.check import as_date, doc_type_of
from portal.frontmatter import Document, FrontMatterError, parse

REPEALED = ("废止", "失效")
# The generated tables: part → (heading in the template, marker an editor writes in the page)
PARTS: dict[str, tuple[str, str]] = {
    "proactive": ("二、主动公开政府信息情况", "{{统计表：主动公开}}"),
    "requests": ("三、收到和处理政府信息公开申请情况", "{{统计表：依申请公开}}"),
    "cases": ("四、政府信息公开行政复议、行政诉讼情况", "{{统计表：复议诉讼}}"),
    "website": ("网站年度报表（互动交流和信息发布）", "{{统计表：网站}}"),
}
_ENV = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(default=True, default_for_string=True))
# 网站年度报表: the 信息公开 documents and each news column of the tree's columns.yml
DISCLOSURE_COLUMN = ("xxgk", "政府信息公开文件")


def load_documents(content_dir: Path) -> list[tuple[str, Document]]:
    """(path under content/, document) of every typed document that parses (the checker
    reports the others)."""
    out = []
    for path in sorted(Path(content_dir).rglob("*.md")):
        rel = path.relative_to(content_dir).as_posix()
        if doc_type_of(rel) is None:
            continue
        try:
            out.append((rel, parse(path)))
        except (FrontMatterError, OSError, UnicodeDecodeError):
            continue
    return out


def proactive(docs: Iterable[tuple[str, Document]], year: int) -> dict[str, Any]:
    """Table 二, 第二十条第（一）项: per 文件类别 the documents made, repealed and in force."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    table = {c: {"made": 0, "repealed": 0, "in_force": 0} for c in vocab.DOC_CLASSES}
    for rel, doc in docs:
        cls = doc.meta.get("doc_class")
        if doc_type_of(rel) is not schema.DISCLOSURE or cls not in table:
            continue
        written = as_date(doc.meta.get("written"))
        invalid = as_date(doc.meta.get("invalid_from"))
        if written is None:
            continue
        if first <= written <= last:
            table[cls]["made"] += 1
        if doc.meta.get("validity") in REPEALED and invalid and first <= invalid <= last:
            table[cls]["repealed"] += 1
        lapsed = doc.meta.get("validity") != vocab.VALID and (invalid is None or invalid <= last)
        if written <= last and not lapsed:
            table[cls]["in_force"] += 1
    return {"columns": [{"code": "made", "label": "本年制发件数"},
                        {"code": "repealed", "label": "本年废止件数"},
                        {"code": "in_force", "label": "现行有效件数"}],
            "rows": [{"label": c, "cells": table[c]} for c in vocab.DOC_CLASSES]}


def per_column(docs: Iterable[tuple[str, Document]], year: int,
               news_columns: Mapping[str, str]) -> list[dict[str, Any]]:
    """Documents published (发布日期) in the year: the 信息公开 documents, then each news column
    (``news_columns``: id → name, as ``portal.columns`` declares them)."""
    counts = {DISCLOSURE_COLUMN[0]: 0, **dict.fromkeys(news_columns, 0)}
    for rel, doc in docs:
        t = doc_type_of(rel)
        d = as_date(doc.meta.get(t.date_field)) if t else None
        if d is None or d.year != year:
            continue
        if t is schema.DISCLOSURE:
            counts[DISCLOSURE_COLUMN[0]] += 1
        elif t is schema.NEWS and doc.meta.get("column") in counts:
            counts[doc.meta["column"]] += 1
    labels = {DISCLOSURE_COLUMN[0]: DISCLOSURE_COLUMN[1], **news_columns}
    return [{"code": c, "label": labels[c], "published": n} for c, n in counts.items()]


def content_figures(content_dir: Path, year: int) -> dict[str, Any]:
    """Everything the report counts from ``content/`` for ``year`` (JSON-ready)."""
    docs = load_documents(content_dir)
    return {"proactive": proactive(docs, year),
            "columns": per_column(docs, year, columns.load(Path(content_dir)).news)}


def tables_html(report: dict[str, Any]) -> dict[str, Markup]:
    """Each generated table of ``report`` (the JSON of ``flask annual-report``) as HTML, by part."""
    template = _ENV.get_template("annual_report_tables.html")
    return {part: Markup(template.render(report=report, part=part)) for part in PARTS}


def page_parts(report: dict[str, Any]) -> list[tuple[str, Markup]]:
    """(heading, table) of every generated table, in the template's order (a page of its own)."""
    tables = tables_html(report)
    return [(heading, tables[part]) for part, (heading, _) in PARTS.items()]


def fill_markers(html: str, report: dict[str, Any]) -> str:
    """A report page's HTML with each marker paragraph replaced by its generated table."""
    tables = tables_html(report)
    for part, (_, marker) in PARTS.items():
        html = html.replace(f"<p>{marker}</p>", tables[part]).replace(marker, tables[part])
    return html


REPORT_PAGE = re.compile(r"^pages/xxgk/nb/(\d{4})\.md$")


def data_file(year: int) -> str:
    """Where ``flask annual-report`` keeps the figures of ``year``, relative to content/."""
    return f"{schema.FILES_DIR}/xxgk/nb/{year}.json"


def fill_page(relpath: str, html: str, docs: list[tuple[str, Document]],
              content_dir: Path) -> str:
    """The build's step for an annual report page (``pages/xxgk/nb/<year>.md``): its markers
    replaced by the tables, the service's figures from the year's data file and the content's
    counted from ``docs`` now. Other pages, and a report without its data file (the checker
    reports that), come back unchanged."""
    m = REPORT_PAGE.fullmatch(relpath)
    path = Path(content_dir) / data_file(int(m.group(1))) if m else None
    if path is None or not path.is_file():
        return html
    year = int(m.group(1))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["proactive"] = proactive(docs, year)
    data.setdefault("website", {})["columns"] = per_column(docs, year,
                                                           columns.load(Path(content_dir)).news)
    return fill_markers(html, data)
