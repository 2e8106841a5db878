"""``scripts/new``: write a new content file with every field of its type and a Chinese hint on each.

Required fields the command cannot fill stay empty, so ``scripts/check`` names each one until the
editor fills it in; optional fields are commented out. Disclosure documents get the next free
索引号 of their publisher and year.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from portal import columns, schema, sites, vocab
from portal.check import KIND_NAMES, SLUG_RE, today_in_china
from portal.departments import Registry
from portal.departments import load as load_registry
from portal.frontmatter import FrontMatterError
from portal.index_no import INDEX_LINE_RE
from portal.schema import DocType, Field

# Chinese names editors type for each type; 优惠政策/投资环境 also preset the page's 栏目.
ALIASES: dict[str, tuple[str, dict[str, str]]] = {
    "信息公开": ("disclosure", {}),
    "信息公开文件": ("disclosure", {}),
    "公开": ("disclosure", {}),
    "办事指南": ("guide", {}),
    "指南": ("guide", {}),
    "招商项目": ("project", {}),
    "项目": ("project", {}),
    "投资环境": ("investment", {"kind": "投资环境"}),
    "优惠政策": ("investment", {"kind": "优惠政策"}),
    "投资环境/优惠政策": ("investment", {}),
    "投资环境与优惠政策": ("investment", {}),
    "新闻": ("news", {}),
    "政务动态": ("news", {}),
    "动态": ("news", {}),
    "页面": ("page", {}),
    "固定页面": ("page", {}),
    "权力事项": ("power", {}),
    "职权目录": ("power", {}),
}

BODY_HINT = "<!-- 在本行下方用 Markdown 填写正文，填好后可删除本行。站内附件链接写作 [附件名称](/files/…/文件名.pdf) -->"


class ScaffoldError(Exception):
    """A reason to refuse, in Chinese."""


def resolve_type(name: str) -> tuple[DocType, dict[str, str]]:
    """The DocType for a schema name or a Chinese alias, plus values the alias presets."""
    if name in schema.DOC_TYPES_BY_NAME:
        return schema.DOC_TYPES_BY_NAME[name], {}
    if name in ALIASES:
        type_name, preset = ALIASES[name]
        return schema.DOC_TYPES_BY_NAME[type_name], dict(preset)
    names = "、".join(list(schema.DOC_TYPES_BY_NAME) + list(ALIASES))
    raise ScaffoldError(f"未知类型 {name}；可用：{names}")


def next_index_no(content_dir: Path, org_code: str, year: int, also: Iterable[Path] = ()) -> str:
    """Highest serial used by this publisher in this year, plus one: numbers are never reused.

    ``also``: the other content trees of the cluster (a department publishes on its own site and
    on the county's; one 索引号 names one document in the whole cluster)."""
    prefix = f"{org_code}/{year}-"
    highest = 0
    bases = [Path(d) / schema.DISCLOSURE.directory for d in (content_dir, *also)]
    for path in (p for base in bases if base.is_dir() for p in base.rglob("*.md")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for m in INDEX_LINE_RE.finditer(text):
            if m.group(1).startswith(prefix):
                highest = max(highest, int(m.group(1)[len(prefix):]))
    return f"{prefix}{highest + 1:05d}"


def _hint(f: Field, news: dict[str, str] | None = None) -> str:
    """The comment beside a field: label, required or not, format, allowed values."""
    parts = [f"{f.label}（{'必填' if f.required else '选填'}）"]
    detail = []
    if f.help:
        detail.append(f.help)
    elif f.kind not in ("str", "text", "records", "record", "choice", "choices"):
        detail.append(KIND_NAMES.get(f.kind, f.kind))
    if f.max_length:
        detail.append(f"不超过 {f.max_length} 字")
    if f.choices == vocab.ALL_LIFE_EVENTS:
        detail.append("个人可选 " + "、".join(vocab.LIFE_EVENTS["个人"])
                      + "；法人可选 " + "、".join(vocab.LIFE_EVENTS["法人"]))
    elif f.kind == "column":
        news = columns.default().news if news is None else news
        detail.append("可选：" + " | ".join(f"{c}（{n}）" for c, n in news.items()))
    elif f.choices:
        detail.append("可选：" + " | ".join(f.choices))
    if f.kind in ("choices", "records"):
        detail.append("每项一行，以 - 开头")
    return parts[0] + ("：" + "；".join(detail) if detail else "")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, date)):
        return str(value)
    # JSON strings are valid YAML double-quoted scalars, whatever the text holds
    return json.dumps(str(value), ensure_ascii=False)


