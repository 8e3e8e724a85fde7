"""Participants and their busy time: ownership, validation, and one source replaced at a time."""
from __future__ import annotations

import pytest

from tests.integration.scheduler.helpers import busy, ics, problem, vevent

pytestmark = pytest.mark.integration


def test_create_with_defaults_and_read_back(sched, keys):
    r = sched.post("/v1/participants", json={"display_name": "Ceri Jones", "email": "ceri@police.example.wales",
                                             "agency_code": "police", "role": "DI, public protection"},
                   headers=keys.board("gwent"))
    assert r.status_code == 201, r.text
    p = r.json()
    assert r.headers["location"] == f"/v1/participants/{p['id']}"
    assert p["board_code"] == "gwent" and p["time_zone"] == "Europe/London"
    assert p["working_hours"]["mon"] == [{"start": "09:00", "end": "17:00"}] and p["working_hours"]["sat"] == []
    assert p["calendar_feed"] == {"configured": False, "host": None, "status": "none", "last_attempt_at": None,
                                  "last_refreshed_at": None, "last_error": None}
    got = sched.get(f"/v1/participants/{p['id']}", headers=keys.board("gwent"))
    assert got.status_code == 200 and got.json() == p
    # Welsh Government reads every board's participants.
    assert sched.get(f"/v1/participants/{p['id']}", headers=keys.wg).status_code == 200


def test_validation_is_problem_json_naming_the_field(sched, keys):
    h = keys.board()
    base = {"display_name": "A", "email": "a@b.example", "agency_code": "health"}
    body = problem(sched.post("/v1/participants", json={**base, "time_zone": "Mars/Olympus"}, headers=h), 422)
    assert body["errors"][0]["field"] == "time_zone"
    body = problem(sched.post("/v1/participants", json={**base, "email": "not-an-email"}, headers=h), 422)
    assert body["errors"][0]["field"] == "email"
    body = problem(sched.post("/v1/participants", json={**base, "nhs_number": "x"}, headers=h), 422)
    assert body["errors"][0]["code"] == "extra_forbidden"
    bad_hours = {"mon": [{"start": "17:00", "end": "09:00"}]}
    problem(sched.post("/v1/participants", json={**base, "working_hours": bad_hours}, headers=h), 422)


def test_idempotency_key_replays_the_creation(sched, keys):
    h = {**keys.board(), "Idempotency-Key": "p-1"}
    body = {"display_name": "A", "email": "a@b.example", "agency_code": "health"}
    a, b = sched.post("/v1/participants", json=body, headers=h), sched.post("/v1/participants", json=body, headers=h)
    assert a.status_code == b.status_code == 201 and a.json() == b.json()
    assert b.headers.get("idempotent-replayed") == "true"
    problem(sched.post("/v1/participants", json={**body, "display_name": "B"}, headers=h), 409)
    assert len(sched.get("/v1/participants", headers=keys.board()).json()["items"]) == 1


def test_another_boards_participant_is_404_on_every_endpoint(sched, keys, make_participant):
    pid = make_participant(board="gwent")
    other = keys.board("north-wales")
    problem(sched.get(f"/v1/participants/{pid}", headers=other), 404)
    problem(sched.patch(f"/v1/participants/{pid}", json={"role": "x"}, headers=other), 404)
    problem(sched.put(f"/v1/participants/{pid}/busy", json={"intervals": []}, headers=other), 404)
    problem(sched.get(f"/v1/participants/{pid}/busy", headers=other), 404)
    problem(sched.put(f"/v1/participants/{pid}/calendar", content=ics(), headers={**other, "content-type": "text/calendar"}), 404)
    problem(sched.delete(f"/v1/participants/{pid}/calendar", headers=other), 404)
    assert sched.get("/v1/participants", headers=other).json()["items"] == []
    assert [p["id"] for p in sched.get("/v1/participants", headers=keys.wg).json()["items"]] == [pid]


def test_welsh_government_cannot_write_a_boards_participants(sched, keys, make_participant):
    pid = make_participant()
    body = problem(sched.post("/v1/participants", json={"display_name": "A", "email": "a@b.example",
                                                        "agency_code": "health"}, headers=keys.wg), 403)
    assert "Welsh Government" in body["detail"]
    problem(sched.patch(f"/v1/participants/{pid}", json={"role": "x"}, headers=keys.wg), 403)
    problem(sched.put(f"/v1/participants/{pid}/busy", json={"intervals": []}, headers=keys.wg), 403)


def test_list_is_paginated_and_filtered(sched, keys, make_participant):
    ids = [make_participant(f"Person {i}") for i in range(5)]
    make_participant("Officer", agency_code="police")
    seen, cursor = [], None
    while True:
        page = sched.get("/v1/participants", params={"limit": 2, **({"cursor": cursor} if cursor else {}),
                                                     "agency_code": "health"}, headers=keys.board()).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ids


def test_patch_changes_hours_and_zone(sched, keys, make_participant):
    pid = make_participant()
    r = sched.patch(f"/v1/participants/{pid}", json={"time_zone": "Europe/Dublin",
                                                     "working_hours": {"tue": [{"start": "08:00", "end": "12:00"}]}},
                    headers=keys.board())
    assert r.status_code == 200, r.text
    assert r.json()["time_zone"] == "Europe/Dublin"
    assert r.json()["working_hours"]["mon"] == [] and r.json()["working_hours"]["tue"] == [{"start": "08:00", "end": "12:00"}]


