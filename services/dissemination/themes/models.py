"""The theme taxonomy as data, seeded by the migration from taxonomy.SEED_THEMES; boards and
Welsh Government add to it (POST /v1/themes)."""
from __future__ import annotations

from sqlmodel import Field, SQLModel


class LearningTheme(SQLModel, table=True):
    __tablename__ = "learning_themes"

    code: str = Field(primary_key=True, max_length=64)
    name_en: str = Field(max_length=200)
    name_cy: str = Field(max_length=200)
    description_en: str | None = Field(default=None, max_length=500)
    description_cy: str | None = Field(default=None, max_length=500)
    active: bool = True
    # The board whose key added the theme; None for the seed and for Welsh Government.
    added_by_board: str | None = Field(default=None, max_length=64)
