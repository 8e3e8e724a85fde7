"""Request and response bodies. Unknown fields are refused so nothing unexpected is stored."""
from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Literal, get_origin, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from shared.http.types import IsoDate, RequestModel, StrictBool, StrictInt, strict_int
from shared.events.reviews import ReviewOutcome
from services.notification_api.rules.agencies import AGENCIES
from services.notification_api.rules.lifecycle import MILESTONES
from services.notification_api.rules.susr import Relationship
from services.notification_api.rules.timescale import Timescale

TriggerKind = Literal["death", "life_threatening_injury", "serious_permanent_impairment", "other"]
AbuseOrNeglect = Literal["known", "suspected", "not_suspected"]
AgencyCode = Literal[tuple(AGENCIES)]  # type: ignore[valid-type]
# A code from GET /v1/review-types (the table, not a list here), "susr" or no_review.
OutcomeCode = ReviewOutcome
# A review type a SUSR covers: a code from GET /v1/review-types?all=true (one with a `family`).
CoveredTypeCode = ReviewOutcome
RelationshipCode = Literal[tuple(r.value for r in Relationship)]  # type: ignore[valid-type]
MilestoneCode = Literal[tuple(m.value for m in MILESTONES)]  # type: ignore[valid-type]
ProceedingKindCode = Literal["criminal", "coroner_inquest", "disciplinary", "other"]
StatusCode = Literal["referred", "in_progress", "report_approved", "published", "closed"]

FREE_TEXT = 4000


class _Request(RequestModel):
    model_config = ConfigDict(extra="forbid")


# -- requests -------------------------------------------------------------------------------
class Trigger(_Request):
    kind: TriggerKind = Field(description="The harm: `death`, `life_threatening_injury`, "
                                          "`serious_permanent_impairment`, or `other` (none of the three "
                                          "qualifying harms; such a case may still go to a MAPF).")
    date: IsoDate = Field(description="Date of the death or injury; for impairment, the date a local "
                                      "authority or relevant partner identified it.")


class ChildFacts(_Request):
    age_years: StrictInt = Field(ge=0, le=25, description="Age in whole years at the trigger date (no date of birth).")
    on_child_protection_register_in_prior_6_months: StrictBool = Field(
        description="On the child protection register on any date in the 6 months before the trigger date.")
    looked_after_in_prior_6_months: StrictBool = Field(
        description="Looked after (care leavers who have turned 18 included) on any date in the 6 months "
                    "before the trigger date.")


class AdultAtRiskIn(_Request):
    age_years: StrictInt = Field(ge=18, le=120, description="Age in whole years at the trigger date.")
    care_and_support_in_prior_6_months: StrictBool = Field(
        description="Receiving care and support from a local authority or relevant partner on any date in the 6 "
                    "months before the trigger date (an extended Adult Practice Review, by policy).")


class HomicideIn(_Request):
    victim_age_years: StrictInt = Field(ge=0, le=120, description="Age of the person who died, in whole years "
                                                                  "(no date of birth). May be a child's parent.")
    suspect_relationship: RelationshipCode = Field(description="The suspect's relationship to the person who "
                                                               "died: " + ", ".join(r.value for r in Relationship)
                                                               + ".")
    suspect_mental_health_contact: StrictBool = Field(description="The suspect had contact with mental health "
                                                                  "services before the homicide.")
    suspect_mental_health_contact_months_before: strict_int(ge=0, le=600) | None = Field(
        default=None, description="How long before the homicide that contact was, in months: "
                                                "required when there was contact and policy sets a window.")
    offensive_weapon: StrictBool = Field(description="The death resulted from violence involving an offensive "
                                                     "weapon.")


