"""The public library's URLs in both languages, hreflang alternates and the sitemap. Welsh
pages have Welsh paths (/cy/chwilio), English pages English ones (/en/search); every page has
its counterpart in the other language at a known path, so the language switch, `hreflang` links
and the sitemap are one table. Pure: no I/O."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from urllib.parse import urlencode
from xml.sax.saxutils import escape

from services.dissemination.library.i18n import LANGUAGES

# page name -> {lang: path template}
PATHS: dict[str, dict[str, str]] = {
    "home": {"en": "/en/", "cy": "/cy/"},
    "search": {"en": "/en/search", "cy": "/cy/chwilio"},
    "publication": {"en": "/en/publications/{id}", "cy": "/cy/cyhoeddiadau/{id}"},
    "themes": {"en": "/en/themes", "cy": "/cy/themau"},
    "theme": {"en": "/en/themes/{code}", "cy": "/cy/themau/{code}"},
    "across": {"en": "/en/across-wales", "cy": "/cy/ar-draws-cymru"},
    "alerts": {"en": "/en/alerts", "cy": "/cy/hysbysiadau"},
    "alerts_sent": {"en": "/en/alerts/check-your-email", "cy": "/cy/hysbysiadau/gwiriwch-eich-e-bost"},
    "alerts_confirm": {"en": "/en/alerts/confirm", "cy": "/cy/hysbysiadau/cadarnhau"},
    "alerts_manage": {"en": "/en/alerts/manage", "cy": "/cy/hysbysiadau/rheoli"},
    "alerts_unsubscribe": {"en": "/en/alerts/unsubscribe", "cy": "/cy/hysbysiadau/dad-danysgrifio"},
}
# Query parameter names are the same in both languages (a shared search link keeps working
# when its reader switches language).
SEARCH_PARAMS = ("q", "theme", "board", "review_type", "year", "cursor")


def path(page: str, lang: str, params: Mapping[str, object] | None = None, **parts) -> str:
    p = PATHS[page][lang].format(**parts)
    query = {k: v for k, v in (params or {}).items() if v not in (None, "")}
    return p + ("?" + urlencode(query) if query else "")


def alternates(page: str, params: Mapping[str, object] | None = None, **parts) -> dict[str, str]:
    """hreflang -> path of the same page in each language."""
    return {lang: path(page, lang, params, **parts) for lang in LANGUAGES}


def page_of_path(p: str) -> tuple[str, str, dict[str, str]] | None:
    """(page, lang, parts) for a path in the table (the language switch on any page)."""
    segments = [s for s in p.split("/") if s]
    for page, by_lang in PATHS.items():
        for lang, template in by_lang.items():
            want = [s for s in template.split("/") if s]
            if len(want) != len(segments):
                continue
            parts = {w[1:-1]: s for w, s in zip(want, segments) if w.startswith("{")}
            if all(w.startswith("{") or w == s for w, s in zip(want, segments)):
                return page, lang, parts
    return None


def sitemap(base: str, publications: Iterable[tuple[str, date | None]], theme_codes: Iterable[str]) -> bytes:
    """sitemaps.org XML with each URL's language alternates (xhtml:link hreflang), listing
    the static pages, theme pages and every public publication in both languages."""
    entries: list[tuple[str, dict, date | None]] = [(p, {}, None) for p in ("home", "search", "themes", "across",
                                                                            "alerts")]
    entries += [("theme", {"code": c}, None) for c in theme_codes]
    entries += [("publication", {"id": pid}, when) for pid, when in publications]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">']
    for page, parts, when in entries:
        alts = alternates(page, **parts)
        for lang in LANGUAGES:
            out.append("<url><loc>" + escape(base + alts[lang]) + "</loc>")
            if when:
                out.append(f"<lastmod>{when.isoformat()}</lastmod>")
            for alt_lang in LANGUAGES:
                out.append(f'<xhtml:link rel="alternate" hreflang="{alt_lang}" href="{escape(base + alts[alt_lang])}"/>')
            out.append("</url>")
    out.append("</urlset>")
    return "\n".join(out).encode()
