"""Keyset (cursor) pagination: a page deep in the list costs the same as the first."""
from __future__ import annotations

import base64
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import tuple_

from shared.http.problems import Problem
from shared.http.types import QueryInt

T = TypeVar("T")

LimitQuery = Annotated[QueryInt, Query(ge=1, le=200, description="Page size (1-200).")]
CursorQuery = Annotated[str | None, Query(max_length=500, description="`next_cursor` from the previous page.")]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, default=str, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != arity:
            raise ValueError
        return values
    except Exception:
        raise Problem(400, "The cursor is not one this service issued; start again without it.",
                      slug="invalid-cursor") from None


def keyset(query, columns, cursor: str | None, limit: int, *, descending: bool = False, convert=None):
    """Apply ordering, the cursor condition and limit+1 (to know whether a next page exists)."""
    if cursor:
        values = decode_cursor(cursor, len(columns))
        if convert:
            values = convert(values)
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
