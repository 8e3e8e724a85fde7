"""Monitoring figures, computed in the database, checked against values computed here in
plain Python on a seeded set of 240 reviews spread over the six boards (PostgreSQL through
the API; the same set on SQLite through the service, as the quick start runs it)."""
from __future__ import annotations

import random
import statistics
from collections import Counter
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from sqlmodel import Session

from shared.auth import SEED_BOARDS, Principal
from services.notification_api.reviews.models import Review, ReviewProceeding
from tests.integration.notification.conftest import TODAY

pytestmark = pytest.mark.integration

BOARDS = [code for code, _, _ in SEED_BOARDS]
OPEN = ("in_progress", "report_approved", "published")


def make_dataset(n: int = 240, seed: int = 20150601):
    rnd = random.Random(seed)
    reviews, proceedings = [], []
    for i in range(n):
        board = BOARDS[i % len(BOARDS)]
        referral = TODAY - timedelta(days=rnd.randint(30, 1100))
        met = rnd.random() < 0.7
        indicated = rnd.choice(["concise_cpr", "extended_cpr"]) if met else None
        outcome = rnd.choices(["concise_cpr", "extended_cpr", "mapf", "no_review", None], [35, 20, 20, 15, 10])[0]
        r = Review(board_code=board, board_reference=f"S-{i:04d}", referral_date=referral, trigger_kind="death",
                   trigger_date=referral - timedelta(days=3), abuse_or_neglect="suspected" if met else "not_suspected",
                   child_age_years=rnd.randint(0, 17), on_child_protection_register_in_prior_6_months=False,
                   looked_after_in_prior_6_months=indicated == "extended_cpr", agencies_involved=["police"],
                   criteria_met=met, indicated_type=indicated, criteria_reasons=["seeded"], status="referred")
        if outcome is not None:
            decided = min(referral + timedelta(days=rnd.randint(0, 25)), TODAY)
            r.outcome, r.decided_on = outcome, decided
            r.departs_from_criteria = (outcome != indicated) if met else outcome in ("concise_cpr", "extended_cpr")
            if outcome == "no_review":
                r.status, r.closed_on = "closed", decided
            else:
                r.review_type = outcome
                r.target_completion_date = decided + relativedelta(months=3 if outcome == "mapf" else 6)
                stage = rnd.choice(["in_progress", "report_approved", "published", "closed"])
                approved = decided + timedelta(days=rnd.randint(40, 420))
                r.status = "in_progress"
                if outcome == "mapf" and stage == "closed" and rnd.random() < 0.5:
                    closed = decided + timedelta(days=rnd.randint(20, 150))
                    if closed <= TODAY:
                        r.status, r.closed_on = "closed", closed
                elif stage != "in_progress" and approved <= TODAY:
                    r.status, r.report_approved_on = "report_approved", approved
                    published = approved + timedelta(days=rnd.randint(0, 60))
                    if stage in ("published", "closed") and published <= TODAY:
                        r.status, r.report_published_on = "published", published
                        closed = published + timedelta(days=rnd.randint(0, 30))
                        if stage == "closed" and closed <= TODAY:
                            r.status, r.closed_on = "closed", closed
        reviews.append(r)
        for _ in range(rnd.choice([0, 0, 0, 1, 1, 2])):
            start = referral + timedelta(days=rnd.randint(-30, 200))
            end = start + timedelta(days=rnd.randint(10, 300)) if rnd.random() < 0.6 else None
            proceedings.append(ReviewProceeding(review_id=r.id, kind=rnd.choice(
                ["criminal", "coroner_inquest", "disciplinary", "other"]), started_on=start,
                ended_on=end if end is None or end <= TODAY else None))
    return reviews, proceedings


def seed(engine, dataset):
    reviews, proceedings = dataset
    with Session(engine) as s:
        s.add_all([Review.model_validate(r.model_dump()) for r in reviews])
        s.flush()
        s.add_all([ReviewProceeding.model_validate(p.model_dump()) for p in proceedings])
        s.commit()


def _share(a, b):
    return round(a / b, 4) if b else None


def _duration(values):
    if not values:
        return {"count": 0, "median_days": None, "mean_days": None}
    return {"count": len(values), "median_days": round(float(statistics.median(values)), 2),
            "mean_days": round(statistics.fmean(values), 2)}


