"""Use cases for published learning: create, edit, publish, withdraw, expire, documents,
public search and the theme comparison across boards."""
from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from datetime import UTC, date, timedelta

from sqlalchemy import func, or_
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from shared.auth import Board, Principal
from shared.clock import london_today
from shared.db import utcnow
from shared.events.publications import PublicationPublishedV1, PublicationWithdrawnV1
from shared.http.pagination import keyset, page_of, where_given
from shared.http.identifiers import NOT_NAMES, identifier_problem, reject_identifiers
from shared.http.problems import Problem, field_error
from shared.outbox import add_event
from services.dissemination.feed import render
from services.dissemination.feed.models import KnownReview
from services.dissemination.publications import extract, search
from services.dissemination.publications.anonymisation import document_fields, gate, text_fields
from services.dissemination.publications.models import Publication, PublicationDocument, PublicationTheme
from services.dissemination.publications.schemas import (
    DocumentPublic,
    PublicationCreate,
    PublicationPublic,
    PublicationUpdate,
    ThemeRef,
)
from services.dissemination.themes.models import LearningTheme

UPLOAD_MEDIA_TYPES = extract.MEDIA_KINDS  # media type -> file extension; the types whose text can be checked



# -- rules -----------------------------------------------------------------------------------

def _check_identifiers(fields: dict[str, str | None], names) -> None:
    findings = gate(fields, names)
    if findings:
        raise identifier_problem(findings)


def _check_document_contents(media_type: str, content: bytes, names) -> None:
    """The gate over an uploaded file's text (field `file`, the upload's form field). A file
    whose text cannot be read in full is refused too: what cannot be checked cannot be published."""
    try:
        text = extract.extract_text_sandboxed(media_type, content)
    except extract.Unreadable as exc:
        raise Problem(422, f"The file could not be checked for identifiers of children and families: {exc.reason}. "
                      "A document that cannot be checked cannot be published; upload an unencrypted, text-based "
                      "PDF, Word (.docx), OpenDocument, HTML or plain-text file.", slug="document-unreadable",
                      errors=[field_error("file", f"could not be checked: {exc.reason}", "unreadable")]) from None
    _check_identifiers({"file": text}, names)


def _check_themes(session: Session, codes: list[str]) -> list[str]:
    codes = list(dict.fromkeys(codes))
    known = set(session.exec(select(LearningTheme.code).where(LearningTheme.active)).all())
    bad = [(i, c) for i, c in enumerate(codes) if c not in known]
    if bad:
        # The codes are client text (could be anything): named by position, never repeated.
        raise Problem(422, f"{len(bad)} unknown theme code(s) at " + ", ".join(f"themes[{i}]" for i, _ in bad)
                      + "; see GET /v1/themes.",
                      errors=[field_error(f"themes[{i}]", "unknown theme code", "unknown_theme") for i, _ in bad])
    return codes


def _missing_translations(pub: Publication) -> list[str]:
    missing = []
    for key in ("title", "summary"):
        for lang in ("en", "cy"):
            if not (getattr(pub, f"{key}_{lang}") or "").strip():
                missing.append(f"{key}.{lang}")
    for i, point in enumerate(pub.learning_points):
        for lang in ("en", "cy"):
            if not (point.get(lang) or "").strip():
                missing.append(f"learning_points[{i}].{lang}")
    return missing


def _require_bilingual(pub: Publication) -> None:
    missing = _missing_translations(pub)
    if missing:
        raise Problem(422, "Publishing needs every text in both English and Welsh (Welsh language "
                      "standards); missing: " + ", ".join(missing) + ". Save it as a draft meanwhile.",
                      slug="translation-required",
                      errors=[field_error(m, "required in both languages to publish", "missing_translation") for m in missing])


def _check_dates(pub: Publication) -> None:
    if pub.published_on and pub.published_on > london_today():
        raise Problem(422, "published_on cannot be in the future.",
                      errors=[field_error("published_on", "in the future", "future_date")])
    if pub.available_until and pub.published_on and pub.available_until < pub.published_on:
        raise Problem(422, "available_until is before published_on.",
                      errors=[field_error("available_until", "before published_on", "date_order")])


