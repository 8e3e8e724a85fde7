"""A decision recorded at the notification API creates a plan at the scheduler; a Learning
Event booked and held at the scheduler becomes the review's learning_event_held milestone.
Every service is a real process; the test speaks HTTP only."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from tests.support import wait_until

pytestmark = pytest.mark.e2e


def test_decision_plan_learning_event_and_milestone(stack, keys):
    api, sched = stack.url("notification_api"), stack.url("scheduler")
    board = keys.board("gwent")
    today = datetime.now(UTC).date()
    referral = {
        "board_reference": "GW-2026-E2E-1", "referral_date": (today - timedelta(days=30)).isoformat(),
        "trigger": {"kind": "life_threatening_injury", "date": (today - timedelta(days=40)).isoformat()},
        "abuse_or_neglect": "suspected",
        "child": {"age_years": 1, "on_child_protection_register_in_prior_6_months": False,
                  "looked_after_in_prior_6_months": False},
        "agencies_involved": ["police"],
    }
    r = httpx.post(f"{api}/v1/reviews", json=referral, headers=board, timeout=10)
    assert r.status_code == 201, r.text
    review_id = r.json()["id"]
    decided_on = today - timedelta(days=20)
    r = httpx.post(f"{api}/v1/reviews/{review_id}/decision",
                   json={"outcome": "concise_cpr", "decided_on": decided_on.isoformat(), "rationale": None},
                   headers=board, timeout=10)
    assert r.status_code in (200, 201), r.text
    target = r.json()["target_completion_date"]

    plan = wait_until(lambda: (x := httpx.get(f"{sched}/v1/reviews/{review_id}/plan", headers=board,
                                               timeout=10)).status_code == 200 and x.json(),
                      what="the review plan at the scheduler")
    assert plan["outcome"] == "concise_cpr" and plan["target_completion_date"] == target
    assert [s["step"] for s in plan["steps"]] == ["first_panel_meeting", "learning_event", "draft_report", "approval"]

    people = []
    for name, agency in (("Rhian Evans", "childrens_services"), ("Dafydd Price", "police")):
        r = httpx.post(f"{sched}/v1/participants", json={"display_name": name, "agency_code": agency.replace("_", "-"),
                                                         "email": f"{name.split()[0].lower()}@agency.example.wales"},
                       headers=board, timeout=10)
        assert r.status_code == 201, r.text
        people.append(r.json()["id"])
    start = (datetime.now(UTC) - timedelta(hours=26)).replace(minute=0, second=0, microsecond=0)
    r = httpx.post(f"{sched}/v1/meetings", json={
        "review_id": review_id, "kind": "learning_event", "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(), "allow_conflicts": True,
        "participants": [{"participant_id": people[0], "required": True},
                         {"participant_id": people[1], "required": False}]}, headers=board, timeout=10)
    assert r.status_code == 201, r.text
    meeting = r.json()
    r = httpx.post(f"{sched}/v1/meetings/{meeting['id']}/attendance", json={"attended": people}, headers=board,
                   timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "held", r.text
    held_on = r.json()["held_on"]

    def milestone():
        review = httpx.get(f"{api}/v1/reviews/{review_id}", headers=board, timeout=10).json()
        return [m for m in review.get("milestones", []) if m["milestone"] == "learning_event_held"]

    [m] = wait_until(milestone, what="learning_event_held on the review")
    assert m["date"] == held_on and date.fromisoformat(held_on) >= decided_on
    plan = httpx.get(f"{sched}/v1/reviews/{review_id}/plan", headers=board, timeout=10).json()
    step = {s["step"]: s for s in plan["steps"]}["learning_event"]
    assert step["done_on"] == held_on and step["meetings"]["held"] == 1
