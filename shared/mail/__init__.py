"""One mail mechanism for every service: `stage_mail(session, MailMessage(...))` in the
caller's transaction; the worker's `mail` job delivers it at most once (shared/mail/outbox.py)."""
from shared.mail.compose import CalendarPart, MailMessage, language_order
from shared.mail.models import MailOutbox
from shared.mail.outbox import deliver_mail, mail_folder, stage_mail, withdraw_mail
from shared.mail.render import render_mail

__all__ = ["CalendarPart", "MailMessage", "MailOutbox", "deliver_mail", "language_order", "mail_folder",
           "render_mail", "stage_mail", "withdraw_mail"]