def _check_review(session: Session, principal: Principal, review_id: str) -> KnownReview | None:
    """A review this service knows (from review.referred) must be the caller's board's; another
    board's is a 404 as everywhere. An unknown one is accepted: the referral event may still be
    on its way, or the review predates the system."""
    known = session.get(KnownReview, review_id)
    if known is not None and known.board_code != principal.board_code:
        raise Problem(404, f"No review {review_id} for your board.")
    return known


def _reindex(session: Session, pub: Publication) -> None:
    docs = session.exec(select(PublicationDocument).where(PublicationDocument.publication_id == pub.id)
                        .options(defer(PublicationDocument.content))).all()
    pub.search_en, pub.search_cy = search.search_texts(
        {"en": pub.title_en, "cy": pub.title_cy}, {"en": pub.summary_en, "cy": pub.summary_cy},
        pub.learning_points, pub.recommendations, [{"en": d.title_en, "cy": d.title_cy} for d in docs],
        [{"en": t.name_en, "cy": t.name_cy} for t in (session.get(LearningTheme, c) for c in pub.themes) if t])
    session.add(pub)
    session.flush()
    search.for_session(session).index(session, pub)


def _set_themes(session: Session, pub: Publication, codes: list[str]) -> None:
    for row in session.exec(select(PublicationTheme).where(PublicationTheme.publication_id == pub.id)).all():
        session.delete(row)
    session.flush()
    pub.themes = codes
    for code in codes:
        session.add(PublicationTheme(publication_id=pub.id, theme_code=code))


def _publish(session: Session, pub: Publication, published_on: date | None) -> None:
    _require_bilingual(pub)
    pub.published_on = published_on or pub.published_on or london_today()
    _check_dates(pub)
    known = session.get(KnownReview, pub.review_id)
    if known is not None and known.review_type:
        pub.review_type = known.review_type
    pub.status = "published"
    pub.published_at = pub.updated_at = utcnow()
    add_event(session, subject=pub.id,
              data=PublicationPublishedV1(publication_id=pub.id, review_id=pub.review_id, board_code=pub.board_code,
                                          published_on=pub.published_on, themes=list(pub.themes),
                                          review_type=pub.review_type))


# -- commands --------------------------------------------------------------------------------

def create(session: Session, principal: Principal, body: PublicationCreate, names) -> Publication:
    data = body.model_dump()
    _check_identifiers(text_fields(data), names)
    reject_identifiers({"review_id": body.review_id}, kinds=NOT_NAMES)  # published with the report
    themes = _check_themes(session, body.themes)
    known = _check_review(session, principal, body.review_id)
    if not ((body.title.en or "").strip() or (body.title.cy or "").strip()):
        raise Problem(422, "A publication needs a title in at least one language.",
                      errors=[field_error("title", "empty", "missing")])
    pub = Publication(
        board_code=principal.board_code, review_id=body.review_id, status="draft",
        review_type=known.review_type if known else None,
        title_en=body.title.en, title_cy=body.title.cy, summary_en=body.summary.en, summary_cy=body.summary.cy,
        learning_points=[p.model_dump() for p in body.learning_points], recommendations=list(body.recommendations),
        published_on=body.published_on, available_until=body.available_until)
    _check_dates(pub)
    session.add(pub)
    session.flush()
    _set_themes(session, pub, themes)
    for doc in body.documents:
        title = doc.title or None
        session.add(PublicationDocument(publication_id=pub.id, kind=doc.kind, url=doc.url,
                                        title_en=title.en if title else None, title_cy=title.cy if title else None))
    session.flush()
    if body.status == "published":
        _publish(session, pub, body.published_on)
    _reindex(session, pub)
    return pub


def _owned(session: Session, principal: Principal, publication_id: str) -> Publication:
    pub = session.get(Publication, publication_id)
    if pub is None or pub.board_code != principal.board_code:
        raise Problem(404, f"No publication {publication_id} for your board.")
    return pub


