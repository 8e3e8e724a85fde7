"""The event catalogue: every type is versioned, documented, free of free text, and the
AsyncAPI document in docs/ is what the code generates."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.events import EVENT_TYPES, Envelope, payload_schema
from shared.events.asyncapi import PRODUCERS, build

ROOT = Path(__file__).resolve().parents[2]


def test_docs_asyncapi_matches_the_code():
    from services.registry import specs

    committed = json.loads((ROOT / "docs" / "asyncapi.json").read_text())
    assert committed == build(specs()), "docs/asyncapi.json is stale: run `cpr asyncapi > docs/asyncapi.json`"


@pytest.mark.parametrize("name", sorted(EVENT_TYPES))
def test_every_event_type_is_versioned_with_a_producer_and_a_closed_schema(name):
    model = EVENT_TYPES[name]
    assert name.rsplit(".", 1)[-1].startswith("v")
    assert model.__module__ in PRODUCERS
    schema = payload_schema(name)
    assert schema.get("additionalProperties") is False, f"{name} must forbid unknown fields"
    # Payloads are ids, codes, dates and counts: no field that invites prose.
    for field in schema["properties"]:
        assert not any(word in field for word in ("note", "summary", "rationale", "text", "description", "name")), field


def test_every_consumed_type_is_in_the_catalogue():
    from services.registry import specs

    for spec in specs().values():
        for event_type in spec.handlers:
            assert event_type in EVENT_TYPES, f"{spec.name} handles unknown {event_type}"


def test_envelope_round_trips_as_cloudevents_json():
    from datetime import date

    from shared.events import make_envelope
    from shared.events.reviews import ReviewReferredV1

    env = make_envelope(source="/cpr/notification_api", subject="r1",
                        data=ReviewReferredV1(review_id="r1", board_code="gwent", referral_date=date(2026, 1, 2),
                                              status="referred"))
    doc = json.loads(env.to_json())
    assert doc["specversion"] == "1.0" and doc["type"] == "review.referred.v1" and doc["data"]["referral_date"] == "2026-01-02"
    assert Envelope.from_json(env.to_json()) == env


def test_the_event_type_and_source_come_from_the_payload_class():
    """One statement of an event's type (its `@event_type`) and of who publishes it: the
    envelope derives both, so a caller cannot pass a type that disagrees with the payload."""
    from datetime import date

    from shared.events import make_envelope
    from shared.events.meetings import MeetingCancelledV1
    from shared.events.reviews import ReviewReferredV1

    env = make_envelope(ReviewReferredV1(review_id="r1", board_code="gwent", referral_date=date(2026, 1, 2),
                                         status="referred"), subject="r1")
    assert env.type == "review.referred.v1" and env.source == "/cpr/notification_api"
    env = make_envelope(MeetingCancelledV1(meeting_id="m", review_id="r", board_code="gwent", kind="other",
                                           sequence=1))
    assert env.type == "meeting.cancelled.v1" and env.source == "/cpr/scheduler"


def test_a_payload_that_is_not_an_event_is_refused_with_its_name():
    import pytest
    from pydantic import BaseModel

    from shared.events import make_envelope

    class NotAnEvent(BaseModel):
        x: int = 1

    with pytest.raises(TypeError, match="NotAnEvent is not a registered event payload"):
        make_envelope(NotAnEvent())
