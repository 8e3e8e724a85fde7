"""Which feed entries a subscription receives. Pure rules.

* Welsh Government subscriptions may receive every entry type of every board (it reads the
  national feed); a board's subscription receives publication entries (public learning) of any
  board, and the other entry types of its own board only: one board never sees another's case
  progress.
* `event_types`, `boards` and `themes` narrow that; empty means "no narrowing". Themes belong to
  publications, so a subscription with themes receives publication entries only.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.dissemination.feed.projection import PUBLIC_ENTRY_TYPES


@dataclass(frozen=True)
class Filter:
    welsh_government: bool
    board_code: str | None
    event_types: frozenset[str] = frozenset()
    boards: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()


def may_see(f: Filter, entry_type: str, board_code: str) -> bool:
    return f.welsh_government or entry_type in PUBLIC_ENTRY_TYPES or board_code == f.board_code


def matches(f: Filter, entry_type: str, board_code: str, themes: Iterable[str] = ()) -> bool:
    if not may_see(f, entry_type, board_code):
        return False
    if f.event_types and entry_type not in f.event_types:
        return False
    if f.boards and board_code not in f.boards:
        return False
    if f.themes and not (f.themes & set(themes)):
        return False
    return True
