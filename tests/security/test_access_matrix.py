"""The access matrix: every route in each service's OpenAPI document, called as each kind of
caller, with the status it must answer.

Callers: no key; a revoked key (board gwent's, revoked in every service database as
`cpr admin key revoke` does); another board's key (north-wales) on gwent's records; gwent's
own key; the Welsh Government key. Every path parameter is a real record owned by gwent,
built once for the module through the APIs (and the events they publish, handed to the other
services' consumers). A route in an OpenAPI document with no entry in TABLE fails
`test_every_route_has_an_entry` (and its own matrix cases), naming the route to add.

Conventions the table encodes (docs/DEVELOPING.md): another board's record is 404, never its
data; Welsh Government reads everything and writes nothing on a board's behalf (403); the
national feed is Welsh Government's only (a board key is 403); published learning, themes,
health, metrics and the documents are public.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.registry import specs
from shared.http.app import create_app
from shared.service import Runtime, make_runtime
from shared.settings import Settings
from tests.security.support import (
    add_key,
    bearer,
    days_ago,
    forward_events,
    request_example,
    revoke_everywhere,
)
from tests.support import AMQP_URL, METRICS_TOKEN, SECRET, delete_amqp_prefix, gate_safe_tag, make_keys, pg_url, reset_database, unique

pytestmark = pytest.mark.integration

# -- the routes, from the OpenAPI documents (they do not depend on a database) ----------------
OPENAPI = {name: create_app(Runtime(spec, Settings(), engine=None, transport=None)).openapi()
           for name, spec in specs().items()}
METHODS = ("get", "post", "put", "patch", "delete")
ROUTES = sorted((service, method.upper(), path) for service, doc in OPENAPI.items()
                for path, item in doc["paths"].items() for method in item if method in METHODS)
# FastAPI's own documentation routes are not in the documents; they are public too.
DOC_ROUTES = [(service, "GET", path) for service in OPENAPI for path in ("/openapi.json", "/docs")]

PRINCIPALS = ("no_key", "revoked", "other_board", "owner", "welsh_government")
OWNER, OTHER = "gwent", "north-wales"

Expect = int | frozenset


def _e(no_key, revoked, other_board, owner, welsh_government) -> dict[str, Expect]:
    return dict(zip(PRINCIPALS, (no_key, revoked, other_board, owner, welsh_government)))


def public(ok=200, revoked=200) -> dict[str, Expect]:
    """Anyone, with or without a key (a route that reads an optional key still refuses a bad one)."""
    return _e(ok, revoked, ok, ok, ok)


def board_read(ok=200) -> dict[str, Expect]:
    """A board's record: its board and Welsh Government read it; another board is told it is absent."""
    return _e(401, 401, 404, ok, ok)


def board_write(ok=200) -> dict[str, Expect]:
    """A change to a board's record: only its board; Welsh Government is 403, another board 404."""
    return _e(401, 401, 404, ok, 403)


def board_create(ok=201) -> dict[str, Expect]:
    """Creating a record of the caller's own board: any board; Welsh Government 403."""
    return _e(401, 401, ok, ok, 403)


def any_key(ok=200) -> dict[str, Expect]:
    """Any valid key; what it returns is scoped to the caller (checked for leaks below)."""
    return _e(401, 401, ok, ok, ok)


def own_key_only(ok=200) -> dict[str, Expect]:
    """Something a key owns (a subscription): another owner, Welsh Government included, gets 404."""
    return _e(401, 401, 404, ok, 404)


def welsh_government_only(ok=200) -> dict[str, Expect]:
    return _e(401, 401, 403, 403, ok)


@dataclass
class Entry:
    expect: dict[str, Expect]
    # Path parameters (and fresh records when the owner's call would change the shared ones).
    params: Callable[["World"], dict[str, str]] | None = None
    # Keyword arguments for the request (json=, content=, files=, data=, headers=).
    request: Callable[["World", dict[str, str]], dict[str, Any]] | None = None
    query: str | Callable[["World"], str] = ""
    variant: str = ""
    # Public routes show public data to anyone; elsewhere a refused or scoped answer must not
    # carry any of gwent's data.
    public: bool = False


