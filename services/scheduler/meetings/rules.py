"""Meeting status rules, pure (no FastAPI, database or pika): which meetings are active and
when a reply puts a meeting at risk.

    booked --a required invitee declines--> at_risk
    at_risk --no required decline remains (a reply other than declined)--> booked
    booked / at_risk --cancel--> cancelled;  booked / at_risk --attendance--> held
"""
from __future__ import annotations

from dataclasses import dataclass

# Meetings that still take replies, changes and attendance, and that fill diaries.
ACTIVE = ("booked", "at_risk")


def is_active(status: str) -> bool:
    return status in ACTIVE


@dataclass(frozen=True)
class AfterReply:
    status: str
    at_risk_event: bool  # publish meeting.at_risk.v1


def after_reply(status: str, *, required: bool, response: str, previous: str,
                declined_required: int) -> AfterReply:
    """The meeting's status after an invitee's reply. A required invitee's new decline puts
    it at risk (and is announced, once per decline: the same reply again says nothing new);
    once no required invitee's decline remains (`declined_required`, counted after this
    reply) an at-risk meeting is booked again. Optional invitees never change it."""
    if required and response == "declined" and previous != "declined":
        return AfterReply("at_risk", True)
    if status == "at_risk" and not declined_required:
        return AfterReply("booked", False)
    return AfterReply(status, False)
