"""The public library and the alert pages (server-rendered, no sign-in). Thin: parse, call the
same service functions as the JSON API (library/queries.py, alerts/service.py), render.

Each page exists at a Welsh and an English path (library/urls.py); the path sets the language,
so a shared link opens in the language it was shared in, and the switch goes to the
counterpart path."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from shared.http.deps import SessionDep
from shared.http.problems import Problem
from shared.service import settings_for
from shared.web.pages import Pages
from services.dissemination.alerts import service as alerts
from services.dissemination.httputil import base_url
from services.dissemination.library import chart, i18n, links as tokens, queries, snippets, urls
from services.dissemination.library.mail import PACKAGE, stage_alert
from services.dissemination.publications import service as publications
from services.dissemination.publications.models import Publication
from services.dissemination.themes import service as themes

PAGES = Pages(PACKAGE)
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 20
FREQUENCY_NAMES = {"immediate": {"en": "As soon as it is published", "cy": "Cyn gynted ag y caiff ei gyhoeddi"},
                   "weekly": {"en": "Weekly", "cy": "Yn wythnosol"},
                   "monthly": {"en": "Monthly", "cy": "Yn fisol"}}


def _render(request: Request, lang: str, template: str, ctx: dict, *, page: str, parts: dict | None = None,
            params: dict | None = None, status: int = 200, private: bool = False) -> Response:
    base = base_url(request)
    alts = {code: base + p for code, p in urls.alternates(page, params, **(parts or {})).items()}
    context = {"lang": lang, "other_lang": i18n.other(lang), "switch_url": alts[i18n.other(lang)],
               "alternates": alts, "canonical": alts[lang], "url": urls.path, "base": base,
               "date": i18n.long_date, "plural": i18n.plural, "pick": i18n.pick,
               "review_type_name": i18n.review_type_name, "document_kind_name": i18n.document_kind_name,
               "og_description": "", **ctx}
    response = PAGES.render(request, template, context, status=status, private=private)
    response.headers["content-language"] = lang
    return response


# What a person is told, by the problem's slug (else its status): heading and message, en / cy.
ERRORS = {
    "not-found": ("Page not found", "Heb ddod o hyd i'r dudalen",
                  "We could not find that page. It may never have been published.",
                  "Ni allem ddod o hyd i'r dudalen honno. Efallai na chafodd erioed ei chyhoeddi."),
    "withdrawn": ("Withdrawn", "Wedi'i thynnu'n ôl",
                  "This publication has been withdrawn by the board that published it and is no longer available.",
                  "Mae'r bwrdd a'i cyhoeddodd wedi tynnu'r cyhoeddiad hwn yn ôl ac nid yw ar gael mwyach."),
    "link-expired": ("This link has expired", "Mae'r ddolen hon wedi dod i ben",
                     "Links in our e-mails work for a limited time. You can subscribe again.",
                     "Mae dolenni yn ein e-byst yn gweithio am gyfnod cyfyngedig. Gallwch danysgrifio eto."),
    "link-invalid": ("This link is not valid", "Nid yw'r ddolen hon yn ddilys",
                     "Check that you copied the whole link from the e-mail.",
                     "Gwiriwch eich bod wedi copïo'r ddolen gyfan o'r e-bost."),
    "form-expired": ("The form had expired", "Roedd y ffurflen wedi dod i ben",
                     "Nothing was changed. Please go back and try again.",
                     "Ni newidiwyd dim. Ewch yn ôl a rhoi cynnig arall arni."),
    "no-subscription": ("No subscription", "Dim tanysgrifiad",
                        "This subscription no longer exists: it was cancelled, or never confirmed and deleted. "
                        "You can subscribe again.",
                        "Nid yw'r tanysgrifiad hwn yn bodoli mwyach: cafodd ei ganslo, neu ni chafodd ei gadarnhau "
                        "a chafodd ei ddileu. Gallwch danysgrifio eto."),
    "confirmation-superseded": ("This link is out of date", "Mae'r ddolen hon wedi dyddio",
                                "A newer confirmation was sent to the same address: use the link in that e-mail.",
                                "Anfonwyd cadarnhad mwy newydd i'r un cyfeiriad: defnyddiwch y ddolen yn yr e-bost "
                                "hwnnw."),
    "error": ("There is a problem", "Mae problem", "Please go back and try again.",
              "Ewch yn ôl a rhoi cynnig arall arni."),
}
FORM_EXPIRED = Problem(403, "The form had expired.", slug="form-expired")


def _error(request: Request, lang: str, problem: Problem, page: str = "home", parts: dict | None = None) -> Response:
    key = problem.slug if problem.slug in ERRORS else {404: "not-found", 410: "withdrawn"}.get(problem.status, "error")
    hen, hcy, men, mcy = ERRORS[key]
    if key == "withdrawn" and problem.extensions.get("withdrawn_on"):  # what the API's 410 says, no more
        when = date.fromisoformat(problem.extensions["withdrawn_on"])
        men, mcy = f"{men} Withdrawn on {i18n.long_date(when, 'en')}.", f"{mcy} Tynnwyd yn ôl ar {i18n.long_date(when, 'cy')}."
    return _render(request, lang, "library/error.html",
                   {"heading": hcy if lang == "cy" else hen, "message": mcy if lang == "cy" else men,
                    "status": problem.status}, page=page, parts=parts, status=problem.status)


def _lookups(session) -> dict:
    boards = publications.board_names(session)
    return {"boards": boards, "themes": themes.active_themes(session),
            "board_list": sorted(boards.items(), key=lambda kv: kv[1]["en"])}


# -- the library -----------------------------------------------------------------------------

def _home(lang: str):
    def home(request: Request, session: SessionDep):
        base = base_url(request)
        counts = queries.theme_counts(session)
        return _render(request, lang, "library/home.html", {
            "latest": queries.latest(session, lang, base), "counts": counts, **_lookups(session)}, page="home")
    return home


def _filters(request: Request) -> tuple[queries.Filters, str | None]:
    """Search parameters from the URL, tolerant: an unusable value is ignored, not an error."""
    qp = request.query_params
    year = qp.get("year", "")
    year_value = int(year) if year.isdigit() and 2013 <= int(year) <= 2100 else None
    q = (qp.get("q") or "").strip()[:200] or None
    clean = {k: (qp.get(k) or "").strip()[:64] or None for k in ("theme", "board", "review_type")}
    return queries.Filters(q=q, year=year_value, **clean), (qp.get("cursor") or None)


def _search(lang: str):
    def search_page(request: Request, session: SessionDep):
        filters, cursor = _filters(request)
        try:
            results = queries.search(session, filters, lang, cursor=cursor, limit=PAGE_SIZE, base=base_url(request))
        except Problem as problem:  # a cursor that is not ours
            return _error(request, lang, problem, page="search")
        snips = {p.id: {"title": snippets.highlight(i18n.pick(p.title, lang)[0], filters.q, lang, width=400),
                        "text": snippets.best([i18n.pick(p.summary, lang)[0]]
                                              + [i18n.pick(lp, lang)[0] for lp in p.learning_points], filters.q, lang)}
                 for p in results.items}
        this_year = date.today().year
        return _render(request, lang, "library/search.html", {
            "filters": filters, "results": results, "snippets": snips, "cursor": cursor,
            "years": list(range(this_year, 2012, -1)), "review_types": queries.review_types_in_use(session),
            **_lookups(session)}, page="search", params=filters.as_params())
    return search_page


def _publication(lang: str):
    def publication_page(id: str, request: Request, session: SessionDep):  # noqa: A002 (the path's {id})
        publication_id = id
        parts = {"id": publication_id}
        try:
            pub = queries.publication(session, publication_id, base_url(request))
        except Problem as problem:
            return _error(request, lang, problem, page="publication", parts=parts)
        summary = i18n.pick(pub.summary, lang)[0]
        return _render(request, lang, "library/publication.html", {"pub": pub, "og_description": summary},
                       page="publication", parts=parts)
    return publication_page


def _themes(lang: str):
    def themes_page(request: Request, session: SessionDep):
        return _render(request, lang, "library/themes.html", {"counts": queries.theme_counts(session),
                                                               **_lookups(session)}, page="themes")
    return themes_page


def _theme(lang: str):
    def theme_page(code: str, request: Request, session: SessionDep):
        parts = {"code": code}
        cursor = request.query_params.get("cursor") or None
        try:
            theme = queries.theme(session, code)
            results = queries.search(session, queries.Filters(theme=code), lang, cursor=cursor, limit=PAGE_SIZE,
                                     base=base_url(request))
        except Problem as problem:
            return _error(request, lang, problem, page="theme", parts=parts)
        return _render(request, lang, "library/theme.html", {"theme": theme, "results": results, "cursor": cursor,
                                                              **_lookups(session)}, page="theme", parts=parts)
    return theme_page


def _across(lang: str):
    def across_page(request: Request, session: SessionDep):
        result, table = queries.across_wales(session, lang)
        title = i18n.pick({"en": "Themes across Wales", "cy": "Themâu ar draws Cymru"}, lang)[0]
        return _render(request, lang, "library/across.html", {
            "result": result, "table": table, "svg": chart.svg(table, lang, title), "title": title},
            page="across")
    return across_page


# -- alerts ----------------------------------------------------------------------------------

def _links(request: Request, session) -> tokens.WebLinks:
    s = settings_for(session)
    return tokens.WebLinks(base_url(request), s.secret_key, s.alert_unconfirmed_days)


def _alerts_form(lang: str):
    def alerts_page(request: Request, session: SessionDep):
        return _render(request, lang, "library/alerts.html", {"errors": [], "form": {}, "frequencies": FREQUENCY_NAMES,
                                                               **_lookups(session)}, page="alerts")
    return alerts_page


@dataclass
class ChoicesForm:
    """What a person chooses to receive, as the sign-up and the manage forms post it."""

    themes: list[str]
    boards: list[str]
    frequency: str
    language: str

    def choices(self, default_language: str = "") -> alerts.Choices:
        return alerts.Choices(themes=[t for t in self.themes if t], boards=[b for b in self.boards if b],
                              frequency=self.frequency, language=self.language or default_language)

    def as_form(self) -> dict:
        """The values to show again in the form (after a 422)."""
        return {"themes": self.themes, "boards": self.boards, "frequency": self.frequency, "language": self.language}


def _choices_form(themes: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
                  boards: Annotated[list[str], Form()] = [],  # noqa: B006
                  frequency: Annotated[str, Form(max_length=16)] = "",
                  language: Annotated[str, Form(max_length=2)] = "") -> ChoicesForm:
    return ChoicesForm(themes, boards, frequency, language)


ChoicesFormDep = Annotated[ChoicesForm, Depends(_choices_form)]


def _alerts_submit(lang: str):
    def alerts_post(request: Request, session: SessionDep, chosen: ChoicesFormDep,
                    email: Annotated[str, Form(max_length=320)] = "", csrf_token: Annotated[str, Form()] = ""):
        if not PAGES.csrf_valid(request, csrf_token):
            return _error(request, lang, FORM_EXPIRED, page="alerts")
        form = {"email": email, **chosen.as_form()}
        try:
            alerts.subscribe(session, settings_for(session).secret_key, email,
                             chosen.choices(default_language=lang),
                             links=_links(request, session), stage=stage_alert)
        except Problem as problem:
            if problem.status != 422:
                raise
            session.rollback()
            return _render(request, lang, "library/alerts.html", {
                "errors": problem.extensions.get("errors", []), "form": form, "frequencies": FREQUENCY_NAMES,
                **_lookups(session)}, page="alerts", status=422)
        session.commit()
        return RedirectResponse(urls.path("alerts_sent", lang), status_code=303)
    return alerts_post


def _alerts_sent(lang: str):
    def sent_page(request: Request):
        return _render(request, lang, "library/alerts_sent.html", {}, page="alerts_sent")
    return sent_page


def _token_subject(session, purpose: str, token: str | None) -> dict:
    """What a personal link's signed token names; an expired or forged one is a Problem."""
    try:
        return tokens.read(settings_for(session).secret_key, purpose, token)
    except tokens.TokenExpired:
        raise Problem(410, "This link has expired.", slug="link-expired") from None
    except tokens.TokenInvalid:
        raise Problem(400, "This link is not valid.", slug="link-invalid") from None


