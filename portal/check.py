"""Check content/ against the content model and the inspection rules.

``scripts/check`` runs :func:`check_tree`; the build plugin calls :func:`check_document` on every
file it reads and :func:`check_site` once at the end, so the rules live here and nowhere else.
Every problem names a file and a line, and says in Chinese what is wrong and what is allowed.
"""

from __future__ import annotations

import argparse
import difflib
import os
import posixpath
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote

import yaml

from pelicanconf import SITE_DOMAIN
from portal import (
    body_check,
    columns,
    freshness,
    listing,
    participation_check,
    powerflow,
    schema,
    surveys,
    vocab,
    yaml_errors,
)
from portal import sites as cluster_sites
from portal.departments import DEPARTMENT_FIELDS, Registry, read_raw
from portal.departments import load as load_registry
from portal.departments import path_for as registry_path
from portal.doc_no import DOC_NO_RE
from portal.frontmatter import Document, FrontMatterError, parse_text, split
from portal.frontmatter import _Loader as _YamlLoader
from portal.index_no import INDEX_LINE_RE, INDEX_NO_RE, ORG_CODE_RE
from portal.schema import DocType, Field
from portal.slugs import SLUG_RE
from sitesearch.fields import DEFAULT_SITE

ERROR = "error"
WARNING = "warning"

REPO_ROOT = Path(__file__).resolve().parents[1]
# Asia/Shanghai has had no daylight saving since 1991, so a fixed offset is exact and needs no tzdata.
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

DEPT_CODE_RE = re.compile(r"^[a-z][a-z0-9]*$")
# what editors type instead of 〔〕: [2024] (2024) （2024） 【2024】 ［2024］ 〈2024〉 <2024>
DOC_NO_WRONG_BRACKETS_RE = re.compile(r"[\[(（【［〈<]\s*\d{4}\s*[\])）】］〉>]")
DATE_STR_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
DATETIME_STR_RE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}[ T]\d{1,2}:\d{2}(:\d{2})?$")
# 受理条件 such as “法律法规规定的其他条件” or “法律、行政法规规定的其他情形”
CATCH_ALL_CONDITION_RE = re.compile(r"法律.{0,6}规定的其他")
HTML_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
MD_LINK_RE = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)")
MD_REF_DEF_RE = re.compile(r"^\s{0,3}\[(?!\^)[^\]]+\]:\s*<?([^\s>]+)")  # [^1]: is a footnote
HTML_LINK_RE = re.compile(r"""\b(?:href|src)\s*=\s*["']([^"']+)["']""")
YEAR_RE = re.compile(r"^\d{4}$")
QUERY_RE = re.compile(r"[?#]")
NON_DIGIT_RE = re.compile(r"\D")

# Types whose body is the page: an empty one (or only the template's comment) publishes a blank page.
BODY_REQUIRED = (schema.NEWS, schema.DISCLOSURE, schema.INVESTMENT_PAGE, schema.PAGE)
# _link_problem: a link known to resolve only once every document is read (check_site): a list
# page (which exist depends on every document), a news item's page (its URL holds its column)
DEFERRED = "known once every document is read"
# A link to the portal's own domain (https://www.shifan.gov.cn/xxgk/zn.html) names one of its pages.
OWN_SITE_RE = re.compile(rf"^(?:https?:)?//{re.escape(SITE_DOMAIN)}(?![\w.-])(/[^#?]*)?", re.I)
# Paths served by formsvc under the same origin: not part of the static site, never checked.
SERVICE_PREFIXES = ("/hdjl/", "/hdjl", "/search", "/api/", "/theme/")
# Site-level files the catalogs and exports plugins write (not documents of content/).
GENERATED_PATHS = frozenset({"sitemap.html", "sitemap.xml", "contact.html", "accessibility.html",
                             "404.html", "robots.txt"})
GENERATED_PREFIXES = ("feeds/", "data/")
# First path segments of listing pages the catalogs plugin writes (/xxgk/, /zwdt/yw/, …).
SECTION_CODES = frozenset({t.section for t in schema.DOC_TYPES if t.section} | {"jg", "hdjl"})
# (directory + "/", type), deepest first: schema.doc_type_for as string prefixes, because building
# PurePosixPath objects for every type made it the slowest step of a 10,000-document check.
_TYPE_PREFIXES: tuple[tuple[str, DocType], ...] = tuple(sorted(
    ((t.directory.rstrip("/") + "/", t) for t in schema.DOC_TYPES),
    key=lambda pair: -pair[0].count("/")))


def doc_type_of(relpath: str) -> DocType | None:
    """schema.doc_type_for for a normalised posix path relative to content/, fast."""
    for prefix, t in _TYPE_PREFIXES:
        if relpath.startswith(prefix) and len(relpath) > len(prefix):
            return t
    return None


# Files in content/ that Pelican does not read as documents.
IGNORED_NAMES = frozenset({"README.md"})
# files of a content tree that the build reads as settings, not as pages
SETTINGS_FILES = frozenset({schema.DEPARTMENTS_FILE, schema.COLUMNS_FILE, freshness.DEMO_FILE})

KIND_NAMES = {
    "str": "一行文字",
    "text": "文字",
    "int": "不小于 0 的整数",
    "bool": "true 或 false",
    "date": "日期 YYYY-MM-DD",
    "datetime": "日期 YYYY-MM-DD 或 YYYY-MM-DD HH:MM",
    "choice": "固定值之一",
    "choices": "固定值组成的列表",
    "list": "列表（每项一行，以 - 开头）",
    "url": "网址",
    "dept": "机构代码",
    "file": "content/ 下的文件路径",
    "index_no": "索引号",
    "doc_no": "文号",
    "ref": "索引号",
    "column": "栏目代码",
    "records": "列表，每项是若干“键: 值”",
    "record": "若干“键: 值”",
}
UNITS = {"disclosure": "篇", "guide": "项", "project": "个", "investment": "篇", "news": "篇",
         "page": "个", "power": "项"}


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: where it is and what is wrong, in Chinese."""

    path: str  # relative to the repo root when possible, e.g. content/xxgk/wj/2024/a.md
    line: int  # 1-based; 0 for findings about a whole directory or the whole site
    message: str
    severity: str = ERROR  # "error" | "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line > 0 else self.path
        prefix = "警告：" if self.severity == WARNING else ""
        return f"{where}: {prefix}{self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def today_in_china() -> date:
    """Today's date in Asia/Shanghai, whatever the machine's time zone."""
    return datetime.now(CHINA_TZ).date()


def as_date(value: Any) -> date | None:
    """The calendar date of a date/datetime value, or of a string in one of the accepted formats."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        parsed = parse_datetime_str(value)
        return parsed.date() if parsed else None
    return None


def parse_datetime_str(text: str) -> datetime | None:
    """Parse ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM[:SS]`` (YAML leaves the latter as a string)."""
    text = text.strip()
    if not (DATE_STR_RE.fullmatch(text) or DATETIME_STR_RE.fullmatch(text)):
        return None
    day, _, clock = text.replace("T", " ").partition(" ")
    try:
        y, m, d = (int(x) for x in day.split("-"))
        hh, mm, ss = ([int(x) for x in clock.split(":")] + [0, 0, 0])[:3] if clock else (0, 0, 0)
        return datetime(y, m, d, hh, mm, ss)
    except ValueError:
        return None


def _close(word: str, options: Iterable[str], n: int = 3) -> list[str]:
    return difflib.get_close_matches(word, list(options), n=n, cutoff=0.5)


def _quote_list(values: Sequence[str], limit: int = 8) -> str:
    """“a”、“b”… ; long lists show the first few and say how many there are."""
    shown = "、".join(f"“{v}”" for v in values[:limit])
    return shown if len(values) <= limit else f"{shown} 等 {len(values)} 项"


# --- the set of files and URLs a document may refer to --------------------------------------------


def _display_prefix(content_dir: Path, root: Path | None) -> str:
    resolved = content_dir.resolve()
    for base in ([root] if root is not None else [REPO_ROOT, Path.cwd()]):
        try:
            rel = resolved.relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            continue
        return "" if rel == "." else rel + "/"
    return resolved.as_posix() + "/"


