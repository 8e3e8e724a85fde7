"""Welsh and English: choosing the language of a page, and dates as people read them. Pure."""
from __future__ import annotations

from datetime import date, datetime

from shared.clock import LONDON

LANGUAGES = ("cy", "en")
DEFAULT_LANGUAGE = "cy"  # Welsh first (Welsh Language Standards: not treated less favourably)

DAYS = {"en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
        "cy": ("Dydd Llun", "Dydd Mawrth", "Dydd Mercher", "Dydd Iau", "Dydd Gwener", "Dydd Sadwrn", "Dydd Sul")}
MONTHS = {"en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                 "October", "November", "December"),
          "cy": ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi",
                 "Hydref", "Tachwedd", "Rhagfyr")}


def pick_language(query: str | None, cookie: str | None, accept_language: str | None,
                  default: str = DEFAULT_LANGUAGE) -> str:
    """?lang= first (the switch), then the remembered choice, then the browser's order (q=0 is
    "not this one"), then `default` (pages: Welsh; the JSON API keeps its documented English)."""
    for value in (query, cookie):
        if value in LANGUAGES:
            return value
    ranked = []
    for i, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and q > 0:
            ranked.append((-q, i, primary))
    return min(ranked)[2] if ranked else default


def other_language(lang: str) -> str:
    return "en" if lang == "cy" else "cy"


def format_date(value: datetime, lang: str) -> str:
    local = value.astimezone(LONDON)
    return f"{DAYS[lang][local.weekday()]} {local.day} {MONTHS[lang][local.month - 1]} {local.year}"


def format_day(value: date | None, lang: str) -> str:
    """A calendar date without its weekday: '3 December 2026' / '3 Rhagfyr 2026'."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"


def format_time(value: datetime) -> str:
    return value.astimezone(LONDON).strftime("%H:%M")


def format_span(start: datetime, end: datetime, lang: str) -> str:
    """'Tuesday 3 March 2026, 10:00 to 12:00' / 'Dydd Mawrth 3 Mawrth 2026, 10:00 tan 12:00'."""
    to = "tan" if lang == "cy" else "to"
    if start.astimezone(LONDON).date() == end.astimezone(LONDON).date():
        return f"{format_date(start, lang)}, {format_time(start)} {to} {format_time(end)}"
    return f"{format_date(start, lang)}, {format_time(start)} {to} {format_date(end, lang)}, {format_time(end)}"
