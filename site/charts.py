"""Server-side SVG charts: no script, nothing loaded from elsewhere."""
import math

from markupsafe import Markup, escape

COLOURS = ["#3b6ea5", "#e0873a", "#4f9a5b", "#b04a5a", "#7a5ea8", "#8c8c8c"]


def colours(series):
    """The colour of each series, as bars() draws them: by position in series."""
    return {s: COLOURS[i % len(COLOURS)] for i, s in enumerate(series)}


def bars(groups, series, values, width=640, height=240, fmt="{:.3f}", per_group=False, chart_id=None):
    """Grouped bar chart: one group per entry of groups, one bar per series.

    values[(group, series)] is a number or None.  per_group scales each
    group to its own largest value (for metrics on different scales); the
    labels keep the values.
    """
    left, bottom, top = 40, 40, 16
    top_value = max([v for v in values.values() if v is not None] + [1e-9])
    group_top = {g: (max([values[(g, s)] for s in series if values.get((g, s)) is not None] + [1e-9])
                     if per_group else top_value) for g in groups}
    plot_w, plot_h = width - left - 10, height - bottom - top
    group_w = plot_w / max(len(groups), 1)
    bar_w = group_w * 0.8 / max(len(series), 1)
    id_attr = f' id="{escape(chart_id)}"' if chart_id else ""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart"{id_attr}'
           f' width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    out.append(f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#888"/>')
    for gi, g in enumerate(groups):
        x0 = left + gi * group_w + group_w * 0.1
        for si, s in enumerate(series):
            v = values.get((g, s))
            if v is None:
                continue
            h = plot_h * max(v, 0) / group_top[g]
            x = x0 + si * bar_w
            out.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}"'
                       f' fill="{COLOURS[si % len(COLOURS)]}" data-series="{escape(s)}" data-group="{escape(g)}"'
                       f' data-value="{v}"><title>{escape(s)} {escape(g)}: {fmt.format(v)}</title></rect>')
            out.append(f'<text x="{x + bar_w / 2 - 1:.1f}" y="{top + plot_h - h - 3:.1f}" font-size="9"'
                       f' text-anchor="middle">{fmt.format(v)}</text>')
        out.append(f'<text x="{x0 + group_w * 0.4:.1f}" y="{top + plot_h + 14}" font-size="11"'
                   f' text-anchor="middle">{escape(g)}</text>')
    for si, s in enumerate(series):
        x = left + si * 110
        out.append(f'<rect x="{x}" y="{height - 14}" width="10" height="10" fill="{COLOURS[si % len(COLOURS)]}"/>'
                   f'<text x="{x + 14}" y="{height - 5}" font-size="11">{escape(s)}</text>')
    out.append("</svg>")
    return Markup("".join(out))


def nice_step(rough):
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that is at least rough."""
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)


def intervals(rows, value, low, high, label, width=640, height=None, fmt="{:.2%}", colours=None, axis=""):
    """Horizontal dot-and-whisker chart of a rate with its 95% interval per row.

    colours maps a row's label to its colour (as in bars()); an axis with
    tick labels and the axis title runs along the bottom.
    """
    row_h, left, right = 34, 110, 190
    colours = colours or {}
    height = height or row_h * len(rows) + 58
    highs = [r[high] for r in rows if r[high] is not None]
    top_value = max(highs + [1e-9]) * 1.1
    plot_w = width - left - right
    x = lambda v: left + plot_w * v / top_value
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}"'
           f' viewBox="0 0 {width} {height}" role="img">']
    for i, r in enumerate(rows):
        y = 20 + i * row_h
        out.append(f'<text x="{left - 8}" y="{y + 4}" font-size="12" text-anchor="end">{escape(r[label])}</text>')
        if r[value] is None:
            out.append(f'<text x="{left}" y="{y + 4}" font-size="11" fill="#888">'
                       f'{"no impressions" if not r.get("impressions") else "–"}</text>')
            continue
        colour = colours.get(r[label], COLOURS[i % len(COLOURS)])
        out.append(f'<line x1="{x(r[low]):.1f}" y1="{y}" x2="{x(r[high]):.1f}" y2="{y}" stroke="{colour}" stroke-width="3"/>'
                   f'<circle cx="{x(r[value]):.1f}" cy="{y}" r="5" fill="{colour}" data-series="{escape(r[label])}"/>'
                   f'<text x="{x(r[high]) + 6:.1f}" y="{y + 4}" font-size="11">{fmt.format(r[value])}'
                   f' [{fmt.format(r[low])}, {fmt.format(r[high])}]</text>')
    axis_y = height - 36
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="#888"/>')
    step = nice_step(top_value / 4)
    for t in range(int(top_value / step) + 1):
        v = t * step
        out.append(f'<line x1="{x(v):.1f}" y1="{axis_y}" x2="{x(v):.1f}" y2="{axis_y + 4}" stroke="#888"/>'
                   f'<text class="tick" x="{x(v):.1f}" y="{axis_y + 15}" font-size="10" text-anchor="middle">'
                   f'{v:.1%}</text>')
    if axis:
        out.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 6}" font-size="11" text-anchor="middle">'
                   f'{escape(axis)}</text>')
    out.append("</svg>")
    return Markup("".join(out))
