"""availability_at: one slot checked by the slot finder's own rules (used for bookings)."""
from __future__ import annotations

from datetime import datetime, timezone

from services.scheduler.availability import Attendee, BusyInterval, availability_at, working_intervals

UTC = timezone.utc


def _at(h: int, m: int = 0, day: int = 2) -> datetime:
    return datetime(2027, 2, day, h, m, tzinfo=UTC)


def test_states_in_order_of_precedence():
    a = Attendee(id="a", name="A", working=working_intervals(_at(0), _at(0, day=7)), busy=[
        BusyInterval(_at(10), _at(11), "busy"), BusyInterval(_at(13), _at(14), "tentative"),
        BusyInterval(_at(9, day=4), _at(17, day=4), "out_of_office")])
    assert availability_at(a, _at(9), _at(10)) == "free"
    assert availability_at(a, _at(10, 30), _at(11, 30)) == "busy"
    assert availability_at(a, _at(13), _at(13, 30)) == "tentative"
    assert availability_at(a, _at(16, 30), _at(17, 30)) == "outside_working_hours"
    assert availability_at(a, _at(10, day=4), _at(11, day=4)) == "out_of_office"
    assert availability_at(a, _at(10, day=6), _at(11, day=6)) == "outside_working_hours"  # Saturday
    assert availability_at(a, _at(11), _at(12), buffer_minutes=15) == "busy"
