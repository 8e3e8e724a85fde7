"""One Jinja2 environment shape for pages and e-mail: our base templates (shared/web/templates)
under each service's own `templates/` folder, autoescaped HTML, and `t(en, cy)` for text in
both languages side by side (a missing translation is visible in review, not at run time)."""
from __future__ import annotations

from functools import lru_cache

from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape

from shared.web import i18n


@pass_context
def _t(context, en: str, cy: str) -> str:
    return cy if context.get("lang") == "cy" else en


@pass_context
def _when(context, start, end=None) -> str:
    lang = context.get("lang", i18n.DEFAULT_LANGUAGE)
    return i18n.format_span(start, end, lang) if end is not None else i18n.format_date(start, lang)


@pass_context
def _day(context, value) -> str:
    return i18n.format_day(value, context.get("lang", i18n.DEFAULT_LANGUAGE))


@lru_cache
def make_env(*packages: str) -> Environment:
    """Templates are looked up in each package's `templates/` folder in order, then ours."""
    loaders = [PackageLoader(p, "templates") for p in packages] + [PackageLoader("shared.web", "templates")]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"], default=False),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals.update(t=_t, when=_when, day=_day, LANGUAGES=i18n.LANGUAGES)
    return env
