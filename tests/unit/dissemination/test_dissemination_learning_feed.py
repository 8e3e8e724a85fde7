"""Public learning feed: one Atom entry per publication per language; Welsh survives intact."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import feedparser
import pytest

from services.dissemination.feed.render import (
    PublicationEntry,
    language_entry_id,
    page_links,
    render_learning_feed,
)

BASE = "https://cpr.example.wales/v1/publications.atom"
LINKS = page_links(BASE, cursor=None, next_cursor=None)
WELSH_TITLE = "Gwersi o’r adolygiad: dŵr, ŷd a ‘llais y plentyn’ <b>&amp; â ê î ô û ẁ ŵ ŷ Ŵ Ŷ"


def pub(i: int, **kw) -> PublicationEntry:
    base = dict(
        id=uuid.UUID(int=i),
        board_code="gwent",
        board_name={"en": "Gwent", "cy": "Gwent"},
        title={"en": f"Learning from review {i} <b> & co", "cy": WELSH_TITLE if i == 1 else f"Dysgu {i}"},
        summary={"en": f"Summary {i}", "cy": f"Crynodeb {i}"},
        learning_points=({"en": "Ask about fathers", "cy": "Gofyn am dadau"},),
        themes=("neglect", "voice_of_the_child"),
        published_at=datetime(2024, 5, i, 9, tzinfo=UTC),
        updated_at=datetime(2024, 5, i, 10, tzinfo=UTC),
        review_id=uuid.UUID(int=100 + i),
        review_type="concise_cpr",
        url=f"https://cpr.example.wales/publications/{i}",
    )
    base.update(kw)
    return PublicationEntry(**base)


def parse(data: bytes):
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def test_one_entry_per_language_welsh_first_with_its_own_xml_lang():
    parsed = parse(render_learning_feed([pub(2), pub(1)], LINKS))
    got = [(e.cpr_publication["id"], e.title_detail["language"]) for e in parsed.entries]
    assert got == [
        (str(uuid.UUID(int=2)), "cy"), (str(uuid.UUID(int=2)), "en"),
        (str(uuid.UUID(int=1)), "cy"), (str(uuid.UUID(int=1)), "en"),
    ]
    for e in parsed.entries:
        lang = e.title_detail["language"]
        assert e.content[0]["language"] == lang
        assert e.content[0]["type"] == "text/plain"
        assert e.link.endswith(f"lang={lang}")  # the reader's "link" is this language's page
        assert {lk["hreflang"] for lk in e.links} == {"cy", "en"}
    assert parsed.feed.title == "Dysgu o Adolygiadau Ymarfer Plant / Learning from Child Practice Reviews"


def test_welsh_title_and_markup_like_text_round_trip_exactly():
    parsed = parse(render_learning_feed([pub(1)], LINKS))
    cy, en = parsed.entries
    assert cy.title == WELSH_TITLE
    assert en.title == "Learning from review 1 <b> & co"
    assert cy.summary == "Crynodeb 1"
    assert "Pwyntiau dysgu:\n- Gofyn am dadau" in cy.content[0]["value"]
    assert "Learning points:\n- Ask about fathers" in en.content[0]["value"]


def test_xml_illegal_characters_cannot_break_the_feed():
    p = pub(3, title={"en": "Bad\x00\x07 title\ufffe", "cy": "Teitl\x1b drwg"})
    parsed = parse(render_learning_feed([p], LINKS))
    assert [e.title for e in parsed.entries] == ["Teitl drwg", "Bad title"]


def test_entry_ids_are_distinct_and_stable_per_language():
    a = parse(render_learning_feed([pub(1)], LINKS))
    b = parse(render_learning_feed([pub(1)], LINKS))
    ids = [e.id for e in a.entries]
    assert ids == [e.id for e in b.entries]
    assert len(set(ids)) == 2
    assert ids == [language_entry_id(uuid.UUID(int=1), lang).urn for lang in ("cy", "en")]


def test_themes_are_categories_labelled_in_the_entry_language():
    parsed = parse(render_learning_feed([pub(1)], LINKS, themes_url="https://cpr.example.wales/v1/themes"))
    cy, en = parsed.entries
    assert [(t.term, t.label) for t in cy.tags] == [("neglect", "Esgeulustod"), ("voice_of_the_child", "Llais y plentyn")]
    assert [(t.term, t.label) for t in en.tags] == [("neglect", "Neglect"), ("voice_of_the_child", "Voice of the child")]
    assert all(t.scheme == "https://cpr.example.wales/v1/themes" for t in cy.tags)


def test_withdrawn_publication_shows_as_withdrawn_without_its_text():
    when = datetime(2024, 9, 1, tzinfo=UTC)
    p = pub(1, withdrawn=True, withdrawn_at=when)
    data = render_learning_feed([p], LINKS)
    parsed = parse(data)
    cy, en = parsed.entries
    assert cy.title == "[Tynnwyd yn ôl] " + WELSH_TITLE
    assert en.title.startswith("[Withdrawn] ")
    assert en.content[0]["value"] == "This publication has been withdrawn."
    assert cy.content[0]["value"] == "Mae'r cyhoeddiad hwn wedi'i dynnu'n ôl."
    assert b"Summary 1" not in data and b"Ask about fathers" not in data
    assert "withdrawn" in [t.term for t in en.tags]
    assert en.cpr_publication["withdrawn"] == "true"
    assert datetime.fromisoformat(en.updated) == when
    assert datetime.fromisoformat(parsed.feed.updated) == when


def test_single_language_feed():
    parsed = parse(render_learning_feed([pub(1), pub(2)], LINKS, langs=("en",)))
    assert parsed.feed.title == "Learning from Child Practice Reviews"
    assert [e.title_detail["language"] for e in parsed.entries] == ["en", "en"]


def test_feed_updated_is_the_newest_change():
    parsed = parse(render_learning_feed([pub(1), pub(4, updated_at=datetime(2024, 7, 1, tzinfo=UTC))], LINKS))
    assert datetime.fromisoformat(parsed.feed.updated) == datetime(2024, 7, 1, tzinfo=UTC)


def test_paging_links_present():
    links = page_links(BASE, cursor=None, next_cursor="c2", params={"theme": "neglect"})
    parsed = parse(render_learning_feed([pub(1)], links))
    rels = {lk["rel"]: lk["href"] for lk in parsed.feed.links}
    assert rels["self"] == BASE + "?theme=neglect"
    assert rels["next"] == BASE + "?theme=neglect&cursor=c2"
    assert "previous" not in rels


def test_a_publication_missing_a_language_cannot_be_rendered_publicly():
    with pytest.raises(ValueError):
        render_learning_feed([pub(1, title={"en": "Only English", "cy": ""})], LINKS)


def test_naive_dates_refused():
    with pytest.raises(ValueError):
        render_learning_feed([pub(1, updated_at=datetime(2024, 1, 1) + timedelta(0))], LINKS)
