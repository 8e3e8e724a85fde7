"""Detect direct identifiers of children and families in free text.

The product stores no names, dates of birth, addresses, NHS numbers or contact
details (DOMAIN.md); free text is where they leak, so services reject text
that contains them. Patterns are tuned to avoid false positives on ordinary
review text: a bare date ("on 12 March 2024 the panel met") is not a date of
birth unless birth wording precedes it; a 10-digit number is an NHS number only
if its modulus-11 check digit is valid; postcodes must use a real UK postcode
area; phones must look like a UK number (01/02/03/07 or +44). Findings carry
positions and kinds only, and messages never repeat the matched text, so a
rejection cannot itself leak the identifier into logs or responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

__all__ = [
    "KINDS",
    "Finding",
    "FieldFinding",
    "nhs_number_is_valid",
    "find_identifiers",
    "check_fields",
    "describe",
    "message",
]

KINDS = ("nhs_number", "postcode", "phone", "email", "date_of_birth", "name")

_KIND_WORDS = {
    "nhs_number": "an NHS number",
    "postcode": "a postcode",
    "phone": "a phone number",
    "email": "an email address",
    "date_of_birth": "a date of birth",
    "name": "a name",
}


@dataclass(frozen=True)
class Finding:
    """An identifier found at text[start:end]; the text itself is not kept."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class FieldFinding:
    """An identifier kind found in a named field (e.g. ``learning_points[2].cy``)."""

    field: str
    kind: str

    @property
    def message(self) -> str:
        return describe(self)


# --- NHS number -----------------------------------------------------------

_NHS = re.compile(r"(?<![\w/-])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?![\w/-])")


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check: weights 10..2 on the first nine digits; 10 means invalid."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


# --- postcode ---------------------------------------------------------------

# Real UK postcode areas (incl. Crown dependencies and BFPO); limiting the
# first letters to these keeps things like "A1 2nd" out.
_AREAS = (
    "AB AL B BA BB BD BF BH BL BN BR BS BT BX CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH "
    "DL DN DT DY E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA "
    "KT KW KY L LA LD LE LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR "
    "RG RH RM S SA SE SG SK SL SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC "
    "WD WF WN WR WS WV YO ZE"
).split()
_AREA_RE = "|".join(sorted(_AREAS, key=len, reverse=True))
# Inward code letters never use C, I, K, M, O or V.
_POSTCODE = re.compile(
    rf"(?<![A-Za-z0-9])(?:(?:{_AREA_RE})\d[A-Z\d]?|GIR) ?\d[ABD-HJLNP-UW-Z]{{2}}(?![A-Za-z0-9])",
    re.IGNORECASE,
)

# --- phone ------------------------------------------------------------------

_PHONE = re.compile(
    r"""
    (?<![\w+/-])
    (?:
        (?P<intl>(?:\+|00)44[ -]?(?:\(0\)[ -]?)?)
        (?P<intl_num>\d(?:[ -]?\d){8,9})
      |
        (?P<nat>\(?0\d{2,4}\)?(?:[ -]?\d){6,8})
    )
    (?![\w/-])
    """,
    re.VERBOSE,
)


def _is_uk_phone(m: re.Match[str]) -> bool:
    if m.group("intl") is not None:
        national = "0" + re.sub(r"\D", "", m.group("intl_num"))
    else:
        raw = m.group("nat")
        if raw.count("(") != raw.count(")"):
            return False
        national = re.sub(r"\D", "", raw)
    if national[:2] in ("02", "03", "07"):
        return len(national) == 11
    if national[:2] == "01":
        return len(national) in (10, 11)
    return False


# --- email ------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)

# --- date of birth ----------------------------------------------------------