# -- the records every path parameter points at -------------------------------------------------
@dataclass
class World:
    settings: Settings
    clients: dict[str, TestClient]
    runtimes: dict[str, Runtime]
    headers: dict[str, dict[str, str]]
    ids: dict[str, str] = field(default_factory=dict)
    # gwent's private content: no refused or scoped answer to anyone else may contain it.
    secrets: list[str] = field(default_factory=list)
    forwarded: set[str] = field(default_factory=set)
    key_ids: dict[str, str] = field(default_factory=dict)

    def call(self, service: str, method: str, path: str, principal: str = "owner", **kw):
        headers = {**self.headers[principal], **kw.pop("headers", {})}
        return self.clients[service].request(method, path, headers=headers, **kw)

    def ok(self, service: str, method: str, path: str, expect: int = 201, **kw) -> dict:
        r = self.call(service, method, path, **kw)
        assert r.status_code == expect, f"building the matrix's records: {method} {path}: {r.status_code} {r.text}"
        return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else {}

    def forward(self) -> None:
        forward_events(self.runtimes, "notification_api", self.forwarded)

    # fresh records, for owner calls that would change the shared ones -------------------------
    def referral(self, ref: str | None = None, summary: str | None = None) -> dict:
        return request_example(
            OPENAPI["notification_api"], "POST", "/v1/reviews",
            board_reference=ref or f"GW-{gate_safe_tag(8)}", referral_date=days_ago(300),
            trigger={"kind": "death", "date": days_ago(310)}, summary=summary,
            child={"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                   "looked_after_in_prior_6_months": False})

    def new_review(self, outcome: str | None = None, **kw) -> str:
        rid = self.ok("notification_api", "POST", "/v1/reviews", json=self.referral(**kw))["id"]
        if outcome:
            self.ok("notification_api", "POST", f"/v1/reviews/{rid}/decision",
                    json={"outcome": outcome, "decided_on": days_ago(200),
                          "rationale": None if outcome == "concise_cpr" else "The board's reasoned departure."})
        return rid

    def closable_review(self) -> str:
        rid = self.new_review("mapf")
        self.ok("notification_api", "POST", f"/v1/reviews/{rid}/milestones",
                json={"milestone": "learning_event_held", "date": days_ago(100)})
        return rid

    def approved_body(self) -> dict:
        return request_example(OPENAPI[N], "POST", "/v1/approved-reviewers",
                               work_email=f"reviewer.{uuid.uuid4().hex[:8]}@reviews.example.wales")

    def new_approved(self) -> str:
        return self.ok(N, "POST", "/v1/approved-reviewers", principal="welsh_government",
                       json=self.approved_body())["id"]

    def meeting_body(self, start: datetime, **over) -> dict:
        return request_example(OPENAPI["scheduler"], "POST", "/v1/meetings", **{
            "review_id": self.ids["review"], "kind": "panel_meeting", "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(), "allow_conflicts": True,
            "participants": [{"participant_id": self.ids["participant"], "required": True},
                             {"participant_id": self.ids["participant2"], "required": False}], **over})

    def new_meeting(self, start: datetime) -> str:
        return self.ok("scheduler", "POST", "/v1/meetings", json=self.meeting_body(start))["id"]

    def poll_body(self, **over) -> dict:
        return request_example(OPENAPI["scheduler"], "POST", "/v1/polls", **{
            "review_id": self.ids["review"], "kind": "panel_meeting", "duration_minutes": 60,
            "options": [(_FUTURE() + timedelta(days=d)).isoformat() for d in (1, 2)],
            "required_participants": [self.ids["participant"]], "optional_participants": [self.ids["participant2"]],
            "deadline": (datetime.now(UTC) + timedelta(days=3)).isoformat(), **over})

    def new_poll(self) -> str:
        poll = self.ok("scheduler", "POST", "/v1/polls", json=self.poll_body())
        self.ids[f"option:{poll['id']}"] = poll["options"][0]["id"]
        return poll["id"]

    def publication_body(self, status: str, title: str = "Learning from a review of neglect") -> dict:
        return {"review_id": self.ids["review"], "status": status,
                "title": {"en": title, "cy": "Dysgu o adolygiad o esgeulustod"},
                "summary": {"en": "Agencies did not share what they knew in time.",
                            "cy": "Ni rannodd asiantaethau yr hyn a wyddent mewn pryd."},
                "themes": ["neglect"]}

    def new_publication(self, status: str) -> str:
        return self.ok("dissemination", "POST", "/v1/publications", json=self.publication_body(status))["id"]

    def subscription_body(self, tag: str | None = None) -> dict:
        return {"callback_url": f"http://127.0.0.1:9/hooks/{tag or uuid.uuid4().hex[:8]}",
                "event_types": ["publication_published"]}

    def new_subscription(self) -> str:
        return self.ok("dissemination", "POST", "/v1/subscriptions", json=self.subscription_body())["id"]

    def theme_body(self) -> dict:
        return request_example(OPENAPI["dissemination"], "POST", "/v1/themes",
                               code=f"matrix_theme_{uuid.uuid4().hex[:8]}")

    def new_theme(self) -> str:
        return self.ok("dissemination", "POST", "/v1/themes", json=self.theme_body())["code"]


def _upload(content: bytes = b"Learning for every agency.\n") -> dict:
    return {"files": {"file": ("briefing.txt", content, "text/plain")},
            "data": {"kind": "seven_minute_briefing", "title_en": "Seven-minute briefing",
                     "title_cy": "Briff saith munud"}}


def _ics() -> str:
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    fmt = "%Y%m%dT%H%M%SZ"
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//cpr tests//EN", "BEGIN:VEVENT",
                        "UID:matrix-1@example.wales", "DTSTAMP:20261101T000000Z", f"DTSTART:{start:{fmt}}",
                        f"DTEND:{start + timedelta(hours=1):{fmt}}", "END:VEVENT", "END:VCALENDAR"]) + "\r\n"


