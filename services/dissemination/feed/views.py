from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlmodel import select

from shared.http.deps import SessionDep, WelshGovernmentDep
from shared.http.pagination import CursorQuery, LimitQuery, keyset, page_of
from services.dissemination.feed.models import FeedEntry

router = APIRouter(prefix="/v1", tags=["national feed"])


@router.get("/feed", summary="National feed (JSON Feed 1.1), oldest first",
            responses={200: {"content": {"application/feed+json": {}}},
                       403: {"description": "Only Welsh Government keys"}})
def feed(request: Request, session: SessionDep, principal: WelshGovernmentDep,
         limit: LimitQuery = 100, cursor: CursorQuery = None):
    rows = session.exec(keyset(select(FeedEntry), [FeedEntry.seq], cursor, limit)).all()
    rows, next_cursor = page_of(list(rows), limit, key=lambda r: [r.seq])
    base = str(request.url.remove_query_params(["cursor"]))
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Child Practice Reviews: national feed",
        "feed_url": str(request.url),
        "items": [
            {"id": f"urn:uuid:{r.id}", "title": f"{r.board_code}: {r.entry_type.replace('_', ' ')}",
             "content_text": f"{r.entry_type} for review {r.review_id}",
             "date_published": r.occurred_at.isoformat(),
             "_cpr": {"seq": r.seq, "entry_type": r.entry_type, "event_type": r.event_type,
                      "board_code": r.board_code, "review_id": r.review_id, "data": r.data}}
            for r in rows
        ],
    }
    if next_cursor:
        sep = "&" if "?" in base else "?"
        doc["next_url"] = f"{base}{sep}cursor={next_cursor}"
    return JSONResponse(doc, media_type="application/feed+json")
