"""Single Unified Safeguarding Review: the other constituent review types as rows, every type's
criteria facts on a referral, the types a decision covers, the approved list and appointments.

Existing reviews move to the new model without changing what they say: each is a referral
about a child (person "child"), the criteria it was assessed against indicated its one CPR
type (or none), and its decision covers its one review type. Outcomes, review types, dates
and statuses are untouched, so every /v1/monitoring figure is the same before and after.

Revision ID: i16_susr
Revises: i11_mail_outbox
"""
import sqlalchemy as sa
from alembic import op

from shared.migrations import utc_dt

revision = "i16_susr"
down_revision = "i11_mail_outbox"
branch_labels = None
depends_on = None


def _new_types() -> list[dict]:
    """The APR, DHR, MHHR and OWHR rows (rules/review_types.py). Their targets are policy: the
    row is the authority after this (a board's or Welsh Government's timescale is set there)."""
    from services.notification_api.rules.review_types import SUSR_TYPES

    return [{"code": s.code, "name_en": s.name_en, "name_cy": s.name_cy,
             "target_months": s.target_months, "target_days": s.target_days,
             "reviewers_expected": s.reviewers_expected, "is_review": s.is_review, "active": True,
             "family": s.family, "standalone": s.standalone} for s in SUSR_TYPES]


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy: SQLite would drop a table that reviews refer to).
    op.add_column("review_types", sa.Column("family", sa.String(16), nullable=True))
    op.add_column("review_types", sa.Column("standalone", sa.Boolean(), nullable=False, server_default=sa.true()))
    op.execute("UPDATE review_types SET family = 'cpr' WHERE code IN ('concise_cpr', 'extended_cpr')")
    types = sa.table("review_types", *[sa.column(c) for c in (
        "code", "name_en", "name_cy", "target_months", "target_days", "reviewers_expected", "is_review", "active",
        "family", "standalone")])
    op.bulk_insert(types, _new_types())

    op.add_column("reviews", sa.Column("person", sa.String(20), nullable=False, server_default="child"))
    op.add_column("reviews", sa.Column("adult_at_risk", sa.JSON(), nullable=True))
    op.add_column("reviews", sa.Column("homicide", sa.JSON(), nullable=True))
    op.add_column("reviews", sa.Column("indicated_types", sa.JSON(), nullable=False, server_default="[]"))
    op.add_column("reviews", sa.Column("susr_assessment", sa.JSON(), nullable=True))
    op.add_column("reviews", sa.Column("covered_types", sa.JSON(), nullable=False, server_default="[]"))
    # Existing reviews: the CPR type the criteria indicated, and the one type the decision covers.
    reviews = sa.table("reviews", sa.column("id"), sa.column("indicated_type"), sa.column("review_type"),
                       sa.column("indicated_types", sa.JSON()), sa.column("covered_types", sa.JSON()))
    conn = op.get_bind()
    rows = conn.execute(sa.select(reviews.c.id, reviews.c.indicated_type, reviews.c.review_type).where(
        sa.or_(reviews.c.indicated_type.is_not(None), reviews.c.review_type.is_not(None)))).all()
    for rid, indicated, review_type in rows:
        conn.execute(reviews.update().where(reviews.c.id == rid).values(
            indicated_types=[indicated] if indicated else [], covered_types=[review_type] if review_type else []))

    op.create_table(
        "approved_reviewers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("organisation", sa.String(200), nullable=False),
        sa.Column("work_email", sa.String(320), nullable=False, unique=True),
        sa.Column("work_phone", sa.String(40), nullable=True),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("review_types", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("updated_at", utc_dt(), nullable=False),
    )
    op.create_table(
        "review_appointments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("review_id", sa.String(36), sa.ForeignKey("reviews.id"), nullable=False),
        sa.Column("approved_reviewer_id", sa.String(36), sa.ForeignKey("approved_reviewers.id"), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("appointed_on", sa.Date(), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.UniqueConstraint("review_id", "approved_reviewer_id", name="uq_review_appointments_person"),
    )
    op.create_index("ix_review_appointments_review_id", "review_appointments", ["review_id"])


def downgrade() -> None:
    op.drop_index("ix_review_appointments_review_id", "review_appointments")
    op.drop_table("review_appointments")
    op.drop_table("approved_reviewers")
    with op.batch_alter_table("reviews") as t:
        for c in ("covered_types", "susr_assessment", "indicated_types", "homicide", "adult_at_risk", "person"):
            t.drop_column(c)
    op.execute("DELETE FROM review_types WHERE code IN ('apr', 'dhr', 'mhhr', 'owhr')")
    with op.batch_alter_table("review_types") as t:
        t.drop_column("standalone")
        t.drop_column("family")
