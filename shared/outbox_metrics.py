"""`cpr_outbox_unsent_messages{service}`, `cpr_outbox_stale_messages{service}` and
`cpr_outbox_oldest_unsent_seconds{service}` on /metrics, counted from the outbox table at scrape
time (the relay runs in the worker, which has no HTTP port; the table is the truth). A stale row
(unsent past CPR_OUTBOX_STALE_SECONDS) is an event no one has received: alert on it, then
`cpr outbox stale SERVICE` names the rows and their last error."""
from __future__ import annotations

import threading
from datetime import UTC, timedelta

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from sqlalchemy import func, select

from shared.db import utcnow
from shared.outbox import OutboxMessage

_engines: dict[str, tuple[object, float]] = {}
_lock = threading.Lock()
_registered = False


def _families() -> list[GaugeMetricFamily]:
    return [
        GaugeMetricFamily("cpr_outbox_unsent_messages", "Events staged in the outbox and not yet acked by the broker",
                          labels=["service"]),
        GaugeMetricFamily("cpr_outbox_stale_messages", "Outbox events unsent for longer than CPR_OUTBOX_STALE_SECONDS "
                          "(unroutable or broker down: cpr outbox stale SERVICE)", labels=["service"]),
        GaugeMetricFamily("cpr_outbox_oldest_unsent_seconds", "Age of the oldest unsent outbox event (0 if none)",
                          labels=["service"]),
    ]


def outbox_figures(conn, stale_seconds: float) -> tuple[int, int, float]:
    """(unsent, stale, age in seconds of the oldest unsent) from one connection."""
    table = OutboxMessage.__table__
    now = utcnow()
    unsent, oldest = conn.execute(select(func.count(), func.min(table.c.created_at))
                                  .where(table.c.sent_at.is_(None))).one()
    stale = conn.execute(select(func.count()).where(
        table.c.sent_at.is_(None), table.c.created_at < now - timedelta(seconds=stale_seconds))).scalar_one()
    if oldest is not None and oldest.tzinfo is None:  # SQLite forgets the offset
        oldest = oldest.replace(tzinfo=UTC)
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return int(unsent), int(stale), age


class _OutboxCollector:
    def describe(self):
        return _families()  # so registering does not query a database

    def collect(self):
        unsent_f, stale_f, age_f = _families()
        with _lock:
            engines = dict(_engines)
        for service, (engine, stale_seconds) in engines.items():
            try:
                with engine.connect() as conn:
                    unsent, stale, age = outbox_figures(conn, stale_seconds)
            except Exception:
                continue  # database down or not migrated: /readyz says so
            unsent_f.add_metric([service], unsent)
            stale_f.add_metric([service], stale)
            age_f.add_metric([service], age)
        yield from (unsent_f, stale_f, age_f)


def register_outbox_metrics(service: str, engine, stale_seconds: float) -> None:
    global _registered
    with _lock:
        _engines[service] = (engine, stale_seconds)
        first = not _registered
        _registered = True
    if first:
        REGISTRY.register(_OutboxCollector())