_MONTHS_EN = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# Welsh months with the common soft-mutated forms (after "o", "ym mis").
_MONTHS_CY = (
    r"ionawr|chwefror|mawrth|fawrth|ebrill|mai|fai|mehefin|fehefin|gorffennaf|orffennaf"
    r"|awst|medi|fedi|hydref|tachwedd|dachwedd|rhagfyr|ragfyr"
)
_MONTH = rf"(?:{_MONTHS_EN}|{_MONTHS_CY})\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th|af|il|ydd|ed|fed|eg)?"
_YEAR = r"(?:\d{4}|'?\d{2})"
_DATE = (
    rf"(?:\d{{1,2}}\s?[/.\-]\s?\d{{1,2}}\s?[/.\-]\s?\d{{2,4}}"  # 12/03/2015
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}"  # 2015-03-12
    rf"|{_DAY}\s+(?:of\s+|o\s+)?{_MONTH},?\s+{_YEAR}"  # 12 March 2015, 12fed o Fawrth 2015
    rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR}"  # March 12, 2015
    rf"|{_MONTH}\s+\d{{4}})"  # March 2015 (a partial date of birth still identifies)
)
_DOB_WORDS = (
    r"d\.?\s?o\.?\s?b\.?"
    r"|date\s+of\s+birth"
    r"|birth\s*date|birthday"
    r"|born(?:\s+(?:on|in))?"
    r"|dyddiad\s+geni|pen-?blwydd"
    r"|(?:a\s+)?(?:g?anwyd|ganed)(?:\s+(?:ar|ym\s+mis|yn))?"
)
_DOB = re.compile(
    rf"(?<![\w])(?:{_DOB_WORDS})(?:\s*(?:[:\-–=]|is|was|yw|oedd)\s*|\s+)(?:on\s+|ar\s+|the\s+)?{_DATE}(?![\w])",
    re.IGNORECASE,
)


# --- names ------------------------------------------------------------------

_APOSTROPHES = "'’‘`"


def _name_pattern(name: str) -> str | None:
    parts = name.strip().split()
    if not parts:
        return None
    out = []
    for part in parts:
        esc = "".join(
            f"[{re.escape(_APOSTROPHES)}]" if ch in _APOSTROPHES else re.escape(ch) for ch in part
        )
        out.append(esc)
    return r"\s+".join(out)


def _names_regex(names: Iterable[str]) -> re.Pattern[str] | None:
    pats = {p for p in (_name_pattern(n) for n in names if n) if p}
    if not pats:
        return None
    alt = "|".join(sorted(pats, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])(?:{alt})(?![\w-]|['’]\w)", re.IGNORECASE)


# --- public API -------------------------------------------------------------


def find_identifiers(text: str | None, extra_names: Sequence[str] = ()) -> list[Finding]:
    """All identifier findings in ``text``, ordered by position.

    ``extra_names`` are names to treat as identifiers (e.g. the family names a
    board has configured); matching is case-insensitive and whole-word.
    """
    if not text:
        return []
    found: set[Finding] = set()
    for m in _NHS.finditer(text):
        if nhs_number_is_valid("".join(m.groups())):
            found.add(Finding("nhs_number", m.start(), m.end()))
    for m in _POSTCODE.finditer(text):
        found.add(Finding("postcode", m.start(), m.end()))
    for m in _PHONE.finditer(text):
        if _is_uk_phone(m):
            found.add(Finding("phone", m.start(), m.end()))
    for m in _EMAIL.finditer(text):
        found.add(Finding("email", m.start(), m.end()))
    for m in _DOB.finditer(text):
        found.add(Finding("date_of_birth", m.start(), m.end()))
    names = _names_regex(extra_names)
    if names is not None:
        for m in names.finditer(text):
            found.add(Finding("name", m.start(), m.end()))
    return sorted(found, key=lambda f: (f.start, f.end, f.kind))


def check_fields(
    fields: Mapping[str, str | None], extra_names: Sequence[str] = ()
) -> list[FieldFinding]:
    """Which fields hold which identifier kinds (each pair once, in field order)."""
    out: list[FieldFinding] = []
    names = tuple(extra_names)
    for field_name, text in fields.items():
        seen: set[str] = set()
        for f in find_identifiers(text, names):
            if f.kind not in seen:
                seen.add(f.kind)
                out.append(FieldFinding(field_name, f.kind))
    return out


def describe(finding: FieldFinding) -> str:
    """One sentence naming the field and kind, never the matched text."""
    what = _KIND_WORDS.get(finding.kind, "an identifier")
    return (
        f"Field '{finding.field}' appears to contain {what}; remove identifying details "
        "of children and families."
    )


def message(findings: Sequence[FieldFinding]) -> str:
    """A problem ``detail`` for all findings (field and kind only)."""
    if not findings:
        return ""
    parts = "; ".join(f"{f.field} ({_KIND_WORDS.get(f.kind, 'an identifier')})" for f in findings)
    return (
        "Free text appears to contain identifiers of a child or family, which must not be "
        f"stored: {parts}."
    )
