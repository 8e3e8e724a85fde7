"""Welsh and English for the library: dates without a weekday, plural forms and the names of
review types and documents. Month names are shared/web/i18n.py's (one list for every page and
message). No I/O."""
from __future__ import annotations

from datetime import date, datetime

from shared.web.i18n import LANGUAGES, LONDON, MONTHS, other_language as other
from services.notification_api.rules.review_types import DEFAULT_REVIEW_TYPES

__all__ = ["LANGUAGES", "LONDON", "long_date", "month_year", "order_documents", "other", "pick", "plural",
           "plural_category", "review_type_name", "document_kind_name"]


def _local(value: date | datetime) -> date:
    return value.astimezone(LONDON).date() if isinstance(value, datetime) else value


def long_date(value: date | datetime | None, lang: str) -> str:
    """"2 Rhagfyr 2026" / "2 December 2026" (a datetime is shown as its Europe/London date)."""
    if value is None:
        return ""
    day = _local(value)
    return f"{day.day} {MONTHS[lang][day.month - 1]} {day.year}"


def month_year(value: date | datetime, lang: str) -> str:
    day = _local(value)
    return f"{MONTHS[lang][day.month - 1]} {day.year}"


def plural_category(n: int, lang: str) -> str:
    """CLDR plural categories for integers: Welsh has zero (0), one (1), two (2), few (3),
    many (6) and other; English one (1) and other."""
    if lang == "cy":
        return {0: "zero", 1: "one", 2: "two", 3: "few", 6: "many"}.get(n, "other")
    return "one" if n == 1 else "other"


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


# The seed review types' names: the one list (a pure rules module; the dissemination service
# learns only the code of a review's type from events). A type added later shows as its code.
REVIEW_TYPES = {t.code: {"en": t.name_en, "cy": t.name_cy} for t in DEFAULT_REVIEW_TYPES.values()}

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
