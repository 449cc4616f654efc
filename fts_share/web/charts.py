"""Charts of the compliance report as server-made inline SVG (no script, no library).

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``, and the page
shows the same numbers in a table beside it, for screen readers and for copying.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, VALUE_WIDTH = 22, 6, 200, 300, 60


def _fmt(n: float) -> str:
    return f"{n:g}"


def bar_chart(title: str, data: Mapping[str, int], *, labels: Mapping[str, str] | None = None,
              rtl: bool = False) -> Markup:
    """Horizontal bars, one per key (in the order given); ``rtl`` mirrors the layout.
    The drawing itself is left to right (``direction="ltr"``), so anchors mean the same
    in an Arabic page."""
    labels = labels or {}
    items = list(data.items())
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    height = max(1, len(items)) * (BAR_HEIGHT + GAP) + GAP
    top = max((v for _, v in items), default=0) or 1
    desc = "; ".join(f"{labels.get(k, k)}: {v}" for k, v in items) or "-"
    out = [(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" direction="ltr" xmlns="http://www.w3.org/2000/svg">'),
           f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"]
    for i, (key, value) in enumerate(items):
        y = GAP + i * (BAR_HEIGHT + GAP)
        w = max(1.0, BAR_WIDTH * value / top) if value else 0.0
        if rtl:  # labels on the right, bars growing leftwards
            bar_x, label_x, value_x = width - LABEL_WIDTH - w, width - 8.0, width - LABEL_WIDTH - w - 6
            anchor, value_anchor = "end", "end"
        else:
            bar_x, label_x, value_x = float(LABEL_WIDTH), LABEL_WIDTH - 8.0, LABEL_WIDTH + w + 6
            anchor, value_anchor = "end", "start"
        out.append(f'<text x="{_fmt(label_x)}" y="{y + 16}" text-anchor="{anchor}" '
                   f'class="chart-label">{escape(labels.get(key, key))}</text>')
        out.append(f'<rect x="{_fmt(bar_x)}" y="{y}" width="{_fmt(w)}" height="{BAR_HEIGHT}" '
                   f'class="chart-bar"/>')
        out.append(f'<text x="{_fmt(value_x)}" y="{y + 16}" text-anchor="{value_anchor}" '
                   f'class="chart-value">{value}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def column_chart(title: str, series: Sequence[tuple[str, int]], *, max_labels: int = 8) -> Markup:
    """Vertical columns over time (e.g. actions per day), a few dates labelled."""
    n = max(1, len(series))
    width, height, base, left = 640, 220, 180, 40
    col = (width - left - 10) / n
    top = max((v for _, v in series), default=0) or 1
    step = max(1, -(-n // max_labels))
    desc = "; ".join(f"{k}: {v}" for k, v in series) or "-"
    out = [(f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" direction="ltr" xmlns="http://www.w3.org/2000/svg">'),
           f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
           f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" class="chart-axis"/>',
           f'<text x="{left - 6}" y="24" text-anchor="end" class="chart-value">{top}</text>',
           f'<text x="{left - 6}" y="{base}" text-anchor="end" class="chart-value">0</text>']
    for i, (key, value) in enumerate(series):
        h = (base - 20) * value / top
        x = left + i * col
        out.append(f'<rect x="{x + col * 0.1:.1f}" y="{base - h:.1f}" width="{col * 0.8:.1f}" '
                   f'height="{h:.1f}" class="chart-bar"><title>{escape(key)}: {value}</title>'
                   f"</rect>")
        if i % step == 0:
            out.append(f'<text x="{x + col / 2:.1f}" y="{base + 18}" text-anchor="middle" '
                       f'class="chart-label">{escape(key[5:] if len(key) == 10 else key)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