def _ids(**names: str) -> Callable[[World], dict[str, str]]:
    """Path parameters from the shared records: {param: key in World.ids}."""
    return lambda w: {param: w.ids[key] for param, key in names.items()}


R = _ids(review_id="review")
PART = _ids(participant_id="participant")
MEET = _ids(meeting_id="meeting")
PUB = _ids(publication_id="publication")
SUB = _ids(subscription_id="subscription")


def _FUTURE() -> datetime:  # noqa: N802 (a constant that moves with the clock)
    return (datetime.now(UTC) + timedelta(days=9)).replace(hour=10, minute=0, second=0, microsecond=0)


N, S, D = "notification_api", "scheduler", "dissemination"

TABLE: dict[tuple[str, str, str], list[Entry]] = {
    # ---- operations (every service) ----
    **{(svc, "GET", p): [Entry(public(), public=True)]
       for svc in (N, S, D) for p in ("/healthz", "/readyz")},
    # Metrics are for the scraper's token (CPR_METRICS_TOKEN), which no API key is.
    **{(svc, "GET", "/metrics"): [Entry(_e(401, 401, 401, 401, 401))] for svc in (N, S, D)},

    # ---- notification API ----
    (N, "POST", "/v1/reviews"): [Entry(board_create(201), request=lambda w, p: {"json": w.referral()})],
    (N, "GET", "/v1/reviews"): [
        Entry(any_key(200)),
        # Another board asking for gwent's reviews by name gets an empty page.
        Entry(any_key(200), query="?board=gwent", variant=" ?board=gwent"),
    ],
    (N, "GET", "/v1/reviews/{review_id}"): [Entry(board_read(), R)],
    (N, "POST", "/v1/reviews/{review_id}/decision"): [Entry(
        board_write(201), lambda w: {"review_id": w.new_review()},
        lambda w, p: {"json": request_example(OPENAPI[N], "POST", "/v1/reviews/{review_id}/decision",
                                              outcome="concise_cpr", decided_on=days_ago(200), rationale=None)})],
    (N, "POST", "/v1/reviews/{review_id}/milestones"): [Entry(
        board_write(frozenset({200, 201})), R,
        lambda w, p: {"json": request_example(OPENAPI[N], "POST", "/v1/reviews/{review_id}/milestones",
                                              milestone="panel_convened", date=days_ago(150))})],
    (N, "POST", "/v1/reviews/{review_id}/proceedings"): [Entry(
        board_write(201), R,
        lambda w, p: {"json": request_example(OPENAPI[N], "POST", "/v1/reviews/{review_id}/proceedings",
                                              kind="criminal", started_on=days_ago(60))})],
    (N, "PATCH", "/v1/reviews/{review_id}/proceedings/{proceeding_id}"): [Entry(
        board_write(200), _ids(review_id="review", proceeding_id="proceeding"),
        lambda w, p: {"json": {"ended_on": days_ago(10)}})],
    (N, "POST", "/v1/reviews/{review_id}/close"): [Entry(
        board_write(201), lambda w: {"review_id": w.closable_review()},
        lambda w, p: {"json": {"closed_on": days_ago(1)}})],
    (N, "GET", "/v1/reviews/{review_id}/audit"): [Entry(board_read(), R)],
    (N, "GET", "/v1/review-types"): [Entry(any_key(200))],
    (N, "POST", "/v1/reviews/{review_id}/appointments"): [Entry(
        board_write(201), lambda w: {"review_id": w.new_review("concise_cpr")},
        lambda w, p: {"json": {"approved_reviewer_id": w.ids["approved"], "role": "reviewer",
                               "appointed_on": days_ago(150)}})],
    (N, "GET", "/v1/reviews/{review_id}/appointments"): [Entry(board_read(), R)],
    # The approved list is Welsh Government's to keep; every key reads it (boards choose from it).
    (N, "POST", "/v1/approved-reviewers"): [Entry(welsh_government_only(201),
                                                  request=lambda w, p: {"json": w.approved_body()})],
    (N, "GET", "/v1/approved-reviewers"): [Entry(any_key(200))],
    (N, "GET", "/v1/approved-reviewers/{reviewer_id}"): [Entry(any_key(200), _ids(reviewer_id="approved"))],
    (N, "PATCH", "/v1/approved-reviewers/{reviewer_id}"): [Entry(
        welsh_government_only(200), lambda w: {"reviewer_id": w.new_approved()},
        lambda w, p: {"json": {"work_phone": "029 2000 0002"}})],
    (N, "GET", "/v1/monitoring/review-types"): [
        Entry(any_key(200)),
        Entry(_e(401, 401, 403, 200, 200), query="?board=gwent", variant=" ?board=gwent"),
    ],
    (N, "GET", "/v1/monitoring"): [
        Entry(any_key(200)),
        # One board's figures: a board asking for another board's is 403.
        Entry(_e(401, 401, 403, 200, 200), query="?board=gwent", variant=" ?board=gwent"),
    ],
    (N, "GET", "/v1/monitoring/durations"): [
        Entry(any_key(200)),
        Entry(_e(401, 401, 403, 200, 200), query="?board=gwent", variant=" ?board=gwent"),
    ],

    # ---- scheduler ----
    (S, "POST", "/v1/participants"): [Entry(board_create(201), request=lambda w, p: {
        "json": request_example(OPENAPI[S], "POST", "/v1/participants", display_name="Alun Newcomer",
                                email=f"alun.{uuid.uuid4().hex[:6]}@police.example.wales")})],
    (S, "GET", "/v1/participants"): [Entry(any_key(200))],
    (S, "GET", "/v1/participants/{participant_id}"): [Entry(board_read(), PART)],
    (S, "PATCH", "/v1/participants/{participant_id}"): [Entry(
        board_write(200), PART, lambda w, p: {"json": {"role": "Named nurse for safeguarding"}})],
    (S, "PUT", "/v1/participants/{participant_id}/busy"): [Entry(
        board_write(200), PART,
        lambda w, p: {"json": request_example(OPENAPI[S], "PUT", "/v1/participants/{participant_id}/busy")})],
    (S, "GET", "/v1/participants/{participant_id}/busy"): [Entry(board_read(), PART)],
    (S, "PUT", "/v1/participants/{participant_id}/calendar"): [Entry(
        board_write(200), PART, lambda w, p: {"content": _ics(), "headers": {"Content-Type": "text/calendar"}})],
    (S, "DELETE", "/v1/participants/{participant_id}/calendar"): [Entry(board_write(204), PART)],
    (S, "POST", "/v1/meeting-proposals"): [Entry(
        _e(401, 401, 404, 404, 403), variant=" (north-wales review, gwent participants)",
        request=lambda w, p: {"json": {
            "review_id": w.ids["other_review"], "kind": "panel_meeting", "duration_minutes": 60,
            "window_start": _FUTURE().isoformat(), "window_end": (_FUTURE() + timedelta(days=14)).isoformat(),
            "required_participants": [w.ids["participant"]]}}), Entry(
        # gwent's review and participants: another board is told they do not exist.
        _e(401, 401, 404, 201, 403), request=lambda w, p: {"json": request_example(
            OPENAPI[S], "POST", "/v1/meeting-proposals", review_id=w.ids["review"], kind="panel_meeting",
            duration_minutes=60, window_start=_FUTURE().isoformat(),
            window_end=(_FUTURE() + timedelta(days=14)).isoformat(),
            required_participants=[w.ids["participant"]], optional_participants=[w.ids["participant2"]])})],
    (S, "GET", "/v1/meeting-proposals/{proposal_id}"): [Entry(board_read(), _ids(proposal_id="proposal"))],
    (S, "POST", "/v1/meetings"): [
        Entry(_e(401, 401, 404, 201, 403),
              request=lambda w, p: {"json": w.meeting_body(_FUTURE() + timedelta(days=1))}),
        # north-wales's own review with gwent's participants: nobody may mix boards' records.
        Entry(_e(401, 401, 404, 404, 403), variant=" (north-wales review, gwent participants)",
              request=lambda w, p: {"json": w.meeting_body(_FUTURE() + timedelta(days=1),
                                                           review_id=w.ids["other_review"])}),
    ],
    (S, "GET", "/v1/meetings"): [
        Entry(any_key(200)),
        Entry(any_key(200), query=lambda w: f"?review_id={w.ids['review']}", variant=" ?review_id=gwent's"),
    ],
    (S, "GET", "/v1/meetings/{meeting_id}"): [Entry(board_read(), MEET)],
    (S, "POST", "/v1/polls"): [
        Entry(_e(401, 401, 404, 201, 403), request=lambda w, p: {"json": w.poll_body()}),
        Entry(_e(401, 401, 404, 404, 403), variant=" (north-wales review, gwent participants)",
              request=lambda w, p: {"json": w.poll_body(review_id=w.ids["other_review"])}),
    ],
    (S, "GET", "/v1/polls"): [Entry(any_key(200))],
    (S, "GET", "/v1/polls/{poll_id}"): [Entry(board_read(), _ids(poll_id="poll"))],
    (S, "GET", "/v1/polls/{poll_id}/results.csv"): [Entry(board_read(), _ids(poll_id="poll"))],
    (S, "POST", "/v1/polls/{poll_id}/finalise"): [Entry(
        board_write(201), lambda w: {"poll_id": w.new_poll()},
        lambda w, p: {"json": {"option_id": w.ids[f"option:{p['poll_id']}"], "allow_conflicts": True}})],
    (S, "PATCH", "/v1/meetings/{meeting_id}"): [Entry(
        board_write(200), MEET, lambda w, p: {"json": {"location": "Board office, room 3"}})],
    (S, "GET", "/v1/meetings/{meeting_id}/invite.ics"): [Entry(board_read(), MEET)],
    (S, "POST", "/v1/meetings/{meeting_id}/responses"): [Entry(
        board_write(200), MEET,
        lambda w, p: {"json": {"participant_id": w.ids["participant2"], "response": "accepted"}})],
    (S, "GET", "/v1/meetings/{meeting_id}/alternatives"): [Entry(board_read(), MEET)],
    (S, "POST", "/v1/meetings/{meeting_id}/alternatives"): [Entry(board_write(201), MEET, lambda w, p: {"json": {}})],
    (S, "POST", "/v1/meetings/{meeting_id}/attendance"): [Entry(
        board_write(200), lambda w: {"meeting_id": w.new_meeting(datetime.now(UTC) - timedelta(days=2))},
        lambda w, p: {"json": {"attended": [w.ids["participant"]]}})],
    (S, "GET", "/v1/reviews/{review_id}"): [Entry(board_read(), R)],
    (S, "GET", "/v1/reviews/{review_id}/plan"): [Entry(board_read(), R)],

    # ---- dissemination ----
    (D, "GET", "/v1/feed"): [
        Entry(welsh_government_only()),
        Entry(welsh_government_only(), query="?board=gwent", variant=" ?board=gwent"),
    ],
    (D, "GET", "/v1/feed.atom"): [Entry(welsh_government_only())],
    (D, "POST", "/v1/publications"): [Entry(
        # Publishing about gwent's review: another board is told the review does not exist.
        _e(401, 401, 404, 201, 403), request=lambda w, p: {"json": w.publication_body("draft")})],
    (D, "GET", "/v1/publications"): [Entry(public(), public=True)],
    (D, "GET", "/v1/publications.atom"): [Entry(public(), public=True)],
    (D, "GET", "/v1/publications/{publication_id}"): [
        # Published: public. A key that is sent must still be valid.
        Entry(public(revoked=401), PUB, public=True),
        # A draft: its board only (Welsh Government reads published learning like the public).
        Entry(_e(404, 401, 404, 200, 404), _ids(publication_id="draft"), variant=" (draft)"),
    ],
    (D, "PATCH", "/v1/publications/{publication_id}"): [Entry(
        board_write(200), _ids(publication_id="draft"),
        lambda w, p: {"json": {"recommendations": ["Agencies share chronologies at the strategy meeting."]}})],
    (D, "POST", "/v1/publications/{publication_id}/publish"): [Entry(
        board_write(200), lambda w: {"publication_id": w.new_publication("draft")})],
    (D, "POST", "/v1/publications/{publication_id}/withdraw"): [Entry(
        board_write(200), lambda w: {"publication_id": w.new_publication("published")})],
    (D, "POST", "/v1/publications/{publication_id}/documents"): [Entry(
        board_write(201), PUB, lambda w, p: _upload())],
    (D, "GET", "/v1/publications/{publication_id}/documents/{document_id}"): [
        Entry(public(revoked=401), _ids(publication_id="publication", document_id="document"), public=True),
        Entry(_e(404, 401, 404, 200, 404), _ids(publication_id="draft", document_id="draft_document"),
              variant=" (draft)"),
    ],
    (D, "GET", "/v1/themes"): [Entry(public(), public=True)],
    # Any board, and Welsh Government, may add a theme (each call a new code); only Welsh
    # Government deactivates one (a theme added for the call, not one the records use).
    (D, "POST", "/v1/themes"): [Entry(any_key(201), request=lambda w, p: {"json": w.theme_body()})],
    (D, "PATCH", "/v1/themes/{code}"): [Entry(
        welsh_government_only(200), lambda w: {"code": w.new_theme()}, lambda w, p: {"json": {"active": False}})],
    (D, "GET", "/v1/learning/themes"): [Entry(public(), public=True)],
    (D, "POST", "/v1/subscriptions"): [Entry(any_key(201), request=lambda w, p: {"json": w.subscription_body()})],
    (D, "GET", "/v1/subscriptions/{subscription_id}"): [Entry(own_key_only(200), SUB)],
    (D, "DELETE", "/v1/subscriptions/{subscription_id}"): [Entry(
        own_key_only(204), lambda w: {"subscription_id": w.new_subscription()})],
    (D, "GET", "/v1/subscriptions/{subscription_id}/deliveries"): [Entry(own_key_only(200), SUB)],
}


