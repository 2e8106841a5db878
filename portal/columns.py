"""The column list: ``content/columns.yml``, the one declaration of columns and freshness classes.

News columns (政务动态) and 专题专栏 are declared there, so adding one is a content change an editor
makes and ``scripts/check`` checks; the columns the site builds from document types (信息公开,
办事指南, 招商引资 …) are declared there too, each with its freshness class. The build plugins,
``scripts/new``, the checker and its freshness rule (``portal.freshness``) all read it through
:func:`load`. A content tree without its own ``columns.yml`` uses the repository's.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from pelicanconf import SECTIONS
from portal import schema
from portal.frontmatter import _Loader as _YamlLoader

REPO_CONTENT = Path(__file__).resolve().parents[1] / "content"
ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")
# The home page's blocks a news column can fill (theme/templates/home.html).
# block → its heading when several columns fill it (one column: the column's name)
HOME_BLOCKS: dict[str, str] = {"headlines": "要闻动态", "notices": "通知公告", "dept_news": "部门和乡镇动态"}
SECTION_CODES: tuple[str, ...] = tuple(code for _label, _url, code in SECTIONS)
# the section whose URLs hold a news column: /zwdt/<column>/<slug>.html
NEWS_SECTION = schema.NEWS.section
CLASS_KEYS = ("id", "name", "days")
COLUMN_KEYS = ("id", "name", "parent", "freshness", "home", "source")
SOURCE_KEYS = ("types", "where", "each", "under")


@dataclass(frozen=True)
class Freshness:
    """A freshness class: a column older than ``days`` calendar days is stale."""

    id: str
    name: str
    days: int


@dataclass(frozen=True)
class Source:
    """Which documents make up a column the build derives from document types."""

    types: tuple[str, ...]
    where: tuple[tuple[str, str], ...] = ()
    each: str = ""  # one column per value of this field (信息公开目录: each 主题分类)
    under: str = ""  # only documents whose URL starts with this (年度报告: xxgk/nb/)

    def matches(self, type_name: str, url: str, meta: dict[str, Any]) -> bool:
        """Whether a document of this type, URL and front matter belongs to the column."""
        return (type_name in self.types and url.startswith(self.under)
                and all(str(meta.get(k, "")) == v for k, v in self.where))


@dataclass(frozen=True)
class Column:
    """One entry of columns.yml."""

    id: str
    name: str
    parent: str
    freshness: str = ""  # a Freshness id; empty for a group
    home: str = ""  # a HOME_BLOCKS key
    source: Source | None = None  # None: a news column (content/zwdt/, column: <id>)
    line: int = 0


@dataclass
class Columns:
    """Everything columns.yml declares, plus what is wrong with it (line, Chinese message).

    One object per version of the file (see :func:`load`), shared by every reader: never changed
    after loading, so its derived views are computed once.
    """

    path: Path
    classes: dict[str, Freshness] = field(default_factory=dict)
    columns: tuple[Column, ...] = ()
    problems: list[tuple[int, str]] = field(default_factory=list)
    readable: bool = True  # False: the YAML could not be read at all

    @cached_property
    def by_id(self) -> dict[str, Column]:
        return {c.id: c for c in self.columns}

    @cached_property
    def groups(self) -> frozenset[str]:
        """Ids of columns that other columns name as parent (专题专栏)."""
        ids = {c.id for c in self.columns}
        return frozenset(c.parent for c in self.columns if c.parent in ids)

    @cached_property
    def news(self) -> dict[str, str]:
        """News columns and 专题, id → name, in file order: the values of a news item's ``column``."""
        groups = self.groups
        return {c.id: c.name for c in self.columns if c.source is None and c.id not in groups}

    def children(self, parent: str) -> list[Column]:
        """The columns directly under a section code or a group, in file order."""
        return [c for c in self.columns if c.parent == parent]

    def home_columns(self, block: str) -> list[str]:
        """Ids of the news columns that fill one home page block."""
        return [c.id for c in self.columns if c.home == block]

    def watched(self) -> list[tuple[Column, Freshness]]:
        """Every column with a freshness class, with that class."""
        return [(c, self.classes[c.freshness]) for c in self.columns
                if c.freshness in self.classes and self.classes[c.freshness].days > 0]


def _close(word: str, options: Iterable[str]) -> str:
    hits = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    return f"，是否为 “{hits[0]}”？" if hits else "；"


def _line(node: Any) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _child(node: Any, key: str) -> tuple[Any, Any]:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return k, v
    return None, None


def _read(path: Path) -> tuple[Any, Any]:
    """(data, node) of a YAML file; raises ValueError with a Chinese message and a line."""
    text = path.read_text(encoding="utf-8")
    loader = _YamlLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise _FileError(mark.line + 1 if mark else 1, f"YAML 格式错误：{exc.problem or exc}") from None
    finally:
        loader.dispose()
    return data, node


class _FileError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def path_for(content_dir: Path) -> Path:
    """The columns.yml a content tree uses: its own, else the repository's."""
    own = Path(content_dir) / schema.COLUMNS_FILE
    return own if own.is_file() else REPO_CONTENT / schema.COLUMNS_FILE


