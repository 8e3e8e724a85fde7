"""Bilingual mail from templates: `mail/<name>.subject.txt`, `mail/<name>.txt` and
`mail/<name>.html` rendered once per language, the recipient's preferred language first."""
from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment

from shared.mail.compose import combine_languages

TEXT_SEPARATOR = "\n\n" + "-" * 60 + "\n\n"


@dataclass(frozen=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render_mail(env: Environment, name: str, context: dict, languages: tuple[str, ...]) -> RenderedMail:
    subjects, texts, bodies = {}, {}, {}
    for lang in languages:
        ctx = {**context, "lang": lang}
        subjects[lang] = " ".join(env.get_template(f"mail/{name}.subject.txt").render(ctx).split())
        texts[lang] = env.get_template(f"mail/{name}.txt").render(ctx).strip()
        bodies[lang] = env.get_template(f"mail/{name}.html").render(ctx)
    html = env.get_template("mail/layout.html").render(
        lang=languages[0], subject=" / ".join(subjects[lang] for lang in languages),
        sections=[(lang, bodies[lang]) for lang in languages])
    return RenderedMail(subject=" / ".join(subjects[lang] for lang in languages),
                        text=combine_languages(texts, languages, TEXT_SEPARATOR) + "\n", html=html)
