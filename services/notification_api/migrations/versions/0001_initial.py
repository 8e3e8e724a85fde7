"""Platform tables, boards, review types (seeded), reviews, milestones, proceedings, audit.

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


def _seed_review_types() -> list[dict]:
    """The seed rows (rules/review_types.py). After that the table is the authority: a type's
    target is changed by updating its row, and a new type is a new row (docs/DEVELOPING.md);
    a review's target date is fixed when it is decided."""
    from services.notification_api.rules.review_types import CONCISE_CPR, EXTENDED_CPR, MAPF

    return [{"code": spec.code, "name_en": spec.name_en, "name_cy": spec.name_cy,
             "target_months": spec.target_months, "target_days": spec.target_days,
             "reviewers_expected": spec.reviewers_expected, "is_review": spec.is_review, "active": True}
            for spec in (CONCISE_CPR, EXTENDED_CPR, MAPF)]  # the SUSR's types: revision i16_susr


def upgrade() -> None:
    create_platform_tables(op)
    review_types = op.create_table(
        "review_types",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_cy", sa.String(200), nullable=False),
        sa.Column("target_months", sa.Integer(), nullable=True),
        sa.Column("target_days", sa.Integer(), nullable=True),
        sa.Column("reviewers_expected", sa.Integer(), nullable=False),
        sa.Column("is_review", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )
    op.bulk_insert(review_types, _seed_review_types())
    op.create_table(
        "reviews",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("board_code", sa.String(64), sa.ForeignKey("boards.code"), nullable=False),
        sa.Column("board_reference", sa.String(64), nullable=False),
        sa.Column("referral_date", sa.Date(), nullable=False),
        sa.Column("trigger_kind", sa.String(40), nullable=False),
        sa.Column("trigger_date", sa.Date(), nullable=False),
        sa.Column("abuse_or_neglect", sa.String(20), nullable=False),
        sa.Column("child_age_years", sa.Integer(), nullable=False),
        sa.Column("on_child_protection_register_in_prior_6_months", sa.Boolean(), nullable=False),
        sa.Column("looked_after_in_prior_6_months", sa.Boolean(), nullable=False),
        sa.Column("agencies_involved", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("criteria_met", sa.Boolean(), nullable=False),
        sa.Column("indicated_type", sa.String(32), nullable=True),
        sa.Column("criteria_reasons", sa.JSON(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("review_type", sa.String(32), sa.ForeignKey("review_types.code"), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("rationale", sa.Text(), nullable=True),
        sa.Column("departs_from_criteria", sa.Boolean(), nullable=True),
        sa.Column("target_completion_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("report_approved_on", sa.Date(), nullable=True),
        sa.Column("report_published_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("overdue_notified_on", sa.Date(), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
        sa.UniqueConstraint("board_code", "board_reference", name="uq_reviews_board_reference"),
    )
    op.create_index("ix_reviews_board_code", "reviews", ["board_code"])
    op.create_index("ix_reviews_status", "reviews", ["status"])
    op.create_index("ix_reviews_created_at_id", "reviews", ["created_at", "id"])
    op.create_table(
        "review_milestones",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("review_id", sa.String(36), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("milestone", sa.String(40), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", utc_dt(), nullable=False),
        sa.UniqueConstraint("review_id", "milestone", name="uq_review_milestones_review_milestone"),
    )
    op.create_index("ix_review_milestones_review_id", "review_milestones", ["review_id"])
    op.create_table(
        "review_proceedings",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("review_id", sa.String(36), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
    )
    op.create_index("ix_review_proceedings_review_id", "review_proceedings", ["review_id"])
    op.create_table(
        "review_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("review_id", sa.String(36), nullable=False),
        sa.Column("board_code", sa.String(64), nullable=False),
        sa.Column("principal", sa.String(100), nullable=False),
        sa.Column("key_id", sa.String(36), nullable=True),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("what", sa.String(100), nullable=False),
        sa.Column("at", utc_dt(), nullable=False),
    )
    op.create_index("ix_review_audit_review_id_id", "review_audit", ["review_id", "id"])


def downgrade() -> None:
    raise NotImplementedError("the initial revision is not reversible")
