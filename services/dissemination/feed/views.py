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

    def page(self, request: Request, session, path: str):
        return feed_page(session, feed_url=f"{base_url(request)}{path}", board=self.board,
                         entry_type=self.entry_type, cursor=self.cursor, limit=self.limit,
                         request_query=request.url.query, review_type=self.review_type)


FeedQueryDep = Annotated[FeedQuery, Depends()]


@router.get("/feed", summary="National feed (JSON Feed 1.1), oldest first; follow next_url",
            response_class=Response, dependencies=ConditionalHeaders,
            responses={200: {"content": {render.JSON_FEED_MEDIA_TYPE: {}}}, **_RESPONSES})
def json_feed(request: Request, session: SessionDep, principal: WelshGovernmentDep, query: FeedQueryDep):
    page = query.page(request, session, "/v1/feed")
    doc = render.render_json_feed(page.entries, page.links)
    body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    return conditional(request, body, render.JSON_FEED_MEDIA_TYPE, page.last_modified)


@router.get("/feed.atom", summary="National feed (Atom, RFC 5005 paging links), oldest first",
            response_class=Response, dependencies=ConditionalHeaders,
            responses={200: {"content": {render.ATOM_MEDIA_TYPE: {}}}, **_RESPONSES})
def atom_feed(request: Request, session: SessionDep, principal: WelshGovernmentDep, query: FeedQueryDep):
    page = query.page(request, session, "/v1/feed.atom")
    body = render.render_atom(page.entries, page.links)
    return conditional(request, body, render.ATOM_MEDIA_TYPE, page.last_modified)
