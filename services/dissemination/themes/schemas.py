"""Request and response bodies for the theme taxonomy."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.http.types import RequestModel, StrictBool
from services.dissemination.themes.taxonomy import CODE_PATTERN


class ThemeCreate(RequestModel):
    """A theme a board (or Welsh Government) adds. Both names are required: the public sees
    themes in English and Welsh (Welsh language standards)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"code": "online_harm", "name_en": "Online harm", "name_cy": "Niwed ar-lein",
         "description_en": "Harm to a child through the internet, social media or gaming.",
         "description_cy": "Niwed i blentyn drwy'r rhyngrwyd, cyfryngau cymdeithasol neu gemau."},
        {"code": "cost_of_living", "name_en": "Cost of living", "name_cy": "Costau byw"},
    ]})

    code: str = Field(min_length=3, max_length=64, pattern=CODE_PATTERN.pattern,
                      description="Stable snake_case code (a-z, 0-9, _), unique; stored on publications")
    name_en: str = Field(min_length=1, max_length=200)
    name_cy: str = Field(min_length=1, max_length=200)
    description_en: str | None = Field(default=None, max_length=500)
    description_cy: str | None = Field(default=None, max_length=500)


class ThemeUpdate(RequestModel):
    """Welsh Government only: a deactivated theme is no longer listed or usable in new
    publications; publications that carry it keep it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"active": False}]})

    active: StrictBool


class ThemePublic(BaseModel):
    code: str
    name_en: str
    name_cy: str
    description_en: str | None = None
    description_cy: str | None = None
    active: bool = True
    added_by_board: str | None = Field(default=None, description="The board that added it; null for the seed "
                                                                 "taxonomy and for Welsh Government")


class ThemeList(BaseModel):
    items: list[ThemePublic]
