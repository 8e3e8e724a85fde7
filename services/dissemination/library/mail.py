"""Alert messages through the one mail mechanism: rendered from library/templates/mail in the
subscriber's language and staged in the caller's transaction (shared/mail)."""
from __future__ import annotations

from sqlmodel import Session

from shared.mail import MailMessage, render_mail, stage_mail
from shared.web.templating import make_env
from services.dissemination.alerts.digest import AlertMail

PACKAGE = "services.dissemination.library"


def stage_alert(session: Session, mail: AlertMail) -> None:
    languages = (mail.language,)
    rendered = render_mail(make_env(PACKAGE), mail.template, mail.context, languages)
    stage_mail(session, MailMessage(key=f"dissemination:{mail.key}", to=mail.to, subject=rendered.subject,
                                    text=rendered.text, html=rendered.html, languages=languages,
                                    purpose=f"alert.{mail.template.removeprefix('alert_')}", headers=mail.headers))
