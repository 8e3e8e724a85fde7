"""shared/web charts and tables, and the dashboard's sections built from an API-shaped result:
charts are well-formed SVG images naming every mark, the box plot draws the five numbers it is
given, downloads read back (pandas: csv and odfpy) as the table, and a spreadsheet never runs a
cell as a formula."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pandas as pd

from shared.web import charts
from shared.web.tables import Table, to_csv, to_ods
from services.notification_api.dashboard import figures

NS = "{http://www.w3.org/2000/svg}"


def test_box_plot_draws_the_five_numbers_and_the_target():
    boxes = [charts.Box("Gwent <&>", 9, 40, 100, 150, 220, 300), charts.Box("Wales", 3, 10, 20, 30, 40, 50)]
    svg = ET.fromstring(charts.box_plot(boxes, "Days", "desc", target=183, target_label="Target 183 days", ids="x"))
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == "x-title x-desc"
    titles = [t.text for t in svg.iter(f"{NS}title")]
    assert "Gwent <&>: n=9, min 40, Q1 100, median 150, Q3 220, max 300" in titles
    assert "Target 183 days" in titles
    # The box spans Q1..Q3 on the chart's scale, the median line sits between them.
    group = [g for g in svg.iter(f"{NS}g") if g.find(f"{NS}title").text.startswith("Gwent")][0]
    rect = group.find(f"{NS}rect")
    median = [ln for ln in group.findall(f"{NS}line") if ln.get("stroke-width") == "4"][0]
    x1, w, xm = float(rect.get("x")), float(rect.get("width")), float(median.get("x1"))
    assert x1 < xm < x1 + w
    assert abs((xm - x1) / w - (150 - 100) / (220 - 100)) < 0.01


def test_grouped_bars_leave_out_missing_figures():
    bars = charts.Bars(series=["a", "b"], rows=[("Gwent", [50.0, None]), ("Wales", [0.0, 25.0])])
    svg = ET.fromstring(charts.grouped_bars(bars, "t", "d", maximum=100, unit="%"))
    marks = [r.find(f"{NS}title").text for r in svg.iter(f"{NS}rect") if r.find(f"{NS}title") is not None]
    assert marks == ["Gwent, a: 50%", "Wales, a: 0%", "Wales, b: 25%"]


def test_downloads_read_back_as_the_table_and_never_as_formulas():
    table = Table("t", "Caption", ["Bwrdd", "Nifer", "Cyfran (%)"],
                  [["Bwrdd Diogelu Gŵent", 3, 33.3], ["=HYPERLINK(\"x\")", 0, None]])
    frame = pd.read_csv(io.BytesIO(to_csv(table)), encoding="utf-8-sig")
    assert list(frame.columns) == ["Bwrdd", "Nifer", "Cyfran (%)"]
    assert frame["Bwrdd"][0] == "Bwrdd Diogelu Gŵent" and frame["Bwrdd"][1].startswith("'=")
    ods = pd.read_excel(io.BytesIO(to_ods(table)), engine="odf")
    assert ods["Nifer"].tolist() == [3, 0] and ods["Cyfran (%)"][0] == 33.3 and pd.isna(ods["Cyfran (%)"][1])


MONITORING = {"as_of": "2026-12-01", "national": None, "boards": [{
    "board_code": "gwent", "referrals": 5, "awaiting_decision": 1, "open": 3, "overdue": 1,
    "notifications": [{"year": 2025, "type": "concise_cpr", "count": 2}, {"year": 2026, "type": "mapf", "count": 2}],
    "timescales": [{"type": "concise_cpr", "decided": 2, "decision_to_report_approval": {"count": 1, "median_days": 200.0,
                    "mean_days": 200.0}, "decision_to_publication": {"count": 0, "median_days": None, "mean_days": None},
                    "completed": 1, "completed_within_target": 0, "share_completed_within_target": 0.0}],
    "decision_consistency": {"decisions": 4, "criteria_met": 3, "departures": 1, "departure_share": 0.25, "mapf": 2,
                             "mapf_share": 0.5, "no_review": 0, "no_review_share": 0.0},
    "delay_reasons": [{"kind": "criminal", "reviews": 1, "proceedings": 2, "ongoing": 1}]}]}
DURATIONS = {"as_of": "2026-12-01", "national": None, "boards": [{
    "board_code": "gwent", "decision_to_publication": [],
    "decision_to_report_approval": [{"type": "concise_cpr", "count": 1, "min_days": 200.0, "q1_days": 200.0,
                                     "median_days": 200.0, "q3_days": 200.0, "max_days": 200.0, "mean_days": 200.0,
                                     "target_days": 183}]}]}


def test_a_boards_sections_show_its_figures_and_every_table_downloads():
    n = figures.Names("en", {"gwent": "Gwent Safeguarding Board"}, {"concise_cpr": "Concise CPR", "mapf": "MAPF"})
    sections = figures.sections(MONITORING, DURATIONS, n)
    assert {s.table.name for s in sections} == set(figures.FROM_MONITORING) | set(figures.FROM_DURATIONS)
    by = {s.table.name: s for s in sections}
    assert by["consistency"].table.rows == [["Gwent Safeguarding Board", 4, 3, 75.0, 1, 25.0, 2, 50.0, 0, 0.0]]
    assert by["notifications"].table.rows == [["2026", 0, 2, 2], ["2025", 2, 0, 2]]
    assert by["delays"].table.rows == [["Gwent Safeguarding Board", "Criminal proceedings", 1, 2, 1]]
    assert by["caseload"].table.links == ["/dashboard/reviews?board=gwent"]
    # No "All Wales" row for a board, and every chart has a visible caption.
    assert all(r[0] != "All Wales" for s in sections for r in s.table.rows)
    assert all(caption for s in sections for caption, _ in s.charts)
    assert len(by["decision_to_report_approval"].charts) == 1 and not by["decision_to_publication"].charts
