"""The notification API: boards notify referrals, decisions and milestones to Welsh Government."""
from pathlib import Path

from shared.service import PeriodicJob, ServiceSpec
from services.notification_api.approved.views import appointments as appointments_router
from services.notification_api.approved.views import router as approved_router
from services.notification_api.dashboard.views import router as dashboard_router
from services.notification_api.jobs import overdue
from services.notification_api.monitoring.views import router as monitoring_router
from services.notification_api.reviews.handlers import on_meeting_held, on_publication_published
from services.notification_api.reviews.views import router as reviews_router
from services.notification_api.reviews.views import types_router
from shared.web import websessions
from shared.web.signin import router as signin_router

SPEC = ServiceSpec(
    name="notification_api",
    title="Child Practice Review notifications",
    description="Boards' case systems notify referrals, decisions, milestones and parallel proceedings of Child "
                "Practice Reviews; Welsh Government reads every board's reviews and the monitoring figures. "
                "Authenticate with `Authorization: Bearer <key>`. Every error is application/problem+json.",
    routers=[reviews_router, appointments_router, types_router, approved_router, monitoring_router, signin_router,
             dashboard_router],
    static_packages=[("services.notification_api", "static")],
    migrations=Path(__file__).parent / "migrations",
    handlers={
        "meeting.held.v1": on_meeting_held,
        "publication.published.v1": on_publication_published,
    },
    jobs=[PeriodicJob("overdue", "overdue_check_seconds", overdue.run),
          PeriodicJob("purge_web_sessions", 3600.0, websessions.purge_job)],
    tables=("review_types", "reviews", "review_milestones", "review_proceedings", "review_audit",
            "approved_reviewers", "review_appointments", "web_sessions", "signin_audit"),
    reference_tables=("review_types",),
    openapi_tags=[
        {"name": "reviews", "description": "Referrals, decisions, milestones, proceedings and the audit trail."},
        {"name": "review types", "description": "Review types are data (English and Welsh names, targets)."},
        {"name": "approved list", "description": "Welsh Government's register of approved SUSR chairs and "
                                                 "reviewers (work contact details only)."},
        {"name": "monitoring", "description": "Figures for Welsh Government and boards."},
    ],
)