class _ClusterView:
    """The other sites of the cluster, as a tree's link check sees them (built when first asked)."""

    def __init__(self, own_id: str, trees: dict[str, Path], today: date) -> None:
        self.own_id = own_id
        self.trees = trees  # every site's content tree, the county's first
        self.sub_ids = frozenset(site_id for site_id in trees if site_id != DEFAULT_SITE)
        self.today = today
        self._sites: dict[str, Site] = {}

    @classmethod
    def of(cls, content_dir: Path, today: date, county: Path | None = None) -> _ClusterView | None:
        """The cluster this tree is a site of, found from where the tree lies, wherever the
        repository is (formsvc's ``CONTENT_DIR`` need not be this checkout's): a sub-site's tree is
        ``<repo>/sites/<id>/content``, the county's has the sub-sites in ``sites/`` beside it
        (``county``: the county's tree when it is not ``<repo>/content``)."""
        here = Path(content_dir).resolve()
        subsite = (here.name == cluster_sites.CONTENT_DIR and here.parent.parent.name == cluster_sites.SITES_DIR
                   and (here.parent / cluster_sites.SITE_FILE).is_file()
                   and (county is None or here != Path(county).resolve()))
        own, repo = (here.parent.name, here.parent.parent.parent) if subsite else (DEFAULT_SITE, here.parent)
        sub_ids = cluster_sites.discover(repo)
        if not sub_ids:
            return None
        county_tree = here if own == DEFAULT_SITE else Path(county or repo / cluster_sites.CONTENT_DIR)
        trees = {DEFAULT_SITE: county_tree}
        trees.update({site_id: cluster_sites.content_dir(site_id, repo=repo) for site_id in sub_ids})
        return cls(own, trees, today)

    def site(self, site_id: str, own: Site) -> Site:
        if site_id == self.own_id:
            return own
        if site_id not in self._sites:
            other = Site(self.trees[site_id], own.registry, today=self.today)
            other.cluster = None  # its own links are its own check's
            other.cluster_id = site_id
            self._sites[site_id] = other
        return self._sites[site_id]


class Site:
    """What a document check needs to know about the rest of the tree, computed once."""

    def __init__(self, content_dir: Path, registry: Registry, root: Path | None = None, *,
                 today: date | None = None, county: Path | None = None) -> None:
        self.content_dir = Path(content_dir)
        self.registry = registry
        self.today = today or today_in_china()
        self.prefix = _display_prefix(self.content_dir, root)
        # One walk of content/ for the whole run: file fields and links are set look-ups after this.
        self.files: frozenset[str] = frozenset(self._walk())
        self.department_urls = frozenset(f"jg/{d.code}.html" for d in registry)
        self.columns = columns.load(self.content_dir)
        # each page's URL (a news item's slug) → the file it is made from (``source``)
        urls: dict[str, str] = {}
        news_slugs: dict[str, list[str]] = {}
        for rel in self.files:
            if not rel.endswith(".md"):
                continue
            t = doc_type_of(rel)
            if t is schema.NEWS:
                news_slugs.setdefault(schema.slug_for(t, rel), []).append(rel)
            elif t is not None:
                urls[schema.url_for(t, rel, {})] = rel
        self.document_urls = urls
        # A news URL holds its column, known only after parsing: its slug here (two items may
        # share one in two columns), its column in check_site (this tree's links) or column_of
        # (another site's)
        self.news_slugs = {slug: sorted(files) for slug, files in news_slugs.items()}
        self._columns_of: dict[str, Any] = {}
        # 索引号 of disclosure files whose front matter could not be read (see check_file)
        self.unreadable_index_nos: set[str] = set()
        # links known only once every document is read (DEFERRED: list pages, this tree's news
        # items' pages), by file shown: (line, target), checked in check_site
        self.deferred_links: dict[str, list[tuple[int, str]]] = {}
        # by file shown: the files of other sites of the cluster its links resolved to, as (site
        # id, ``source``): what the runner keeps to find the sites a gone file breaks
        # (portal.cluster.crosslinks)
        self.cross_links: dict[str, list[tuple[str, str]]] = {}
        # the repository's cluster when this tree is one of its sites (links between sites)
        self.cluster = _ClusterView.of(self.content_dir, self.today, county)
        # this tree's site id in the cluster (``county`` outside one)
        self.cluster_id = self.cluster.own_id if self.cluster is not None else DEFAULT_SITE

    def _walk(self) -> Iterable[str]:
        base = str(self.content_dir)
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            rel_dir = os.path.relpath(dirpath, base).replace(os.sep, "/")
            for name in filenames:
                yield name if rel_dir == "." else f"{rel_dir}/{name}"

    @property
    def folder(self) -> str:
        """Where the site's pages are under the county's address: "" for the county, "/cgz" for a
        sub-site."""
        return "" if self.cluster_id == DEFAULT_SITE else f"/{self.cluster_id}"

    def display(self, relpath: str) -> str:
        """The path editors see: relative to the repository root when content/ is inside it."""
        return self.prefix + relpath

    def exists(self, relpath: str) -> bool:
        return relpath in self.files

    def documents(self) -> list[str]:
        """Every .md file under content/ that Pelican would read, sorted."""
        return sorted(
            rel for rel in self.files
            if rel.endswith(".md") and PurePosixPath(rel).name not in IGNORED_NAMES
            and not rel.startswith(schema.FILES_DIR + "/")
        )

    def resolves(self, path: str) -> bool:
        """Whether a site-absolute path (``/xxgk/zn.html``) is served by the static site."""
        return self.source(path) is not None

    def source(self, path: str) -> str | None:
        """The file of this tree that makes a site-absolute path resolve (its document, its
        attachment), "" when the path resolves whatever the tree's files (the home page, a page
        the build writes itself, a department's page), None when it does not resolve: as long as
        that file is there, so is the page."""
        p = path.lstrip("/")
        if p in ("", "index.html") or p in self.department_urls:
            return ""
        if (doc := self.document_urls.get(p)) is not None:
            return doc
        if p.startswith(schema.FILES_DIR + "/"):
            return p if p in self.files else None
        if p in GENERATED_PATHS or p.startswith(GENERATED_PREFIXES):
            return ""
        # a guide's printable materials checklist sits beside it: bsfw/zn/<slug>-qd.html
        if p.endswith("-qd.html") and (doc := self.document_urls.get(p[: -len("-qd.html")] + ".html")):
            return doc
        news = self.news_page(p)
        return news[1][0] if news is not None else None

    def news_page(self, path: str) -> tuple[str, list[str]] | None:
        """(column, files) of a site path that names a news item's page, ``zwdt/<column>/<slug>.html``,
        of a declared column and a slug of this tree's news items (the files of that slug); None
        for any other path. Which of them is in that column their front matter says
        (:func:`news_at`)."""
        parts = path.lstrip("/").split("/")
        if len(parts) == 3 and parts[0] == schema.NEWS.section and parts[1] in self.columns.news \
                and parts[2].endswith(".html") and (files := self.news_slugs.get(parts[2][:-5])):
            return parts[1], files
        return None

    def column_of(self, rel: str) -> Any:
        """The column a news item of this tree's says it is in (None when unreadable: its own
        check reports that), read once."""
        if rel not in self._columns_of:
            try:
                self._columns_of[rel] = parse_text((self.content_dir / rel).read_text(encoding="utf-8"),
                                                   rel).meta.get("column")
            except (OSError, UnicodeDecodeError, FrontMatterError):
                self._columns_of[rel] = None
        return self._columns_of[rel]

    def route(self, path: str) -> tuple[Site, str]:
        """The site of the cluster that serves a root-relative path, and the path on that site.

        ``/cgz/zwdt/…`` is the township site cgz's; any other path is the county's, also from a
        sub-site's page (a sub-site is published under the county's address, ``/cgz/``)."""
        if self.cluster is None:
            return self, path
        first, _, rest = path.lstrip("/").partition("/")
        if first in self.cluster.sub_ids:
            return self.cluster.site(first, self), "/" + rest
        if self.cluster.own_id != DEFAULT_SITE:
            return self.cluster.site(DEFAULT_SITE, self), path
        return self, path

    def is_list_page(self, path: str) -> bool:
        """Whether a site path names a list page of a section (/xxgk/ml/, /zwdt/yw/index_2.html)."""
        parts = path.lstrip("/").split("/")
        return parts[0] in SECTION_CODES and (path.endswith("/") or parts[-1].startswith("index"))


# --- per-document checks --------------------------------------------------------------------------


