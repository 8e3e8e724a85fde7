"""Which events become national-feed entries, and which of their fields they keep.

Pure rules (no I/O). Only the whitelisted, structured fields of each event are copied: codes,
ids, dates, counts and flags. A value that does not pass `render.check_structured_data` is
dropped rather than stored, so a producer that one day puts prose in a code field cannot leak
it into the feed. Entry types are the feed's own vocabulary (snake_case), used by the feed's
`entry_type` filter and by subscriptions' `event_types`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from services.dissemination.feed.render import ENTRY_PHRASES, check_structured_data

ENTRY_TYPES: tuple[str, ...] = tuple(ENTRY_PHRASES)  # each entry type with its title phrase
PUBLIC_ENTRY_TYPES = ("publication_published", "publication_withdrawn")
"""Entry types about public learning: any subscriber may receive them, for any board."""

# event type -> (entry type, {target key: source key}); meetings are split by kind below.
_RULES: dict[str, tuple[str, dict[str, str]]] = {
    "review.referred.v1": ("review_referred", {
        "referral_date": "referral_date", "status": "status", "trigger_kind": "trigger_kind",
        "criteria_met": "criteria_met", "indicated_type": "indicated_type"}),
    "review.decision_recorded.v1": ("review_decision_recorded", {
        "outcome": "outcome", "decided_on": "decided_on", "departs_from_criteria": "departs_from_criteria",
        "status": "status", "target_completion_date": "target_completion_date",
        "indicated_type": "indicated_type", "review_type": "review_type"}),
    "review.susr_recorded.v1": ("susr_recorded", {
        "decided_on": "decided_on", "covered_types": "covered_types", "review_type": "review_type",
        "target_completion_date": "target_completion_date", "departs_from_criteria": "departs_from_criteria"}),
    "review.milestone_recorded.v1": ("review_milestone_recorded", {
        "milestone": "milestone", "on": "on", "status": "status", "review_type": "review_type"}),
    "review.proceedings_changed.v1": ("review_proceedings_changed", {
        "proceeding_id": "proceeding_id", "proceedings_kind": "kind", "proceedings_status": "change",
        "started_on": "started_on", "ended_on": "ended_on"}),
    "review.overdue.v1": ("review_overdue", {
        "review_type": "review_type", "target_completion_date": "target_completion_date",
        "detected_on": "detected_on"}),
    "review.closed.v1": ("review_closed", {"closed_on": "closed_on", "outcome": "outcome"}),
    "meeting.booked.v1": ("{kind}_booked", {
        "meeting_id": "meeting_id", "start": "start", "end": "end", "required_count": "required_count",
        "optional_count": "optional_count", "sequence": "sequence"}),
    "meeting.rescheduled.v1": ("{kind}_rescheduled", {
        "meeting_id": "meeting_id", "start": "start", "end": "end", "previous_start": "previous_start",
        "sequence": "sequence"}),
    "meeting.cancelled.v1": ("{kind}_cancelled", {"meeting_id": "meeting_id", "sequence": "sequence"}),
    "meeting.at_risk.v1": ("{kind}_at_risk", {
        "meeting_id": "meeting_id", "start": "start", "declined_required_count": "declined_required_count"}),
    "meeting.held.v1": ("{kind}_held", {
        "meeting_id": "meeting_id", "held_on": "held_on", "invited_count": "invited_count",
        "attended_count": "attended_count", "required_count": "required_count",
        "required_attended_count": "required_attended_count"}),
    "publication.published.v1": ("publication_published", {
        "publication_id": "publication_id", "published_on": "published_on", "themes": "themes",
        "review_type": "review_type"}),
    "publication.withdrawn.v1": ("publication_withdrawn", {
        "publication_id": "publication_id", "withdrawn_on": "withdrawn_on", "reason": "reason"}),
}
FEED_EVENT_TYPES: tuple[str, ...] = tuple(_RULES)
MEETING_KINDS_IN_FEED = ("learning_event", "panel_meeting")


@dataclass(frozen=True)
class Projected:
    entry_type: str
    board_code: str
    review_id: str | None
    data: dict[str, Any]
    dropped: tuple[str, ...] = ()
    themes: tuple[str, ...] = field(default=())


def _safe(key: str, value: Any) -> bool:
    try:
        check_structured_data({key: value})
        return True
    except ValueError:
        return False


def project(event_type: str, payload: Mapping[str, Any]) -> Projected | None:
    """The feed entry an event makes, or None if it makes none (e.g. a CPR Group meeting)."""
    rule = _RULES.get(event_type)
    if rule is None:
        return None
    entry_type, fields = rule
    if "{kind}" in entry_type:
        kind = payload.get("kind")
        if kind not in MEETING_KINDS_IN_FEED:
            return None
        entry_type = entry_type.format(kind=kind)
    data: dict[str, Any] = {}
    dropped = []
    for target, source in fields.items():
        if source not in payload:
            continue
        value = payload[source]
        if _safe(target, value):
            data[target] = value
        else:
            dropped.append(target)
    if entry_type == "susr_recorded" and isinstance(data.get("covered_types"), list):
        # The duplication a SUSR removes: how many separate reviews it stands in for.
        data["type_count"] = len(data["covered_types"])
    themes = tuple(data.get("themes") or ()) if entry_type in PUBLIC_ENTRY_TYPES else ()
    return Projected(entry_type=entry_type, board_code=str(payload["board_code"]),
                     review_id=payload.get("review_id"), data=data, dropped=tuple(dropped), themes=themes)


def normalise_entry_type(value: str) -> str:
    """Subscribers may write "publication.published"; the feed's vocabulary is snake_case."""
    return value.strip().replace(".", "_")
