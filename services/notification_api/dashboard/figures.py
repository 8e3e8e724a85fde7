"""The dashboard's sections: each a table of figures (what the page shows, and what downloads as
CSV and ODS) and the charts drawn from that same table's numbers. Input is exactly what
`GET /v1/monitoring` and `GET /v1/monitoring/durations` return (monitoring/service.py); nothing
here counts or judges a review. Pure: no I/O."""
from __future__ import annotations

from dataclasses import dataclass, field

from shared.web import charts
from shared.web.tables import Table

WALES = "wales"  # the row key of the national figures (not a board code: codes never clash)
DELAY_KINDS = ("criminal", "coroner_inquest", "disciplinary", "other")
OUTCOME_ORDER = ("concise_cpr", "extended_cpr", "susr", "mapf", "no_review")


@dataclass(frozen=True)
class Names:
    """Names in the page's language: boards and decision/review types by code."""
    lang: str
    boards: dict[str, str]
    types: dict[str, str]

    def t(self, en: str, cy: str) -> str:
        return cy if self.lang == "cy" else en

    def board(self, code: str) -> str:
        return self.t("All Wales", "Cymru gyfan") if code == WALES else self.boards.get(code, code)

    def type(self, code: str) -> str:
        return self.types.get(code, code)

    def delay(self, kind: str) -> str:
        return {"criminal": self.t("Criminal proceedings", "Achos troseddol"),
                "coroner_inquest": self.t("Coroner's inquest", "Cwest y crwner"),
                "disciplinary": self.t("Disciplinary proceedings", "Achos disgyblu"),
                "other": self.t("Other proceedings", "Achos arall")}.get(kind, kind)


OUTCOME_NAMES = {"no_review": ("No review", "Dim adolygiad"),
                 "susr": ("Single Unified Safeguarding Review", "Adolygiad Diogelu Unedig Sengl")}


# Charts with a row per board: room for the longest board name at the charts' 13px type.
WIDE = {"width": 960, "label_width": 420}


@dataclass
class Section:
    id: str
    heading: str
    intro: str
    table: Table
    charts: list[tuple[str, str]] = field(default_factory=list)  # (visible caption, SVG)


def percent(share: float | None) -> float | None:
    """The API's share (0.3333) as the percentage the page and downloads show (33.3)."""
    return None if share is None else round(share * 100, 1)


def _scopes(monitoring: dict) -> list[tuple[str, dict]]:
    """(row key, figures): All Wales first when the reader may see it, then each board."""
    out = [(WALES, monitoring["national"])] if monitoring["national"] is not None else []
    return out + [(b["board_code"], b) for b in monitoring["boards"]]


def _main(monitoring: dict) -> dict:
    """The figures a single-scope chart draws: national for Welsh Government, else the board's."""
    return monitoring["national"] if monitoring["national"] is not None else monitoring["boards"][0]


def notifications(monitoring: dict, n: Names) -> Section:
    figures = _main(monitoring)
    types = sorted({c["type"] for c in figures["notifications"]},
                   key=lambda t: (OUTCOME_ORDER.index(t) if t in OUTCOME_ORDER else 99, t))
    years = sorted({c["year"] for c in figures["notifications"]}, reverse=True)
    counts = {(c["year"], c["type"]): c["count"] for c in figures["notifications"]}
    rows = [[str(y), *[counts.get((y, t), 0) for t in types], sum(counts.get((y, t), 0) for t in types)]
            for y in years]
    scope = n.board(WALES if monitoring["national"] is not None else monitoring["boards"][0]["board_code"])
    table = Table("notifications", n.t(f"Decisions notified by year and type: {scope}",
                                       f"Penderfyniadau a hysbyswyd fesul blwyddyn a math: {scope}"),
                  [n.t("Year", "Blwyddyn"), *[n.type(t) for t in types], n.t("Total", "Cyfanswm")], rows)
    section = Section("notifications", n.t("Notifications by type and year", "Hysbysiadau fesul math a blwyddyn"),
                      n.t("Each board's decision on a referral, by the calendar year of the decision.",
                          "Penderfyniad pob bwrdd ar atgyfeiriad, fesul blwyddyn galendr y penderfyniad."), table)
    if rows:
        bars = charts.Bars(series=[n.type(t) for t in types], rows=[(r[0], r[1:-1]) for r in rows])
        desc = "; ".join(f"{r[0]}: {r[-1]}" for r in rows)
        section.charts.append((table.caption, charts.stacked_bars(bars, table.caption, desc, ids="notifications",
                                                                  label_width=80)))
    return section


