"""Dissemination: published learning, search, subscriptions and the national feed."""
from pathlib import Path

from datetime import timedelta

from shared.db import session_scope
from shared.service import PeriodicJob, Runtime, ServiceSpec
from services.dissemination.alerts import service as alerts
from services.dissemination.feed.handlers import on_event
from services.dissemination.feed.projection import FEED_EVENT_TYPES
from services.dissemination.feed.views import router as feed_router
from services.dissemination.library.views import router as library_router
from services.dissemination.publications.service import expire_due
from services.dissemination.publications.views import router as publications_router
from services.dissemination.subscriptions.handlers import on_delivery_requested
from services.dissemination.subscriptions.views import router as subscriptions_router
from services.dissemination.themes.views import router as themes_router

EXPIRY_CHECK_SECONDS = 300.0


def expire_publications(runtime: Runtime) -> None:
    with session_scope(runtime.engine) as session:
        expire_due(session)


def send_alerts(runtime: Runtime) -> None:
    """Stage every alert message that is due (alerts/periods.py), through shared/mail."""
    from sqlmodel import Session

    from services.dissemination.library.links import WebLinks
    from services.dissemination.library.mail import stage_alert

    s = runtime.settings
    links = WebLinks(s.base_url("dissemination"), s.secret_key, s.alert_unconfirmed_days)
    alerts.send_due(lambda: Session(runtime.engine, expire_on_commit=False, info={"settings": s}), links=links,
                    stage=stage_alert, grace=timedelta(seconds=s.alert_grace_seconds))


def purge_unconfirmed_alerts(runtime: Runtime) -> None:
    with session_scope(runtime.engine) as session:
        alerts.purge_unconfirmed(session, timedelta(days=runtime.settings.alert_unconfirmed_days))


SPEC = ServiceSpec(
    name="dissemination",
    title="Child Practice Review learning and national feed",
    description="Bilingual published learning from reviews, searchable by theme; subscriptions; and the "
                "national feed Welsh Government consumes. Every error is application/problem+json.",
    routers=[feed_router, publications_router, themes_router, subscriptions_router, library_router],
    migrations=Path(__file__).parent / "migrations",
    static_packages=[("services.dissemination.library", "static")],
    handlers={**{t: on_event for t in FEED_EVENT_TYPES},
              "webhook.delivery_requested.v1": on_delivery_requested},
    jobs=[PeriodicJob("expire_publications", EXPIRY_CHECK_SECONDS, expire_publications),
          PeriodicJob("send_alerts", "alert_check_seconds", send_alerts),
          PeriodicJob("purge_unconfirmed_alerts", 3600.0, purge_unconfirmed_alerts)],
    tables=("feed_entries", "feed_reviews", "feed_review_types", "publications", "publication_themes", "publication_documents",
            "learning_themes", "subscriptions", "webhook_deliveries", "alert_subscriptions", "alert_messages"),
    reference_tables=("learning_themes",),
    openapi_tags=[
        {"name": "national feed", "description": "Welsh Government only: what is happening across Wales"},
        {"name": "publications", "description": "Published learning: boards publish, anyone searches"},
        {"name": "themes", "description": "The theme taxonomy and cross-region learning"},
        {"name": "subscriptions", "description": "Signed webhooks (Standard Webhooks)"},
    ],
)
