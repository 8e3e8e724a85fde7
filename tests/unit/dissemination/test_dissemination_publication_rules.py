"""Pure parts of publishing: the gate's field paths, search text and language negotiation,
and the sealing of webhook secrets."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.dissemination.publications.anonymisation import gate, text_fields
from services.dissemination.publications.search import normalise, search_texts
from services.dissemination.subscriptions.secrets import seal, unseal
from shared.web import i18n


def test_every_text_of_a_publication_has_a_field_path():
    body = {"title": {"en": "a", "cy": "b"}, "summary": {"en": "c"}, "learning_points": [{"en": "d", "cy": "e"}],
            "recommendations": ["f", "g"], "documents": [{"url": "https://x/y", "title": {"cy": "h"}}]}
    assert text_fields(body) == {
        "title.en": "a", "title.cy": "b", "summary.en": "c", "summary.cy": None,
        "learning_points[0].en": "d", "learning_points[0].cy": "e", "recommendations[0]": "f",
        "recommendations[1]": "g", "documents[0].title.en": None, "documents[0].title.cy": "h",
        "documents[0].url": "https://x/y"}


def test_the_gate_names_field_and_kind_and_uses_the_configured_names():
    findings = gate({"summary.cy": "Ganwyd ar 3 Mai 2019.", "title.en": "About Rhys Bowen"}, ["Rhys Bowen"])
    assert [(f.field, f.kind) for f in findings] == [("summary.cy", "date_of_birth"), ("title.en", "name")]
    assert "Rhys" not in findings[1].message and "2019" not in findings[0].message


def test_welsh_search_text_is_normalised_and_english_is_not():
    en, cy = search_texts({"en": "Neglect", "cy": "Esgeulustod ŴYR"}, {"en": "s", "cy": "crynodeb"},
                          [{"en": "p", "cy": "pwynt â"}], ["Rec"], [], [{"en": "Neglect", "cy": "Esgeulustod"}])
    assert "Neglect" in en and "Rec" in en
    assert cy.splitlines()[0] == "esgeulustod wyr" and "pwynt a" in cy and "rec" not in cy.split("\n")[:3]


@pytest.mark.parametrize("lang,header,expected", [
    ("cy", "en", "cy"), (None, "cy-GB,en;q=0.8", "cy"), (None, "en-GB,cy;q=0.9", "en"),
    (None, "fr, cy;q=0.2", "cy"), (None, None, "en"), (None, "de", "en"), (None, "en;q=0.1, cy;q=0.5", "cy"),
    (None, "cy;q=0, en;q=0.1", "en")])
def test_language_negotiation(lang, header, expected):
    assert i18n.pick_language(lang, None, header, default="en") == expected


@given(st.text(min_size=0, max_size=100))
def test_normalise_is_idempotent(text):
    assert normalise(normalise(text)) == normalise(text)


@given(st.text(min_size=1, max_size=80))
def test_sealed_secrets_round_trip_and_need_the_server_secret(secret):
    sealed = seal("server-secret", secret)
    assert unseal("server-secret", sealed) == secret
    with pytest.raises(ValueError):
        unseal("another-secret", sealed)
