"""The notification API: boards notify referrals and decisions to Welsh Government."""
from pathlib import Path

from shared.service import ServiceSpec
from services.notification_api.reviews.views import router as reviews_router

SPEC = ServiceSpec(
    name="notification_api",
    title="Child Practice Review notifications",
    description="Boards' case systems notify referrals, decisions and milestones of Child Practice Reviews "
                "to Welsh Government. Every error is application/problem+json.",
    routers=[reviews_router],
    migrations=Path(__file__).parent / "migrations",
    tables=("reviews",),
)