def _node_at(node: Any, keys: Sequence[str | int]) -> tuple[Any, Any, int]:
    """(key node, value node, depth reached) for a key path in a YAML node tree."""
    key_node = value_node = None
    depth = 0
    for key in keys:
        found = None
        if isinstance(node, yaml.MappingNode) and isinstance(key, str):
            for k, v in node.value:
                if getattr(k, "value", None) == key:
                    found = (k, v)
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) \
                and 0 <= key < len(node.value):
            found = (node.value[key], node.value[key])
        if found is None:
            break
        key_node, value_node = found
        node = value_node
        depth += 1
    return key_node, value_node, depth


class _Ctx:
    """State of one check: where problems go and how to find the line of a key path."""

    __slots__ = ("path", "node", "offset", "start_line", "problems", "site")

    def __init__(self, path: str, node: Any, offset: int, start_line: int, site: Site | None):
        self.path = path
        self.node = node
        self.offset = offset  # 2 inside front matter (1-based + the fence line), 1 in a plain file
        self.start_line = start_line
        self.problems: list[Problem] = []
        self.site = site

    def line(self, *keys: str | int) -> int:
        key_node, _, _ = _node_at(self.node, keys)
        return key_node.start_mark.line + self.offset if key_node is not None else self.start_line

    def raw(self, *keys: str | int) -> str | None:
        """The scalar as written, to tell 0123 (YAML: the octal 83) from 123."""
        _, value_node, depth = _node_at(self.node, keys)
        if depth == len(keys) and isinstance(value_node, yaml.ScalarNode):
            return value_node.value
        return None

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, ERROR))

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, WARNING))


def _name(prefix: str, f: Field) -> str:
    return f"{prefix}{f.key}（{f.label}）"


def _yaml_oddity(value: Any) -> str:
    """Why a value that should be text is not, in editor terms."""
    if isinstance(value, bool):
        return "被 YAML 读成了布尔值 true/false，请给值加引号"
    if isinstance(value, (date, datetime)):
        return "被 YAML 读成了日期，请给值加引号"
    if isinstance(value, (int, float)):
        return f"被 YAML 读成了数字 {value}，请给值加引号"
    if isinstance(value, list):
        return "应为一个值，不是列表"
    if isinstance(value, dict):
        return "应为一个值，不是“键: 值”；如值里有冒号，请给值加引号"
    return f"类型不对（{type(value).__name__}）"


def _check_text(f: Field, value: Any, keys: tuple, name: str, ctx: _Ctx, one_line: bool) -> str | None:
    """The value as text, or None after reporting why it is not text."""
    if isinstance(value, int) and not isinstance(value, bool):
        # numbers are fine as text (20 → “20”) unless YAML changed them (0123 → 83, 1:30 → 90)
        raw = ctx.raw(*keys)
        if raw is not None and raw != str(value):
            ctx.error(ctx.line(*keys), f"{name} 的值 {raw} {_yaml_oddity(value)}")
            return None
        return str(value)
    if not isinstance(value, str):
        ctx.error(ctx.line(*keys), f"{name} 应为{KIND_NAMES[f.kind]}，{_yaml_oddity(value)}")
        return None
    if one_line and "\n" in value.strip():
        ctx.error(ctx.line(*keys), f"{name} 应为一行文字，不能换行")
    if not value.strip():
        if f.required:
            ctx.error(ctx.line(*keys), f"必填字段 {name} 不能为空")
        return None
    if f.max_length is not None and len(value.strip()) > f.max_length:
        ctx.error(ctx.line(*keys),
                  f"{name} 长 {len(value.strip())} 字，超过上限 {f.max_length} 字")
    return value


def _check_value(f: Field, value: Any, keys: tuple, prefix: str, ctx: _Ctx) -> None:
    """Check one present, non-empty value against its field's kind."""
    name = _name(prefix, f)
    kind = f.kind
    if kind in ("str", "text", "url", "dept", "file", "index_no", "doc_no", "ref", "choice", "column"):
        text = _check_text(f, value, keys, name, ctx, one_line=kind != "text")
        if text is None or kind in ("str", "text"):
            return
        text = text.strip()
        _check_string_kind(f, text, keys, name, ctx)
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            shown = f"“{value}”" if isinstance(value, str) else str(value)
            ctx.error(ctx.line(*keys), f"{name} 应为不小于 0 的整数（阿拉伯数字，如 3），现为 {shown}")
        elif value < 0:
            ctx.error(ctx.line(*keys), f"{name} 不能为负数")
    elif kind == "bool":
        if not isinstance(value, bool):
            ctx.error(ctx.line(*keys), f"{name} 应为 true 或 false，现为 “{value}”")
    elif kind in ("date", "datetime"):
        _check_date(f, value, keys, name, ctx)
    elif kind in ("list", "choices"):
        _check_list(f, value, keys, name, ctx)
    elif kind == "records":
        if not isinstance(value, list):
            ctx.error(ctx.line(*keys), f"{name} 应为列表，每项以 - 开头")
            return
        if f.required and not value:
            ctx.error(ctx.line(*keys), f"必填字段 {name} 至少要有一项")
        for i, item in enumerate(value):
            item_prefix = f"{name}第 {i + 1} 项的 "
            if not isinstance(item, dict):
                ctx.error(ctx.line(*keys, i), f"{name}第 {i + 1} 项应为若干“键: 值”")
                continue
            _check_mapping(f.item_fields, item, (*keys, i), item_prefix, ctx)
    elif kind == "record":
        if not isinstance(value, dict):
            ctx.error(ctx.line(*keys), f"{name} 应为若干“键: 值”（下一行缩进书写）")
            return
        _check_mapping(f.item_fields, value, keys, f"{name}的 ", ctx)


def _check_string_kind(f: Field, text: str, keys: tuple, name: str, ctx: _Ctx) -> None:
    kind = f.kind
    if kind == "choice":
        if text not in f.choices:
            hint = _close(text, f.choices, 1)
            guess = f"，是否为 “{hint[0]}”？" if hint else ""
            ctx.error(ctx.line(*keys),
                      f"{name} 的值 “{text}” 不在允许范围内{guess}可选：{_quote_list(f.choices)}")
    elif kind == "column":
        _check_column(text, keys, name, ctx)
    elif kind == "url":
        if not (text.startswith(("http://", "https://")) or text.startswith("/")):
            ctx.error(ctx.line(*keys), f"{name} 应以 http://、https:// 或 / 开头，现为 “{text}”")
    elif kind == "dept":
        site = ctx.site
        # an empty registry could not be read: that is reported once, not at every document
        if site is not None and len(site.registry) and text not in site.registry:
            ctx.error(ctx.line(*keys), f"{name} 的机构代码 “{text}” 不在机构名录 departments.yml 中"
                                       f"{_dept_hint(text, site.registry)}")
    elif kind == "file":
        site = ctx.site
        if text.startswith("/"):
            ctx.error(ctx.line(*keys), f"{name} 应写 content/ 下的相对路径，不以 / 开头，如 "
                                       f"{text.lstrip('/')}")
        elif site is not None and not site.exists(posixpath.normpath(text)):
            hint = ("；路径用 / 分隔，不用 \\" if "\\" in text
                    else "；路径从 content/ 里面写起，不写 content/" if text.startswith("content/") else "")
            ctx.error(ctx.line(*keys), f"{name} 指向的文件 content/{text} 不存在{hint}")
    elif kind in ("index_no", "ref"):
        if not INDEX_NO_RE.fullmatch(text):
            ctx.error(ctx.line(*keys), f"{name} “{text}” 格式不对，应为 组织机构代码/年份-5位序号，"
                                       "如 01150001-1/2024-00012")
    elif kind == "doc_no" and not DOC_NO_RE.fullmatch(text):
        if DOC_NO_WRONG_BRACKETS_RE.search(text):
            fixed = DOC_NO_WRONG_BRACKETS_RE.sub(
                lambda m: "〔" + NON_DIGIT_RE.sub("", m.group(0)) + "〕", text)
            ctx.error(ctx.line(*keys), f"{name} “{text}” 的年份应使用六角括号〔〕，如 {fixed}")
        else:
            ctx.error(ctx.line(*keys), f"{name} “{text}” 格式不对，应如 示政办〔2024〕12号")


def _check_column(text: str, keys: tuple, name: str, ctx: _Ctx) -> None:
    """A news item's column: a news column or 专题 of the tree's columns.yml."""
    declared = _declared_columns(ctx)
    if declared.readable and text not in declared.news:
        hint = _close(text, declared.news, 1)
        guess = f"，是否为 “{hint[0]}”？" if hint else "；"
        choices = [f"{c}（{n}）" for c, n in declared.news.items()]
        ctx.error(ctx.line(*keys), f"{name} 的值 “{text}” 不是 {schema.COLUMNS_FILE} 中的栏目{guess}"
                                   f"可选：{_quote_list(choices)}")


