"""Publications: boards publish (key), everyone reads and searches (no key)."""
from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from shared.http.deps import OPTIONAL_KEY, BoardDep, SessionDep, SettingsDep
from shared.http.idempotency import IdempotencyDep
from shared.http.pagination import CursorQuery, LimitQuery
from shared.http.types import PlainText, query_int
from shared.web import i18n
from services.dissemination.feed import render
from services.dissemination.httputil import ConditionalHeaders, OptionalPrincipalDep, base_url, conditional
from services.dissemination.publications import service
from services.dissemination.themes.taxonomy import Theme
from services.dissemination.publications.schemas import (
    DocumentKind,
    DocumentPublic,
    PublicationCreate,
    PublicationPage,
    PublicationPublic,
    PublicationUpdate,
    PublishRequest,
)

router = APIRouter(prefix="/v1", tags=["publications"])
# The multipart form of POST .../documents; `file` is the document itself (here a PDF, sent with
# its own Content-Type, e.g. `curl -F "file=@report.pdf;type=application/pdf"`).
DOCUMENT_UPLOAD_EXAMPLE = {
    "kind": "report",
    "file": "%PDF-1.7 (the anonymised report, as published)",
    "title_en": "Concise Child Practice Review report",
    "title_cy": "Adroddiad Adolygiad Ymarfer Plant Cryno",
}


def _public(session, request, pub) -> PublicationPublic:
    docs = service.documents_for(session, [pub.id])
    return service.to_public(pub, docs.get(pub.id, []), service.board_names(session), service.theme_index(session),
                             base_url(request))


@router.post("/publications", status_code=201, response_model=PublicationPublic,
             summary="Create a publication (draft, or published when both languages are complete)",
             responses={422: {"description": "Invalid, an identifier found (field and kind named), or a "
                                             "translation missing to publish"}})
def create_publication(body: PublicationCreate, request: Request, session: SessionDep, principal: BoardDep,
                       settings: SettingsDep,
                       idem: IdempotencyDep):
    def make():
        pub = service.create(session, principal, body, settings.identifier_names)
        return _public(session, request, pub).model_dump(mode="json")
    return idem.create(make, collection="/v1/publications")


@router.get("/publications", response_model=PublicationPage,
            summary="Search published learning (public): full text in English or Welsh, filters, newest first")
def search_publications(request: Request, session: SessionDep, limit: LimitQuery = 20, cursor: CursorQuery = None,
                        q: Annotated[str | None, Query(max_length=200)] = None,
                        lang: Annotated[Literal["en", "cy"] | None, Query(description="Language of `q`; "
                                        "else Accept-Language; else English")] = None,
                        theme: Annotated[str | None, Query(max_length=64)] = None,
                        board: Annotated[str | None, Query(max_length=64)] = None,
                        review_type: Annotated[str | None, Query(max_length=64)] = None,
                        year: Annotated[query_int(ge=2013, le=2100) | None, Query()] = None,
                        accept_language: Annotated[str | None, Header()] = None):
    # The same negotiation as every page (shared/web/i18n.py); there is no cookie on the API.
    language = i18n.pick_language(lang, None, accept_language, default="en")
    rows, next_cursor = service.search_public(session, q=q, lang=language, theme=theme, board=board,
                                              review_type=review_type, year=year, cursor=cursor, limit=limit)
    docs = service.documents_for(session, [p.id for p in rows])
    boards, themes, base = service.board_names(session), service.theme_index(session), base_url(request)
    items = [service.to_public(p, docs.get(p.id, []), boards, themes, base) for p in rows]
    return Response(PublicationPage(items=items, next_cursor=next_cursor).model_dump_json(),
                    media_type="application/json", headers={"Content-Language": language,
                                                            "Vary": "Accept-Language"})


@router.get("/publications.atom", summary="Public learning feed (Atom), Welsh and English entries, newest first",
            response_class=Response, dependencies=ConditionalHeaders,
            responses={200: {"content": {render.ATOM_MEDIA_TYPE: {}}},
                                                304: {"description": "Not modified (If-None-Match / "
                                                                     "If-Modified-Since)"}})
def learning_feed(request: Request, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None,
                  lang: Annotated[Literal["en", "cy"] | None, Query(description="One language only")] = None):
    rows, next_cursor = service.learning_feed_page(session, cursor, limit)
    base = base_url(request)
    entries = service.learning_feed_entries(session, rows, base)
    links = render.page_links(f"{base}/v1/publications.atom", cursor=cursor, next_cursor=next_cursor,
                              params={"limit": str(limit) if limit != 50 else None, "lang": lang},
                              home_page_url=f"{base}/v1/publications", request_query=request.url.query)
    # Themes are data (boards add them): label categories from the table, not the seed list.
    taxonomy = {code: Theme(code=t.code, name_en=t.name_en, name_cy=t.name_cy)
                for code, t in service.theme_index(session).items()}
    body = render.render_learning_feed(entries, links, langs=(lang,) if lang else render.LANGUAGES,
                                       taxonomy=taxonomy, themes_url=f"{base}/v1/themes")
    newest = max((p.updated_at for p in rows), default=None)
    return conditional(request, body, render.ATOM_MEDIA_TYPE, newest)