def load(content_dir: Path) -> Columns:
    """The columns of a content tree, read once per version of the file; never raises."""
    path = path_for(content_dir).resolve()
    try:
        st = path.stat()
    except OSError:
        return Columns(path, problems=[(1, f"找不到栏目表 {schema.COLUMNS_FILE}")], readable=False)
    return _load(path, st.st_mtime_ns, st.st_size)


def default() -> Columns:
    """The repository's own columns (content/columns.yml), for tools without a content tree."""
    return load(REPO_CONTENT)


@lru_cache(maxsize=16)
def _load(path: Path, _mtime_ns: int, _size: int) -> Columns:
    out = Columns(path)
    try:
        data, node = _read(path)
    except UnicodeDecodeError:
        out.problems.append((1, "文件不是 UTF-8 编码；请用 UTF-8 保存"))
        out.readable = False
        return out
    except _FileError as exc:
        out.problems.append((exc.line, exc.message))
        out.readable = False
        return out
    if not isinstance(data, dict):
        out.problems.append((1, "栏目表应有 freshness: 和 columns: 两个列表"))
        out.readable = False
        return out
    for key in data:
        if key not in ("freshness", "columns"):
            k, _ = _child(node, key)
            out.problems.append((_line(k), f"不认识的键 {key}；栏目表只有 freshness 和 columns 两项"))
    out.classes = _classes(data.get("freshness"), _child(node, "freshness"), out.problems)
    out.columns = _columns(data.get("columns"), _child(node, "columns"), out.classes, out.problems)
    return out


def _entries(value: Any, nodes: tuple[Any, Any], what: str, problems: list[tuple[int, str]]
             ) -> list[tuple[dict[str, Any], Any]]:
    """The mappings of a top-level list with their nodes; reports what is not a mapping."""
    key_node, seq = nodes
    if not isinstance(value, list) or not isinstance(seq, yaml.SequenceNode):
        problems.append((_line(key_node), f"{what}应为列表，每项以 “- id:” 开头"))
        return []
    out = []
    for i, (item, item_node) in enumerate(zip(value, seq.value, strict=True)):
        if isinstance(item, dict):
            out.append((item, item_node))
        else:
            problems.append((_line(item_node), f"{what}第 {i + 1} 项应为若干“键: 值”"))
    return out