def _dept_hint(code: str, registry: Registry) -> str:
    by_name = [d.code for d in registry if code in (d.name, d.short_name)]
    close = by_name or _close(code, registry.by_code, 3)
    if close:
        return "，是否为 " + "、".join(f"{c}（{registry.by_code[c].name}）" for c in close) + "？"
    return "；请使用名录中的代码，如 " + "、".join(list(registry.by_code)[:5])


def _check_date(f: Field, value: Any, keys: tuple, name: str, ctx: _Ctx) -> None:
    if isinstance(value, datetime):
        if f.kind == "date":
            ctx.error(ctx.line(*keys), f"{name} 只填日期 YYYY-MM-DD，不带时间")
        return
    if isinstance(value, date):
        return
    expected = KIND_NAMES[f.kind]
    if isinstance(value, str):
        text = value.strip()
        ok = DATE_STR_RE.fullmatch(text) or (f.kind == "datetime" and DATETIME_STR_RE.fullmatch(text))
        if ok and parse_datetime_str(text) is not None:
            return
        if ok:
            ctx.error(ctx.line(*keys), f"{name} 的日期 “{text}” 不存在")
            return
    shown = ctx.raw(*keys) or value  # as written: YAML reads 10:30 as the number 630
    ctx.error(ctx.line(*keys), f"{name} 应为{expected}，如 2024-03-15，现为 “{shown}”")


def _check_list(f: Field, value: Any, keys: tuple, name: str, ctx: _Ctx) -> None:
    if not isinstance(value, list):
        example = f.choices[0] if f.choices else "……"
        ctx.error(ctx.line(*keys), f"{name} 应为列表，每项单独一行、以 “- ” 开头，如 “- {example}”")
        return
    if f.required and not value:
        ctx.error(ctx.line(*keys), f"必填字段 {name} 至少要有一项")
    for i, item in enumerate(value):
        if isinstance(item, int) and not isinstance(item, bool) and not f.choices:
            continue
        if not isinstance(item, str) or not item.strip():
            what = "不能为空" if item is None or item == "" else _yaml_oddity(item)
            ctx.error(ctx.line(*keys, i), f"{name} 第 {i + 1} 项{what}")
        elif f.choices and item.strip() not in f.choices:
            hint = _close(item.strip(), f.choices, 1)
            guess = f"，是否为 “{hint[0]}”？" if hint else ""
            ctx.error(ctx.line(*keys, i), f"{name} 第 {i + 1} 项 “{item}” 不在允许范围内{guess}"
                                          f"可选：{_quote_list(f.choices)}")


def _check_mapping(fields: Sequence[Field], meta: dict, keys: tuple, prefix: str, ctx: _Ctx,
                   by_key: dict[str, Field] | None = None) -> None:
    """Unknown keys, missing required fields, then each value."""
    by_key = by_key if by_key is not None else {f.key: f for f in fields}
    for key in meta:
        if key not in by_key:
            _unknown_key(key, fields, by_key, keys, prefix, ctx)
    for f in fields:
        value = meta.get(f.key)
        if value is None or (f.kind in ("list", "choices", "records") and value == []):
            if f.required:
                where = ctx.line(*keys, f.key) if f.key in meta else (
                    ctx.line(*keys) if keys else ctx.start_line)
                state = "未填写" if f.key in meta else "缺失"
                ctx.error(where, f"必填字段 {_name(prefix, f)} {state}"
                                 f"{'：' + f.help if f.help else ''}")
            continue
        _check_value(f, value, (*keys, f.key), prefix, ctx)


def _unknown_key(key: Any, fields: Sequence[Field], by_key: dict[str, Field], keys: tuple,
                 prefix: str, ctx: _Ctx) -> None:
    text = str(key)
    labels = {f.label: f.key for f in fields}
    match = labels.get(text) or next(iter(_close(text, by_key, 1)), None)
    if match is None:
        by_label = _close(text, labels, 1)
        match = labels[by_label[0]] if by_label else None
    line = ctx.line(*keys, text) if isinstance(key, str) else ctx.line(*keys)
    # "materials（申请材料）第 1 项的 " → "materials（申请材料）第 1 项："
    where = prefix.rstrip().removesuffix("的").rstrip() + "：" if prefix else ""
    if (bare := text.strip(" \u3000\t")) != text and bare in by_key:
        ctx.error(line, f"{where}字段名 {bare} 前面多了空格（常是全角空格“　”），YAML 读不出这个字段；请删去")
        return
    if match:
        ctx.error(line, f"{where}未知字段 {text}，是否为 {match}（{by_key[match].label}）？")
    else:
        ctx.error(line, f"{where}未知字段 {text}；允许的字段：{_quote_list(list(by_key), 12)}")


def _check_path(t: DocType, relpath: str, meta: dict, ctx: _Ctx) -> None:
    inner = relpath[len(t.directory) + 1:].split("/")
    stem = inner[-1].rsplit(".", 1)[0]
    for part in (inner[:-1] + [stem]) if t is schema.PAGE else [stem]:
        if not SLUG_RE.fullmatch(part):
            ctx.error(1, f"文件名 “{part}” 不符合要求：只能用小写英文字母、数字和连字符 -，"
                         "且以字母或数字开头（文件名就是网址）")
            break
    if t is schema.DISCLOSURE:
        if len(inner) != 2 or not YEAR_RE.fullmatch(inner[0]):
            ctx.error(1, "信息公开文件应放在 xxgk/wj/<年份>/ 目录下，如 xxgk/wj/2024/xxx.md")
        elif (published := as_date(meta.get("date"))) and int(inner[0]) != published.year:
            ctx.warn(1, f"文件放在 {inner[0]} 年目录下，但发布日期是 {published.year} 年")
    elif t is not schema.PAGE and len(inner) != 1:
        ctx.error(1, f"{t.label}应直接放在 {t.directory}/ 目录下，不要建子目录")


def _declared_columns(ctx: _Ctx) -> columns.Columns:
    """The columns of the tree being checked (the repository's for a lone file)."""
    return ctx.site.columns if ctx.site is not None else columns.default()


def _check_generated_url(t: DocType, relpath: str, meta: dict, ctx: _Ctx) -> None:
    """A document must not take the URL of a page the build writes itself (the site map, a list
    page such as content/zsyz/xm/index.md over the project list, a guide's checklist)."""
    if t is schema.NEWS and meta.get("column") not in _declared_columns(ctx).news:
        return  # its URL is unknown; the column error is reported
    url = schema.url_for(t, relpath, meta)
    parts = url.split("/")
    generated = (
        (url in GENERATED_PATHS and (t is not schema.PAGE or url not in listing.REPLACEABLE_PAGES))
        or url == "index.html" or url.startswith(GENERATED_PREFIXES)
        or (parts[0] in SECTION_CODES and parts[-1].startswith("index"))
        or (ctx.site is not None and url in ctx.site.department_urls)
        or f"/{url}".startswith(SERVICE_PREFIXES)
        or (url.endswith("-qd.html") and url[: -len("-qd.html")] + ".html" in
            (ctx.site.document_urls if ctx.site else ()))
    )
    if generated:
        ctx.error(1, f"{t.label}的网址 /{url} 是网站自动生成的页面，发布时会互相覆盖；"
                     "请换一个文件名或目录")


