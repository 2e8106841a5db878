"""Bar charts drawn on the server as inline SVG: no script, no font, nothing from another host.

Each chart carries a <title> and <desc> for screen readers, and the page shows the same figures
in a table, so the chart is never the only way to read them.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 720
LABEL_WIDTH = 230
ROW = 30
BAR = 20
VALUE_WIDTH = 70
COLOUR = "#1d70b8"


def bar_chart(chart_id: str, title: str, items: Sequence[tuple[str, float]],
              unit: str = "%") -> Markup:
    """Horizontal bars for values between 0 and 1 (shown as percentages)."""
    height = ROW * max(1, len(items)) + 10
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    desc = "；".join(f"{label} {value * 100:.1f}{unit}" for label, value in items) or "无数据"
    parts = [
        f'<svg class="gp-chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title '
        # sized by attributes, not style (the CSP allows no inline styles); the theme's
        # "svg { max-width: 100% }" shrinks it on a phone
        f'{chart_id}-desc" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i, (label, value) in enumerate(items):
        y = 5 + i * ROW
        w = max(0.0, min(1.0, value)) * plot
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR - 5}" text-anchor="end" font-size="14" '
            f'fill="#0b0c0c">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{w:.1f}" height="{BAR}" fill="{COLOUR}"/>'
            f'<text x="{LABEL_WIDTH + w + 6:.1f}" y="{y + BAR - 5}" font-size="14" '
            f'fill="#0b0c0c">{value * 100:.1f}{unit}</text>')
    if not items:
        parts.append(f'<text x="10" y="25" font-size="14" fill="#505a5f">{escape("暂无可排名的单位")}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


TREND_HEIGHT = 220
TREND_PLOT_TOP = 24
TREND_PLOT_BOTTOM = 180


def trend_chart(chart_id: str, title: str, items: Sequence[tuple[str, float | None]],
                percent: bool = True) -> Markup:
    """Vertical columns, one per period, oldest first (a month against the months before it).

    ``percent``: values are rates between 0 and 1; otherwise counts, scaled to the largest.
    A period without a value (nothing counted) has no column and reads "—".
    """
    def shown(v: float | None) -> str:
        if v is None:
            return "—"
        return f"{v * 100:.1f}%" if percent else f"{v:g}"

    top = 1.0 if percent else max([v or 0 for _, v in items] + [1])
    slot = (WIDTH - 20) / max(1, len(items))
    bar = min(60.0, slot * 0.6)
    plot = TREND_PLOT_BOTTOM - TREND_PLOT_TOP
    desc = "；".join(f"{label} {shown(v)}" for label, v in items) or "无数据"
    parts = [
        f'<svg class="gp-chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title '
        f'{chart_id}-desc" viewBox="0 0 {WIDTH} {TREND_HEIGHT}" width="{WIDTH}" '
        f'height="{TREND_HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<line x1="10" y1="{TREND_PLOT_BOTTOM}" x2="{WIDTH - 10}" y2="{TREND_PLOT_BOTTOM}" '
        f'stroke="#505a5f"/>',
    ]
    for i, (label, value) in enumerate(items):
        x = 10 + i * slot + (slot - bar) / 2
        h = 0.0 if value is None else max(0.0, min(1.0, value / top)) * plot
        colour = COLOUR if i == len(items) - 1 else "#8eb8dc"  # the report's own period stands out
        parts.append(
            f'<rect x="{x:.1f}" y="{TREND_PLOT_BOTTOM - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" fill="{colour}"/>'
            f'<text x="{x + bar / 2:.1f}" y="{TREND_PLOT_BOTTOM - h - 6:.1f}" text-anchor="middle" '
            f'font-size="13" fill="#0b0c0c">{escape(shown(value))}</text>'
            f'<text x="{x + bar / 2:.1f}" y="{TREND_PLOT_BOTTOM + 20}" text-anchor="middle" '
            f'font-size="13" fill="#0b0c0c">{escape(label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
