"""The Single Unified Safeguarding Review through the notification API (real PostgreSQL):
every type assessed from one referral, a SUSR decision covering several types, the approved
list and appointments from it."""
from __future__ import annotations

import pytest
from dateutil.relativedelta import relativedelta

from tests.integration.notification.conftest import TODAY, as_date, days_ago, problem, referral

pytestmark = pytest.mark.integration

PARENT_KILLED = {"victim_age_years": 31, "suspect_relationship": "intimate_partner",
                 "suspect_mental_health_contact": False, "offensive_weapon": False}


def susr_referral(ref="GW-S1", **extra):
    """A father kills the mother and injures their child: CPR and DHR."""
    return referral(ref, kind="life_threatening_injury", abuse="known", **{"homicide": PARENT_KILLED, **extra})


def reviewer(api, email="eleri.price@reviews.example.wales", types=("cpr", "dhr"), roles=("chair", "reviewer"),
             expect=201):
    r = api.c.post("/v1/approved-reviewers", headers=api.keys.wg, json={
        "display_name": "Eleri Price", "organisation": "Safeguarding Reviews Cymru", "work_email": email,
        "roles": list(roles), "review_types": list(types)})
    assert r.status_code == expect, r.text
    return r.json()


def test_one_referral_is_assessed_against_every_type_and_a_susr_is_indicated(api):
    r = api.c.post("/v1/reviews", json=susr_referral(), headers=api.h())
    assert r.status_code == 201, r.text
    body = r.json()
    s = body["susr_assessment"]
    assert s["susr_indicated"] and s["indicated_types"] == ["concise_cpr", "dhr"]
    assert [t["type"] for t in s["types"]] == ["cpr", "apr", "dhr", "mhhr", "owhr"]
    assert body["criteria_assessment"]["indicated_type"] == "susr"
    assert body["homicide"] == {**PARENT_KILLED, "suspect_mental_health_contact_months_before": None}


def test_a_cpr_only_referral_answers_as_before_and_also_shows_the_susr_assessment(api):
    body = api.notify("GW-C")
    assert body["criteria_assessment"]["indicated_type"] == "concise_cpr"
    assert body["susr_assessment"]["indicated_types"] == ["concise_cpr"]
    assert body["adult_at_risk"] is None and body["homicide"] is None


def test_only_applicable_facts_are_required(api):
    # an adult's homicide alone (no child, no adult at risk) is a referral of its own
    body = referral("GW-H", abuse="not_suspected", homicide={**PARENT_KILLED, "suspect_relationship": "other",
                                                             "offensive_weapon": True})
    del body["child"]
    r = api.c.post("/v1/reviews", json=body, headers=api.h())
    assert r.status_code == 201, r.text
    assert r.json()["susr_assessment"]["indicated_types"] == ["owhr"] and r.json()["child"] is None
    # nothing to review at all
    bare = referral("GW-N")
    del bare["child"]
    assert problem(api.c.post("/v1/reviews", json=bare, headers=api.h()), 422)["code"] == "no_subject"


def test_mhhr_window_is_policy_and_its_fact_required_only_then(api, runtimes):
    runtimes["notification_api"].settings.susr_mhhr_contact_months = 12
    try:
        contact = {**PARENT_KILLED, "suspect_mental_health_contact": True}
        p = problem(api.c.post("/v1/reviews", json=susr_referral("GW-M1", homicide=contact), headers=api.h()), 422)
        assert p["code"] == "fact_required"
        assert p["errors"][0]["field"] == "homicide.suspect_mental_health_contact_months_before"
        ok = api.c.post("/v1/reviews", headers=api.h(), json=susr_referral(
            "GW-M2", homicide={**contact, "suspect_mental_health_contact_months_before": 4}))
        assert ok.json()["susr_assessment"]["indicated_types"] == ["concise_cpr", "dhr", "mhhr"]
    finally:
        runtimes["notification_api"].settings.susr_mhhr_contact_months = None