def update(session: Session, principal: Principal, publication_id: str, body: PublicationUpdate, names) -> Publication:
    pub = _owned(session, principal, publication_id)
    if pub.status != "draft":
        raise Problem(409, "Only a draft can be edited; a published publication is withdrawn and published anew.",
                      slug="not-a-draft")
    changes = body.model_dump(exclude_unset=True)
    _check_identifiers(text_fields({k: v for k, v in changes.items() if v is not None}), names)
    for key in ("title", "summary"):
        if changes.get(key) is not None:
            setattr(pub, f"{key}_en", changes[key].get("en"))
            setattr(pub, f"{key}_cy", changes[key].get("cy"))
    if changes.get("learning_points") is not None:
        pub.learning_points = changes["learning_points"]
    if changes.get("recommendations") is not None:
        pub.recommendations = changes["recommendations"]
    if "published_on" in changes:
        pub.published_on = changes["published_on"]
    if "available_until" in changes:
        pub.available_until = changes["available_until"]
    if changes.get("themes") is not None:
        _set_themes(session, pub, _check_themes(session, changes["themes"]))
    _check_dates(pub)
    pub.updated_at = utcnow()
    _reindex(session, pub)
    return pub


def publish(session: Session, principal: Principal, publication_id: str, published_on: date | None) -> Publication:
    pub = _owned(session, principal, publication_id)
    if pub.status != "draft":
        raise Problem(409, f"The publication is {pub.status}, not a draft.", slug="not-a-draft")
    _publish(session, pub, published_on)
    session.add(pub)
    return pub


def _withdraw(session: Session, pub: Publication, reason: str, on: date) -> None:
    pub.status = "withdrawn"
    pub.withdrawal_reason = reason
    pub.withdrawn_on = on
    pub.withdrawn_at = pub.updated_at = utcnow()
    session.add(pub)
    add_event(session, subject=pub.id,
              data=PublicationWithdrawnV1(publication_id=pub.id, review_id=pub.review_id, board_code=pub.board_code,
                                          withdrawn_on=on, reason=reason))


def withdraw(session: Session, principal: Principal, publication_id: str) -> Publication:
    pub = _owned(session, principal, publication_id)
    if pub.status == "withdrawn":
        return pub  # withdrawing twice changes nothing (and emits nothing)
    if pub.status == "draft":
        raise Problem(409, "A draft was never published; there is nothing to withdraw.", slug="not-published")
    _withdraw(session, pub, "withdrawn", london_today())
    return pub


def expire_due(session: Session, today: date | None = None) -> int:
    """Publications past `available_until` leave the public lists (the queries already hide
    them) and show as withdrawn in the feeds: this marks them and emits the event."""
    today = today or london_today()
    due = session.exec(select(Publication).where(Publication.status == "published",
                                                 Publication.available_until.is_not(None),
                                                 Publication.available_until < today)
                       .with_for_update(skip_locked=True)).all()
    for pub in due:
        _withdraw(session, pub, "expired", pub.available_until + timedelta(days=1))
    return len(due)


def add_document(session: Session, principal: Principal, publication_id: str, *, kind: str, title_en: str | None,
                 title_cy: str | None, media_type: str, content: bytes, names) -> PublicationDocument:
    pub = _owned(session, principal, publication_id)
    if pub.status == "withdrawn":
        raise Problem(409, "The publication is withdrawn.", slug="withdrawn")
    _check_identifiers(document_fields({"title": {"en": title_en, "cy": title_cy}}), names)
    base_type = (media_type or "").split(";")[0].strip().lower()
    if base_type not in UPLOAD_MEDIA_TYPES:
        raise Problem(415, "Upload a PDF, Word (.docx), OpenDocument text, HTML or plain-text file; got "
                      f"{base_type or 'no content type'}.")
    if not content:
        raise Problem(422, "The file is empty.", errors=[field_error("file", "empty", "empty")])
    _check_document_contents(media_type, content, names)
    doc = PublicationDocument(publication_id=pub.id, kind=kind, title_en=title_en, title_cy=title_cy,
                              media_type=base_type, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                              content=content)
    session.add(doc)
    pub.updated_at = utcnow()
    session.flush()
    _reindex(session, pub)
    return doc


# -- reads -----------------------------------------------------------------------------------

