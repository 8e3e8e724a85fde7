"""Detect direct identifiers of children and families in free text.

The product stores no names, dates of birth, addresses, NHS numbers, National Insurance numbers
or contact details (DOMAIN.md); free text is where they leak, so every service rejects text that
contains them, through this one module. Text is matched after one normalisation (NFKC, accents
and format characters such as zero-width spaces and soft hyphens removed, Cyrillic/Greek look-
alikes mapped to Latin, every kind of space and dash made plain) so the same identifier is found
whether it came as JSON or from an uploaded file; what is stored is never changed, and findings
carry offsets into the original text. Patterns avoid false alarms on review text: a bare date is
not a date of birth unless birth wording is beside it; an NHS number needs its modulus-11 check
digit; postcodes a real UK area; NI numbers a valid prefix. Names come from titles, kinship and
"named/called" context, and a lexicon of given names and surnames (the Faker package's ONS-based
lists plus shipped Welsh data), after masking a gazetteer of Welsh bodies and places and treating
pseudonyms (Child A, Mother, the Health Visitor) as clean. Messages never repeat the matched text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping, Sequence

__all__ = [
    "KINDS",
    "Finding",
    "FieldFinding",
    "normalise",
    "nhs_number_is_valid",
    "find_identifiers",
    "check_fields",
    "describe",
    "message",
]

KINDS = ("nhs_number", "postcode", "phone", "email", "date_of_birth", "ni_number", "address", "name")
# Kinds found by heuristics, where a person may confirm a false alarm with allow_terms; the
# pattern kinds (checksums, formats) are never waved through.
ALLOWABLE_KINDS = frozenset({"name", "address"})

_KIND_WORDS = {
    "nhs_number": "an NHS number",
    "postcode": "a postcode",
    "phone": "a phone number",
    "email": "an email address",
    "date_of_birth": "a date of birth",
    "ni_number": "a National Insurance number",
    "address": "a street address",
    "name": "a name",
}
_DATA = Path(__file__).with_name("pii_data")


@dataclass(frozen=True)
class Finding:
    """An identifier found at text[start:end] (offsets into the original text)."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class FieldFinding:
    """An identifier kind found in a named field (e.g. ``learning_points[2].cy``), with the
    offsets of its first occurrence so a board's system can highlight it without the response
    repeating it."""

    field: str
    kind: str
    start: int | None = field(default=None, compare=False)
    end: int | None = field(default=None, compare=False)

    @property
    def message(self) -> str:
        return describe(self)


# --- normalisation ----------------------------------------------------------------------------

_HOMOGLYPHS = {
    # Cyrillic
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "Х": "X", "У": "Y", "І": "I", "Ј": "J", "Ѕ": "S", "а": "a", "е": "e", "о": "o",
    "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "һ": "h",
    # Greek
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N",
    "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "ο": "o", "ν": "v", "ι": "i", "κ": "k",
    "α": "a", "ρ": "p", "τ": "t", "υ": "u",
}
_DASHES = set("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d\u00ad")
_QUOTES = set("\u2018\u2019\u201b\u02bc\u02b9\u2032\uff07\u0060")


@lru_cache(maxsize=4096)
def _char(ch: str) -> str:
    """What one non-ASCII character matches as ('' for format characters and marks)."""
    if ch == "\u00ad":
        return ""
    if ch in _DASHES:
        return "-"
    if ch in _QUOTES:
        return "'"
    if ch in _HOMOGLYPHS:
        return _HOMOGLYPHS[ch]
    cat = unicodedata.category(ch)
    if cat in ("Cf", "Mn", "Me"):
        return ""
    if cat[0] == "Z" or cat == "Cc":
        return " " if ch not in "\u2028\u2029\u0085" else "\n"
    out = unicodedata.normalize("NFKC", ch)
    out = "".join(c for c in unicodedata.normalize("NFKD", out) if not unicodedata.combining(c))
    return "".join(_HOMOGLYPHS.get(c, c) for c in out)


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def normalise(text: str) -> tuple[str, list[int] | None]:
    """The text as matched, and for each of its characters the index in ``text`` (None when
    the text is ASCII and so unchanged)."""
    if text.isascii():
        return text, None
    out: list[str] = []
    idx: list[int] = []
    pos = 0
    for m in _NON_ASCII.finditer(text):
        i = m.start()
        if i > pos:
            out.append(text[pos:i])
            idx.extend(range(pos, i))
        c = _char(m.group())
        if c:
            out.append(c)
            idx.extend([i] * len(c))
        pos = i + 1
    if pos < len(text):
        out.append(text[pos:])
        idx.extend(range(pos, len(text)))
    return "".join(out), idx


