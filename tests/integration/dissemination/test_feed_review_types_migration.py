"""Revision 0003 gives the reviews already in the feed their types: the decided type of each
known review, and `susr` with the covered types of each SUSR already recorded."""
from __future__ import annotations

import json
import uuid

import pytest
import sqlalchemy as sa

from shared.db import make_engine
from shared.migrations import upgrade
from tests.support import admin_execute, pg_url

pytestmark = pytest.mark.integration

BEFORE = "0002_i13_alerts"


@pytest.fixture(params=["postgresql", "sqlite"])
def old_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"cprtest_feed_types_{uuid.uuid4().hex[:8]}"
    admin_execute(f'CREATE DATABASE "{name}"')
    yield pg_url(name)
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_existing_reviews_get_their_types(old_database):
    from services.dissemination.service import SPEC

    upgrade(SPEC.name, SPEC.migrations, old_database, revision=BEFORE)
    engine = make_engine(old_database)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO feed_reviews (review_id, board_code, review_type, updated_at) VALUES "
                                 "('r-cpr', 'gwent', 'extended_cpr', '2026-03-01 00:00:00'),"
                                 "('r-susr', 'gwent', 'concise_cpr', '2026-03-01 00:00:00'),"
                                 "('r-open', 'gwent', NULL, '2026-03-01 00:00:00')"))
            conn.execute(sa.text(
                "INSERT INTO feed_entries (id, event_id, event_type, entry_type, board_code, review_id, occurred_at, "
                "recorded_at, data) VALUES (:id, 'e1', 'review.susr_recorded.v1', 'susr_recorded', 'gwent', 'r-susr', "
                "'2026-03-01 00:00:00', '2026-03-01 00:00:00', :data)"),
                {"id": str(uuid.uuid4()), "data": json.dumps({"review_type": "concise_cpr",
                                                              "covered_types": ["concise_cpr", "mental_health_homicide_review"]})})
        upgrade(SPEC.name, SPEC.migrations, old_database)
        with engine.connect() as conn:
            rows = set(conn.execute(sa.text("SELECT review_id, review_type FROM feed_review_types")).all())
        assert rows == {("r-cpr", "extended_cpr"), ("r-susr", "concise_cpr"), ("r-susr", "susr"),
                        ("r-susr", "mental_health_homicide_review")}
    finally:
        engine.dispose()
