"""The cross-region chart: which themes recur in which boards, drawn as server-side SVG with
the same figures as a table (WCAG: the chart is an image with a text alternative, the table is
the accessible form). Input is what `GET /v1/learning/themes` returns. Pure: no I/O."""
from __future__ import annotations

from dataclasses import dataclass

from shared.web import charts
from services.dissemination.library.i18n import plural


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
    """Horizontal stacked bars, one per theme, a segment per board (shared/web/charts)."""
    desc = "; ".join(f"{name}: {plural('publications', total, lang)}" for _, name, _, total in data.rows)
    bars = charts.Bars(series=[name for _, name in data.boards],
                       rows=[(name, counts) for _, name, counts, _ in data.rows])
    return charts.stacked_bars(bars, title, desc, ids="chart", width=width)
