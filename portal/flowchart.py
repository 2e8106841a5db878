"""The 运行流程图 of a 权力事项: steps laid out top to bottom and drawn as inline SVG at build time.

No JavaScript and no external renderer: :func:`layout` places boxes in rows (a step sits one row
below the lowest step that leads to it), decisions as diamonds whose 是 branch leaves from the
bottom corner and 否 from the right one. Edges are orthogonal: a short drop from the step into the
gap below its row, across to the target and down into its top; an edge that goes back up or skips
rows runs in a lane of its own to the right of every box, so no line crosses a box. :func:`svg`
draws the layout with the theme's colours (CSS classes, ``currentColor``), the text inside the
SVG, and a title and description for assistive technology; the page repeats the steps as an
ordered list for screen readers and print.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from portal.powerflow import NO, YES, Step

# Measures in px (the SVG's user units). A CJK character is one em wide, Latin about half.
FONT = 14
META_FONT = 12
LINE = 18
META_LINE = 16
PAD = 10
BOX_W = 208
DIAMOND_W = 260
COL_GAP = 48
ROW_GAP = 28  # the gap between rows, before its edge channels
CHANNEL = 12  # one edge channel inside a gap
LANE = 16  # one lane of the long edges, right of the boxes
MARGIN = 16
NAME_UNITS = 12.5  # characters per line in a box
QUESTION_UNITS = 9  # in a diamond (narrower where the text sits)
META_UNITS = 15.5


@dataclass
class Node:
    """A step's box: ``x``, ``y`` its top-left corner."""

    step: Step
    shape: str  # "terminal" (start or end), "process" or "decision"
    row: int
    col: int
    lines: list[str]
    meta: list[str]
    w: float
    h: float
    x: float = 0.0
    y: float = 0.0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass
class Edge:
    """A branch drawn as a polyline from its source's border to its target's top."""

    source: str
    target: str
    label: str
    points: list[tuple[float, float]]
    label_at: tuple[float, float] | None = None


@dataclass
class Layout:
    """Where every box and line goes, and the drawing's size."""

    nodes: list[Node]
    edges: list[Edge] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


def _units(ch: str) -> float:
    return 0.55 if ord(ch) < 0x2E80 else 1.0


# Punctuation that never starts a line (it stays at the end of the line before, a little over).
NO_LINE_START = frozenset("，。、；：？！）》」』”’,.;:?!)")


def text_width(text: str, size: float = FONT) -> float:
    """Estimated width in px of one line of ``text`` at ``size``."""
    return sum(_units(ch) for ch in text) * size


def wrap(text: str, units: float) -> list[str]:
    """``text`` in lines of at most ``units`` em (CJK one em, Latin about half), never empty."""
    lines: list[str] = []
    line, used = "", 0.0
    for ch in text.strip():
        u = _units(ch)
        if used + u > units and line and ch not in NO_LINE_START:
            lines.append(line)
            line, used = "", 0.0
        line += ch
        used += u
    if line or not lines:
        lines.append(line)
    return lines


def _rows(steps: list[Step]) -> dict[str, int]:
    """Each step's row: one below the lowest earlier step leading to it (the first step is row 0)."""
    order = {s.id: i for i, s in enumerate(steps)}
    row = {s.id: 0 for s in steps}
    for i, s in enumerate(steps):
        for _, t in s.branches():
            if order.get(t, -1) > i:
                row[t] = max(row[t], row[s.id] + 1)
    return row


def _node(step: Step, row: int, col: int, first: bool) -> Node:
    meta = wrap(" · ".join(p for p in (step.role, step.limit) if p), META_UNITS) \
        if (step.role or step.limit) else []
    if step.is_decision:
        lines = wrap(step.question, QUESTION_UNITS)
        # the text block (half sizes a, b) fits the diamond (half sizes A, B) when a/A + b/B <= 1
        a = max(text_width(t) for t in lines) / 2 + 6
        b = len(lines) * LINE / 2 + 4
        half_h = b / (1 - a / (DIAMOND_W / 2))
        return Node(step, "decision", row, col, lines, [], DIAMOND_W, max(80.0, 2 * half_h))
    lines = wrap(step.name, NAME_UNITS)
    h = PAD * 2 + len(lines) * LINE + len(meta) * META_LINE
    shape = "terminal" if first or step.is_end else "process"
    return Node(step, shape, row, col, lines, meta, BOX_W, h)


