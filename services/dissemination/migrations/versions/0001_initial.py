"""Platform tables and the national feed.

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
    create_platform_tables(op)
    op.create_table(
        "feed_entries",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(36), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("entry_type", sa.String(64), nullable=False),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("review_id", sa.String(36), nullable=True),
        sa.Column("occurred_at", utc_dt(), nullable=False),
        sa.Column("recorded_at", utc_dt(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
    )
    op.create_index("ix_feed_entries_entry_type", "feed_entries", ["entry_type"])
    op.create_index("ix_feed_entries_board_code", "feed_entries", ["board_code"])
    op.create_index("ix_feed_entries_review_id", "feed_entries", ["review_id"])


def downgrade() -> None:
    raise NotImplementedError("the initial revision is not reversible")
