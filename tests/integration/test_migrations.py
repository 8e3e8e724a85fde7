"""Each service's hand-written migrations produce exactly the tables its models describe."""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from shared.db import make_engine
from shared.migrations import PLATFORM_TABLES

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", ["notification_api", "scheduler", "dissemination"])
def test_migrations_match_the_models(service, databases):
    from services.registry import specs

    import services.cli  # noqa: F401  (imports every model module through the specs)

    spec = specs()[service]
    owned = set(PLATFORM_TABLES) | set(spec.tables)
    engine = make_engine(databases[service])

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table":
            return name in owned
        return True

    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True,
                                                     "compare_server_default": False})
        diff = compare_metadata(ctx, SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"{service}: migrations and models differ: {diff}"


def test_each_table_belongs_to_exactly_one_service():
    from services.registry import specs

    seen = {}
    for spec in specs().values():
        for table in spec.tables:
            assert table not in seen, f"{table} claimed by {seen[table]} and {spec.name}"
            seen[table] = spec.name
    missing = set(SQLModel.metadata.tables) - set(seen) - set(PLATFORM_TABLES)
    assert not missing, f"tables no service declares in ServiceSpec.tables: {sorted(missing)}"
