"""Availability polls; meeting reminders and chasers; the coordinator told of declines.

Revision ID: i12_polls
Revises: i11_invitation_mail
"""
import sqlalchemy as sa
from alembic import op

from shared.migrations import utc_dt

revision = "i12_polls"
down_revision = "i11_invitation_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("coordinator_email", sa.String(320), nullable=True))
    with op.batch_alter_table("meeting_participants") as batch:
        batch.add_column(sa.Column("invited_at", utc_dt(), nullable=False, server_default=sa.func.now()))
        batch.add_column(sa.Column("chased_at", utc_dt(), nullable=True))
        batch.add_column(sa.Column("reminded_sequence", sa.Integer(), nullable=True))
    op.create_table(
        "polls",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("review_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("deadline", utc_dt(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("proposal_id", sa.String(36), nullable=True),
        sa.Column("coordinator_email", sa.String(320), nullable=False),
        sa.Column("coordinator_name", sa.String(200), nullable=True),
        sa.Column("meeting_id", sa.String(36), nullable=True),
        sa.Column("finalised_option_id", sa.String(36), nullable=True),
        sa.Column("override_reason", sa.Text(), nullable=True),
        sa.Column("all_answered_notified_at", utc_dt(), nullable=True),
        sa.Column("deadline_notified_at", utc_dt(), nullable=True),
        sa.Column("finalised_at", utc_dt(), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_polls_board_code", "polls", ["board_code"])
    op.create_index("ix_polls_review_id", "polls", ["review_id"])
    op.create_index("ix_polls_deadline", "polls", ["deadline"])
    op.create_table(
        "poll_options",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("poll_id", sa.String(36), sa.ForeignKey("polls.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("starts_at", utc_dt(), nullable=False),
        sa.Column("ends_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_poll_options_poll_id", "poll_options", ["poll_id"])
    op.create_index("ix_poll_options_starts_at", "poll_options", ["starts_at"])
    op.create_table(
        "poll_invitees",
        sa.Column("poll_id", sa.String(36), sa.ForeignKey("polls.id"), primary_key=True),
        sa.Column("participant_id", sa.String(36), sa.ForeignKey("participants.id"), primary_key=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("invited_at", utc_dt(), nullable=False),
        sa.Column("responded_at", utc_dt(), nullable=True),
        sa.Column("reminded_at", utc_dt(), nullable=True),
        sa.Column("prefilled", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
    )
    op.create_index("ix_poll_invitees_participant_id", "poll_invitees", ["participant_id"])
    op.create_table(
        "poll_answers",
        sa.Column("option_id", sa.String(36), sa.ForeignKey("poll_options.id"), primary_key=True),
        sa.Column("participant_id", sa.String(36), sa.ForeignKey("participants.id"), primary_key=True),
        sa.Column("poll_id", sa.String(36), sa.ForeignKey("polls.id"), nullable=False),
        sa.Column("answer", sa.String(16), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("answered_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_poll_answers_participant_id", "poll_answers", ["participant_id"])
    op.create_index("ix_poll_answers_poll_id", "poll_answers", ["poll_id"])


def downgrade() -> None:
    for table in ("poll_answers", "poll_invitees", "poll_options", "polls"):
        op.drop_table(table)
    with op.batch_alter_table("meeting_participants") as batch:
        for column in ("reminded_sequence", "chased_at", "invited_at"):
            batch.drop_column(column)
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("coordinator_email")
