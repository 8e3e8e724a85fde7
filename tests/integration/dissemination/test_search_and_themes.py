"""Finding learning without a key: full-text search in English and Welsh, filters, cursor
pagination; the taxonomy; themes compared across boards."""
from __future__ import annotations

import uuid
from datetime import date

import pytest

from tests.integration.dissemination.conftest import publication_body
from tests.support import wait_until

pytestmark = pytest.mark.integration


def _publish(c, keys, board, **over):
    r = c.post("/v1/publications", json=publication_body(**over), headers=keys.board(board))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _ids(r):
    assert r.status_code == 200, r.text
    return [p["id"] for p in r.json()["items"]]


@pytest.fixture
def library(clients, keys):
    c = clients["dissemination"]
    ids = {}
    ids["neglect"] = _publish(c, keys, "gwent", published_on="2024-05-01")
    ids["ŵyr"] = _publish(c, keys, "north-wales", published_on="2025-02-01", themes=["domestic_abuse"],
                          title={"en": "Domestic abuse and a grandson's care", "cy": "Cam-drin domestig a gofal ŵyr"},
                          summary={"en": "Police and health did not share domestic abuse notifications.",
                                   "cy": "Ni rannodd yr heddlu ac iechyd hysbysiadau cam-drin domestig."},
                          learning_points=[{"en": "Ask about fathers.", "cy": "Gofynnwch am dadau."}])
    ids["babies"] = _publish(c, keys, "cardiff-and-vale", published_on="2025-06-01",
                             themes=["vulnerability_of_babies", "domestic_abuse"],
                             title={"en": "Safe sleeping for babies", "cy": "Cysgu'n ddiogel i fabanod"},
                             summary={"en": "Repeated advice on safe sleeping was not checked.",
                                      "cy": "Ni wiriwyd cyngor dro ar ôl tro am gysgu'n ddiogel."},
                             learning_points=[{"en": "Check the sleeping space.", "cy": "Gwiriwch y man cysgu."}])
    draft = publication_body(status="draft")
    draft["title"]["cy"] = "Drafft am esgeulustod"
    assert c.post("/v1/publications", json=draft, headers=keys.board("gwent")).status_code == 201
    return ids


def test_english_search_stems_and_welsh_search_finds_welsh_text(clients, library):
    c = clients["dissemination"]
    # English stemming: "neglected" finds "neglect", "notification" finds "notifications".
    assert _ids(c.get("/v1/publications", params={"q": "neglected"})) == [library["neglect"]]
    assert _ids(c.get("/v1/publications", params={"q": "notification"})) == [library["ŵyr"]]
    assert len(_ids(c.get("/v1/publications", params={"q": "sharing"}))) == 3  # every recommendation
    # Welsh by `lang`, and by Accept-Language; the draft holding the word is not public.
    assert _ids(c.get("/v1/publications", params={"q": "esgeulustod", "lang": "cy"})) == [library["neglect"]]
    r = c.get("/v1/publications", params={"q": "esgeulustod"}, headers={"Accept-Language": "cy-GB, en;q=0.5"})
    assert _ids(r) == [library["neglect"]] and r.headers["content-language"] == "cy"
    # The English index does not hold the Welsh text.
    assert _ids(c.get("/v1/publications", params={"q": "esgeulustod", "lang": "en"})) == []
    # Circumflexes fold both ways: "wyr" finds "ŵyr", and "ŵyr" too.
    assert _ids(c.get("/v1/publications", params={"q": "wyr", "lang": "cy"})) == [library["ŵyr"]]
    assert _ids(c.get("/v1/publications", params={"q": "ŵyr", "lang": "cy"})) == [library["ŵyr"]]
    # web-search syntax: a phrase and an exclusion.
    assert _ids(c.get("/v1/publications", params={"q": '"safe sleeping" -police'})) == [library["babies"]]


def test_filters_and_cursor_pagination(clients, library, keys, emit, workers):
    c = clients["dissemination"]
    assert _ids(c.get("/v1/publications", params={"theme": "domestic_abuse"})) == [library["babies"], library["ŵyr"]]
    assert _ids(c.get("/v1/publications", params={"board": "gwent"})) == [library["neglect"]]
    assert _ids(c.get("/v1/publications", params={"year": 2025})) == [library["babies"], library["ŵyr"]]
    assert _ids(c.get("/v1/publications", params={"year": 2025, "q": "abuse", "theme": "vulnerability_of_babies"})) \
        == [library["babies"]]
    # Review type comes from the review projection, even when the decision arrives later.
    pub = c.get(f"/v1/publications/{library['neglect']}").json()
    emit("review.referred.v1", review_id=pub["review_id"], board_code="gwent", referral_date=date(2024, 1, 1),
         status="referred")
    emit("review.decision_recorded.v1", review_id=pub["review_id"], board_code="gwent", outcome="extended_cpr",
         review_type="extended_cpr", decided_on=date(2024, 1, 9), departs_from_criteria=False, status="in_progress")
    wait_until(lambda: _ids(c.get("/v1/publications", params={"review_type": "extended_cpr"})) == [library["neglect"]],
               what="review type on the publication")
    # Newest first, page by page, each once.
    seen, cursor = [], None
    while True:
        r = c.get("/v1/publications", params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        seen += _ids(r)
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert seen == [library["babies"], library["ŵyr"], library["neglect"]]
    assert c.get("/v1/publications", params={"cursor": "garbage"}).status_code == 400


def test_themes_and_cross_board_learning(clients, library):
    c = clients["dissemination"]
    themes = c.get("/v1/themes").json()["items"]
    neglect = next(t for t in themes if t["code"] == "neglect")
    assert neglect["name_cy"] == "Esgeulustod" and len(themes) == 22
    r = c.get("/v1/learning/themes").json()
    by_code = {t["code"]: t for t in r["themes"]}
    assert by_code["domestic_abuse"]["boards"] == {"cardiff-and-vale": 1, "north-wales": 1}
    assert by_code["neglect"]["boards"] == {"gwent": 1} and by_code["recording"]["publications"] == 0
    assert r["recurring"] == ["domestic_abuse"]
    r = c.get("/v1/learning/themes", params={"from": "2025-03-01", "to": "2025-12-31"}).json()
    assert r["recurring"] == [] and {t["code"]: t["publications"] for t in r["themes"]}["domestic_abuse"] == 1
    assert c.get("/v1/learning/themes", params={"from": "2025-03-01", "to": "2025-01-01"}).status_code == 422
