from datetime import date

import pytest

from services.notification_api.rules.review_types import (
    DEFAULT_REVIEW_TYPES,
    ReviewTypeSpec,
    review_types,
    target_completion_date,
)


def test_seed_types_have_the_guidance_targets_and_reviewers():
    concise = DEFAULT_REVIEW_TYPES["concise_cpr"]
    extended = DEFAULT_REVIEW_TYPES["extended_cpr"]
    mapf = DEFAULT_REVIEW_TYPES["mapf"]
    assert (concise.target_months, concise.reviewers_expected, concise.is_review) == (6, 1, True)
    assert (extended.target_months, extended.reviewers_expected, extended.is_review) == (6, 2, True)
    assert (mapf.reviewers_expected, mapf.is_review) == (0, False)
    assert concise.name_cy == "Adolygiad Ymarfer Plant Cryno"
    assert extended.name_cy == "Adolygiad Ymarfer Plant Estynedig"
    assert mapf.name_cy == "Fforwm Proffesiynol Amlasiantaethol"


def test_seed_mapping_is_read_only():
    with pytest.raises(TypeError):
        DEFAULT_REVIEW_TYPES["x"] = DEFAULT_REVIEW_TYPES["mapf"]  # type: ignore[index]


@pytest.mark.parametrize(
    "decided, expected",
    [
        (date(2024, 1, 15), date(2024, 7, 15)),
        (date(2023, 8, 31), date(2024, 2, 29)),  # leap year, clamped to month end
        (date(2022, 8, 31), date(2023, 2, 28)),
        (date(2024, 12, 31), date(2025, 6, 30)),
    ],
)
def test_six_month_target_is_end_of_month_safe(decided, expected):
    assert target_completion_date(DEFAULT_REVIEW_TYPES["concise_cpr"], decided) == expected


def test_target_in_days_and_configured_mapf_target():
    spec = ReviewTypeSpec("susr", "Single Unified Safeguarding Review", "Adolygiad", 2, True, target_days=90)
    assert target_completion_date(spec, date(2024, 1, 1)) == date(2024, 3, 31)
    mapf4 = DEFAULT_REVIEW_TYPES["mapf"].with_target(months=4)
    assert target_completion_date(mapf4, date(2024, 1, 31)) == date(2024, 5, 31)


@pytest.mark.parametrize("months, days", [(None, None), (6, 180), (0, None), (None, -1)])
def test_spec_needs_exactly_one_positive_target(months, days):
    with pytest.raises(ValueError):
        ReviewTypeSpec("x", "X", "X", 1, True, target_months=months, target_days=days)


def test_duplicate_codes_rejected():
    with pytest.raises(ValueError):
        review_types([DEFAULT_REVIEW_TYPES["mapf"], DEFAULT_REVIEW_TYPES["mapf"]])
