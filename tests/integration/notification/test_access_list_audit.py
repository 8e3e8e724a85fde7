"""Board scoping (another board's review is 404 everywhere), Welsh Government writes (403),
the list's filters and cursor pagination, and the audit trail of reads and writes."""
from __future__ import annotations

import pytest

from tests.integration.notification.conftest import days_ago, problem, referral

pytestmark = pytest.mark.integration


def _every_endpoint(rid: str, pid: str):
    return [
        ("GET", f"/v1/reviews/{rid}", None),
        ("GET", f"/v1/reviews/{rid}/audit", None),
        ("POST", f"/v1/reviews/{rid}/decision", {"outcome": "mapf", "decided_on": days_ago(10), "rationale": "x"}),
        ("POST", f"/v1/reviews/{rid}/milestones", {"milestone": "panel_convened", "date": days_ago(5)}),
        ("POST", f"/v1/reviews/{rid}/proceedings", {"kind": "criminal", "started_on": days_ago(5)}),
        ("PATCH", f"/v1/reviews/{rid}/proceedings/{pid}", {"ended_on": days_ago(1)}),
        ("POST", f"/v1/reviews/{rid}/close", {"closed_on": days_ago(1)}),
    ]


def test_another_boards_review_is_404_on_every_endpoint_and_never_its_data(api):
    review = api.started("GW-SECRET-1", days=200, summary="Agencies missed repeated bruising.")
    rid = review["id"]
    pid = api.c.post(f"/v1/reviews/{rid}/proceedings", json={"kind": "criminal", "started_on": days_ago(50)},
                     headers=api.h()).json()["id"]
    before = api.get(rid)
    events_before = len(api.events())
    for method, path, body in _every_endpoint(rid, pid):
        r = api.c.request(method, path, json=body, headers=api.h("north-wales"))
        problem(r, 404)
        assert "GW-SECRET-1" not in r.text and "bruising" not in r.text, (method, path)
    assert api.c.get("/v1/reviews", headers=api.h("north-wales")).json()["items"] == []
    assert api.c.get("/v1/reviews?board=gwent", headers=api.h("north-wales")).json()["items"] == []
    # Nothing changed and nothing was published; the attempts left no trace in the audit trail either.
    after = api.get(rid)
    assert {k: v for k, v in after.items() if k != "timescale"} == {k: v for k, v in before.items() if k != "timescale"}
    assert len(api.events()) == events_before
    audit = api.c.get(f"/v1/reviews/{rid}/audit", headers=api.h()).json()["items"]
    assert all(e["principal"] == "board:gwent" for e in audit)
    # A board sees only its own monitoring figures.
    problem(api.c.get("/v1/monitoring?board=gwent", headers=api.h("north-wales")), 403)


def test_welsh_government_reads_everything_and_writes_nothing(api):
    review = api.started("GW-1", days=200)
    rid = review["id"]
    pid = api.c.post(f"/v1/reviews/{rid}/proceedings", json={"kind": "criminal", "started_on": days_ago(50)},
                     headers=api.h()).json()["id"]
    assert api.c.get(f"/v1/reviews/{rid}", headers=api.keys.wg).json()["board_reference"] == "GW-1"
    assert api.c.get(f"/v1/reviews/{rid}/audit", headers=api.keys.wg).status_code == 200
    writes = [(m, p, b) for m, p, b in _every_endpoint(rid, pid) if m != "GET"]
    writes.append(("POST", "/v1/reviews", referral("WG-1")))
    events_before = len(api.events())
    for method, path, body in writes:
        body = problem(api.c.request(method, path, json=body, headers=api.keys.wg), 403)
        assert "Welsh Government" in body["detail"]
    assert len(api.events()) == events_before


