"""Review types as data, not code.

Wales now runs a Single Unified Safeguarding Review with further review kinds,
and the MAPF timescale is local policy, so a type is a record with its own
names and target rather than a branch in the code. ``DEFAULT_REVIEW_TYPES``
is only the seed; a deployment may replace or extend it from configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Iterable, Mapping

from dateutil.relativedelta import relativedelta

from shared.codes import index_by_code

__all__ = [
    "ReviewTypeSpec",
    "DEFAULT_REVIEW_TYPES",
    "CONCISE_CPR",
    "EXTENDED_CPR",
    "MAPF",
    "SUSR_TYPES",
    "review_types",
    "target_completion_date",
]


@dataclass(frozen=True)
class ReviewTypeSpec:
    """One kind of review a Board can decide to hold.

    Exactly one of ``target_months`` / ``target_days`` is set: the guidance
    speaks in months ("six months from the decision"), other schemes in days.
    ``is_review`` is False for learning forums (MAPF) that are not a statutory
    review, so monitoring can keep them apart.
    """

    code: str
    name_en: str
    name_cy: str
    reviewers_expected: int
    is_review: bool
    target_months: int | None = None
    target_days: int | None = None
    # The constituent type of a Single Unified Safeguarding Review (cpr, apr, dhr, mhhr, owhr)
    # this type stands for; None for a forum (MAPF). The approved list approves by family.
    family: str | None = None
    # False for a type decided only as part of a SUSR (APR, DHR, MHHR, OWHR): not an outcome
    # of its own. The CPR types and the MAPF stay outcomes for the clients of the CPR API.
    standalone: bool = True

    def __post_init__(self) -> None:
        if not self.code or not self.code.strip():
            raise ValueError("review type code must not be blank")
        if (self.target_months is None) == (self.target_days is None):
            raise ValueError(
                f"review type {self.code!r}: set exactly one of target_months or target_days"
            )
        target = self.target_months if self.target_months is not None else self.target_days
        if target is None or target <= 0:
            raise ValueError(f"review type {self.code!r}: target must be positive")
        if self.reviewers_expected < 0:
            raise ValueError(f"review type {self.code!r}: reviewers_expected must be >= 0")

    def with_target(self, *, months: int | None = None, days: int | None = None) -> "ReviewTypeSpec":
        """A copy with a different target (e.g. a board's MAPF timescale)."""
        return replace(self, target_months=months, target_days=days)


CONCISE_CPR = ReviewTypeSpec(
    code="concise_cpr",
    name_en="Concise Child Practice Review",
    name_cy="Adolygiad Ymarfer Plant Cryno",
    reviewers_expected=1,
    is_review=True,
    target_months=6,
    family="cpr",
)
EXTENDED_CPR = ReviewTypeSpec(
    code="extended_cpr",
    name_en="Extended Child Practice Review",
    name_cy="Adolygiad Ymarfer Plant Estynedig",
    reviewers_expected=2,
    is_review=True,
    target_months=6,
    family="cpr",
)
# MAPF target is local policy (the guidance sets none); 3 months is a default.
MAPF = ReviewTypeSpec(
    code="mapf",
    name_en="Multi-Agency Professional Forum",
    name_cy="Fforwm Proffesiynol Amlasiantaethol",
    reviewers_expected=0,
    is_review=False,
    target_months=3,
)


# The other constituent types of a Single Unified Safeguarding Review (since 1 October 2024).
# Their targets are policy (DOMAIN.md): six months seeded; the table's row is the authority.
APR = ReviewTypeSpec(code="apr", name_en="Adult Practice Review", name_cy="Adolygiad Ymarfer Oedolion",
                     reviewers_expected=1, is_review=True, target_months=6, family="apr", standalone=False)
DHR = ReviewTypeSpec(code="dhr", name_en="Domestic Homicide Review", name_cy="Adolygiad Dynladdiad Domestig",
                     reviewers_expected=1, is_review=True, target_months=6, family="dhr", standalone=False)
MHHR = ReviewTypeSpec(code="mhhr", name_en="Mental Health Homicide Review",
                      name_cy="Adolygiad Dynladdiad Iechyd Meddwl", reviewers_expected=1, is_review=True,
                      target_months=6, family="mhhr", standalone=False)
OWHR = ReviewTypeSpec(code="owhr", name_en="Offensive Weapons Homicide Review",
                      name_cy="Adolygiad Dynladdiad Arfau Tramgwyddus", reviewers_expected=1, is_review=True,
                      target_months=6, family="owhr", standalone=False)
SUSR_TYPES = (APR, DHR, MHHR, OWHR)


def review_types(specs: Iterable[ReviewTypeSpec]) -> Mapping[str, ReviewTypeSpec]:
    """Index specs by code (read-only), rejecting duplicate codes."""
    return index_by_code(specs, "review type")


DEFAULT_REVIEW_TYPES: Mapping[str, ReviewTypeSpec] = review_types((CONCISE_CPR, EXTENDED_CPR, MAPF, *SUSR_TYPES))


def target_completion_date(spec: ReviewTypeSpec, decided_on: date) -> date:
    """The date a review should be complete by, counted from the decision.

    Month arithmetic clamps to the end of the month (31 August + 6 months is
    28 or 29 February), which is how people read "six months from".
    """
    if spec.target_months is not None:
        return decided_on + relativedelta(months=spec.target_months)
    assert spec.target_days is not None
    return decided_on + timedelta(days=spec.target_days)
