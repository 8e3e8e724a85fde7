"""What alert messages say: which publications a subscriber gets, grouped by theme with their
learning points, in the subscriber's language; and the confirmation and notice messages.
Pure (no I/O): the service passes the rows and the links."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from services.dissemination.alerts.periods import Window
from services.dissemination.library.i18n import long_date, month_year, pick, plural
from services.dissemination.subscriptions.matching import Filter, matches

OTHER = "_other"


@dataclass(frozen=True)
class AlertMail:
    """What the mail mechanism is asked to send. `key` is stable per logical message (the same
    key is never sent twice); `headers` carry List-Unsubscribe (RFC 2369 / RFC 8058)."""

    key: str
    to: str
    language: str
    template: str       # mail/<template>.subject.txt, .txt and .html (library/templates)
    context: dict
    headers: dict[str, str] = field(default_factory=dict)


def unsubscribe_headers(links, sub) -> dict[str, str]:
    """One-click unsubscribe (RFC 8058): the mail client POSTs List-Unsubscribe=One-Click."""
    return {"List-Unsubscribe": f"<{links.unsubscribe(sub)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

TEXT = {
    "confirm_subject": {"en": "Confirm your learning alerts", "cy": "Cadarnhewch eich hysbysiadau dysgu"},
    "confirm_body": {
        "en": "Someone (we hope you) asked to be e-mailed when learning from Child Practice Reviews in Wales is "
              "published. Nothing will be sent until you confirm. To confirm, open this link and press Confirm:",
        "cy": "Gofynnodd rhywun (chi, gobeithio) am e-bost pan gyhoeddir dysgu o Adolygiadau Ymarfer Plant yng "
              "Nghymru. Ni anfonir dim nes i chi gadarnhau. I gadarnhau, agorwch y ddolen hon a phwyso Cadarnhau:"},
    "confirm_ignore": {"en": "If it was not you, ignore this e-mail: the address is deleted in a few days.",
                       "cy": "Os nad chi oedd yno, anwybyddwch yr e-bost hwn: caiff y cyfeiriad ei ddileu "
                             "ymhen ychydig ddyddiau."},
    "already_subject": {"en": "You already receive learning alerts", "cy": "Rydych eisoes yn cael hysbysiadau dysgu"},
    "already_body": {"en": "Someone asked to subscribe this address, which already receives alerts. Nothing has "
                           "changed. To change what you receive, or to stop, use this link:",
                     "cy": "Gofynnodd rhywun am danysgrifio'r cyfeiriad hwn, sydd eisoes yn cael hysbysiadau. Nid "
                           "oes dim wedi newid. I newid yr hyn a gewch, neu i roi'r gorau iddi, defnyddiwch y "
                           "ddolen hon:"},
    "digest_subject_immediate": {"en": "New learning from Child Practice Reviews",
                                 "cy": "Dysgu newydd o Adolygiadau Ymarfer Plant"},
    "digest_subject_period": {"en": "Learning from Child Practice Reviews: {period}",
                              "cy": "Dysgu o Adolygiadau Ymarfer Plant: {period}"},
    "period_between": {"en": "{start} to {end}", "cy": "{start} i {end}"},
    "learning_points": {"en": "Learning points", "cy": "Pwyntiau dysgu"},
    "read_more": {"en": "Read it", "cy": "Darllenwch"},
    "other_theme": {"en": "Other learning", "cy": "Dysgu arall"},
    "manage": {"en": "Change what you receive", "cy": "Newid yr hyn a gewch"},
    "unsubscribe": {"en": "Unsubscribe", "cy": "Dad-danysgrifio"},
    "why": {"en": "You receive this because you subscribed to learning alerts.",
            "cy": "Rydych yn cael hwn am i chi danysgrifio i hysbysiadau dysgu."},
}


def t(key: str, lang: str, **kw) -> str:
    return TEXT[key][lang].format(**kw)


def _filter(sub) -> Filter:
    return Filter(welsh_government=False, board_code=None, boards=frozenset(sub.boards),
                  themes=frozenset(sub.themes))


def select(sub, pubs: Iterable) -> list:
    """The publications a subscriber asked for: the webhook subscriptions' one matching rule
    (themes and boards narrow; nothing chosen means everything)."""
    f = _filter(sub)
    return [p for p in pubs if matches(f, "publication_published", p.board_code, p.themes)]


def group_by_theme(sub, pubs: Sequence, theme_order: Sequence[str]) -> list[tuple[str, list]]:
    """Each publication once, under the first of its themes the subscriber chose (or, with no
    themes chosen, the first of its own themes in taxonomy order)."""
    rank = {c: i for i, c in enumerate(theme_order)}
    groups: dict[str, list] = {}
    for p in pubs:
        candidates = [c for c in p.themes if not sub.themes or c in sub.themes]
        code = min(candidates, key=lambda c: (rank.get(c, len(rank)), c)) if candidates else OTHER
        groups.setdefault(code, []).append(p)
    return sorted(groups.items(), key=lambda kv: (kv[0] == OTHER, rank.get(kv[0], len(rank)), kv[0]))


def period_label(window: Window, frequency: str, lang: str) -> str:
    """"Rhagfyr 2026" for a month; "30 Tachwedd 2026 i 6 Rhagfyr 2026" for a week."""
    last = window.end - timedelta(microseconds=1)
    if frequency == "monthly":
        return month_year(last, lang)
    return t("period_between", lang, start=long_date(window.start, lang), end=long_date(last, lang))


def digest_context(sub, window: Window, pubs: Sequence, themes: dict, boards: dict, links) -> dict:
    """Everything a template needs, already in the subscriber's language."""
    lang = sub.language
    groups = []
    for code, items in group_by_theme(sub, pubs, list(themes)):
        name = t("other_theme", lang) if code == OTHER else pick(themes.get(code), lang)[0] or code
        groups.append({"code": code, "name": name, "publications": [{
            "id": p.id, "title": pick({"en": p.title_en, "cy": p.title_cy}, lang)[0],
            "summary": pick({"en": p.summary_en, "cy": p.summary_cy}, lang)[0],
            "board": pick(boards.get(p.board_code), lang)[0] or p.board_code,
            "published_on": long_date(p.published_on, lang),
            "learning_points": [pick(lp, lang)[0] for lp in p.learning_points],
            "url": links.publication(p.id, lang)} for p in items]})
    subject = (t("digest_subject_immediate", lang) if sub.frequency == "immediate"
               else t("digest_subject_period", lang, period=period_label(window, sub.frequency, lang)))
    return {"lang": lang, "subject": subject, "count": plural("publications", len(pubs), lang), "groups": groups,
            "manage_url": links.manage(sub), "unsubscribe_url": links.unsubscribe(sub),
            "text": {k: t(k, lang) for k in ("learning_points", "read_more", "manage", "unsubscribe", "why")}}