def _orig(idx: list[int] | None, start: int, end: int, length: int) -> tuple[int, int]:
    if idx is None:
        return start, end
    if not idx:
        return 0, length
    s = idx[start] if start < len(idx) else length
    e = idx[end - 1] + 1 if end - 1 < len(idx) else length
    return s, e


# --- NHS number -------------------------------------------------------------------------------

_SEP = r"[\s./_\-]{0,3}"
_NHS = re.compile(rf"(?<!\d)(?<!\d[./\-])(\d{{3}}){_SEP}(\d{{3}}){_SEP}(\d{{4}})(?!\d)(?![./\-]\d)")


def nhs_number_is_valid(digits: str) -> bool:
    """Modulus 11 check: weights 10..2 on the first nine digits; 10 means invalid."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1)))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


# --- postcode ---------------------------------------------------------------------------------

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
    rf"(?<![A-Za-z0-9])(?=[A-Za-z]{{1,2}}\d)(?:(?:{_AREA_RE})\d[A-Z\d]?|GIR)[ \t\-]{{0,2}}\d[ABD-HJLNP-UW-Z]{{2}}(?![A-Za-z0-9])",
    re.IGNORECASE,
)

# --- phone ------------------------------------------------------------------------------------

_PHONE = re.compile(
    r"""
    (?<![\w+/.-])
    (?:
        (?P<intl>(?:\+|00)44[ .-]?(?:\(0\)[ .-]?)?)
        (?P<intl_num>\d(?:[ .-]?\d){8,9})
      |
        (?P<nat>\(?0\d{2,4}\)?(?:[ .-]?\d){6,8})
    )
    (?![\w/-])(?!\.\d)
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


# --- email ------------------------------------------------------------------------------------

_AT = r"(?:@|%40|\(at\)|\[at\]|\{at\})"
_DOT_WORD = r"(?:\(dot\)|\[dot\]|\{dot\}|\sdot\s)"
_EMAIL = re.compile(
    rf"(?<![\w.+%-])[\w.+%'-]+ {{0,2}}{_AT} {{0,2}}[\w-]+(?:(?:\.|{_DOT_WORD})[\w-]+)*(?:\.|{_DOT_WORD})[^\W\d_]{{2,}}(?![\w-])",
    re.IGNORECASE,
)
# "jo.bloggs at example dot com": needs the word "dot" so "met at home. Then" is not an address.
_EMAIL_WORDS = re.compile(
    rf"(?<![\w.+-])[\w.+-]+\s+(?:at|\(at\)|\[at\])\s+[\w-]+(?:\s*(?:\.|{_DOT_WORD})\s*[\w-]+)*\s*{_DOT_WORD}\s*[^\W\d_]{{2,}}(?![\w-])",
    re.IGNORECASE,
)

# --- date of birth ----------------------------------------------------------------------------

