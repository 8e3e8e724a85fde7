"""The library's page queries agree with the JSON API: the same items in the same order, counts
that match, drafts and withdrawn never shown, a withdrawn publication the API's 410."""
from __future__ import annotations

import pytest
from sqlmodel import Session

from shared.http.problems import Problem
from services.dissemination.library import queries
from tests.integration.dissemination.conftest import publication_body

pytestmark = pytest.mark.integration


def _publish(c, keys, board="gwent", **over):
    r = c.post("/v1/publications", json=publication_body(**over), headers=keys.board(board))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_pages_read_what_the_api_returns(clients, keys, runtimes):
    c = clients["dissemination"]
    ids = [_publish(c, keys, published_on=f"2025-0{i}-01") for i in range(1, 6)]
    welsh = _publish(c, keys, "north-wales", published_on="2025-07-01", themes=["domestic_abuse"],
                     summary={"en": "A father's care of his child.", "cy": "Gofal tad am ei blentyn."})
    _publish(c, keys, status="draft", title={"en": "Draft", "cy": "Drafft"})
    withdrawn = _publish(c, keys, published_on="2025-08-01")
    assert c.post(f"/v1/publications/{withdrawn}/withdraw", headers=keys.board("gwent")).status_code == 200

    with Session(runtimes["dissemination"].engine) as s:
        page = queries.search(s, queries.Filters(), "en", cursor=None, limit=4, base="http://t")
        api = c.get("/v1/publications", params={"limit": 4}).json()
        assert [p.id for p in page.items] == [p["id"] for p in api["items"]] == [welsh] + ids[::-1][:3]
        assert page.total == 6 and page.next_cursor == api["next_cursor"]
        second = queries.search(s, queries.Filters(), "en", cursor=page.next_cursor, limit=4, base="http://t")
        assert [p.id for p in second.items] == ids[:2][::-1] and second.next_cursor is None

        found = queries.search(s, queries.Filters(q="plentyn"), "cy", cursor=None, limit=10, base="http://t")
        assert [p.id for p in found.items] == [welsh] and found.total == 1
        narrowed = queries.search(s, queries.Filters(theme="neglect", board="gwent", year=2025), "en", cursor=None,
                                  limit=10, base="http://t")
        assert narrowed.total == 5

        with pytest.raises(Problem) as gone:
            queries.publication(s, withdrawn, "http://t")
        assert gone.value.status == 410
        assert queries.theme_counts(s)["neglect"] == 5
        result, table = queries.across_wales(s, "cy")
        assert dict((r[0], r[3]) for r in table.rows) == {"neglect": 5, "information_sharing": 5,
                                                           "domestic_abuse": 1}


def test_the_briefing_comes_first(clients, keys, runtimes):
    docs = [{"kind": k, "url": f"https://gwent.example.wales/{k}.pdf", "title": {"en": k, "cy": k}}
            for k in ("report", "terms_of_reference", "seven_minute_briefing")]
    pid = _publish(clients["dissemination"], keys, documents=docs)
    with Session(runtimes["dissemination"].engine) as s:
        assert [d.kind for d in queries.publication(s, pid, "http://t").documents] == [
            "seven_minute_briefing", "report", "terms_of_reference"]