def test_susr_decision_covers_the_types_and_the_earliest_target_governs(api, engine):
    from sqlalchemy import text

    review = api.c.post("/v1/reviews", json=susr_referral(), headers=api.h()).json()
    with engine.begin() as conn:  # a DHR target shorter than the CPR's (policy), put back after
        conn.execute(text("UPDATE review_types SET target_months = 4 WHERE code = 'dhr'"))
    try:
        r = api.c.post(f"/v1/reviews/{review['id']}/decision", headers=api.h(),
                       json={"outcome": "susr", "covers": ["concise_cpr", "dhr"], "decided_on": days_ago(200)})
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE review_types SET target_months = 6 WHERE code = 'dhr'"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["covered_types"] == ["concise_cpr", "dhr"] and body["review_type"] == "dhr"
    assert as_date(body["target_completion_date"]) == TODAY - relativedelta(days=200) + relativedelta(months=4)
    assert body["decision"]["departs_from_criteria"] is False
    [event] = api.events("review.susr_recorded.v1")
    assert event["data"]["covered_types"] == ["concise_cpr", "dhr"] and event["data"]["review_type"] == "dhr"
    [decision] = api.events("review.decision_recorded.v1")
    assert decision["data"]["outcome"] == "susr"


@pytest.mark.parametrize("decision, code", [
    ({"outcome": "susr"}, "covers_required"),
    ({"outcome": "concise_cpr", "covers": ["concise_cpr"]}, "covers_only_for_susr"),
    ({"outcome": "susr", "covers": ["concise_cpr"]}, "rationale_required"),  # leaves the DHR out
    ({"outcome": "concise_cpr"}, "rationale_required"),                      # a CPR alone leaves it out too
    ({"outcome": "mapf"}, "rationale_required"),
])
def test_departures_need_a_rationale_and_bad_covers_are_refused(api, decision, code):
    review = api.c.post("/v1/reviews", json=susr_referral(), headers=api.h()).json()
    r = api.c.post(f"/v1/reviews/{review['id']}/decision", headers=api.h(),
                   json={"decided_on": days_ago(200), **decision})
    assert problem(r, 422)["code"] == code
    assert api.get(review["id"])["status"] == "referred"
    if code == "rationale_required":
        ok = api.c.post(f"/v1/reviews/{review['id']}/decision", headers=api.h(),
                        json={"decided_on": days_ago(200), "rationale": "The board's reasoned departure.", **decision})
        assert ok.status_code == 201 and ok.json()["decision"]["departs_from_criteria"] is True


def test_review_types_list_keeps_the_cpr_outcomes_and_all_shows_the_susr_types(api):
    default = {t["code"] for t in api.c.get("/v1/review-types", headers=api.h()).json()}
    assert default == {"concise_cpr", "extended_cpr", "mapf"}
    every = {t["code"]: t for t in api.c.get("/v1/review-types?all=true", headers=api.h()).json()}
    assert set(every) == default | {"apr", "dhr", "mhhr", "owhr"}
    assert every["dhr"]["name_cy"] == "Adolygiad Dynladdiad Domestig" and every["dhr"]["standalone"] is False
    assert every["concise_cpr"]["family"] == "cpr" and every["mapf"]["family"] is None


def test_approved_list_is_welsh_governments_to_write_and_holds_work_details_only(api):
    person = reviewer(api)
    assert person["active"] and person["review_types"] == ["cpr", "dhr"]
    # a board reads it, but cannot add to it or change it
    assert api.c.get("/v1/approved-reviewers?review_type=dhr", headers=api.h()).json()["items"][0]["id"] == person["id"]
    assert api.c.get("/v1/approved-reviewers?review_type=apr", headers=api.h()).json()["items"] == []
    assert problem(api.c.post("/v1/approved-reviewers", headers=api.h(), json={
        "display_name": "X", "organisation": "Y", "work_email": "x@y.example.wales", "roles": ["chair"],
        "review_types": ["cpr"]}), 403)
    assert problem(api.c.patch(f"/v1/approved-reviewers/{person['id']}", headers=api.h(), json={"active": False}), 403)
    # a personal address is refused; so is a second entry with the same address; a home address is an unknown field
    p = problem(api.c.post("/v1/approved-reviewers", headers=api.keys.wg, json={
        "display_name": "X", "organisation": "Y", "work_email": "someone@gmail.com", "roles": ["chair"],
        "review_types": ["cpr"]}), 422)
    assert p["code"] == "personal_email" and p["errors"][0]["field"] == "work_email"
    reviewer(api, expect=409)
    problem(api.c.post("/v1/approved-reviewers", headers=api.keys.wg, json={
        "display_name": "X", "organisation": "Y", "work_email": "x@y.example.wales", "roles": ["chair"],
        "review_types": ["cpr"], "home_address": "1 Stryd Fawr"}), 422)


