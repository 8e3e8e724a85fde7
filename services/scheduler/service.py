"""The scheduler: multi-agency diaries, meeting proposals, invitations and attendance."""
from pathlib import Path

from shared.service import PeriodicJob, ServiceSpec
from services.scheduler.meetings.pages import router as pages_router
from services.scheduler.meetings.replies import poll_reply_mailbox
from services.scheduler.meetings.views import proposals as proposals_router
from services.scheduler.meetings.views import router as meetings_router
from services.scheduler.participants.feed import refresh_due_feeds
from services.scheduler.participants.views import router as participants_router
from services.scheduler.polls.pages import router as poll_pages_router
from services.scheduler.polls.service import run_due_job as poll_deadlines
from services.scheduler.meetings.reminders import run_due_job as meeting_reminders
from services.scheduler.polls.views import router as polls_router
from services.scheduler.reviews.handlers import (
    on_appointment_made,
    on_decision_recorded,
    on_milestone_recorded,
    on_review_closed,
    on_review_referred,
)
from services.scheduler.reviews.views import router as reviews_router

SPEC = ServiceSpec(
    name="scheduler",
    title="Child Practice Review scheduler",
    description="Multi-agency diaries, panel meeting and Learning Event proposals, invitations and attendance, "
                "and each review's plan against its target date. Every error is application/problem+json.",
    routers=[participants_router, proposals_router, meetings_router, reviews_router, polls_router, pages_router,
             poll_pages_router],
    migrations=Path(__file__).parent / "migrations",
    handlers={
        "review.referred.v1": on_review_referred,
        "review.decision_recorded.v1": on_decision_recorded,
        "review.milestone_recorded.v1": on_milestone_recorded,
        "review.closed.v1": on_review_closed,
        "review.appointment_made.v1": on_appointment_made,
    },
    # Ticks often; each pass refreshes only feeds not attempted for CPR_CALENDAR_REFRESH_SECONDS.
    jobs=[PeriodicJob(name="calendar-feeds", interval_seconds=15.0, run=refresh_due_feeds),
          PeriodicJob(name="calendar-replies", interval_seconds="imap_poll_seconds", run=poll_reply_mailbox),
          PeriodicJob(name="poll-reminders", interval_seconds="reminder_check_seconds", run=poll_deadlines),
          PeriodicJob(name="meeting-reminders", interval_seconds="reminder_check_seconds", run=meeting_reminders)],
    tables=("review_records", "participants", "participant_busy", "meetings", "meeting_participants",
            "meeting_proposals", "review_plans", "plan_milestones", "calendar_replies",
            "polls", "poll_options", "poll_invitees", "poll_answers"),
    openapi_tags=[
        {"name": "participants", "description": "Professionals invited to panel meetings and Learning Events, "
                                                "and their busy time (by hand, an uploaded diary, or a feed URL)."},
        {"name": "proposals", "description": "Times every required participant can make."},
        {"name": "meetings", "description": "Booked meetings, invitations (iCalendar), replies and attendance."},
        {"name": "polls", "description": "Availability polls: invitees answer each option by a personal link; "
                                         "answers are diary data for every later proposal."},
        {"name": "reviews", "description": "Reviews the scheduler knows of (from events) and their plans."},
    ],
)
