"""Server-rendered SVG charts for pages: stacked bars, grouped bars and box plots. Each chart is
an image (`role="img"`) with a title and a description, every mark has a <title> naming what
it shows, and the page puts the same figures in a table beside it (WCAG: the table is the
accessible form; the chart is a picture of it). Colours are Okabe-Ito with a legend naming
each series, so colour is never the only cue. Pure: strings in, SVG text out; no scripts or
inline styles (the pages' CSP allows neither)."""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

# Eight colours distinguishable with the common colour-vision deficiencies (Okabe-Ito).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
INK = "#0b0c0c"
GRID = "#b1b4b6"


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _fmt(value: float) -> str:
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def _open(width: int, height: int, title: str, desc: str, ids: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
            f'aria-labelledby="{ids}-title {ids}-desc" class="chart">',
            f'<title id="{ids}-title">{escape(title)}</title>', f'<desc id="{ids}-desc">{escape(desc)}</desc>']


def _label(x: float, y: float, text: str, anchor: str = "end", size: int = 13) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{INK}">{escape(text)}</text>'


def _legend(series: list[str], top: int, width: int) -> list[str]:
    out = []
    for j, name in enumerate(series):
        lx, row = (0 if j % 2 == 0 else width // 2), j // 2
        out.append(f'<rect x="{lx}" y="{top + row * 24}" width="14" height="14" fill="{colour(j)}"/>')
        out.append(_label(lx + 20, top + row * 24 + 12, name, "start"))
    return out


def _legend_height(series: list[str]) -> int:
    return 24 * ((len(series) + 1) // 2)


@dataclass(frozen=True)
class Bars:
    """Rows of values, one per series: `rows` are (label, [value per series])."""
    series: list[str]
    rows: list[tuple[str, list[float]]]


def stacked_bars(data: Bars, title: str, desc: str, *, ids: str = "chart", width: int = 720,
                 label_width: int = 260) -> str:
    """Horizontal bars, one per row, a segment per series, the row's total at its end."""
    bar_h, gap, top = 22, 8, 10
    plot_w = width - label_width - 60
    height = top + len(data.rows) * (bar_h + gap) + 20 + _legend_height(data.series)
    most = max((sum(v) for _, v in data.rows), default=0) or 1
    out = _open(width, height, title, desc, ids)
    for i, (name, values) in enumerate(data.rows):
        y = top + i * (bar_h + gap)
        out.append(_label(label_width - 8, y + bar_h * 0.7, name))
        x = float(label_width)
        for j, n in enumerate(values):
            if not n:
                continue
            w = plot_w * n / most
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour(j)}" '
                       f'stroke="#ffffff" stroke-width="1"><title>{escape(f"{name}, {data.series[j]}: {_fmt(n)}")}'
                       f'</title></rect>')
            x += w
        out.append(_label(x + 6, y + bar_h * 0.7, _fmt(sum(values)), "start"))
    out += _legend(data.series, top + len(data.rows) * (bar_h + gap) + 20, width)
    out.append("</svg>")
    return "\n".join(out)


def grouped_bars(data: Bars, title: str, desc: str, *, ids: str = "chart", width: int = 720,
                 label_width: int = 260, maximum: float | None = None, unit: str = "") -> str:
    """Horizontal bars side by side: per row, one thin bar per series, each with its value, so
    rows (e.g. boards) compare at a glance on a shared scale from 0 to `maximum`. A value of
    None (no figure) is left out, not drawn as zero."""
    bar_h, inner, gap, top = 12, 2, 14, 24
    group_h = len(data.series) * (bar_h + inner)
    plot_w = width - label_width - 70
    height = top + len(data.rows) * (group_h + gap) + 20 + _legend_height(data.series)
    most = maximum or max((v for _, vs in data.rows for v in vs if v is not None), default=0) or 1
    out = _open(width, height, title, desc, ids)
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = label_width + plot_w * tick
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - _legend_height(data.series) - 20}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(_label(x, top - 10, f"{_fmt(most * tick)}{unit}", "middle", 11))
    for i, (name, values) in enumerate(data.rows):
        y0 = top + i * (group_h + gap)
        out.append(_label(label_width - 8, y0 + group_h / 2 + 4, name))
        for j, v in enumerate(values):
            if v is None:
                continue
            y = y0 + j * (bar_h + inner)
            w = plot_w * v / most
            out.append(f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colour(j)}">'
                       f'<title>{escape(f"{name}, {data.series[j]}: {_fmt(v)}{unit}")}</title></rect>')
            out.append(_label(label_width + w + 4, y + bar_h - 2, f"{_fmt(v)}{unit}", "start", 11))
    out += _legend(data.series, height - _legend_height(data.series), width)
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class Box:
    """One distribution: (label, count, minimum, lower quartile, median, upper quartile, maximum)."""
    label: str
    count: int
    low: float
    q1: float
    median: float
    q3: float
    high: float


