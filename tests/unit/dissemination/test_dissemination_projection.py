"""Which events become national-feed entries, with which fields; who receives which entry."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.dissemination.feed.projection import ENTRY_TYPES, FEED_EVENT_TYPES, normalise_entry_type, project
from services.dissemination.feed.render import ENTRY_PHRASES, check_structured_data
from services.dissemination.subscriptions.matching import Filter, matches


def test_only_whitelisted_fields_are_copied_and_prose_is_dropped():
    p = project("review.referred.v1", {"review_id": "r1", "board_code": "gwent", "referral_date": "2026-01-02",
                                       "status": "referred", "trigger_kind": "the child died at home after a fall"})
    assert p.entry_type == "review_referred" and p.board_code == "gwent" and p.review_id == "r1"
    assert p.data == {"referral_date": "2026-01-02", "status": "referred"} and p.dropped == ("trigger_kind",)


def test_decisions_carry_the_review_type_and_meetings_split_by_kind():
    p = project("review.decision_recorded.v1", {"review_id": "r", "board_code": "b", "outcome": "concise_cpr",
                                                "review_type": "concise_cpr", "decided_on": "2026-01-01", "departs_from_criteria": False,
                                                "status": "in_progress"})
    assert p.data["review_type"] == "concise_cpr"
    none = project("review.decision_recorded.v1", {"review_id": "r", "board_code": "b", "outcome": "no_review",
                                                   "decided_on": "2026-01-01", "departs_from_criteria": True,
                                                   "status": "closed"})
    assert "review_type" not in none.data
    base = {"meeting_id": "m", "review_id": "r", "board_code": "b", "start": "2026-01-01T09:00:00+00:00",
            "end": "2026-01-01T10:00:00+00:00", "required_count": 3, "optional_count": 1, "sequence": 0}
    assert project("meeting.booked.v1", {**base, "kind": "panel_meeting"}).entry_type == "panel_meeting_booked"
    assert project("meeting.booked.v1", {**base, "kind": "cprg_meeting"}) is None
    assert project("meeting.cancelled.v1", base) is None


def test_every_entry_type_has_a_title_phrase_or_reads_as_itself():
    for entry_type in ENTRY_TYPES:
        assert entry_type in ENTRY_PHRASES or entry_type.startswith("panel_meeting")
    assert all(t.endswith(".v1") for t in FEED_EVENT_TYPES)
    assert normalise_entry_type(" publication.published ") == "publication_published"


@given(st.dictionaries(st.sampled_from(["status", "trigger_kind", "indicated_type", "referral_date", "extra"]),
                       st.one_of(st.text(max_size=80), st.integers(), st.booleans(), st.none())))
def test_whatever_a_producer_sends_the_entry_is_structured_data(extra):
    p = project("review.referred.v1", {"review_id": "r", "board_code": "b", **extra})
    check_structured_data(p.data)  # never raises
    assert "extra" not in p.data


def test_a_board_subscription_never_sees_another_boards_case_progress():
    board = Filter(welsh_government=False, board_code="gwent")
    wg = Filter(welsh_government=True, board_code=None)
    assert not matches(board, "review_referred", "north-wales") and matches(wg, "review_referred", "north-wales")
    assert matches(board, "review_referred", "gwent") and matches(board, "publication_published", "north-wales")
    themed = Filter(welsh_government=True, board_code=None, themes=frozenset({"neglect"}))
    assert matches(themed, "publication_published", "b", ["neglect", "recording"])
    assert not matches(themed, "publication_published", "b", ["recording"])
    assert not matches(themed, "review_overdue", "b")
    typed = Filter(welsh_government=True, board_code=None, event_types=frozenset({"review_overdue"}),
                   boards=frozenset({"gwent"}))
    assert matches(typed, "review_overdue", "gwent") and not matches(typed, "review_overdue", "north-wales")
    assert not matches(typed, "review_closed", "gwent")


def test_every_entry_type_has_a_title_phrase_so_no_title_shows_a_code():
    from services.dissemination.feed.projection import ENTRY_TYPES
    from services.dissemination.feed.render import describe

    for entry_type in ENTRY_TYPES:
        title = describe(entry_type, "Gwent", {})
        assert entry_type not in title and "_" not in title, title
    assert describe("panel_meeting_booked", "Gwent", {}) == "Gwent: review panel meeting booked"