def _field_lines(f: Field, values: dict[str, Any], indent: str, first: str = "",
                 news: dict[str, str] | None = None) -> list[str]:
    """YAML lines for one field; optional fields come out commented."""
    lead = first or indent
    # optional fields stay commented out unless the command filled them in
    comment = "" if f.required or values.get(f.key) is not None else "# "
    hint = _hint(f, news)
    if f.kind in ("records", "record"):
        lines = [f"{lead}{comment}{f.key}:  # {hint}"]
        inner = indent + "  "
        # the "- " that opens the list item goes on its first line that is not commented out
        opener = next((i for i, sub in enumerate(f.item_fields) if sub.required), 0)
        for i, sub in enumerate(f.item_fields):
            sub_first = inner + "- " if f.kind == "records" and i == opener else ""
            sub_indent = inner + ("  " if f.kind == "records" else "")
            for line in _field_lines(sub, _ITEM_DEFAULTS, sub_indent, sub_first):
                lines.append(_comment_out(line, indent) if not f.required else line)
        return lines
    value = values.get(f.key)
    if value is None:
        return [f"{lead}{comment}{f.key}:  # {hint}"]
    if isinstance(value, list):
        return [f"{lead}{comment}{f.key}:  # {hint}"] + [
            f"{indent}{comment}  - {_scalar(v)}" for v in value]
    return [f"{lead}{comment}{f.key}: {_scalar(value)}  # {hint}"]


def _comment_out(line: str, indent: str) -> str:
    if line.lstrip().startswith("#"):
        return line
    return indent + "# " + line[len(indent):]


# Defaults inside a new material/fee record: almost always right, and valid as they stand.
_ITEM_DEFAULTS: dict[str, Any] = {"copies": 1, "required": True}


def render(doc_type: DocType, values: dict[str, Any], news: dict[str, str] | None = None) -> str:
    """The text of a new file of this type with the given values filled in.

    ``news``: the news columns to offer (id → name), by default those of the repository's content.
    """
    lines = ["---"]
    for f in doc_type.fields:
        lines += _field_lines(f, values, "", news=news)
    lines.append("---")
    lines.append(BODY_HINT)
    lines.append("")
    return "\n".join(lines)


def target_path(content_dir: Path, doc_type: DocType, slug: str, year: int) -> Path:
    """Where a document of this type and slug lives."""
    base = Path(content_dir) / doc_type.directory
    if doc_type is schema.DISCLOSURE:
        return base / str(year) / f"{slug}.md"
    return base / f"{slug}.md"


def _slug_taken(content_dir: Path, doc_type: DocType, slug: str) -> Path | None:
    """An existing file whose URL the new slug would take (disclosure URLs leave out the year)."""
    base = Path(content_dir) / doc_type.directory
    if doc_type is schema.DISCLOSURE:
        return next(iter(base.glob(f"*/{slug}.md")), None) if base.is_dir() else None
    path = base / f"{slug}.md"
    return path if path.exists() else None


def _same_day(today: date, year: int) -> date:
    try:
        return today.replace(year=year)
    except ValueError:  # 29 February
        return today.replace(year=year, day=28)


def default_slug(content_dir: Path, doc_type: DocType, today: date) -> str:
    """A free slug from today's date: 20260315-1, 20260315-2, …"""
    n = 1
    while _slug_taken(content_dir, doc_type, f"{today:%Y%m%d}-{n}"):
        n += 1
    return f"{today:%Y%m%d}-{n}"