BOX_TERMS = {"en": ("min", "Q1", "median", "Q3", "max"), "cy": ("isaf", "C1", "canolrif", "C3", "uchaf")}


def box_plot(boxes: list[Box], title: str, desc: str, *, target: float | None = None, target_label: str = "",
             ids: str = "chart", width: int = 720, label_width: int = 260, unit: str = "", lang: str = "en") -> str:
    """Horizontal box plots on one scale: whiskers from minimum to maximum, the box from the
    lower to the upper quartile, a thick line at the median, and a dashed line at `target`.
    Each box's <title> names its five numbers in `lang`."""
    lo_t, q1_t, med_t, q3_t, hi_t = BOX_TERMS.get(lang, BOX_TERMS["en"])
    box_h, gap, top = 20, 14, 28
    plot_w = width - label_width - 30
    height = top + len(boxes) * (box_h + gap) + 10
    most = max([b.high for b in boxes] + [target or 0]) or 1
    most = most * 1.05

    def x(v: float) -> float:
        return label_width + plot_w * v / most

    out = _open(width, height, title, desc, ids)
    step = _step(most)
    tick = 0.0
    while tick <= most:
        out.append(f'<line x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{height - 10}" stroke="{GRID}" '
                   f'stroke-width="1"/>')
        out.append(_label(x(tick), top - 10, f"{_fmt(tick)}{unit}", "middle", 11))
        tick += step
    for i, b in enumerate(boxes):
        y = top + i * (box_h + gap)
        mid = y + box_h / 2
        out.append(_label(label_width - 8, mid + 4, b.label))
        what = (f"{b.label}: n={b.count}, {lo_t} {_fmt(b.low)}, {q1_t} {_fmt(b.q1)}, {med_t} {_fmt(b.median)}, "
                f"{q3_t} {_fmt(b.q3)}, {hi_t} {_fmt(b.high)}")
        out.append(f'<g><title>{escape(what)}</title>')
        out.append(f'<line x1="{x(b.low):.1f}" y1="{mid}" x2="{x(b.high):.1f}" y2="{mid}" stroke="{INK}" stroke-width="1.5"/>')
        for v in (b.low, b.high):
            out.append(f'<line x1="{x(v):.1f}" y1="{y + 4}" x2="{x(v):.1f}" y2="{y + box_h - 4}" stroke="{INK}" '
                       f'stroke-width="1.5"/>')
        out.append(f'<rect x="{x(b.q1):.1f}" y="{y}" width="{max(x(b.q3) - x(b.q1), 1):.1f}" height="{box_h}" '
                   f'fill="{PALETTE[5]}" stroke="{INK}" stroke-width="1.5"/>')
        out.append(f'<line x1="{x(b.median):.1f}" y1="{y}" x2="{x(b.median):.1f}" y2="{y + box_h}" stroke="{INK}" '
                   f'stroke-width="4"/>')
        out.append("</g>")
    if target is not None:
        out.append(f'<line x1="{x(target):.1f}" y1="{top - 4}" x2="{x(target):.1f}" y2="{height - 10}" '
                   f'stroke="{PALETTE[1]}" stroke-width="2.5" stroke-dasharray="6 4"><title>{escape(target_label)}'
                   f'</title></line>')
        # The label to the right of the line, or to its left when it would run off the chart.
        right = x(target) + 4 + 6.5 * len(target_label) <= width
        out.append(f'<text x="{x(target) + (4 if right else -4):.1f}" y="{height - 12}" font-size="11" '
                   f'text-anchor="{"start" if right else "end"}" fill="{INK}">{escape(target_label)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _step(most: float) -> float:
    """A round tick spacing giving four to ten ticks."""
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if most / step <= 10:
            return float(step)
    return most / 5
