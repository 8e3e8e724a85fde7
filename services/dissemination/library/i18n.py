"""Welsh and English for people: dates, plural forms and the few words pages and e-mails share.
Dates and plural categories come from Babel (CLDR data: Welsh has zero, one, two, few, many
and other), not from a hand-written list. No I/O."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date

LANGUAGES = ("cy", "en")
LONDON = ZoneInfo("Europe/London")
_LOCALES = {"cy": Locale.parse("cy"), "en": Locale.parse("en_GB")}


def babel_locale(lang: str) -> Locale:
    return _LOCALES[lang]


def other(lang: str) -> str:
    return "en" if lang == "cy" else "cy"


def long_date(value: date | datetime | None, lang: str) -> str:
    """"2 Rhagfyr 2026" / "2 December 2026" (a datetime is shown as its Europe/London date)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return format_date(value, format="long", locale=_LOCALES[lang])


def plural_category(n: int, lang: str) -> str:
    return _LOCALES[lang].plural_form(n)


# Noun phrases by CLDR plural category. Welsh counts with the singular noun after a numeral,
# mutated by it: 2 (dau/dwy) softens, 3 (tri) and 6 (chwe) aspirate; 0 reads "dim ...".
PLURALS: dict[str, dict[str, dict[str, str]]] = {
    "results": {
        "en": {"one": "{n} result", "other": "{n} results"},
        "cy": {"zero": "Dim canlyniadau", "one": "{n} canlyniad", "two": "{n} ganlyniad",
               "few": "{n} chanlyniad", "many": "{n} chanlyniad", "other": "{n} canlyniad"},
    },
    "publications": {
        "en": {"one": "{n} publication", "other": "{n} publications"},
        "cy": {"zero": "Dim cyhoeddiadau", "one": "{n} cyhoeddiad", "two": "{n} gyhoeddiad",
               "few": "{n} chyhoeddiad", "many": "{n} chyhoeddiad", "other": "{n} cyhoeddiad"},
    },
    "boards": {
        "en": {"one": "{n} board", "other": "{n} boards"},
        "cy": {"zero": "Dim byrddau", "one": "{n} bwrdd", "two": "{n} fwrdd",
               "few": "{n} bwrdd", "many": "{n} bwrdd", "other": "{n} bwrdd"},
    },
}


def plural(word: str, n: int, lang: str) -> str:
    forms = PLURALS[word][lang]
    category = plural_category(n, lang)
    return forms.get(category, forms["other"]).format(n=n)


REVIEW_TYPES = {
    "concise_cpr": {"en": "Concise Child Practice Review", "cy": "Adolygiad Ymarfer Plant Cryno"},
    "extended_cpr": {"en": "Extended Child Practice Review", "cy": "Adolygiad Ymarfer Plant Estynedig"},
    "mapf": {"en": "Multi-Agency Professional Forum", "cy": "Fforwm Proffesiynol Amlasiantaethol"},
}

DOCUMENT_KINDS = {
    "seven_minute_briefing": {"en": "7-minute briefing", "cy": "Briff 7 munud"},
    "report": {"en": "Report", "cy": "Adroddiad"},
    "terms_of_reference": {"en": "Terms of reference", "cy": "Cylch gorchwyl"},
    "summary_timeline": {"en": "Summary timeline", "cy": "Llinell amser gryno"},
    "action_plan": {"en": "Action plan", "cy": "Cynllun gweithredu"},
}
# The briefing first: it is what a practitioner who was not involved reads.
DOCUMENT_ORDER = ("seven_minute_briefing", "report", "action_plan", "summary_timeline", "terms_of_reference")


def review_type_name(code: str | None, lang: str) -> str:
    if not code:
        return ""
    return REVIEW_TYPES.get(code, {}).get(lang, code)


def document_kind_name(kind: str, lang: str) -> str:
    return DOCUMENT_KINDS.get(kind, {}).get(lang, kind)


def order_documents(docs: list, kind=lambda d: d.kind) -> list:
    """Briefing first, then the order practitioners read in; stable within a kind."""
    rank = {k: i for i, k in enumerate(DOCUMENT_ORDER)}
    return sorted(docs, key=lambda d: rank.get(kind(d), len(rank)))


def pick(texts: dict | None, lang: str) -> tuple[str, str]:
    """The text in `lang`, else the other language's; with the language it is in (for `lang`
    attributes when a draft-era text exists in one language only)."""
    texts = texts or {}
    if (texts.get(lang) or "").strip():
        return texts[lang], lang
    alt = other(lang)
    return texts.get(alt) or "", alt
