"""Revision i16_susr moves existing reviews to the SUSR model without changing a figure:
data created before the migration (upgrade to the previous head, insert, upgrade, compare)."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from shared.auth import Principal
from shared.db import make_engine
from shared.migrations import upgrade
from tests.integration.notification.test_monitoring import expected_figures, make_dataset
from tests.support import admin_execute, pg_url

pytestmark = pytest.mark.integration

BEFORE = "i11_mail_outbox"  # the head before i16_susr


@pytest.fixture(params=["postgresql", "sqlite"])
def old_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    name = f"cprtest_susr_migration_{uuid.uuid4().hex[:8]}"
    admin_execute(f'CREATE DATABASE "{name}"')
    yield pg_url(name)
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _insert_as_before(engine, dataset) -> None:
    """Rows written with the previous schema's columns only (reflected, not the new models)."""
    reviews, proceedings = dataset
    meta = sa.MetaData()
    meta.reflect(engine, only=["reviews", "review_proceedings"])
    table, ptable = meta.tables["reviews"], meta.tables["review_proceedings"]
    with engine.begin() as conn:
        conn.execute(table.insert(), [{c.name: getattr(r, c.name) for c in table.columns} for r in reviews])
        conn.execute(ptable.insert(), [{c.name: getattr(p, c.name) for c in ptable.columns} for p in proceedings])


def _old_columns(engine, cols: list[str] | None = None) -> tuple[list[str], list[tuple]]:
    meta = sa.MetaData()
    meta.reflect(engine, only=["reviews"])
    cols = cols or [c.name for c in meta.tables["reviews"].columns]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*[meta.tables["reviews"].c[c] for c in cols]).order_by(
            meta.tables["reviews"].c.id)).all()
    return cols, [tuple(r) for r in rows]


def test_existing_reviews_move_to_the_susr_model_with_every_monitoring_figure_unchanged(old_database):
    from services.notification_api.monitoring.service import monitoring
    from services.notification_api.service import SPEC

    url = old_database
    upgrade(SPEC.name, SPEC.migrations, url, revision=BEFORE)
    engine = make_engine(url)
    try:
        dataset = make_dataset(n=180, seed=1001)
        _insert_as_before(engine, dataset)
        cols, before = _old_columns(engine)
        # What /v1/monitoring answered before the migration (test_monitoring proves the service
        # gives exactly these figures for this data).
        national_before = expected_figures(*dataset)

        upgrade(SPEC.name, SPEC.migrations, url)

        assert _old_columns(engine, cols)[1] == before, "a column the previous schema had changed"
        with Session(engine) as s:
            body = monitoring(s, Principal(key_id="k", board_code=None, welsh_government=True), None)
        assert body["national"] == national_before
        for b in body["boards"]:
            board = b.pop("board_code")
            assert b == expected_figures([x for x in dataset[0] if x.board_code == board], dataset[1]), board

        # and the reviews are in the new model: a child, the one type indicated, the one type covered
        by_id = {r.id: r for r in dataset[0]}
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, person, indicated_types, covered_types, susr_assessment "
                                        "FROM reviews")).all()
        assert len(rows) == len(by_id)
        import json

        for rid, person, indicated, covered, assessment in rows:
            indicated = json.loads(indicated) if isinstance(indicated, str) else indicated
            covered = json.loads(covered) if isinstance(covered, str) else covered
            old = by_id[rid]
            assert person == "child" and assessment is None
            assert indicated == ([old.indicated_type] if old.indicated_type else [])
            assert covered == ([old.review_type] if old.review_type else [])
        # the new review types are rows, beside the three the CPR API knew
        with engine.connect() as conn:
            types = dict(conn.execute(sa.text("SELECT code, family FROM review_types")).all())
        assert types == {"concise_cpr": "cpr", "extended_cpr": "cpr", "mapf": None, "apr": "apr", "dhr": "dhr",
                         "mhhr": "mhhr", "owhr": "owhr"}
    finally:
        engine.dispose()
