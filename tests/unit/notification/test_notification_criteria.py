import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification_api.rules.criteria import ReferralFacts, assess

HARMS = [None, "death", "life_threatening_injury", "serious_permanent_impairment"]
ABUSE = ["known", "suspected", "not_suspected"]
TABLE = list(itertools.product(HARMS, ABUSE, [False, True], [False, True]))


def oracle(harm, abuse, register, looked_after):
    """Independent statement of the rule, as a lookup rather than the module's branches."""
    qualifying = {"death", "life_threatening_injury", "serious_permanent_impairment"}
    met = harm in qualifying and abuse != "not_suspected"
    if not met:
        return False, None
    return True, ("concise_cpr", "extended_cpr")[int(register or looked_after)]


def facts(harm, abuse, register, looked_after, age=7, trigger=date(2024, 5, 1)):
    return ReferralFacts(harm, abuse, register, looked_after, age, trigger)


def test_truth_table_has_every_combination():
    assert len(TABLE) == 4 * 3 * 2 * 2


@pytest.mark.parametrize("harm, abuse, register, looked_after", TABLE)
def test_whole_truth_table_against_oracle(harm, abuse, register, looked_after):
    result = assess(facts(harm, abuse, register, looked_after))
    assert (result.criteria_met, result.indicated_type) == oracle(harm, abuse, register, looked_after)
    assert result.reasons and all(isinstance(r, str) and r for r in result.reasons)


@given(
    combo=st.sampled_from(TABLE),
    age=st.integers(min_value=0, max_value=25),
    trigger=st.dates(min_value=date(2013, 1, 1), max_value=date(2035, 12, 31)),
)
def test_property_age_and_trigger_date_never_change_the_outcome(combo, age, trigger):
    result = assess(facts(*combo, age=age, trigger=trigger))
    assert (result.criteria_met, result.indicated_type) == oracle(*combo)
    if result.criteria_met:
        assert trigger.isoformat() in " ".join(result.reasons)


def test_not_met_says_so_and_mentions_mapf():
    result = assess(facts("death", "not_suspected", True, True))
    text = " ".join(result.reasons)
    assert result.indicated_type is None
    assert "not met" in text
    assert "Multi-Agency Professional Forum" in text


def test_extended_reason_names_register_and_looked_after():
    text = " ".join(assess(facts("death", "known", True, True)).reasons)
    assert "child protection register" in text and "looked after" in text and "extended" in text


def test_care_leaver_over_18_counts_as_looked_after():
    result = assess(facts("serious_permanent_impairment", "suspected", False, True, age=19))
    assert result.indicated_type == "extended_cpr"
    assert any("turned 18" in r for r in result.reasons)


def test_concise_reason():
    result = assess(facts("life_threatening_injury", "suspected", False, False))
    assert result.indicated_type == "concise_cpr"
    assert any("concise" in r for r in result.reasons)


def test_invalid_enum_values_rejected():
    with pytest.raises(ValueError):
        facts("bruise", "known", False, False)
    with pytest.raises(ValueError):
        facts("death", "maybe", False, False)
    with pytest.raises(ValueError):
        facts("death", "known", False, False, age=-1)
