"""The review lifecycle as a pure state machine.

    referred --decide(no_review)--> closed
    referred --decide(a review type's code: concise_cpr, extended_cpr, mapf...)--> in_progress
    in_progress --milestone report_approved--> report_approved
    report_approved --milestone report_published--> published
    published (or action_plan_completed recorded; or, for a MAPF, learning_event_held)
        --close--> closed

Milestone ordering is deliberately lenient where practice varies between
boards; only orders that are impossible in any practice are refused:

* report_approved needs report_drafted on or before its date;
* report_sent_to_welsh_government and report_published need report_approved
  on or before their date (a report cannot be sent or published unapproved);
* action_plan_completed needs action_plan_agreed on or before its date.

learning_event_held does NOT require panel_convened: it is also recorded
automatically from the scheduler's ``meeting.held`` event, and boards do not
always post panel_convened first, so requiring it would dead-letter real
events. Likewise report_drafted does not need the learning event.

A missing prerequisite is 409 (it may be recorded later); a prerequisite
dated after the new milestone is 422 (the request's date is wrong).

A learning forum (a type with ``is_review`` False, such as MAPF) may be closed once
its learning event is held, since a forum often produces no published report and no
action plan.

Review types are data (``review_types.ReviewTypeSpec``, rows of the ``review_types``
table): the rules take them as a mapping and read ``is_review`` from them; the one
outcome that is code is ``NO_REVIEW``, the decision to hold none.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Literal, Mapping

from services.notification_api.rules.criteria import CriteriaAssessment
from services.notification_api.rules.errors import RuleViolation, conflict, invalid
from services.notification_api.rules.review_types import DEFAULT_REVIEW_TYPES, ReviewTypeSpec

ReviewTypes = Mapping[str, ReviewTypeSpec]

__all__ = [
    "Status",
    "NO_REVIEW",
    "Milestone",
    "MILESTONES",
    "PREREQUISITES",
    "ReviewState",
    "DecisionResult",
    "RuleViolation",
    "departs_from_criteria",
    "decide",
    "milestone_repost",
    "apply_milestone",
    "record_milestone",
    "can_close",
    "close",
]


class Status(StrEnum):
    REFERRED = "referred"
    IN_PROGRESS = "in_progress"
    REPORT_APPROVED = "report_approved"
    PUBLISHED = "published"
    CLOSED = "closed"


# The decision to hold no review: an outcome, not a review type (it has no timescale).
NO_REVIEW = "no_review"
# A Single Unified Safeguarding Review: a decision covering one or more review types (its
# timescale is theirs, the earliest governing), not a type of its own.
SUSR = "susr"


class Milestone(StrEnum):
    PANEL_CONVENED = "panel_convened"
    REVIEWERS_APPOINTED = "reviewers_appointed"
    TERMS_OF_REFERENCE_AGREED = "terms_of_reference_agreed"
    TIMELINE_COMPLETED = "timeline_completed"
    LEARNING_EVENT_HELD = "learning_event_held"
    FAMILY_INVOLVEMENT_RECORDED = "family_involvement_recorded"
    REPORT_DRAFTED = "report_drafted"
    REPORT_APPROVED = "report_approved"
    REPORT_SENT_TO_WELSH_GOVERNMENT = "report_sent_to_welsh_government"
    REPORT_PUBLISHED = "report_published"
    ACTION_PLAN_AGREED = "action_plan_agreed"
    ACTION_PLAN_COMPLETED = "action_plan_completed"


MILESTONES: tuple[Milestone, ...] = tuple(Milestone)

# milestone -> the milestone that must already be recorded, on or before it.
PREREQUISITES: Mapping[Milestone, Milestone] = MappingProxyType(
    {
        Milestone.REPORT_APPROVED: Milestone.REPORT_DRAFTED,
        Milestone.REPORT_SENT_TO_WELSH_GOVERNMENT: Milestone.REPORT_APPROVED,
        Milestone.REPORT_PUBLISHED: Milestone.REPORT_APPROVED,
        Milestone.ACTION_PLAN_COMPLETED: Milestone.ACTION_PLAN_AGREED,
    }
)

# milestones that move the status forward (never backwards).
_STATUS_AFTER: Mapping[Milestone, Status] = MappingProxyType(
    {
        Milestone.REPORT_APPROVED: Status.REPORT_APPROVED,
        Milestone.REPORT_PUBLISHED: Status.PUBLISHED,
    }
)
_RANK = {s: i for i, s in enumerate(Status)}


@dataclass(frozen=True)
class ReviewState:
    """What the rules need to know about a review: status, decision, milestones.

    ``referred_on`` (optional) lets ``decide`` refuse a decision dated before
    the referral. Strings are accepted for the enums so rows can be passed in.
    """

    status: Status = Status.REFERRED
    outcome: str | None = None
    decided_on: date | None = None
    milestones: Mapping[Milestone, date] = field(default_factory=dict)
    referred_on: date | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "status", Status(self.status))
        if self.outcome is not None:
            object.__setattr__(self, "outcome", str(self.outcome))
        frozen = {Milestone(k): v for k, v in self.milestones.items()}
        object.__setattr__(self, "milestones", MappingProxyType(frozen))


@dataclass(frozen=True)
class DecisionResult:
    """Outcome of ``decide``: the new state plus what the API must store."""

    state: ReviewState
    departs_from_criteria: bool
    rationale: str | None

    @property
    def status(self) -> Status:
        return self.state.status


def _parse(enum: type[StrEnum], value: str, code: str, what: str):
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise invalid(code, f"Unknown {what} {value!r}; expected one of: {allowed}.") from None


def _outcome(outcome: str, types: ReviewTypes) -> str:
    if outcome not in (NO_REVIEW, SUSR) and outcome not in types:
        allowed = ", ".join([*types, SUSR, NO_REVIEW])
        raise invalid("unknown_outcome", f"Unknown decision outcome {outcome!r}; expected one of: {allowed}.")
    return outcome


def departs_from_criteria(assessment: CriteriaAssessment, outcome: str,
                          types: ReviewTypes = DEFAULT_REVIEW_TYPES, covers: tuple[str, ...] | list[str] = ()) -> bool:
    """True when the decision is not what the criteria indicate.

    Criteria met: anything but the indicated review departs: a SUSR must cover exactly the
    indicated types, a single type is right only when it is the one type indicated, and a
    forum or no review departs. Criteria not met: a statutory review (``is_review``) or a
    SUSR departs; a learning forum or no review does not (MAPF is the route the guidance offers).
    """
    outcome = _outcome(outcome, types)
    indicated = set(assessment.indicated_types)
    if outcome == SUSR:
        return not assessment.criteria_met or set(covers) != indicated
    if assessment.criteria_met:
        return indicated != {outcome}
    return outcome != NO_REVIEW and types[outcome].is_review


def decide(
    state: ReviewState,
    outcome: str,
    decided_on: date,
    rationale: str | None,
    assessment: CriteriaAssessment,
    today: date,
    types: ReviewTypes = DEFAULT_REVIEW_TYPES,
    covers: tuple[str, ...] | list[str] | None = None,
) -> DecisionResult:
    """Record the Board's decision on a referral.

    Raises RuleViolation: 422 unknown_outcome, 409 decision_already_recorded,
    422 decision_in_future, 422 decision_before_referral, 422 rationale_required,
    422 covers_required (a SUSR names the types it covers), 422 covers_only_for_susr,
    422 unknown_review_type (a SUSR covers types in ``types``).
    ``no_review`` closes the review at once; a review type (a code in ``types``) or a SUSR starts it.
    """
    outcome = _outcome(outcome, types)
    if outcome == SUSR and not covers:
        raise invalid("covers_required", "A Single Unified Safeguarding Review names the review types it covers "
                                         "(`covers`).")
    if outcome != SUSR and covers:
        raise invalid("covers_only_for_susr", f"`covers` is for a SUSR; a {outcome} decision covers its own type.")
    unknown = [c for c in covers or () if c not in types]
    if unknown:
        raise invalid("unknown_review_type", f"A SUSR cannot cover {', '.join(unknown)}: not a review type.")
    if state.status is not Status.REFERRED or state.outcome is not None:
        raise conflict(
            "decision_already_recorded",
            f"A decision ({state.outcome or state.status.value}) is "
            "already recorded for this review; a decision can be recorded only once.",
        )
    if decided_on > today:
        raise invalid(
            "decision_in_future",
            f"The decision date {decided_on.isoformat()} is in the future; "
            f"it must be on or before {today.isoformat()}.",
        )
    if state.referred_on is not None and decided_on < state.referred_on:
        raise invalid(
            "decision_before_referral",
            f"The decision date {decided_on.isoformat()} is before the referral date "
            f"{state.referred_on.isoformat()}.",
        )
    departs = departs_from_criteria(assessment, outcome, types, tuple(covers or ()))
    clean = rationale.strip() if rationale and rationale.strip() else None
    if departs and clean is None:
        indicated = (
            f"the criteria indicate {' and '.join(assessment.indicated_types)}"
            if assessment.criteria_met
            else "the criteria are not met"
        )
        raise invalid(
            "rationale_required",
            f"The decision {outcome} departs from the criteria ({indicated}); "
            "a rationale explaining the departure is required.",
        )
    new_status = Status.CLOSED if outcome == NO_REVIEW else Status.IN_PROGRESS
    new_state = replace(state, status=new_status, outcome=outcome, decided_on=decided_on)
    return DecisionResult(state=new_state, departs_from_criteria=departs, rationale=clean)


def milestone_repost(
    state: ReviewState, milestone: Milestone | str, on: date
) -> Literal["new", "identical", "conflicting"]:
    """Classify a milestone post: not yet recorded, same date again, or a different date.

    The API answers an identical re-post idempotently (and consumers ignore a
    redelivered event) while a conflicting one is a 409.
    """
    milestone = _parse(Milestone, milestone, "unknown_milestone", "milestone")
    existing = state.milestones.get(milestone)
    if existing is None:
        return "new"
    return "identical" if existing == on else "conflicting"


def apply_milestone(
    state: ReviewState, milestone: Milestone | str, on: date, today: date
) -> ReviewState:
    """Validate a milestone and return the new state.

    Raises RuleViolation: 422 unknown_milestone; 409 no_decision_recorded;
    409 no_review_decision; 409 milestone_already_recorded (same date: the
    caller may treat as idempotent, see ``milestone_repost``) or 409
    milestone_conflict (different date); 409 review_closed; 422
    milestone_in_future; 422 milestone_before_decision; 409
    milestone_prerequisite_missing; 422 milestone_before_prerequisite.
    """
    milestone = _parse(Milestone, milestone, "unknown_milestone", "milestone")
    name = milestone.value
    if state.outcome is None or state.decided_on is None:
        raise conflict(
            "no_decision_recorded",
            f"Cannot record {name}: no decision recorded for this review yet.",
        )
    if state.outcome == NO_REVIEW:
        raise conflict(
            "no_review_decision",
            f"Cannot record {name}: the decision was no review, so there are no milestones.",
        )
    repost = milestone_repost(state, milestone, on)
    if repost == "identical":
        raise conflict(
            "milestone_already_recorded",
            f"{name} is already recorded on {on.isoformat()}; each milestone is recorded once.",
        )
    if repost == "conflicting":
        raise conflict(
            "milestone_conflict",
            f"{name} is already recorded on {state.milestones[milestone].isoformat()}; "
            f"it cannot be recorded again on {on.isoformat()}.",
        )
    if state.status is Status.CLOSED:
        raise conflict("review_closed", f"Cannot record {name}: the review is closed.")
    if on > today:
        raise invalid(
            "milestone_in_future",
            f"{name} is dated {on.isoformat()}, in the future; it must be on or before "
            f"{today.isoformat()}.",
        )
    if on < state.decided_on:
        raise invalid(
            "milestone_before_decision",
            f"{name} is dated {on.isoformat()}, before the decision on "
            f"{state.decided_on.isoformat()}.",
        )
    prereq = PREREQUISITES.get(milestone)
    if prereq is not None:
        prereq_on = state.milestones.get(prereq)
        if prereq_on is None:
            raise conflict(
                "milestone_prerequisite_missing",
                f"Cannot record {name} before {prereq.value} is recorded.",
            )
        if prereq_on > on:
            raise invalid(
                "milestone_before_prerequisite",
                f"{name} is dated {on.isoformat()}, before {prereq.value} on "
                f"{prereq_on.isoformat()}.",
            )
    new_status = state.status
    target = _STATUS_AFTER.get(milestone)
    if target is not None and _RANK[target] > _RANK[new_status]:
        new_status = target
    milestones = dict(state.milestones)
    milestones[milestone] = on
    return replace(state, status=new_status, milestones=milestones)


def record_milestone(
    state: ReviewState, milestone: Milestone | str, on: date, today: date
) -> Status:
    """Validate a milestone and return the review's status after it (see apply_milestone)."""
    return apply_milestone(state, milestone, on, today).status