class ReviewCreate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "board_reference": "GW-2026-0042",
        "referral_date": "2026-03-02",
        "trigger": {"kind": "life_threatening_injury", "date": "2026-02-20"},
        "abuse_or_neglect": "suspected",
        "child": {"age_years": 1, "on_child_protection_register_in_prior_6_months": False,
                  "looked_after_in_prior_6_months": False},
        "agencies_involved": ["childrens_services", "police", "health_board"],
        "summary": "Infant admitted with head injury; health visitor and GP contact in prior months.",
    }]})

    board_reference: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
                                 description="The board's own pseudonymous case reference; unique per board.")
    referral_date: IsoDate = Field(description="When the incident was referred to the Board.")
    trigger: Trigger
    abuse_or_neglect: AbuseOrNeglect
    child: ChildFacts | None = Field(default=None, description="The child harmed (Child Practice Review). "
                                                               "Give each block that applies; at least one.")
    adult_at_risk: AdultAtRiskIn | None = Field(default=None, description="The adult at risk harmed (Adult "
                                                                         "Practice Review).")
    homicide: HomicideIn | None = Field(default=None, description="A death that resulted, or appears to have "
                                        "resulted, from violence, abuse or neglect by another person (Domestic, "
                                        "Mental Health and Offensive Weapons Homicide Reviews).")
    agencies_involved: list[AgencyCode] = Field(default_factory=list, max_length=len(AGENCIES),
                                                description="Codes of the agencies involved: "
                                                            + ", ".join(AGENCIES) + ".")
    summary: str | None = Field(default=None, max_length=FREE_TEXT,
                                description="Free text, checked for identifiers (rejected with a 422 naming "
                                            "the field). No names, dates of birth, addresses or NHS numbers.")


class DecisionCreate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"outcome": "concise_cpr", "decided_on": "2026-03-16", "rationale": None},
        {"outcome": "mapf", "decided_on": "2026-03-16",
         "rationale": "Criteria met, but a recent extended review covered the same agencies; a forum "
                      "will draw the learning sooner."},
    ]})

    outcome: OutcomeCode = Field(description="`susr`: a Single Unified Safeguarding Review covering the types "
                                             "in `covers`. The CPR types and `mapf` remain outcomes of their own.")
    decided_on: IsoDate
    covers: list[CoveredTypeCode] | None = Field(
        default=None, min_length=1, max_length=6,
        description="For `susr` only (required): the review types it covers. Its target is the earliest of theirs.")
    rationale: str | None = Field(default=None, max_length=FREE_TEXT,
                                  description="Required when the decision departs from what the criteria "
                                              "indicate. Checked for identifiers.")


class MilestoneCreate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"milestone": "panel_convened", "date": "2026-03-30", "note": "Panel of five agencies."},
        {"milestone": "report_approved", "date": "2026-08-20"},
    ]})

    milestone: MilestoneCode
    date: IsoDate
    note: str | None = Field(default=None, max_length=FREE_TEXT, description="Checked for identifiers.")


class ProceedingCreate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"kind": "criminal", "started_on": "2026-03-10", "note": "Police investigation; CPS charging decision awaited."},
        {"kind": "coroner_inquest", "started_on": "2026-04-01", "ended_on": "2026-09-30"},
    ]})

    kind: ProceedingKindCode
    started_on: IsoDate
    ended_on: IsoDate | None = None
    note: str | None = Field(default=None, max_length=FREE_TEXT, description="Checked for identifiers.")


class ProceedingConclude(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"ended_on": "2026-10-14"}]})

    ended_on: IsoDate


class CloseCreate(_Request):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"closed_on": "2026-11-30"}]})

    closed_on: IsoDate


# -- responses ------------------------------------------------------------------------------
class CriteriaAssessmentPublic(BaseModel):
    criteria_met: bool
    indicated_type: str | None
    reasons: list[str]


class TypeAssessmentPublic(BaseModel):
    type: str = Field(description="cpr, apr, dhr, mhhr or owhr.")
    met: bool
    indicated_type: str | None = Field(description="The review type a met type stands for.")
    extended: bool | None = Field(description="CPR and APR: extended rather than concise.")
    reasons: list[str]


