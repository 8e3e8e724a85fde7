"""Notifying referrals (criteria assessment, validation, PII) and recording decisions."""
from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta

from tests.integration.notification.conftest import TODAY, as_date, days_ago, problem, referral

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("facts, met, indicated, phrase", [
    (dict(kind="death", abuse="known"), True, "concise_cpr", "concise review is indicated"),
    (dict(kind="life_threatening_injury", abuse="suspected", register=True), True, "extended_cpr",
     "on the child protection register"),
    (dict(kind="serious_permanent_impairment", abuse="suspected", looked_after=True, age=18), True, "extended_cpr",
     "care leaver who has turned 18"),
    (dict(kind="death", abuse="not_suspected", register=True), False, None, "criteria are not met"),
    (dict(kind="other", abuse="known"), False, None, "No qualifying harm"),
])
def test_referral_returns_the_criteria_assessment(api, facts, met, indicated, phrase):
    r = api.c.post("/v1/reviews", json=referral("GW-A", **facts), headers=api.h())
    assert r.status_code == 201, r.text
    body = r.json()
    assert r.headers["location"] == f"/v1/reviews/{body['id']}"
    assert body["status"] == "referred" and body["board_code"] == "gwent"
    ca = body["criteria_assessment"]
    assert (ca["criteria_met"], ca["indicated_type"]) == (met, indicated)
    assert any(phrase in reason for reason in ca["reasons"]), ca["reasons"]
    # Stored, not only computed on the way out.
    assert api.get(body["id"])["criteria_assessment"] == ca


def test_referral_event_carries_ids_and_the_assessment_but_no_free_text(api):
    review = api.notify("GW-E", summary="Infant admitted to hospital; agencies had contact in prior months.")
    [event] = api.events("review.referred.v1")
    assert event["subject"] == review["id"] and event["source"] == "/cpr/notification_api"
    assert event["data"] == {"review_id": review["id"], "board_code": "gwent", "referral_date": days_ago(300),
                             "status": "referred", "trigger_kind": "death", "criteria_met": True,
                             "indicated_type": "concise_cpr"}


@pytest.mark.parametrize("change, field, code", [
    (dict(referral_days_ago=-1, trigger_days_ago=5), "referral_date", "referral_in_future"),
    (dict(referral_days_ago=10, trigger_days_ago=5), "trigger.date", "trigger_after_referral"),
])
def test_impossible_dates_are_422_naming_the_field(api, change, field, code):
    body = problem(api.c.post("/v1/reviews", json=referral("GW-D", **change), headers=api.h()), 422)
    assert body["code"] == code and body["errors"][0]["field"] == field
    assert api.c.get("/v1/reviews", headers=api.h()).json()["items"] == []


def test_unknown_agency_code_and_unknown_fields_are_refused(api):
    body = problem(api.c.post("/v1/reviews", json=referral("GW-X", agencies_involved=["police", "St Mary's School"]),
                              headers=api.h()), 422)
    assert body["errors"][0]["field"] == "agencies_involved[1]"
    body = problem(api.c.post("/v1/reviews", json={**referral("GW-X"), "child_name": "x"}, headers=api.h()), 422)
    assert any(e["field"] == "(unknown field)" for e in body["errors"])
    bad_child = referral("GW-X")
    bad_child["child"]["date_of_birth"] = "2024-01-01"
    body = problem(api.c.post("/v1/reviews", json=bad_child, headers=api.h()), 422)
    assert any(e["field"] == "child.(unknown field)" for e in body["errors"])


