"""Reading the national feed: keyset pages oldest-first, rendered by feed/render.py."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from shared.auth import Board
from shared.db import utcnow
from shared.http.pagination import encode_cursor, keyset, page_of, where_given
from shared.http.problems import Problem, field_error
from services.dissemination.feed import render
from services.dissemination.feed.models import FeedEntry, FeedReviewType
from services.dissemination.feed.projection import ENTRY_TYPES

# A page whose newest entry is younger than this may still gain entries recorded in the same
# second (HTTP dates have one-second resolution, RFC 9110 §8.8.2.2), so it is sent without
# Last-Modified: the ETag alone validates it. Complete pages never change.
HOT_SECONDS = 2.0
DEFAULT_LIMIT = 100


@dataclass
class FeedPage:
    entries: list[render.FeedEntry]
    links: render.FeedLinks
    last_modified: datetime | None


def _as_uuid(value: str | None):
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def feed_page(session: Session, *, feed_url: str, board: str | None, entry_type: str | None,
              cursor: str | None, limit: int, request_query: str | None = None,
              review_type: str | None = None) -> FeedPage:
    """`review_type` keeps every entry of the reviews of that type (FeedReviewType: decided as it,
    or a SUSR covering it; their referral and milestones too, so an analyst follows each review
    whole); a review not yet decided has no type."""
    if entry_type is not None and entry_type not in ENTRY_TYPES:
        # The value is not repeated: a 422 never echoes what the client sent.
        raise Problem(422, f"entry_type is not one of: {', '.join(ENTRY_TYPES)}.",
                      errors=[field_error("entry_type", "unknown entry type", "enum", "query")])
    query = where_given(select(FeedEntry), (FeedEntry.board_code, board), (FeedEntry.entry_type, entry_type))
    if review_type:
        query = query.where(FeedEntry.review_id.in_(
            select(FeedReviewType.review_id).where(FeedReviewType.review_type == review_type)))
    rows = list(session.exec(keyset(query, [FeedEntry.seq], cursor, limit)).all())
    rows, next_cursor = page_of(rows, limit, key=lambda r: [r.seq])
    names = {b.code: b.name_en for b in session.exec(select(Board)).all()} if rows else {}
    entries = [render.make_feed_entry(
        id=r.id, seq=r.seq, occurred_at=r.occurred_at, entry_type=r.entry_type, board_code=r.board_code,
        data=r.data, board_name=names.get(r.board_code), review_id=_as_uuid(r.review_id),
        event_type=r.event_type, event_id=r.event_id) for r in rows]
    params = {"board": board, "entry_type": entry_type, "review_type": review_type, "limit": str(limit) if limit != DEFAULT_LIMIT else None}
    resume = encode_cursor([rows[-1].seq]) if rows else cursor
    links = render.page_links(feed_url, cursor=cursor, next_cursor=next_cursor, resume_cursor=resume, params=params,
                              request_query=request_query)
    newest = max((r.recorded_at for r in rows), default=None)
    if newest is not None and next_cursor is None and newest > utcnow() - timedelta(seconds=HOT_SECONDS):
        newest = None
    return FeedPage(entries=entries, links=links, last_modified=newest)