# -- the module's services, keys and records ----------------------------------------------------
@pytest.fixture(scope="module")
def world(pg_databases):
    """Built once for the module (the function-scoped fixtures would rebuild it per case):
    the databases emptied, keys made, one revoked, and gwent's records created through the APIs."""
    for service, name in pg_databases.items():
        reset_database(name, specs()[service].reference_tables)
    values = {f"{s}_database_url": pg_url(n) for s, n in pg_databases.items()}
    settings = Settings(amqp_url=AMQP_URL, amqp_prefix=unique("cprsec"), secret_key=SECRET,
                        rate_limit_per_second=0,  # the matrix is not a misbehaving client
                        webhook_allow_private=True, webhook_allow_http=True, metrics_token=METRICS_TOKEN, **values)
    keys = make_keys(settings)
    revoked_key, revoked_id = add_key(settings, board_code=OWNER, label="to be revoked")
    runtimes = {name: make_runtime(spec, settings) for name, spec in specs().items()}
    clients = {name: TestClient(create_app(rt), raise_server_exceptions=False) for name, rt in runtimes.items()}
    headers = {"no_key": {}, "revoked": bearer(revoked_key), "other_board": keys.board(OTHER),
               "owner": keys.board(OWNER), "welsh_government": keys.wg}
    w = World(settings, clients, runtimes, headers)
    w.key_ids = {"revoked": revoked_id, "other_board": keys.key_ids[OTHER]}
    try:
        # The key to be revoked works on every API until it is revoked.
        for name, path in (("notification_api", "/v1/reviews"), ("scheduler", "/v1/participants"),
                           ("dissemination", "/v1/subscriptions/none")):
            assert clients[name].get(path, headers=headers["revoked"]).status_code in (200, 404), name
        revoke_everywhere(settings, revoked_id)
        _build(w)
        yield w
    finally:
        for c in clients.values():
            c.close()
        for rt in runtimes.values():
            rt.engine.dispose()
        delete_amqp_prefix(settings.amqp_prefix, [spec.topology(settings) for spec in specs().values()])


