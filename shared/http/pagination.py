"""Keyset (cursor) pagination: a page deep in the list costs the same as the first."""
from __future__ import annotations

import base64
import json
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import tuple_
from sqlalchemy import types as sa_types

from shared.db import UTCDateTime
from shared.http.problems import Problem, field_error
from shared.http.types import query_int

T = TypeVar("T")

LimitQuery = Annotated[query_int(ge=1, le=200), Query(description="Page size (1-200).")]
CursorQuery = Annotated[str | None, Query(max_length=500, description="`next_cursor` from the previous page.")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _problem(detail: str) -> Problem:
    return Problem(400, f"The cursor is not one this service issued ({detail}); start again without it.",
                   slug="invalid-cursor",
                   errors=[field_error("cursor", detail, "invalid_cursor", "query")])


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except Exception:
        raise _problem("not base64url JSON") from None
    if not isinstance(values, list) or len(values) != arity:
        raise _problem(f"not a list of {arity} values")
    return values


_INT64 = 2 ** 63


def _unencodable(text: str) -> bool:
    try:
        text.encode("utf-8")
        return False
    except UnicodeEncodeError:
        return True


def _as_column_type(column, value: Any) -> Any:
    """A cursor value as the Python type its column binds, or ValueError. Done from the
    column's own type so no caller writes (or forgets) a conversion."""
    kind = column.type
    while isinstance(kind, sa_types.TypeDecorator) and not isinstance(kind, UTCDateTime):
        kind = kind.impl  # e.g. SQLModel's AutoString is a String underneath
    if isinstance(kind, (UTCDateTime, sa_types.DateTime)):
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        if parsed is None or parsed.tzinfo is None:
            raise ValueError("not a date-time with an offset")
        return parsed
    if isinstance(kind, sa_types.Date):
        if not isinstance(value, str):
            raise ValueError("not a date")
        return date.fromisoformat(value)
    if isinstance(kind, sa_types.Integer):
        if not isinstance(value, int) or isinstance(value, bool) or not -_INT64 <= value < _INT64:
            raise ValueError("not an integer")
        return value
    if isinstance(kind, sa_types.String):
        # NUL and unpaired surrogates are text no database column can be compared with.
        if not isinstance(value, str) or "\x00" in value or not value.isascii() and _unencodable(value):
            raise ValueError("not a string")
        return value
    raise TypeError(f"keyset has no cursor decoding for {kind!r}")


def where_given(query, *filters):
    """A list's optional filters: `(column, value)` pairs, each applied as `column == value`
    only when the caller gave a value (a parameter left out, or empty, does not filter)."""
    for column, value in filters:
        if value is not None and value != "":
            query = query.where(column == value)
    return query


def keyset(query, columns, cursor: str | None, limit: int, *, descending: bool = False):
    """Apply ordering, the cursor condition and limit+1 (to know whether a next page exists).
    A cursor that does not decode to the columns' types is a 400 naming `cursor`, here and
    only here."""
    if cursor:
        raw = decode_cursor(cursor, len(columns))
        try:
            values = [_as_column_type(c, v) for c, v in zip(columns, raw)]
        except ValueError as exc:
            raise _problem(str(exc)) from None
        cond = tuple_(*columns) < tuple_(*values) if descending else tuple_(*columns) > tuple_(*values)
        query = query.where(cond)
    order = [c.desc() for c in columns] if descending else list(columns)
    return query.order_by(*order).limit(limit + 1)


def page_of(rows: list, limit: int, key) -> tuple[list, str | None]:
    """Cut the extra row off and build the next cursor from the last row kept."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(key(rows[-1]))
    return rows, None
