"""The mail outbox (shared/mail): messages staged with the change that causes them.

Revision ID: i11_mail_outbox
Revises: 0001
"""
from alembic import op

from shared.migrations import create_mail_outbox

revision = "i11_mail_outbox"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_mail_outbox(op)


def downgrade() -> None:
    op.drop_table("mail_outbox")
