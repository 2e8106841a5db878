"""Read a Markdown file with YAML front matter, keeping the line of every key.

Editors get errors as ``path:line: message``, so the parser keeps the YAML node tree and can
answer "on which line is ``materials[2].form``?" for any key path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from portal import yaml_errors

# libyaml is several times faster on a 10,000-document build; fall back to pure Python.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

FENCE = "---"


class FrontMatterError(ValueError):
    """The file has no front matter or its YAML cannot be read."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass
class Document:
    """One content file: its metadata, its Markdown body and where each key was written."""

    path: Path
    meta: dict[str, Any]
    body: str
    body_line: int  # 1-based line where the Markdown body starts
    node: yaml.Node | None = field(default=None, repr=False)
    # the YAML text of a copy kept without its node (portal.cluster.incremental's cache: nodes are
    # most of a document's size there): line_of composes it again when first asked
    head: str | None = field(default=None, repr=False)

    def line_of(self, *keys: str | int) -> int:
        """Line (1-based) of a key path such as ``("materials", 2, "form")``.

        Falls back to the deepest key that exists, then to the front matter's first line, so
        a missing key reports where its parent is.
        """
        line = 2  # first line inside the opening fence
        if self.node is None and self.head is not None:
            loader = _Loader(self.head)
            try:
                self.node = loader.get_single_node()
            finally:
                loader.dispose()
        node = self.node
        for key in keys:
            child = _child(node, key)
            if child is None:
                break
            key_node, value_node = child
            line = key_node.start_mark.line + 2  # +1 for 1-based, +1 for the fence line
            node = value_node
        return line


def _child(node: yaml.Node | None, key: str | int) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(key, str):
        for k, v in node.value:
            if getattr(k, "value", None) == key:
                return k, v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        item = node.value[key]
        return item, item
    return None


def split(text: str) -> tuple[str, str, int]:
    """Split a file into (yaml text, body, body line). Raises FrontMatterError without a fence."""
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise FrontMatterError("文件开头缺少 YAML 元数据块（第一行应为 ---）", 1)
    for i in range(1, len(lines)):
        if lines[i].strip() == FENCE:
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise FrontMatterError("YAML 元数据块没有结束标记 ---", 1)


def parse_text(text: str, path: Path | str = "<string>") -> Document:
    """Parse the text of a content file."""
    head, body, body_line = split(text)
    loader = _Loader(head)
    try:
        node = loader.get_single_node()
        meta = loader.construct_document(node) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        line, message = yaml_errors.describe(exc, head, 2)
        raise FrontMatterError(message, line) from None
    finally:
        loader.dispose()
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        if (mistake := yaml_errors.key_mistake(head, 2)) is not None:
            raise FrontMatterError(f"YAML 格式错误：{mistake[1]}", mistake[0])
        raise FrontMatterError("YAML 元数据应为“键: 值”的形式", 2)
    return Document(path=Path(path), meta=meta, body=body, body_line=body_line, node=node)


def parse(path: Path | str) -> Document:
    """Parse a content file from disk (UTF-8)."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise FrontMatterError("文件不是 UTF-8 编码", 1) from None
    return parse_text(text, p)