MEASURE_TEXT = {
    "decision_to_report_approval": (("Decision to report approval", "O'r penderfyniad i gymeradwyo'r adroddiad"),
                                    ("Days from the board's decision to the approval of the review's report.",
                                     "Diwrnodau o benderfyniad y bwrdd i gymeradwyo adroddiad yr adolygiad.")),
    "decision_to_publication": (("Decision to publication", "O'r penderfyniad i'r cyhoeddiad"),
                                ("Days from the board's decision to the publication of the report.",
                                 "Diwrnodau o benderfyniad y bwrdd i gyhoeddi'r adroddiad.")),
}


def distribution(durations: dict, measure: str, n: Names) -> Section:
    """One row per (board, type): the box plot's five numbers, the mean and the target; a box
    plot per review type with a box per board (All Wales first) and the target as a line."""
    (hen, hcy), (ien, icy) = MEASURE_TEXT[measure]
    scopes = ([(WALES, durations["national"])] if durations["national"] is not None else []) + \
        [(b["board_code"], b) for b in durations["boards"]]
    rows, by_type = [], {}
    for key, figures in scopes:
        for s in figures[measure]:
            rows.append([n.board(key), n.type(s["type"]), s["count"], s["min_days"], s["q1_days"], s["median_days"],
                         s["q3_days"], s["max_days"], s["mean_days"], s["target_days"]])
            by_type.setdefault(s["type"], []).append((key, s))
    table = Table(measure, n.t(f"{hen}: days, by board and review type", f"{hcy}: diwrnodau, fesul bwrdd a math o adolygiad"),
                  [n.t("Board", "Bwrdd"), n.t("Review type", "Math o adolygiad"), n.t("Reviews", "Adolygiadau"),
                   n.t("Minimum", "Isafswm"), n.t("Lower quartile", "Chwartel isaf"), n.t("Median", "Canolrif"),
                   n.t("Upper quartile", "Chwartel uchaf"), n.t("Maximum", "Uchafswm"), n.t("Mean", "Cymedr"),
                   n.t("Target (days)", "Targed (diwrnodau)")], rows)
    section = Section(measure, n.t(f"{hen}, against the target", f"{hcy}, o'i gymharu â'r targed"), n.t(
        f"{ien} Each box runs from the lower to the upper quartile with a thick line at the median; the "
        "whiskers reach the shortest and longest; the dashed line is the target.",
        f"{icy} Mae pob blwch yn rhedeg o'r chwartel isaf i'r chwartel uchaf gyda llinell drwchus ar y "
        "canolrif; mae'r wisgers yn cyrraedd y byrraf a'r hiraf; y llinell doredig yw'r targed."), table)
    for review_type, items in sorted(by_type.items()):
        boxes = [charts.Box(n.board(k), s["count"], s["min_days"], s["q1_days"], s["median_days"], s["q3_days"],
                            s["max_days"]) for k, s in items]
        target = items[0][1]["target_days"]
        title = f"{n.type(review_type)}: {hen if n.lang == 'en' else hcy}"
        desc = "; ".join(n.t(f"{b.label}: median {b.median:g} days of {b.count} reviews",
                             f"{b.label}: canolrif {b.median:g} diwrnod o {b.count} adolygiad") for b in boxes)
        label = n.t(f"Target {target} days", f"Targed {target} diwrnod") if target is not None else ""
        section.charts.append((title, charts.box_plot(boxes, title, desc, target=target, target_label=label,
                                                      ids=f"{measure}-{review_type}", lang=n.lang, **WIDE)))
    return section


