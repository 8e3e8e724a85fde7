"""Adding themes (any board, or Welsh Government) and deactivating them (Welsh Government)."""
from __future__ import annotations


from sqlmodel import Session, select

from shared.auth import Principal
from shared.http.identifiers import check_free_text
from shared.http.problems import Problem, field_error
from services.dissemination.themes.models import LearningTheme
from services.dissemination.themes.schemas import ThemeCreate, ThemePublic


def _blank(field: str) -> Problem:
    return Problem(422, f"{field}: must not be blank.", errors=[field_error(field, "must not be blank", "blank")])


def active_themes(session: Session) -> list[LearningTheme]:
    return list(session.exec(select(LearningTheme).where(LearningTheme.active).order_by(LearningTheme.code)).all())


def add(session: Session, principal: Principal, body: ThemeCreate) -> LearningTheme:
    texts = {"name_en": body.name_en.strip(), "name_cy": body.name_cy.strip(),
             "description_en": (body.description_en or "").strip() or None,
             "description_cy": (body.description_cy or "").strip() or None}
    for field in ("name_en", "name_cy"):
        if not texts[field]:
            raise _blank(field)
    # The code is public text too (URLs, feeds): read with spaces, it is checked like the names.
    check_free_text(session, {"code": body.code.replace("_", " "), **texts})
    if session.get(LearningTheme, body.code) is not None:
        raise Problem(409, f"A theme with code {body.code} already exists (see GET /v1/themes).",
                      slug="theme-exists")
    theme = LearningTheme(code=body.code, **texts, active=True,
                          added_by_board=None if principal.welsh_government else principal.board_code)
    session.add(theme)
    session.flush()  # a concurrent insert of the same code fails here: 409 (shared/http/problems.py)
    return theme


def set_active(session: Session, code: str, active: bool) -> LearningTheme:
    theme = session.get(LearningTheme, code)
    if theme is None:
        raise Problem(404, f"No theme {code}.")
    theme.active = active
    session.add(theme)
    return theme


def to_public(theme: LearningTheme) -> ThemePublic:
    return ThemePublic.model_validate(theme, from_attributes=True)
