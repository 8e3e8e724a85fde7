"""Review plans from review.decision_recorded, against reality (meetings and milestones)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shared.db import session_scope
from shared.events.reviews import ReviewDecisionRecordedV1, ReviewMilestoneRecordedV1
from shared.outbox import add_event
from tests.integration.scheduler.helpers import deliver, problem
from tests.support import wait_until

pytestmark = pytest.mark.integration


def test_a_cpr_decision_creates_a_plan_once(sched, keys, make_review, decide):
    review = make_review()
    env = decide(review, decided_on=date(2027, 1, 4), target=date(2027, 7, 4))
    decide(review, decided_on=date(2027, 1, 4), target=date(2027, 7, 4), event_id=env.id)  # redelivered: no-op
    r = sched.get(f"/v1/reviews/{review}/plan", headers=keys.board())
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["outcome"] == "concise_cpr" and plan["target_completion_date"] == "2027-07-04"
    # Default offsets: 140, 84, 42 and 14 days before the target.
    assert [(s["step"], s["target_date"], s["status"]) for s in plan["steps"]] == [
        ("first_panel_meeting", "2027-02-14", "pending"), ("learning_event", "2027-04-11", "pending"),
        ("draft_report", "2027-05-23", "pending"), ("approval", "2027-06-20", "pending")]
    assert plan["late_steps"] == []
    assert sched.get(f"/v1/reviews/{review}/plan", headers=keys.wg).status_code == 200
    problem(sched.get(f"/v1/reviews/{review}/plan", headers=keys.board("north-wales")), 404)
    assert sched.get(f"/v1/reviews/{review}", headers=keys.board()).json()["outcome"] == "concise_cpr"


def test_a_mapf_plan_is_compressed_and_no_review_has_none(sched, keys, make_review, decide):
    mapf = make_review()
    decide(mapf, outcome="mapf", decided_on=date(2027, 1, 4), target=date(2027, 4, 4))
    steps = sched.get(f"/v1/reviews/{mapf}/plan", headers=keys.board()).json()["steps"]
    dates = [date.fromisoformat(s["target_date"]) for s in steps]
    assert date(2027, 1, 4) < dates[0] < dates[1] < dates[2] < dates[3] <= date(2027, 4, 4)
    none = make_review()
    decide(none, outcome="no_review", decided_on=date(2027, 1, 4), target=None)
    body = problem(sched.get(f"/v1/reviews/{none}/plan", headers=keys.board()), 404)
    assert "no plan" in body["detail"]
    problem(sched.get("/v1/reviews/unknown/plan", headers=keys.board()), 404)


def test_plan_against_reality_shows_late_and_done_steps(sched, keys, make_review, decide, make_participant, runtimes):
    review = make_review()
    today = datetime.now(UTC).date()
    decide(review, decided_on=today - timedelta(days=200), target=today - timedelta(days=17))
    pid = make_participant()
    start = (datetime.now(UTC) - timedelta(days=1)).replace(hour=10, minute=0, second=0, microsecond=0)
    m = sched.post("/v1/meetings", json={"review_id": review, "kind": "panel_meeting", "start": start.isoformat(),
                                         "end": (start + timedelta(hours=1)).isoformat(), "allow_conflicts": True,
                                         "participants": [{"participant_id": pid}]}, headers=keys.board()).json()
    sched.post(f"/v1/meetings/{m['id']}/attendance", json={"attended": [pid]}, headers=keys.board())
    deliver(runtimes["scheduler"], "review.milestone_recorded.v1", ReviewMilestoneRecordedV1(
        review_id=review, board_code="gwent", milestone="report_drafted", on=today - timedelta(days=60),
        status="in_progress"))
    plan = sched.get(f"/v1/reviews/{review}/plan", headers=keys.board()).json()
    steps = {s["step"]: s for s in plan["steps"]}
    assert steps["first_panel_meeting"]["status"] == "done_late" and steps["first_panel_meeting"]["late"]
    assert steps["first_panel_meeting"]["meetings"]["held"] == 1
    assert steps["draft_report"]["status"] == "done"
    assert steps["learning_event"]["status"] == "late" and steps["approval"]["status"] == "late"
    assert plan["late_steps"] == ["learning_event", "approval"]


def test_plan_from_a_decision_over_real_rabbitmq(sched, keys, runtimes, workers, make_review):
    """The decision is published from the notification API's outbox and consumed by the
    scheduler's worker through the broker."""
    review = make_review()
    with session_scope(runtimes["notification_api"].engine) as s:
        add_event(s, subject=review,
                  data=ReviewDecisionRecordedV1(review_id=review, board_code="gwent", outcome="extended_cpr",
                                                review_type="extended_cpr", decided_on=date(2027, 2, 1), departs_from_criteria=False,
                                                status="in_progress", target_completion_date=date(2027, 8, 1)))
    r = wait_until(lambda: (x := sched.get(f"/v1/reviews/{review}/plan", headers=keys.board())).status_code == 200 and x,
                   what="the plan at the scheduler")
    assert r.json()["outcome"] == "extended_cpr" and r.json()["steps"][0]["target_date"] == "2027-03-14"
