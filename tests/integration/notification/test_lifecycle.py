"""Milestones, the lifecycle's ordering rules, parallel proceedings, timescale figures, closing."""
from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta

from tests.integration.notification.conftest import TODAY, as_date, days_ago, problem

pytestmark = pytest.mark.integration


def _post(api, rid, milestone, days, **extra):
    return api.c.post(f"/v1/reviews/{rid}/milestones", json={"milestone": milestone, "date": days_ago(days), **extra},
                      headers=api.h())


def test_milestone_before_a_decision_is_409(api):
    review = api.notify("GW-1")
    body = problem(_post(api, review["id"], "panel_convened", 10), 409)
    assert body["code"] == "no_decision_recorded" and "no decision" in body["detail"]


def test_milestone_dates_future_or_before_the_decision_are_422(api):
    rid = api.started("GW-1", days=290)["id"]
    body = problem(_post(api, rid, "panel_convened", -3), 422)
    assert body["code"] == "milestone_in_future"
    body = problem(_post(api, rid, "panel_convened", 295), 422)
    assert body["code"] == "milestone_before_decision" and days_ago(295) in body["detail"]
    body = problem(_post(api, rid, "panel_gathered", 10), 422)
    assert body["errors"][0]["field"] == "milestone"
    assert api.get(rid)["milestones"] == []


def test_illegal_orders_are_refused_with_a_clear_detail(api):
    rid = api.started("GW-1", days=290)["id"]
    body = problem(_post(api, rid, "report_approved", 100), 409)
    assert body["code"] == "milestone_prerequisite_missing"
    assert body["detail"] == "Cannot record report_approved before report_drafted is recorded."
    problem(_post(api, rid, "report_published", 100), 409)
    problem(_post(api, rid, "action_plan_completed", 100), 409)
    api.milestone(rid, "report_drafted", 120)
    body = problem(_post(api, rid, "report_approved", 130), 422)
    assert body["code"] == "milestone_before_prerequisite"


def test_identical_repost_is_200_without_a_second_row_and_a_conflicting_one_is_409(api):
    rid = api.started("GW-1", days=290)["id"]
    first = _post(api, rid, "panel_convened", 280, note="Five agencies on the panel.")
    assert first.status_code == 201
    again = _post(api, rid, "panel_convened", 280, note="Five agencies on the panel.")
    assert again.status_code == 200
    assert [m["milestone"] for m in again.json()["milestones"]] == ["panel_convened"]
    body = problem(_post(api, rid, "panel_convened", 270), 409)
    assert body["code"] == "milestone_conflict"
    assert len(api.events("review.milestone_recorded.v1")) == 1


def test_idempotency_key_on_milestones(api):
    rid = api.started("GW-1", days=290)["id"]
    h = {**api.h(), "Idempotency-Key": "m-1"}
    body = {"milestone": "timeline_completed", "date": days_ago(200)}
    a = api.c.post(f"/v1/reviews/{rid}/milestones", json=body, headers=h)
    b = api.c.post(f"/v1/reviews/{rid}/milestones", json=body, headers=h)
    assert a.status_code == b.status_code == 201 and b.headers["idempotent-replayed"] == "true"
    problem(api.c.post(f"/v1/reviews/{rid}/milestones", json={**body, "date": days_ago(199)}, headers=h), 409)


def test_identifiers_in_a_milestone_note_are_refused(api):
    rid = api.started("GW-1", days=290)["id"]
    body = problem(_post(api, rid, "family_involvement_recorded", 100, note="Father (dob: 01/02/1990) declined."), 422)
    assert body["errors"][0]["field"] == "note" and body["errors"][0]["code"] == "identifier:date_of_birth"
    assert "1990" not in str(body)


def test_full_lifecycle_statuses_events_and_close(api):
    rid = api.started("GW-1", days=290)["id"]
    for name, days in [("panel_convened", 280), ("reviewers_appointed", 279), ("terms_of_reference_agreed", 270),
                       ("timeline_completed", 220), ("learning_event_held", 200),
                       ("family_involvement_recorded", 190), ("report_drafted", 150)]:
        assert api.milestone(rid, name, days)["status"] == "in_progress"
    body = problem(api.c.post(f"/v1/reviews/{rid}/close", json={"closed_on": days_ago(1)}, headers=api.h()), 409)
    assert body["code"] == "not_ready_to_close"
    assert api.milestone(rid, "report_approved", 120)["status"] == "report_approved"
    api.milestone(rid, "report_sent_to_welsh_government", 110)
    assert api.milestone(rid, "report_published", 90)["status"] == "published"
    body = problem(api.c.post(f"/v1/reviews/{rid}/close", json={"closed_on": days_ago(95)}, headers=api.h()), 422)
    assert body["code"] == "close_before_last_event"
    r = api.c.post(f"/v1/reviews/{rid}/close", json={"closed_on": days_ago(10)}, headers=api.h())
    assert r.status_code == 201 and r.json()["status"] == "closed" and r.json()["closed_on"] == days_ago(10)
    problem(api.c.post(f"/v1/reviews/{rid}/close", json={"closed_on": days_ago(5)}, headers=api.h()), 409)
    body = problem(_post(api, rid, "action_plan_agreed", 5), 409)
    assert body["code"] == "review_closed"
    events = api.events("review.milestone_recorded.v1")
    assert len(events) == 10
    assert events[-1]["data"] == {"review_id": rid, "board_code": "gwent", "milestone": "report_published",
                                  "on": days_ago(90), "status": "published", "review_type": "concise_cpr"}
    [closed] = api.events("review.closed.v1")
    assert closed["data"] == {"review_id": rid, "board_code": "gwent", "closed_on": days_ago(10),
                              "outcome": "concise_cpr"}