def expected_figures(reviews, proceedings) -> dict:
    """The figures, computed row by row in Python."""
    decided = [r for r in reviews if r.outcome is not None]
    notes = Counter((r.decided_on.year, r.outcome) for r in decided)
    timescales = []
    for t in sorted({r.review_type for r in reviews if r.review_type}):
        rs = [r for r in reviews if r.review_type == t]
        done = [(r.report_approved_on or r.closed_on, r) for r in rs if (r.report_approved_on or r.closed_on)]
        within = sum(1 for d, r in done if d <= r.target_completion_date)
        timescales.append({
            "type": t, "decided": len(rs),
            "decision_to_report_approval": _duration([(r.report_approved_on - r.decided_on).days
                                                      for r in rs if r.report_approved_on]),
            "decision_to_publication": _duration([(r.report_published_on - r.decided_on).days
                                                  for r in rs if r.report_published_on]),
            "completed": len(done), "completed_within_target": within,
            "share_completed_within_target": _share(within, len(done))})
    n = len(decided)
    dep = sum(1 for r in decided if r.departs_from_criteria)
    mapf = sum(1 for r in decided if r.outcome == "mapf")
    none = sum(1 for r in decided if r.outcome == "no_review")
    ids = {r.id for r in reviews}
    ps = [p for p in proceedings if p.review_id in ids]
    delays = []
    for kind in sorted({p.kind for p in ps}):
        k = [p for p in ps if p.kind == kind]
        delays.append({"kind": kind, "reviews": len({p.review_id for p in k}), "proceedings": len(k),
                       "ongoing": sum(1 for p in k if p.ended_on is None)})
    return {
        "referrals": len(reviews),
        "awaiting_decision": sum(1 for r in reviews if r.status == "referred"),
        "open": sum(1 for r in reviews if r.status in OPEN),
        "overdue": sum(1 for r in reviews if r.status == "in_progress" and r.target_completion_date < TODAY),
        "notifications": [{"year": y, "type": t, "count": c} for (y, t), c in sorted(notes.items())],
        "timescales": timescales,
        "decision_consistency": {"decisions": n, "criteria_met": sum(1 for r in decided if r.criteria_met),
                                 "departures": dep, "departure_share": _share(dep, n), "mapf": mapf,
                                 "mapf_share": _share(mapf, n), "no_review": none, "no_review_share": _share(none, n)},
        "delay_reasons": delays,
    }


def _check_dataset_is_meaningful(reviews):
    assert len(reviews) >= 200 and {r.board_code for r in reviews} == set(BOARDS)
    statuses = Counter(r.status for r in reviews)
    assert all(statuses[s] > 5 for s in ("referred", "in_progress", "report_approved", "published", "closed"))
    assert sum(1 for r in reviews if r.status == "in_progress" and r.target_completion_date < TODAY) > 5


def test_monitoring_figures_match_hand_computed_values(api, engine):
    dataset = make_dataset()
    reviews, proceedings = dataset
    _check_dataset_is_meaningful(reviews)
    seed(engine, dataset)

    r = api.c.get("/v1/monitoring", headers=api.keys.wg)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["as_of"] == TODAY.isoformat()
    assert body["national"] == expected_figures(reviews, proceedings)
    assert [b["board_code"] for b in body["boards"]] == sorted(BOARDS)
    for figures in body["boards"]:
        board = figures.pop("board_code")
        assert figures == expected_figures([x for x in reviews if x.board_code == board], proceedings), board

    # A board sees its own figures only, and nothing national.
    own = api.c.get("/v1/monitoring", headers=api.h("cardiff-and-vale")).json()
    assert own["national"] is None and [b["board_code"] for b in own["boards"]] == ["cardiff-and-vale"]
    mine = own["boards"][0]
    mine.pop("board_code")
    assert mine == expected_figures([x for x in reviews if x.board_code == "cardiff-and-vale"], proceedings)
    # Welsh Government can ask for one board.
    one = api.c.get("/v1/monitoring?board=gwent", headers=api.keys.wg).json()
    assert [b["board_code"] for b in one["boards"]] == ["gwent"]
    # Aggregates are not reads of case records: no audit rows.
    from sqlalchemy import text

    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM review_audit")).scalar() == 0


def test_monitoring_on_sqlite_gives_the_same_figures(tmp_path):
    """The quick start's SQLite has no percentile_cont: the window-function median must agree."""
    from shared.db import make_engine
    from shared.migrations import upgrade
    from services.notification_api.monitoring.service import monitoring
    from services.notification_api.service import SPEC

    url = f"sqlite:///{tmp_path / 'n.db'}"
    upgrade(SPEC.name, SPEC.migrations, url)
    engine = make_engine(url)
    try:
        dataset = make_dataset(n=210, seed=7)
        seed(engine, dataset)
        with Session(engine) as s:
            body = monitoring(s, Principal(key_id="k", board_code=None, welsh_government=True), None)
        assert body["national"] == expected_figures(*dataset)
        for b in body["boards"]:
            board = b.pop("board_code")
            assert b == expected_figures([x for x in dataset[0] if x.board_code == board], dataset[1]), board
    finally:
        engine.dispose()


def test_monitoring_with_no_reviews(api):
    body = api.c.get("/v1/monitoring", headers=api.keys.wg).json()
    assert body["national"]["referrals"] == 0 and body["national"]["timescales"] == []
    assert body["national"]["decision_consistency"]["departure_share"] is None
    assert len(body["boards"]) == 6
