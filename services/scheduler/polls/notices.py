"""What a poll e-mails: each invitee's invitation (and one reminder) with a personal link,
and the coordinator's notices (every required invitee answered; the deadline passed), in
Welsh and English, staged in the transaction of the change that causes them."""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from shared.mail import MailMessage, language_order, render_mail, stage_mail
from shared.settings import Settings
from shared.web.templating import make_env
from shared.web.tokens import make_token
from services.scheduler.meetings.invitations import KIND_NAMES

ANSWER_PURPOSE = "poll-answer"
RESULTS_PURPOSE = "poll-results"


def _expires(settings: Settings, poll):
    return poll.deadline + timedelta(days=settings.poll_link_days_after_deadline)


def answer_token(settings: Settings, poll, participant_id: str) -> str:
    """Good for this poll and this participant only; readable a while after the deadline."""
    return make_token(settings.secret_key, ANSWER_PURPOSE, {"poll": poll.id, "p": participant_id},
                      _expires(settings, poll))


def results_token(settings: Settings, poll) -> str:
    """The coordinator's read-only results page of this poll."""
    return make_token(settings.secret_key, RESULTS_PURPOSE, {"poll": poll.id}, _expires(settings, poll))


def answer_url(settings: Settings, poll, participant_id: str) -> str:
    return f"{settings.base_url('scheduler')}/polls/answer/{answer_token(settings, poll, participant_id)}"


def results_url(settings: Settings, poll) -> str:
    return f"{settings.base_url('scheduler')}/polls/results/{results_token(settings, poll)}"


def stage_invitation(session: Session, poll, options, invitee, participant, settings: Settings, *,
                     reminder: bool = False) -> None:
    env = make_env("services.scheduler")
    langs = language_order(participant.preferred_language)
    en, cy = KIND_NAMES.get(poll.kind, KIND_NAMES["other"])
    context = {"poll": poll, "options": options, "participant": participant, "required": invitee.required,
               "prefilled": invitee.prefilled, "reminder": reminder, "kind_en": en, "kind_cy": cy,
               "link": answer_url(settings, poll, participant.id)}
    rendered = render_mail(env, "poll_invitation", context, langs)
    what = "reminder" if reminder else "invitation"
    stage_mail(session, MailMessage(
        key=f"scheduler:poll:{poll.id}:{what}:{participant.id}", to=participant.email, to_name=participant.display_name,
        subject=rendered.subject, text=rendered.text, html=rendered.html, languages=langs,
        purpose=f"poll.{what}", reply_to=poll.coordinator_email), settings)


def stage_coordinator(session: Session, poll, public, settings: Settings, *, event: str) -> None:
    """event: all_answered | deadline. `public` is the poll's results (service.results)."""
    env = make_env("services.scheduler")
    langs = language_order(None)
    en, cy = KIND_NAMES.get(poll.kind, KIND_NAMES["other"])
    names = {i.participant_id: i for i in public.invitees}
    context = {"poll": poll, "results": public, "event": event, "kind_en": en, "kind_cy": cy,
               "not_answered": [names[pid] for pid in public.not_answered],
               "link": results_url(settings, poll)}
    rendered = render_mail(env, "poll_coordinator", context, langs)
    stage_mail(session, MailMessage(
        key=f"scheduler:poll:{poll.id}:coordinator:{event}", to=poll.coordinator_email, to_name=poll.coordinator_name,
        subject=rendered.subject, text=rendered.text, html=rendered.html, languages=langs,
        purpose=f"poll.{event}"), settings)
