"""Published learning: bilingual publications, their themes and documents."""
from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, LargeBinary, String, Text, text
from sqlmodel import Field, SQLModel

from shared.db import UTCDateTime, utcnow

STATUSES = ("draft", "published", "withdrawn")
DOCUMENT_KINDS = ("report", "seven_minute_briefing", "terms_of_reference", "summary_timeline", "action_plan")


def new_id() -> str:
    return str(uuid.uuid4())


class Publication(SQLModel, table=True):
    __tablename__ = "publications"
    __table_args__ = (
        Index("ix_publications_status_published", "status", "published_on", "id"),
        Index("ix_publications_feed_order", "updated_at", "id"),
        # Full-text search on PostgreSQL (publications/search.py); SQLite uses FTS5 tables.
        Index("ix_publications_fts_en", text("to_tsvector('english'::regconfig, search_en)"),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
        Index("ix_publications_fts_cy", text("to_tsvector('simple'::regconfig, search_cy)"),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: str = Field(primary_key=True, max_length=36, default_factory=new_id)
    board_code: str = Field(max_length=64, index=True)
    review_id: str = Field(max_length=64, index=True)
    review_type: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)
    title_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    title_cy: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    summary_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    summary_cy: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    learning_points: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    recommendations: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    themes: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    published_on: date | None = None
    available_until: date | None = None
    withdrawn_on: date | None = None
    withdrawal_reason: str | None = Field(default=None, max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    # The moment it became public: alerts find new learning by it (alerts/periods.py).
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # What full-text search reads (see publications/search.py): English text, and Welsh text
    # normalised (lower case, circumflexes and other diacritics folded).
    search_en: str = Field(default="", sa_column=Column(Text, nullable=False))
    search_cy: str = Field(default="", sa_column=Column(Text, nullable=False))


class PublicationTheme(SQLModel, table=True):
    __tablename__ = "publication_themes"

    publication_id: str = Field(sa_column=Column(String(36), ForeignKey("publications.id", ondelete="CASCADE"),
                                                 primary_key=True))
    theme_code: str = Field(primary_key=True, max_length=64, index=True)


class PublicationDocument(SQLModel, table=True):
    """A document by URL, or a file the service stores (in the database: transactional with
    the publication, backed up with it, and no shared volume needed between replicas)."""

    __tablename__ = "publication_documents"

    id: str = Field(primary_key=True, max_length=36, default_factory=new_id)
    publication_id: str = Field(sa_column=Column(String(36), ForeignKey("publications.id", ondelete="CASCADE"),
                                                 nullable=False, index=True))
    kind: str = Field(max_length=32)
    title_en: str | None = Field(default=None, max_length=300)
    title_cy: str | None = Field(default=None, max_length=300)
    url: str | None = Field(default=None, max_length=2048)
    media_type: str | None = Field(default=None, max_length=100)
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64)
    content: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
