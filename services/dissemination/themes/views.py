"""The theme taxonomy, and themes compared across boards (public)."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlmodel import select

from shared.http.deps import SessionDep
from shared.http.problems import Problem
from shared.http.types import IsoDate, QueryInt
from services.dissemination.publications import service as publications
from services.dissemination.themes.models import LearningTheme

router = APIRouter(prefix="/v1", tags=["themes"])


@router.get("/themes", summary="The learning-theme taxonomy, bilingual")
def list_themes(session: SessionDep) -> dict:
    rows = session.exec(select(LearningTheme).where(LearningTheme.active).order_by(LearningTheme.code)).all()
    return {"items": [{"code": t.code, "name_en": t.name_en, "name_cy": t.name_cy,
                       "description_en": t.description_en, "description_cy": t.description_cy} for t in rows]}


@router.get("/learning/themes", summary="Per theme: publications per board, and themes recurring in several boards")
def themes_across_boards(session: SessionDep,
                         from_: Annotated[IsoDate | None, Query(alias="from", description="Published on or after")] = None,
                         to: Annotated[IsoDate | None, Query(description="Published on or before")] = None,
                         min_boards: Annotated[QueryInt, Query(ge=2, le=20, description="Boards for a theme to recur")] = 2) -> dict:
    if from_ and to and to < from_:
        raise Problem(422, "`to` is before `from`.", errors=[{"field": "to", "in": "query", "message": "before from",
                                                             "code": "date_order"}])
    return publications.themes_across_boards(session, from_, to, min_boards)