def test_appointments_only_from_the_approved_list_for_every_covered_type(api):
    review = api.c.post("/v1/reviews", json=susr_referral(), headers=api.h()).json()
    rid = review["id"]

    def appoint(person_id, role, expect):
        r = api.c.post(f"/v1/reviews/{rid}/appointments", headers=api.h(),
                       json={"approved_reviewer_id": person_id, "role": role, "appointed_on": days_ago(190)})
        assert r.status_code == expect, r.text
        return r.json()

    chair = reviewer(api, "chair@reviews.example.wales", types=("cpr", "dhr"), roles=("chair",))
    cpr_only = reviewer(api, "cpr.only@reviews.example.wales", types=("cpr",))
    assert appoint(chair["id"], "chair", 409)["code"] == "not_a_review"  # not decided yet
    api.c.post(f"/v1/reviews/{rid}/decision", headers=api.h(),
               json={"outcome": "susr", "covers": ["concise_cpr", "dhr"], "decided_on": days_ago(200)})
    assert appoint("no-such-person", "chair", 422)["code"] == "not_on_approved_list"
    assert appoint(cpr_only["id"], "reviewer", 422)["code"] == "not_approved_for_type"
    assert appoint(chair["id"], "reviewer", 422)["code"] == "not_approved_for_role"
    made = appoint(chair["id"], "chair", 201)
    assert made["approved_reviewer"]["work_email"] == "chair@reviews.example.wales"
    second_chair = reviewer(api, "chair2@reviews.example.wales", types=("cpr", "dhr"))
    assert appoint(second_chair["id"], "chair", 409)["code"] == "chair_already_appointed"
    assert appoint(second_chair["id"], "reviewer", 201)["role"] == "reviewer"
    # taken off the list: no new appointments
    api.c.patch(f"/v1/approved-reviewers/{cpr_only['id']}", headers=api.keys.wg,
                json={"active": False, "review_types": ["cpr", "dhr"]})
    assert appoint(cpr_only["id"], "reviewer", 422)["code"] == "not_on_approved_list"
    events = api.events("review.appointment_made.v1")
    assert [(e["data"]["role"], e["data"]["work_email"]) for e in events] == [
        ("chair", "chair@reviews.example.wales"), ("reviewer", "chair2@reviews.example.wales")]
    listed = api.c.get(f"/v1/reviews/{rid}/appointments", headers=api.keys.wg).json()["items"]
    assert [a["role"] for a in listed] == ["chair", "reviewer"]
    # another board is told the review does not exist
    assert api.c.get(f"/v1/reviews/{rid}/appointments", headers=api.h("north-wales")).status_code == 404


def test_monitoring_by_review_type_counts_susrs_covering_more_than_one_type(api):
    one = api.c.post("/v1/reviews", json=susr_referral("GW-A"), headers=api.h()).json()
    api.c.post(f"/v1/reviews/{one['id']}/decision", headers=api.h(),
               json={"outcome": "susr", "covers": ["concise_cpr", "dhr"], "decided_on": days_ago(200)})
    api.started("GW-B")  # a CPR decided the old way
    single = api.notify("GW-C")
    api.c.post(f"/v1/reviews/{single['id']}/decision", headers=api.h(),
               json={"outcome": "susr", "covers": ["concise_cpr"], "decided_on": days_ago(100)})
    api.started("NW-A", board="north-wales", outcome="mapf")
    before = api.c.get("/v1/monitoring", headers=api.keys.wg).json()["national"]["notifications"]
    assert {(n["type"], n["count"]) for n in before} >= {("susr", 2), ("concise_cpr", 1), ("mapf", 1)}

    body = api.c.get("/v1/monitoring/review-types", headers=api.keys.wg).json()
    national = body["national"]
    assert national["susr"] == {"susrs": 2, "covering_more_than_one_type": 1, "share_covering_more_than_one_type": 0.5,
                                "types_covered": 3}
    by_type = {t["type"]: t for t in national["by_type"]}
    assert (by_type["concise_cpr"]["reviews"], by_type["concise_cpr"]["in_susr"]) == (3, 2)
    assert (by_type["dhr"]["reviews"], by_type["dhr"]["in_susr"]) == (1, 1)
    assert by_type["mapf"]["reviews"] == 1
    # a board sees its own only; another board's figures are 403
    own = api.c.get("/v1/monitoring/review-types", headers=api.h("north-wales")).json()
    assert own["national"] is None and own["boards"][0]["susr"]["susrs"] == 0
    assert api.c.get("/v1/monitoring/review-types?board=gwent", headers=api.h("north-wales")).status_code == 403