_MONTHS_EN = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# Welsh months (accents are stripped before matching) with soft-mutated forms and abbreviations.
_MONTHS_CY = (
    r"ionawr|chwefror|mawrth|fawrth|ebrill|mai|fai|mehefin|fehefin|gorffennaf|orffennaf"
    r"|awst|medi|fedi|hydref|tachwedd|dachwedd|rhagfyr|ragfyr"
    r"|ion|chwef|maw|ebr|meh|gorff|hyd|tach|dach|rhag|rhagf"
)
_MONTH = rf"(?:{_MONTHS_EN}|{_MONTHS_CY})\.?"
_DAY = r"\d{1,2}(?:st|nd|rd|th|af|ail|il|ain|ydd|edd|ed|fed|eg)?"
_YEAR = r"(?:\d{4}|'?\d{2})"
_DATE = (
    rf"(?:\d{{1,2}}\s?[/.\-]\s?\d{{1,2}}\s?[/.\-]\s?\d{{2,4}}"  # 12/03/2015, 3.4.19
    rf"|\d{{4}}-\d{{1,2}}-\d{{1,2}}"  # 2015-03-12
    rf"|{_DAY}\s+(?:of\s+|o\s+)?{_MONTH},?\s+{_YEAR}"  # 12 March 2015, 12fed o Fawrth 2015
    rf"|{_MONTH}\s+{_DAY},?\s+{_YEAR}"  # March 12, 2015
    rf"|{_MONTH},?\s+\d{{4}}"  # March 2015 (a partial date of birth still identifies)
    rf"|\d{{6}}(?:\d{{2}})?(?!\d))"  # 120315 after DOB wording only
)
_DOB_WORDS = (
    r"d\.?\s?o\.?\s?b\.?"
    r"|date\s+of\s+birth|birth\s*date|birthday"
    r"|born"
    r"|b\.(?=\s*\d)"
    r"|dyddiad\s+geni(?:'r)?|d\.?\s?g\.?(?=\s*[:(]|\s+\d)|pen-?blwydd"
    r"|g?anwyd|ganed"
)
_FILLER = (
    r"(?:on|in|of|is|was|were|the|his|her|their|he|she|they|child|baby|boy|girl|mother|father"
    r"|ar|ym|mis|yn|hi|fe|e|o|ei|eu|yw|oedd|y|yr|'r|plentyn|bachgen|babi|ferch|merch|tad|fam|mam)"
)
_DOB = re.compile(
    rf"(?<![A-Za-z])(?=[dDbBgGpPaA])(?:{_DOB_WORDS})[\s:\-=(\[]*(?:{_FILLER}\b[\s,:(]*){{0,4}}{_DATE}(?![\w])",
    re.IGNORECASE,
)
_DOB_AFTER_WORDS = re.compile(r"date\s+of\s+birth|d\.?o\.?b|dyddiad\s+geni|birthday|pen-?blwydd", re.IGNORECASE)
_DOB_AFTER_REACH = 80  # characters before the words a written date and its brackets can take
_DOB_AFTER = re.compile(
    rf"(?<![\w/.\-])(?=\d|[A-Za-z]{{3}})(?:{_DATE})\s*[,(\[]?\s*(?:(?:his|her|their|ei|eu)\s+)?"
    rf"(?:date\s+of\s+birth|d\.?o\.?b\b\.?|dyddiad\s+geni|birthday|pen-?blwydd)",
    re.IGNORECASE,
)

# --- National Insurance number ----------------------------------------------------------------

# First letter never D F I Q U V; second never D F I O Q U V; BG GB KN NK NT TN ZZ are not issued.
_NI = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z]{2}[ .\-]{0,2}\d)(?!(?:BG|GB|KN|NK|NT|TN|ZZ))[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    r"[ .\-]{0,2}\d{2}[ .\-]{0,2}\d{2}[ .\-]{0,2}\d{2}(?:[ .\-]{0,2}(?P<suffix>[A-D]))?(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_NI_CONTEXT = re.compile(
    r"(?:\bN\.?\s?I\.?\b|\bNINO\b|national\s+insurance|yswiriant\s+gwladol|\bY\.?G\.?\b)[^.\n]{0,25}$",
    re.IGNORECASE,
)

# --- street address ---------------------------------------------------------------------------