def is_public(pub: Publication, today: date | None = None) -> bool:
    today = today or london_today()
    return pub.status == "published" and (pub.available_until is None or pub.available_until >= today)


def visible(session: Session, principal: Principal | None, publication_id: str) -> Publication:
    """Anyone sees a public publication; its board also sees it as a draft or withdrawn.
    Withdrawn or expired is 410 for everyone else; a draft is 404."""
    pub = session.get(Publication, publication_id)
    if pub is None:
        raise Problem(404, f"No publication {publication_id}.")
    if principal is not None and principal.board_code == pub.board_code:
        return pub
    if is_public(pub):
        return pub
    if pub.status == "draft":
        raise Problem(404, f"No publication {publication_id}.")
    raise Problem(410, "This publication has been withdrawn.", title="Gone", slug="withdrawn",
                  withdrawn_on=(pub.withdrawn_on or (pub.available_until + timedelta(days=1))).isoformat())


def public_query(today: date | None = None):
    today = today or london_today()
    return select(Publication).where(Publication.status == "published",
                                     or_(Publication.available_until.is_(None), Publication.available_until >= today))


def _public_filtered(session: Session, query, *, q: str | None, lang: str, theme: str | None, board: str | None,
                     review_type: str | None, year: int | None):
    """The public search's filters on a select of publications (rows or a count)."""
    if theme:
        query = query.where(Publication.id.in_(select(PublicationTheme.publication_id)
                                               .where(PublicationTheme.theme_code == theme)))
    query = where_given(query, (Publication.board_code, board), (Publication.review_type, review_type))
    if year:
        query = query.where(Publication.published_on >= date(year, 1, 1), Publication.published_on <= date(year, 12, 31))
    if q and q.strip():
        query = query.where(search.for_session(session).condition(q.strip(), lang))
    return query


def search_public(session: Session, *, q: str | None, lang: str, theme: str | None, board: str | None,
                  review_type: str | None, year: int | None, cursor: str | None, limit: int):
    query = _public_filtered(session, public_query(), q=q, lang=lang, theme=theme, board=board,
                             review_type=review_type, year=year)
    query = keyset(query, [Publication.published_on, Publication.id], cursor, limit, descending=True)
    rows = list(session.exec(query).all())
    return page_of(rows, limit, key=lambda p: [p.published_on.isoformat(), p.id])


def count_public(session: Session, *, q: str | None, lang: str, theme: str | None, board: str | None,
                 review_type: str | None, year: int | None) -> int:
    """How many publications the same search finds (the library's result count)."""
    query = _public_filtered(session, public_query(), q=q, lang=lang, theme=theme, board=board,
                             review_type=review_type, year=year)
    return session.exec(select(func.count()).select_from(query.with_only_columns(Publication.id).subquery())).one()


def learning_feed_page(session: Session, cursor: str | None, limit: int):
    """Public learning feed: published and withdrawn (expired counts as withdrawn), newest
    change first, so a reader sees a withdrawal as an update of the entry it holds."""
    query = select(Publication).where(Publication.status.in_(("published", "withdrawn")))
    query = keyset(query, [Publication.updated_at, Publication.id], cursor, limit, descending=True)
    rows = list(session.exec(query).all())
    return page_of(rows, limit, key=lambda p: [p.updated_at.astimezone(UTC).isoformat(), p.id])


def themes_across_boards(session: Session, start: date | None, end: date | None, min_boards: int = 2) -> dict:
    query = (select(PublicationTheme.theme_code, Publication.board_code, func.count())
             .join(Publication, Publication.id == PublicationTheme.publication_id)
             .where(Publication.status == "published",
                    or_(Publication.available_until.is_(None), Publication.available_until >= london_today())))
    if start:
        query = query.where(Publication.published_on >= start)
    if end:
        query = query.where(Publication.published_on <= end)
    query = query.group_by(PublicationTheme.theme_code, Publication.board_code)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for code, board, n in session.exec(query).all():
        counts[code][board] = n
    themes = []
    for t in session.exec(select(LearningTheme).order_by(LearningTheme.code)).all():
        boards = dict(sorted(counts.get(t.code, {}).items()))
        themes.append({"code": t.code, "name_en": t.name_en, "name_cy": t.name_cy,
                       "publications": sum(boards.values()), "boards": boards, "board_count": len(boards)})
    themes.sort(key=lambda x: (-x["board_count"], -x["publications"], x["code"]))
    recurring = [t["code"] for t in themes if t["board_count"] >= min_boards]
    return {"from": start, "to": end, "min_boards": min_boards, "themes": themes, "recurring": recurring}


