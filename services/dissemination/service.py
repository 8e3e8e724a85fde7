"""Dissemination: published learning, search, subscriptions and the national feed."""
from pathlib import Path

from shared.service import ServiceSpec
from services.dissemination.feed.handlers import on_review_referred
from services.dissemination.feed.views import router as feed_router

SPEC = ServiceSpec(
    name="dissemination",
    title="Child Practice Review learning and national feed",
    description="Bilingual published learning from reviews, searchable by theme; subscriptions; and the "
                "national feed Welsh Government consumes. Every error is application/problem+json.",
    routers=[feed_router],
    migrations=Path(__file__).parent / "migrations",
    handlers={"review.referred.v1": on_review_referred},
    tables=("feed_entries",),
)