def _check_disclosure(doc: Document, ctx: _Ctx) -> None:
    meta = doc.meta
    site = ctx.site
    published = as_date(meta.get("date"))
    written = as_date(meta.get("written"))
    index_no = meta.get("index_no")
    m = INDEX_NO_RE.fullmatch(index_no.strip()) if isinstance(index_no, str) else None
    if m:
        publisher = meta.get("publisher")
        dept = site.registry.get(publisher) if site and isinstance(publisher, str) else None
        if dept is not None and m.group(1) != dept.org_code:
            ctx.error(ctx.line("index_no"), f"index_no（索引号）{index_no} 的组织机构代码 {m.group(1)} "
                                            f"与发布机构 {publisher}（{dept.name}）的 {dept.org_code} 不一致")
        if published is not None and int(m.group(2)) != published.year:
            ctx.error(ctx.line("index_no"), f"index_no（索引号）{index_no} 的年份 {m.group(2)} "
                                            f"应与发布日期 date 的年份 {published.year} 一致")
    if written and published and written > published:
        ctx.error(ctx.line("written"), f"written（成文日期）{written} 晚于发布日期 {published}")
    validity = meta.get("validity")
    replaced_by = meta.get("replaced_by")
    if validity in vocab.VALIDITY_NEEDS_REPLACEMENT and not replaced_by:
        ctx.error(ctx.line("validity"), f"validity（有效性）为 “{validity}” 时必须填写 "
                                        "replaced_by（替代或修改文件），即修改它的新文件的索引号")
    if validity == vocab.VALID and replaced_by:
        ctx.warn(ctx.line("replaced_by"), "有效性为 “有效” 的文件填写了 replaced_by（替代或修改文件）；"
                                          "如文件已被修改或替代，请改有效性")
    invalid_from = as_date(meta.get("invalid_from"))
    if invalid_from is not None:
        if written and invalid_from < written:
            ctx.error(ctx.line("invalid_from"), f"invalid_from（失效日期）{invalid_from} "
                                                f"早于成文日期 {written}")
        if validity == vocab.VALID:
            ctx.warn(ctx.line("invalid_from"), "有效性为 “有效” 的文件填写了 invalid_from（失效日期）；"
                                               "到期失效的文件请把有效性改为 “失效”")


def _check_guide(doc: Document, ctx: _Ctx) -> None:
    meta = doc.meta
    conditions = meta.get("conditions")
    if isinstance(conditions, list):
        for i, c in enumerate(conditions):
            if isinstance(c, str) and CATCH_ALL_CONDITION_RE.search(c):
                ctx.warn(ctx.line("conditions", i),
                         f"conditions（受理条件）第 {i + 1} 项 “{c}” 是兜底条款，检查指标视为不规范；"
                         "请写明具体条件")
    audience = meta.get("audience")
    events = meta.get("life_events")
    if isinstance(audience, list) and isinstance(events, list):
        # wrong kinds inside the lists were reported by the field rules already
        audience = [a for a in audience if isinstance(a, str)]
        for i, e in enumerate(events):
            if not isinstance(e, str):
                continue
            owners = [a for a, evs in vocab.LIFE_EVENTS.items() if e in evs]
            if owners and not any(a in audience for a in owners):
                ctx.error(ctx.line("life_events", i),
                          f"life_events（主题分类（人生事件））“{e}” 属于 “{owners[0]}” 类，"
                          f"但 audience（服务对象）只有 {'、'.join(map(str, audience))}；"
                          f"请在服务对象中加上 {owners[0]}，或改选 {_quote_list(_events_for(audience), 5)}")


def _check_power(doc: Document, ctx: _Ctx) -> None:
    """A 权力事项: its code's form, the 裁量基准 of a 处罚, and that each flow is a valid graph."""
    meta = doc.meta
    code = meta.get("code")
    code = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
    if isinstance(code, str) and code.strip() and not powerflow.POWER_CODE_RE.fullmatch(code.strip()):
        ctx.error(ctx.line("code"), f"code（事项编码）“{code}” 格式不对：用大写字母、数字，以 - 分段，"
                                    "如 XK-SCJG-001")
    category = meta.get("power_type")
    if category == vocab.DISCRETION_CATEGORY and not meta.get("discretion"):
        ctx.error(ctx.line("power_type"), f"职权类别为 “{category}” 的事项必须填写 discretion（自由裁量基准）："
                                        "每项写 situation（违法情形）和 penalty（处罚幅度）")
    for key, label in vocab.POWER_FLOWS.items():
        for i, sub, message in powerflow.problems(meta.get(key)):
            line = ctx.line(key) if i < 0 else ctx.line(key, i, sub) if sub else ctx.line(key, i)
            where = "" if i < 0 else f"第 {i + 1} 个环节："
            ctx.error(line, f"{key}（{label}）{where}{message}")


def _power_problems(typed: list[tuple[str, Document, DocType]], site: Site) -> list[Problem]:
    """事项编码 unique across power items; a guide's ``power`` names an existing one."""
    out: list[Problem] = []
    by_code: dict[str, list[tuple[str, Document]]] = {}
    for relpath, doc, t in typed:
        code = doc.meta.get("code")
        if t is schema.POWER and isinstance(code, str) and code.strip():
            by_code.setdefault(code.strip(), []).append((relpath, doc))
    for code, holders in by_code.items():
        for relpath, doc in holders if len(holders) > 1 else ():
            others = "、".join(site.display(r) for r, _ in holders if r != relpath)
            out.append(Problem(site.display(relpath), doc.line_of("code"),
                               f"code（事项编码）{code} 与 {others} 重复；事项编码全县唯一"))
    for relpath, doc, t in typed:
        ref = doc.meta.get("power")
        if t is schema.GUIDE and isinstance(ref, str) and ref.strip() and ref.strip() not in by_code:
            close = _close(ref.strip(), by_code, 1)
            hint = f"，是否为 {close[0]}？" if close else "；请填写 content/xxgk/ql/ 中某个事项的 code"
            out.append(Problem(site.display(relpath), doc.line_of("power"),
                               f"power（权力事项）{ref} 不是任何权力事项的事项编码{hint}"))
    return out


def _events_for(audiences: list) -> list[str]:
    return [e for a in audiences for e in vocab.LIFE_EVENTS.get(a, ())]


def _check_future(t: DocType, doc: Document, ctx: _Ctx) -> None:
    limit = (ctx.site.today if ctx.site else today_in_china()) + timedelta(days=1)
    for key in ("date", "written"):
        f = t.fields_by_key.get(key)
        d = as_date(doc.meta.get(key)) if f else None
        if d is not None and d > limit:
            ctx.error(ctx.line(key), f"{key}（{f.label}）{d} 是将来的日期；请填写实际日期")


def _check_body(t: DocType, doc: Document, ctx: _Ctx) -> None:
    body = doc.body
    if "<!--" in body:  # links in comments are not published; keep line numbers by keeping newlines
        body = HTML_COMMENT_RE.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    if ctx.site is not None:  # this file's links are read again below
        ctx.site.deferred_links.pop(ctx.path, None)
        ctx.site.cross_links.pop(ctx.path, None)
    if t in BODY_REQUIRED and not body.strip():
        ctx.error(doc.body_line - 1, "正文为空：请在元数据块结束标记 --- 之后填写正文"
                                     "（模板里的 <!-- … --> 提示不算正文）")
        return
    for line, message in body_check.problems(body, doc.body_line):
        ctx.error(line, message)
    for line, message in body_check.warnings(body, doc.body_line):
        ctx.warn(line, message)
    if ctx.site is None:
        return
    if "](" not in body and "]:" not in body and "=" not in body:
        return
    in_fence = False
    rel = ctx.path[len(ctx.site.prefix):] if ctx.path.startswith(ctx.site.prefix) else ctx.path
    column = doc.meta.get("column")
    # where the page is published, to resolve relative links; unknown for a news item without a
    # valid column (reported already)
    url = "" if t is schema.NEWS and column not in ctx.site.columns.news else schema.url_for(t, rel, doc.meta)
    linked: list[tuple[str, str]] = []
    for n, text in enumerate(body.split("\n")):
        if body_check.FENCE_RE.match(text):
            in_fence = not in_fence
            continue
        if in_fence or ("](" not in text and "]:" not in text and "=" not in text):
            continue
        targets = MD_LINK_RE.findall(text) + HTML_LINK_RE.findall(text)
        ref = MD_REF_DEF_RE.match(text)
        if ref:
            targets.append(ref.group(1))
        for target in targets:
            problem = _link_problem(target, rel, ctx.site, url, linked)
            if problem == DEFERRED:  # see check_site
                ctx.site.deferred_links.setdefault(ctx.path, []).append((doc.body_line + n, _absolute(target, url)))
            elif problem:
                ctx.error(doc.body_line + n, problem)
    if linked:
        ctx.site.cross_links[ctx.path] = sorted(set(linked))


def _absolute(target: str, url: str) -> str:
    """A link as the browser resolves it on the page at ``url``: ``../tzgg/`` → ``/zwdt/tzgg/``,
    ``https://www.shifan.gov.cn/zsyz/`` → ``/zsyz/``."""
    if (own := OWN_SITE_RE.match(target)) is not None:
        return own.group(1) or "/"
    if target.startswith("/") or not url:
        return target
    path, sep, rest = target.partition("?") if "?" in target else target.partition("#")
    shown = "/" + posixpath.normpath(posixpath.join(posixpath.dirname(url), path)).lstrip("./")
    return shown + ("/" if path.endswith("/") and not shown.endswith("/") else "") + sep + rest


