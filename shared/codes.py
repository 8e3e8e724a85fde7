"""Catalogues keyed by code (review types, themes): built once, read-only, and a duplicate code
is refused at start-up, so a board's addition can never shadow a seed entry."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Protocol, TypeVar


class _Coded(Protocol):
    code: str


T = TypeVar("T", bound=_Coded)


def index_by_code(items: Iterable[T], what: str) -> Mapping[str, T]:
    index: dict[str, T] = {}
    for item in items:
        if item.code in index:
            raise ValueError(f"duplicate {what} code {item.code!r}")
        index[item.code] = item
    return MappingProxyType(index)
