"""The theme taxonomy: the DOMAIN.md seed, bilingual, with stable unique codes."""

from __future__ import annotations

import pytest

from services.dissemination.themes.taxonomy import (
    SEED_THEMES,
    TAXONOMY,
    Theme,
    build_taxonomy,
    get_theme,
    theme_label,
    unknown_codes,
)

EXPECTED_CODES = [
    "domestic_abuse", "parental_mental_health", "parental_substance_misuse", "neglect",
    "information_sharing", "risk_assessment", "professional_curiosity", "disguised_compliance",
    "voice_of_the_child", "hierarchy_of_professional_knowledge", "thresholds_and_decision_making",
    "recording", "whole_family_approach", "vulnerability_of_babies", "risks_outside_the_home",
    "disability", "childrens_mental_health", "children_not_in_school", "young_carers",
    "race_ethnicity_and_culture", "supervision_and_management_oversight", "transition_to_adult_services",
]


def test_seed_is_the_domain_list_in_order_with_unique_codes():
    codes = [t.code for t in SEED_THEMES]
    assert codes == EXPECTED_CODES
    assert len(set(codes)) == len(codes) == len(TAXONOMY)


def test_every_theme_has_distinct_english_and_welsh_names():
    for t in SEED_THEMES:
        assert t.name_en.strip() and t.name_cy.strip()
        assert t.name_en != t.name_cy, t.code  # a copied English name is a missing translation
        assert t.description_en
    assert len({t.name_cy for t in SEED_THEMES}) == len(SEED_THEMES)


def test_known_welsh_names():
    assert get_theme("domestic_abuse").name("cy") == "Cam-drin domestig"
    assert get_theme("voice_of_the_child").name("cy") == "Llais y plentyn"
    assert get_theme("neglect").name("en") == "Neglect"


def test_themes_are_validated():
    with pytest.raises(ValueError):
        Theme("Bad Code", "x", "y")
    with pytest.raises(ValueError):
        Theme("no_welsh", "English only", " ")
    with pytest.raises(ValueError, match="duplicate"):
        build_taxonomy([*SEED_THEMES, Theme("neglect", "Neglect again", "Esgeulustod eto")])


def test_boards_can_extend_the_seed():
    extended = build_taxonomy([*SEED_THEMES, Theme("online_harm", "Online harm", "Niwed ar-lein")])
    assert len(extended) == len(SEED_THEMES) + 1
    assert theme_label("online_harm", "cy", extended) == "Niwed ar-lein"


def test_lookups():
    assert unknown_codes(["neglect", "bogus", "bogus", "other"]) == ["bogus", "other"]
    with pytest.raises(KeyError, match="bogus"):
        get_theme("bogus")
    assert theme_label("retired_theme", "cy") == "retired_theme"
    with pytest.raises(TypeError):
        TAXONOMY["online"] = Theme("online", "Online", "Ar-lein")  # the shared seed cannot be mutated by a caller
