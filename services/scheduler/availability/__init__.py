"""Pure scheduling engine of the scheduler service (no FastAPI, database or broker).

Pipeline: working_time.working_intervals() and ics.parse_busy() turn each
participant's working pattern and diary into UTC intervals; slots.propose_slots()
finds and explains the best meeting times; invite.build_invitation() writes the
iCalendar invitation for the chosen one.
"""

from .ics import (
    BUSY_KINDS,
    DEFAULT_MAX_OCCURRENCES,
    BusyInterval,
    BusyKind,
    CalendarParseError,
    CalendarTooLargeError,
    parse_busy,
    parse_busy_sandboxed,
)
from .intervals import Interval, clip, intersect, merge, subtract, total_duration
from .invite import InviteAttendee, PartStat, build_invitation
from .slots import (
    AVAILABILITY_STATES,
    Attendee,
    Availability,
    Proposal,
    Suggestion,
    availability_at,
    evaluate_slot,
    propose_slots,
)
from .working_time import (
    DEFAULT_TZ,
    HolidayCalendar,
    WorkingHours,
    welsh_bank_holidays,
    working_intervals,
)

__all__ = [
    "AVAILABILITY_STATES",
    "BUSY_KINDS",
    "DEFAULT_MAX_OCCURRENCES",
    "DEFAULT_TZ",
    "Attendee",
    "Availability",
    "BusyInterval",
    "BusyKind",
    "CalendarParseError",
    "CalendarTooLargeError",
    "HolidayCalendar",
    "Interval",
    "InviteAttendee",
    "PartStat",
    "Proposal",
    "Suggestion",
    "WorkingHours",
    "availability_at",
    "build_invitation",
    "evaluate_slot",
    "clip",
    "intersect",
    "merge",
    "parse_busy",
    "parse_busy_sandboxed",
    "propose_slots",
    "subtract",
    "total_duration",
    "welsh_bank_holidays",
    "working_intervals",
]
