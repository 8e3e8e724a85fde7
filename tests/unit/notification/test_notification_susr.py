"""The SUSR criteria over the whole fact space, against an independent oracle written from
DOMAIN.md's wording, under every policy the settings can express."""
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notification_api.rules.criteria import ReferralFacts, assess
from services.notification_api.rules.review_types import ReviewTypeSpec, target_completion_date
from services.notification_api.rules.susr import (
    Person,
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
maybe_bool = st.one_of(st.none(), st.booleans())

policies = st.builds(
    SusrPolicy,
    dhr_min_age=st.integers(0, 30), owhr_min_age=st.integers(0, 30),
    mhhr_contact_months=st.one_of(st.none(), st.integers(0, 60)),
    owhr_excludes_dhr=st.booleans(), apr_extended_by_care_and_support=st.booleans())

raw_facts = st.builds(
    SusrFacts,
    person=st.sampled_from(list(Person)), age_years=st.integers(0, 110),
    harm=st.sampled_from(HARMS), abuse_or_neglect=st.sampled_from(ABUSE),
    trigger_date=st.dates(date(2024, 10, 1), date(2035, 12, 31)),
    on_child_protection_register_in_prior_6_months=maybe_bool, looked_after_in_prior_6_months=maybe_bool,
    care_and_support_in_prior_6_months=maybe_bool, homicide=maybe_bool,
    suspect_relationship=st.one_of(st.none(), st.sampled_from(list(Relationship))),
    suspect_mental_health_contact=maybe_bool,
    suspect_mental_health_contact_months_before=st.one_of(st.none(), st.integers(0, 120)),
    offensive_weapon=maybe_bool)


def oracle(f: SusrFacts, p: SusrPolicy) -> dict[str, str | None]:
    """Type -> the review type code it indicates (None: not met). DOMAIN.md, line by line."""
    abuse = f.abuse_or_neglect != "not_suspected"
    harm = f.harm is not None
    homicide = f.harm == "death" and f.homicide is True
    out: dict[str, str | None] = {}
    out["cpr"] = (("extended_cpr" if (f.on_child_protection_register_in_prior_6_months
                                      or f.looked_after_in_prior_6_months) else "concise_cpr")
                  if f.person == "child" and abuse and harm else None)
    out["apr"] = "apr" if f.person == "adult_at_risk" and abuse and harm else None
    dhr = homicide and f.age_years >= p.dhr_min_age and f.suspect_relationship in DOMESTIC
    out["dhr"] = "dhr" if dhr else None
    window_ok = p.mhhr_contact_months is None or (
        f.suspect_mental_health_contact_months_before is not None
        and f.suspect_mental_health_contact_months_before <= p.mhhr_contact_months)
    out["mhhr"] = "mhhr" if homicide and f.suspect_mental_health_contact is True and window_ok else None
    owhr = homicide and f.offensive_weapon is True and f.age_years >= p.owhr_min_age
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
def test_property_missing_facts_are_exactly_the_applicable_unrecorded_ones(f, p):
    missing = set(missing_facts(f, p))
    applicable = set()
    if f.person == "child":
        applicable |= {"on_child_protection_register_in_prior_6_months", "looked_after_in_prior_6_months"}
    if f.person == "adult_at_risk":
        applicable.add("care_and_support_in_prior_6_months")
    if f.harm == "death":
        applicable.add("homicide")
        if f.homicide:
            applicable |= {"suspect_relationship", "suspect_mental_health_contact", "offensive_weapon"}
            if f.suspect_mental_health_contact and p.mhhr_contact_months is not None:
                applicable.add("suspect_mental_health_contact_months_before")
    assert missing == {a for a in applicable if getattr(f, a) is None}


@given(f=raw_facts, p=policies)
def test_property_cpr_is_the_existing_cpr_rule_for_a_child(f, p):
    if f.person != "child" or missing_facts(f, p):
        return
    cpr = assess_susr(f, p).types[0]
    old = assess(ReferralFacts(f.harm, f.abuse_or_neglect, f.on_child_protection_register_in_prior_6_months,
                               f.looked_after_in_prior_6_months, f.age_years, f.trigger_date))
    assert (cpr.met, cpr.indicated_type, list(cpr.reasons)) == (old.criteria_met, old.indicated_type, old.reasons)


@given(f=raw_facts, p=policies)
def test_property_cpr_and_apr_never_both_and_owhr_never_with_dhr_when_excluded(f, p):
    if missing_facts(f, p):
        return
    met = {t.type for t in assess_susr(f, p).met}
    assert not {"cpr", "apr"} <= met
    if p.owhr_excludes_dhr:
        assert not {"dhr", "owhr"} <= met
    if f.harm != "death":
        assert not met & {"dhr", "mhhr", "owhr"}


@given(f=raw_facts, p=policies)
def test_property_apr_extended_follows_care_and_support_only_when_policy_says_so(f, p):
    if missing_facts(f, p):
        return
    apr = assess_susr(f, p).types[1]
    if apr.met:
        assert apr.extended == bool(p.apr_extended_by_care_and_support and f.care_and_support_in_prior_6_months)


def test_domestic_homicide_of_a_childs_parent_meets_dhr_not_cpr_for_the_parent():
    """The parent (an adult) killed by a partner: DHR; an OWHR too when a weapon is involved
    and policy does not exclude DHRs."""
    f = SusrFacts(person="adult", age_years=34, harm="death", abuse_or_neglect="known",
                  trigger_date=date(2025, 3, 1), homicide=True, suspect_relationship="intimate_partner",
                  suspect_mental_health_contact=False, offensive_weapon=True)
    assert assess_susr(f).indicated_types == ("dhr",)
    assert assess_susr(f, SusrPolicy(owhr_excludes_dhr=False)).indicated_types == ("dhr", "owhr")


def test_child_killed_by_a_parent_with_mental_health_contact_meets_cpr_dhr_and_mhhr():
    f = SusrFacts(person="child", age_years=16, harm="death", abuse_or_neglect="known",
                  trigger_date=date(2025, 3, 1), on_child_protection_register_in_prior_6_months=True,
                  looked_after_in_prior_6_months=False, homicide=True, suspect_relationship="relative",
                  suspect_mental_health_contact=True, suspect_mental_health_contact_months_before=3,
                  offensive_weapon=False)
    result = assess_susr(f)
    assert result.indicated_types == ("extended_cpr", "dhr", "mhhr")
    assert result.susr_indicated
    # the MHHR window is policy: 2 months leaves the 3-month-old contact out
    assert assess_susr(f, SusrPolicy(mhhr_contact_months=2)).indicated_types == ("extended_cpr", "dhr")
    # the DHR minimum age is policy too
    assert assess_susr(f, SusrPolicy(dhr_min_age=17)).indicated_types == ("extended_cpr", "mhhr")


def test_nothing_met_points_to_a_mapf():
    f = SusrFacts(person="adult", age_years=40, harm=None, abuse_or_neglect="not_suspected",
                  trigger_date=date(2025, 3, 1))
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