def layout(steps: list[Step]) -> Layout:
    """Place the steps of a valid flow (``powerflow.problems`` found nothing) and route its edges."""
    rows = _rows(steps)
    nodes = [_node(s, rows[s.id], 0, i == 0) for i, s in enumerate(steps)]
    by_id = {n.step.id: n for n in nodes}
    # columns, row by row: a step goes under the step that leads to it, the main line (next, 是)
    # before a 否, so the usual path runs straight down the first column
    order = {s.id: i for i, s in enumerate(steps)}
    parent: dict[str, tuple[int, int]] = {}
    cols: dict[int, int] = {}
    for r in range(max(rows.values(), default=0) + 1):
        in_row = [n for n in nodes if n.row == r]
        in_row.sort(key=lambda n: (*parent.get(n.step.id, (0, 0)), order[n.step.id]))
        for c, n in enumerate(in_row):
            n.col = c
            for label, t in n.step.branches():
                if t in by_id and order[t] > order[n.step.id] and t not in parent:
                    parent[t] = (c, 1 if label == NO else 0)
        cols[r] = len(in_row)
    n_rows = max(rows.values(), default=0) + 1

    # edges: (source, label, target, adjacent?) and the channels each needs in the gaps
    wanted = [(n, label, by_id[t]) for n in nodes for label, t in n.step.branches() if t in by_id]
    below: dict[int, int] = {}  # gap below row r → channels used
    slots: list[tuple[int, int, int | None, int | None]] = []  # (gap of exit, slot, gap above, slot)
    lanes = 0
    for src, _, dst in wanted:
        adjacent = dst.row == src.row + 1 and order[dst.step.id] > order[src.step.id]
        out_gap = src.row
        out_slot = below.get(out_gap, 0)
        below[out_gap] = out_slot + 1
        if adjacent:
            slots.append((out_gap, out_slot, None, None))
        else:
            in_gap = dst.row - 1  # the gap above the target's row (-1: above the first row)
            in_slot = below.get(in_gap, 0)
            below[in_gap] = in_slot + 1
            slots.append((out_gap, out_slot, in_gap, in_slot))
            lanes += 1

    def gap_height(g: int) -> float:
        if g < 0:  # above the first row: only the channels of edges going back to it
            return CHANNEL * below[g] + ROW_GAP / 2 if below.get(g) else 0.0
        return ROW_GAP + CHANNEL * below.get(g, 0)

    # rows top to bottom, boxes left to right; a row's boxes share its top edge
    col_x: list[float] = []
    widest = max((n.w for n in nodes), default=BOX_W)
    for c in range(max(cols.values(), default=1)):
        col_x.append(MARGIN + c * (widest + COL_GAP))
    y = MARGIN + gap_height(-1)
    row_top: list[float] = []
    row_h: list[float] = []
    for r in range(n_rows):
        in_row = [n for n in nodes if n.row == r]
        h = max(n.h for n in in_row)
        for n in in_row:
            n.x = col_x[n.col] + (widest - n.w) / 2
            n.y = y + (h - n.h) / 2
        row_top.append(y)
        row_h.append(h)
        y += h + gap_height(r)
    right = max(n.x + n.w for n in nodes) + COL_GAP / 2

    def channel_y(g: int, slot: int) -> float:
        top = MARGIN if g < 0 else row_top[g] + row_h[g]
        return top + ROW_GAP / 2 + CHANNEL * slot + (CHANNEL / 2 if g >= 0 else 0)

    out = Layout(nodes)
    lane = 0
    for (src, label, dst), (out_gap, out_slot, in_gap, in_slot) in zip(wanted, slots, strict=True):
        ya = channel_y(out_gap, out_slot)
        if src.shape == "decision" and label == NO:
            # the right corner, then down beside the diamond into the gap
            side_x = src.x + src.w + COL_GAP / 3
            mid = src.y + src.h / 2
            points = [(src.x + src.w, mid), (side_x, mid), (side_x, ya)]
            label_at = (src.x + src.w + 6, mid - 6)
        else:
            points = [(src.cx, src.bottom), (src.cx, ya)]
            label_at = (src.cx + 6, src.bottom + 14) if label else None
        if in_gap is None:
            points += [(dst.cx, ya), (dst.cx, dst.y)]
        else:
            lane_x = right + LANE * lane
            lane += 1
            yb = channel_y(in_gap, in_slot or 0)
            points += [(lane_x, ya), (lane_x, yb), (dst.cx, yb), (dst.cx, dst.y)]
        out.edges.append(Edge(src.step.id, dst.step.id, label, _simplify(points), label_at))
    out.width = right + LANE * lanes + MARGIN
    out.height = y - gap_height(n_rows - 1) + max(gap_height(n_rows - 1), MARGIN)
    return out


