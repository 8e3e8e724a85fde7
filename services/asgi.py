"""ASGI application factories, one per service, for uvicorn with several worker processes
(`cpr api SERVICE --workers N`) or any ASGI server: `uvicorn --factory services.asgi:scheduler`."""
from __future__ import annotations

from fastapi import FastAPI


def _build(name: str) -> FastAPI:
    from shared.http.app import create_app
    from shared.logs import configure_logging
    from shared.service import make_runtime
    from shared.settings import get_settings
    from services.registry import specs

    settings = get_settings()
    configure_logging(settings.log_level, name)
    return create_app(make_runtime(specs()[name], settings))


def notification_api() -> FastAPI:
    return _build("notification_api")


def scheduler() -> FastAPI:
    return _build("scheduler")


def dissemination() -> FastAPI:
    return _build("dissemination")
