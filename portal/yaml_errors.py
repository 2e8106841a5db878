"""YAML mistakes in editors' words: syntax errors in Chinese, and a key written twice.

PyYAML's messages ("mapping values are not allowed here") mean nothing to an editor, and YAML
silently keeps the last of two equal keys. :func:`describe` turns a syntax error into one Chinese
sentence on the right line; :func:`duplicate_keys` finds every key written twice. The front matter
parser (so build and check alike) and the departments registry use both.
"""

from __future__ import annotations

import re

import yaml

LEADING_TAB_RE = re.compile(r"^ *\t")
KEY_LINE_RE = re.compile(r"^( *)(- +)?[^\s:#][^:]*:(\s|$)")


FULLWIDTH_KEY_RE = re.compile(r"^\s*(- +)?[A-Za-z_][\w-]*\s*：")
NO_SPACE_KEY_RE = re.compile(r"^\s*(- +)?[A-Za-z_][\w-]*:(?!//)[^\s]")


def key_mistake(text: str, offset: int, upto: int | None = None) -> tuple[int, str] | None:
    """The first ``键：值`` (Chinese colon) or ``键:值`` (no space) line, which YAML reads as text."""
    for i, line in enumerate(text.split("\n")[: None if upto is None else upto + 1]):
        if FULLWIDTH_KEY_RE.match(line):
            return i + offset, (f"第 {i + offset} 行的键后用了中文冒号“：”；"
                                "请改成英文冒号加一个空格，如 title: 标题")
        if NO_SPACE_KEY_RE.match(line):
            return i + offset, f"第 {i + offset} 行的冒号后面缺少空格；请写成“键: 值”，如 title: 标题"
    return None


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def describe(exc: yaml.MarkedYAMLError, text: str, offset: int) -> tuple[int, str]:
    """(line, message) for a YAML syntax error in ``text``; lines are shifted by ``offset``
    (2 for front matter: 1-based plus the fence line; 1 for a plain YAML file)."""
    line, message = _describe(exc, text, offset)
    return line, f"YAML 格式错误：{message}"


def _describe(exc: yaml.MarkedYAMLError, text: str, offset: int) -> tuple[int, str]:
    lines = text.split("\n")
    problem = (exc.problem or "").lower()
    context = (exc.context or "").lower()
    at = exc.problem_mark.line if exc.problem_mark else (exc.context_mark.line if exc.context_mark else 0)
    at = min(at, max(len(lines) - 1, 0))
    start = exc.context_mark.line if exc.context_mark else at
    current = lines[at] if lines else ""
    n = at + offset

    for i, line in enumerate(lines[: at + 1]):
        if LEADING_TAB_RE.match(line) or ("tab" in problem and i == at and "\t" in line):
            return i + offset, f"第 {i + offset} 行用了 Tab 缩进，YAML 只能用空格；请把 Tab 换成空格"
    if (mistake := key_mistake(text, offset, at)) is not None:
        return mistake
    if "quoted scalar" in context:
        opened = lines[start] if start < len(lines) else ""
        quote = next((c for c in opened.split(":", 1)[-1] if c in "\"'"), "\"")
        return start + offset, (f"第 {start + offset} 行的引号 {quote} 没有闭合：值以引号开头，就要在同一个值的末尾"
                                "用同样的引号结束；值里要用引号时请用中文引号“”")
    value = current.split(":", 1)[1].strip() if ":" in current else ""
    if value[:1] in ("\"", "'") and not value.endswith(value[0]):
        return n, (f"第 {n} 行的值以引号 {value[0]} 开头，但引号后面还有文字；请给整个值加引号，"
                   "值里要用引号时请用中文引号“”")
    if "flow sequence" in context or "flow mapping" in context or value[:1] in ("[", "{"):
        bracket = value[:1] if value[:1] in ("[", "{") else ("[" if "sequence" in context else "{")
        start = start if "flow" in context else at
        return start + offset, (f"第 {start + offset} 行的值以 {bracket} 开头，YAML 会把它当成"
                                f"{'列表' if bracket == '[' else '键值对'}；请给整个值加引号，"
                                f"如 \"{bracket}示例……\"")
    if "cannot start any token" in problem or "undefined alias" in problem:
        col = exc.problem_mark.column if exc.problem_mark else 0
        char = current[col:col + 1].strip() or current.split(":", 1)[-1].strip()[:1]
        return n, f"第 {n} 行的值以 {char} 开头，YAML 不允许；请给整个值加引号，如 \"{char}……\""
    if "mapping values are not allowed" in problem:
        previous = next((lines[i] for i in range(at - 1, -1, -1) if lines[i].strip()), "")
        if _indent(current) > _indent(previous) and KEY_LINE_RE.match(previous) \
                and previous.split(":", 1)[1].strip():
            return n, (f"第 {n} 行的缩进不对：它比上一行多缩进了，但上一行已经有值；"
                       "同一层的键要左对齐")
        return n, (f"第 {n} 行的值里有英文冒号加空格“: ”，YAML 会把它当成新的键；请给整个值加引号，"
                   "如 title: \"会议：议程\"，或改用中文冒号“：”")
    if "expected ':'" in problem or "simple key" in context:
        m = start + offset
        return m, (f"第 {m} 行既不是“键: 值”也不是“- 列表项”：键后的英文冒号、列表的短横线 - 后面"
                   "都要有一个空格")
    if "expected key" in problem or "block end" in problem or "block mapping" in context \
            or "block collection" in context:
        return n, (f"第 {n} 行的缩进不对：同一层的键和列表项要左对齐，下一层比上一层多缩进 2 个空格"
                   "（只用空格）")
    if "constructor for the tag" in problem or value.startswith("!"):
        return n, f"第 {n} 行的值以 ! 开头，YAML 会把它当成类型标记；请给整个值加引号"
    return n, f"第 {n} 行写法有误：请检查这一行和上一行的冒号、引号和缩进"


def duplicate_keys(node: yaml.Node | None, offset: int) -> list[tuple[int, str]]:
    """(line, message) for every key written a second time in the same mapping, at any depth."""
    out: list[tuple[int, str]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            keys = [k.value for k, _ in current.value if isinstance(k, yaml.ScalarNode)]
            if len(set(keys)) != len(keys):  # rare: only then find where
                seen: dict[str, int] = {}
                for key_node, _ in current.value:
                    key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                    line = key_node.start_mark.line + offset
                    if key in seen:
                        out.append((line, f"字段 {key} 写了两次（第 {seen[key]} 行和第 {line} 行），"
                                          "发布时只保留后一个；请删去多余的一处"))
                    elif key is not None:
                        seen[key] = line
            stack.extend(v for _, v in current.value if not isinstance(v, yaml.ScalarNode))
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(v for v in current.value if not isinstance(v, yaml.ScalarNode))
    return sorted(out)