def _simplify(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Drop repeated points and middle points of straight runs."""
    pts: list[tuple[float, float]] = []
    for p in points:
        if pts and pts[-1] == p:
            continue
        if len(pts) >= 2 and (pts[-2][0] == pts[-1][0] == p[0] or pts[-2][1] == pts[-1][1] == p[1]):
            pts[-1] = p
            continue
        pts.append(p)
    return pts


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _text_lines(lines: list[str], cx: float, top: float, step: float, cls: str) -> str:
    spans = "".join(f'<tspan x="{_f(cx)}" y="{_f(top + step * i)}">{escape(t)}</tspan>'
                    for i, t in enumerate(lines))
    return f'<text class="{cls}" text-anchor="middle">{spans}</text>'


def _node_svg(n: Node) -> str:
    s = n.step
    if n.shape == "decision":
        cy = n.y + n.h / 2
        pts = f"{_f(n.cx)},{_f(n.y)} {_f(n.x + n.w)},{_f(cy)} {_f(n.cx)},{_f(n.bottom)} {_f(n.x)},{_f(cy)}"
        shape = f'<polygon points="{pts}"/>'
        first = cy - (len(n.lines) - 1) * LINE / 2 + FONT * 0.35
        body = _text_lines(n.lines, n.cx, first, LINE, "gp-flow__name")
    else:
        rx = n.h / 2 if n.shape == "terminal" else 4
        rx = min(rx, 22)
        shape = (f'<rect x="{_f(n.x)}" y="{_f(n.y)}" width="{_f(n.w)}" height="{_f(n.h)}" '
                 f'rx="{_f(rx)}"/>')
        first = n.y + PAD + FONT * 0.95
        body = _text_lines(n.lines, n.cx, first, LINE, "gp-flow__name")
        if n.meta:
            meta_top = n.y + PAD + len(n.lines) * LINE + META_FONT * 0.95
            body += _text_lines(n.meta, n.cx, meta_top, META_LINE, "gp-flow__meta")
    return (f'<g class="gp-flow__node gp-flow__node--{n.shape}" data-step="{escape(s.id)}">'
            f"{shape}{body}</g>")


def describe(steps: list[Step]) -> str:
    """One sentence for the SVG's <desc>: how many steps, where it starts, where it can end."""
    ends = "、".join(f"“{s.name}”" for s in steps if s.is_end)
    decisions = sum(s.is_decision for s in steps)
    branch = f"，其中 {decisions} 个判断环节" if decisions else ""
    return (f"共 {len(steps)} 个环节{branch}，从“{steps[0].name}”开始，到 {ends} 结束。"
            "各环节的文字说明见图下方的列表。")


def svg(steps: list[Step], ident: str, title: str) -> str:
    """The flowchart of a valid flow as an inline <svg> (``ident``: unique on the page)."""
    lay = layout(steps)
    arrow = f"{ident}-arrow"
    edges, labels = [], []
    for e in lay.edges:
        d = "M" + " L".join(f"{_f(x)},{_f(y)}" for x, y in e.points)
        edges.append(f'<path d="{d}" marker-end="url(#{arrow})" data-from="{escape(e.source)}" '
                     f'data-to="{escape(e.target)}"/>')
        if e.label and e.label_at:
            cls = "gp-flow__label gp-flow__label--" + ("yes" if e.label == YES else "no")
            labels.append(f'<text class="{cls}" x="{_f(e.label_at[0])}" y="{_f(e.label_at[1])}">'
                         f"{escape(e.label)}</text>")
    nodes = "".join(_node_svg(n) for n in lay.nodes)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="gp-flow__svg" role="img" '
        f'viewBox="0 0 {_f(lay.width)} {_f(lay.height)}" width="{_f(lay.width)}" '
        f'height="{_f(lay.height)}" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(describe(steps))}</desc>'
        f'<defs><marker id="{arrow}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="currentColor"/></marker></defs>'
        f'<g class="gp-flow__edges" fill="none" stroke="currentColor">{"".join(edges)}</g>'
        f'<g class="gp-flow__labels">{"".join(labels)}</g>'
        f'<g class="gp-flow__nodes">{nodes}</g></svg>'
    )
