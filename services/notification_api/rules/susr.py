"""Which review types' criteria a referral meets, for the Single Unified Safeguarding Review.

Since 1 October 2024 Wales holds one review (a SUSR) for a case that meets the criteria of
one or more of: Child Practice Review (CPR), Adult Practice Review (APR), Domestic Homicide
Review (DHR), Mental Health Homicide Review (MHHR) and Offensive Weapons Homicide Review
(OWHR). Each type's criteria are a rule over the referral's facts; the assessment lists every
type met, with reasons, and says a SUSR is indicated when at least one is.

The CPR rule is ``criteria.assess`` (one copy of it). What the guidance leaves to policy, or
we could not confirm, is in ``SusrPolicy`` (settings), never a constant in a branch:
the DHR and OWHR minimum ages, the MHHR contact window, whether an OWHR is excluded when the
case is a DHR, and whether care and support in the prior six months makes an APR extended.

Facts apply only where they can matter, so they come in blocks a referral gives only when
they apply: the child harmed (CPR), the adult at risk harmed (APR), the homicide (DHR, MHHR,
OWHR; the person who died may be someone else, such as the child's parent). ``missing_facts``
names the one conditional fact inside a block.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Iterable

from services.notification_api.rules.criteria import (
    AbuseOrNeglect,
    CriteriaAssessment,
    Harm,
    ReferralFacts,
    assess as assess_cpr,
)
from services.notification_api.rules.review_types import ReviewTypeSpec, target_completion_date

__all__ = [
    "Relationship",
    "ChildFacts",
    "AdultAtRiskFacts",
    "HomicideFacts",
    "SusrFacts",
    "SusrPolicy",
    "TypeAssessment",
    "SusrAssessment",
    "CONSTITUENT_TYPES",
    "missing_facts",
    "assess_susr",
    "governing_target",
    "criteria_answer",
    "public",
]


class Relationship(StrEnum):
    """The suspect's relationship to the person who died (DHR: relative, partner, household)."""

    RELATIVE = "relative"
    INTIMATE_PARTNER = "intimate_partner"
    FORMER_INTIMATE_PARTNER = "former_intimate_partner"
    HOUSEHOLD_MEMBER = "household_member"
    OTHER = "other"
    UNKNOWN = "unknown"


_DOMESTIC = frozenset({Relationship.RELATIVE, Relationship.INTIMATE_PARTNER,
                       Relationship.FORMER_INTIMATE_PARTNER, Relationship.HOUSEHOLD_MEMBER})

# The five constituent types, in the order the guidance lists them.
CONSTITUENT_TYPES = ("cpr", "apr", "dhr", "mhhr", "owhr")


@dataclass(frozen=True)
class SusrPolicy:
    """Thresholds the guidance leaves to policy or that we could not confirm (DOMAIN.md)."""

    dhr_min_age: int = 16
    owhr_min_age: int = 18
    # Months before the homicide in which contact with mental health services counts;
    # None counts any earlier contact.
    mhhr_contact_months: int | None = None
    owhr_excludes_dhr: bool = True
    apr_extended_by_care_and_support: bool = True


@dataclass(frozen=True)
class ChildFacts:
    """The child harmed (CPR): status in the 6 months before the trigger date."""

    age_years: int
    on_child_protection_register_in_prior_6_months: bool
    looked_after_in_prior_6_months: bool


@dataclass(frozen=True)
class AdultAtRiskFacts:
    """The adult at risk harmed (APR)."""

    age_years: int
    care_and_support_in_prior_6_months: bool


@dataclass(frozen=True)
class HomicideFacts:
    """A death that resulted, or appears to have resulted, from violence, abuse or neglect by
    another person (DHR, MHHR, OWHR). The person who died may be the child or adult above or
    someone else (a child's parent, say)."""

    victim_age_years: int
    suspect_relationship: Relationship
    suspect_mental_health_contact: bool
    offensive_weapon: bool
    suspect_mental_health_contact_months_before: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "suspect_relationship", Relationship(self.suspect_relationship))
        months = self.suspect_mental_health_contact_months_before
        if self.victim_age_years < 0 or (months is not None and months < 0):
            raise ValueError("ages and months must not be negative")


@dataclass(frozen=True)
class SusrFacts:
    """What a referral records for every type's criteria. ``harm`` and ``abuse_or_neglect``
    are the harm to the child or adult at risk (CPR, APR); each block is None when it does
    not apply (no child harmed, no adult at risk, no homicide)."""

    harm: Harm | None
    abuse_or_neglect: AbuseOrNeglect
    trigger_date: date
    child: ChildFacts | None = None
    adult_at_risk: AdultAtRiskFacts | None = None
    homicide: HomicideFacts | None = None

    def __post_init__(self) -> None:
        if self.harm is not None:
            object.__setattr__(self, "harm", Harm(self.harm))
        object.__setattr__(self, "abuse_or_neglect", AbuseOrNeglect(self.abuse_or_neglect))


