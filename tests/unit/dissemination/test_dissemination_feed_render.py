"""National feed rendering: a reader following the paging links sees every entry exactly once,
in order, in both formats; nothing that looks like free text gets in."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.dissemination.feed.render import (
    ATOM_MEDIA_TYPE,
    JSON_FEED_MEDIA_TYPE,
    JSON_FEED_VERSION,
    FeedEntry,
    check_structured_data,
    describe,
    make_feed_entry,
    page_links,
    render_atom,
    render_json_feed,
)

BASE = "https://cpr.example.wales/v1/feed"
T0 = datetime(2024, 3, 30, 23, 0, tzinfo=UTC)  # a clock change follows: offsets must stay explicit
KINDS = [
    ("review.referred", {"review_type": None}),
    ("review.decision_recorded", {"outcome": "concise_cpr", "review_type": "concise_cpr"}),
    ("review.milestone_recorded", {"milestone": "learning_event_held", "on": "2024-04-02"}),
    ("review.proceedings_changed", {"proceedings_kind": "coroner_inquest", "proceedings_status": "started"}),
    ("review.overdue", {"review_type": "extended_cpr", "days_overdue": 3}),
    ("learning_event.held", {"attended": {"required": 5, "present": 4}}),
]
BOARDS = [("gwent", "Gwent"), ("ctm", "Cwm Taf Morgannwg"), ("nw", "North Wales")]


def make_entries(n: int) -> list[FeedEntry]:
    out = []
    for i in range(n):
        kind, data = KINDS[i % len(KINDS)]
        code, name = BOARDS[i % len(BOARDS)]
        out.append(
            make_feed_entry(
                id=uuid.UUID(int=i + 1),
                seq=10 * (i + 1),  # gaps, as a real sequence has after filtering
                occurred_at=T0 + timedelta(minutes=37 * i),
                entry_type=kind,
                board_code=code,
                board_name=name,
                data={k: v for k, v in data.items() if v is not None},
                review_id=uuid.UUID(int=1000 + i),
                event_type=f"{kind}.v1",
                event_id=f"evt-{i}",
            )
        )
    return out


def after(seq: int) -> str:
    return f"a{seq}"


def before(seq: int) -> str:
    return f"b{seq}"


class FakeFeedServer:
    """What the service layer will do: keyset query by cursor, links from page_links.
    (Cursor encoding is the service's; this fake uses "a<seq>" / "b<seq>".)"""

    def __init__(self, entries: list[FeedEntry], limit: int) -> None:
        self.entries = sorted(entries, key=lambda e: e.seq)
        self.limit = limit

    def page(self, url: str) -> tuple[list[FeedEntry], object]:
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        cursor = query.pop("cursor", None)
        board = query.get("board")
        pool = [e for e in self.entries if board is None or e.board_code == board]
        if cursor is None:
            chunk = pool[: self.limit]
        elif cursor[0] == "b":
            chunk = [e for e in pool if e.seq < int(cursor[1:])][-self.limit:]
        else:
            chunk = [e for e in pool if e.seq > int(cursor[1:])][: self.limit]
        first = chunk[0].seq if chunk else None
        last = chunk[-1].seq if chunk else None
        links = page_links(
            urlsplit(url)._replace(query="").geturl(),
            cursor=cursor,
            next_cursor=after(last) if last is not None and any(e.seq > last for e in pool) else None,
            previous_cursor=before(first) if first is not None and any(e.seq < first for e in pool) else None,
            resume_cursor=after(last) if last is not None else None,
            params=query,
            home_page_url="https://cpr.example.wales/",
        )
        return chunk, links

    def atom(self, url: str) -> bytes:
        return render_atom(*self.page(url))

    def json(self, url: str) -> bytes:
        return json.dumps(render_json_feed(*self.page(url))).encode("utf-8")


def link(parsed, rel: str) -> str | None:
    hrefs = [lk["href"] for lk in parsed.feed.get("links", []) if lk.get("rel") == rel]
    assert len(hrefs) <= 1, f"more than one {rel} link"
    return hrefs[0] if hrefs else None


def read_atom_forward(server: FakeFeedServer, url: str) -> tuple[list, int]:
    seen, pages = [], 0
    while url:
        parsed = feedparser.parse(server.atom(url))
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert parsed.version == "atom10"
        seen.extend(parsed.entries)
        pages += 1
        assert pages < 100, "paging does not terminate"
        url = link(parsed, "next")
    return seen, pages


def assert_json_feed_shape(doc: dict) -> None:
    """The JSON Feed 1.1 rules a reader relies on (feedparser 6.0 cannot read JSON Feed)."""
    assert doc["version"] == JSON_FEED_VERSION
    assert isinstance(doc["title"], str) and doc["title"]
    assert isinstance(doc["items"], list)
    for key in ("home_page_url", "feed_url", "next_url"):
        assert key not in doc or isinstance(doc[key], str)
    assert all(k.startswith("_") or k in {
        "version", "title", "home_page_url", "feed_url", "description", "user_comment", "next_url",
        "icon", "favicon", "authors", "language", "expired", "hubs", "items"} for k in doc)
    for item in doc["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert "content_text" in item or "content_html" in item
        assert all(k.startswith("_") or k in {
            "id", "url", "external_url", "title", "content_html", "content_text", "summary", "image",
            "banner_image", "date_published", "date_modified", "authors", "tags", "language",
            "attachments"} for k in item)
        assert datetime.fromisoformat(item["date_published"]).utcoffset() is not None
        assert all(isinstance(t, str) for t in item["tags"])


def test_media_types_are_the_registered_ones():
    assert JSON_FEED_MEDIA_TYPE == "application/feed+json"
    assert ATOM_MEDIA_TYPE == "application/atom+xml"
    assert JSON_FEED_VERSION == "https://jsonfeed.org/version/1.1"


def test_atom_reader_sees_every_entry_once_in_order_with_its_fields():
    entries = make_entries(23)
    server = FakeFeedServer(entries, limit=5)
    seen, pages = read_atom_forward(server, BASE + ".atom")
    assert pages == 5
    assert [e.id for e in seen] == [f"urn:uuid:{x.id}" for x in entries]
    for got, want in zip(seen, entries):
        assert got.title == want.title
        assert got.title_detail["type"] == "text/plain"
        assert got.content[0]["type"] == "text/plain"
        assert got.content[0]["value"].startswith(want.title + "\n")
        assert datetime.fromisoformat(got.updated) == want.occurred_at
        assert [t["term"] for t in got.tags] == list(want.tags)
        assert got.cpr_entry["seq"] == str(want.seq)
        assert got.cpr_entry["board"] == want.board_code
        assert got.cpr_entry["reviewid"] == str(want.review_id)
        assert json.loads(got.cpr_data) == dict(want.data)


def test_atom_paging_links_follow_rfc5005():
    server = FakeFeedServer(make_entries(12), limit=5)
    first = feedparser.parse(server.atom(BASE + ".atom"))
    assert link(first, "self") == BASE + ".atom"
    assert link(first, "first") == BASE + ".atom"
    assert link(first, "previous") is None
    assert link(first, "next") is not None
    types = {lk["rel"]: lk.get("type") for lk in first.feed.links}
    assert types["self"] == types["next"] == ATOM_MEDIA_TYPE
    assert first.feed.id == BASE + ".atom"  # same feed identity on every page

    middle = feedparser.parse(server.atom(link(first, "next")))
    assert link(middle, "previous") is not None and link(middle, "next") is not None
    assert link(middle, "self") == link(first, "next")
    assert middle.feed.id == first.feed.id

    last = feedparser.parse(server.atom(link(middle, "next")))
    assert link(last, "next") is None
    assert [e.id for e in last.entries] == [f"urn:uuid:{uuid.UUID(int=i)}" for i in (11, 12)]


def test_atom_reader_walking_previous_links_sees_everything_backwards():
    entries = make_entries(17)
    server = FakeFeedServer(entries, limit=4)
    parsed = feedparser.parse(server.atom(BASE + ".atom"))
    while link(parsed, "next"):  # go to the newest page
        parsed = feedparser.parse(server.atom(link(parsed, "next")))
    pages = [parsed.entries]
    while link(parsed, "previous"):
        parsed = feedparser.parse(server.atom(link(parsed, "previous")))
        pages.append(parsed.entries)
    ids = [e.id for page in reversed(pages) for e in page]
    assert ids == [f"urn:uuid:{x.id}" for x in entries]


def test_filters_stay_on_every_link_and_filtered_pages_are_complete():
    entries = make_entries(30)
    server = FakeFeedServer(entries, limit=3)
    seen, _ = read_atom_forward(server, BASE + ".atom?board=ctm")
    assert [e.id for e in seen] == [f"urn:uuid:{x.id}" for x in entries if x.board_code == "ctm"]
    assert all(e.cpr_entry["board"] == "ctm" for e in seen)


def test_json_feed_reader_sees_every_entry_once_in_order():
    entries = make_entries(23)
    server = FakeFeedServer(entries, limit=5)
    url, items, pages = BASE, [], 0
    while url:
        doc = json.loads(server.json(url))
        assert_json_feed_shape(doc)
        assert doc["feed_url"] == BASE
        items.extend(doc["items"])
        url = doc.get("next_url")
        pages += 1
    assert pages == 5
    assert [i["id"] for i in items] == [x.id.urn for x in entries]
    for item, want in zip(items, entries):
        assert item["title"] == want.title
        assert datetime.fromisoformat(item["date_published"]) == want.occurred_at
        assert item["tags"] == list(want.tags)
        cpr = item["_cpr"]
        assert cpr["entry_type"] == want.entry_type
        assert cpr["board_code"] == want.board_code
        assert cpr["review_id"] == str(want.review_id)
        assert cpr["event_type"] == want.event_type
        assert cpr["seq"] == want.seq
        assert cpr["data"] == dict(want.data)


def test_last_json_page_has_no_next_url_but_tells_the_reader_where_to_resume():
    entries = make_entries(4)
    server = FakeFeedServer(entries, limit=10)
    doc = json.loads(server.json(BASE))
    assert "next_url" not in doc
    resume = doc["_cpr"]["resume_url"]
    assert parse_qs(urlsplit(resume).query)["cursor"] == [after(entries[-1].seq)]
    # New entries arrive; polling the resume URL returns exactly those.
    server.entries += make_entries(7)[4:]
    later = json.loads(server.json(resume))
    assert [i["id"] for i in later["items"]] == [uuid.UUID(int=i).urn for i in (5, 6, 7)]


def test_empty_page_renders_valid_documents_with_stable_updated():
    links = page_links(BASE, cursor=after(99), next_cursor=None)
    a1, a2 = render_atom([], links), render_atom([], links)
    assert a1 == a2  # no "now" inside: a stable ETag for an unchanged page
    parsed = feedparser.parse(a1)
    assert not parsed.bozo and parsed.entries == [] and link(parsed, "next") is None
    doc = render_json_feed([], links)
    assert_json_feed_shape(doc)
    assert doc["items"] == [] and "next_url" not in doc
    assert doc["_cpr"]["resume_url"] == links.self_url


def test_titles_come_from_codes_only():
    assert describe("review.decision_recorded", "Gwent", {"outcome": "concise_cpr"}) == (
        "Gwent: decision recorded (concise CPR)"
    )
    assert describe("review.overdue", "Gwent", {"review_type": "extended_cpr"}) == (
        "Gwent: review overdue (extended CPR)"
    )
    # A value that is not a code never reaches the title.
    assert describe("review.decision_recorded", "Gwent", {"outcome": "Jane Doe, 12 High St"}) == (
        "Gwent: decision recorded"
    )


@pytest.mark.parametrize(
    "data",
    [
        {"rationale": "Child known to school nurse since 2019"},
        {"note": "x" * 65},
        {"nested": {"summary": "two words"}},
        {"items": ["ok", "not ok"]},
        {"Bad Key": 1},
        {"blob": object()},
    ],
)
def test_prose_in_structured_data_is_refused_at_write_and_at_render(data):
    with pytest.raises(ValueError):
        check_structured_data(data)
    with pytest.raises(ValueError):
        make_feed_entry(id=uuid.uuid4(), seq=1, occurred_at=T0, entry_type="review.referred",
                        board_code="gwent", data=data)
    # Fail closed even if a row bypassed make_feed_entry.
    bad = FeedEntry(id=uuid.uuid4(), seq=1, occurred_at=T0, entry_type="review.referred",
                    board_code="gwent", title="Gwent: incident referred", data=data)
    links = page_links(BASE, cursor=None, next_cursor=None)
    with pytest.raises(ValueError):
        render_atom([bad], links)
    with pytest.raises(ValueError):
        render_json_feed([bad], links)


def test_structured_data_allows_codes_ids_dates_and_numbers():
    check_structured_data({
        "outcome": "extended_cpr", "review_id": str(uuid.uuid4()), "decided_on": "2024-05-01",
        "at": "2024-05-01T10:00:00+01:00", "count": 3, "ratio": 0.5, "flag": True, "none": None,
        "agencies": ["police", "health_board"], "attendance": {"required": 4},
    })


def test_naive_timestamps_are_refused():
    with pytest.raises(ValueError):
        make_feed_entry(id=uuid.uuid4(), seq=1, occurred_at=datetime(2024, 1, 1), entry_type="review.referred",
                        board_code="gwent", data={})


def test_times_are_rendered_in_utc_with_an_offset():
    bst = timezone(timedelta(hours=1))
    e = make_feed_entry(id=uuid.uuid4(), seq=1, occurred_at=datetime(2024, 6, 1, 9, 30, tzinfo=bst),
                        entry_type="review.referred", board_code="gwent", data={})
    links = page_links(BASE, cursor=None, next_cursor=None)
    assert render_json_feed([e], links)["items"][0]["date_published"] == "2024-06-01T08:30:00+00:00"
    assert b"<updated>2024-06-01T08:30:00+00:00</updated>" in render_atom([e], links)


def test_page_links_keep_filters_and_encode_the_cursor():
    links = page_links(BASE, cursor="abc=", next_cursor="d/e+f", previous_cursor="p",
                       params={"entry_type": "review.overdue", "board": "gwent", "cursor": "stale", "x": None})
    assert links.first_url == BASE + "?board=gwent&entry_type=review.overdue"
    assert links.self_url == links.first_url + "&cursor=abc%3D"
    assert links.next_url == links.first_url + "&cursor=d%2Fe%2Bf"
    assert links.previous_url == links.first_url + "&cursor=p"
    assert links.resume_url == links.self_url  # no resume cursor: poll this page again


def test_entry_ids_may_be_uuid_strings_from_the_database_but_must_be_uuids():
    e = make_feed_entry(id=str(uuid.UUID(int=7)), seq=1, occurred_at=T0, entry_type="review_referred",
                        board_code="gwent", board_name="Gwent", data={}, review_id=str(uuid.UUID(int=8)))
    assert e.title == "Gwent: incident referred"  # "review_referred" and "review.referred" agree
    links = page_links(BASE, cursor=None, next_cursor=None)
    assert render_json_feed([e], links)["items"][0]["id"] == uuid.UUID(int=7).urn
    with pytest.raises(ValueError):
        make_feed_entry(id="evt-1", seq=1, occurred_at=T0, entry_type="review_referred",
                        board_code="gwent", data={})


@settings(max_examples=25, deadline=None)
@given(n=st.integers(min_value=0, max_value=30), limit=st.integers(min_value=1, max_value=8))
def test_any_page_size_reads_every_entry_exactly_once(n, limit):
    entries = make_entries(n)
    server = FakeFeedServer(entries, limit)
    seen, pages = read_atom_forward(server, BASE + ".atom")
    assert [e.id for e in seen] == [x.id.urn for x in entries]
    assert pages == max(1, -(-n // limit))