_STREET_EN = (
    r"Road|Rd|Street|St|Lane|Ln|Avenue|Ave|Close|Drive|Crescent|Cres|Place|Terrace|Way|Gardens"
    r"|Gdns|Grove|Hill|Park|Row|Square|Sq|View|Walk|Mews|Rise|Parade|Green|Vale|Villas|Cottages"
    r"|Heights|Meadows?|Fields|Bank|Boulevard|Wharf|Quay|Croft|Chase|Gate|Path|Orchard|Paddock"
    r"|Estate|(?<!Family\s)(?<!Crown\s)(?<!County\s)(?<!Youth\s)(?<!High\s)(?<!Magistrates\s)(?<!Magistrates'\s)(?<!Coroner's\s)Court"
)
_STREET_CY = (
    r"Heol|Hewl|Ffordd|Stryd|Lon|Maes|Rhodfa|Cilgant|Teras|Clos|Llwyn|Cae|Parc|Cwrt|Rhes|Ystad"
    r"|Sgwar|Allt|Dol|Erw|Trem|Golwg"
)
_FLAT = r"(?:Flat|Fflat|Apartment|Apt\.?|Unit|Uned)\s*\d{1,4}[A-Za-z]?"
_HOUSE = rf"(?:{_FLAT}\s*,?\s*)?\d{{1,4}}[A-Za-z]?(?:\s?-\s?\d{{1,4}}[A-Za-z]?)?,?\s+"
_CAPWORD = r"[A-Z][A-Za-z'\-]*"
_CAPWORDS = rf"{_CAPWORD}(?:\s+(?:(?:y|yr|ar|a)\s+)?{_CAPWORD}){{0,3}}"
_ADDRESS = re.compile(
    rf"(?<![\w.,/])(?=\d|Fl|Ff|Ap|Un)(?:{_HOUSE}{_CAPWORDS}\s+(?:{_STREET_EN})\b"
    rf"|{_HOUSE}(?:{_STREET_CY})(?:'r\s*|\s+)(?:(?:y|yr|'r|ap|ab|a|ar)\s+)?{_CAPWORD}"
    rf"|{_FLAT}(?![\w]))"
)
_ADDRESS_CONTEXT = re.compile(
    rf"(?:\b(?:lived|lives|living|live|moved|staying|stayed|resided|resides|residing|address)\s+(?:at|in|to|on|is|was|:)\s+"
    rf"|\b(?:yn\s+byw|cyfeiriad|symud)\s+(?:yn|ym|i|ar|:|oedd)?\s*)"
    rf"(?P<addr>(?:{_CAPWORD}\s+){{1,3}}(?:{_STREET_EN})\b|(?:{_STREET_CY})\s+(?:(?:y|yr|'r|ap|ab)\s+)?{_CAPWORD})"
)

# --- names ------------------------------------------------------------------------------------

_APOSTROPHES = "'’‘`"
_TOKEN = re.compile(r"[A-Za-z]+(?:['\-][A-Za-z]+)*")
_TITLES = frozenset(
    "mr mrs ms miss mx dr master mister prof professor sir dame rev revd reverend parchedig cllr "
    "councillor pc dc ds di sgt sergeant".split()
)
_KIN = frozenset(
    """mother mum mam mom father dad stepfather stepmother step-father step-mother stepdad stepmum
    step-dad step-mum partner ex-partner boyfriend girlfriend ex-boyfriend ex-girlfriend husband
    wife ex-husband ex-wife fiance fiancee brother sister half-brother half-sister stepbrother
    stepsister sibling siblings son daughter stepson stepdaughter grandmother grandfather nan nana
    nanna gran granny grandma grandad granddad grandpa grandparent aunt auntie aunty uncle cousin
    niece nephew carer lodger neighbour friend baby infant twin named called aka nee
    fam mham thad dad nhad phartner bartner nghariad cariad gariad ngwr gwr wr wraig ngwraig brawd
    frawd mrawd chwaer mab fab merch ferch nain mamgu mam-gu taid dadcu tad-cu thaid dadcu
    ewythr modryb fodryb cefnder cyfnither llysdad llys-dad llysfam llys-fam enw elwir sef""".split()
)
_KIN_PHRASE = re.compile(r"\b(?:known\s+as|by\s+the\s+name\s+of|(?:first\s+|sur)?name\s+(?:is|was)|o'r\s+enw|a\s+elwir\s+yn|enw\s+(?:y|ei)\s+\w+\s+yw)\s*,?\s*$", re.IGNORECASE)
_FAMILY_AFTER = frozenset({"family", "household", "twins", "children", "family's"})
_PARTICLES = frozenset({"ap", "ab", "ferch", "verch", "van", "von", "de", "da", "di", "le", "bin", "ibn", "al", "el"})


