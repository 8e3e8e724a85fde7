"""The national feed: a projection of other services' events, for Welsh Government only, read
to the end by real feed readers, with conditional GETs."""
from __future__ import annotations

import time
import uuid
from datetime import date, datetime, timedelta, UTC

import feedparser
import pytest

from tests.support import wait_until

pytestmark = pytest.mark.integration


def _feed(c, keys, **params):
    return c.get("/v1/feed", params=params, headers=keys.wg)


def _count(c, keys, **params) -> int:
    r = c.get("/v1/feed", params={"limit": 200, **params}, headers=keys.wg)
    return len(r.json()["items"])


def _referrals(emit, n, board="gwent"):
    ids = []
    for i in range(n):
        rid = str(uuid.uuid4())
        emit("review.referred.v1", review_id=rid, board_code=board, referral_date=date(2026, 1, 1) + timedelta(days=i),
             status="referred", trigger_kind="death", criteria_met=True, indicated_type="concise_cpr")
        ids.append(rid)
    return ids


def test_events_become_entries_with_structured_fields_only_once_per_event(clients, keys, emit, workers):
    c = clients["dissemination"]
    rid = str(uuid.uuid4())
    referred = emit("review.referred.v1", review_id=rid, board_code="gwent", referral_date=date(2026, 3, 2),
                    status="referred", trigger_kind="death", criteria_met=True, indicated_type="concise_cpr")
    emit("review.decision_recorded.v1", review_id=rid, board_code="gwent", outcome="extended_cpr",
         review_type="extended_cpr", decided_on=date(2026, 3, 9), departs_from_criteria=False, status="in_progress",
         target_completion_date=date(2026, 9, 9))
    emit("review.proceedings_changed.v1", review_id=rid, board_code="gwent", proceeding_id="p1",
         kind="coroner_inquest", change="started", started_on=date(2026, 4, 1))
    emit("meeting.booked.v1", meeting_id="m1", review_id=rid, board_code="gwent", kind="learning_event",
         start=datetime(2026, 5, 5, 9, tzinfo=UTC), end=datetime(2026, 5, 5, 12, tzinfo=UTC),
         required_count=6, optional_count=2, sequence=0)
    emit("meeting.booked.v1", meeting_id="m2", review_id=rid, board_code="gwent", kind="cprg_meeting",
         start=datetime(2026, 5, 6, 9, tzinfo=UTC), end=datetime(2026, 5, 6, 10, tzinfo=UTC),
         required_count=3, optional_count=0, sequence=0)  # not a feed entry
    emit("meeting.held.v1", meeting_id="m1", review_id=rid, board_code="gwent", kind="learning_event",
         held_on=date(2026, 5, 5), invited_count=8, attended_count=7, required_count=6, required_attended_count=6)
    emit("review.overdue.v1", review_id=rid, board_code="gwent", review_type="extended_cpr",
         target_completion_date=date(2026, 9, 9), detected_on=date(2026, 9, 10))
    emit("review.closed.v1", review_id=rid, board_code="gwent", closed_on=date(2026, 12, 1), outcome="extended_cpr")
    # The same event again (a producer's relay republished it): still one entry.
    emit("review.referred.v1", event_id=referred.id, review_id=rid, board_code="gwent",
         referral_date=date(2026, 3, 2), status="referred")

    wait_until(lambda: _count(c, keys) >= 7, what="seven feed entries")
    time.sleep(0.5)
    items = _feed(c, keys).json()["items"]
    types = [i["_cpr"]["entry_type"] for i in items]
    assert types == ["review_referred", "review_decision_recorded", "review_proceedings_changed",
                     "learning_event_booked", "learning_event_held", "review_overdue", "review_closed"]
    assert items[0]["_cpr"]["event_id"] == referred.id and items[0]["id"] == f"urn:uuid:{referred.id}"
    decision = items[1]
    assert decision["title"] == "Gwent Safeguarding Board: decision recorded (extended CPR)"
    assert decision["_cpr"]["data"]["review_type"] == "extended_cpr"
    assert items[2]["_cpr"]["data"] == {"proceeding_id": "p1", "proceedings_kind": "coroner_inquest",
                                        "proceedings_status": "started", "started_on": "2026-04-01", "ended_on": None}
    assert items[4]["_cpr"]["data"]["attended_count"] == 7
    assert all(i["_cpr"]["board_code"] == "gwent" and i["_cpr"]["review_id"] == rid for i in items)


def test_the_feed_is_for_welsh_government_keys_only(clients, keys):
    c = clients["dissemination"]
    for path in ("/v1/feed", "/v1/feed.atom"):
        assert c.get(path).status_code == 401
        r = c.get(path, headers=keys.board("gwent"))
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
        assert c.get(path, headers=keys.wg).status_code == 200


