"""Who a board may appoint to a review from the approved list.

The approved list is Welsh Government's: a board chooses from it but cannot widen it. So an
appointment is refused unless the person is on the list and active, holds the role (chair or
reviewer), and is approved for every review type the review covers (a SUSR covering a CPR
and a DHR needs someone approved for both). A review has one chair; a person is appointed
to a review once.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

from services.notification_api.rules.errors import conflict, invalid

__all__ = ["Role", "Candidate", "check_appointment"]


class Role(StrEnum):
    CHAIR = "chair"
    REVIEWER = "reviewer"


@dataclass(frozen=True)
class Candidate:
    """An entry of the approved list, as the rule needs it."""

    id: str
    active: bool
    roles: frozenset[str]
    review_types: frozenset[str]


def check_appointment(candidate: Candidate | None, role: Role | str, covered: Iterable[str],
                      existing: Iterable[tuple[str, str]]) -> Role:
    """Raise RuleViolation unless ``candidate`` may be appointed as ``role`` to a review covering
    the constituent types ``covered``; ``existing`` is the review's (person id, role) pairs.

    422 not_on_approved_list, 422 not_approved_for_role, 422 not_approved_for_type,
    409 not_a_review (nothing to review: no decision, a MAPF, or no review),
    409 already_appointed, 409 chair_already_appointed.
    """
    role = Role(role)
    covered = sorted(set(covered))
    if not covered:
        raise conflict("not_a_review", "Chairs and reviewers are appointed to a decided review (a SUSR or a "
                                       "Child Practice Review); this review has none to cover.")
    if candidate is None or not candidate.active:
        raise invalid("not_on_approved_list", "That person is not on Welsh Government's approved list (or is no "
                                              "longer active on it).")
    if role.value not in candidate.roles:
        raise invalid("not_approved_for_role", f"That person is not approved to act as {role.value}.")
    lacking = [t for t in covered if t not in candidate.review_types]
    if lacking:
        raise invalid("not_approved_for_type", "That person is not approved for the review type(s) this review "
                                               f"covers: {', '.join(lacking)}.")
    existing = list(existing)
    if any(person == candidate.id for person, _ in existing):
        raise conflict("already_appointed", "That person is already appointed to this review.")
    if role is Role.CHAIR and any(r == Role.CHAIR.value for _, r in existing):
        raise conflict("chair_already_appointed", "This review already has a chair.")
    return role