def completion(monitoring: dict, n: Names) -> Section:
    rows, shares, types = [], {}, []
    for key, figures in _scopes(monitoring):
        for ts in figures["timescales"]:
            share = percent(ts["share_completed_within_target"])
            rows.append([n.board(key), n.type(ts["type"]), ts["decided"], ts["completed"],
                         ts["completed_within_target"], share])
            shares[(key, ts["type"])] = share
            if ts["type"] not in types:
                types.append(ts["type"])
    types.sort(key=lambda t: (OUTCOME_ORDER.index(t) if t in OUTCOME_ORDER else 99, t))
    table = Table("completion", n.t("Reviews completed within their target", "Adolygiadau a gwblhawyd o fewn eu targed"),
                  [n.t("Board", "Bwrdd"), n.t("Review type", "Math o adolygiad"), n.t("Decided", "Penderfynwyd"),
                   n.t("Completed", "Wedi'u cwblhau"), n.t("Within target", "O fewn y targed"),
                   n.t("Share within target (%)", "Cyfran o fewn y targed (%)")], rows)
    section = Section("completion", n.t("Share completed within target", "Cyfran a gwblhawyd o fewn y targed"), n.t(
        "Of the reviews completed (report approved, or closed without a report), the share completed by their "
        "target date.",
        "O'r adolygiadau a gwblhawyd (adroddiad wedi'i gymeradwyo, neu wedi'i gau heb adroddiad), y gyfran a "
        "gwblhawyd erbyn eu dyddiad targed."), table)
    if rows:
        keys = [k for k, _ in _scopes(monitoring)]
        bars = charts.Bars(series=[n.type(t) for t in types],
                           rows=[(n.board(k), [shares.get((k, t)) for t in types]) for k in keys])
        desc = "; ".join(f"{r[0]}, {r[1]}: {r[5]}%" for r in rows if r[5] is not None)
        section.charts.append((table.caption, charts.grouped_bars(bars, table.caption, desc, ids="completion",
                                                                  maximum=100, unit="%", **WIDE)))
    return section


def consistency(monitoring: dict, n: Names) -> Section:
    rows, chart_rows = [], []
    for key, figures in _scopes(monitoring):
        c = figures["decision_consistency"]
        met = round(c["criteria_met"] / c["decisions"] * 100, 1) if c["decisions"] else None
        rows.append([n.board(key), c["decisions"], c["criteria_met"], met, c["departures"], percent(c["departure_share"]),
                     c["mapf"], percent(c["mapf_share"]), c["no_review"], percent(c["no_review_share"])])
        chart_rows.append((n.board(key), [met, percent(c["departure_share"]), percent(c["mapf_share"]),
                                          percent(c["no_review_share"])]))
    series = [n.t("Criteria met", "Meini prawf wedi'u bodloni"), n.t("Departures from the criteria", "Gwyro o'r meini prawf"),
              n.t("MAPF", "Fforwm amlasiantaethol"), n.t("No review", "Dim adolygiad")]
    table = Table("consistency", n.t("Decision consistency by board", "Cysondeb penderfyniadau fesul bwrdd"),
                  [n.t("Board", "Bwrdd"), n.t("Decisions", "Penderfyniadau"), n.t("Criteria met", "Meini prawf wedi'u bodloni"),
                   n.t("Criteria met (%)", "Meini prawf wedi'u bodloni (%)"), n.t("Departures", "Gwyriadau"),
                   n.t("Departures (%)", "Gwyriadau (%)"), "MAPF", "MAPF (%)", n.t("No review", "Dim adolygiad"),
                   n.t("No review (%)", "Dim adolygiad (%)")], rows)
    section = Section("consistency", n.t("Decision consistency by board", "Cysondeb penderfyniadau fesul bwrdd"), n.t(
        "Side by side for each board: how often the criteria for a Child Practice Review were met, how often the "
        "decision departed from what the criteria indicate, and how often the decision was a multi-agency "
        "professional forum (MAPF) or no review. Boards reading the criteria differently show as different bars.",
        "Ochr yn ochr ar gyfer pob bwrdd: pa mor aml y bodlonwyd y meini prawf ar gyfer Adolygiad Ymarfer Plant, "
        "pa mor aml y gwyrodd y penderfyniad o'r hyn y mae'r meini prawf yn ei nodi, a pha mor aml y penderfynwyd "
        "ar fforwm proffesiynol amlasiantaethol (MAPF) neu ddim adolygiad. Mae byrddau sy'n darllen y meini prawf "
        "yn wahanol yn dangos fel barrau gwahanol."), table)
    if any(r[1] for r in rows):
        desc = "; ".join(f"{r[0]}: {series[1]} {r[5]}%, MAPF {r[7]}%, {series[3]} {r[9]}%" for r in rows)
        section.charts.append((table.caption, charts.grouped_bars(charts.Bars(series=series, rows=chart_rows),
                                                                  table.caption, desc, ids="consistency", maximum=100,
                                                                  unit="%", **WIDE)))
    return section


