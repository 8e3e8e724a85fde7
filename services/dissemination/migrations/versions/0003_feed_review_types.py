"""The review types of each review the feed knows (the feed's `review_type` filter), filled
from what is already recorded: the decided type of each known review, and `susr` with the
covered types of every SUSR entry already in the feed.

Revision ID: 0003_feed_review_types
Revises: 0002_i13_alerts
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0003_feed_review_types"
down_revision = "0002_i13_alerts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_review_types",
        sa.Column("review_id", sa.String(64), primary_key=True),
        sa.Column("review_type", sa.String(64), primary_key=True),
    )
    op.create_index("ix_feed_review_types_review_type", "feed_review_types", ["review_type"])
    bind = op.get_bind()
    pairs = set(bind.execute(sa.text(
        "SELECT review_id, review_type FROM feed_reviews WHERE review_type IS NOT NULL")).all())
    for review_id, data in bind.execute(sa.text(
            "SELECT review_id, data FROM feed_entries WHERE entry_type = 'susr_recorded' AND review_id IS NOT NULL")):
        data = json.loads(data) if isinstance(data, str) else data
        for code in {"susr", data.get("review_type"), *(data.get("covered_types") or ())}:
            if code:
                pairs.add((review_id, code))
    if pairs:
        table = sa.table("feed_review_types", sa.column("review_id"), sa.column("review_type"))
        op.bulk_insert(table, [{"review_id": r, "review_type": t} for r, t in sorted(pairs)])


def downgrade() -> None:
    op.drop_index("ix_feed_review_types_review_type", "feed_review_types")
    op.drop_table("feed_review_types")
