"""The freshness rule: stale and empty columns as the 国办 inspection counts them (国办秘函〔2019〕19号).

Every column of ``content/columns.yml`` that has a freshness class is watched: news columns and 专题
by their items' ``column``, the others by their ``source`` (document types, a field value, each
value of a field, a URL prefix). Nothing here names a column or a number of days: both are in
columns.yml. ``portal.check`` turns the findings into warnings for ``scripts/check`` and the build.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from portal import schema
from portal.columns import Column, Columns, Freshness

# 检查指标: this many stale (or empty) columns fail the whole site.
VETO_COLUMNS = 5
# In the demo content only: one line saying why a fresh demo warns (its dates are fixed, and it
# has few 信息公开 documents per topic). An office deletes it with the demo content.
DEMO_FILE = "DEMO.txt"


@dataclass(frozen=True)
class Item:
    """What the rule needs of one document."""

    type_name: str
    url: str  # site-relative, no leading slash
    meta: dict[str, Any]
    date: date | None  # None: no readable publish date, which counts as never updated


@dataclass(frozen=True)
class Finding:
    """One warning: the folder (relative to content/, "" for the whole site) and the message."""

    where: str
    message: str
    kind: str  # "empty" | "undated" | "stale" | "veto"


def demo_note(content_dir: Path) -> str:
    """The demo's one-line explanation of its freshness warnings; "" outside the demo content."""
    path = Path(content_dir) / DEMO_FILE
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""
    return next((line.strip() for line in lines if line.strip()), "")


def folder_of(column: Column) -> str:
    """Where an editor adds to a column: its folder under content/ ("" for several types)."""
    if column.source is None:
        return schema.NEWS.directory
    if len(column.source.types) > 1:
        return ""
    t = schema.DOC_TYPES_BY_NAME[column.source.types[0]]
    if t is schema.PAGE and column.source.under:
        return f"{t.directory}/{column.source.under.rstrip('/')}"
    return t.directory


def _members(column: Column, by_type: dict[str, list[Item]]) -> dict[str, list[Item]]:
    """The column's items; for an ``each`` column, one list per value of that field."""
    source = column.source
    if source is None:
        return {"": [i for i in by_type.get(schema.NEWS.name, ()) if i.meta.get("column") == column.id]}
    found = [i for t in source.types for i in by_type.get(t, ())
             if source.matches(i.type_name, i.url, i.meta)]
    if not source.each:
        return {"": found}
    groups: dict[str, list[Item]] = {}
    for i in found:
        value = i.meta.get(source.each)
        if isinstance(value, str) and value.strip():
            groups.setdefault(value.strip(), []).append(i)
    return groups  # values without documents have no page, so they are not columns anyone sees


def _judge(column: Column, label: str, members: list[Item], cls: Freshness, today: date
           ) -> Finding | None:
    where = folder_of(column)
    name = f"栏目 {label}（{column.id}）"
    if not members:
        return Finding(where, f"{name}没有任何内容；检查指标把空白栏目计为不合格", "empty")
    dates = [i.date for i in members if i.date is not None]
    if not dates:
        return Finding(where, f"{name}的内容都没有发布日期，视为未更新", "undated")
    newest = max(dates)
    age = (today - newest).days
    if age > cls.days:
        return Finding(where, f"{name}最近更新于 {newest}，已 {age} 天未更新，超过{cls.name}的 "
                              f"{cls.days} 天", "stale")
    return None


def inspect(columns: Columns, items: Iterable[Item], today: date) -> list[Finding]:
    """Every watched column that is empty, undated or older than its class allows."""
    by_type: dict[str, list[Item]] = {}
    for i in items:
        by_type.setdefault(i.type_name, []).append(i)
    out: list[Finding] = []
    for column, cls in columns.watched():
        for value, members in _members(column, by_type).items():
            label = f"{column.name}“{value}”" if value else column.name
            finding = _judge(column, label, members, cls, today)
            if finding is not None:
                out.append(finding)
    stale = sum(1 for f in out if f.kind in ("stale", "undated"))
    empty = sum(1 for f in out if f.kind == "empty")
    for count, what in ((stale, "超过更新时限"), (empty, "是空白栏目")):
        if count >= VETO_COLUMNS:
            out.append(Finding("", f"共有 {count} 个栏目{what}；检查指标中达到 {VETO_COLUMNS} 个即为单项否决",
                               "veto"))
    return out
