"""`where_given`: a list's optional filters apply only when given."""
from __future__ import annotations

from sqlmodel import select

from services.scheduler.meetings.models import Meeting
from shared.http.pagination import where_given


def _where(query) -> str:
    return str(query.compile(compile_kwargs={"literal_binds": True})).partition("WHERE")[2].strip()


def test_only_the_given_filters_apply():
    query = where_given(select(Meeting), (Meeting.review_id, "r1"), (Meeting.status, None), (Meeting.kind, ""))
    assert _where(query) == "meetings.review_id = 'r1'"


def test_nothing_given_is_the_query_unchanged():
    assert _where(where_given(select(Meeting), (Meeting.status, None))) == ""


def test_false_is_a_value():
    from services.scheduler.meetings.models import MeetingInvitee

    assert _where(where_given(select(MeetingInvitee), (MeetingInvitee.required, False))) == \
        "meeting_participants.required = false"
