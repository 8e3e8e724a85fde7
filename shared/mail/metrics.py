"""`cpr_mail_messages{service,status}` on /metrics, counted from the mail outbox at scrape time
(the worker that sends has no HTTP port; the table is the truth)."""
from __future__ import annotations

import threading

from prometheus_client.core import REGISTRY, GaugeMetricFamily
from sqlalchemy import text

from shared.mail.models import STATUSES

_engines: dict[str, object] = {}
_lock = threading.Lock()
_registered = False


def _family() -> GaugeMetricFamily:
    return GaugeMetricFamily("cpr_mail_messages", "Messages in the mail outbox by status "
                                   "(failed and unknown need an operator: cpr mail list --failed)",
                             labels=["service", "status"])


class _MailCollector:
    def describe(self):
        return [_family()]  # so registering does not query a database

    def collect(self):
        family = _family()
        with _lock:
            engines = dict(_engines)
        for service, engine in engines.items():
            try:
                with engine.connect() as conn:
                    counts = dict(conn.execute(text("SELECT status, count(*) FROM mail_outbox GROUP BY status")).all())
            except Exception:
                continue  # database down or not migrated: /readyz says so
            for status in STATUSES:
                family.add_metric([service, status], counts.get(status, 0))
        yield family


def register_mail_metrics(service: str, engine) -> None:
    global _registered
    with _lock:
        _engines[service] = engine
        first = not _registered
        _registered = True
    if first:
        REGISTRY.register(_MailCollector())
