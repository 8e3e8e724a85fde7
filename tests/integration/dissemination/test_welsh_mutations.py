"""Welsh search folds initial consonant mutations (publications/welsh.py) on PostgreSQL: a
query word finds every mutated form of its radical, web-search syntax still works, and English
search is not widened."""
from __future__ import annotations

import pytest

from tests.integration.dissemination.conftest import publication_body

pytestmark = pytest.mark.integration


def _publish(c, keys, board, **over):
    r = c.post("/v1/publications", json=publication_body(**over), headers=keys.board(board))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _search(c, q, lang="cy"):
    r = c.get("/v1/publications", params={"q": q, "lang": lang})
    assert r.status_code == 200, r.text
    return sorted(p["id"] for p in r.json()["items"])


@pytest.fixture
def mutated(clients, keys):
    c = clients["dissemination"]
    return {
        "blentyn": _publish(c, keys, "gwent", summary={
            "en": "Nobody saw his child at home for a month.",
            "cy": "Ni welodd neb ei blentyn gartref am fis."}),
        "plentyn": _publish(c, keys, "north-wales", summary={
            "en": "The child was not seen alone by a professional.",
            "cy": "Ni welwyd y plentyn ar ei ben ei hun gan weithiwr proffesiynol."}),
        "nhad": _publish(c, keys, "cardiff-and-vale", title={
            "en": "Dad and the family home", "cy": "Fy nhad a chartref y teulu"}),
    }


def test_welsh_query_finds_every_mutated_form(clients, mutated):
    c = clients["dissemination"]
    both = sorted([mutated["blentyn"], mutated["plentyn"]])
    assert _search(c, "plentyn") == both              # "ei blentyn" by its radical
    assert _search(c, "blentyn") == both              # and "plentyn" by a mutated form
    assert _search(c, "Mhlentyn") == both
    assert _search(c, "tad") == [mutated["nhad"]]     # nasal: "fy nhad"
    # aspirate "a chartref" and soft "gartref"
    assert _search(c, "cartref") == sorted([mutated["blentyn"], mutated["nhad"]])
    assert _search(c, "chartref") == _search(c, "gartref") == _search(c, "cartref")


def test_web_search_syntax_still_works_with_mutations(clients, mutated):
    c = clients["dissemination"]
    assert _search(c, '"ei plentyn"') == [mutated["blentyn"]]        # phrase over the mutated form
    assert _search(c, '"y plentyn" gweithiwr') == [mutated["plentyn"]]
    assert _search(c, "plentyn -gartref") == [mutated["plentyn"]]     # exclusion
    assert _search(c, "plentyn -cartref") == [mutated["plentyn"]]     # covers every form too
    assert _search(c, "tad or gartref") == sorted([mutated["blentyn"], mutated["nhad"]])
    assert _search(c, "sut") == []


def test_english_search_is_not_widened(clients, mutated):
    c = clients["dissemination"]
    assert _search(c, "child", lang="en") == sorted([mutated["blentyn"], mutated["plentyn"]])
    assert _search(c, "plentyn", lang="en") == []                 # Welsh text is not in English
    # English words are not widened: by the Welsh rules "tad" would find "Dad".
    assert _search(c, "dad", lang="en") == [mutated["nhad"]]
    assert _search(c, "tad", lang="en") == []