def missing_facts(facts: SusrFacts, policy: SusrPolicy = SusrPolicy()) -> list[str]:
    """Names of the facts that apply to this referral but are not recorded. Each block's own
    fields are always required; the one conditional fact is when the suspect's contact with
    mental health services was, needed only when there was contact and policy sets a window."""
    h = facts.homicide
    if (h is not None and h.suspect_mental_health_contact and policy.mhhr_contact_months is not None
            and h.suspect_mental_health_contact_months_before is None):
        return ["homicide.suspect_mental_health_contact_months_before"]
    return []


@dataclass(frozen=True)
class TypeAssessment:
    """One constituent type: met or not, and why. ``indicated_type`` is the review type
    code a met type stands for (concise_cpr / extended_cpr for a CPR; apr, dhr, mhhr, owhr)."""

    type: str
    met: bool
    indicated_type: str | None
    reasons: tuple[str, ...]
    extended: bool | None = None


@dataclass(frozen=True)
class SusrAssessment:
    susr_indicated: bool
    types: tuple[TypeAssessment, ...]
    reasons: list[str] = field(default_factory=list)

    @property
    def met(self) -> tuple[TypeAssessment, ...]:
        return tuple(t for t in self.types if t.met)

    @property
    def indicated_types(self) -> tuple[str, ...]:
        return tuple(t.indicated_type for t in self.met if t.indicated_type)


def _cpr(facts: SusrFacts) -> TypeAssessment:
    if facts.child is None:
        return TypeAssessment("cpr", False, None, ("Child Practice Review: no child was harmed.",))
    c = facts.child
    result = assess_cpr(ReferralFacts(
        harm=facts.harm, abuse_or_neglect=facts.abuse_or_neglect,
        on_child_protection_register_in_prior_6_months=c.on_child_protection_register_in_prior_6_months,
        looked_after_in_prior_6_months=c.looked_after_in_prior_6_months,
        age_years=c.age_years, trigger_date=facts.trigger_date))
    return TypeAssessment("cpr", result.criteria_met, result.indicated_type, tuple(result.reasons),
                          extended=(result.indicated_type == "extended_cpr") if result.criteria_met else None)


def _met(code: str, name: str, what: str, extended: bool | None = None) -> TypeAssessment:
    """A type whose criteria are met, worded as every type's is (its review type is its code)."""
    return TypeAssessment(code, True, code, (f"{name}: criteria met: {what}",), extended=extended)


def _not_met(code: str, name: str, why: str) -> TypeAssessment:
    return TypeAssessment(code, False, None, (f"{name}: criteria not met ({why}).",))


def _apr(facts: SusrFacts, policy: SusrPolicy) -> TypeAssessment:
    name = "Adult Practice Review"
    if facts.adult_at_risk is None:
        return TypeAssessment("apr", False, None, (f"{name}: no adult at risk was harmed.",))
    abuse = facts.abuse_or_neglect is not AbuseOrNeglect.NOT_SUSPECTED
    if not (abuse and facts.harm is not None):
        why = "abuse or neglect is not known or suspected" if not abuse else "there is no qualifying harm"
        return _not_met("apr", name, why)
    extended = policy.apr_extended_by_care_and_support and facts.adult_at_risk.care_and_support_in_prior_6_months
    kind = ("extended (the adult was receiving care and support in the 6 months before the trigger date)"
            if extended else "concise")
    return _met("apr", name, f"an adult at risk, abuse or neglect {facts.abuse_or_neglect.value}, "
                             f"qualifying harm ({facts.harm.value}); {kind}.", extended=extended)


# Each homicide review's criteria, stated once: the first criterion the facts fail, or None
# when they meet them all.

def _dhr_fails(facts: SusrFacts, policy: SusrPolicy) -> str | None:
    h = facts.homicide
    if h is None:
        return "no death from violence, abuse or neglect by another person"
    if h.victim_age_years < policy.dhr_min_age:
        return f"the person who died was under {policy.dhr_min_age}"
    if h.suspect_relationship not in _DOMESTIC:
        return "the suspect was not a relative, partner, former partner or member of the same household"
    return None


def _mhhr_fails(facts: SusrFacts, policy: SusrPolicy) -> str | None:
    h = facts.homicide
    window = policy.mhhr_contact_months
    if h is None:
        return "no homicide"
    if not h.suspect_mental_health_contact:
        return "the suspect had no recorded contact with mental health services"
    months = h.suspect_mental_health_contact_months_before
    if window is not None and (months is None or months > window):
        return f"the suspect's contact with mental health services was not within {window} months"
    return None


