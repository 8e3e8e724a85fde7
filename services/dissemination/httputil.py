"""Small HTTP helpers this service's routers share: optional auth, base URL and conditional
GET (ETag / Last-Modified). Language negotiation is shared/web/i18n.py's, for pages and API alike."""
from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import Response

from shared.auth import Principal
from shared.http.deps import SessionDep, get_principal


def optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """The caller if a key is sent (a bad key is still 401); None for the public."""
    if not request.headers.get("authorization"):
        return None
    return get_principal(request, session)


OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal)]


def conditional_headers(
    if_none_match: Annotated[str, Header(alias="If-None-Match", description=(
        "ETag(s) of the copy you hold: 304 Not Modified if it is still current."))] = None,  # type: ignore[assignment]
    if_modified_since: Annotated[str, Header(alias="If-Modified-Since", description=(
        "HTTP date of the copy you hold: 304 if unchanged since (If-None-Match wins when both are sent)."))] = None,  # type: ignore[assignment]
) -> None:
    """Declares the conditional-GET headers `conditional` honours, so the OpenAPI document lists
    them on the routes that answer 304 (`dependencies=[Depends(conditional_headers)]`)."""


ConditionalHeaders = [Depends(conditional_headers)]


def base_url(request: Request) -> str:
    configured = request.app.state.runtime.settings.public_base_url
    return (configured or str(request.base_url)).rstrip("/")


def http_date(dt: datetime) -> str:
    return format_datetime(dt.astimezone(UTC).replace(microsecond=0), usegmt=True)


def conditional(request: Request, body: bytes, media_type: str, last_modified: datetime | None,
                cache_control: str = "no-cache") -> Response:
    """200 with ETag (hash of the exact bytes) and Last-Modified, or 304 when the client's copy
    is current. If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2)."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    headers = {"ETag": etag, "Cache-Control": cache_control, "Vary": "Authorization, Accept-Language"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified)
    inm = request.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        if "*" in tags or etag in tags:
            return Response(status_code=304, headers=headers)
    elif last_modified is not None and (ims := request.headers.get("if-modified-since")):
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            since = None
        if since is not None and since.tzinfo is not None and last_modified.replace(microsecond=0) <= since:
            return Response(status_code=304, headers=headers)
    return Response(content=body, media_type=media_type, headers=headers)