def _text(item: dict[str, Any], node: Any, key: str, who: str, problems: list[tuple[int, str]],
          required: bool = True) -> str:
    """A one-line text value, reporting a missing or non-text one."""
    value = item.get(key)
    k, _ = _child(node, key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append((_line(k or node), f"{who}缺少 {key}"))
        return ""
    if not isinstance(value, str):
        problems.append((_line(k), f"{who}的 {key} 应为一行文字，请给值加引号"))
        return ""
    return value.strip()


def _unknown_keys(item: dict[str, Any], node: Any, allowed: tuple[str, ...], who: str,
                  problems: list[tuple[int, str]]) -> None:
    for key in item:
        if key not in allowed:
            k, _ = _child(node, key)
            problems.append((_line(k), f"{who}有不认识的键 {key}{_close(str(key), allowed)}可用："
                                       + "、".join(allowed)))


def _classes(value: Any, nodes: tuple[Any, Any], problems: list[tuple[int, str]]
             ) -> dict[str, Freshness]:
    out: dict[str, Freshness] = {}
    lines: dict[str, int] = {}
    for i, (item, node) in enumerate(_entries(value, nodes, "freshness（更新时限类别）", problems)):
        ident = _text(item, node, "id", f"第 {i + 1} 个更新时限类别", problems)
        who = f"更新时限类别 {ident} " if ident else f"第 {i + 1} 个更新时限类别"
        _unknown_keys(item, node, CLASS_KEYS, who, problems)
        name = _text(item, node, "name", who, problems)
        days = item.get("days")
        k, _ = _child(node, "days")
        if isinstance(days, bool) or not isinstance(days, int) or days <= 0:
            problems.append((_line(k or node), f"{who}的 days 应为大于 0 的整数（天数），如 14"))
            days = 0
        if not ident:
            continue
        if ident in out:
            problems.append((_line(_child(node, "id")[0]),
                             f"更新时限类别 {ident} 重复（第 {lines[ident]} 行已使用）"))
            continue
        lines[ident] = _line(_child(node, "id")[0])
        # kept with days 0 when they are wrong, so its columns are not reported a second time
        out[ident] = Freshness(ident, name or ident, days)
    return out


def _source(item: dict[str, Any], node: Any, who: str, problems: list[tuple[int, str]]
            ) -> Source | None:
    value = item.get("source")
    k, source_node = _child(node, "source")
    if not isinstance(value, dict):
        problems.append((_line(k), f"{who}的 source 应为若干“键: 值”（types、where、each、under）"))
        return None
    _unknown_keys(value, source_node, SOURCE_KEYS, f"{who}的 source ", problems)
    types = value.get("types")
    tk, _ = _child(source_node, "types")
    if isinstance(types, str):
        types = [types]
    known = schema.DOC_TYPES_BY_NAME
    if not isinstance(types, list) or not types:
        problems.append((_line(tk or source_node), f"{who}的 source 缺少 types（文档类型列表）"))
        return None
    bad = [t for t in types if t not in known]
    if bad:
        problems.append((_line(tk), f"{who}的 source.types 中 “{bad[0]}” 不是文档类型"
                                    f"{_close(str(bad[0]), known)}可用：" + "、".join(known)))
        return None
    fields = set.intersection(*(set(known[t].fields_by_key) for t in types))
    where = value.get("where") or {}
    wk, _ = _child(source_node, "where")
    if not isinstance(where, dict):
        problems.append((_line(wk), f"{who}的 source.where 应为“字段: 值”"))
        where = {}
    for key in list(where) + ([value["each"]] if value.get("each") else []):
        if key not in fields:
            problems.append((_line(wk or source_node),
                             f"{who}的 source 用到的字段 {key} 不是 {'、'.join(types)} 的字段"))
            return None
    return Source(types=tuple(types), where=tuple((str(k), str(v)) for k, v in where.items()),
                  each=str(value.get("each") or ""), under=str(value.get("under") or ""))


def _columns(value: Any, nodes: tuple[Any, Any], classes: dict[str, Freshness],
             problems: list[tuple[int, str]]) -> tuple[Column, ...]:
    entries = _entries(value, nodes, "columns（栏目）", problems)
    ids = {str(item.get("id")) for item, _ in entries if item.get("id")}
    parents = {str(item.get("parent")) for item, _ in entries if item.get("parent")}
    out: list[Column] = []
    lines: dict[str, int] = {}
    for i, (item, node) in enumerate(entries):
        ident = _text(item, node, "id", f"第 {i + 1} 个栏目", problems)
        who = f"栏目 {ident} " if ident else f"第 {i + 1} 个栏目"
        _unknown_keys(item, node, COLUMN_KEYS, who, problems)
        id_line = _line(_child(node, "id")[0] or node)
        if ident and not ID_RE.fullmatch(ident):
            problems.append((id_line, f"栏目代码 “{ident}” 只能用小写英文字母、数字和连字符，以字母开头"))
        name = _text(item, node, "name", who, problems)
        parent = _text(item, node, "parent", who, problems)
        pk, _ = _child(node, "parent")
        parent_known = parent in SECTION_CODES or parent in ids
        if parent and not parent_known:
            problems.append((_line(pk), f"{who}的 parent（上级）“{parent}” 既不是频道代码也不是本表中的栏目"
                                        f"{_close(parent, (*SECTION_CODES, *ids))}频道代码："
                                        + "、".join(SECTION_CODES)))
        elif parent and parent == ident:
            problems.append((_line(pk), f"{who}的上级不能是它自己"))
        is_group = ident in parents
        freshness = _text(item, node, "freshness", who, problems, required=False)
        fk, _ = _child(node, "freshness")
        if freshness and freshness not in classes:
            problems.append((_line(fk), f"{who}的 freshness（更新时限类别）“{freshness}” 不在 freshness "
                                        f"列表中{_close(freshness, classes)}可用：" + "、".join(classes)))
        elif not freshness and not is_group:
            problems.append((id_line, f"{who}缺少 freshness（更新时限类别），可用：" + "、".join(classes)))
        elif freshness and is_group:
            problems.append((_line(fk), f"{who}下面还有栏目，是栏目组，不填 freshness（其下各栏目分别计算）"))
        home = _text(item, node, "home", who, problems, required=False)
        if home and home not in HOME_BLOCKS:
            problems.append((_line(_child(node, "home")[0]), f"{who}的 home “{home}” 不是首页区块"
                                                              f"{_close(home, HOME_BLOCKS)}可用："
                                                              + "、".join(HOME_BLOCKS)))
            home = ""
        source = _source(item, node, who, problems) if "source" in item else None
        if home and "source" in item:
            problems.append((_line(_child(node, "home")[0]), f"{who}有 source，home 只用于政务动态类栏目"))
            home = ""
        if "source" not in item and not is_group and parent_known and _root(parent, entries) != NEWS_SECTION:
            problems.append((_line(pk), f"{who}没有 source，是政务动态类栏目，只能放在 {NEWS_SECTION}"
                                        "（政务动态）或其下的栏目组中"))
        if not ident:
            continue
        if ident in lines:
            problems.append((id_line, f"栏目代码 {ident} 重复（第 {lines[ident]} 行已使用）"))
            continue
        lines[ident] = id_line
        out.append(Column(ident, name or ident, parent, freshness if freshness in classes else "",
                          home, source, id_line))
    return tuple(out)


def _root(parent: str, entries: list[tuple[dict[str, Any], Any]]) -> str:
    """The section a parent chain ends in ("" when it loops or ends nowhere)."""
    by_id = {str(item.get("id")): str(item.get("parent") or "") for item, _ in entries}
    seen: set[str] = set()
    while parent not in SECTION_CODES:
        if parent in seen or parent not in by_id:
            return ""
        seen.add(parent)
        parent = by_id[parent]
    return parent