def test_list_filters(api):
    a = api.started("GW-A", days=290)                     # concise, overdue
    b = api.started("GW-B", days=20)                      # concise, on time
    c = api.notify("GW-C", register=True)                 # referred, undecided
    d = api.notify("GW-D", abuse="not_suspected")
    api.decide(d["id"], "no_review", days=100)            # closed
    n = api.started("NW-A", board="north-wales", days=50)

    def ids(query: str = "", headers=None):
        r = api.c.get(f"/v1/reviews{query}", headers=headers or api.h())
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert ids() == {a["id"], b["id"], c["id"], d["id"]}
    assert ids("?status=referred") == {c["id"]}
    assert ids("?status=closed&type=no_review") == {d["id"]}
    assert ids("?type=concise_cpr") == {a["id"], b["id"]}
    assert ids("?overdue=true") == {a["id"]}
    assert ids("?overdue=false") == {b["id"], c["id"], d["id"]}
    assert ids(f"?decided_from={days_ago(150)}") == {b["id"], d["id"]}
    assert ids(f"?decided_from={days_ago(300)}&decided_to={days_ago(100)}") == {a["id"], d["id"]}
    assert ids(headers=api.keys.wg) == {a["id"], b["id"], c["id"], d["id"], n["id"]}
    assert ids("?board=north-wales", headers=api.keys.wg) == {n["id"]}
    items = api.c.get("/v1/reviews?overdue=true", headers=api.h()).json()["items"]
    assert items[0]["overdue"] is True and items[0]["outcome"] == "concise_cpr" and "summary" not in items[0]
    problem(api.c.get("/v1/reviews?status=lost", headers=api.h()), 422)


def test_cursor_pagination_walks_every_review_once_newest_first(api):
    made = [api.notify(f"GW-{i:02d}")["id"] for i in range(7)]
    seen, cursor, pages = [], None, 0
    while True:
        q = "/v1/reviews?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = api.c.get(q, headers=api.h()).json()
        seen += [i["id"] for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3 and seen == list(reversed(made))
    problem(api.c.get("/v1/reviews?cursor=not-a-cursor", headers=api.h()), 400)


def test_every_read_and_write_is_audited_with_principal_and_key(api):
    keys = api.keys
    review = api.notify("GW-1")
    rid = review["id"]
    api.decide(rid, "concise_cpr", days=200)
    api.milestone(rid, "panel_convened", 190)
    api.milestone(rid, "panel_convened", 190, expect=200)   # identical re-post: shown, so a read
    pid = api.c.post(f"/v1/reviews/{rid}/proceedings", json={"kind": "criminal", "started_on": days_ago(50)},
                     headers=api.h()).json()["id"]
    api.c.patch(f"/v1/reviews/{rid}/proceedings/{pid}", json={"ended_on": days_ago(10)}, headers=api.h())
    api.get(rid)
    api.c.get(f"/v1/reviews/{rid}", headers=keys.wg)
    api.c.get("/v1/reviews", headers=keys.wg)
    first = api.c.get(f"/v1/reviews/{rid}/audit", headers=api.h()).json()
    trail = [(e["principal"], e["key_id"], e["action"], e["what"]) for e in first["items"]]
    gw, wg = keys.key_ids["gwent"], keys.key_ids["welsh-government"]
    assert trail == [
        ("board:gwent", gw, "create", "referral"),
        ("board:gwent", gw, "update", "decision:concise_cpr"),
        ("board:gwent", gw, "update", "milestone:panel_convened"),
        ("board:gwent", gw, "read", "milestone_repost:panel_convened"),
        ("board:gwent", gw, "update", "proceeding_added:criminal"),
        ("board:gwent", gw, "update", "proceeding_concluded:criminal"),
        ("board:gwent", gw, "read", "review"),
        ("welsh-government", wg, "read", "review"),
        ("welsh-government", wg, "read", "list"),
    ]
    assert all(e["at"].endswith("+00:00") or e["at"].endswith("Z") for e in first["items"])
    # Reading the audit trail is itself audited; page through it with the cursor.
    page = api.c.get(f"/v1/reviews/{rid}/audit?limit=9", headers=api.h()).json()
    assert len(page["items"]) == 9 and page["next_cursor"]
    rest = api.c.get(f"/v1/reviews/{rid}/audit?limit=9&cursor={page['next_cursor']}", headers=api.h()).json()
    assert [(e["principal"], e["what"]) for e in rest["items"]] == [("board:gwent", "audit"), ("board:gwent", "audit")]
