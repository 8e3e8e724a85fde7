"""Themes are data that boards add to (DOMAIN.md): any board's or Welsh Government's key adds a
bilingual theme, usable at once in publications, searches and subscriptions; only Welsh
Government deactivates one."""
from __future__ import annotations

import pytest

from tests.integration.dissemination.conftest import publication_body

pytestmark = pytest.mark.integration

ONLINE = {"code": "online_harm", "name_en": "Online harm", "name_cy": "Niwed ar-lein",
          "description_en": "Harm to a child through social media or gaming.",
          "description_cy": "Niwed i blentyn drwy gyfryngau cymdeithasol neu gemau."}


def _codes(c):
    r = c.get("/v1/themes")
    assert r.status_code == 200, r.text
    return {t["code"]: t for t in r.json()["items"]}


def test_a_board_adds_a_theme_usable_at_once(clients, keys):
    c = clients["dissemination"]
    r = c.post("/v1/themes", json=ONLINE, headers={**keys.board("gwent"), "Idempotency-Key": "theme-1"})
    assert r.status_code == 201, r.text
    assert r.json() == {**ONLINE, "active": True, "added_by_board": "gwent"}
    assert _codes(c)["online_harm"]["name_cy"] == "Niwed ar-lein"
    assert _codes(c)["neglect"]["added_by_board"] is None
    # The same request again replays; the same key with another body is a conflict.
    again = c.post("/v1/themes", json=ONLINE, headers={**keys.board("gwent"), "Idempotency-Key": "theme-1"})
    assert again.status_code == 201 and again.json() == r.json() and again.headers["idempotent-replayed"] == "true"
    other = c.post("/v1/themes", json={**ONLINE, "code": "online_safety"},
                   headers={**keys.board("gwent"), "Idempotency-Key": "theme-1"})
    assert other.status_code == 409

    # Another board publishes with it, the public finds it by theme and by its Welsh name, and
    # a subscription may filter on it.
    pub = c.post("/v1/publications", json=publication_body(themes=["online_harm", "neglect"]),
                 headers=keys.board("north-wales"))
    assert pub.status_code == 201, pub.text
    found = c.get("/v1/publications", params={"theme": "online_harm"}).json()["items"]
    assert [p["id"] for p in found] == [pub.json()["id"]]
    assert {"code": "online_harm", "name_en": "Online harm", "name_cy": "Niwed ar-lein"} in found[0]["themes"]
    assert [p["id"] for p in c.get("/v1/publications", params={"q": "ar-lein", "lang": "cy"}).json()["items"]] \
        == [pub.json()["id"]]
    across = {t["code"]: t for t in c.get("/v1/learning/themes").json()["themes"]}
    assert across["online_harm"]["boards"] == {"north-wales": 1}
    sub = c.post("/v1/subscriptions", json={"callback_url": "http://127.0.0.1:9/h", "themes": ["online_harm"]},
                 headers=keys.wg)
    assert sub.status_code == 201, sub.text
    # The public learning feed labels it by its names, in each language's entry.
    import feedparser

    feed = feedparser.parse(c.get("/v1/publications.atom").content)
    labels = {t.get("label") for e in feed.entries for t in e.tags}
    assert {"Online harm", "Niwed ar-lein"} <= labels


def test_codes_are_unique_and_welsh_government_additions_have_no_board(clients, keys):
    c = clients["dissemination"]
    for body in ({**ONLINE, "code": "neglect"}, ONLINE):
        if body is ONLINE:
            first = c.post("/v1/themes", json=ONLINE, headers=keys.wg)
            assert first.status_code == 201 and first.json()["added_by_board"] is None
        r = c.post("/v1/themes", json=body, headers=keys.board("cardiff-and-vale"))
        assert r.status_code == 409 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert r.json()["type"].endswith("theme-exists")
    assert c.post("/v1/themes", json={**ONLINE, "code": "online_2"}).status_code == 401


@pytest.mark.parametrize("change,field", [
    ({"name_cy": None}, "name_cy"),
    ({"name_cy": "   "}, "name_cy"),
    ({"code": "Online Harm"}, "code"),
    ({"code": "online_"}, "code"),
    ({"code": "ab"}, "code"),
    ({"name_en": "x" * 201}, "name_en"),
    ({"colour": "red"}, "(unknown field)"),  # an unknown key is never repeated
])
def test_a_theme_needs_a_snake_case_code_and_both_names(clients, keys, change, field):
    body = {k: v for k, v in {**ONLINE, **change}.items() if v is not None}
    r = clients["dissemination"].post("/v1/themes", json=body, headers=keys.board("gwent"))
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]


def test_identifiers_in_names_descriptions_or_code_are_refused_without_repeating_them(clients, keys):
    c = clients["dissemination"]
    cases = [({"description_en": "After Tegan Price died, agencies met."}, "description_en", "name"),
             ({"name_cy": "Cod post CF10 3NQ"}, "name_cy", "postcode"),
             ({"code": "tegan_price_case"}, "code", "name")]
    for change, field, kind in cases:
        r = c.post("/v1/themes", json={**ONLINE, **change}, headers=keys.board("gwent"))
        assert r.status_code == 422, r.text
        assert {"field": field, "code": f"identifier:{kind}"} in [
            {"field": e["field"], "code": e["code"]} for e in r.json()["errors"]]
        assert "Tegan" not in r.text and "CF10" not in r.text
    assert "online_harm" not in _codes(c)


def test_only_welsh_government_deactivates_a_theme(clients, keys):
    c = clients["dissemination"]
    assert c.post("/v1/themes", json=ONLINE, headers=keys.board("gwent")).status_code == 201
    pub = c.post("/v1/publications", json=publication_body(themes=["online_harm"]), headers=keys.board("gwent"))
    assert pub.status_code == 201
    for headers in (keys.board("gwent"), keys.board("north-wales")):
        r = c.patch("/v1/themes/online_harm", json={"active": False}, headers=headers)
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert c.patch("/v1/themes/online_harm", json={"active": False}).status_code == 401
    assert c.patch("/v1/themes/online_harm", json={"active": "false"}, headers=keys.wg).status_code == 422
    assert c.patch("/v1/themes/no_such_theme", json={"active": False}, headers=keys.wg).status_code == 404

    r = c.patch("/v1/themes/online_harm", json={"active": False}, headers=keys.wg)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["added_by_board"] == "gwent"
    assert "online_harm" not in _codes(c)
    refused = c.post("/v1/publications", json=publication_body(themes=["online_harm"]), headers=keys.board("gwent"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "unknown_theme"
    # The publication that carries it keeps it; the code stays taken.
    assert c.get(f"/v1/publications/{pub.json()['id']}").json()["themes"][0]["code"] == "online_harm"
    assert c.post("/v1/themes", json=ONLINE, headers=keys.board("gwent")).status_code == 409
    assert c.patch("/v1/themes/online_harm", json={"active": True}, headers=keys.wg).json()["active"] is True
    assert "online_harm" in _codes(c)
