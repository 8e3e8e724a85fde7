"""Monitoring figures computed in the database (GROUP BY; percentile_cont on PostgreSQL, a
window-function median on the quick start's SQLite), never by loading every row; only the
quick start's SQLite orders day counts in Python for the distributions' quartiles."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import date

from sqlalchemy import Integer, String, and_, case, cast, distinct, extract, func, or_, select
from sqlmodel import Session

from shared.auth import Board, Principal
from shared.db import is_postgres
from shared.http.problems import Problem
from services.notification_api.reviews.models import Review, ReviewProceeding, ReviewType
from services.notification_api.reviews.service import OPEN_STATUSES, overdue_clause, today


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _sum(cond):
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def _days(session: Session, later, earlier):
    if is_postgres(session):
        return later - earlier  # date - date is an integer number of days
    return cast(func.julianday(later) - func.julianday(earlier), Integer)


def _key(row, by_board: bool):
    return row[0] if by_board else None


def _rest(row, by_board: bool):
    return tuple(row[1:]) if by_board else tuple(row)


class _Figures:
    """Runs each figure's query once grouped by board and once nationally (when asked)."""

    def __init__(self, session: Session, where, on: date):
        self.session = session
        self.where = where  # the caller's scope on Review
        self.on = on

    def _run(self, query, by_board: bool):
        return self.session.execute(query).all()

    def counts(self, by_board: bool) -> dict:
        keys = [Review.board_code] if by_board else []
        q = select(*keys, func.count(),
                   _sum(Review.status == "referred"),
                   _sum(Review.status.in_(OPEN_STATUSES)),
                   _sum(overdue_clause(self.on)),
                   ).where(*self.where).group_by(*keys)
        out = {}
        for row in self.session.execute(q).all():
            referrals, awaiting, open_, overdue = (int(v) for v in _rest(row, by_board))
            out[_key(row, by_board)] = {"referrals": referrals, "awaiting_decision": awaiting, "open": open_,
                                        "overdue": overdue}
        return out

    def notifications(self, by_board: bool) -> dict:
        keys = [Review.board_code] if by_board else []
        year = extract("year", Review.decided_on)
        q = (select(*keys, year.label("year"), Review.outcome, func.count())
             .where(*self.where, Review.decided_on.is_not(None)).group_by(*keys, year, Review.outcome)
             .order_by(*keys, year, Review.outcome))
        out = defaultdict(list)
        for row in self.session.execute(q).all():
            y, outcome, n = _rest(row, by_board)
            out[_key(row, by_board)].append({"year": int(y), "type": outcome, "count": int(n)})
        return out

    def durations(self, by_board: bool, end_column) -> dict:
        """(board?, type) -> count, mean and median days from the decision to end_column, on
        SQLite (PostgreSQL: `both_durations`, from the distributions' query)."""
        keys = ([Review.board_code] if by_board else []) + [Review.review_type]
        days = _days(self.session, end_column, Review.decided_on)
        where = [*self.where, Review.review_type.is_not(None), end_column.is_not(None),
                 Review.decided_on.is_not(None)]
        out = {}
        q = select(*keys, func.count(), func.avg(days)).where(*where).group_by(*keys)
        for row in self.session.execute(q).all():
            *k, n, mean = row
            out[tuple(k)] = [int(n), float(mean), None]
        # Median without percentile_cont: the middle one or two rows of each ordered group.
        inner = select(*[c.label(c.key) for c in keys], days.label("d"),
                       func.row_number().over(partition_by=keys, order_by=days).label("rn"),
                       func.count().over(partition_by=keys).label("n")).where(*where).subquery()
        ikeys = [inner.c[c.key] for c in keys]
        mq = (select(*ikeys, func.avg(inner.c.d))
              .where(or_(inner.c.rn == (inner.c.n + 1) // 2, inner.c.rn == (inner.c.n + 2) // 2))
              .group_by(*ikeys))
        for row in self.session.execute(mq).all():
            *k, median = row
            out[tuple(k)][2] = float(median)
        return {k: tuple(v) for k, v in out.items()}

    def completion(self, by_board: bool) -> dict:
        keys = ([Review.board_code] if by_board else []) + [Review.review_type]
        done = func.coalesce(Review.report_approved_on, Review.closed_on)
        q = (select(*keys, func.count(), _sum(done.is_not(None)),
                    _sum(and_(done.is_not(None), done <= Review.target_completion_date)))
             .where(*self.where, Review.review_type.is_not(None)).group_by(*keys))
        return {tuple(row[:-3]): tuple(int(v) for v in row[-3:]) for row in self.session.execute(q).all()}

    def consistency(self, by_board: bool) -> dict:
        keys = [Review.board_code] if by_board else []
        q = (select(*keys, func.count(), _sum(Review.criteria_met), _sum(Review.departs_from_criteria),
                    _sum(Review.outcome == "mapf"), _sum(Review.outcome == "no_review"))
             .where(*self.where, Review.outcome.is_not(None)).group_by(*keys))
        out = {}
        for row in self.session.execute(q).all():
            n, met, dep, mapf, none = (int(v) for v in _rest(row, by_board))
            out[_key(row, by_board)] = {"decisions": n, "criteria_met": met, "departures": dep,
                                        "departure_share": _share(dep, n), "mapf": mapf,
                                        "mapf_share": _share(mapf, n), "no_review": none,
                                        "no_review_share": _share(none, n)}
        return out

    def delays(self, by_board: bool) -> dict:
        keys = [Review.board_code] if by_board else []
        q = (select(*keys, ReviewProceeding.kind, func.count(distinct(ReviewProceeding.review_id)), func.count(),
                    _sum(ReviewProceeding.ended_on.is_(None)))
             .join(Review, Review.id == ReviewProceeding.review_id)
             .where(*self.where).group_by(*keys, ReviewProceeding.kind).order_by(*keys, ReviewProceeding.kind))
        out = defaultdict(list)
        for row in self.session.execute(q).all():
            kind, reviews, n, ongoing = _rest(row, by_board)
            out[_key(row, by_board)].append({"kind": kind, "reviews": int(reviews), "proceedings": int(n),
                                             "ongoing": int(ongoing)})
        return out

    def both_durations(self, by_board: bool) -> tuple[dict, dict]:
        """Decision to report approval, and to publication: on PostgreSQL one query (the
        distributions' own, so these medians are theirs), else one per end date."""
        if is_postgres(self.session):
            spreads = _spreads_all(self.session, self.where, by_board)
            return tuple({k: (v[0], v[6], v[3]) for k, v in spreads[m].items()} for m in MEASURES)
        return (self.durations(by_board, Review.report_approved_on),
                self.durations(by_board, Review.report_published_on))

    def gather(self, by_board: bool) -> dict:
        to_approval, to_publication = self.both_durations(by_board)
        return {"counts": self.counts(by_board), "notes": self.notifications(by_board),
                "to_approval": to_approval, "to_publication": to_publication,
                "completion": self.completion(by_board), "consistency": self.consistency(by_board),
                "delays": self.delays(by_board)}

    def national_from(self, per_board: dict) -> dict:
        """The national figures as the sums of every board's (each review belongs to one
        board, so every count, including reviews with a kind of proceeding, adds up); only
        the medians and means need their own queries."""
        counts: dict = {}
        for figures in per_board["counts"].values():
            for k, v in figures.items():
                counts[k] = counts.get(k, 0) + v
        notes: dict = defaultdict(int)
        for items in per_board["notes"].values():
            for c in items:
                notes[(c["year"], c["type"])] += c["count"]
        completion: dict = {}
        for (_board, review_type), values in per_board["completion"].items():
            old = completion.get((review_type,), (0, 0, 0))
            completion[(review_type,)] = tuple(a + b for a, b in zip(old, values, strict=True))
        consistency: dict = {}
        for figures in per_board["consistency"].values():
            for k in ("decisions", "criteria_met", "departures", "mapf", "no_review"):
                consistency[k] = consistency.get(k, 0) + figures[k]
        if consistency:
            n = consistency["decisions"]
            for k in ("departure", "mapf", "no_review"):
                consistency[f"{k}_share"] = _share(consistency["departures" if k == "departure" else k], n)
        delays: dict = {}
        for items in per_board["delays"].values():
            for d in items:
                old = delays.get(d["kind"], {"kind": d["kind"], "reviews": 0, "proceedings": 0, "ongoing": 0})
                delays[d["kind"]] = {"kind": d["kind"], **{k: old[k] + d[k] for k in ("reviews", "proceedings", "ongoing")}}
        order = ["decisions", "criteria_met", "departures", "departure_share", "mapf", "mapf_share", "no_review",
                 "no_review_share"]
        to_approval, to_publication = self.both_durations(False)
        return {"counts": {None: counts} if counts else {},
                "notes": {None: [{"year": y, "type": t, "count": c} for (y, t), c in sorted(notes.items())]}
                if notes else {},
                "to_approval": to_approval, "to_publication": to_publication,
                "completion": completion,
                "consistency": {None: {k: consistency[k] for k in order}} if consistency else {},
                "delays": {None: [delays[k] for k in sorted(delays)]} if delays else {}}

    def collect(self, by_board: bool, raw: dict | None = None) -> dict:
        raw = raw if raw is not None else self.gather(by_board)
        counts, notes, completion, consistency, delays = (raw[k] for k in ("counts", "notes", "completion",
                                                                             "consistency", "delays"))
        to_approval, to_publication = raw["to_approval"], raw["to_publication"]

        def figures(board: str | None) -> dict:
            prefix = (board,) if by_board else ()
            timescales = []
            for (*k, review_type), (decided, completed, within) in sorted(completion.items(),
                                                                          key=lambda kv: str(kv[0])):
                if tuple(k) != prefix:
                    continue
                a = to_approval.get((*prefix, review_type))
                p = to_publication.get((*prefix, review_type))
                timescales.append({
                    "type": review_type, "decided": decided,
                    "decision_to_report_approval": _duration(a), "decision_to_publication": _duration(p),
                    "completed": completed, "completed_within_target": within,
                    "share_completed_within_target": _share(within, completed)})
            empty = {"decisions": 0, "criteria_met": 0, "departures": 0, "departure_share": None, "mapf": 0,
                     "mapf_share": None, "no_review": 0, "no_review_share": None}
            return {**counts.get(board, {"referrals": 0, "awaiting_decision": 0, "open": 0, "overdue": 0}),
                    "notifications": notes.get(board, []), "timescales": timescales,
                    "decision_consistency": consistency.get(board, empty), "delay_reasons": delays.get(board, [])}

        return {"figures": figures, "boards": set(counts)}


def _duration(values) -> dict:
    if values is None:
        return {"count": 0, "median_days": None, "mean_days": None}
    n, mean, median = values
    return {"count": n, "median_days": round(median, 2), "mean_days": round(mean, 2)}


def _scope(session: Session, principal: Principal, board: str | None) -> tuple[bool, list, set[str]]:
    """Who sees what, for every monitoring figure: Welsh Government sees national figures and
    every board's (or one board's, `board`); a board sees its own and nothing national.
    Returns (national?, the per-board query's scope, the boards listed even with no reviews)."""
    if principal.welsh_government:
        where = [Review.board_code == board] if board else []
        listed = {board} if board else set(session.execute(select(Board.code).where(Board.active)).scalars())
        return True, where, listed
    if board and board != principal.board_code:
        raise Problem(403, "A board's key sees its own board's figures only; Welsh Government sees all.")
    return False, [Review.board_code == principal.board_code], {principal.board_code}


def monitoring(session: Session, principal: Principal, board: str | None) -> dict:
    on = today()
    national, where, listed = _scope(session, principal, board)
    figures = _Figures(session, where, on)
    raw = figures.gather(by_board=True)
    per_board = figures.collect(by_board=True, raw=raw)
    codes = listed | (set(per_board["boards"]) if principal.welsh_government else set())
    whole = None
    if national:  # every board's figures at hand (no `board`): Wales is their sum, bar the medians
        everything = _Figures(session, [], on)
        whole = everything.collect(by_board=False, raw=everything.national_from(raw) if not where else None)
    return {"as_of": on, "national": whole["figures"](None) if whole else None,
            "boards": [{"board_code": c, **per_board["figures"](c)} for c in sorted(codes)]}


# -- distributions (the dashboard's box plots) -------------------------------------------------

QUANTILES = (0.25, 0.5, 0.75)
MEASURES = {"decision_to_report_approval": Review.report_approved_on,
            "decision_to_publication": Review.report_published_on}


def _quantile(values: list[int], q: float) -> float:
    """Linear interpolation between closest ranks: what PostgreSQL's percentile_cont does."""
    pos = (len(values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (pos - lo)


def _spreads(session: Session, where, end_column, by_board: bool) -> dict:
    """(board?, type) -> (count, min, q1, median, q3, max, mean) days from decision to end_column."""
    keys = ([Review.board_code] if by_board else []) + [Review.review_type]
    days = _days(session, end_column, Review.decided_on)
    cond = [*where, Review.review_type.is_not(None), end_column.is_not(None), Review.decided_on.is_not(None)]
    out = {}
    if is_postgres(session):
        q = (select(*keys, func.count(), func.min(days), *[func.percentile_cont(p).within_group(days)
                                                             for p in QUANTILES],
                    func.max(days), func.avg(days)).where(*cond).group_by(*keys))
        for row in session.execute(q).all():
            *k, n, lo, q1, med, q3, hi, mean = row
            out[tuple(k)] = (int(n), float(lo), float(q1), float(med), float(q3), float(hi), float(mean))
        return out
    # The quick start's SQLite has no percentile_cont: its (few) day counts are ordered here.
    groups: dict = defaultdict(list)
    for row in session.execute(select(*keys, days).where(*cond).order_by(*keys, days)).all():
        groups[tuple(row[:-1])].append(int(row[-1]))
    for k, v in groups.items():
        out[k] = (len(v), float(v[0]), *(_quantile(v, p) for p in QUANTILES), float(v[-1]), sum(v) / len(v))
    return out


def _spreads_all(session: Session, where, by_board: bool) -> dict:
    """measure -> _spreads(measure): on PostgreSQL in one query, each measure's aggregates
    FILTERed to the reviews that have its end date."""
    if not is_postgres(session):
        return {m: _spreads(session, where, col, by_board) for m, col in MEASURES.items()}
    keys = ([Review.board_code] if by_board else []) + [Review.review_type]
    cols = []
    for end in MEASURES.values():
        days, has = _days(session, end, Review.decided_on), end.is_not(None)
        cols += [func.count().filter(has), func.min(days).filter(has),
                 *[func.percentile_cont(p).within_group(days).filter(has) for p in QUANTILES],
                 func.max(days).filter(has), func.avg(days).filter(has)]
    q = (select(*keys, *cols)
         .where(*where, Review.review_type.is_not(None), Review.decided_on.is_not(None),
                or_(*[end.is_not(None) for end in MEASURES.values()]))
         .group_by(*keys))
    out: dict = {m: {} for m in MEASURES}
    for row in session.execute(q).all():
        k, values = tuple(row[:len(keys)]), row[len(keys):]
        for i, m in enumerate(MEASURES):
            n, lo, q1, med, q3, hi, mean = values[7 * i:7 * i + 7]
            if n:
                out[m][k] = (int(n), float(lo), float(q1), float(med), float(q3), float(hi), float(mean))
    return out


def _spread_public(review_type: str, values, target_days: int | None) -> dict:
    n, lo, q1, med, q3, hi, mean = values
    return {"type": review_type, "count": n, "min_days": lo, "q1_days": round(q1, 2),
            "median_days": round(med, 2), "q3_days": round(q3, 2), "max_days": hi, "mean_days": round(mean, 2),
            "target_days": target_days}


def target_days(row: ReviewType) -> int | None:
    """A review type's completion target in days, for drawing it against day counts: a month
    target as its average length (6 months = 183 days); each review's own target date stays
    what `completed within target` is judged by."""
    if row.target_days is not None:
        return row.target_days
    return round(row.target_months * 365.25 / 12) if row.target_months is not None else None


def durations(session: Session, principal: Principal, board: str | None) -> dict:
    """Days from decision to report approval and to publication as distributions (count,
    minimum, quartiles, maximum, mean) by review type, nationally and per board, against each
    type's target. Same scoping as ``monitoring``; its medians are these medians."""
    national, where, listed = _scope(session, principal, board)
    targets = {r.code: target_days(r) for r in session.execute(select(ReviewType)).scalars()}

    def figures(spreads: dict, prefix: tuple) -> dict:
        return {measure: [_spread_public(k[-1], v, targets.get(k[-1]))
                          for k, v in sorted(spreads[measure].items()) if k[:-1] == prefix]
                for measure in MEASURES}

    per_board = _spreads_all(session, where, True)
    codes = listed | ({k[0] for s in per_board.values() for k in s} if principal.welsh_government else set())
    whole = _spreads_all(session, [], False) if national else None
    return {"as_of": today(), "national": figures(whole, ()) if national else None,
            "boards": [{"board_code": c, **figures(per_board, (c,))} for c in sorted(codes)]}


def _type_figures(session: Session, where, on: date, by_board: bool) -> dict:
    """(board?) -> figures by covered review type and SUSR counts. Grouped in the database by
    the (few) distinct combinations of covered types; each combination is then counted under
    every type in it."""
    keys = [Review.board_code] if by_board else []
    combo = cast(Review.covered_types, String)
    q = (select(*keys, combo, Review.outcome, func.count(), _sum(Review.status.in_(OPEN_STATUSES)),
                _sum(and_(Review.status == "in_progress", Review.target_completion_date < on)))
         .where(*where, Review.outcome.is_not(None), Review.outcome != "no_review")
         .group_by(*keys, combo, Review.outcome))
    out: dict = defaultdict(lambda: {"types": defaultdict(lambda: [0, 0, 0, 0]), "susrs": 0, "multi": 0, "covered": 0})
    for row in session.execute(q).all():
        text, outcome, n, open_, overdue = _rest(row, by_board)
        types = json.loads(text) if text else []
        fig = out[_key(row, by_board)]
        for t in types:
            counts = fig["types"][t]
            counts[0] += int(n)
            counts[1] += int(n) if outcome == "susr" else 0
            counts[2] += int(open_)
            counts[3] += int(overdue)
        if outcome == "susr":
            fig["susrs"] += int(n)
            fig["covered"] += int(n) * len(types)
            fig["multi"] += int(n) if len(types) > 1 else 0
    return out


def _type_public(fig: dict | None) -> dict:
    if fig is None:
        fig = {"types": {}, "susrs": 0, "multi": 0, "covered": 0}
    return {"by_type": [{"type": t, "reviews": c[0], "in_susr": c[1], "open": c[2], "overdue": c[3]}
                        for t, c in sorted(fig["types"].items())],
            "susr": {"susrs": fig["susrs"], "covering_more_than_one_type": fig["multi"],
                     "share_covering_more_than_one_type": _share(fig["multi"], fig["susrs"]),
                     "types_covered": fig["covered"]}}


def by_review_type(session: Session, principal: Principal, board: str | None) -> dict:
    """Monitoring by review type (what each decision covers), with how many SUSRs covered more
    than one type. Same scoping as ``monitoring``."""
    on = today()
    national, where, listed = _scope(session, principal, board)
    per_board = _type_figures(session, where, on, by_board=True)
    codes = listed | (set(per_board) if principal.welsh_government else set())
    return {"as_of": on,
            "national": _type_public(_type_figures(session, [], on, by_board=False).get(None)) if national else None,
            "boards": [{"board_code": c, **_type_public(per_board.get(c))} for c in sorted(codes)]}
