"""A review type is data: a row added to the notification API's `review_types` table, and
nothing else, is offered to boards, decided on with its own timescale, planned by the
scheduler, shown in the national feed and counted in monitoring (docs/DEVELOPING.md,
"Adding a review type"). The services run their real workers over RabbitMQ."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from tests.support import wait_until

pytestmark = pytest.mark.integration

CODE = "test_unified_review"
DECIDED = date(2026, 3, 10)
REFERRAL = {"board_reference": "GW-TYPE-1", "referral_date": "2026-03-02",
            "trigger": {"kind": "death", "date": "2026-02-20"}, "abuse_or_neglect": "suspected",
            "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                      "looked_after_in_prior_6_months": False}}


def test_a_review_type_added_to_the_table_goes_through_decision_plan_feed_and_monitoring(
        clients, keys, runtimes, workers):
    notif, sched, diss = clients["notification_api"], clients["scheduler"], clients["dissemination"]
    with runtimes["notification_api"].engine.begin() as conn:
        conn.execute(text("INSERT INTO review_types (code, name_en, name_cy, target_months, target_days, "
                          "reviewers_expected, is_review, active) VALUES (:code, 'Test Unified Review', "
                          "'Adolygiad Unedig Prawf', NULL, 120, 2, true, true)"), {"code": CODE})

    offered = {t["code"]: t for t in notif.get("/v1/review-types", headers=keys.board()).json()}
    assert offered[CODE]["target_days"] == 120 and offered[CODE]["name_cy"] == "Adolygiad Unedig Prawf"

    review = notif.post("/v1/reviews", json=REFERRAL, headers=keys.board()).json()
    r = notif.post(f"/v1/reviews/{review['id']}/decision",
                   json={"outcome": CODE, "decided_on": DECIDED.isoformat(),
                         "rationale": "The case meets the unified review's criteria."}, headers=keys.board())
    assert r.status_code in (200, 201), r.text
    decided = r.json()
    target = DECIDED + timedelta(days=120)
    assert decided["review_type"] == CODE and decided["status"] == "in_progress"
    assert decided["target_completion_date"] == target.isoformat()
    assert decided["departs_from_criteria"] is True  # the criteria indicate a concise CPR

    # The scheduler plans it from the decision event (no list of planned types there).
    plan = wait_until(lambda: (x := sched.get(f"/v1/reviews/{review['id']}/plan", headers=keys.board()))
                      .status_code == 200 and x.json(), timeout=30, what="the plan at the scheduler")
    assert plan["outcome"] == CODE and plan["target_completion_date"] == target.isoformat()
    assert [s["step"] for s in plan["steps"]] == ["first_panel_meeting", "learning_event", "draft_report",
                                                   "approval"]

    # The national feed carries the type the decision event names.
    def decision_entry():
        items = diss.get("/v1/feed", headers=keys.wg).json()["items"]
        return next((i for i in items if i["_cpr"]["entry_type"] == "review_decision_recorded"), None)

    entry = wait_until(decision_entry, timeout=30, what="the decision in the national feed")
    assert entry["_cpr"]["data"]["review_type"] == CODE and entry["_cpr"]["review_id"] == review["id"]

    # Completed within its own target, and counted by type in monitoring.
    for milestone, on in (("report_drafted", DECIDED + timedelta(days=60)),
                          ("report_approved", DECIDED + timedelta(days=90))):
        r = notif.post(f"/v1/reviews/{review['id']}/milestones", json={"milestone": milestone, "date": on.isoformat()},
                       headers=keys.board())
        assert r.status_code in (200, 201), r.text
    figures = notif.get("/v1/monitoring", headers=keys.wg).json()
    [row] = [t for t in figures["national"]["timescales"] if t["type"] == CODE]
    assert (row["decided"], row["completed"], row["completed_within_target"]) == (1, 1, 1)
    assert any(n["type"] == CODE and n["count"] == 1 for n in figures["national"]["notifications"])
