"""Request types that accept exactly what their JSON Schema says, in bodies and in query strings.

Pydantic's lax mode is generous in ways an API contract must not be: `0` is a boolean, `"0"` is a
date (a unix timestamp), `"5"` is an integer in a JSON body, and a naive datetime slips past a
plain `datetime`. Each type here refuses what its documented schema refuses, so a request the
OpenAPI document calls invalid is a 422, never stored. Use them in every request model and
query parameter; responses may keep the plain types.

Dates and times are also bounded to the years 1900-2999 (stated in the schema as a `pattern`):
no review, meeting or publication falls outside them, and the bound keeps date arithmetic
(targets, windows, six months before a trigger) clear of `date.min` / `date.max`.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict, WithJsonSchema
from pydantic import model_validator

MIN_YEAR, MAX_YEAR = 1900, 2999
_YEAR = r"(19[0-9]{2}|2[0-9]{3})"
DATE_PATTERN = rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
# RFC 3339 date-time with a required offset (`Z` or +hh:mm); seconds required, fraction optional.
DATETIME_PATTERN = (rf"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}[Tt][0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\.[0-9]+)?"
                    r"([Zz]|[+-][0-9]{2}:[0-9]{2})$")
# A work e-mail address, as loose as real addresses need and no looser than one "@" and a dot.
# No `\"` in it: ECMA-262's unicode mode (ajv, browsers' `pattern`) refuses needless escapes.
EMAIL_PATTERN = r'^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>"]+$'
_DATE_RE = re.compile(DATE_PATTERN)
_DATETIME_RE = re.compile(DATETIME_PATTERN)


def _iso_date(value: Any) -> Any:
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, date):
        if not MIN_YEAR <= value.year <= MAX_YEAR:
            raise ValueError(f"must be between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31")
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date as a string, YYYY-MM-DD")
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a calendar date (YYYY-MM-DD)") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise ValueError(f"must be between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31")
    return parsed


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("must be a date and time as an ISO 8601 string with an offset, "
                         "e.g. 2027-03-29T10:00:00+01:00")
    if not _DATETIME_RE.fullmatch(value):
        if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9:.]+", value):
            raise ValueError("must carry an offset (Z or +hh:mm): local times are ambiguous")
        raise ValueError(f"must be ISO 8601 with an offset, e.g. 2027-03-29T10:00:00+01:00, "
                         f"in the years {MIN_YEAR}-{MAX_YEAR}")
    return value.upper()


def _in_range(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"must be between {MIN_YEAR} and {MAX_YEAR}") from None
    if not MIN_YEAR <= utc.year <= MAX_YEAR:
        raise ValueError(f"must be between {MIN_YEAR} and {MAX_YEAR}")
    return value


def _not_text_or_bool(value: Any) -> Any:
    # JSON numbers only: a string is not an integer, and True is not 1.
    if isinstance(value, (bool, str, bytes, bytearray)):
        raise ValueError("must be a JSON number, not a string or boolean")
    return value


def _query_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


def _written_as(pattern: str, message: str):
    """A query number's check: text only in `pattern`'s form (pydantic's lax parsing takes
    more), and never a boolean."""
    form = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, bool) or isinstance(value, str) and not form.fullmatch(value):
            raise ValueError(message)
        return value
    return check


_query_int = _written_as(r"-?[0-9]+", "must be a whole number")
_query_number = _written_as(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", "must be a number")


IsoDate = Annotated[date, BeforeValidator(_iso_date),
                    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN})]
"""A calendar date, only as a `YYYY-MM-DD` string (JSON bodies and query strings alike)."""

IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime), AfterValidator(_in_range),
                        WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN})]
"""An instant, only as an ISO 8601 / RFC 3339 string with an offset: naive times are refused."""

StrictBool = Annotated[bool, Strict()]
"""A JSON boolean in a body: `true` or `false`, never 0, 1 or "yes"."""

StrictInt = Annotated[int, BeforeValidator(_not_text_or_bool)]
"""A JSON integer in a body: never a string ("5") or a boolean."""

StrictFloat = Annotated[float, BeforeValidator(_not_text_or_bool)]
"""A JSON number in a body: never a string ("0.5", "nan") or a boolean."""

QueryBool = Annotated[bool, BeforeValidator(_query_bool)]
"""A boolean query parameter: exactly `true` or `false`."""

QueryInt = Annotated[int, BeforeValidator(_query_int)]
"""An integer query parameter: digits with an optional minus sign (no "5.0", "1_000", " 5")."""

QueryFloat = Annotated[float, BeforeValidator(_query_number)]
"""A number query parameter: a plain decimal (no "nan", "inf", "1_0")."""


# -- bounded numbers -----------------------------------------------------------------------------
# Bounds go INSIDE the validator: `Annotated[QueryInt, Query(ge=1)]` puts them after a
# BeforeValidator, where pydantic cannot map them onto the number schema and passes `ge`/`le`
# through into the published schema as unknown keywords, so clients never see the limits.
# Bounded here, they are emitted as `minimum`/`maximum` (and still enforced).
def _bounded(base: type, validator, ge: float | None, le: float | None):
    return Annotated[Annotated[base, Field(ge=ge, le=le)], BeforeValidator(validator)]


def query_int(*, ge: int | None = None, le: int | None = None):
    """QueryInt between `ge` and `le` (inclusive), published as minimum/maximum."""
    return _bounded(int, _query_int, ge, le)


def query_float(*, ge: float | None = None, le: float | None = None):
    """QueryFloat between `ge` and `le` (inclusive), published as minimum/maximum."""
    return _bounded(float, _query_number, ge, le)


def strict_int(*, ge: int | None = None, le: int | None = None):
    """StrictInt between `ge` and `le` (inclusive), published as minimum/maximum."""
    return _bounded(int, _not_text_or_bool, ge, le)


def strict_float(*, ge: float | None = None, le: float | None = None):
    """StrictFloat between `ge` and `le` (inclusive), published as minimum/maximum."""
    return _bounded(float, _not_text_or_bool, ge, le)


# -- text --------------------------------------------------------------------------------------
# NUL cannot be stored in a PostgreSQL text column, and a lone surrogate (JSON "\ud800") cannot
# be encoded as UTF-8: either would fail at the database as a 500. Refused at the door instead.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def unstorable_text(value: str) -> bool:
    return _UNSTORABLE.search(value) is not None


def _storable(value: str) -> str:
    if unstorable_text(value):
        raise ValueError("contains a NUL character or an unpaired surrogate, which text may not")
    return value


PlainText = Annotated[str, AfterValidator(_storable)]
"""Text (e.g. a form field) with no NUL and no unpaired surrogate."""


def _first_unstorable(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return path if unstorable_text(value) else None
    if isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            if unstorable_text(key):
                return f"{path}.{key!r}" if path else repr(key)
            if (found := _first_unstorable(v, f"{path}.{key}" if path else key)) is not None:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            if (found := _first_unstorable(v, f"{path}[{i}]")) is not None:
                return found
    return None


class RequestModel(BaseModel):
    """Base of every request body: unknown fields are refused (422), and so is text the database
    could not store (NUL, unpaired surrogates), wherever it is in the body."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        if (where := _first_unstorable(data, "")) is not None:
            raise ValueError(f"{where or 'text'}: contains a NUL character or an unpaired surrogate, "
                             "which text may not")
        return data