def test_a_mapf_closes_once_its_forum_is_held(api):
    review = api.notify("GW-M", abuse="not_suspected")
    rid = api.decide(review["id"], "mapf", days=100)["id"]
    problem(api.c.post(f"/v1/reviews/{rid}/close", json={"closed_on": days_ago(1)}, headers=api.h()), 409)
    api.milestone(rid, "learning_event_held", 50)
    closed = api.c.post(f"/v1/reviews/{rid}/close", json={"closed_on": days_ago(40)}, headers=api.h()).json()
    assert closed["status"] == "closed"
    # Without a report, closing completes it: 60 days after the decision, within a 3-month target.
    assert closed["timescale"]["completed"] is True and closed["timescale"]["completed_within_target"] is True
    assert closed["timescale"]["days_elapsed"] == 60


def test_timescale_figures_open_and_overdue(api):
    on_time = api.started("GW-1", days=30)
    target = as_date(days_ago(30)) + relativedelta(months=6)
    ts = on_time["timescale"]
    assert ts["target_completion_date"] == target.isoformat()
    assert ts["days_elapsed"] == 30 and ts["days_remaining"] == (target - TODAY).days
    assert ts["overdue"] is False and ts["days_overdue"] == 0 and ts["completed_within_target"] is None
    late = api.started("GW-2", days=290)
    ts = late["timescale"]
    late_target = as_date(days_ago(290)) + relativedelta(months=6)
    assert ts["overdue"] is True and ts["days_remaining"] is None
    assert ts["days_overdue"] == (TODAY - late_target).days and ts["days_elapsed"] == 290


def test_timescale_when_complete(api):
    rid = api.started("GW-1", days=290)["id"]
    api.milestone(rid, "report_drafted", 200)
    ts = api.milestone(rid, "report_approved", 190)["timescale"]
    assert ts["completed"] is True and ts["days_elapsed"] == 100 and ts["completed_within_target"] is True
    assert ts["overdue"] is False and ts["as_of"] == days_ago(190)


def test_parallel_proceedings_are_delay_reasons(api):
    rid = api.started("GW-1", days=290)["id"]
    r = api.c.post(f"/v1/reviews/{rid}/proceedings",
                   json={"kind": "criminal", "started_on": days_ago(300), "note": "CPS charging decision awaited."},
                   headers=api.h())
    assert r.status_code == 201, r.text
    criminal = r.json()
    assert r.headers["location"] == f"/v1/reviews/{rid}/proceedings/{criminal['id']}"
    inquest = api.c.post(f"/v1/reviews/{rid}/proceedings",
                         json={"kind": "coroner_inquest", "started_on": days_ago(250), "ended_on": days_ago(200)},
                         headers=api.h()).json()
    review = api.get(rid)
    assert [p["kind"] for p in review["proceedings"]] == ["criminal", "coroner_inquest"]
    ts = review["timescale"]
    # The criminal proceedings ran through the whole review (290 days from the decision).
    assert ts["days_under_proceedings"] == 290
    assert ts["delay_reasons"] == ["criminal", "coroner_inquest"] and ts["active_delay_reasons"] == ["criminal"]
    # Conclude: the same date again is a no-op, another date 409, before its start 422, future 422.
    url = f"/v1/reviews/{rid}/proceedings/{criminal['id']}"
    problem(api.c.patch(url, json={"ended_on": days_ago(301)}, headers=api.h()), 422)
    problem(api.c.patch(url, json={"ended_on": days_ago(-1)}, headers=api.h()), 422)
    done = api.c.patch(url, json={"ended_on": days_ago(100)}, headers=api.h())
    assert done.status_code == 200 and done.json()["ended_on"] == days_ago(100)
    assert api.c.patch(url, json={"ended_on": days_ago(100)}, headers=api.h()).status_code == 200
    body = problem(api.c.patch(url, json={"ended_on": days_ago(90)}, headers=api.h()), 409)
    assert body["code"] == "proceeding_already_concluded"
    ts = api.get(rid)["timescale"]
    assert ts["days_under_proceedings"] == 190 and ts["active_delay_reasons"] == []
    problem(api.c.patch(f"/v1/reviews/{rid}/proceedings/{inquest['id']}x", json={"ended_on": days_ago(1)},
                        headers=api.h()), 404)
    events = [e["data"] for e in api.events("review.proceedings_changed.v1")]
    assert [(e["kind"], e["change"]) for e in events] == [("criminal", "started"), ("coroner_inquest", "concluded"),
                                                          ("criminal", "concluded")]
    assert events[2] == {"review_id": rid, "board_code": "gwent", "proceeding_id": criminal["id"],
                         "kind": "criminal", "change": "concluded", "started_on": days_ago(300),
                         "ended_on": days_ago(100)}


def test_proceeding_errors(api):
    rid = api.notify("GW-1")["id"]  # proceedings may be known before the decision
    problem(api.c.post(f"/v1/reviews/{rid}/proceedings", json={"kind": "civil", "started_on": days_ago(5)},
                       headers=api.h()), 422)
    body = problem(api.c.post(f"/v1/reviews/{rid}/proceedings", json={"kind": "criminal", "started_on": days_ago(-5)},
                              headers=api.h()), 422)
    assert body["code"] == "proceeding_in_future"
    body = problem(api.c.post(f"/v1/reviews/{rid}/proceedings",
                              json={"kind": "other", "started_on": days_ago(5), "note": "Email x@y.org"},
                              headers=api.h()), 422)
    assert body["errors"][0]["field"] == "note"
    ok = api.c.post(f"/v1/reviews/{rid}/proceedings", json={"kind": "disciplinary", "started_on": days_ago(5)},
                    headers=api.h())
    assert ok.status_code == 201 and api.get(rid)["timescale"] is None
