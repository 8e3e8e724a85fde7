"""Signing in to the pages: server-side sessions and the record of every sign-in
(shared/web/websessions.py).

Revision ID: i14_signin
Revises: i16_susr
"""
import sqlalchemy as sa
from alembic import op

from shared.migrations import utc_dt

revision = "i14_signin"
down_revision = "i16_susr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("board_code", sa.String(64), nullable=True),
        sa.Column("welsh_government", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("key_id", sa.String(36), nullable=True),
        sa.Column("issuer", sa.String(300), nullable=True),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("display_name", sa.String(200), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("last_seen_at", utc_dt(), nullable=False),
        sa.Column("expires_at", utc_dt(), nullable=False),
        sa.Column("ended_at", utc_dt(), nullable=True),
    )
    op.create_table(
        "signin_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", utc_dt(), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("method", sa.String(8), nullable=False),
        sa.Column("principal", sa.String(100), nullable=True),
        sa.Column("session_id", sa.String(36), nullable=True),
        sa.Column("key_id", sa.String(36), nullable=True),
        sa.Column("issuer", sa.String(300), nullable=True),
        sa.Column("subject", sa.String(255), nullable=True),
        sa.Column("reason", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("signin_audit")
    op.drop_table("web_sessions")
