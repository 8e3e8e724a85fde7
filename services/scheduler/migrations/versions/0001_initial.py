"""Platform tables; the scheduler's review records, participants and their busy time,
meetings, invitees, proposals, review plans and milestones.

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
        "review_records",
        sa.Column("review_id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), sa.ForeignKey("boards.code"), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_review_records_board_code", "review_records", ["board_code"])

    op.create_table(
        "participants",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("agency_code", sa.String(64), nullable=False),
        sa.Column("role", sa.String(200), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("working_hours", sa.Text(), nullable=False),
        sa.Column("calendar_url", sa.Text(), nullable=True),
        sa.Column("calendar_status", sa.String(16), nullable=False),
        sa.Column("calendar_etag", sa.String(500), nullable=True),
        sa.Column("calendar_last_attempt_at", utc_dt(), nullable=True),
        sa.Column("calendar_last_refreshed_at", utc_dt(), nullable=True),
        sa.Column("calendar_last_error", sa.String(500), nullable=True),
        sa.Column("calendar_uploaded_at", utc_dt(), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_participants_board_code", "participants", ["board_code"])

    op.create_table(
        "participant_busy",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("participant_id", sa.String(36), sa.ForeignKey("participants.id"), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("starts_at", utc_dt(), nullable=False),
        sa.Column("ends_at", utc_dt(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
    )
    op.create_index("ix_participant_busy_participant_id", "participant_busy", ["participant_id"])

    op.create_table(
        "meetings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("review_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("starts_at", utc_dt(), nullable=False),
        sa.Column("ends_at", utc_dt(), nullable=False),
        sa.Column("location", sa.String(500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("uid", sa.String(200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("organizer_email", sa.String(320), nullable=False),
        sa.Column("organizer_name", sa.String(200), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("attendance_recorded_at", utc_dt(), nullable=True),
        sa.Column("cancelled_at", utc_dt(), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_meetings_board_code", "meetings", ["board_code"])
    op.create_index("ix_meetings_review_id", "meetings", ["review_id"])
    op.create_index("ix_meetings_starts_at", "meetings", ["starts_at"])

    op.create_table(
        "meeting_participants",
        sa.Column("meeting_id", sa.String(36), sa.ForeignKey("meetings.id"), primary_key=True),
        sa.Column("participant_id", sa.String(36), sa.ForeignKey("participants.id"), primary_key=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("response", sa.String(16), nullable=False),
        sa.Column("responded_at", utc_dt(), nullable=True),
        sa.Column("attended", sa.Boolean(), nullable=True),
    )
    op.create_index("ix_meeting_participants_participant_id", "meeting_participants", ["participant_id"])

    op.create_table(
        "meeting_proposals",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("review_id", sa.String(36), nullable=False),
        sa.Column("meeting_id", sa.String(36), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_meeting_proposals_board_code", "meeting_proposals", ["board_code"])
    op.create_index("ix_meeting_proposals_review_id", "meeting_proposals", ["review_id"])

    op.create_table(
        "review_plans",
        sa.Column("review_id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("target_completion_date", sa.Date(), nullable=False),
        sa.Column("first_panel_meeting_by", sa.Date(), nullable=False),
        sa.Column("learning_event_by", sa.Date(), nullable=False),
        sa.Column("draft_report_by", sa.Date(), nullable=False),
        sa.Column("approval_by", sa.Date(), nullable=False),
        sa.Column("decision_event_id", sa.String(64), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_review_plans_board_code", "review_plans", ["board_code"])

    op.create_table(
        "plan_milestones",
        sa.Column("review_id", sa.String(36), primary_key=True),
        sa.Column("milestone", sa.String(64), primary_key=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("recorded_at", utc_dt(), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the initial revision is not reversible")
