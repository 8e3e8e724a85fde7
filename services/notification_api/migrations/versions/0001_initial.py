"""Platform tables, boards and reviews.

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
        "reviews",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), sa.ForeignKey("boards.code"), nullable=False),
        sa.Column("board_reference", sa.String(64), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
        sa.UniqueConstraint("board_code", "board_reference", name="uq_reviews_board_reference"),
    )
    op.create_index("ix_reviews_board_code", "reviews", ["board_code"])
    op.create_index("ix_reviews_status", "reviews", ["status"])


def downgrade() -> None:
    raise NotImplementedError("the initial revision is not reversible")
