"""Every `cursor` query parameter in every service's OpenAPI, fuzzed: a forged or malformed
cursor is a 400 problem naming `cursor` (never a 500), and a cursor of the right shape
pages as usual. The routes come from the documents, so a new list endpoint is covered the
day it is added (and fails here if it needs a path parameter this file cannot fill)."""
from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from services.registry import specs
from shared.http.app import create_app
from shared.http.pagination import encode_cursor
from shared.service import Runtime
from shared.settings import Settings

pytestmark = pytest.mark.integration

OPENAPI = {name: create_app(Runtime(spec, Settings(), engine=None, transport=None)).openapi()
           for name, spec in specs().items()}
CURSOR_ROUTES = sorted(
    (service, path) for service, doc in OPENAPI.items() for path, item in doc["paths"].items()
    if any(p["name"] == "cursor" and p["in"] == "query" for p in item.get("get", {}).get("parameters", [])))

REFERRAL = {"board_reference": "GW-CURSOR-1", "referral_date": "2026-03-02",
            "trigger": {"kind": "death", "date": "2026-02-20"}, "abuse_or_neglect": "suspected",
            "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                      "looked_after_in_prior_6_months": False}}


def _raw(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


# Forged by hand: not base64, not JSON, the wrong arity, and every wrong type in each place,
# including the naive date-time and the text no database can compare (NUL, a lone surrogate).
FORGED = ["not-a-cursor", "%%%", "====", _raw("{}"), _raw("null"), _raw("[]"), _raw("[1, 2, 3]"),
          _raw('"x"'), _raw("[[1], {}]"), encode_cursor([None]), encode_cursor([None, None]),
          encode_cursor(["2026-01-01T00:00:00", "x"]),
          encode_cursor(["x", "x"]), encode_cursor([1, 2]), encode_cursor([True]), encode_cursor([1.5]),
          encode_cursor(["1"]), encode_cursor([2 ** 80]), encode_cursor(["2026-01-01T00:00:00+00:00", "a\x00b"]),
          _raw('["2026-01-01T00:00:00+00:00", "\\ud800"]'), encode_cursor(["2026-02-30", "x"]),
          encode_cursor([{"a": 1}, ["b"]])]

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                    max_leaves=6)
# Values of the shapes the columns hold, so some fuzzed cursors are well formed and page.
SHAPED = st.one_of(st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(lambda d: d.isoformat()),
                   st.dates().map(lambda d: d.isoformat()), st.integers(-2 ** 70, 2 ** 70), st.uuids().map(str))
CURSORS = st.one_of(
    st.lists(st.one_of(JSON, SHAPED), min_size=1, max_size=3).map(encode_cursor),
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")))


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"webhook_allow_private": True, "webhook_allow_http": True})


@pytest.fixture
def world(clients, keys):
    """A record behind every path parameter a cursor route takes."""
    review = clients["notification_api"].post("/v1/reviews", json=REFERRAL, headers=keys.board())
    assert review.status_code == 201, review.text
    sub = clients["dissemination"].post("/v1/subscriptions", json={"callback_url": "http://127.0.0.1:9/hook"},
                                        headers=keys.board())
    assert sub.status_code == 201, sub.text
    return {"review_id": review.json()["id"], "subscription_id": sub.json()["id"]}


def _headers_for(client, path, keys):
    """The board's key, or Welsh Government's where a route is theirs only."""
    for headers in (keys.board(), keys.wg):
        if client.get(path, headers=headers).status_code == 200:
            return headers
    raise AssertionError(f"no key reads {path}")


def _check(r, cursor):
    assert r.status_code in (200, 400), (cursor, r.status_code, r.text[:300])
    if r.status_code == 400:
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["type"].endswith("/invalid-cursor"), body
        assert [e["field"] for e in body["errors"]] == ["cursor"] and body["errors"][0]["in"] == "query"


def test_the_list_endpoints_are_found():
    # Reviews and their audit, meetings, participants, publications, the feed, deliveries.
    assert len(CURSOR_ROUTES) >= 8, CURSOR_ROUTES


@pytest.mark.parametrize("service,route", CURSOR_ROUTES)
def test_a_forged_cursor_is_a_400_naming_the_parameter(service, route, clients, keys, world):
    path = route.format(**world)
    client = clients[service]
    headers = _headers_for(client, path, keys)
    for cursor in FORGED:
        r = client.get(path, params={"cursor": cursor}, headers=headers)
        _check(r, cursor)
        assert r.status_code == 400, (cursor, r.text[:300])


@pytest.mark.parametrize("service,route", CURSOR_ROUTES)
def test_fuzzed_cursors_never_fail_on_our_side(service, route, clients, keys, world):
    path = route.format(**world)
    client = clients[service]
    headers = _headers_for(client, path, keys)

    @hsettings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(CURSORS)
    def run(cursor):
        _check(client.get(path, params={"cursor": cursor}, headers=headers), cursor)

    run()
