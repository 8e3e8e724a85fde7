"""What the library's pages read, through the JSON API's own service functions and its public
shape (`PublicationPublic`): a page can show only what `GET /v1/publications` would, and drafts,
withdrawn and expired publications never appear (a withdrawn one is the API's 410)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from shared.http.problems import Problem
from services.dissemination.library import chart
from services.dissemination.library.i18n import order_documents
from services.dissemination.publications import service as publications
from services.dissemination.publications.models import Publication
from services.dissemination.publications.schemas import PublicationPublic
from services.dissemination.themes import service as themes
from services.dissemination.themes.models import LearningTheme


@dataclass
class Results:
    items: list[PublicationPublic]
    next_cursor: str | None
    total: int


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    theme: str | None = None
    board: str | None = None
    review_type: str | None = None
    year: int | None = None

    def as_params(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "")}


def _public(session: Session, rows, base: str) -> list[PublicationPublic]:
    docs = publications.documents_for(session, [p.id for p in rows])
    boards, index = publications.board_names(session), publications.theme_index(session)
    return [publications.to_public(p, docs.get(p.id, []), boards, index, base) for p in rows]


def search(session: Session, filters: Filters, lang: str, *, cursor: str | None, limit: int, base: str) -> Results:
    args = dict(q=filters.q, lang=lang, theme=filters.theme, board=filters.board, review_type=filters.review_type,
                year=filters.year)
    rows, next_cursor = publications.search_public(session, cursor=cursor, limit=limit, **args)
    return Results(items=_public(session, rows, base), next_cursor=next_cursor,
                   total=publications.count_public(session, **args))


def latest(session: Session, lang: str, base: str, limit: int = 6) -> list[PublicationPublic]:
    return search(session, Filters(), lang, cursor=None, limit=limit, base=base).items


def publication(session: Session, publication_id: str, base: str) -> PublicationPublic:
    """The API's visibility rule for the public (no principal): 404 for a draft or nothing,
    410 Problem for withdrawn or expired. Documents come briefing first."""
    pub = publications.visible(session, None, publication_id)
    (public,) = _public(session, [pub], base)
    public.documents = order_documents(public.documents)
    return public


def theme(session: Session, code: str) -> LearningTheme:
    found = next((t for t in themes.active_themes(session) if t.code == code), None)
    if found is None:
        raise Problem(404, f"No theme {code}.")
    return found


def theme_counts(session: Session) -> dict[str, int]:
    """Public publications per theme (the cross-region figures, summed over boards)."""
    result = publications.themes_across_boards(session, None, None)
    return {t["code"]: t["publications"] for t in result["themes"]}


def across_wales(session: Session, lang: str, min_boards: int = 2) -> tuple[dict, chart.Table]:
    result = publications.themes_across_boards(session, None, None, min_boards)
    return result, chart.table(result, publications.board_names(session), lang)


def review_types_in_use(session: Session) -> list[str]:
    """The review types of public publications (types are data: a new one appears when used)."""
    query = publications.public_query().with_only_columns(Publication.review_type).distinct()
    return sorted(code for (code,) in session.execute(query).all() if code)