def delays(monitoring: dict, n: Names) -> Section:
    rows = []
    for key, figures in _scopes(monitoring):
        for d in figures["delay_reasons"]:
            rows.append([n.board(key), n.delay(d["kind"]), d["reviews"], d["proceedings"], d["ongoing"]])
    table = Table("delays", n.t("Delay reasons: parallel proceedings", "Rhesymau dros oedi: achosion cyfochrog"),
                  [n.t("Board", "Bwrdd"), n.t("Reason", "Rheswm"), n.t("Reviews", "Adolygiadau"),
                   n.t("Proceedings", "Achosion"), n.t("Ongoing", "Yn parhau")], rows)
    section = Section("delays", n.t("Delay reasons, including parallel proceedings",
                                    "Rhesymau dros oedi, gan gynnwys achosion cyfochrog"), n.t(
        "Reviews with criminal, coroner's, disciplinary or other proceedings running alongside them, which can "
        "hold a review back.",
        "Adolygiadau ag achosion troseddol, crwner, disgyblu neu eraill yn rhedeg ochr yn ochr â nhw, a all ddal "
        "adolygiad yn ôl."), table)
    main = _main(monitoring)["delay_reasons"]
    if main:
        kinds = sorted(main, key=lambda d: DELAY_KINDS.index(d["kind"]) if d["kind"] in DELAY_KINDS else 99)
        bars = charts.Bars(series=[n.t("Ongoing", "Yn parhau"), n.t("Concluded", "Wedi dod i ben")],
                           rows=[(n.delay(d["kind"]), [d["ongoing"], d["proceedings"] - d["ongoing"]]) for d in kinds])
        desc = "; ".join(f"{n.delay(d['kind'])}: {d['proceedings']}" for d in kinds)
        title = n.t("Parallel proceedings by kind", "Achosion cyfochrog fesul math")
        section.charts.append((title, charts.stacked_bars(bars, title, desc, ids="delays")))
    return section


def caseload(monitoring: dict, n: Names) -> Section:
    rows = [[n.board(key), f["referrals"], f["awaiting_decision"], f["open"], f["overdue"]]
            for key, f in _scopes(monitoring)]
    links = ["/dashboard/reviews" if key == WALES else f"/dashboard/reviews?board={key}" for key, _ in _scopes(monitoring)]
    table = Table("caseload", n.t("Referrals, open and overdue reviews", "Atgyfeiriadau, adolygiadau agored a hwyr"),
                  [n.t("Board", "Bwrdd"), n.t("Referrals", "Atgyfeiriadau"),
                   n.t("Awaiting decision", "Yn aros am benderfyniad"), n.t("Open", "Agored"), n.t("Overdue", "Hwyr")],
                  rows, links)
    return Section("caseload", n.t("Open and overdue reviews", "Adolygiadau agored a hwyr"), n.t(
        "Open: decided and not yet closed. Overdue: in progress and past the target completion date.",
        "Agored: wedi'u penderfynu a heb eu cau eto. Hwyr: ar y gweill ac wedi pasio'r dyddiad cwblhau targed."),
        table)


def sections(monitoring: dict, durations: dict, n: Names) -> list[Section]:
    return [caseload(monitoring, n), notifications(monitoring, n),
            distribution(durations, "decision_to_report_approval", n),
            distribution(durations, "decision_to_publication", n),
            completion(monitoring, n), consistency(monitoring, n), delays(monitoring, n)]


# Each downloadable table by name, from the one service result it needs (a download runs one).
FROM_MONITORING = {"caseload": caseload, "notifications": notifications, "completion": completion,
                   "consistency": consistency, "delays": delays}
FROM_DURATIONS = tuple(MEASURE_TEXT)