def _problems_as_page(lang: str, page: str, handler):
    """A personal-link page shows any Problem (a bad link, a gone subscription) as its error
    page in its own language, so each handler states only its success path."""
    @functools.wraps(handler)
    def shown(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except Problem as problem:
            return _error(kwargs["request"], lang, problem, page=page)
    return shown


def _link_form(lang: str, purpose: str, page: str):
    """The GET of a confirm or unsubscribe link: a valid link shows the form that posts it (a
    mail scanner following links changes nothing)."""
    def form_page(request: Request, session: SessionDep):
        token = request.query_params.get("token")
        _token_subject(session, purpose, token)
        return _render(request, lang, f"library/{page}.html", {"token": token, "done": False},
                       page=page, params={"token": token}, private=True)
    return form_page


def _confirm(lang: str):
    confirm_page = _link_form(lang, tokens.CONFIRM, "alerts_confirm")

    def confirm_post(request: Request, session: SessionDep, token: Annotated[str, Form()] = "",
                     csrf_token: Annotated[str, Form()] = ""):
        if not PAGES.csrf_valid(request, csrf_token):
            return _error(request, lang, FORM_EXPIRED, page="alerts")
        subject = _token_subject(session, tokens.CONFIRM, token)
        sub = alerts.confirm(session, subject["s"], subject["v"])
        manage = _links(request, session).manage(sub)
        session.commit()
        return _render(request, lang, "library/alerts_confirm.html", {"done": True, "manage_url": manage, "token": ""},
                       page="alerts_confirm", private=True)
    return confirm_page, confirm_post


def _manage(lang: str):
    def manage_page(request: Request, session: SessionDep):
        token = request.query_params.get("token")
        subject = _token_subject(session, tokens.MANAGE, token)
        sub = alerts.get(session, subject["s"])
        form = {"themes": sub.themes, "boards": sub.boards, "frequency": sub.frequency, "language": sub.language}
        return _render(request, lang, "library/alerts_manage.html", {
            "token": token, "form": form, "errors": [], "saved": False, "frequencies": FREQUENCY_NAMES,
            "unsubscribe_url": _links(request, session).unsubscribe(sub), **_lookups(session)},
            page="alerts_manage", params={"token": token}, private=True)

    def manage_post(request: Request, session: SessionDep, chosen: ChoicesFormDep,
                    token: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = ""):
        if not PAGES.csrf_valid(request, csrf_token):
            return _error(request, lang, FORM_EXPIRED, page="alerts")
        subject = _token_subject(session, tokens.MANAGE, token)
        form = chosen.as_form()
        status, errors = 200, []
        try:
            sub = alerts.change(session, subject["s"], chosen.choices())
            session.commit()
        except Problem as problem:
            if problem.status != 422:
                raise
            session.rollback()
            sub, status, errors = alerts.get(session, subject["s"]), 422, problem.extensions.get("errors", [])
        return _render(request, lang, "library/alerts_manage.html", {
            "token": token, "form": form, "errors": errors, "saved": status == 200, "frequencies": FREQUENCY_NAMES,
            "unsubscribe_url": _links(request, session).unsubscribe(sub), **_lookups(session)},
            page="alerts_manage", status=status, private=True)
    return manage_page, manage_post


def _unsubscribe(lang: str):
    unsubscribe_page = _link_form(lang, tokens.UNSUBSCRIBE, "alerts_unsubscribe")

    def unsubscribe_post(request: Request, session: SessionDep,
                         one_click: Annotated[str, Form(alias="List-Unsubscribe")] = "",
                         token: Annotated[str, Form()] = "", csrf_token: Annotated[str, Form()] = ""):
        """RFC 8058: a mail client POSTs `List-Unsubscribe=One-Click` to the URL in the header,
        with no cookies; the signed token in the URL is the authority, so no CSRF check applies
        to that form (nothing a third party could forge without the token)."""
        token = token or request.query_params.get("token") or ""
        if one_click != "One-Click" and not PAGES.csrf_valid(request, csrf_token):
            return _error(request, lang, FORM_EXPIRED, page="alerts")
        subject = _token_subject(session, tokens.UNSUBSCRIBE, token)
        alerts.unsubscribe(session, subject["s"])
        session.commit()
        if one_click == "One-Click":
            return Response(status_code=200, content=b"unsubscribed\n", media_type="text/plain")
        return _render(request, lang, "library/alerts_unsubscribe.html", {"done": True, "token": ""},
                       page="alerts_unsubscribe", private=True)
    return unsubscribe_page, unsubscribe_post


# -- site-wide -------------------------------------------------------------------------------

@router.get("/")
def root(request: Request):
    """The browser's language (or the remembered choice); Welsh by default."""
    return RedirectResponse(urls.path("home", PAGES.language(request)), status_code=303,
                            headers={"Vary": "Accept-Language, Cookie"})


@router.get("/sitemap.xml")
def sitemap(request: Request, session: SessionDep):
    rows = session.execute(publications.public_query().with_only_columns(Publication.id, Publication.published_on)
                        .order_by(Publication.published_on.desc(), Publication.id)).all()
    body = urls.sitemap(base_url(request), [(pid, on) for pid, on in rows],
                        [t.code for t in themes.active_themes(session)])
    return Response(body, media_type="application/xml")


@router.get("/robots.txt")
def robots(request: Request):
    lines = ["User-agent: *", "Disallow: /en/alerts/", "Disallow: /cy/hysbysiadau/", "Disallow: /v1/",
             f"Sitemap: {base_url(request)}/sitemap.xml"]
    return Response("\n".join(lines) + "\n", media_type="text/plain")


def _register() -> None:
    for lang in i18n.LANGUAGES:
        p = urls.PATHS
        router.add_api_route(p["home"][lang], _home(lang), methods=["GET"])
        router.add_api_route(p["search"][lang], _search(lang), methods=["GET"])
        router.add_api_route(p["publication"][lang], _publication(lang), methods=["GET"])
        router.add_api_route(p["themes"][lang], _themes(lang), methods=["GET"])
        router.add_api_route(p["theme"][lang], _theme(lang), methods=["GET"])
        router.add_api_route(p["across"][lang], _across(lang), methods=["GET"])
        router.add_api_route(p["alerts"][lang], _alerts_form(lang), methods=["GET"])
        router.add_api_route(p["alerts"][lang], _alerts_submit(lang), methods=["POST"])
        router.add_api_route(p["alerts_sent"][lang], _alerts_sent(lang), methods=["GET"])
        for page, make in (("alerts_confirm", _confirm), ("alerts_manage", _manage),
                           ("alerts_unsubscribe", _unsubscribe)):
            get, post = make(lang)
            router.add_api_route(p[page][lang], _problems_as_page(lang, page, get), methods=["GET"])
            router.add_api_route(p[page][lang], _problems_as_page(lang, page, post), methods=["POST"])


_register()
