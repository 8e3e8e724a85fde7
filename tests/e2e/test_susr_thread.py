"""A domestic homicide of a child's parent, from referral through one Single Unified
Safeguarding Review to publication, with the chair and reviewer appointed from Welsh
Government's approved list: every service a real process, over HTTP and RabbitMQ only."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.support import wait_until

pytestmark = pytest.mark.e2e

TODAY = datetime.now(ZoneInfo("Europe/London")).date()


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def test_domestic_homicide_of_a_childs_parent_is_one_susr_from_referral_to_publication(stack, keys):
    api, sched, diss = (stack.url(s) for s in ("notification_api", "scheduler", "dissemination"))
    board = keys.board("gwent")

    def ok(method, url, expect=201, **kw):
        r = httpx.request(method, url, timeout=10, **kw)
        assert r.status_code == expect, f"{method} {url}: {r.status_code} {r.text}"
        return r.json()

    # Welsh Government keeps the approved list.
    people = [ok("POST", f"{api}/v1/approved-reviewers", headers=keys.wg, json={
        "display_name": name, "organisation": "Safeguarding Reviews Cymru", "work_email": email,
        "roles": roles, "review_types": ["cpr", "dhr"]})
        for name, email, roles in (("Eleri Price", "eleri.price@reviews.example.wales", ["chair"]),
                                   ("Owain Hughes", "owain.hughes@reviews.example.wales", ["reviewer"]))]

    # The referral: the father killed the mother (34) and injured their child (3).
    review = ok("POST", f"{api}/v1/reviews", headers=board, json={
        "board_reference": "GW-SUSR-0001", "referral_date": ago(200),
        "trigger": {"kind": "life_threatening_injury", "date": ago(205)}, "abuse_or_neglect": "known",
        "child": {"age_years": 3, "on_child_protection_register_in_prior_6_months": False,
                  "looked_after_in_prior_6_months": False},
        "homicide": {"victim_age_years": 34, "suspect_relationship": "intimate_partner",
                     "suspect_mental_health_contact": False, "offensive_weapon": False},
        "agencies_involved": ["childrens_services", "police", "health_board"]})
    rid = review["id"]
    assert review["susr_assessment"]["susr_indicated"]
    assert review["susr_assessment"]["indicated_types"] == ["concise_cpr", "dhr"]

    # One SUSR covering both (no departure, so no rationale).
    decided = ok("POST", f"{api}/v1/reviews/{rid}/decision", headers=board,
                 json={"outcome": "susr", "covers": ["concise_cpr", "dhr"], "decided_on": ago(190)})
    assert decided["covered_types"] == ["concise_cpr", "dhr"] and not decided["departs_from_criteria"]

    # Chair and reviewer from the approved list; someone not on it is refused.
    for person, role in zip(people, ("chair", "reviewer")):
        ok("POST", f"{api}/v1/reviews/{rid}/appointments", headers=board,
           json={"approved_reviewer_id": person["id"], "role": role, "appointed_on": ago(185)})
    ok("POST", f"{api}/v1/reviews/{rid}/appointments", expect=422, headers=board,
       json={"approved_reviewer_id": "not-on-the-list", "role": "reviewer", "appointed_on": ago(185)})

    # The scheduler plans the SUSR and can invite the appointees.
    wait_until(lambda: httpx.get(f"{sched}/v1/reviews/{rid}/plan", headers=board, timeout=10).status_code == 200,
               what="the SUSR's plan in the scheduler")
    def appointees():
        r = httpx.get(f"{sched}/v1/participants", headers=board, timeout=10)
        emails = {p["email"] for p in r.json()["items"]}
        return {"eleri.price@reviews.example.wales", "owain.hughes@reviews.example.wales"} <= emails
    wait_until(appointees, what="the appointees as the board's participants")

    # Welsh Government is notified that a SUSR takes place, covering two types.
    def susr_entry():
        r = httpx.get(f"{diss}/v1/feed", headers=keys.wg, timeout=10)
        return [i for i in r.json()["items"] if i["_cpr"]["review_id"] == rid
                and i["_cpr"].get("entry_type") == "susr_recorded"]
    [entry] = wait_until(susr_entry, what="the SUSR in the national feed")
    assert entry["_cpr"]["data"]["type_count"] == 2

    # Report, approval, publication (the dissemination service tells the notification API).
    for milestone, days in (("learning_event_held", 120), ("report_drafted", 60), ("report_approved", 30)):
        ok("POST", f"{api}/v1/reviews/{rid}/milestones", headers=board, json={"milestone": milestone,
                                                                              "date": ago(days)})
    ok("POST", f"{diss}/v1/publications", headers=board, json={
        "review_id": rid, "status": "published",
        "title": {"en": "Learning from a domestic homicide", "cy": "Dysgu o ddynladdiad domestig"},
        "summary": {"en": "Agencies did not share what they knew of the risk in time.",
                    "cy": "Ni rannodd asiantaethau yr hyn a wyddent am y risg mewn pryd."},
        "themes": ["domestic_abuse"]})
    wait_until(lambda: ok("GET", f"{api}/v1/reviews/{rid}", expect=200, headers=board)["status"] == "published",
               what="the review marked published")

    figures = ok("GET", f"{api}/v1/monitoring/review-types", expect=200, headers=keys.wg)["national"]
    assert figures["susr"]["susrs"] == 1 and figures["susr"]["covering_more_than_one_type"] == 1
