"""evaluate_slot (a poll option's confidence) judges a given slot exactly as propose_slots
judges the slots it suggests: same availability, confidence and reason, on random diaries."""

from hypothesis import HealthCheck, given, settings

from services.scheduler.availability import evaluate_slot, propose_slots
from tests.unit.scheduler.test_availability_slots_property import scenarios


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_suggested_slot_evaluated_on_its_own_is_judged_the_same(case):
    attendees, window_start, window_end, params = case
    proposal = propose_slots(attendees, window_start, window_end, **params)
    for s in proposal.suggestions:
        judged = evaluate_slot(attendees, s.start, s.end, buffer_minutes=params["buffer_minutes"])
        # The plan's target date (a proposal's "late: ..." note) is not evaluate_slot's business.
        assert (judged.confidence, judged.availability, judged.reason) == (
            s.confidence, s.availability, s.reason.split("; late: ")[0])


def test_a_required_tentative_halves_confidence_and_a_busy_one_zeroes_it():
    from datetime import UTC, datetime

    from services.scheduler.availability import Attendee, BusyInterval, Interval

    start, end = datetime(2027, 2, 2, 10, tzinfo=UTC), datetime(2027, 2, 2, 12, tzinfo=UTC)
    day = [Interval(datetime(2027, 2, 2, 9, tzinfo=UTC), datetime(2027, 2, 2, 17, tzinfo=UTC))]
    free = Attendee("a", "A", True, day)
    maybe = Attendee("b", "B", True, day, [BusyInterval(start, end, "tentative")])
    busy = Attendee("c", "C", True, day, [BusyInterval(start, end, "busy")])
    assert evaluate_slot([free, maybe], start, end).confidence == 0.5
    assert evaluate_slot([free, busy], start, end).confidence == 0.0
    assert evaluate_slot([free], start, end).availability == {"a": "free"}