@pytest.mark.parametrize("text, kind", [
    ("Child's NHS number 943 476 5919 was checked.", "nhs_number"),
    ("The family lived at CF10 1AA until June.", "postcode"),
    ("Mother on 07700 900123.", "phone"),
    ("Contact j.smith@example.org for details.", "email"),
    ("Born on 12 March 2024 in hospital.", "date_of_birth"),
])
def test_identifiers_in_the_summary_are_refused_naming_the_field_never_the_text(api, text, kind):
    r = api.c.post("/v1/reviews", json=referral("GW-P", summary=text), headers=api.h())
    body = problem(r, 422)
    err = body["errors"][0]
    assert body["errors"] == [{"field": "summary", "in": "body", "message": err["message"],
                               "code": f"identifier:{kind}", "start": err["start"], "end": err["end"]}]
    assert 0 <= err["start"] < err["end"] <= len(text)  # where it is, so the text can be highlighted
    assert "summary" in body["detail"]
    for fragment in ("943 476", "CF10", "07700", "j.smith", "12 March"):
        assert fragment not in r.text
    assert api.events() == []


def test_duplicate_board_reference_is_409_but_another_board_may_reuse_it(api):
    first = api.notify("SHARED-1")
    body = problem(api.c.post("/v1/reviews", json=referral("SHARED-1"), headers=api.h()), 409)
    assert body["existing_review_id"] == first["id"]
    assert api.notify("SHARED-1", board="north-wales")["board_code"] == "north-wales"


def test_idempotency_key_on_notify_and_decision(api):
    h = {**api.h(), "Idempotency-Key": "case-77"}
    a = api.c.post("/v1/reviews", json=referral("GW-77"), headers=h)
    b = api.c.post("/v1/reviews", json=referral("GW-77"), headers=h)
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert b.headers["idempotent-replayed"] == "true"
    problem(api.c.post("/v1/reviews", json=referral("GW-78"), headers=h), 409)
    rid = a.json()["id"]
    d = {"outcome": "concise_cpr", "decided_on": days_ago(290)}
    hd = {**api.h(), "Idempotency-Key": "decide-77"}
    first = api.c.post(f"/v1/reviews/{rid}/decision", json=d, headers=hd)
    again = api.c.post(f"/v1/reviews/{rid}/decision", json=d, headers=hd)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    assert len(api.events("review.referred.v1")) == 1 and len(api.events("review.decision_recorded.v1")) == 1


def test_decision_matching_the_criteria_needs_no_rationale_and_sets_the_target(api):
    review = api.notify("GW-M")
    body = api.decide(review["id"], "concise_cpr", days=290)
    decided = TODAY - relativedelta(days=290)
    assert body["status"] == "in_progress" and body["review_type"] == "concise_cpr"
    assert body["decision"] == {"outcome": "concise_cpr", "decided_on": decided.isoformat(), "rationale": None,
                                "departs_from_criteria": False}
    assert body["departs_from_criteria"] is False
    assert body["target_completion_date"] == (decided + relativedelta(months=6)).isoformat()
    [event] = api.events("review.decision_recorded.v1")
    assert event["data"] == {"review_id": review["id"], "board_code": "gwent", "outcome": "concise_cpr",
                             "decided_on": decided.isoformat(), "departs_from_criteria": False,
                             "status": "in_progress", "target_completion_date": body["target_completion_date"],
                             "indicated_type": "concise_cpr", "review_type": "concise_cpr"}


@pytest.mark.parametrize("facts, outcome", [
    (dict(), "extended_cpr"),          # criteria indicate concise
    (dict(), "mapf"),                  # criteria met, MAPF instead
    (dict(register=True), "no_review"),  # criteria met (extended), no review
    (dict(abuse="not_suspected"), "concise_cpr"),  # criteria not met, a CPR anyway
])
def test_a_departure_requires_a_rationale_and_is_stored(api, facts, outcome):
    review = api.notify("GW-DEP", **facts)
    body = problem(api.c.post(f"/v1/reviews/{review['id']}/decision",
                              json={"outcome": outcome, "decided_on": days_ago(290)}, headers=api.h()), 422)
    assert body["code"] == "rationale_required" and "departs from the criteria" in body["detail"]
    problem(api.c.post(f"/v1/reviews/{review['id']}/decision",
                       json={"outcome": outcome, "decided_on": days_ago(290), "rationale": "   "}, headers=api.h()), 422)
    assert api.get(review["id"])["decision"] is None
    ok = api.decide(review["id"], outcome, rationale="Learning overlaps a review already under way.")
    assert ok["departs_from_criteria"] is True
    assert ok["decision"]["rationale"] == "Learning overlaps a review already under way."
    [event] = api.events("review.decision_recorded.v1")
    assert event["data"]["departs_from_criteria"] is True and "rationale" not in event["data"]


