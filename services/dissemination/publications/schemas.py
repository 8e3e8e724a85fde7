"""Request and response bodies for publications."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.http.types import IsoDate, RequestModel

DocumentKind = Literal["report", "seven_minute_briefing", "terms_of_reference", "summary_timeline", "action_plan"]


class _In(RequestModel):
    model_config = ConfigDict(extra="forbid")


class Bilingual(_In):
    en: str | None = Field(default=None, max_length=20_000)
    cy: str | None = Field(default=None, max_length=20_000)


class ShortBilingual(_In):
    en: str | None = Field(default=None, max_length=300)
    cy: str | None = Field(default=None, max_length=300)


class DocumentLink(_In):
    """A document the board hosts itself (upload a file with POST .../documents instead)."""

    kind: DocumentKind
    url: str = Field(max_length=2048, pattern=r"^https?://\S+$")
    title: ShortBilingual | None = None


class PublicationCreate(_In):
    review_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    status: Literal["draft", "published"] = Field(
        default="draft", description="`published` needs every text in both English and Welsh.")
    title: Bilingual
    summary: Bilingual = Field(default_factory=Bilingual)
    learning_points: list[Bilingual] = Field(default_factory=list, max_length=100)
    themes: list[str] = Field(default_factory=list, max_length=30)
    recommendations: list[str] = Field(default_factory=list, max_length=100)
    documents: list[DocumentLink] = Field(default_factory=list, max_length=30)
    published_on: IsoDate | None = Field(default=None, description="Defaults to today (Europe/London) on publishing.")
    available_until: IsoDate | None = None


class PublicationUpdate(_In):
    """Changes to a draft. Fields left out stay as they are."""

    title: Bilingual | None = None
    summary: Bilingual | None = None
    learning_points: list[Bilingual] | None = Field(default=None, max_length=100)
    themes: list[str] | None = Field(default=None, max_length=30)
    recommendations: list[str] | None = Field(default=None, max_length=100)
    published_on: IsoDate | None = None
    available_until: IsoDate | None = None


class PublishRequest(_In):
    published_on: IsoDate | None = None


class ThemeRef(BaseModel):
    code: str
    name_en: str
    name_cy: str


class DocumentPublic(BaseModel):
    id: str
    kind: str
    title: dict[str, str | None]
    url: str
    stored: bool = Field(description="True when the service stores the file (url downloads it).")
    media_type: str | None = None
    size: int | None = None
    sha256: str | None = None


class PublicationPublic(BaseModel):
    id: str
    url: str
    board_code: str
    board_name: dict[str, str]
    review_id: str
    review_type: str | None
    status: str
    title: dict[str, str | None]
    summary: dict[str, str | None]
    learning_points: list[dict[str, str | None]]
    themes: list[ThemeRef]
    recommendations: list[str]
    documents: list[DocumentPublic]
    published_on: date | None
    available_until: date | None
    withdrawn_on: date | None
    created_at: datetime
    updated_at: datetime


class PublicationPage(BaseModel):
    items: list[PublicationPublic]
    next_cursor: str | None = None
