"""The sign-in's pure rules: where a sign-in may send the browser next, and who a person acts
for from their ID token's claims (only through the configured map)."""
from __future__ import annotations

import pytest

from shared.web.oidc import mapped_organisations
from shared.web.signin import DEFAULT_NEXT, safe_next

MAP = {"groups=cpr-gwent": "gwent", "groups=wg": "welsh-government", "tid=1234": "north-wales"}


@pytest.mark.parametrize("value,expected", [
    ("/dashboard?year=2026", "/dashboard?year=2026"), ("/dashboard/reviews/abc", "/dashboard/reviews/abc"),
    ("//evil.example/x", DEFAULT_NEXT), ("https://evil.example/", DEFAULT_NEXT), ("/\\evil.example", DEFAULT_NEXT),
    ("/a\r\nSet-Cookie: x", DEFAULT_NEXT), ("/a\tb", DEFAULT_NEXT), ("", DEFAULT_NEXT), (None, DEFAULT_NEXT),
    ("dashboard", DEFAULT_NEXT), ("javascript:alert(1)", DEFAULT_NEXT), ("/" + "a" * 1000, DEFAULT_NEXT),
])
def test_next_is_a_same_origin_path_only(value, expected):
    assert safe_next(value) == expected


@pytest.mark.parametrize("claims,expected", [
    ({"groups": ["staff", "cpr-gwent"]}, {"gwent"}),
    ({"groups": "cpr-gwent"}, {"gwent"}),
    ({"groups": ["wg"]}, {"welsh-government"}),
    ({"tid": 1234}, {"north-wales"}),  # a number compares as its text
    ({"groups": ["cpr-gwent", "wg"]}, {"gwent", "welsh-government"}),  # ambiguous: the caller refuses
    ({"groups": ["staff"]}, set()),
    ({"groups": [{"name": "cpr-gwent"}]}, set()),  # only strings and numbers are values
    ({"groups": True}, set()),
    ({"group": ["cpr-gwent"]}, set()),  # another claim's name is not the mapped one
    ({"board": "gwent"}, set()),  # a claim naming a board is nothing unless mapped
    ({}, set()),
])
def test_who_a_person_acts_for_comes_only_from_mapped_claims(claims, expected):
    assert mapped_organisations(MAP, claims) == expected


def test_no_map_means_nobody_is_mapped():
    assert mapped_organisations({}, {"groups": ["cpr-gwent"]}) == set()


def test_the_identity_provider_is_configured_from_the_environment_as_the_readme_says(monkeypatch):
    from shared.settings import Settings
    from shared.web.signin import key_signin_enabled

    assert key_signin_enabled(Settings())  # the quick start: no provider, the key form
    monkeypatch.setenv("CPR_OIDC_ISSUER", "https://login.example.gov.wales")
    monkeypatch.setenv("CPR_OIDC_CLAIM_MAP", '{"groups=cpr-gwent": "gwent", "groups=wg-cpr": "welsh-government"}')
    s = Settings()
    assert s.oidc_claim_map == {"groups=cpr-gwent": "gwent", "groups=wg-cpr": "welsh-government"}
    assert not key_signin_enabled(s)
    monkeypatch.setenv("CPR_SIGNIN_KEY_ENABLED", "true")
    assert key_signin_enabled(Settings())