@router.get("/publications/{publication_id}", response_model=PublicationPublic,
            summary="One publication (public once published; its board also sees drafts)",
            responses={404: {"description": "No such publication"}, 410: {"description": "Withdrawn or expired"}},
            openapi_extra=OPTIONAL_KEY)
def get_publication(publication_id: str, request: Request, session: SessionDep, principal: OptionalPrincipalDep):
    pub = service.visible(session, principal, publication_id)
    return _public(session, request, pub)


@router.patch("/publications/{publication_id}", response_model=PublicationPublic, summary="Edit a draft")
def update_publication(publication_id: str, body: PublicationUpdate, request: Request, session: SessionDep,
                       settings: SettingsDep,
                       principal: BoardDep):
    pub = service.update(session, principal, publication_id, body, settings.identifier_names)
    result = _public(session, request, pub)
    session.commit()
    return result


@router.post("/publications/{publication_id}/publish", response_model=PublicationPublic,
             summary="Publish a draft (both languages required); emits publication.published")
def publish_publication(publication_id: str, request: Request, session: SessionDep, principal: BoardDep,
                        body: PublishRequest | None = None):
    pub = service.publish(session, principal, publication_id, body.published_on if body else None)
    result = _public(session, request, pub)
    session.commit()
    return result


@router.post("/publications/{publication_id}/withdraw", response_model=PublicationPublic,
             summary="Withdraw a publication: it leaves the public lists; the feeds show it withdrawn")
def withdraw_publication(publication_id: str, request: Request, session: SessionDep, principal: BoardDep):
    pub = service.withdraw(session, principal, publication_id)
    result = _public(session, request, pub)
    session.commit()
    return result


@router.post("/publications/{publication_id}/documents", status_code=201, response_model=DocumentPublic,
             summary="Upload a document the service stores (multipart: kind, file, optional title_en/title_cy)",
             responses={422: {"description": "Invalid, an identifier found in a title or in the file's text "
                                             "(field and kind named), or a file whose text cannot be read "
                                             "(encrypted, corrupt, a scan, too large to check)"}},
             openapi_extra={"requestBody": {"content": {"multipart/form-data": {
                 "example": DOCUMENT_UPLOAD_EXAMPLE}}}})
async def upload_document(publication_id: str, request: Request, session: SessionDep, principal: BoardDep,
                          settings: SettingsDep,
                          kind: Annotated[DocumentKind, Form()],
                          file: Annotated[UploadFile, File()],
                          title_en: Annotated[PlainText | None, Form(max_length=300)] = None,
                          title_cy: Annotated[PlainText | None, Form(max_length=300)] = None):
    # No Idempotency-Key here: a multipart body differs on every retry (a fresh boundary), so
    # a body hash cannot tell a retry from a new upload; a repeated upload is a second document
    # with the same sha256, which the board can see in the publication's list.
    content = await file.read()
    # In a worker thread: reading a PDF's text is CPU work that must not stall the event loop.
    doc = await run_in_threadpool(service.add_document, session, principal, publication_id, kind=kind,
                                  title_en=title_en, title_cy=title_cy, media_type=file.content_type or "",
                                  content=content, names=settings.identifier_names)
    url = f"{base_url(request)}/v1/publications/{publication_id}/documents/{doc.id}"
    body = DocumentPublic(id=doc.id, kind=doc.kind, title={"en": doc.title_en, "cy": doc.title_cy}, url=url,
                          stored=True, media_type=doc.media_type, size=doc.size, sha256=doc.sha256)
    session.commit()
    return JSONResponse(body.model_dump(mode="json"), status_code=201, headers={"Location": url})


@router.get("/publications/{publication_id}/documents/{document_id}", response_class=Response,
            summary="Download a stored document",
            responses={200: {"description": "The file, in the media type it was uploaded as",
                             "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                         for t in service.UPLOAD_MEDIA_TYPES}},
                       404: {"description": "No such publication or stored document"},
                       410: {"description": "The publication is withdrawn or expired"}},
            openapi_extra=OPTIONAL_KEY)
def download_document(publication_id: str, document_id: str, session: SessionDep, principal: OptionalPrincipalDep):
    doc = service.stored_document(session, principal, publication_id, document_id)
    ext = service.UPLOAD_MEDIA_TYPES.get(doc.media_type or "", "bin")
    return Response(content=doc.content, media_type=doc.media_type or "application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{doc.kind}.{ext}"',
                             "X-Content-Type-Options": "nosniff", "ETag": f'"{doc.sha256}"'})
