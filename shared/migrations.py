"""Alembic per service: each service's migrations live in its own folder and use their own
version table, so the three databases (or schemas) evolve independently."""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command, context
from alembic.config import Config

from shared.auth import SEED_BOARDS


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def alembic_config(service: str, migrations: Path, url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["service"] = service
    return cfg


def upgrade(service: str, migrations: Path, url: str, revision: str = "head") -> None:
    from shared.db import make_engine

    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            cfg = alembic_config(service, migrations, url)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()


def run_env() -> None:
    """Body of every service's migrations/env.py."""
    cfg = context.config
    service = cfg.attributes["service"]
    connection = cfg.attributes.get("connection")
    if connection is None:
        from shared.db import make_engine

        engine = make_engine(cfg.get_main_option("sqlalchemy.url"))
        with engine.begin() as connection:
            _configure_and_run(connection, service)
        engine.dispose()
    else:
        _configure_and_run(connection, service)


def _configure_and_run(connection, service: str) -> None:
    context.configure(connection=connection, version_table=version_table(service),
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


# -- the platform tables every service database has --------------------------------------
def utc_dt() -> sa.types.TypeEngine:
    return sa.DateTime(timezone=True)


def create_platform_tables(op) -> None:
    """Boards, API keys, idempotency records, outbox and inbox (revision 0001 of each service)."""
    boards = op.create_table(
        "boards",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_cy", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.bulk_insert(boards, [{"code": c, "name_en": en, "name_cy": cy, "active": True} for c, en, cy in SEED_BOARDS])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("display_prefix", sa.String(16), nullable=False),
        sa.Column("board_code", sa.String(64), sa.ForeignKey("boards.code"), nullable=True),
        sa.Column("welsh_government", sa.Boolean(), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("revoked_at", utc_dt(), nullable=True),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key_id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response_body", sa.Text(), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("sent_at", utc_dt(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("next_attempt_at", utc_dt(), nullable=True),
    )
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(64), primary_key=True),
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("processed_at", utc_dt(), nullable=False),
    )


PLATFORM_TABLES = ("boards", "api_keys", "idempotency_keys", "outbox", "inbox", "mail_outbox")


def create_mail_outbox(op) -> None:
    """The mail outbox every service has (shared/mail); added by each service's mail migration."""
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("message_id", sa.String(255), nullable=False, unique=True),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("claimed_at", utc_dt(), nullable=True),
        sa.Column("next_attempt_at", utc_dt(), nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("created_at", utc_dt(), nullable=False),
        sa.Column("sent_at", utc_dt(), nullable=True),
    )
    op.create_index("ix_mail_outbox_status_due", "mail_outbox", ["status", "next_attempt_at"])