def test_readers_walk_every_page_and_see_every_entry_once_in_order(clients, keys, emit, workers):
    c = clients["dissemination"]
    review_ids = _referrals(emit, 13, "gwent") + _referrals(emit, 10, "north-wales")
    wait_until(lambda: _count(c, keys) == 23, what="23 entries")

    # JSON Feed: follow next_url to the end.
    seen, url, pages = [], "/v1/feed?limit=5", 0
    while url:
        r = c.get(url, headers=keys.wg)
        assert r.status_code == 200 and r.headers["content-type"] == "application/feed+json"
        doc = r.json()
        assert doc["version"] == "https://jsonfeed.org/version/1.1"
        seen += [i["_cpr"]["review_id"] for i in doc["items"]]
        url, pages = doc.get("next_url"), pages + 1
    assert seen == review_ids and pages == 5

    # Atom, read by feedparser, following rel="next" (RFC 5005).
    seen, url = [], "/v1/feed.atom?limit=4"
    while url:
        r = c.get(url, headers=keys.wg)
        assert r.headers["content-type"].startswith("application/atom+xml")
        parsed = feedparser.parse(r.content)
        assert not parsed.bozo, parsed.bozo_exception
        seen += [e.id for e in parsed.entries]
        url = next((l.href for l in parsed.feed.links if l.rel == "next"), None)
    json_ids = [i["id"] for i in _feed(c, keys, limit=200).json()["items"]]
    assert seen == json_ids and len(seen) == 23

    # Filters are kept on every page link.
    seen, url = [], "/v1/feed?limit=4&board=north-wales"
    while url:
        doc = c.get(url, headers=keys.wg).json()
        seen += [i["_cpr"]["review_id"] for i in doc["items"]]
        url = doc.get("next_url")
    assert seen == review_ids[13:]
    assert _count(c, keys, entry_type="review_referred") == 23
    assert _count(c, keys, entry_type="review_closed") == 0
    assert c.get("/v1/feed?entry_type=gossip", headers=keys.wg).status_code == 422


def test_conditional_gets_answer_304(clients, keys, emit, workers):
    c = clients["dissemination"]
    _referrals(emit, 3)
    wait_until(lambda: _count(c, keys) == 3, what="3 entries")
    # A complete page (a next page exists) never changes: both validators work at once.
    for path in ("/v1/feed?limit=2", "/v1/feed.atom?limit=2"):
        first = c.get(path, headers=keys.wg)
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        again = c.get(path, headers={**keys.wg, "If-None-Match": etag})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
        assert c.get(path, headers={**keys.wg, "If-Modified-Since": modified}).status_code == 304
        assert c.get(path, headers={**keys.wg, "If-None-Match": '"other"'}).status_code == 200
        older = "Mon, 01 Jan 2024 00:00:00 GMT"
        assert c.get(path, headers={**keys.wg, "If-Modified-Since": older}).status_code == 200
    # The tail page: a new entry changes its ETag, so the old one no longer matches.
    tail = c.get("/v1/feed", headers=keys.wg)
    assert c.get("/v1/feed", headers={**keys.wg, "If-None-Match": tail.headers["etag"]}).status_code == 304
    _referrals(emit, 1)
    wait_until(lambda: _count(c, keys) == 4, what="a fourth entry")
    changed = c.get("/v1/feed", headers={**keys.wg, "If-None-Match": tail.headers["etag"]})
    assert changed.status_code == 200 and len(changed.json()["items"]) == 4
    # Once it has settled (no entry in the last seconds) the tail carries Last-Modified too.
    time.sleep(2.2)
    settled = c.get("/v1/feed", headers=keys.wg)
    assert c.get("/v1/feed", headers={**keys.wg, "If-Modified-Since": settled.headers["last-modified"]}).status_code == 304


def test_the_feed_by_review_type_finds_a_susr_by_any_type_it_covers(clients, keys, emit, workers):
    """Issue 16: Welsh Government follows one kind of review whole (referral to close); a SUSR is
    found as `susr` and as each type it covers, and the filter stays on every page link."""
    c = clients["dissemination"]
    concise, susr, undecided = _referrals(emit, 3)
    emit("review.decision_recorded.v1", review_id=concise, board_code="gwent", outcome="concise_cpr",
         review_type="concise_cpr", decided_on=date(2026, 3, 9), departs_from_criteria=False, status="in_progress",
         target_completion_date=date(2026, 9, 9))
    emit("review.decision_recorded.v1", review_id=susr, board_code="gwent", outcome="susr",
         review_type="concise_cpr", decided_on=date(2026, 3, 9), departs_from_criteria=False, status="in_progress",
         target_completion_date=date(2026, 9, 9))
    emit("review.susr_recorded.v1", review_id=susr, board_code="gwent", decided_on=date(2026, 3, 9),
         covered_types=["concise_cpr", "domestic_homicide_review"], review_type="concise_cpr",
         target_completion_date=date(2026, 9, 9), departs_from_criteria=False)
    wait_until(lambda: _count(c, keys) == 6, what="six entries")

    def reviews(review_type):
        return [i["_cpr"]["review_id"] for i in _feed(c, keys, review_type=review_type, limit=200).json()["items"]]

    assert reviews("domestic_homicide_review") == [susr, susr, susr]  # referral, decision, SUSR
    assert reviews("susr") == [susr, susr, susr]
    assert reviews("concise_cpr") == [concise, susr, concise, susr, susr]
    assert reviews("extended_cpr") == []
    assert undecided not in reviews("concise_cpr")

    first = _feed(c, keys, review_type="concise_cpr", limit=2).json()
    assert "review_type=concise_cpr" in first["next_url"]
    atom = feedparser.parse(c.get("/v1/feed.atom", params={"review_type": "susr"}, headers=keys.wg).content)
    assert not atom.bozo and len(atom.entries) == 3

    bad = c.get("/v1/feed", params={"review_type": "DROP TABLE"}, headers=keys.wg)
    assert bad.status_code == 422 and "DROP" not in bad.text
