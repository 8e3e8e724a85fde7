"""The meeting status rules: active meetings, and when a reply puts a meeting at risk."""
from services.scheduler.meetings.rules import after_reply, is_active


def test_only_booked_and_at_risk_meetings_are_active():
    assert [s for s in ("booked", "at_risk", "cancelled", "held") if is_active(s)] == ["booked", "at_risk"]


def test_a_required_decline_puts_a_meeting_at_risk_and_is_announced_once():
    first = after_reply("booked", required=True, response="declined", previous="needs_action", declined_required=1)
    assert (first.status, first.at_risk_event) == ("at_risk", True)
    again = after_reply("at_risk", required=True, response="declined", previous="declined", declined_required=1)
    assert (again.status, again.at_risk_event) == ("at_risk", False)


def test_an_optional_decline_changes_nothing():
    r = after_reply("booked", required=False, response="declined", previous="needs_action", declined_required=0)
    assert (r.status, r.at_risk_event) == ("booked", False)


def test_at_risk_is_booked_again_only_when_no_required_decline_remains():
    still = after_reply("at_risk", required=True, response="accepted", previous="declined", declined_required=1)
    assert still.status == "at_risk"
    back = after_reply("at_risk", required=True, response="tentative", previous="declined", declined_required=0)
    assert (back.status, back.at_risk_event) == ("booked", False)
