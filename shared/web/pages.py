"""Server-rendered pages: how a service renders one (language, CSRF, headers) and mounts them.

A service keeps its templates in `<package>/templates/` (extending our `base.html`), makes
`PAGES = Pages("services.<name>")`, and lists an APIRouter(include_in_schema=False) of page
routes in its ServiceSpec.routers. Pages call the same service functions as the JSON API."""
from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from shared.web import i18n
from shared.web.security import CSRF_COOKIE, CSRF_FIELD, csrf_form_value, csrf_ok, new_csrf_cookie
from shared.web.templating import make_env

LANG_COOKIE = "cpr_lang"


def _secret(request: Request) -> str:
    return request.app.state.runtime.settings.secret_key


class Pages:
    def __init__(self, package: str):
        self.package = package

    @property
    def env(self):
        return make_env(self.package)

    @staticmethod
    def language(request: Request) -> str:
        return i18n.pick_language(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE),
                                  request.headers.get("accept-language"))

    @staticmethod
    def switch_url(request: Request, lang: str) -> str:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"] + [("lang", lang)]
        from urllib.parse import urlencode

        return f"{request.url.path}?{urlencode(query)}"

    def render(self, request: Request, name: str, context: dict | None = None, status: int = 200,
               *, private: bool = True) -> HTMLResponse:
        """`private` pages (anything reached by a personal link) are never cached or indexed."""
        lang = self.language(request)
        cookie = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_cookie", None) or new_csrf_cookie()
        other = i18n.other_language(lang)
        ctx = {"request": request, "lang": lang, "other_lang": other,
               "switch_url": self.switch_url(request, other),
               "alternates": {code: self.switch_url(request, code) for code in i18n.LANGUAGES},
               "csrf_field": CSRF_FIELD, "csrf_token": csrf_form_value(_secret(request), cookie),
               **(context or {})}
        response = HTMLResponse(self.env.get_template(name).render(ctx), status_code=status)
        response.headers["content-language"] = lang
        secure = request.url.scheme == "https"
        if request.cookies.get(CSRF_COOKIE) != cookie:
            response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="lax", secure=secure, path="/")
        if request.query_params.get("lang") in i18n.LANGUAGES and request.cookies.get(LANG_COOKIE) != lang:
            response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=secure, path="/")
        if private:
            response.headers["cache-control"] = "no-store"
            response.headers["x-robots-tag"] = "noindex, nofollow"
        return response

    @staticmethod
    def csrf_valid(request: Request, submitted: str | None) -> bool:
        return csrf_ok(_secret(request), request.cookies.get(CSRF_COOKIE), submitted,
                       request.headers.get("sec-fetch-site"))
