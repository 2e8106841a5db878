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
