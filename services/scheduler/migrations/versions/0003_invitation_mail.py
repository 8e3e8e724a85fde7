"""Invitations by e-mail: participants' preferred language; the ledger of calendar replies.

Revision ID: i11_invitation_mail
Revises: i11_mail_outbox
"""
import sqlalchemy as sa
from alembic import op

from shared.migrations import utc_dt

revision = "i11_invitation_mail"
down_revision = "i11_mail_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("preferred_language", sa.String(2), nullable=False, server_default="cy"))
    op.create_table(
        "calendar_replies",
        sa.Column("message_id", sa.String(255), primary_key=True),
        sa.Column("received_at", utc_dt(), nullable=False),
        sa.Column("uid", sa.String(255), nullable=True),
        sa.Column("meeting_id", sa.String(36), nullable=True),
        sa.Column("attendee", sa.String(320), nullable=True),
        sa.Column("partstat", sa.String(32), nullable=True),
        sa.Column("outcome", sa.String(200), nullable=False),
    )
    op.create_index("ix_calendar_replies_meeting_id", "calendar_replies", ["meeting_id"])


def downgrade() -> None:
    op.drop_table("calendar_replies")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("preferred_language")
