"""A 权力事项's procedure (运行流程) as a graph of steps, and the rules a flow must follow.

The front matter lists the steps in order; the first one is where the procedure starts. A step
goes on to ``next``, or, when it asks a ``question``, to ``if_yes`` or ``if_no`` (not ``yes``/``no``:
YAML reads those keys as true and false); a step with neither is
an end (办结, 不予受理 …). ``portal.check`` reports what :func:`problems` finds at its line, and
``portal.flowchart`` draws only flows that have none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# A step's id: what ``next``/``if_yes``/``if_no`` name. Short ASCII, so editors type it without an IME.
STEP_ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
# A power item's 事项编码: capitals and digits in parts joined by "-", e.g. XK-SCJG-001.
POWER_CODE_RE = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+){1,4}$")
# The labels of a decision's two branches, as drawn and as read.
YES, NO = "是", "否"


@dataclass(frozen=True)
class Step:
    """One step of a flow, as the editor wrote it."""

    id: str
    name: str
    role: str = ""
    limit: str = ""
    description: str = ""
    next: str = ""
    question: str = ""
    if_yes: str = ""
    if_no: str = ""

    @property
    def is_decision(self) -> bool:
        return bool(self.question)

    @property
    def is_end(self) -> bool:
        return not self.branches()

    def branches(self) -> list[tuple[str, str]]:
        """(label, target id) of each way out: ("", next) or (是, if_yes) and (否, if_no)."""
        if self.is_decision:
            return [(label, t) for label, t in ((YES, self.if_yes), (NO, self.if_no)) if t]
        return [("", self.next)] if self.next else []


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""


def steps_of(raw: Any) -> list[Step]:
    """The steps of a flow from its front-matter value (items that are not mappings are left out)."""
    if not isinstance(raw, list):
        return []
    return [Step(**{k: _text(item.get(k)) for k in Step.__dataclass_fields__})
            for item in raw if isinstance(item, dict)]


def reachable(steps: Iterable[Step], start: str) -> set[str]:
    """Ids reached from ``start`` (itself included) following every branch."""
    by_id = {s.id: s for s in steps}
    seen: set[str] = set()
    todo = [start]
    while todo:
        sid = todo.pop()
        if sid in seen or sid not in by_id:
            continue
        seen.add(sid)
        todo.extend(t for _, t in by_id[sid].branches())
    return seen


def problems(raw: Any) -> list[tuple[int, str, str]]:
    """What is wrong with a flow: (step index, key, message in Chinese); index -1 for the whole flow.

    Field kinds and required fields are the schema's business; this checks the graph: ids
    well-formed and unique, branches consistent, every target exists, the first step reaches every
    other (no orphan) and from every step an end can be reached (no closed loop).
    """
    out: list[tuple[int, str, str]] = []
    if not isinstance(raw, list) or not raw:
        return out
    steps = steps_of(raw)
    if len(steps) != len(raw):
        return out  # an item that is not a mapping: reported by the field rules
    index: dict[str, int] = {}
    for i, s in enumerate(steps):
        if s.id and not STEP_ID_RE.fullmatch(s.id):
            out.append((i, "id", f"环节代码 “{s.id}” 只能用小写字母、数字和 -，以字母开头，如 shouli"))
        if s.id in index:
            out.append((i, "id", f"环节代码 “{s.id}” 与第 {index[s.id] + 1} 个环节重复"))
        elif s.id:
            index[s.id] = i
    for i, s in enumerate(steps):
        if s.question:
            if s.next:
                out.append((i, "next", "判断环节（填了 question）用 if_yes 和 if_no 分支，不填 next"))
            for key in ("if_yes", "if_no"):
                if not getattr(s, key):
                    out.append((i, "question", f"判断环节必须同时填写 if_yes 和 if_no，缺少 {key}"))
        elif s.if_yes or s.if_no:
            out.append((i, "if_yes" if s.if_yes else "if_no",
                        "填了 if_yes/if_no 分支的环节必须填写 question（判断条件）"))
        for key in ("next", "if_yes", "if_no"):
            target = getattr(s, key)
            if not target:
                continue
            if target == s.id:
                out.append((i, key, f"环节 “{s.name}” 不能转到它自己"))
            elif target not in index:
                close = [t for t in index if t.startswith(target[:2])][:3]
                hint = f"，是否为 {'、'.join(close)}？" if close else ""
                out.append((i, key, f"{key} 指向的环节代码 “{target}” 不存在{hint}"))
    if out:
        return out
    start = steps[0]
    seen = reachable(steps, start.id)
    for i, s in enumerate(steps):
        if s.id not in seen:
            out.append((i, "id", f"环节 “{s.name}” 从第一个环节（流程起点）走不到：请让前面某个环节的 "
                                 "next、if_yes 或 if_no 指向它，或删除它"))
    ends = {s.id for s in steps if s.is_end}
    if not ends:
        out.append((-1, "", "流程没有终点：至少要有一个环节不填 next（办结、不予受理等）"))
        return out
    for i, s in enumerate(steps):
        if s.id in seen and not (reachable(steps, s.id) & ends):
            out.append((i, "id", f"从环节 “{s.name}” 出发走不到任何终点（流程在这里兜圈）"))
    return out