def _build(w: World) -> None:
    marker = gate_safe_tag()
    ref, summary = f"GW-MATRIX-{marker}", f"Agencies missed repeated bruising matrix{marker}."
    # notification API: a decided review with a proceeding
    rid = w.new_review("concise_cpr", ref=ref, summary=summary)
    w.ids["review"] = rid
    w.ids["approved"] = w.new_approved()
    w.ids["proceeding"] = w.ok(N, "POST", f"/v1/reviews/{rid}/proceedings",
                               json={"kind": "criminal", "started_on": days_ago(50)})["id"]
    # north-wales has a review too (for the mixed-board cases)
    w.ids["other_review"] = w.ok(N, "POST", "/v1/reviews", principal="other_board",
                                 json=w.referral())["id"]
    # scheduler and dissemination learn of them from the events, as they would from the broker
    w.forward()
    assert w.ok(S, "GET", f"/v1/reviews/{rid}/plan", expect=200)
    # scheduler: participants, busy time, a proposal and a meeting
    for key, name in (("participant", "Ceri Matrixjones"), ("participant2", "Dewi Matrixevans")):
        email = f"{name.lower().replace(' ', '.')}.{marker}@health.example.wales"
        w.ids[key] = w.ok(S, "POST", "/v1/participants", json={"display_name": name, "email": email,
                                                               "agency_code": "health"})["id"]
        w.secrets += [name, email]
    w.ids["proposal"] = w.ok(S, "POST", "/v1/meeting-proposals", json={
        "review_id": rid, "kind": "panel_meeting", "duration_minutes": 60,
        "window_start": _FUTURE().isoformat(), "window_end": (_FUTURE() + timedelta(days=14)).isoformat(),
        "required_participants": [w.ids["participant"]]})["id"]
    notes = f"Bring chronologies matrix-notes-{marker}"
    w.ids["meeting"] = w.ok(S, "POST", "/v1/meetings", json=w.meeting_body(_FUTURE(), notes=notes))["id"]
    w.ids["poll"] = w.new_poll()
    # dissemination: a published publication with a document, a draft with one, a subscription
    w.ids["publication"] = w.new_publication("published")
    w.ids["document"] = w.ok(D, "POST", f"/v1/publications/{w.ids['publication']}/documents", **_upload())["id"]
    draft_title = f"Draft learning matrix{marker}"
    w.ids["draft"] = w.ok(D, "POST", "/v1/publications", json=w.publication_body("draft", draft_title))["id"]
    w.ids["draft_document"] = w.ok(D, "POST", f"/v1/publications/{w.ids['draft']}/documents",
                                   **_upload(b"Draft briefing.\n"))["id"]
    hook = f"matrix-hook-{marker}"
    w.ids["subscription"] = w.ok(D, "POST", "/v1/subscriptions", json=w.subscription_body(hook))["id"]
    w.secrets += [ref, summary, notes, draft_title, hook]


