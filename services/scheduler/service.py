"""The scheduler: multi-agency diaries, meeting proposals, invitations and attendance."""
from pathlib import Path

from shared.service import ServiceSpec
from services.scheduler.reviews.handlers import on_review_referred
from services.scheduler.reviews.views import router as reviews_router

SPEC = ServiceSpec(
    name="scheduler",
    title="Child Practice Review scheduler",
    description="Multi-agency diaries, panel meeting and Learning Event proposals, invitations and attendance. "
                "Every error is application/problem+json.",
    routers=[reviews_router],
    migrations=Path(__file__).parent / "migrations",
    handlers={"review.referred.v1": on_review_referred},
    tables=("review_records",),
)