def build(type_name: str, content_dir: Path, *, title: str | None = None, dept: str | None = None,
          slug: str | None = None, column: str | None = None, year: int | None = None,
          today: date | None = None, also: Iterable[Path] = ()) -> tuple[Path, str]:
    """(path, text) of a new document; raises ScaffoldError when it cannot or must not be written."""
    doc_type, values = resolve_type(type_name)
    content_dir = Path(content_dir)
    today = today or today_in_china()
    try:
        registry = load_registry(content_dir)
    except (FrontMatterError, TypeError, ValueError, AttributeError):
        registry = Registry([])  # scripts/check explains what is wrong with departments.yml
    if slug is None:
        if doc_type is schema.PAGE:
            raise ScaffoldError("新建页面需要用 --slug 指定路径，如 --slug xxgk/zn（对应网址 /xxgk/zn.html）")
        slug = default_slug(content_dir, doc_type, today)
    parts = slug.split("/") if doc_type is schema.PAGE else [slug]
    bad = [p for p in parts if not SLUG_RE.fullmatch(p)]
    if bad:
        raise ScaffoldError(f"文件名 {slug} 不符合要求：只能用小写英文字母、数字和连字符 -，且以字母或数字开头")
    pub_year = year or today.year
    # back-filing into another year keeps today's month and day; the editor corrects the date
    published = today if pub_year == today.year else _same_day(today, pub_year)
    dept_field = next((f.key for f in doc_type.fields if f.kind == "dept"), None)
    if dept is not None:
        if dept not in registry:
            raise ScaffoldError(f"机构代码 {dept} 不在 departments.yml 中；可用：{'、'.join(registry.by_code)}")
        if dept_field:
            values[dept_field] = dept
    if title:
        values["title"] = title
    news = columns.load(content_dir).news
    if column is not None:
        if doc_type is schema.NEWS and column not in news:
            raise ScaffoldError(f"栏目 {column} 不在 {schema.COLUMNS_FILE} 中；可用：{'、'.join(news)}")
        values["column"] = column
    if "date" in doc_type.fields_by_key:
        values["date"] = published
    if doc_type is schema.DISCLOSURE:
        values["written"] = published
        values["validity"] = vocab.VALID
        department = registry.get(dept) if dept else None
        if department is not None and department.org_code:
            values["index_no"] = next_index_no(content_dir, department.org_code, pub_year, also)
    if doc_type is schema.CONSULTATION:  # 征求意见期一般不少于 30 日
        values["opens"] = published
        values["closes"] = published + timedelta(days=30)
    if doc_type is schema.INTERVIEW:
        values["starts"] = f"{published.isoformat()} 09:30"
        values["ends"] = f"{published.isoformat()} 11:00"
    path = target_path(content_dir, doc_type, slug, pub_year)
    taken = _slug_taken(content_dir, doc_type, slug) if doc_type is not schema.PAGE else None
    if path.exists() or taken:
        raise ScaffoldError(f"文件 {taken or path} 已存在，不会覆盖；请换一个 --slug")
    return path, render(doc_type, values, news)


def main(argv: list[str] | None = None) -> int:
    """scripts/new: create a content file and print its path."""
    types = "、".join(f"{t.name}（{t.label}）" for t in schema.DOC_TYPES)
    parser = argparse.ArgumentParser(prog="scripts/new", description="新建一篇内容文件",
                                     epilog=f"类型：{types}；也可用中文名，如 信息公开、办事指南、新闻")
    parser.add_argument("type", metavar="TYPE", help="内容类型")
    parser.add_argument("--title", help="标题")
    parser.add_argument("--dept", help="发布机构或实施主体的机构代码，如 xzfb")
    parser.add_argument("--slug", help="文件名（不含 .md），即网址的最后一段；页面可带路径，如 xxgk/zn")
    parser.add_argument("--column", help="政务动态栏目或专题的代码（content/columns.yml），如 "
                        + "、".join(list(columns.default().news)[:5]))
    parser.add_argument("--year", type=int, help="信息公开文件的年份目录，默认今年")
    parser.add_argument("--dry-run", action="store_true", help="只显示将要写入的内容，不写文件")
    parser.add_argument("--content-dir", type=Path, default=None,
                        help="内容目录，默认为仓库的 content/")
    parser.add_argument("--site", help="网站群中的网站代码（sites/ 下的文件夹名），默认县门户网站 county")
    parser.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        content_dir = sites.content_dir(args.site, args.content_dir)
    except sites.SiteError as exc:
        print(f"scripts/new: {exc.message}", file=sys.stderr)
        return 2
    # a tree of the repository's cluster: its 索引号 are unique across every tree of the cluster
    trees = [d.resolve() for d in sites.content_dirs()]
    here = content_dir.resolve()
    also = [d for d in trees if d != here] if here in trees else []
    try:
        path, text = build(args.type, content_dir, title=args.title, dept=args.dept,
                           slug=args.slug, column=args.column, year=args.year, today=args.today,
                           also=also)
    except ScaffoldError as exc:
        print(f"scripts/new: {exc}", file=sys.stderr)
        return 1
    shown = _shown(path)
    if args.dry_run:
        print(f"（试运行，未写入）{shown}")
        print(text, end="")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as fh:  # "x": never overwrite, even in a race
            fh.write(text)
    except FileExistsError:
        print(f"scripts/new: 文件 {shown} 已存在，不会覆盖", file=sys.stderr)
        return 1
    print(shown)
    return 0


def _shown(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


__all__ = ["ALIASES", "ScaffoldError", "build", "main", "next_index_no", "render", "resolve_type"]