# -- presentation ----------------------------------------------------------------------------

def board_names(session: Session) -> dict[str, dict[str, str]]:
    return {b.code: {"en": b.name_en, "cy": b.name_cy} for b in session.exec(select(Board)).all()}


def theme_index(session: Session) -> dict[str, LearningTheme]:
    return {t.code: t for t in session.exec(select(LearningTheme)).all()}


def documents_for(session: Session, ids: list[str]) -> dict[str, list[PublicationDocument]]:
    out: dict[str, list[PublicationDocument]] = defaultdict(list)
    if ids:
        rows = session.exec(select(PublicationDocument).where(PublicationDocument.publication_id.in_(ids))
                            .options(defer(PublicationDocument.content))
                            .order_by(PublicationDocument.created_at, PublicationDocument.id)).all()
        for d in rows:
            out[d.publication_id].append(d)
    return out


def to_public(pub: Publication, docs: list[PublicationDocument], boards: dict, themes: dict, base: str) -> PublicationPublic:
    url = f"{base}/v1/publications/{pub.id}"
    return PublicationPublic(
        id=pub.id, url=url, board_code=pub.board_code,
        board_name=boards.get(pub.board_code, {"en": pub.board_code, "cy": pub.board_code}),
        review_id=pub.review_id, review_type=pub.review_type,
        status="withdrawn" if pub.status == "published" and not is_public(pub) else pub.status,
        title={"en": pub.title_en, "cy": pub.title_cy}, summary={"en": pub.summary_en, "cy": pub.summary_cy},
        learning_points=pub.learning_points,
        themes=[ThemeRef(code=c, name_en=themes[c].name_en if c in themes else c,
                         name_cy=themes[c].name_cy if c in themes else c) for c in pub.themes],
        recommendations=pub.recommendations,
        documents=[DocumentPublic(id=d.id, kind=d.kind, title={"en": d.title_en, "cy": d.title_cy},
                                  url=d.url or f"{url}/documents/{d.id}", stored=d.url is None,
                                  media_type=d.media_type, size=d.size, sha256=d.sha256) for d in docs],
        published_on=pub.published_on, available_until=pub.available_until,
        withdrawn_on=pub.withdrawn_on, created_at=pub.created_at, updated_at=pub.updated_at)


def stored_document(session: Session, principal: Principal | None, publication_id: str,
                    document_id: str) -> PublicationDocument:
    """A stored file of a publication the caller may see (404 if absent, 410 as `visible`)."""
    visible(session, principal, publication_id)
    doc = session.exec(select(PublicationDocument).where(PublicationDocument.id == document_id,
                                                         PublicationDocument.publication_id == publication_id)).first()
    if doc is None or doc.content is None:
        raise Problem(404, f"No stored document {document_id} on this publication.")
    return doc


def learning_feed_entries(session: Session, rows: list[Publication], base: str) -> list:
    """The public learning feed's entries for a page of publications (withdrawn ones marked)."""
    boards, today = board_names(session), london_today()
    return [render.PublicationEntry(
        id=uuid.UUID(p.id), board_code=p.board_code,
        title={"en": p.title_en or "", "cy": p.title_cy or ""},
        summary={"en": p.summary_en or "", "cy": p.summary_cy or ""},
        published_at=p.published_at or p.updated_at, updated_at=p.updated_at, themes=tuple(p.themes),
        learning_points=tuple(p.learning_points), review_id=None, review_type=p.review_type,
        board_name=boards.get(p.board_code), url=f"{base}/v1/publications/{p.id}",
        withdrawn=not is_public(p, today), withdrawn_at=p.withdrawn_at or p.updated_at) for p in rows]
