"""What a service is made of, and the runtime (settings, engine, transport) it runs with."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import APIRouter
from sqlalchemy.engine import Engine

from shared.inbox import EventHandler
from shared.messaging.topology import Topology
from shared.messaging.transport import Transport
from shared.settings import Settings


@dataclass
class PeriodicJob:
    name: str
    # Seconds, or the name of the Settings field that holds them (read from the runtime's
    # settings when the worker starts, not when the module is imported).
    interval_seconds: float | str
    run: Callable[["Runtime"], None]

    def interval(self, settings: Settings) -> float:
        if isinstance(self.interval_seconds, str):
            return float(getattr(settings, self.interval_seconds))
        return float(self.interval_seconds)


@dataclass
class ServiceSpec:
    name: str
    title: str
    description: str
    routers: list[APIRouter]
    migrations: Path
    handlers: dict[str, EventHandler] = field(default_factory=dict)
    jobs: list[PeriodicJob] = field(default_factory=list)
    # Tables this service's migrations own (checked against the models by a test).
    tables: tuple[str, ...] = ()
    # Tables seeded by migrations with reference data (review types, themes): between tests
    # they are put back exactly as the migrations seeded them, not emptied. The platform's
    # `boards` table is always one.
    reference_tables: tuple[str, ...] = ()
    openapi_tags: list[dict] = field(default_factory=list)
    # (package, folder) pairs served under /static after shared/web's own (a service's page CSS).
    static_packages: list[tuple[str, str]] = field(default_factory=list)

    @property
    def source(self) -> str:
        """CloudEvents `source` of the events this service publishes."""
        from shared.events.registry import source_of

        return source_of(self.name)

    def topology(self, settings: Settings) -> Topology:
        return Topology(
            prefix=settings.amqp_prefix,
            service=self.name,
            bindings=tuple(sorted(self.handlers)),
            retry_delays_ms=tuple(settings.retry_delays_ms),
            max_attempts=settings.max_attempts,
        )


@dataclass
class Runtime:
    spec: ServiceSpec
    settings: Settings
    engine: Engine
    transport: Transport


def in_one_transaction(work: Callable[..., object]) -> Callable[["Runtime"], None]:
    """A PeriodicJob's `run` for `work(session, settings)`: one transaction, committed when it
    returns, with the runtime's settings on the session as a request's has them."""

    def run(runtime: "Runtime") -> None:
        from shared.db import session_scope

        with session_scope(runtime.engine) as session:
            session.info["settings"] = runtime.settings
            work(session, runtime.settings)

    run.__name__ = run.__qualname__ = f"{work.__name__}_job"
    return run


def settings_for(session) -> Settings:
    """The settings of the runtime that opened this session. Request sessions and event
    handlers' sessions carry them in `session.info["settings"]` (set by `get_session` and
    `EventConsumer`), so a handler needs no global state; outside those, the environment's."""
    found = getattr(session, "info", {}).get("settings")
    if found is not None:
        return found
    from shared.settings import get_settings

    return get_settings()


def make_transport(settings: Settings, broker=None) -> Transport:
    if settings.amqp_url:
        from shared.messaging.rabbit import RabbitTransport

        return RabbitTransport(settings.amqp_url, settings.amqp_prefix, prefetch=settings.prefetch)
    from shared.messaging.inprocess import InProcessBroker, InProcessTransport

    # The quick start's queues (and dead letters, for `cpr dlq`) are in <data_dir>/events.db.
    return InProcessTransport(broker or InProcessBroker(settings.data_dir / "events.db"))


def make_runtime(spec: ServiceSpec, settings: Settings, transport: Transport | None = None) -> Runtime:
    from shared.db import make_engine

    engine = make_engine(settings.database_url(spec.name), pool_size=settings.db_pool_size,
                         max_overflow=settings.db_max_overflow)
    return Runtime(spec=spec, settings=settings, engine=engine, transport=transport or make_transport(settings))
