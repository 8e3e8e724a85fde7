"""Platform tables, the national feed, publications and search, themes, subscriptions.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

from shared.migrations import create_platform_tables, utc_dt

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    from services.dissemination.themes.taxonomy import SEED_THEMES

    create_platform_tables(op)
    dialect = op.get_bind().dialect.name

    op.create_table(
        "feed_entries",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("entry_type", sa.String(64), nullable=False),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("review_id", sa.String(64), nullable=True),
        sa.Column("occurred_at", utc_dt(), nullable=False),
        sa.Column("recorded_at", utc_dt(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_feed_entries_board_seq", "feed_entries", ["board_code", "seq"])
    op.create_index("ix_feed_entries_type_seq", "feed_entries", ["entry_type", "seq"])
    op.create_index("ix_feed_entries_review_id", "feed_entries", ["review_id"])

    op.create_table(
        "feed_reviews",
        sa.Column("review_id", sa.String(64), primary_key=True),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("review_type", sa.String(64), nullable=True),
        sa.Column("updated_at", utc_dt(), nullable=False),
    )

    themes = op.create_table(
        "learning_themes",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_cy", sa.String(200), nullable=False),
        sa.Column("description_en", sa.String(500), nullable=True),
        sa.Column("description_cy", sa.String(500), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_by_board", sa.String(64), nullable=True),
    )
    op.bulk_insert(themes, [{"code": t.code, "name_en": t.name_en, "name_cy": t.name_cy,
                             "description_en": t.description_en, "description_cy": t.description_cy,
                             "active": True, "added_by_board": None} for t in SEED_THEMES])

    op.create_table(
        "publications",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("review_id", sa.String(64), nullable=False),
        sa.Column("review_type", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=True),
        sa.Column("title_cy", sa.Text(), nullable=True),
        sa.Column("summary_en", sa.Text(), nullable=True),
        sa.Column("summary_cy", sa.Text(), nullable=True),
        sa.Column("learning_points", sa.JSON(), nullable=False),
        sa.Column("recommendations", sa.JSON(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("available_until", sa.Date(), nullable=True),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawal_reason", sa.String(16), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
        sa.Column("published_at", utc_dt(), nullable=True),
        sa.Column("withdrawn_at", utc_dt(), nullable=True),
        sa.Column("search_en", sa.Text(), nullable=False),
        sa.Column("search_cy", sa.Text(), nullable=False),
    )
    op.create_index("ix_publications_board_code", "publications", ["board_code"])
    op.create_index("ix_publications_review_id", "publications", ["review_id"])
    op.create_index("ix_publications_status_published", "publications", ["status", "published_on", "id"])
    op.create_index("ix_publications_feed_order", "publications", ["updated_at", "id"])
    if dialect == "postgresql":
        # Full-text search (publications/search.py): expression GIN indexes; Welsh text is
        # normalised by the service and indexed with the 'simple' configuration.
        op.execute("CREATE INDEX ix_publications_fts_en ON publications "
                   "USING gin (to_tsvector('english'::regconfig, search_en))")
        op.execute("CREATE INDEX ix_publications_fts_cy ON publications "
                   "USING gin (to_tsvector('simple'::regconfig, search_cy))")
    elif dialect == "sqlite":
        op.execute("CREATE VIRTUAL TABLE publication_fts_en USING fts5(publication_id UNINDEXED, body, "
                   "tokenize = 'porter unicode61')")
        op.execute("CREATE VIRTUAL TABLE publication_fts_cy USING fts5(publication_id UNINDEXED, body, "
                   "tokenize = 'unicode61 remove_diacritics 2')")

    op.create_table(
        "publication_themes",
        sa.Column("publication_id", sa.String(36), sa.ForeignKey("publications.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("theme_code", sa.String(64), primary_key=True),
    )
    op.create_index("ix_publication_themes_theme_code", "publication_themes", ["theme_code"])

    op.create_table(
        "publication_documents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("publication_id", sa.String(36), sa.ForeignKey("publications.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title_en", sa.String(300), nullable=True),
        sa.Column("title_cy", sa.String(300), nullable=True),
        sa.Column("url", sa.String(2048), nullable=True),
        sa.Column("media_type", sa.String(100), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_publication_documents_publication_id", "publication_documents", ["publication_id"])

    op.create_table(
        "subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), nullable=True),
        sa.Column("welsh_government", sa.Boolean(), nullable=False),
        sa.Column("key_id", sa.String(36), nullable=False),
        sa.Column("callback_url", sa.String(2048), nullable=False),
        sa.Column("secret_enc", sa.Text(), nullable=False),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("boards", sa.JSON(), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("deleted_at", utc_dt(), nullable=True),
    )
    op.create_index("ix_subscriptions_board_code", "subscriptions", ["board_code"])

    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("subscription_id", sa.String(36), sa.ForeignKey("subscriptions.id"), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("entry_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("last_attempt_at", utc_dt(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.Column("delivered_at", utc_dt(), nullable=True),
        sa.UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_subscription_event"),
    )
    op.create_index("ix_webhook_deliveries_subscription_order", "webhook_deliveries",
                    ["subscription_id", "created_at", "id"])


def downgrade() -> None:
    raise NotImplementedError("the initial revision is not reversible")
