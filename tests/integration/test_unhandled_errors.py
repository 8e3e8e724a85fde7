"""An unexpected error answers problem+json with the correlation id the logs carry, and the
keep-alive connection survives it (issue 17: a 500 had no correlation_id and reset the
connection), over a real uvicorn server."""
from __future__ import annotations

import dataclasses
import io
import json
import logging

import httpx
from fastapi import APIRouter

from shared.http.app import create_app
from shared.logs import JsonFormatter
from tests.support import served

boom = APIRouter()


@boom.get("/v1/boom")
def _boom():
    raise RuntimeError("an unexpected bug")


def _local_port(response: httpx.Response):
    return response.extensions["network_stream"].get_extra_info("client_addr")


def test_a_500_carries_the_logged_correlation_id_and_keeps_the_connection(runtimes):
    rt = runtimes["scheduler"]
    app = create_app(dataclasses.replace(rt, spec=dataclasses.replace(rt.spec, routers=[*rt.spec.routers, boom])))
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(JsonFormatter("scheduler"))
    logging.getLogger().addHandler(handler)
    try:
        with served(app) as url, httpx.Client(timeout=10) as client:
            first = client.get(f"{url}/v1/boom", headers={"X-Correlation-ID": "probe-500-a1"})
            ports = [_local_port(first)]
            second = client.get(f"{url}/v1/boom")
            ports.append(_local_port(second))
            third = client.get(f"{url}/healthz")
            ports.append(_local_port(third))
    finally:
        logging.getLogger().removeHandler(handler)
    for r in (first, second):
        assert r.status_code == 500
        assert r.headers["content-type"].startswith("application/problem+json")
        body = r.json()
        assert body["status"] == 500 and body["type"].endswith("/internal-error")
        assert "unexpected bug" not in r.text  # the cause is logged, never told
        assert body["correlation_id"] == r.headers["x-correlation-id"]
        assert r.headers.get("x-content-type-options") == "nosniff"  # the security headers too
    assert first.json()["correlation_id"] == "probe-500-a1"
    assert third.status_code == 200
    # One connection for all three: the 500 did not close it.
    assert ports[0] == ports[1] == ports[2]
    logged = [json.loads(line) for line in captured.getvalue().splitlines() if line.startswith("{")]
    errors = [d for d in logged if d["level"] == "error" and "unexpected bug" in d.get("exception", "")]
    assert {d.get("correlation_id") for d in errors} == {first.json()["correlation_id"], second.json()["correlation_id"]}
