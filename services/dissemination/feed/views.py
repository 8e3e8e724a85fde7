"""The national feed, for Welsh Government keys only: JSON Feed 1.1 and Atom."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from shared.http.deps import SessionDep, WelshGovernmentDep
from shared.http.pagination import CursorQuery, LimitQuery
from services.dissemination.feed import render
from services.dissemination.feed.service import DEFAULT_LIMIT, feed_page
from services.dissemination.httputil import ConditionalHeaders, base_url, conditional

router = APIRouter(prefix="/v1", tags=["national feed"])

BoardFilter = Annotated[str | None, Query(max_length=64, description="Only this board's entries")]
TypeFilter = Annotated[str | None, Query(max_length=64, description="Only this entry type, e.g. review_overdue")]
ReviewTypeFilter = Annotated[str | None, Query(
    max_length=64, pattern=r"^[a-z0-9_]+$",
    description="Only the entries of reviews of this type (a code of the notification API's GET /v1/review-types): "
                "decided as it, or a SUSR covering it; `susr` gives every SUSR")]
_RESPONSES = {304: {"description": "Not modified (If-None-Match / If-Modified-Since)"},
              403: {"description": "Only Welsh Government keys"}}


@dataclass
class FeedQuery:
    """The query both renderings take (FastAPI reads it as query parameters)."""

    limit: LimitQuery = DEFAULT_LIMIT
    cursor: CursorQuery = None
    board: BoardFilter = None
    entry_type: TypeFilter = None
    review_type: ReviewTypeFilter = None

    def respond(self, request: Request, session, path: str, media_type: str, render_page) -> Response:
        """One page of the feed at `path`, rendered by `render_page(entries, links) -> bytes`, with
        the conditional-request headers both renderings share."""
        page = feed_page(session, feed_url=f"{base_url(request)}{path}", board=self.board,
                         entry_type=self.entry_type, cursor=self.cursor, limit=self.limit,
                         request_query=request.url.query, review_type=self.review_type)
        return conditional(request, render_page(page.entries, page.links), media_type, page.last_modified)


FeedQueryDep = Annotated[FeedQuery, Depends()]


def _json_feed_bytes(entries, links) -> bytes:
    doc = render.render_json_feed(entries, links)
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


@router.get("/feed", summary="National feed (JSON Feed 1.1), oldest first; follow next_url",
            response_class=Response, dependencies=ConditionalHeaders,
            responses={200: {"content": {render.JSON_FEED_MEDIA_TYPE: {}}}, **_RESPONSES})
def json_feed(request: Request, session: SessionDep, principal: WelshGovernmentDep, query: FeedQueryDep):
    return query.respond(request, session, "/v1/feed", render.JSON_FEED_MEDIA_TYPE, _json_feed_bytes)


@router.get("/feed.atom", summary="National feed (Atom, RFC 5005 paging links), oldest first",
            response_class=Response, dependencies=ConditionalHeaders,
            responses={200: {"content": {render.ATOM_MEDIA_TYPE: {}}}, **_RESPONSES})
def atom_feed(request: Request, session: SessionDep, principal: WelshGovernmentDep, query: FeedQueryDep):
    return query.respond(request, session, "/v1/feed.atom", render.ATOM_MEDIA_TYPE, render.render_atom)
