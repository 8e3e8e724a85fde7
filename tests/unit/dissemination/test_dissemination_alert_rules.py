"""Alert subscription rules, Welsh dates and plurals, and what a digest says."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from services.dissemination.alerts import digest, rules
from services.dissemination.alerts.periods import Window
from services.dissemination.library import i18n


@pytest.mark.parametrize("address", ["a@example.com", "ymarferydd.plant@cyngor.gov.wales", "x+y@sub.example.co.uk"])
def test_good_addresses(address):
    assert rules.valid_address(address)


@pytest.mark.parametrize("address", ["", "a", "a@b", "a b@example.com", "a@example", "<a@example.com>",
                                     "a@@example.com", "a..b@example.com", "a@-example.com", "a@example.com\r\nBcc: x@y.z",
                                     "a" * 250 + "@example.com"])
def test_bad_addresses(address):
    assert not rules.valid_address(address)


def test_the_address_hash_ignores_case_and_spaces_and_depends_on_the_secret():
    assert rules.address_hash("s", " Ann@Example.com ") == rules.address_hash("s", "ann@example.com")
    assert rules.address_hash("s", "ann@example.com") != rules.address_hash("t", "ann@example.com")


def test_choice_errors_name_each_bad_field():
    errors = rules.choice_errors(frequency="daily", language="fr", themes=["neglect", "nope"], boards=["x"],
                                 known_themes={"neglect"}, known_boards={"gwent"})
    assert [e["field"] for e in errors] == ["frequency", "language", "themes[1]", "boards[0]"]


def test_welsh_dates_and_plural_forms():
    assert i18n.long_date(date(2026, 12, 2), "cy") == "2 Rhagfyr 2026"
    assert i18n.long_date(date(2026, 7, 1), "en") == "1 July 2026"
    # 23:30 UTC on 31 March is 1 April in London (BST).
    assert i18n.long_date(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), "cy") == "1 Ebrill 2026"
    assert [i18n.plural("publications", n, "cy") for n in (0, 1, 2, 3, 6, 7)] == [
        "Dim cyhoeddiadau", "1 cyhoeddiad", "2 gyhoeddiad", "3 chyhoeddiad", "6 chyhoeddiad", "7 cyhoeddiad"]
    assert [i18n.plural("results", n, "en") for n in (0, 1, 2)] == ["0 results", "1 result", "2 results"]


def test_documents_put_the_briefing_first():
    @dataclass
    class D:
        kind: str
    docs = [D("report"), D("terms_of_reference"), D("seven_minute_briefing"), D("report")]
    assert [d.kind for d in i18n.order_documents(docs)] == ["seven_minute_briefing", "report", "report",
                                                            "terms_of_reference"]


@dataclass
class Sub:
    id: str = "s1"
    address: str = "ann@example.com"
    themes: list = field(default_factory=list)
    boards: list = field(default_factory=list)
    frequency: str = "weekly"
    language: str = "cy"
    version: int = 1


@dataclass
class Pub:
    id: str
    board_code: str
    themes: list
    title_en: str = "Title"
    title_cy: str = "Teitl"
    summary_en: str = "Summary"
    summary_cy: str = "Crynodeb"
    learning_points: list = field(default_factory=lambda: [{"en": "Ask", "cy": "Gofynnwch"}])
    published_on: date = date(2026, 12, 1)


class Links:
    def confirm(self, sub): return f"https://x/confirm/{sub.id}"
    def manage(self, sub): return f"https://x/manage/{sub.id}"
    def unsubscribe(self, sub): return f"https://x/unsubscribe/{sub.id}"
    def publication(self, pid, lang): return f"https://x/{lang}/{pid}"


PUBS = [Pub("p1", "gwent", ["neglect", "domestic_abuse"]), Pub("p2", "north-wales", ["domestic_abuse"]),
        Pub("p3", "gwent", [])]
THEMES = {"domestic_abuse": {"en": "Domestic abuse", "cy": "Cam-drin domestig"},
          "neglect": {"en": "Neglect", "cy": "Esgeulustod"}}
BOARDS = {"gwent": {"en": "Gwent Safeguarding Board", "cy": "Bwrdd Diogelu Gwent"},
          "north-wales": {"en": "North Wales", "cy": "Gogledd Cymru"}}


def test_select_narrows_by_themes_and_boards_and_nothing_chosen_means_everything():
    assert [p.id for p in digest.select(Sub(), PUBS)] == ["p1", "p2", "p3"]
    assert [p.id for p in digest.select(Sub(themes=["neglect"]), PUBS)] == ["p1"]
    assert [p.id for p in digest.select(Sub(boards=["gwent"]), PUBS)] == ["p1", "p3"]
    assert [p.id for p in digest.select(Sub(themes=["domestic_abuse"], boards=["north-wales"]), PUBS)] == ["p2"]


def test_each_publication_appears_once_under_its_first_chosen_theme():
    groups = digest.group_by_theme(Sub(), PUBS, list(THEMES))
    assert [(code, [p.id for p in ps]) for code, ps in groups] == [
        ("domestic_abuse", ["p1", "p2"]), (digest.OTHER, ["p3"])]
    groups = digest.group_by_theme(Sub(themes=["neglect", "domestic_abuse"]), PUBS[:2], ["neglect", "domestic_abuse"])
    assert [(code, [p.id for p in ps]) for code, ps in groups] == [("neglect", ["p1"]), ("domestic_abuse", ["p2"])]


def test_a_welsh_weekly_digest_is_in_welsh_with_its_learning_points_and_one_click_unsubscribe():
    window = Window("2026-W49", datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC))
    mail = digest.digest_mail(Sub(), window, PUBS[:2], THEMES, BOARDS, Links())
    ctx = mail.context
    assert ctx["subject"] == "Dysgu o Adolygiadau Ymarfer Plant: 30 Tachwedd 2026 i 6 Rhagfyr 2026"
    assert ctx["count"] == "2 gyhoeddiad" and [g["name"] for g in ctx["groups"]] == ["Cam-drin domestig"]
    first = ctx["groups"][0]["publications"][0]
    assert (first["title"], first["board"], first["published_on"], first["learning_points"], first["url"]) == (
        "Teitl", "Bwrdd Diogelu Gwent", "1 Rhagfyr 2026", ["Gofynnwch"], "https://x/cy/p1")
    assert mail.headers == {"List-Unsubscribe": "<https://x/unsubscribe/s1>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
    assert mail.key == "alert:s1:2026-W49" and mail.template == "alert_digest"
    monthly = digest.digest_mail(Sub(frequency="monthly", language="en"),
                                 Window("2026-11", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)),
                                 PUBS[:1], THEMES, BOARDS, Links())
    assert monthly.context["subject"] == "Learning from Child Practice Reviews: November 2026"


def test_the_confirmation_names_the_link_and_carries_no_unsubscribe():
    mail = digest.confirmation_mail(Sub(themes=["neglect"], language="en"), Links(), THEMES)
    assert mail.context["confirm_url"] == "https://x/confirm/s1" and mail.context["themes"] == ["Neglect"]
    assert mail.key == "alert-confirm:s1:1" and "List-Unsubscribe" not in mail.headers