def test_mapf_or_no_review_when_the_criteria_are_not_met_is_no_departure(api):
    a = api.notify("GW-N1", abuse="not_suspected")
    assert api.decide(a["id"], "mapf")["departs_from_criteria"] is False
    b = api.notify("GW-N2", kind="other")
    closed = api.decide(b["id"], "no_review", days=280)
    assert closed["status"] == "closed" and closed["closed_on"] == days_ago(280)
    assert closed["target_completion_date"] is None and closed["timescale"] is None
    [event] = api.events("review.closed.v1")
    assert event["data"] == {"review_id": b["id"], "board_code": "gwent", "closed_on": days_ago(280),
                             "outcome": "no_review"}


def test_decision_errors(api):
    review = api.notify("GW-ERR")
    rid = review["id"]
    body = problem(api.c.post(f"/v1/reviews/{rid}/decision", json={"outcome": "concise_cpr", "decided_on": days_ago(-2)},
                              headers=api.h()), 422)
    assert body["code"] == "decision_in_future"
    body = problem(api.c.post(f"/v1/reviews/{rid}/decision", json={"outcome": "concise_cpr", "decided_on": days_ago(400)},
                              headers=api.h()), 422)
    assert body["code"] == "decision_before_referral"
    body = problem(api.c.post(f"/v1/reviews/{rid}/decision", json={"outcome": "full_review", "decided_on": days_ago(1)},
                              headers=api.h()), 422)
    assert body["errors"][0]["field"] == "outcome"
    body = problem(api.c.post(f"/v1/reviews/{rid}/decision",
                              json={"outcome": "mapf", "decided_on": days_ago(1), "rationale": "Call 029 2087 2087."},
                              headers=api.h()), 422)
    assert body["errors"][0]["field"] == "rationale"
    api.decide(rid, "concise_cpr")
    body = problem(api.c.post(f"/v1/reviews/{rid}/decision", json={"outcome": "concise_cpr", "decided_on": days_ago(1)},
                              headers=api.h()), 409)
    assert body["code"] == "decision_already_recorded"
    assert len(api.events("review.decision_recorded.v1")) == 1


def test_review_types_are_data_with_welsh_names(api):
    types = {t["code"]: t for t in api.c.get("/v1/review-types", headers=api.h()).json()}
    assert set(types) == {"concise_cpr", "extended_cpr", "mapf"}
    assert types["extended_cpr"]["name_cy"] == "Adolygiad Ymarfer Plant Estynedig"
    assert types["concise_cpr"]["target_months"] == 6 and types["extended_cpr"]["reviewers_expected"] == 2


def test_a_type_target_is_read_from_its_row(api, engine):
    from sqlalchemy import text

    # review_types survives test resets (reference data), so put the row back afterwards.
    with engine.begin() as conn:
        conn.execute(text("UPDATE review_types SET target_months = NULL, target_days = 90 WHERE code = 'mapf'"))
    try:
        review = api.notify("GW-T", abuse="not_suspected")
        body = api.decide(review["id"], "mapf", days=100)
        assert as_date(body["target_completion_date"]) == as_date(days_ago(100)) + relativedelta(days=90)
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE review_types SET target_months = 3, target_days = NULL WHERE code = 'mapf'"))


def test_board_reference_may_not_carry_an_nhs_number_or_a_postcode(api):
    for ref in ("943 476 5919", "CF10 3NQ"):
        r = api.c.post("/v1/reviews", json=referral(ref), headers=api.h())
        body = problem(r, 422)
        assert body["errors"][0]["field"] == "board_reference" and ref not in r.text
    assert api.c.post("/v1/reviews", json=referral("GW-2024-0012"), headers=api.h()).status_code == 201
