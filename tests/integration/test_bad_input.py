"""Bad input, on every service: malformed JSON, the wrong content type, a body over the limit,
deep nesting, huge arrays, invalid UTF-8, text the database cannot hold, and dates out of
range. Each is a clear problem+json 4xx, and nothing is stored (every table, outbox included,
has the rows it had before)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import text

pytestmark = pytest.mark.integration

REFERRAL = {"board_reference": "GW-BAD-1", "referral_date": "2026-03-02",
            "trigger": {"kind": "death", "date": "2026-02-20"}, "abuse_or_neglect": "suspected",
            "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                      "looked_after_in_prior_6_months": False}}
PARTICIPANT = {"display_name": "Ceri Jones", "email": "ceri.jones@agency.example.wales", "agency_code": "health"}
PUBLICATION = {"review_id": "rev-1", "title": {"en": "Learning from a review", "cy": "Dysgu o adolygiad"}}

# One creating route per service, with a body it accepts: each case below spoils it.
CREATE = {
    "notification_api": ("/v1/reviews", REFERRAL),
    "scheduler": ("/v1/participants", PARTICIPANT),
    "dissemination": ("/v1/publications", PUBLICATION),
}
SERVICES = list(CREATE)


def counts(runtimes) -> dict[str, dict[str, int]]:
    """Rows in every table of every service database."""
    result = {}
    for name, rt in runtimes.items():
        with rt.engine.connect() as conn:
            tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                       "ORDER BY tablename")).scalars().all()
            result[name] = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
    return result


@pytest.fixture
def nothing_stored(runtimes):
    """Asserts, after the test, that no table changed in any service database."""
    before = counts(runtimes)
    yield
    assert counts(runtimes) == before


def problem(r, status: int) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["type"].startswith("https://cpr.gov.wales/problems/")
    assert len(r.content) < 20_000, "a bad request gets a short answer"
    return body


def post(client, keys, path: str, content: bytes, content_type: str | None = "application/json", **headers):
    h = {**keys.board(), **headers}
    if content_type is not None:
        h["Content-Type"] = content_type
    return client.post(path, content=content, headers=h)


def test_the_valid_bodies_are_accepted(clients, keys):
    """The control: each spoilt body below starts from one the route stores."""
    for service, (path, body) in CREATE.items():
        assert clients[service].post(path, json=body, headers=keys.board()).status_code == 201


# -- malformed JSON ----------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("raw", [b'{"board_reference": ', b"{not json", b'{"a": 1,}', b"[1, 2", b"\"unterminated",
                                 b'{"a": NaN} trailing'])
def test_malformed_json_is_a_422_naming_the_body(service, raw, clients, keys, nothing_stored):
    path, _ = CREATE[service]
    body = problem(post(clients[service], keys, path, raw), 422)
    assert body["detail"].startswith("The body is not valid JSON")
    assert body["errors"][0]["field"] == "body" and body["errors"][0]["code"] == "json_invalid"


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("raw", [b"", b"null", b"[]", b"42", b'"text"', b"true"])
def test_a_body_that_is_not_an_object_is_a_422(service, raw, clients, keys, nothing_stored):
    path, _ = CREATE[service]
    body = problem(post(clients[service], keys, path, raw), 422)
    assert body["errors"]


# -- content type ------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "application/x-www-form-urlencoded",
                                          "text/calendar", "multipart/form-data; boundary=x", None])
def test_a_json_route_refuses_other_content_types_with_415(service, content_type, clients, keys, nothing_stored):
    path, valid = CREATE[service]
    body = problem(post(clients[service], keys, path, json.dumps(valid).encode(), content_type), 415)
    assert "application/json" in body["detail"]


def test_json_with_a_charset_or_a_json_suffix_is_read(clients, keys):
    c = clients["notification_api"]
    for i, content_type in enumerate(["application/json; charset=utf-8", "application/merge-patch+json"]):
        body = {**REFERRAL, "board_reference": f"GW-CT-{i}"}
        assert post(c, keys, "/v1/reviews", json.dumps(body).encode(), content_type).status_code == 201


def test_the_upload_routes_refuse_other_types(clients, keys, runtimes):
    sched, diss = clients["scheduler"], clients["dissemination"]
    pid = sched.post("/v1/participants", json=PARTICIPANT, headers=keys.board()).json()["id"]
    pub = diss.post("/v1/publications", json=PUBLICATION, headers=keys.board()).json()["id"]
    before = counts(runtimes)
    # The diary upload takes text/calendar only.
    r = sched.put(f"/v1/participants/{pid}/calendar", content=b'{"x": 1}',
                  headers={**keys.board(), "Content-Type": "application/json"})
    assert "text/calendar" in problem(r, 415)["detail"]
    # The document upload takes multipart/form-data only.
    r = post(diss, keys, f"/v1/publications/{pub}/documents", b'{"kind": "report"}')
    assert "multipart/form-data" in problem(r, 415)["detail"]
    assert counts(runtimes) == before


# -- size --------------------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
def test_a_body_over_the_configured_limit_is_a_413(service, clients, keys, runtimes, nothing_stored):
    path, valid = CREATE[service]
    limit = runtimes[service].settings.max_body_bytes
    padded = {**valid, "padding": "x" * limit}
    raw = json.dumps(padded).encode()
    body = problem(post(clients[service], keys, path, raw), 413)
    assert str(limit) in body["detail"]

    # Streamed without a Content-Length (chunked): counted as it arrives, still a 413.
    def chunks():
        for i in range(0, len(raw), 65536):
            yield raw[i:i + 65536]

    r = clients[service].post(path, content=chunks(), headers={**keys.board(), "Content-Type": "application/json"})
    assert str(limit) in problem(r, 413)["detail"]


def test_a_streamed_body_within_the_limit_is_read(clients, keys):
    raw = json.dumps({**REFERRAL, "board_reference": "GW-STREAM"}).encode()
    r = clients["notification_api"].post("/v1/reviews", content=iter([raw[:10], raw[10:]]),
                                         headers={**keys.board(), "Content-Type": "application/json"})
    assert r.status_code == 201, r.text


# -- nesting and arrays ------------------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("depth", [200, 100_000])
def test_deeply_nested_json_is_refused(service, depth, clients, keys, nothing_stored):
    path, valid = CREATE[service]
    raw = json.dumps(valid).encode()[:-1] + b', "deep": ' + b"[" * depth + b"]" * depth + b"}"
    r = post(clients[service], keys, path, raw)
    if depth > 10_000:  # beyond what the JSON reader will recurse into
        assert "nested too deeply" in problem(r, 400)["detail"]
    else:  # read, then refused as an unknown field (whose name, client text, is never repeated)
        error = problem(r, 422)["errors"][0]
        assert (error["field"], error["code"]) == ("(unknown field)", "extra_forbidden")


@pytest.mark.parametrize("service,field,item", [
    ("notification_api", "agencies_involved", "police"),
    ("dissemination", "themes", "safeguarding"),
    ("dissemination", "learning_points", {"en": "x", "cy": "y"}),
])
def test_a_huge_array_is_refused_with_a_short_answer(service, field, item, clients, keys, nothing_stored):
    path, valid = CREATE[service]
    body = problem(clients[service].post(path, json={**valid, field: [item] * 20_000}, headers=keys.board()), 422)
    assert body["errors"][0]["field"] == field and body["errors"][0]["code"] == "too_long"


def test_each_invalid_item_is_named(clients, keys, nothing_stored):
    body = problem(clients["notification_api"].post(
        "/v1/reviews", json={**REFERRAL, "agencies_involved": ["not-an-agency"] * 10}, headers=keys.board()), 422)
    assert len(body["errors"]) == 10


def test_a_huge_array_of_busy_intervals_is_refused(clients, keys, runtimes):
    sched = clients["scheduler"]
    pid = sched.post("/v1/participants", json=PARTICIPANT, headers=keys.board()).json()["id"]
    before = counts(runtimes)
    one = {"start": "2027-03-29T10:00:00+01:00", "end": "2027-03-29T11:00:00+01:00"}
    r = sched.put(f"/v1/participants/{pid}/busy", json={"intervals": [one] * 10_000}, headers=keys.board())
    assert problem(r, 422)["errors"][0]["code"] == "too_long"
    # Within the length, every item wrong: the answer lists the first 50 errors, not 4000.
    r = sched.put(f"/v1/participants/{pid}/busy", json={"intervals": [{"start": 0}] * 2000}, headers=keys.board())
    errors = problem(r, 422)["errors"]
    assert len(errors) == 50 and errors[0]["field"] == "intervals[0].start"
    assert counts(runtimes) == before


# -- encoding and unstorable text --------------------------------------------------------------
@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("raw_text", [b"\xff\xfe", b"caf\xe9", b"\xc3", b"\x80abc"])
def test_invalid_utf8_is_a_400(service, raw_text, clients, keys, nothing_stored):
    path, valid = CREATE[service]
    raw = json.dumps({**valid, "x": "MARK"}).encode().replace(b"MARK", raw_text)
    assert "UTF-8" in problem(post(clients[service], keys, path, raw), 400)["detail"]


@pytest.mark.parametrize("service", SERVICES)
def test_an_encoded_surrogate_is_refused_as_text_the_database_cannot_hold(service, clients, keys, nothing_stored):
    # The JSON reader lets UTF-8-encoded surrogates through (as Python does); the request
    # models refuse them with the other unstorable text.
    path, valid = CREATE[service]
    raw = json.dumps({**valid, "x": "MARK"}).encode().replace(b"MARK", b"\xed\xa0\x80")
    assert "unpaired surrogate" in problem(post(clients[service], keys, path, raw), 422)["errors"][0]["message"]


@pytest.mark.parametrize("service,field", [("notification_api", "summary"), ("scheduler", "display_name"),
                                           ("dissemination", "review_id")])
@pytest.mark.parametrize("escaped", ["\\u0000", "a\\u0000b", "\\ud800", "\\udfff x"])
def test_nul_and_unpaired_surrogates_in_text_are_a_422(service, field, escaped, clients, keys, nothing_stored):
    path, valid = CREATE[service]
    raw = json.dumps({**valid, field: "MARK"}).encode().replace(b"MARK", escaped.encode())
    body = problem(post(clients[service], keys, path, raw), 422)
    assert field in body["errors"][0]["message"] and "NUL" in body["errors"][0]["message"]


def test_nul_nested_in_a_body_names_where(clients, keys, nothing_stored):
    r = post(clients["dissemination"], keys, "/v1/publications",
             json.dumps({**PUBLICATION, "learning_points": [{"en": "ok", "cy": "MARK"}]}).encode()
             .replace(b"MARK", b"\\u0000"))
    assert "learning_points[0].cy" in problem(r, 422)["errors"][0]["message"]


@pytest.mark.parametrize("service,path", [("notification_api", "/v1/reviews/%00"),
                                          ("notification_api", "/v1/reviews?board=%00"),
                                          ("scheduler", "/v1/participants?agency_code=a%00b"),
                                          ("scheduler", "/v1/meetings/%00"),
                                          ("dissemination", "/v1/publications?q=%00"),
                                          ("dissemination", "/v1/publications/%00")])
def test_nul_in_the_url_is_a_400(service, path, clients, keys, nothing_stored):
    assert "NUL" in problem(clients[service].get(path, headers=keys.wg), 400)["detail"]


# -- dates and times ---------------------------------------------------------------------------
BAD_DATES = ["10000-01-01", "0000-00-00", "2026-02-30", "2026-13-01", "1899-12-31", "3000-01-01", "0",
             "20260301", "2026-3-1", "2026-03-01T00:00:00", "2026-03-01T00:00:00Z", " 2026-03-01", "", 0, 20260301,
             1772409600, True, None, ["2026-03-01"]]


@pytest.mark.parametrize("value", BAD_DATES)
def test_a_bad_referral_date_is_a_422_naming_the_field(value, clients, keys, nothing_stored):
    r = clients["notification_api"].post("/v1/reviews", json={**REFERRAL, "referral_date": value},
                                         headers=keys.board())
    assert problem(r, 422)["errors"][0]["field"] == "referral_date"


@pytest.mark.parametrize("value", ["10000-01-01", "0000-00-00", "2026-02-30", "0", "1772409600", "2026-03-01T00:00:00"])
def test_bad_dates_in_other_bodies_and_queries(value, clients, keys, runtimes):
    notif, diss = clients["notification_api"], clients["dissemination"]
    review = notif.post("/v1/reviews", json=REFERRAL, headers=keys.board()).json()["id"]
    before = counts(runtimes)
    cases = [
        (notif.post(f"/v1/reviews/{review}/decision", json={"outcome": "concise_cpr", "decided_on": value},
                    headers=keys.board()), "decided_on"),
        (notif.post("/v1/reviews", json={**REFERRAL, "trigger": {"kind": "death", "date": value}},
                    headers=keys.board()), "trigger.date"),
        (notif.get("/v1/reviews", params={"decided_to": value}, headers=keys.wg), "decided_to"),
        (notif.get("/v1/reviews", params={"decided_from": value}, headers=keys.board()), "decided_from"),
        (diss.post("/v1/publications", json={**PUBLICATION, "published_on": value}, headers=keys.board()),
         "published_on"),
        (diss.get("/v1/learning/themes", params={"from": value}), "from"),
    ]
    for r, field in cases:
        body = problem(r, 422)
        assert body["errors"][0]["field"] == field, body
    assert counts(runtimes) == before


BAD_TIMES = ["10000-01-01T00:00:00Z", "0000-00-00T00:00:00Z", "2027-02-30T10:00:00Z", "2027-03-29T10:00:00",
             "2027-03-29T25:00:00Z", "2027-03-29T10:00:00+24:00", "1899-12-31T23:00:00Z",
             "2999-12-31T23:00:00-23:00", "2027-03-29", "0", 0, 1806310800, True]


@pytest.mark.parametrize("value", BAD_TIMES)
def test_bad_times_are_a_422_and_naive_times_are_refused(value, clients, keys, runtimes):
    sched = clients["scheduler"]
    pid = sched.post("/v1/participants", json=PARTICIPANT, headers=keys.board()).json()["id"]
    before = counts(runtimes)
    r = sched.put(f"/v1/participants/{pid}/busy", headers=keys.board(), json={"intervals": [
        {"start": value, "end": "2027-03-29T12:00:00+01:00"}]})
    assert problem(r, 422)["errors"][0]["field"] == "intervals[0].start"
    if not isinstance(value, (bool, int)):
        r = sched.get(f"/v1/participants/{pid}/busy", params={"from": value}, headers=keys.board())
        assert problem(r, 422)["errors"][0]["field"] == "from"
    assert counts(runtimes) == before


def test_times_with_an_offset_are_accepted(clients, keys):
    sched = clients["scheduler"]
    pid = sched.post("/v1/participants", json=PARTICIPANT, headers=keys.board()).json()["id"]
    r = sched.put(f"/v1/participants/{pid}/busy", headers=keys.board(), json={"intervals": [
        {"start": "2027-03-29T10:00:00+01:00", "end": "2027-03-29T11:00:00.5Z"},
        {"start": "2027-03-30t10:00:00z", "end": "2027-03-30T11:00:00.123456-00:30"}]})
    assert r.status_code == 200 and r.json()["stored"] == 2, r.text


# -- lax coercion ------------------------------------------------------------------------------
@pytest.mark.parametrize("child", [
    {"looked_after_in_prior_6_months": 0}, {"looked_after_in_prior_6_months": "false"},
    {"on_child_protection_register_in_prior_6_months": 1}, {"on_child_protection_register_in_prior_6_months": "yes"},
    {"age_years": "2"}, {"age_years": True}, {"age_years": 2.5},
])
def test_booleans_and_integers_must_be_json_booleans_and_integers(child, clients, keys, nothing_stored):
    body = {**REFERRAL, "child": {**REFERRAL["child"], **child}}
    r = clients["notification_api"].post("/v1/reviews", json=body, headers=keys.board())
    assert problem(r, 422)["errors"][0]["field"] == "child." + next(iter(child))


@pytest.mark.parametrize("params", [{"overdue": "0"}, {"overdue": "1"}, {"overdue": "yes"}, {"overdue": "True"},
                                    {"limit": "5.0"}, {"limit": "1_0"}, {"limit": " 5"}])
def test_query_booleans_and_integers_are_exact(params, clients, keys):
    r = clients["notification_api"].get("/v1/reviews", params=params, headers=keys.wg)
    assert problem(r, 422)["errors"][0]["field"] == next(iter(params))
    assert clients["notification_api"].get("/v1/reviews", params={"overdue": "true", "limit": "5"},
                                           headers=keys.wg).status_code == 200


def test_scheduler_numbers_in_bodies_are_json_numbers(clients, keys, nothing_stored):
    sched = clients["scheduler"]
    proposal = {"review_id": "r", "kind": "panel_meeting", "duration_minutes": "60",
                "window_start": "2027-03-22T00:00:00Z", "window_end": "2027-03-29T00:00:00Z",
                "required_participants": ["p"]}
    assert problem(sched.post("/v1/meeting-proposals", json=proposal, headers=keys.board()), 422)["errors"][0][
        "field"] == "duration_minutes"
    proposal = {**proposal, "duration_minutes": 60, "min_optional_attendance": "0.5"}
    assert problem(sched.post("/v1/meeting-proposals", json=proposal, headers=keys.board()), 422)["errors"][0][
        "field"] == "min_optional_attendance"
    meeting = {"review_id": "r", "kind": "panel_meeting", "start": "2027-03-29T10:00:00+01:00",
               "end": "2027-03-29T11:00:00+01:00", "participants": [{"participant_id": "p", "required": 1}]}
    assert problem(sched.post("/v1/meetings", json=meeting, headers=keys.board()), 422)["errors"][0][
        "field"] == "participants[0].required"