def digest_mail(sub, window: Window, pubs: Sequence, themes: dict, boards: dict, links) -> AlertMail:
    ctx = digest_context(sub, window, pubs, themes, boards, links)
    return AlertMail(key=f"alert:{sub.id}:{window.key}", to=sub.address, language=sub.language,
                     template="alert_digest", context=ctx, headers=unsubscribe_headers(links, sub))


def confirmation_mail(sub, links, theme_names: dict) -> AlertMail:
    """Sent before anything else; no unsubscribe header (there is nothing to leave yet)."""
    lang = sub.language
    chosen = [pick(theme_names.get(c), lang)[0] or c for c in sub.themes]
    ctx = {"subject": t("confirm_subject", lang), "confirm_url": links.confirm(sub), "themes": chosen,
           "frequency": sub.frequency, "text": {k: t(k, lang) for k in ("confirm_body", "confirm_ignore")}}
    return AlertMail(key=f"alert-confirm:{sub.id}:{sub.version}", to=sub.address, language=lang,
                     template="alert_confirm", context=ctx)


def already_subscribed_mail(sub, links, lang: str, sent_at) -> AlertMail:
    ctx = {"subject": t("already_subject", lang), "manage_url": links.manage(sub),
           "text": {"already_body": t("already_body", lang)}}
    return AlertMail(key=f"alert-already:{sub.id}:{sent_at.isoformat()}", to=sub.address, language=lang,
                     template="alert_already", context=ctx, headers=unsubscribe_headers(links, sub))
