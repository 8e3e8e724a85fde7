"""The SUSR criteria over the whole fact space, against an independent oracle written from
DOMAIN.md's wording, under every policy the settings can express."""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notification_api.rules.criteria import ReferralFacts, assess
from services.notification_api.rules.review_types import ReviewTypeSpec, target_completion_date
from services.notification_api.rules.susr import (
    AdultAtRiskFacts,
    ChildFacts,
    HomicideFacts,
    Relationship,
    SusrFacts,
    SusrPolicy,
    assess_susr,
    governing_target,
    missing_facts,
)

HARMS = [None, "death", "life_threatening_injury", "serious_permanent_impairment"]
ABUSE = ["known", "suspected", "not_suspected"]
DOMESTIC = {"relative", "intimate_partner", "former_intimate_partner", "household_member"}

policies = st.builds(
    SusrPolicy,
    dhr_min_age=st.integers(0, 30), owhr_min_age=st.integers(0, 30),
    mhhr_contact_months=st.one_of(st.none(), st.integers(0, 60)),
    owhr_excludes_dhr=st.booleans(), apr_extended_by_care_and_support=st.booleans())

children = st.builds(ChildFacts, age_years=st.integers(0, 25),
                     on_child_protection_register_in_prior_6_months=st.booleans(),
                     looked_after_in_prior_6_months=st.booleans())
adults = st.builds(AdultAtRiskFacts, age_years=st.integers(18, 110), care_and_support_in_prior_6_months=st.booleans())
homicides = st.builds(HomicideFacts, victim_age_years=st.integers(0, 110),
                      suspect_relationship=st.sampled_from(list(Relationship)),
                      suspect_mental_health_contact=st.booleans(), offensive_weapon=st.booleans(),
                      suspect_mental_health_contact_months_before=st.one_of(st.none(), st.integers(0, 120)))
raw_facts = st.builds(
    SusrFacts, harm=st.sampled_from(HARMS), abuse_or_neglect=st.sampled_from(ABUSE),
    trigger_date=st.dates(date(2024, 10, 1), date(2035, 12, 31)),
    child=st.one_of(st.none(), children), adult_at_risk=st.one_of(st.none(), adults),
    homicide=st.one_of(st.none(), homicides))


def oracle(f: SusrFacts, p: SusrPolicy) -> dict[str, str | None]:
    """Type -> the review type code it indicates (None: not met). DOMAIN.md, line by line."""
    harmed = f.abuse_or_neglect != "not_suspected" and f.harm is not None
    h = f.homicide
    out: dict[str, str | None] = {}
    c = f.child
    out["cpr"] = (("extended_cpr" if (c.on_child_protection_register_in_prior_6_months
                                      or c.looked_after_in_prior_6_months) else "concise_cpr")
                  if c is not None and harmed else None)
    out["apr"] = "apr" if f.adult_at_risk is not None and harmed else None
    dhr = h is not None and h.victim_age_years >= p.dhr_min_age and h.suspect_relationship in DOMESTIC
    out["dhr"] = "dhr" if dhr else None
    window_ok = h is not None and (p.mhhr_contact_months is None or (
        h.suspect_mental_health_contact_months_before is not None
        and h.suspect_mental_health_contact_months_before <= p.mhhr_contact_months))
    out["mhhr"] = "mhhr" if h is not None and h.suspect_mental_health_contact and window_ok else None
    owhr = h is not None and h.offensive_weapon and h.victim_age_years >= p.owhr_min_age
    out["owhr"] = "owhr" if owhr and not (p.owhr_excludes_dhr and dhr) else None
    return out


@settings(max_examples=1500)
@given(f=raw_facts, p=policies)
def test_property_every_type_matches_the_oracle_wherever_the_facts_are_complete(f, p):
    if missing_facts(f, p):
        with pytest.raises(ValueError):
            assess_susr(f, p)
        return
    result = assess_susr(f, p)
    expected = oracle(f, p)
    assert {t.type: t.indicated_type for t in result.types} == expected
    assert [t.type for t in result.types] == ["cpr", "apr", "dhr", "mhhr", "owhr"]
    assert result.susr_indicated == any(expected.values())
    assert set(result.indicated_types) == {v for v in expected.values() if v}
    # every type gives a reason, met or not, and the summary says whether a SUSR is indicated
    assert all(t.reasons and all(t.reasons) for t in result.types)
    assert ("Single Unified Safeguarding Review is indicated" in result.reasons[-1]) == result.susr_indicated


@settings(max_examples=800)
@given(f=raw_facts, p=policies)
def test_property_the_only_conditional_fact_is_required_exactly_when_it_applies(f, p):
    h = f.homicide
    applies = (h is not None and h.suspect_mental_health_contact and p.mhhr_contact_months is not None)
    expected = ["homicide.suspect_mental_health_contact_months_before"] if (
        applies and h.suspect_mental_health_contact_months_before is None) else []
    assert missing_facts(f, p) == expected


@settings(max_examples=300)
@given(f=raw_facts, p=policies)
def test_property_cpr_is_the_existing_cpr_rule_for_a_child(f, p):
    if f.child is None or missing_facts(f, p):
        return
    cpr = assess_susr(f, p).types[0]
    c = f.child
    old = assess(ReferralFacts(f.harm, f.abuse_or_neglect, c.on_child_protection_register_in_prior_6_months,
                               c.looked_after_in_prior_6_months, c.age_years, f.trigger_date))
    assert (cpr.met, cpr.indicated_type, list(cpr.reasons)) == (old.criteria_met, old.indicated_type, old.reasons)


