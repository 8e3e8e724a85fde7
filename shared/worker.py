"""A service's worker: its outbox relay, its event consumer and its periodic jobs, each on
its own thread (pika connections are per thread)."""
from __future__ import annotations

import logging
import signal
import threading

from shared.inbox import EventConsumer
from shared.logs import log
from shared.outbox import OutboxRelay
from shared.service import PeriodicJob, Runtime

logger = logging.getLogger("cpr.worker")


def _job_loop(runtime: Runtime, job: PeriodicJob, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            job.run(runtime)
        except Exception:
            logger.exception("periodic job %s failed; it runs again next interval", job.name)
        stop.wait(job.interval(runtime.settings))


def purge_expired(runtime: Runtime) -> None:
    """Housekeeping for the platform tables every service has: sent outbox rows, old inbox
    ids and idempotency records. Unsent outbox rows are never deleted."""
    from datetime import timedelta

    from sqlmodel import delete

    from shared.db import session_scope, utcnow
    from shared.http.idempotency import IdempotencyRecord
    from shared.inbox import InboxEntry
    from shared.mail.models import MailOutbox
    from shared.outbox import OutboxMessage

    s = runtime.settings
    now = utcnow()
    with session_scope(runtime.engine) as session:
        session.exec(delete(OutboxMessage).where(OutboxMessage.sent_at.is_not(None),
                                                 OutboxMessage.sent_at < now - timedelta(days=s.outbox_retention_days)))
        # Sent mail is kept a while (to see what went out); failed and unknown mail stays.
        session.exec(delete(MailOutbox).where(MailOutbox.status == "sent",
                                              MailOutbox.sent_at < now - timedelta(days=s.mail_retention_days)))
        session.exec(delete(InboxEntry).where(InboxEntry.processed_at < now - timedelta(days=s.inbox_retention_days)))
        session.exec(delete(IdempotencyRecord).where(
            IdempotencyRecord.created_at < now - timedelta(days=s.idempotency_retention_days)))


def _deliver_mail(runtime: Runtime) -> None:
    from shared.mail.outbox import deliver_mail

    deliver_mail(runtime)


PLATFORM_JOBS = [PeriodicJob("purge-expired", 3600.0, purge_expired),
                 PeriodicJob("mail", "mail_poll_seconds", _deliver_mail)]


def start_worker_threads(runtime: Runtime, stop: threading.Event) -> list[threading.Thread]:
    settings = runtime.settings
    name = runtime.spec.name
    threads = [
        threading.Thread(
            target=OutboxRelay(runtime.engine, runtime.transport, settings.relay_batch_size).run,
            args=(stop, settings.relay_poll_seconds), name=f"{name}-relay", daemon=True),
    ]
    if runtime.spec.handlers:
        consumer = EventConsumer(name, runtime.engine, runtime.spec.handlers, settings)
        topology = runtime.spec.topology(settings)
        declare = getattr(runtime.transport, "declare", None)
        if declare is not None and not settings.amqp_url:
            declare(topology)  # in-process queues must exist before the first publish
        threads.append(threading.Thread(
            target=runtime.transport.run_consumer, args=(topology, consumer, stop),
            name=f"{name}-consumer", daemon=True))
    for job in [*PLATFORM_JOBS, *runtime.spec.jobs]:
        threads.append(threading.Thread(target=_job_loop, args=(runtime, job, stop),
                                        name=f"{name}-{job.name}", daemon=True))
    for t in threads:
        t.start()
    log(logger, logging.INFO, "worker started", service=name, threads=[t.name for t in threads])
    return threads


def run_worker(runtime: Runtime) -> None:
    """Run until SIGTERM or SIGINT, then stop each loop cleanly."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threads = start_worker_threads(runtime, stop)
    while not stop.is_set():
        stop.wait(0.5)
    for t in threads:
        t.join(timeout=10)
    log(logger, logging.INFO, "worker stopped", service=runtime.spec.name)
