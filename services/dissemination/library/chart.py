"""The cross-region chart: which themes recur in which boards, drawn as server-side SVG with
the same figures as a table (WCAG: the chart is an image with a text alternative, the table is
the accessible form). Input is what `GET /v1/learning/themes` returns. Pure: no I/O."""
from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from services.dissemination.library.i18n import plural

# Eight colours distinguishable with the common colour-vision deficiencies (Okabe-Ito), each
# with a pattern-free legend that also names the board, so colour is never the only cue.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


@dataclass(frozen=True)
class Table:
    boards: list[tuple[str, str]]                 # (code, name in the page's language)
    rows: list[tuple[str, str, list[int], int]]   # (theme code, theme name, count per board, total)


def table(result: dict, board_names: dict[str, dict[str, str]], lang: str, limit: int | None = None) -> Table:
    """Themes with any publication, most boards first (the API's order), as a matrix."""
    themes = [t for t in result["themes"] if t["publications"] > 0][:limit]
    codes = sorted({b for t in themes for b in t["boards"]},
                   key=lambda c: (board_names.get(c, {}).get(lang) or c))
    boards = [(c, (board_names.get(c, {}).get(lang) or c)) for c in codes]
    rows = [(t["code"], t[f"name_{lang}"], [t["boards"].get(c, 0) for c in codes], t["publications"]) for t in themes]
    return Table(boards=boards, rows=rows)


def svg(data: Table, lang: str, title: str, width: int = 720) -> str:
    """Horizontal stacked bars, one per theme, a segment per board. `role="img"` with a title
    and description; every segment has a <title> naming theme, board and count."""
    label_w, bar_h, gap, top = 260, 22, 8, 10
    plot_w = width - label_w - 60
    legend_h = 24 * ((len(data.boards) + 1) // 2)
    height = top + len(data.rows) * (bar_h + gap) + 20 + legend_h
    most = max((r[3] for r in data.rows), default=0) or 1
    desc = "; ".join(f"{name}: {plural('publications', total, lang)}" for _, name, _, total in data.rows)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'aria-labelledby="chart-title chart-desc" class="chart">',
           f'<title id="chart-title">{escape(title)}</title>', f'<desc id="chart-desc">{escape(desc)}</desc>']
    for i, (code, name, counts, total) in enumerate(data.rows):
        y = top + i * (bar_h + gap)
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="13" '
                   f'fill="#0b0c0c">{escape(name)}</text>')
        x = float(label_w)
        for j, n in enumerate(counts):
            if not n:
                continue
            w = plot_w * n / most
            board = data.boards[j][1]
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{PALETTE[j % len(PALETTE)]}" '
                       f'stroke="#ffffff" stroke-width="1"><title>{escape(f"{name}, {board}: {n}")}</title></rect>')
            x += w
        out.append(f'<text x="{x + 6:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="13" fill="#0b0c0c">{total}</text>')
    ly = top + len(data.rows) * (bar_h + gap) + 20
    for j, (_, board) in enumerate(data.boards):
        lx, row = (0 if j % 2 == 0 else width // 2), j // 2
        out.append(f'<rect x="{lx}" y="{ly + row * 24}" width="14" height="14" fill="{PALETTE[j % len(PALETTE)]}"/>')
        out.append(f'<text x="{lx + 20}" y="{ly + row * 24 + 12}" font-size="13" fill="#0b0c0c">{escape(board)}</text>')
    out.append("</svg>")
    return "\n".join(out)