def can_close(state: ReviewState, types: ReviewTypes = DEFAULT_REVIEW_TYPES) -> bool:
    """Closable once published, once the action plan is completed, or a forum's (a type that
    is not a statutory review, e.g. MAPF) learning event held."""
    if state.status in (Status.REFERRED, Status.CLOSED):
        return False
    if state.status is Status.PUBLISHED:
        return True
    if Milestone.ACTION_PLAN_COMPLETED in state.milestones:
        return True
    spec = types.get(state.outcome or "")
    return spec is not None and not spec.is_review and Milestone.LEARNING_EVENT_HELD in state.milestones


def close(state: ReviewState, closed_on: date, today: date, types: ReviewTypes = DEFAULT_REVIEW_TYPES) -> ReviewState:
    """Close a review explicitly.

    Raises RuleViolation: 409 no_decision_recorded, 409 already_closed,
    409 not_ready_to_close, 422 close_in_future, 422 close_before_last_event
    (before the decision or the latest milestone).
    """
    if state.outcome is None or state.decided_on is None:
        raise conflict("no_decision_recorded", "Cannot close: no decision recorded for this review yet.")
    if state.status is Status.CLOSED:
        raise conflict("already_closed", "The review is already closed.")
    if not can_close(state, types):
        raise conflict(
            "not_ready_to_close",
            "Cannot close: a review closes once its report is published or its action plan "
            "is completed (a MAPF once its learning event is held).",
        )
    if closed_on > today:
        raise invalid(
            "close_in_future",
            f"The closing date {closed_on.isoformat()} is in the future; it must be on or "
            f"before {today.isoformat()}.",
        )
    latest = max([state.decided_on, *state.milestones.values()])
    if closed_on < latest:
        raise invalid(
            "close_before_last_event",
            f"The closing date {closed_on.isoformat()} is before the review's last recorded "
            f"date {latest.isoformat()}.",
        )
    return replace(state, status=Status.CLOSED)
