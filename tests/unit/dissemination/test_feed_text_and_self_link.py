"""Issue 9: the national feed's text is for people (no Python True/None, no JSON brackets), and
the Atom rel=self link is the URL as the reader requested it (feed validators compare them)."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import feedparser

from services.dissemination.feed.render import ATOM_NS, make_feed_entry, page_links, render_atom, render_json_feed

BASE = "https://cpr.example.wales/v1/feed.atom"


def _entry():
    return make_feed_entry(id="6f1c3f5e-8a43-4a39-9f5e-0c2b1d7e9a10", seq=1, occurred_at=datetime(2027, 1, 5, tzinfo=UTC),
                           entry_type="review_referred", board_code="gwent", board_name="Gwent",
                           data={"criteria_met": True, "departs_from_criteria": False, "indicated_type": None,
                                 "covered_types": ["apr", "dhr"], "required_count": 3})


def test_content_text_shows_words_not_python_values():
    doc = render_json_feed([_entry()], page_links(BASE, cursor=None, next_cursor=None))
    text = doc["items"][0]["content_text"]
    assert "criteria_met: yes" in text and "departs_from_criteria: no" in text
    assert "indicated_type: not given" in text and "covered_types: apr, dhr" in text and "required_count: 3" in text
    for python in ("True", "False", "None", "[", "\""):
        assert python not in text, text
    # The exact values are still there for machines.
    assert doc["items"][0]["_cpr"]["data"]["criteria_met"] is True


def test_atom_self_link_keeps_the_requested_query_in_its_order():
    query = "limit=5&board=gwent&cursor=abc"
    links = page_links(BASE, cursor="abc", next_cursor="def", params={"board": "gwent", "limit": "5"},
                       request_query=query)
    root = ET.fromstring(render_atom([_entry()], links))
    hrefs = {l.get("rel"): l.get("href") for l in root.findall(f"{{{ATOM_NS}}}link")}
    assert hrefs["self"] == f"{BASE}?{query}"
    assert hrefs["next"] == f"{BASE}?limit=5&board=gwent&cursor=def"  # the reader's order, new cursor
    assert hrefs["first"] == f"{BASE}?limit=5&board=gwent"
    parsed = feedparser.parse(render_atom([_entry()], links))
    assert not parsed.bozo and [l.href for l in parsed.feed.links if l.rel == "self"] == [f"{BASE}?{query}"]


def test_without_the_request_query_links_are_canonical():
    links = page_links(BASE, cursor=None, next_cursor="n", params={"limit": "5", "board": "gwent"})
    assert links.self_url == f"{BASE}?board=gwent&limit=5" and links.next_url == f"{BASE}?board=gwent&limit=5&cursor=n"