_MUTATIONS = {
    "p": ("b", "mh", "ph"), "t": ("d", "nh", "th"), "c": ("g", "ngh", "ch"), "b": ("f", "m"),
    "d": ("dd", "n"), "g": ("", "ng"), "m": ("f",), "ll": ("l",), "rh": ("r",),
}


def _mutations(word: str) -> set[str]:
    """A Welsh word with its initial consonant mutations (Caerdydd: Gaerdydd, Nghaerdydd, ...)."""
    out = {word}
    for radical in ("ll", "rh", "p", "t", "c", "b", "d", "g", "m"):
        if word.startswith(radical) and not (radical == "c" and word.startswith("ch")) \
                and not (radical == "d" and word.startswith("dd")):
            out.update(m + word[len(radical):] for m in _MUTATIONS[radical] if len(word) > len(radical))
            break
    return out


@lru_cache(maxsize=1)
def _lexicon() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str], dict]:
    """(given names, surnames, ambiguous words, stop words, gazetteer index), loaded once."""
    from faker.providers.person.en_GB import Provider as GB
    from faker.providers.person.en_US import Provider as US

    def key(w: str) -> str:
        return normalise(w)[0].lower()

    given = {key(n) for n in (*GB.first_names_male, *GB.first_names_female, *US.first_names)}
    surnames = {key(n) for n in (*GB.last_names, *US.last_names)}
    section = None
    for line in (_DATA / "names_cy.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if line.startswith("#"):
            continue
        for w in line.split():
            (given if section == "given" else surnames).add(key(w))
    ambiguous = set()
    for line in (_DATA / "ambiguous.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            ambiguous.update(key(w) for w in line.split())
    stop = set()
    for line in (_DATA / "stopwords.txt").read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            stop.update(key(w) for w in line.split())
    gaz: dict[str, list[tuple[str, ...]]] = {}
    for line in (_DATA / "gazetteer.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        toks = tuple(t.lower() for t in _TOKEN.findall(normalise(line)[0]))
        if toks:
            for first in _mutations(toks[0]):  # yng Nghaerdydd, yn Nhŷ Hywel, o Gaerdydd
                gaz.setdefault(first, []).append((first, *toks[1:]))
                if len(toks) == 1:
                    ambiguous.add(first)
    for v in gaz.values():
        v.sort(key=len, reverse=True)
    ambiguous |= stop
    return frozenset(given), frozenset(surnames - stop), frozenset(ambiguous), frozenset(stop), gaz


def _find_names(norm: str) -> list[tuple[int, int]]:
    given, surnames, ambiguous, stop, gaz = _lexicon()
    toks = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(norm)]
    n = len(toks)
    lows = [t[2].lower() for t in toks]
    masked = [False] * n
    i = 0
    while i < n:  # gazetteer phrases (longest first) are not people
        for phrase in gaz.get(lows[i], ()):
            k = len(phrase)
            if tuple(lows[i:i + k]) == phrase:
                for j in range(i, i + k):
                    masked[j] = True
                i += k - 1
                break
        i += 1

    bases = [w[:-2] if w.endswith("'s") else w for w in lows]

    def base(j: int) -> str:
        return bases[j]

    # Worked out once per token: the loop below asks it of most tokens several times.
    namelike_at = [not masked[j] and len(t[2]) > 1 and t[2][0].isupper() and bases[j] not in stop
                   and bases[j] not in _TITLES for j, t in enumerate(toks)]
    namelike = namelike_at.__getitem__

    def gap(a: int, b: int) -> str:
        return norm[toks[a][1]:toks[b][0]]

    def run_from(j: int) -> int:
        """Index after the run of name-like tokens starting at j (particles inside allowed)."""
        k = j + 1
        while k < n and not lows[k - 1].endswith("'s") and gap(k - 1, k) == " ":
            if namelike(k):
                k += 1
            elif lows[k] in _PARTICLES and k + 1 < n and gap(k, k + 1) == " " and namelike(k + 1):
                k += 2
            else:
                break
        return k

    spans: list[tuple[int, int]] = []
    i = 0
    while i < n:
        low = lows[i]
        # Most tokens are lower-case words that start nothing: skip them cheaply.
        if not namelike_at[i] and low not in _KIN and low not in _TITLES:
            i += 1
            continue
        # A title followed by a name (not "Mr A" / "Ms B", which are pseudonyms).
        if low in _TITLES and toks[i][2][0].isupper() and i + 1 < n and re.fullmatch(r"\.? ", gap(i, i + 1)):
            if namelike(i + 1):
                k = run_from(i + 1)
                spans.append((toks[i][0], toks[k - 1][1] - (2 if lows[k - 1].endswith("'s") else 0)))
                i = k
                continue
        # Kinship / role / "named" context, then a name.
        if low in _KIN and i + 1 < n:
            g = gap(i, i + 1)
            if re.fullmatch(r"\s*[,:(\-]?\s*", g) and namelike(i + 1):
                k = run_from(i + 1)
                spans.append((toks[i + 1][0], toks[k - 1][1] - (2 if lows[k - 1].endswith("'s") else 0)))
                i = k
                continue
        if namelike(i):
            k = run_from(i)
            run = range(i, k)
            b = [base(j) for j in run]
            strong = [w for w in b if ((w in given or w in surnames) and w not in ambiguous)
                      or ("-" in w and all(p in given for p in w.split("-")))]
            known = [w for w in b if w in given or w in surnames]
            poss = lows[k - 1].endswith("'s") and k < n and lows[k] in _KIN
            before_family = k < n and lows[k] in _FAMILY_AFTER and i > 0 and lows[i - 1] in ("the", "y", "teulu")
            after_teulu = i > 0 and lows[i - 1] == "teulu"
            context = poss or before_family or after_teulu or _KIN_PHRASE.search(norm[max(0, toks[i][0] - 30):toks[i][0]])
            if strong or context or (len(known) >= 2 and b[0] in given):
                end = toks[k - 1][1] - (2 if lows[k - 1].endswith("'s") else 0)
                spans.append((toks[i][0], end))
            i = k
            continue
        i += 1
    return spans


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


@lru_cache(maxsize=64)
def _names_regex(names: tuple[str, ...]) -> re.Pattern[str] | None:
    pats = {p for p in (_name_pattern(normalise(n)[0]) for n in names if n) if p}
    if not pats:
        return None
    alt = "|".join(sorted(pats, key=len, reverse=True))
    return re.compile(rf"(?<![\w'’-])(?:{alt})(?![\w-]|['’]\w)", re.IGNORECASE)


def _term_key(text: str) -> str:
    return " ".join(normalise(text)[0].casefold().split())


# --- public API -------------------------------------------------------------------------------


def find_identifiers(
    text: str | None,
    extra_names: Sequence[str] = (),
    *,
    allow_terms: Iterable[str] = (),
    kinds: Iterable[str] | None = None,
) -> list[Finding]:
    """All identifier findings in ``text``, ordered by position, offsets into ``text``.

    ``extra_names`` are names to treat as identifiers (e.g. the family names a board has
    configured); ``allow_terms`` are exact flagged words (name/address kinds) a person has
    confirmed are not identifying; ``kinds`` limits the kinds looked for.
    """
    if not text:
        return []
    want = frozenset(KINDS if kinds is None else kinds)
    norm, idx = normalise(text)
    raw: set[tuple[str, int, int]] = set()
    if "nhs_number" in want:
        for m in _NHS.finditer(norm):
            if nhs_number_is_valid("".join(m.groups())):
                raw.add(("nhs_number", m.start(), m.end()))
    if "postcode" in want:
        for m in _POSTCODE.finditer(norm):
            raw.add(("postcode", m.start(), m.end()))
    if "phone" in want:
        for m in _PHONE.finditer(norm):
            if _is_uk_phone(m):
                raw.add(("phone", m.start(), m.end()))
    if "email" in want:
        low = norm.lower()
        rxs = ((_EMAIL,) if ("@" in norm or "%40" in norm or "at" in low) else ()) + ((_EMAIL_WORDS,) if "dot" in low else ())
        for rx in rxs:
            for m in rx.finditer(norm):
                raw.add(("email", m.start(), m.end()))
    if "date_of_birth" in want:
        for m in _DOB.finditer(norm):
            raw.add(("date_of_birth", m.start(), m.end()))
        # A date written before "date of birth" ends at those words: look only just before them.
        for w in _DOB_AFTER_WORDS.finditer(norm):
            for m in _DOB_AFTER.finditer(norm, max(0, w.start() - _DOB_AFTER_REACH), w.end()):
                raw.add(("date_of_birth", m.start(), m.end()))
    if "ni_number" in want:
        for m in _NI.finditer(norm):
            if m.group("suffix") or _NI_CONTEXT.search(norm, max(0, m.start() - 45), m.start()):
                raw.add(("ni_number", m.start(), m.end()))
    if "address" in want:
        for m in _ADDRESS.finditer(norm):
            raw.add(("address", m.start(), m.end()))
        for m in _ADDRESS_CONTEXT.finditer(norm):
            raw.add(("address", m.start("addr"), m.end("addr")))
    if "name" in want:
        for s, e in _find_names(norm):
            raw.add(("name", s, e))
        names = _names_regex(tuple(extra_names))
        if names is not None:
            for m in names.finditer(norm):
                raw.add(("name", m.start(), m.end()))
    allowed = {_term_key(t) for t in allow_terms if t and t.strip()}
    found: set[Finding] = set()
    for kind, s, e in raw:
        start, end = _orig(idx, s, e, len(text))
        if allowed and kind in ALLOWABLE_KINDS and _term_key(text[start:end]) in allowed:
            continue
        found.add(Finding(kind, start, end))
    return sorted(found, key=lambda f: (f.start, f.end, f.kind))


_SEAM = 60  # characters either side of a join between two fields that are checked together


def check_fields(
    fields: Mapping[str, str | None],
    extra_names: Sequence[str] = (),
    *,
    allow_terms: Iterable[str] = (),
    kinds: Iterable[str] | None = None,
) -> list[FieldFinding]:
    """Which fields hold which identifier kinds (each pair once, in field order, with the first
    occurrence's offsets). Neighbouring fields (e.g. ``summary.en`` and ``summary.cy``) are also
    read across their join, so an identifier split between two fields is found in both."""
    out: list[FieldFinding] = []
    seen: set[tuple[str, str]] = set()
    names = tuple(extra_names)
    allow = tuple(allow_terms)

    def add(name: str, kind: str, start: int, end: int) -> None:
        if (name, kind) not in seen:
            seen.add((name, kind))
            out.append(FieldFinding(name, kind, start, end))

    items = [(k, v) for k, v in fields.items() if v]
    for field_name, text in items:
        for f in find_identifiers(text, names, allow_terms=allow, kinds=kinds):
            add(field_name, f.kind, f.start, f.end)
    for (a_name, a), (b_name, b) in zip(items, items[1:]):
        tail, head = a[-_SEAM:], b[:_SEAM]
        joined = tail + " " + head
        for f in find_identifiers(joined, names, allow_terms=allow, kinds=kinds):
            if f.start < len(tail) and f.end > len(tail) + 1:
                offset = len(a) - len(tail)
                add(a_name, f.kind, offset + f.start, len(a))
                add(b_name, f.kind, 0, f.end - len(tail) - 1)
    order = {k: i for i, k in enumerate(fields)}
    out.sort(key=lambda f: order.get(f.field, 0))
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
