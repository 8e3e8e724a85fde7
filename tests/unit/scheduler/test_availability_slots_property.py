"""propose_slots against a brute-force, minute-by-minute oracle on random small diaries.

The oracle shares no code with slots.py: it walks every minute of every candidate
slot and asks the plain questions (working? busy within the buffer? a weekend in
London?), with clock-change dates in the mix; it ranks as a coordinator would
(confidence, then on or before the plan's target date, then earliest) and spreads
over days by the documented rule, so the whole list of suggestions must agree.
"""

import math
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.scheduler.availability import Attendee, BusyInterval, Interval, propose_slots

UTC = timezone.utc
LONDON = ZoneInfo("Europe/London")
# A winter and a summer Monday, the Fridays before the spring and the autumn
# clock changes, a Saturday.
BASE_DAYS = [date(2027, 1, 4), date(2027, 7, 5), date(2027, 3, 26), date(2027, 10, 29), date(2027, 5, 1)]


@st.composite
def scenarios(draw):
    base = datetime.combine(draw(st.sampled_from(BASE_DAYS)), time(0), LONDON)
    window_start = base + timedelta(minutes=draw(st.integers(0, 12 * 60)))
    window_len = draw(st.integers(60, 3 * 24 * 60))
    window_end = window_start + timedelta(minutes=window_len)

    def span(max_len):
        # Intervals may start before and end after the window.
        s = draw(st.integers(-120, window_len + 60))
        return window_start + timedelta(minutes=s), window_start + timedelta(
            minutes=s + draw(st.integers(1, max_len))
        )

    attendees = []
    for i in range(draw(st.integers(1, 4))):
        working = [Interval(*span(10 * 60)) for _ in range(draw(st.integers(0, 4)))]
        busy = [
            BusyInterval(*span(4 * 60), draw(st.sampled_from(["busy", "tentative", "out_of_office"])))
            for _ in range(draw(st.integers(0, 5)))
        ]
        attendees.append(Attendee(f"p{i}", f"P{i}", draw(st.booleans()), working, busy))
    params = dict(
        duration_minutes=draw(st.sampled_from([15, 30, 45, 60, 90])),
        granularity_minutes=draw(st.sampled_from([5, 15, 30, 60, 120])),
        buffer_minutes=draw(st.sampled_from([0, 10, 15])),
        min_optional_attendance=draw(st.sampled_from([0.0, 0.5, 1.0])),
        allow_weekends=draw(st.booleans()),
        max_suggestions=draw(st.integers(1, 5)),
        target_date=draw(st.sampled_from([None, *(base.date() + timedelta(days=d) for d in range(-1, 4))])),
    )
    return attendees, window_start, window_end, params


def minute(dt: datetime) -> int:
    return int(dt.timestamp()) // 60


def oracle(attendees, window_start, window_end, p):
    """{start_minute: (optional attendees able to attend, confidence, meets target)}
    for every feasible start."""
    ws, we = minute(window_start), minute(window_end)
    buf, dur, gran = p["buffer_minutes"], p["duration_minutes"], p["granularity_minutes"]

    def weekend(m):
        return datetime.fromtimestamp(m * 60, UTC).astimezone(LONDON).weekday() >= 5

    def can_attend(a, m):
        if not p["allow_weekends"] and weekend(m):
            return False
        if not any(minute(w.start) <= m < minute(w.end) for w in a.working):
            return False
        return not any(
            minute(b.start) - buf <= m < minute(b.end) + buf for b in a.busy if b.kind != "tentative"
        )

    def tentative_at(a, m):
        return any(minute(b.start) - buf <= m < minute(b.end) + buf for b in a.busy if b.kind == "tentative")

    required = [a for a in attendees if a.required]
    optional = [a for a in attendees if not a.required]
    need = math.ceil(p["min_optional_attendance"] * len(optional) - 1e-9)
    if not required:
        need = max(need, 1)
    ok = {a.id: {m for m in range(ws, we) if can_attend(a, m)} for a in attendees}
    held = {a.id: {m for m in range(ws, we) if tentative_at(a, m)} for a in attendees}

    def weight(a, slot):  # 1 free, 0.5 tentative, 0 cannot come
        if not all(m in ok[a.id] for m in slot):
            return 0.0
        return 0.5 if any(m in held[a.id] for m in slot) else 1.0

    feasible = {}
    for t in range(ws, we - dur + 1):
        local = datetime.fromtimestamp(t * 60, UTC).astimezone(LONDON)
        if (local.hour * 60 + local.minute) % gran:
            continue
        slot = range(t, t + dur)
        if not all(all(m in ok[a.id] for m in slot) for a in required):
            continue
        count = sum(all(m in ok[a.id] for m in slot) for a in optional)
        if count >= need:
            required_part = math.prod(weight(a, slot) for a in required)
            optional_part = sum(weight(a, slot) for a in optional) / len(optional) if optional else 1.0
            confidence = round(required_part * (0.75 + 0.25 * optional_part), 3)
            meets = None if p["target_date"] is None else local.date() <= p["target_date"]
            feasible[t] = (count, confidence, meets)
    return feasible


def oracle_choice(feasible, p):
    """The documented order and spreading, written out plainly: rank by confidence,
    then meeting the target, then earliest; take at most one per local day, then
    two, ...; never two overlapping suggestions."""
    dur = p["duration_minutes"]
    ranked = sorted(feasible, key=lambda t: (-feasible[t][1], feasible[t][2] is False, t))
    chosen, cap = [], 1
    while len(chosen) < p["max_suggestions"] and cap <= len(ranked):
        for t in ranked:
            if len(chosen) >= p["max_suggestions"]:
                break
            if t in chosen or any(abs(t - c) < dur for c in chosen):
                continue
            day = datetime.fromtimestamp(t * 60, UTC).astimezone(LONDON).date()
            same_day = sum(datetime.fromtimestamp(c * 60, UTC).astimezone(LONDON).date() == day for c in chosen)
            if same_day < cap:
                chosen.append(t)
        cap += 1
    return chosen


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_proposals_agree_with_minute_by_minute_oracle(scenario):
    attendees, window_start, window_end, params = scenario
    feasible = oracle(attendees, window_start, window_end, params)
    result = propose_slots(attendees, window_start, window_end, **params)

    # Suggestions exist exactly when the oracle finds a feasible start.
    assert bool(result.suggestions) == bool(feasible), result.empty_reason
    if not feasible:
        assert result.empty_reason
        return
    for s in result.suggestions:
        # Every suggested slot is really feasible, required attendees free throughout.
        start = minute(s.start)
        assert start in feasible
        assert s.end - s.start == timedelta(minutes=params["duration_minutes"])
        count, confidence, meets = feasible[start]
        assert (s.optional_available, s.confidence, s.meets_target) == (count, confidence, meets)
        assert s.target_date == params["target_date"]
        for a in attendees:
            if a.required:
                assert s.availability[a.id] in ("free", "tentative")
    # The best suggestion has the highest confidence any feasible slot offers, and the
    # whole list is the oracle's: same order, same spreading over days.
    assert result.suggestions[0].confidence == max(c for _, c, _ in feasible.values())
    assert [minute(s.start) for s in result.suggestions] == oracle_choice(feasible, params)
    # Never more than asked, never overlapping.
    assert len(result.suggestions) <= params["max_suggestions"]
    ordered = sorted(result.suggestions, key=lambda s: s.start)
    assert all(x.end <= y.start for x, y in zip(ordered, ordered[1:]))