class SusrAssessmentPublic(BaseModel):
    susr_indicated: bool = Field(description="The criteria of one or more review types are met.")
    indicated_types: list[str]
    types: list[TypeAssessmentPublic]
    reasons: list[str]


class DecisionPublic(BaseModel):
    outcome: OutcomeCode
    decided_on: dt.date
    rationale: str | None
    departs_from_criteria: bool


class MilestonePublic(BaseModel):
    milestone: str
    date: dt.date
    note: str | None
    source: str = Field(description="`api`, or the event that recorded it (e.g. `meeting.held.v1`).")
    recorded_at: dt.datetime


class ProceedingPublic(BaseModel):
    id: str
    review_id: str
    kind: str
    started_on: dt.date
    ended_on: dt.date | None
    note: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


def _published(hint):
    """A `Timescale` field's type as the API shows it: a tuple of proceeding kinds is a list of
    their codes; anything else as it is."""
    return list[str] if get_origin(hint) is tuple else hint


_TIMESCALE_HINTS = get_type_hints(Timescale)
_TIMESCALE_DESCRIPTIONS = {"completed": "Report approved (or, without a report, the review closed)."}
# The rule's figures (rules/timescale.Timescale), field for field: declared once, there.
TimescalePublic = create_model("TimescalePublic", **{
    f.name: (_published(_TIMESCALE_HINTS[f.name]), Field(description=_TIMESCALE_DESCRIPTIONS.get(f.name)))
    for f in fields(Timescale)})


class ReviewPublic(BaseModel):
    id: str
    board_code: str
    board_reference: str
    referral_date: dt.date
    status: StatusCode
    trigger: Trigger
    abuse_or_neglect: AbuseOrNeglect
    child: ChildFacts | None
    adult_at_risk: AdultAtRiskIn | None = None
    homicide: HomicideIn | None = None
    agencies_involved: list[str]
    summary: str | None
    criteria_assessment: CriteriaAssessmentPublic
    susr_assessment: SusrAssessmentPublic | None = Field(
        default=None, description="Every review type's criteria (none for reviews recorded before the SUSR).")
    review_type: str | None = Field(description="The type whose timescale governs (for a SUSR, the covered type "
                                                "with the earliest target).")
    covered_types: list[str] = Field(default_factory=list, description="The review types the decision covers "
                                                                       "(one, except for a SUSR).")
    decision: DecisionPublic | None
    departs_from_criteria: bool | None
    target_completion_date: dt.date | None
    timescale: TimescalePublic | None
    milestones: list[MilestonePublic]
    proceedings: list[ProceedingPublic]
    closed_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class ReviewSummary(BaseModel):
    id: str
    board_code: str
    board_reference: str
    referral_date: dt.date
    status: StatusCode
    criteria_met: bool
    indicated_type: str | None
    outcome: OutcomeCode | None
    decided_on: dt.date | None
    departs_from_criteria: bool | None
    target_completion_date: dt.date | None
    overdue: bool
    closed_on: dt.date | None
    created_at: dt.datetime


class ReviewPage(BaseModel):
    items: list[ReviewSummary]
    next_cursor: str | None = None


class AuditEntryPublic(BaseModel):
    id: int
    review_id: str
    principal: str = Field(description="`board:<code>`, `welsh-government`, or `event:<type>` for facts "
                                       "recorded from another service's event.")
    key_id: str | None
    action: Literal["read", "create", "update"]
    what: str
    at: dt.datetime


class AuditPage(BaseModel):
    items: list[AuditEntryPublic]
    next_cursor: str | None = None


class ReviewTypePublic(BaseModel):
    code: str
    name_en: str
    name_cy: str
    target_months: int | None
    target_days: int | None
    reviewers_expected: int
    is_review: bool
    family: str | None = Field(default=None, description="The SUSR constituent type (cpr, apr, dhr, mhhr, owhr) "
                                                         "this type stands for; null for a MAPF.")
    standalone: bool = Field(default=True, description="An outcome of its own; false: decided only as part of a "
                                                       "SUSR.")