# -- the tests --------------------------------------------------------------------------------
def _cases():
    for route in ROUTES:
        entries = TABLE.get(route) or [None]
        for entry in entries:
            for principal in PRINCIPALS:
                variant = entry.variant if entry else ""
                yield pytest.param(route, entry, principal,
                                   id=f"{route[0]} {route[1]} {route[2]}{variant} as {principal}")


def _missing_message(routes) -> str:
    return ("These routes are in an OpenAPI document but have no entry in the access matrix "
            "(tests/security/test_access_matrix.py TABLE); add one stating the expected status for "
            f"each of {', '.join(PRINCIPALS)}: " + "; ".join(" ".join(r) for r in sorted(routes)))


def test_every_route_has_an_entry():
    missing = set(ROUTES) - set(TABLE)
    assert not missing, _missing_message(missing)
    stale = set(TABLE) - set(ROUTES)
    assert not stale, ("These access-matrix entries name routes no OpenAPI document has any more; remove or "
                       "rename them: " + "; ".join(" ".join(r) for r in sorted(stale)))


@pytest.mark.parametrize("route,entry,principal", list(_cases()))
def test_access(world: World, route, entry: Entry | None, principal: str):
    if entry is None:
        pytest.fail(_missing_message([route]))
    service, method, template = route
    params = entry.params(world) if entry.params else {}
    path = template.format(**params)
    kwargs = entry.request(world, params) if entry.request else {}
    query = entry.query(world) if callable(entry.query) else entry.query
    r = world.call(service, method, path + query, principal, **kwargs)

    expected = entry.expect[principal]
    allowed = expected if isinstance(expected, frozenset) else {expected}
    assert r.status_code in allowed, (
        f"{method} {template}{entry.variant} as {principal}: expected {sorted(allowed)}, got {r.status_code}: "
        f"{r.text[:500]}")
    if r.status_code >= 400:
        assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
        if r.status_code == 401:
            assert r.headers.get("www-authenticate", "").startswith("Bearer"), r.headers
    if principal in ("no_key", "revoked", "other_board") and not entry.public:
        sent = path + query + json.dumps(kwargs.get("json")) + str(kwargs.get("data"))
        # The approved list is Welsh Government's, read by every board: not gwent's data.
        gwents = [v for k, v in world.ids.items() if k not in ("other_review", "approved")]
        leaked = [s for s in world.secrets + gwents if s not in sent and s in r.text]
        assert not leaked, f"{method} {template} as {principal} shows gwent's data: {leaked}"


@pytest.mark.parametrize("service,method,path", DOC_ROUTES, ids=[f"{s} {m} {p}" for s, m, p in DOC_ROUTES])
def test_documentation_routes_are_public(world: World, service, method, path):
    r = world.call(service, method, path, "no_key")
    assert r.status_code == 200, r.text


def test_refused_callers_left_no_trace_in_the_audit_trail(world: World):
    """Runs after the matrix: neither the revoked key nor another board's key got as far as
    reading or changing gwent's review, so neither is in its audit trail."""
    trail, cursor = [], None
    while True:
        r = world.call(N, "GET", f"/v1/reviews/{world.ids['review']}/audit?limit=200"
                                 + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.text
        trail += r.json()["items"]
        if not (cursor := r.json()["next_cursor"]):
            break
    assert {e["principal"] for e in trail} <= {"board:gwent", "welsh-government"}
    assert not {e["key_id"] for e in trail} & set(world.key_ids.values())
