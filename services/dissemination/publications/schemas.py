"""Request and response bodies for publications."""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.http.types import IsoDate, RequestModel

DocumentKind = Literal["report", "seven_minute_briefing", "terms_of_reference", "summary_timeline", "action_plan"]


class _In(RequestModel):
    model_config = ConfigDict(extra="forbid")


# Request examples (integrators copy them): bilingual, and no identifier of a child or family.
_REVIEW_ID = "0b6f0d7e-1f7e-4c55-9d38-1d1c6b1c2a10"
_TITLE = {
    "en": "Concise Child Practice Review: a baby admitted to hospital with a serious head injury",
    "cy": "Adolygiad Ymarfer Plant Cryno: babi a dderbyniwyd i'r ysbyty ag anaf difrifol i'r pen",
}
_SUMMARY = {
    "en": "A review of multi-agency practice in the year before a baby under one was admitted to hospital "
          "with a serious head injury. It considers how health visiting, primary care and children's services "
          "shared information and assessed risk, and how far the father was known to professionals.",
    "cy": "Adolygiad o'r ymarfer amlasiantaethol yn ystod y flwyddyn cyn i fabi dan flwydd oed gael ei dderbyn "
          "i'r ysbyty ag anaf difrifol i'r pen. Mae'n ystyried sut roedd ymwelwyr iechyd, gofal sylfaenol a'r "
          "gwasanaethau plant yn rhannu gwybodaeth ac yn asesu risg, a faint roedd gweithwyr proffesiynol yn "
          "ei wybod am y tad.",
}
_LEARNING_POINTS = [
    {"en": "Fathers and male carers should be seen and assessed, not only the mother.",
     "cy": "Dylid gweld ac asesu tadau a gofalwyr gwrywaidd, nid y fam yn unig."},
    {"en": "Bruising on a baby who is not yet mobile needs a safeguarding referral, whatever the explanation given.",
     "cy": "Mae angen atgyfeiriad diogelu pan fo clais ar fabi nad yw'n symud o gwmpas eto, beth bynnag yw'r "
           "esboniad a roddir."},
    {"en": "What one agency knows should reach the others in time to change what they do.",
     "cy": "Dylai'r hyn y mae un asiantaeth yn ei wybod gyrraedd y lleill mewn pryd i newid yr hyn a wnânt."},
]
_THEMES = ["vulnerability_of_babies", "whole_family_approach", "information_sharing"]
_RECOMMENDATIONS = [
    "The Board should seek assurance that every agency's safeguarding training covers the assessment of "
    "fathers and male carers.",
    "Health boards should audit the use of the bruising in non-mobile babies protocol by health visitors and GPs.",
]


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
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"review_id": _REVIEW_ID, "status": "draft", "title": _TITLE, "summary": _SUMMARY,
         "learning_points": _LEARNING_POINTS, "themes": _THEMES, "recommendations": _RECOMMENDATIONS,
         "documents": [{"kind": "seven_minute_briefing",
                        "url": "https://www.example-safeguarding.wales/cpr/briffio-7-munud-7-minute-briefing.pdf",
                        "title": {"en": "7-minute briefing", "cy": "Briffio 7 munud"}}],
         "available_until": "2031-12-31"},
        {"review_id": _REVIEW_ID, "title": {"en": _TITLE["en"]}},
    ]})

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

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"title": _TITLE, "summary": _SUMMARY, "learning_points": _LEARNING_POINTS},
        {"themes": _THEMES, "recommendations": _RECOMMENDATIONS, "available_until": "2031-12-31"},
    ]})

    title: Bilingual | None = None
    summary: Bilingual | None = None
    learning_points: list[Bilingual] | None = Field(default=None, max_length=100)
    themes: list[str] | None = Field(default=None, max_length=30)
    recommendations: list[str] | None = Field(default=None, max_length=100)
    published_on: IsoDate | None = None
    available_until: IsoDate | None = None


class PublishRequest(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"published_on": "2026-11-20"}, {}]})

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