def test_each_source_is_replaced_on_its_own(sched, keys, make_participant):
    pid = make_participant()
    h = keys.board()
    busy(sched, keys, pid, ("2027-02-01T10:00:00Z", "2027-02-01T11:00:00Z", "busy"),
         ("2027-02-02T10:00:00Z", "2027-02-02T11:00:00Z", "tentative"))
    cal = ics(vevent("a", "DTSTART:20270203T100000Z", "DTEND:20270203T110000Z"))
    r = sched.put(f"/v1/participants/{pid}/calendar", content=cal, headers={**h, "content-type": "text/calendar"})
    assert r.status_code == 200 and r.json()["stored"] == 1 and r.json()["source"] == "calendar_upload"
    # Replacing the hand-entered time leaves the uploaded diary alone, and the other way round.
    busy(sched, keys, pid, ("2027-02-04T10:00:00Z", "2027-02-04T11:00:00Z", "out_of_office"))
    rows = sched.get(f"/v1/participants/{pid}/busy", headers=h).json()
    assert [(b["source"], b["kind"], b["start"]) for b in rows] == [
        ("calendar_upload", "busy", "2027-02-03T10:00:00Z"), ("manual", "out_of_office", "2027-02-04T10:00:00Z")]
    cal2 = ics(vevent("b", "DTSTART:20270205T100000Z", "DTEND:20270205T110000Z"))
    sched.put(f"/v1/participants/{pid}/calendar", content=cal2, headers={**h, "content-type": "text/calendar"})
    rows = sched.get(f"/v1/participants/{pid}/busy", headers=h).json()
    assert [b["start"][:10] for b in rows] == ["2027-02-04", "2027-02-05"]
    assert sched.get(f"/v1/participants/{pid}", headers=h).json()["busy_intervals"] == {
        "manual": 1, "calendar_upload": 1, "calendar_url": 0}
    assert sched.delete(f"/v1/participants/{pid}/calendar", headers=h).status_code == 204
    assert [b["source"] for b in sched.get(f"/v1/participants/{pid}/busy", headers=h).json()] == ["manual"]


def test_busy_intervals_must_be_well_formed(sched, keys, make_participant):
    pid = make_participant()
    h = keys.board()
    problem(sched.put(f"/v1/participants/{pid}/busy", json={"intervals": [
        {"start": "2027-02-01T11:00:00Z", "end": "2027-02-01T10:00:00Z"}]}, headers=h), 422)
    problem(sched.put(f"/v1/participants/{pid}/busy", json={"intervals": [
        {"start": "2027-02-01T10:00:00", "end": "2027-02-01T11:00:00"}]}, headers=h), 422)  # no offset
    problem(sched.put(f"/v1/participants/{pid}/busy", json={"intervals": [
        {"start": "2027-02-01T10:00:00Z", "end": "2027-02-01T11:00:00Z", "kind": "lunch"}]}, headers=h), 422)


def test_calendar_upload_needs_text_calendar_and_a_readable_file(sched, keys, make_participant):
    pid = make_participant()
    h = keys.board()
    body = problem(sched.put(f"/v1/participants/{pid}/calendar", json={"ics": "x"}, headers=h), 415)
    assert "text/calendar" in body["detail"]
    body = problem(sched.put(f"/v1/participants/{pid}/calendar", content="hello, not a calendar",
                             headers={**h, "content-type": "text/calendar"}), 422)
    assert "could not be read" in body["detail"]
    broken = ics(vevent("x", "DTSTART:2027-02-01 nonsense", "DTEND:20270201T110000Z"))
    problem(sched.put(f"/v1/participants/{pid}/calendar", content=broken,
                      headers={**h, "content-type": "text/calendar; charset=utf-8"}), 422)


@pytest.mark.parametrize("rule", ["FREQ=MINUTELY", "FREQ=SECONDLY", "FREQ=HOURLY;INTERVAL=1"],
                         ids=["minutely", "secondly", "hourly-since-1970"])
def test_a_runaway_diary_upload_is_refused_and_changes_nothing(rule, sched, keys, make_participant):
    """Issue 17: a 180-byte diary pinned a core for minutes; now refused at its budget with
    the unreadable-calendar problem, and the earlier upload stays."""
    pid = make_participant()
    h = {**keys.board(), "content-type": "text/calendar"}
    assert sched.put(f"/v1/participants/{pid}/calendar", headers=h,
                     content=ics(vevent("a", "DTSTART:20270203T100000Z", "DTEND:20270203T110000Z"))).status_code == 200
    start = "19700101T090000Z" if "HOURLY" in rule else "20270101T000000Z"
    body = problem(sched.put(f"/v1/participants/{pid}/calendar", headers=h,
                             content=ics(vevent("r", f"DTSTART:{start}", "DURATION:PT1M", f"RRULE:{rule}"))), 422)
    assert body["type"].endswith("/calendar-unreadable")
    assert sched.get(f"/v1/participants/{pid}", headers=keys.board()).json()["busy_intervals"]["calendar_upload"] == 1


def test_a_never_matching_rule_is_cheap_and_accepted(sched, keys, make_participant):
    pid = make_participant()
    h = {**keys.board(), "content-type": "text/calendar"}
    r = sched.put(f"/v1/participants/{pid}/calendar", headers=h, content=ics(
        vevent("n", "DTSTART:20270105T090000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30")))
    assert r.status_code == 200 and r.json()["stored"] == 1