@given(f=raw_facts, p=policies)
def test_property_homicide_types_need_a_homicide_and_owhr_never_with_dhr_when_excluded(f, p):
    if missing_facts(f, p):
        return
    met = {t.type for t in assess_susr(f, p).met}
    if p.owhr_excludes_dhr:
        assert not {"dhr", "owhr"} <= met
    if f.homicide is None:
        assert not met & {"dhr", "mhhr", "owhr"}


@given(f=raw_facts, p=policies)
def test_property_apr_extended_follows_care_and_support_only_when_policy_says_so(f, p):
    if missing_facts(f, p):
        return
    apr = assess_susr(f, p).types[1]
    if apr.met:
        assert apr.extended == (p.apr_extended_by_care_and_support
                                and f.adult_at_risk.care_and_support_in_prior_6_months)


def _parent_killed(**homicide):
    """A father kills the mother (32) and injures their child: CPR and DHR."""
    h = {"victim_age_years": 32, "suspect_relationship": "intimate_partner", "suspect_mental_health_contact": False,
         "offensive_weapon": True, **homicide}
    return SusrFacts(harm="life_threatening_injury", abuse_or_neglect="known", trigger_date=date(2025, 3, 1),
                     child=ChildFacts(4, False, False), homicide=HomicideFacts(**h))


def test_domestic_homicide_of_a_childs_parent_meets_cpr_and_dhr():
    result = assess_susr(_parent_killed())
    assert result.indicated_types == ("concise_cpr", "dhr")
    assert "criteria met: CPR, DHR" in result.reasons[-1]
    # whether a weapon makes it an OWHR too is policy
    assert assess_susr(_parent_killed(), SusrPolicy(owhr_excludes_dhr=False)).indicated_types == (
        "concise_cpr", "dhr", "owhr")


def test_mhhr_window_and_dhr_age_are_policy():
    f = _parent_killed(victim_age_years=16, suspect_relationship="relative", suspect_mental_health_contact=True,
                       suspect_mental_health_contact_months_before=3, offensive_weapon=False)
    assert assess_susr(f).indicated_types == ("concise_cpr", "dhr", "mhhr")
    assert assess_susr(f, SusrPolicy(mhhr_contact_months=2)).indicated_types == ("concise_cpr", "dhr")
    assert assess_susr(f, SusrPolicy(dhr_min_age=17)).indicated_types == ("concise_cpr", "mhhr")


def test_nothing_met_points_to_a_mapf():
    f = SusrFacts(harm=None, abuse_or_neglect="not_suspected", trigger_date=date(2025, 3, 1),
                  adult_at_risk=AdultAtRiskFacts(40, True))
    result = assess_susr(f)
    assert not result.susr_indicated and result.indicated_types == ()
    assert "Multi-Agency Professional Forum" in result.reasons[-1]


specs = st.builds(
    lambda code, months, days: ReviewTypeSpec(code=code, name_en=code, name_cy=code, reviewers_expected=1,
                                              is_review=True, target_months=months,
                                              target_days=None if months else days),
    code=st.sampled_from(["extended_cpr", "apr", "dhr", "mhhr", "owhr"]),
    months=st.one_of(st.none(), st.integers(1, 24)), days=st.integers(1, 800))


@given(types=st.lists(specs, min_size=1, max_size=5), decided=st.dates(date(2024, 10, 1), date(2035, 1, 1)))
def test_property_the_earliest_target_governs(types, decided):
    code, target = governing_target(types, decided)
    targets = [target_completion_date(s, decided) for s in types]
    assert target == min(targets)
    first = next(s for s, t in zip(types, targets) if t == target)
    assert code == first.code


def test_governing_target_needs_a_type():
    with pytest.raises(ValueError):
        governing_target([], date(2025, 1, 1))


# -- the decision on a SUSR (lifecycle) ------------------------------------------------------
from services.notification_api.rules import lifecycle  # noqa: E402
from services.notification_api.rules.criteria import CriteriaAssessment  # noqa: E402
from services.notification_api.rules.errors import RuleViolation  # noqa: E402
from services.notification_api.rules.review_types import DEFAULT_REVIEW_TYPES  # noqa: E402

CODES = ["concise_cpr", "extended_cpr", "apr", "dhr", "mhhr", "owhr"]


@given(indicated=st.lists(st.sampled_from(CODES), unique=True, max_size=4),
       covers=st.lists(st.sampled_from(CODES), unique=True, min_size=1, max_size=4))
def test_property_a_susr_departs_unless_it_covers_exactly_the_indicated_types(indicated, covers):
    assessment = CriteriaAssessment(criteria_met=bool(indicated), indicated_type=None, reasons=[],
                                    indicated_types=tuple(indicated))
    assert lifecycle.departs_from_criteria(assessment, "susr", DEFAULT_REVIEW_TYPES, covers) == (
        set(covers) != set(indicated))
    # a single CPR type agrees only when it is the one type indicated
    assert lifecycle.departs_from_criteria(assessment, "concise_cpr", DEFAULT_REVIEW_TYPES) == (
        set(indicated) != {"concise_cpr"} if indicated else True)


@pytest.mark.parametrize("outcome, covers, code", [
    ("susr", None, "covers_required"), ("concise_cpr", ["concise_cpr"], "covers_only_for_susr"),
    ("susr", ["no_such_type"], "unknown_review_type")])
def test_susr_decision_refusals(outcome, covers, code):
    with pytest.raises(RuleViolation) as e:
        lifecycle.decide(lifecycle.ReviewState(), outcome, date(2025, 1, 2), "why",
                         CriteriaAssessment(True, "concise_cpr", []), date(2025, 2, 1), DEFAULT_REVIEW_TYPES,
                         covers=covers)
    assert e.value.code == code
