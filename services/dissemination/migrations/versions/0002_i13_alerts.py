"""E-mail alerts: subscriptions (double opt-in) and the messages sent for each period.

Revision ID: 0002_i13_alerts
Revises: i11_mail_outbox
"""
import sqlalchemy as sa
from alembic import op

from shared.migrations import utc_dt

revision = "0002_i13_alerts"
down_revision = "i11_mail_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_subscriptions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("address_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("boards", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("confirmed_at", utc_dt(), nullable=True),
        sa.Column("covered_until", utc_dt(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_alert_subscriptions_due", "alert_subscriptions", ["status", "frequency", "covered_until"])
    op.create_table(
        "alert_messages",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("subscription_id", sa.String(36),
                  sa.ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), nullable=False),
        sa.Column("period_key", sa.String(64), nullable=False),
        sa.Column("window_start", utc_dt(), nullable=False),
        sa.Column("window_end", utc_dt(), nullable=False),
        sa.Column("publications", sa.Integer(), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.UniqueConstraint("subscription_id", "period_key", name="uq_alert_messages_period"),
    )
    # Finding publications by the moment they became public (alerts/periods.py).
    op.create_index("ix_publications_published_at", "publications", ["published_at"])


def downgrade() -> None:
    op.drop_index("ix_publications_published_at", "publications")
    op.drop_table("alert_messages")
    op.drop_table("alert_subscriptions")
