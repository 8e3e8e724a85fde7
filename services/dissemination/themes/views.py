"""The theme taxonomy (public to read; boards and Welsh Government add themes, Welsh Government
deactivates them), and themes compared across boards (public)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from shared.http.deps import PrincipalDep, SessionDep, WelshGovernmentDep
from shared.http.idempotency import IdempotencyDep
from shared.http.problems import Problem, field_error
from shared.http.types import IsoDate, query_int
from services.dissemination.publications import service as publications
from services.dissemination.themes import service
from services.dissemination.themes.schemas import ThemeCreate, ThemeList, ThemePublic, ThemeUpdate

router = APIRouter(prefix="/v1", tags=["themes"])


@router.get("/themes", response_model=ThemeList, summary="The learning-theme taxonomy, bilingual")
def list_themes(session: SessionDep) -> ThemeList:
    return ThemeList(items=[service.to_public(t) for t in service.active_themes(session)])


@router.post("/themes", status_code=201, response_model=ThemePublic,
             summary="Add a theme (a board's or Welsh Government's key); usable at once",
             description="`code` is stable and unique (409 if taken, deactivated themes included); both names are "
                         "required (Welsh language standards). Names, descriptions and the code are checked for "
                         "identifiers of a child or family (422 naming the field and the kind, never the text).")
def add_theme(body: ThemeCreate, session: SessionDep, principal: PrincipalDep, idem: IdempotencyDep):
    return idem.create(lambda: service.to_public(service.add(session, principal, body)).model_dump(mode="json"))


@router.patch("/themes/{code}", response_model=ThemePublic,
              summary="Deactivate (or reactivate) a theme (Welsh Government only)",
              description="A deactivated theme leaves GET /v1/themes and cannot be put on a publication; "
                          "publications that carry it keep it.")
def update_theme(code: Annotated[str, Path(max_length=64)], body: ThemeUpdate, session: SessionDep,
                 principal: WelshGovernmentDep) -> ThemePublic:
    theme = service.set_active(session, code, body.active)
    session.commit()
    return service.to_public(theme)


@router.get("/learning/themes", summary="Per theme: publications per board, and themes recurring in several boards")
def themes_across_boards(session: SessionDep,
                         from_: Annotated[IsoDate | None, Query(alias="from", description="Published on or after")] = None,
                         to: Annotated[IsoDate | None, Query(description="Published on or before")] = None,
                         min_boards: Annotated[query_int(ge=2, le=20), Query(description="Boards for a theme to recur")] = 2) -> dict:
    if from_ and to and to < from_:
        raise Problem(422, "`to` is before `from`.", errors=[field_error("to", "before from", "date_order", "query")])
    return publications.themes_across_boards(session, from_, to, min_boards)
