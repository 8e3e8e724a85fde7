"""Bench support: a scratch full stack (three databases, a RabbitMQ prefix, the services as
real processes) created for one run and removed afterwards."""
from __future__ import annotations

import sys
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from shared.migrations import upgrade  # noqa: E402
from shared.settings import SERVICE_NAMES, Settings  # noqa: E402
from tests.support import (  # noqa: E402
    AMQP_URL,
    ProcessStack,
    admin_execute,
    delete_amqp_prefix,
    free_port,
    make_keys,
    pg_url,
)


@contextmanager
def scratch_stack(start: bool = True, api_workers: int = 1, **overrides):
    from services.registry import specs

    tag = uuid.uuid4().hex[:8]
    names = {s: f"cprbench_{s}_{tag}" for s in SERVICE_NAMES}
    for service, name in names.items():
        admin_execute(f'CREATE DATABASE "{name}"')
        upgrade(service, specs()[service].migrations, pg_url(name))
    values = {f"{s}_database_url": pg_url(n) for s, n in names.items()}
    values.update({f"{s}_port": free_port() for s in SERVICE_NAMES})
    values.setdefault("rate_limit_per_second", 0)
    values.update(overrides)
    settings = Settings(amqp_url=AMQP_URL, amqp_prefix=f"cprbench{tag}", secret_key="bench", **values)
    keys = make_keys(settings)
    log_dir = Path(tempfile.mkdtemp(prefix="cprbench"))
    stack = ProcessStack(settings, log_dir)
    stack.env["CPR_LOG_LEVEL"] = "WARNING"
    stack.env["CPR_RATE_LIMIT_PER_SECOND"] = "0"
    try:
        if start:
            stack.start_all({"notification_api": ["--workers", str(api_workers)]})
        yield stack, settings, keys, names
    finally:
        stack.stop()
        delete_amqp_prefix(settings.amqp_prefix, [s.topology(settings) for s in specs().values()])
        for name in names.values():
            admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
