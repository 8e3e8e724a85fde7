"""Europe/London, the zone of anything a person sees as a date or a working day: its one home.
Instants are stored in UTC (`shared.db.utcnow`); "today" and local times come from here."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_today() -> date:
    """Today's date in Wales (what "in the future", "overdue" and "expired" are judged by)."""
    return datetime.now(LONDON).date()


def london_time(value: datetime | None) -> datetime | None:
    """A UTC instant as people read it: Europe/London wall time with its offset."""
    return None if value is None else value.astimezone(LONDON)
