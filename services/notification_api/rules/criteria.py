"""What the Child Practice Review criteria imply for a referral.

The seed found regions reading the criteria differently, so the product
computes the reading from recorded facts and stores it beside the Board's
decision; a decision that departs from it needs a rationale (see lifecycle).

Rule (regulations 2016, Social Services and Well-being (Wales) Act 2014):
criteria met iff abuse or neglect is known or suspected AND the child died,
sustained a potentially life-threatening injury, or sustained serious and
permanent impairment of health or development. Type: extended if the child
was on the child protection register and/or looked after (care leavers who
have turned 18 included) on any date in the 6 months before the trigger date;
otherwise concise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Literal

__all__ = [
    "Harm",
    "AbuseOrNeglect",
    "ReferralFacts",
    "CriteriaAssessment",
    "assess",
]


class Harm(StrEnum):
    DEATH = "death"
    LIFE_THREATENING_INJURY = "life_threatening_injury"
    SERIOUS_PERMANENT_IMPAIRMENT = "serious_permanent_impairment"


class AbuseOrNeglect(StrEnum):
    KNOWN = "known"
    SUSPECTED = "suspected"
    NOT_SUSPECTED = "not_suspected"


_HARM_WORDS = {
    Harm.DEATH: "the child died",
    Harm.LIFE_THREATENING_INJURY: "the child sustained a potentially life-threatening injury",
    Harm.SERIOUS_PERMANENT_IMPAIRMENT: (
        "the child sustained serious and permanent impairment of health or development"
    ),
}


@dataclass(frozen=True)
class ReferralFacts:
    """The facts a referral records for the criteria.

    ``harm`` may be None for a referral with none of the three qualifying harms
    (such a case can still go to a MAPF). Plain strings are accepted for the
    enums so the API layer can pass validated request values straight in.
    """

    harm: Harm | None
    abuse_or_neglect: AbuseOrNeglect
    on_child_protection_register_in_prior_6_months: bool
    looked_after_in_prior_6_months: bool
    age_years: int
    trigger_date: date

    def __post_init__(self) -> None:
        if self.harm is not None:
            object.__setattr__(self, "harm", Harm(self.harm))
        object.__setattr__(self, "abuse_or_neglect", AbuseOrNeglect(self.abuse_or_neglect))
        if self.age_years < 0:
            raise ValueError("age_years must not be negative")


IndicatedType = Literal["concise_cpr", "extended_cpr"]


@dataclass(frozen=True)
class CriteriaAssessment:
    """Whether the criteria are met, the type they indicate, and why, in words."""

    criteria_met: bool
    indicated_type: IndicatedType | None
    reasons: list[str] = field(default_factory=list)
    # Every review type the criteria indicate (a SUSR may be indicated for several); for a
    # CPR-only assessment, the one indicated type.
    indicated_types: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.indicated_types and self.indicated_type is not None:
            object.__setattr__(self, "indicated_types", (self.indicated_type,))


def assess(facts: ReferralFacts) -> CriteriaAssessment:
    """Apply the criteria to the facts; reasons are plain English for the Board."""
    reasons: list[str] = []
    trigger = facts.trigger_date.isoformat()
    abuse = facts.abuse_or_neglect in (AbuseOrNeglect.KNOWN, AbuseOrNeglect.SUSPECTED)

    if abuse:
        reasons.append(f"Abuse or neglect is {facts.abuse_or_neglect.value}.")
    else:
        reasons.append("Abuse or neglect is not known or suspected.")
    if facts.harm is not None:
        reasons.append(f"Qualifying harm: {_HARM_WORDS[facts.harm]}.")
    else:
        reasons.append(
            "No qualifying harm (death, potentially life-threatening injury, or serious "
            "and permanent impairment of health or development)."
        )

    if not (abuse and facts.harm is not None):
        reasons.append("The Child Practice Review criteria are not met.")
        reasons.append(
            "A Multi-Agency Professional Forum may still be appropriate if the case "
            "holds multi-agency learning."
        )
        return CriteriaAssessment(criteria_met=False, indicated_type=None, reasons=reasons)

    reasons.append("The Child Practice Review criteria are met.")
    status: list[str] = []
    if facts.on_child_protection_register_in_prior_6_months:
        status.append("on the child protection register")
    if facts.looked_after_in_prior_6_months:
        status.append("looked after")
    if status:
        reasons.append(
            f"The child was {' and '.join(status)} in the 6 months before the trigger "
            f"date ({trigger}), so an extended review is indicated."
        )
        if facts.looked_after_in_prior_6_months and facts.age_years >= 18:
            reasons.append("A care leaver who has turned 18 counts as looked after.")
        indicated: IndicatedType = "extended_cpr"
    else:
        reasons.append(
            "The child was neither on the child protection register nor looked after in "
            f"the 6 months before the trigger date ({trigger}), so a concise review is "
            "indicated."
        )
        indicated = "concise_cpr"
    return CriteriaAssessment(criteria_met=True, indicated_type=indicated, reasons=reasons)