def _link_problem(target: str, relpath: str, site: Site, url: str = "",
                  linked: list[tuple[str, str]] | None = None) -> str | None:
    """Why an internal link does not resolve, or None (external links pass).

    A relative link is resolved against the page's own ``url`` (as a browser does) when known.
    DEFERRED for a list page (``/xxgk/ml/zt/01/``: which exist depends on every document) and a
    news item's page of this site (the column its URL names is checked once every item is read).
    A link that resolves in another site of the cluster adds (its id, the file the page is made
    from: ``Site.source``) to ``linked``.
    """
    if (problem := body_check.link_message(target)) is not None:
        return problem
    for marker in ("{filename}", "{static}", "{attach}"):
        if target.startswith(marker):
            path = unquote(QUERY_RE.split(target[len(marker):], maxsplit=1)[0])
            base = "" if path.startswith("/") else posixpath.dirname(relpath)
            resolved = posixpath.normpath(posixpath.join(base, path.lstrip("/")))
            if resolved not in site.files:
                return f"链接 {target} 指向的文件 content/{resolved} 不存在"
            return None
    if OWN_SITE_RE.match(target):  # the portal's own address: check the page it names
        return _link_problem(_absolute(target, url), relpath, site, linked=linked)
    if target.startswith("//") or body_check.SCHEME_RE.match(target) or target.startswith("#"):
        return None
    if not target.startswith("/"):
        if not url or not QUERY_RE.split(target, maxsplit=1)[0]:
            return None
        shown = _absolute(target, url)
        problem = _link_problem(shown, relpath, site, linked=linked)
        if problem is None or problem == DEFERRED:
            return problem
        return (f"相对链接 {target} 在网页 /{url} 上指向 {shown}，找不到对应的页面；"
                "站内链接请写成以 / 开头的网址，或用 {filename}相对路径.md 的写法")
    path = unquote(QUERY_RE.split(target, maxsplit=1)[0])
    if path.startswith(SERVICE_PREFIXES):
        return None
    owner, local = site.route(path)
    source = owner.source(local)
    if source is not None:
        if (news := owner.news_page(local)) is not None:
            if owner is site:
                return DEFERRED
            source, elsewhere = news_at(*news, owner.column_of, owner.columns.news)
            if source is None:
                return _moved_news(target, owner.folder, elsewhere, local)
        if owner is not site and linked is not None:
            linked.append((owner.cluster_id, source))
        return None
    if owner is not site:  # a page of another site of the cluster
        if owner.is_list_page(local):  # its list folders are that site's check's business
            return None
        return (f"站内链接 {target} 指向网站群中网站 {owner.cluster_id} 的页面 {local}，"
                "该网站没有这个页面；请检查网址")
    if site.is_list_page(local):  # a sub-site's own list pages are under its folder: /cgz/zwdt/
        return DEFERRED
    if path.startswith("/" + schema.FILES_DIR + "/"):
        return f"链接 {target} 指向的附件 content{path} 不存在"
    return f"站内链接 {target} 找不到对应的页面；请检查网址，或改用 {{filename}}相对路径.md 的写法"


def check_document(doc: Document, relpath: str, site: Site) -> list[Problem]:
    """Check one parsed document (relpath relative to content/, posix) on its own."""
    if not isinstance(relpath, str) or "\\" in relpath or relpath.startswith("./"):
        relpath = PurePosixPath(str(relpath).replace("\\", "/")).as_posix()
    path = site.display(relpath)
    t = doc_type_of(relpath)
    if t is None:
        dirs = "、".join(f"{d.directory}/" for d in schema.DOC_TYPES)
        return [Problem(path, 1, f"文件不在任何内容类型目录下，不会被发布；请移到 {dirs} 之一")]
    ctx = _Ctx(path, doc.node, 2, 1, site)
    for line, message in yaml_errors.duplicate_keys(doc.node, 2):
        ctx.error(line, message)
    _check_path(t, relpath, doc.meta, ctx)
    _check_generated_url(t, relpath, doc.meta, ctx)
    _check_mapping(t.fields, doc.meta, (), "", ctx, t.fields_by_key)
    if t is schema.DISCLOSURE:
        _check_disclosure(doc, ctx)
    elif t is schema.GUIDE:
        _check_guide(doc, ctx)
    elif t is schema.CONSULTATION:
        participation_check.check_consultation(doc.meta, ctx)
    elif t is schema.INTERVIEW:
        participation_check.check_interview(doc.meta, ctx)
    elif t is schema.POWER:
        _check_power(doc, ctx)
    _check_future(t, doc, ctx)
    _check_body(t, doc, ctx)
    return ctx.problems


class _LenientLoader(_YamlLoader):  # type: ignore[misc, valid-type]
    """The front matter loader, except that an impossible date such as 2024-13-01 stays text."""


def _timestamp_or_text(loader: Any, node: yaml.ScalarNode) -> Any:
    try:
        return loader.construct_yaml_timestamp(node)
    except ValueError:  # the date rules then report it with its key and line
        return loader.construct_scalar(node)


_LenientLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _parse_lenient(text: str, path: Path) -> Document:
    """portal.frontmatter.parse_text with _LenientLoader: PyYAML raises a bare ValueError there."""
    head, body, body_line = split(text)
    loader = _LenientLoader(head)
    try:
        node = loader.get_single_node()
        meta = loader.construct_document(node) if node is not None else {}
    finally:
        loader.dispose()
    if not isinstance(meta, dict):
        raise FrontMatterError("YAML 元数据应为“键: 值”的形式", 2)
    return Document(path=path, meta=meta, body=body, body_line=body_line, node=node)


def check_file(path: Path, site: Site, relpath: str | None = None) -> tuple[Document | None, list[Problem]]:
    """Read and check one file under content/; the document is None when it cannot be read."""
    path = Path(path)
    if relpath is None:
        try:
            relpath = path.resolve().relative_to(site.content_dir.resolve()).as_posix()
        except ValueError:
            relpath = path.as_posix()
    shown = site.display(relpath)
    if doc_type_of(relpath) is None:
        return None, check_document(Document(path, {}, "", 1), relpath, site)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(shown, 1, "文件不是 UTF-8 编码；请用 UTF-8 保存")]
    except OSError:  # unreadable (permissions, a broken link): one line, not a traceback
        return None, [Problem(shown, 1, "无法读取这个文件（可能是失效的链接，或没有读取权限）")]
    try:
        try:
            doc = parse_text(text, path)
        except FrontMatterError:
            raise
        except ValueError:
            doc = _parse_lenient(text, path)
    except FrontMatterError as exc:
        # keep its 索引号 known, so documents that point to it do not get a second, false error
        site.unreadable_index_nos.update(m.group(1) for m in INDEX_LINE_RE.finditer(text))
        return None, [Problem(shown, exc.line, exc.message)]
    return doc, check_document(doc, relpath, site)


# --- cross-file checks and inspection warnings ----------------------------------------------------