def _owhr_fails(facts: SusrFacts, policy: SusrPolicy) -> str | None:
    h = facts.homicide
    if h is None:
        return "no homicide"
    if not h.offensive_weapon:
        return "no offensive weapon was involved"
    if h.victim_age_years < policy.owhr_min_age:
        return f"the person who died was under {policy.owhr_min_age}"
    if policy.owhr_excludes_dhr and _dhr_fails(facts, policy) is None:
        return "the case is a Domestic Homicide Review"
    return None


def _dhr(facts: SusrFacts, policy: SusrPolicy) -> TypeAssessment:
    name = "Domestic Homicide Review"
    if why := _dhr_fails(facts, policy):
        return _not_met("dhr", name, why)
    return _met("dhr", name, f"the death of a person aged {policy.dhr_min_age} or over that resulted, or appears to "
                             f"have resulted, from violence, abuse or neglect by a "
                             f"{facts.homicide.suspect_relationship.value.replace('_', ' ')}.")


def _mhhr(facts: SusrFacts, policy: SusrPolicy) -> TypeAssessment:
    name = "Mental Health Homicide Review"
    if why := _mhhr_fails(facts, policy):
        return _not_met("mhhr", name, why)
    window = policy.mhhr_contact_months
    period = "before it" if window is None else f"in the {window} months before it"
    return _met("mhhr", name, f"a homicide by a person who had contact with mental health services {period}.")


def _owhr(facts: SusrFacts, policy: SusrPolicy) -> TypeAssessment:
    name = "Offensive Weapons Homicide Review"
    if why := _owhr_fails(facts, policy):
        return _not_met("owhr", name, why)
    return _met("owhr", name, f"the death of a person aged {policy.owhr_min_age} or over from violence involving an "
                              "offensive weapon.")


def assess_susr(facts: SusrFacts, policy: SusrPolicy = SusrPolicy()) -> SusrAssessment:
    """Every type's criteria applied to the facts. Raises ValueError when an applicable fact
    is missing (the API layer reports those with ``missing_facts`` first)."""
    missing = missing_facts(facts, policy)
    if missing:
        raise ValueError(f"facts missing: {', '.join(missing)}")
    types = (_cpr(facts), _apr(facts, policy), _dhr(facts, policy), _mhhr(facts, policy), _owhr(facts, policy))
    met = [t for t in types if t.met]
    reasons = [r for t in types for r in t.reasons]
    if met:
        names = ", ".join(t.type.upper() for t in met)
        reasons.append(f"A Single Unified Safeguarding Review is indicated (criteria met: {names}).")
    else:
        reasons.append("No review type's criteria are met; a Multi-Agency Professional Forum may still be "
                       "appropriate if the case holds multi-agency learning.")
    return SusrAssessment(susr_indicated=bool(met), types=types, reasons=reasons)


def governing_target(specs: Iterable[ReviewTypeSpec], decided_on: date) -> tuple[str, date]:
    """The earliest target of the types a SUSR covers governs it: (type code, date).
    Ties go to the first type given, so the answer is stable."""
    best: tuple[str, date] | None = None
    for spec in specs:
        target = target_completion_date(spec, decided_on)
        if best is None or target < best[1]:
            best = (spec.code, target)
    if best is None:
        raise ValueError("a SUSR covers at least one review type")
    return best



def criteria_answer(facts: SusrFacts, assessment: SusrAssessment) -> CriteriaAssessment:
    """The CPR API's ``criteria_assessment`` for a referral. A referral about a child and
    nothing else gets exactly the CPR rule's answer (clients of the CPR API see no change);
    otherwise the answer summarises every type: ``indicated_type`` is the one type indicated,
    ``susr`` when several are, None when none is."""
    if facts.adult_at_risk is None and facts.homicide is None and facts.child is not None:
        cpr = assessment.types[0]
        return CriteriaAssessment(criteria_met=cpr.met, indicated_type=cpr.indicated_type,  # type: ignore[arg-type]
                                  reasons=list(cpr.reasons))
    indicated = assessment.indicated_types
    single = indicated[0] if len(indicated) == 1 else ("susr" if indicated else None)
    return CriteriaAssessment(criteria_met=assessment.susr_indicated, indicated_type=single,  # type: ignore[arg-type]
                              reasons=list(assessment.reasons), indicated_types=indicated)


def public(assessment: SusrAssessment) -> dict:
    """The assessment as JSON-ready data (stored with the referral and shown by the API)."""
    return {"susr_indicated": assessment.susr_indicated, "indicated_types": list(assessment.indicated_types),
            "types": [{"type": t.type, "met": t.met, "indicated_type": t.indicated_type, "extended": t.extended,
                       "reasons": list(t.reasons)} for t in assessment.types],
            "reasons": list(assessment.reasons)}
