"""Field tables of docs/content-model.md, generated from portal/schema.py so the doc never drifts.

``python -m portal.docgen`` prints the tables; ``python -m portal.docgen --write`` replaces the
generated part of docs/content-model.md; a test fails when the committed doc differs.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from portal import columns, schema, vocab
from portal.check import REGISTRY_FIELDS
from portal.schema import DocType, Field

DOC_PATH = Path(__file__).resolve().parents[1] / "docs" / "content-model.md"
BEGIN = "<!-- BEGIN GENERATED: python -m portal.docgen --write -->"
END = "<!-- END GENERATED -->"

KIND_LABELS = {
    "str": "文字（一行）",
    "text": "文字（可多行）",
    "int": "整数",
    "bool": "是否（true/false）",
    "date": "日期",
    "datetime": "日期时间",
    "choice": "单选",
    "choices": "多选（列表）",
    "list": "列表",
    "url": "网址",
    "dept": "机构代码",
    "file": "文件",
    "index_no": "索引号",
    "doc_no": "文号",
    "ref": "索引号引用",
    "records": "多项（列表）",
    "record": "一组字段",
}

# Choice lists that are too long for a table cell point to vocab.py instead.
_INLINE_CHOICES = 12


def describe(f: Field) -> str:
    """What an editor may write in a field, in one line of Chinese."""
    notes: list[str] = []
    if f.help:
        notes.append(f.help)
    if f.kind == "date":
        notes.append("格式 YYYY-MM-DD")
    elif f.kind == "datetime" and not f.help:
        notes.append("格式 YYYY-MM-DD 或 YYYY-MM-DD HH:MM")
    elif f.kind == "dept":
        notes.append("departments.yml 中的 code，如 xzfb")
    elif f.kind == "url" and not f.help:
        notes.append("以 http://、https:// 或 / 开头")
    elif f.kind == "ref" and not f.help:
        notes.append("另一篇信息公开文件的索引号")
    if f.max_length:
        notes.append(f"不超过 {f.max_length} 字")
    if f.choices:
        if f.choices == vocab.ALL_LIFE_EVENTS:
            notes.append("可选值见下文“人生事件”")
        elif len(f.choices) <= _INLINE_CHOICES:
            notes.append("可选：" + "、".join(f"“{c}”" for c in f.choices))
        else:
            notes.append(f"可选值共 {len(f.choices)} 个，见下文“固定值”")
    if f.item_fields:
        notes.append("每项的字段见下表" if f.kind == "records" else "包含的字段见下表")
    return "；".join(notes)


def _table(fields: Sequence[Field]) -> list[str]:
    rows = ["| 字段 | 名称 | 类型 | 必填 | 说明 |", "|---|---|---|---|---|"]
    for f in fields:
        cell = describe(f).replace("|", "\\|")
        rows.append(f"| `{f.key}` | {f.label} | {KIND_LABELS.get(f.kind, f.kind)} | "
                    f"{'是' if f.required else ''} | {cell} |")
    return rows


def _type_section(t: DocType) -> list[str]:
    example = t.url_for("<slug>", sub="<column>")
    where = f"content/{t.directory}/" + ("<年份>/<slug>.md" if t is schema.DISCLOSURE
                                          else "<路径>.md" if t is schema.PAGE else "<slug>.md")
    out = [f"### {t.label}（`{t.name}`）", "",
           f"文件位置：`{where}`；网址：`/{example}`；模板：`{t.template}`。", ""]
    out += _table(t.fields)
    for f in t.fields:
        if f.item_fields:
            each = "每一项" if f.kind == "records" else ""
            out += ["", f"`{f.key}`（{f.label}）{each}的字段：", ""]
            out += _table(f.item_fields)
    return out + [""]


def generate() -> str:
    """The generated part of docs/content-model.md."""
    out = ["## 文档类型与字段", ""]
    for t in schema.DOC_TYPES:
        out += _type_section(t)
    out += ["## 机构名录（`departments.yml`）", "",
            "`departments:` 下每一项是一个机构，字段如下。", ""]
    # REGISTRY_FIELDS: portal.departments' fields as the checker enforces them (kind is a choice)
    out += _table(REGISTRY_FIELDS)
    leaders = next(f for f in REGISTRY_FIELDS if f.key == "leaders")
    out += ["", "`leaders`（领导信息）每一项的字段：", ""] + _table(leaders.item_fields) + [""]
    out += ["## 固定值", ""]
    lists = [
        ("主题分类 `topic`", vocab.TOPICS),
        ("体裁分类 `genre`", vocab.GENRES),
        ("有效性 `validity`", vocab.VALIDITY),
        ("事项类型 `item_type`", vocab.ITEM_TYPES),
        ("所属产业 `industry`", vocab.INDUSTRIES),
    ]
    for title, values in lists:
        out.append(f"- {title}：" + "、".join(f"“{v}”" for v in values))
    out.append("- 政务动态栏目 `column`：`content/columns.yml` 中的栏目，现有 " + "、".join(
        f"`{code}` {label}" for code, label in columns.default().news.items()))
    out += ["", "### 人生事件（`life_events`）", ""]
    for audience, events in vocab.LIFE_EVENTS.items():
        out.append(f"- 服务对象含“{audience}”时可选：" + "、".join(f"“{e}”" for e in events))
    return "\n".join(out) + "\n"


def render_doc(current: str) -> str:
    """The doc with its generated block replaced by the current tables."""
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{generate()}{END}{tail}"


def main(argv: list[str] | None = None) -> int:
    """Print the tables, or with --write update docs/content-model.md in place."""
    args = sys.argv[1:] if argv is None else argv
    if "--write" in args:
        DOC_PATH.write_text(render_doc(DOC_PATH.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"已更新 {DOC_PATH}")
    else:
        sys.stdout.write(generate())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