def check_site(docs: list[tuple[str, Document]], site: Site,
               today: date | None = None) -> list[Problem]:
    """Rules across files (duplicate 索引号, dangling references, URL clashes) and inspections."""
    today = today or site.today
    out: list[Problem] = []
    by_index: dict[str, list[tuple[str, Document]]] = {}
    by_url: dict[str, list[tuple[str, Document]]] = {}
    typed: list[tuple[str, Document, DocType]] = []
    items: list[freshness.Item] = []
    for relpath, doc in docs:
        t = doc_type_of(relpath)
        if t is None:
            continue
        typed.append((relpath, doc, t))
        idx = doc.meta.get("index_no")
        if t is schema.DISCLOSURE and isinstance(idx, str) and idx.strip():
            by_index.setdefault(idx.strip(), []).append((relpath, doc))
        column = doc.meta.get("column")
        url = schema.url_for(t, relpath, doc.meta)
        items.append(freshness.Item(t.name, url, doc.meta, as_date(doc.meta.get(t.date_field))))
        if t is schema.NEWS and not (isinstance(column, str) and column in site.columns.news):
            continue  # its URL is unknown; the column error was reported already
        by_url.setdefault(url, []).append((relpath, doc))

    for idx, holders in by_index.items():
        if len(holders) < 2:
            continue
        for relpath, doc in holders:  # report every holder: either file may be the wrong one
            others = "、".join(site.display(r) for r, _ in holders if r != relpath)
            out.append(Problem(site.display(relpath), doc.line_of("index_no"),
                               f"index_no（索引号）{idx} 与 {others} 重复；索引号一经赋予不得重复使用"))
    for relpath, doc, t in typed:
        ref = doc.meta.get("replaced_by")
        if t is schema.DISCLOSURE and isinstance(ref, str) and INDEX_NO_RE.fullmatch(ref.strip()):
            if ref.strip() not in by_index and ref.strip() not in site.unreadable_index_nos:
                out.append(Problem(site.display(relpath), doc.line_of("replaced_by"),
                                   f"replaced_by（替代或修改文件）{ref} 不是任何信息公开文件的索引号"))
            elif ref.strip() == str(doc.meta.get("index_no", "")).strip():
                out.append(Problem(site.display(relpath), doc.line_of("replaced_by"),
                                   "replaced_by（替代或修改文件）不能是本文件自己的索引号"))
    for url, holders in by_url.items():
        if len(holders) > 1:
            for relpath, _ in holders:
                others = "、".join(site.display(r) for r, _ in holders if r != relpath)
                out.append(Problem(site.display(relpath), 1,
                                   f"网址 /{url} 与 {others} 相同；请改文件名"))
    out.extend(_deferred_link_problems(typed, site))
    out.extend(_power_problems(typed, site))
    out.extend(Problem(site.display(f.where) if f.where else site.prefix.rstrip("/") or ".", 0,
                       f.message, WARNING)
               for f in freshness.inspect(site.columns, items, today))
    from portal import report_check  # the disclosure-law rules (issue 20); imports this module
    out.extend(report_check.check(docs, site, today))
    return out


def news_at(column: str, files: list[str], column_of: Callable[[str], Any],
            declared: dict[str, str]) -> tuple[str | None, str | None]:
    """(the file of the news item a page of ``column`` is made from, None when no item of the
    slug is in it; the column one of them is in instead). An item without a declared column
    counts as there: its own check reports its column, and no link should add to that."""
    elsewhere = None
    for rel in files:
        found = column_of(rel)
        if found == column or not isinstance(found, str) or found not in declared:
            return rel, None
        elsewhere = elsewhere or found
    return None, elsewhere


def _moved_news(target: str, own: str, column: str | None, local: str) -> str:
    """A link to a news item's page under a column it is not in (it moved, or the link was
    written by hand)."""
    right = f"{own}/{schema.NEWS.section}/{column}/{local.rsplit('/', 1)[1]}"
    return f"站内链接 {target} 指向的新闻不在这个栏目，网页地址是 {right}；请改用这个网址"


def _deferred_link_problems(typed: list[tuple[str, Document, DocType]], site: Site) -> list[Problem]:
    """Links to list pages the build does not write (/zsyz/tz/, a topic nobody published in) and
    to news items under a column they are not in."""
    folders = listing.list_folders(((t.name, doc.meta) for _, doc, t in typed), site.columns.news)
    columns = {rel: doc.meta.get("column") for rel, doc, t in typed if t is schema.NEWS}
    if site.cluster_id != DEFAULT_SITE:  # a sub-site writes no list pages of the county's sections
        elsewhere = cluster_sites.county_sections(site.content_dir)
        folders = {f for f in folders if f.split("/", 1)[0] not in elsewhere}
    out = []
    for path, links in site.deferred_links.items():
        for line, target in links:
            p = site.route(unquote(QUERY_RE.split(target, maxsplit=1)[0]))[1].lstrip("/")
            if (news := site.news_page(p)) is not None:
                found, elsewhere = news_at(*news, columns.get, site.columns.news)
                if found is None:
                    out.append(Problem(path, line, _moved_news(target, site.folder, elsewhere, p)))
                continue
            folder = p if p.endswith("/") else p.rsplit("/", 1)[0] + "/"
            if folder not in folders:
                close = [f"{site.folder}/{f}" for f in _close(folder, folders)] or [f"{site.folder}/xxgk/ml/"]
                out.append(Problem(path, line, f"站内链接 {target} 是不存在的列表页（网站没有这一栏目或分类，"
                                               f"或还没有这一分类的内容）；请检查网址，如 {_quote_list(close)}"))
    return out


def check_stray_files(site: Site) -> list[Problem]:
    """Files under content/ that neither the build reads nor copies: they would never be published."""
    out = []
    attachments = schema.FILES_DIR + "/"
    for rel in site.files:
        if rel.startswith(attachments) and rel.endswith(".md"):
            out.append(Problem(site.display(rel), 1, "附件目录里的 .md 文件会原样作为文件发布，不会生成网页；"
                                                     f"文档请放到对应类型的目录，不要放在 {attachments} 下", WARNING))
            continue
        if rel.endswith(".md") or rel.startswith(attachments) or rel in SETTINGS_FILES:
            continue
        if rel.startswith(surveys.SURVEYS_DIR + "/") and rel.endswith(".yml"):
            continue  # 网上调查, read by check_surveys and formsvc
        name = rel.rsplit("/", 1)[-1]
        if name in IGNORED_NAMES or name.startswith((".", "#")) or name.endswith("~"):
            continue
        if name.lower().endswith((".md", ".markdown")):
            hint = "扩展名请改为小写的 .md"
        else:
            hint = f"正文请写成 .md 文件；附件、图片请放到 content/{schema.FILES_DIR}/ 下再链接"
        out.append(Problem(site.display(rel), 1, f"这个文件不会被发布：{hint}"))
    return sorted(out)


# --- the departments registry ---------------------------------------------------------------------

REGISTRY_FIELDS: tuple[Field, ...] = DEPARTMENT_FIELDS


def check_registry(content_dir: Path, root: Path | None = None) -> list[Problem]:
    """Rules of content/departments.yml: required fields, unique codes, known parents, org codes."""
    content_dir = Path(content_dir)
    path = registry_path(content_dir)  # a sub-site's tree: the county's registry
    shown = (_display_prefix(content_dir, root) if path.parent == content_dir else
             _display_prefix(path.parent, root)) + schema.DEPARTMENTS_FILE
    try:
        entries, root = read_raw(path)
    except FrontMatterError as exc:
        return [Problem(shown, exc.line, exc.message)]
    _, seq, _ = _node_at(root, ("departments",))
    ctx = _Ctx(shown, seq, 1, 1, None)
    for line, message in yaml_errors.duplicate_keys(root, 1):
        ctx.error(line, message)
    by_key = {f.key: f for f in REGISTRY_FIELDS}
    codes: dict[str, int] = {}
    org_codes: dict[str, tuple[str, int]] = {}
    for i, entry in enumerate(entries):
        line = seq.value[i].start_mark.line + 1
        if not isinstance(entry, dict):
            ctx.error(line, f"第 {i + 1} 个机构应为若干“键: 值”")
            continue
        code = entry.get("code")
        prefix = f"机构 {code} 的 " if isinstance(code, str) and code else f"第 {i + 1} 个机构的 "
        _check_mapping(REGISTRY_FIELDS, entry, (i,), prefix, ctx, by_key)
        if isinstance(code, str) and code:
            if not DEPT_CODE_RE.fullmatch(code):
                ctx.error(ctx.line(i, "code"), f"机构代码 “{code}” 只能用小写英文字母和数字，以字母开头")
            if code in codes:
                ctx.error(ctx.line(i, "code"), f"机构代码 {code} 重复（第 {codes[code]} 行已使用）")
            else:
                codes[code] = ctx.line(i, "code")
        org = entry.get("org_code")
        if isinstance(org, str) and org:
            if not ORG_CODE_RE.fullmatch(org):
                ctx.error(ctx.line(i, "org_code"),
                          f"{prefix}org_code（组织机构代码）“{org}” 格式不对，应为 8 位数字或大写字母、"
                          "连字符、1 位校验码，如 01150001-1")
            elif org in org_codes:
                other, other_line = org_codes[org]
                ctx.error(ctx.line(i, "org_code"), f"{prefix}org_code（组织机构代码）{org} 与机构 "
                                                   f"{other}（第 {other_line} 行）重复")
            else:
                org_codes[org] = (str(code), ctx.line(i, "org_code"))
    all_codes = {str(e.get("code")) for e in entries if isinstance(e, dict) and e.get("code")}
    for i, entry in enumerate(entries):
        parent = entry.get("parent") if isinstance(entry, dict) else None
        if parent and isinstance(parent, str) and parent not in all_codes:
            close = _close(parent, all_codes, 3)
            hint = f"，是否为 {'、'.join(close)}？" if close else ""
            ctx.error(ctx.line(i, "parent"), f"机构 {entry.get('code')} 的 parent（上级机构）"
                                             f"“{parent}” 不是名录中的机构代码{hint}")
        elif parent and parent == entry.get("code"):
            ctx.error(ctx.line(i, "parent"), f"机构 {parent} 的上级机构不能是它自己")
    return ctx.problems


def check_columns(content_dir: Path, root: Path | None = None) -> list[Problem]:
    """Rules of content/columns.yml (portal.columns): ids, names, parents, freshness classes."""
    declared = columns.load(Path(content_dir))
    try:
        shown = _display_prefix(declared.path.parent, root) + declared.path.name
    except OSError:
        shown = str(declared.path)
    return [Problem(shown, line, message) for line, message in declared.problems]


def check_surveys(content_dir: Path, root: Path | None = None) -> list[Problem]:
    """Rules of content/surveys/*.yml (网上调查, ``portal.surveys``: the parser formsvc uses too)."""
    content_dir = Path(content_dir)
    try:
        codes: list[str] | None = [d.code for d in load_registry(content_dir)]
    except Exception:  # the registry's own errors are check_registry's to report
        codes = None
    prefix = _display_prefix(content_dir, root)
    out = []
    for path in surveys.files(content_dir):
        shown = prefix + path.relative_to(content_dir).as_posix()
        out.extend(Problem(shown, line, message) for line, message in surveys.parse_file(path, codes).problems)
    return out


# --- the whole tree ------------------------------------------------------------------------------


@dataclass
class Report:
    """What check_tree found, plus the counts scripts/check prints on success."""

    problems: list[Problem]
    counts: dict[str, int]
    # (path as shown, site-relative URL) of every readable document, for the published-tree check
    urls: list[tuple[str, str]] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def run(content_dir: Path, today: date | None = None, root: Path | None = None, *,
        county: Path | None = None) -> Report:
    """Check everything under content_dir; see check_tree (``county``: the cluster's county tree
    when it is not ``<repo>/content``, for the links between sites)."""
    content_dir = Path(content_dir)
    problems = (check_registry(content_dir, root) + check_columns(content_dir, root)
                + check_surveys(content_dir, root))
    try:
        registry = load_registry(content_dir)
    except Exception:  # departments.load trips on wrong kinds (duties: 1) that check_registry
        # has just reported with their lines; check the documents without the registry
        registry = Registry([])
    site = Site(content_dir, registry, root, today=today, county=county)
    docs: list[tuple[str, Document]] = []
    counts = {t.name: 0 for t in schema.DOC_TYPES}
    urls: list[tuple[str, str]] = []
    for relpath in site.documents():
        doc, found = check_file(content_dir / relpath, site, relpath)
        problems.extend(found)
        if doc is not None:
            docs.append((relpath, doc))
            t = doc_type_of(relpath)
            if t is not None:
                counts[t.name] += 1
                urls.append((site.display(relpath), schema.url_for(t, relpath, doc.meta)))
    problems.extend(check_stray_files(site))
    problems.extend(check_site(docs, site, today))
    return Report(sorted(set(problems)), counts, urls)


def check_tree(content_dir: Path, today: date | None = None) -> list[Problem]:
    """Everything: the registry, every document under content/, cross-file rules and inspections."""
    return run(content_dir, today).problems


def summary(report: Report) -> str:
    """One line in Chinese: counts per type, then errors and warnings."""
    parts = "、".join(f"{t.label} {report.counts[t.name]} {UNITS.get(t.name, '篇')}"
                      for t in schema.DOC_TYPES)
    if report.errors:
        return f"检查未通过：错误 {len(report.errors)} 处，警告 {len(report.warnings)} 条（{parts}）"
    return f"检查通过：{parts}，警告 {len(report.warnings)} 条"


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期格式应为 YYYY-MM-DD：{text}") from None


def main(argv: list[str] | None = None) -> int:
    """scripts/check: print problems as path:line: message; exit 1 on errors (or warnings, --strict)."""
    parser = argparse.ArgumentParser(prog="scripts/check",
                                     description="检查 content/ 下的内容是否符合内容模型和检查指标")
    parser.add_argument("content_dir", nargs="?", type=Path, default=None,
                        help="内容目录；不写目录也不写 --site 时检查整个网站群（content/ 和 sites/ 下的每个网站）")
    parser.add_argument("--site", help="只检查网站群中的这个网站（county 或 sites/ 下的网站代码）")
    parser.add_argument("--strict", action="store_true", help="有警告也以失败状态退出")
    parser.add_argument("--today", type=_parse_day, help="按这一天检查时效（YYYY-MM-DD），默认今天")
    parser.add_argument("--published", type=Path, metavar="OUTPUT",
                        help="发布目录（如 output/）：检查每篇文档是否都已发布")
    links = parser.add_argument_group("外部链接检查（只在指定 --external-links 时进行，生成网站时不做）")
    links.add_argument("--external-links", action="store_true", help="逐个访问正文和字段中的外部链接")
    links.add_argument("--link-timeout", type=float, default=10.0, metavar="秒", help="每个链接的超时，默认 10 秒")
    links.add_argument("--link-cache", type=Path, metavar="FILE",
                       help="缓存文件，默认 cache/external-links.json；可访问的链接在有效期内不再访问")
    links.add_argument("--link-cache-days", type=float, default=7.0, metavar="天", help="缓存有效期，默认 7 天")
    args = parser.parse_args(argv)
    if args.content_dir is None and args.site is None and cluster_sites.discover() \
            and not args.external_links:
        return _main_cluster(args)
    try:
        args.content_dir = cluster_sites.content_dir(args.site, args.content_dir)
    except cluster_sites.SiteError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    if not args.content_dir.is_dir():
        print(f"找不到内容目录 {args.content_dir}", file=sys.stderr)
        return 2
    if args.published is not None and not args.published.is_dir():
        print(f"找不到发布目录 {args.published}", file=sys.stderr)
        return 2
    from portal import published as published_tree  # it imports this module

    try:
        report = published_tree.run(args.content_dir, args.published, args.today)
    except KeyboardInterrupt:  # Ctrl+C: stop quietly, no traceback
        print("检查已中断", file=sys.stderr)
        return 130
    link_summary = ""
    if args.external_links:
        from portal import extlinks

        found = extlinks.collect(args.content_dir)
        results = extlinks.check_links(found, timeout=args.link_timeout,
                                       cache_path=args.link_cache or extlinks.DEFAULT_CACHE,
                                       cache_days=args.link_cache_days)
        report.problems = sorted(set(report.problems) | set(extlinks.problems(found, results)))
        link_summary = extlinks.summary(results)
    for p in report.problems:
        print(p)
    if link_summary:
        print(link_summary)
    note = freshness.demo_note(args.content_dir)
    if note and report.warnings:
        print(note)
    print(summary(report))
    failed = bool(report.errors) or (args.strict and bool(report.warnings))
    return 1 if failed else 0


def _main_cluster(args: argparse.Namespace) -> int:
    """scripts/check with neither a tree nor --site: every site of the cluster, and between them."""
    from portal.cluster import checks  # it imports this module

    if args.published is not None and not args.published.is_dir():
        print(f"找不到发布目录 {args.published}", file=sys.stderr)
        return 2
    try:
        reports, own = checks.run(args.today, args.published)
    except KeyboardInterrupt:
        print("检查已中断", file=sys.stderr)
        return 130
    everything = sorted({p for r in reports.values() for p in r.problems} | set(own))
    for p in everything:
        print(p)
    for site_id, report in reports.items():
        print(f"{site_id}：{summary(report)}")
    errors = sum(p.is_error for p in everything)
    warnings = len(everything) - errors
    if errors:
        print(f"网站群检查未通过：{len(reports)} 个网站，错误 {errors} 处，警告 {warnings} 条")
    else:
        print(f"网站群检查通过：{len(reports)} 个网站，警告 {warnings} 条")
    return 1 if errors or (args.strict and warnings) else 0


__all__ = [
    "Problem", "Report", "Site", "check_columns", "check_document", "check_file", "check_registry", "check_surveys",
    "check_site", "check_stray_files",
    "check_tree", "main", "run", "summary", "as_date", "parse_datetime_str", "today_in_china",
]
