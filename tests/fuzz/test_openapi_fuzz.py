"""Schemathesis against each service's OpenAPI, as a board and as Welsh Government: no 5xx,
and every response (status, content type, body) matches what the document promises.

The apps are built once per module (their OpenAPI does not depend on the database); each
test points its app at that test's runtime (fresh databases) before calling it."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings as hsettings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from services.registry import specs
from shared.http.app import create_app
from shared.service import Runtime
from shared.settings import Settings

pytestmark = pytest.mark.integration

APPS = {name: create_app(Runtime(spec, Settings(), engine=None, transport=None)) for name, spec in specs().items()}
SCHEMAS = {name: schemathesis.openapi.from_asgi("/openapi.json", app) for name, app in APPS.items()}
# An oversized body is refused with 413 (Settings.max_body_bytes, documented on every
# operation); the negative-data check's default list of rejection statuses lacks it.
for _schema in SCHEMAS.values():
    _rejection = _schema.config.checks.negative_data_rejection
    if "413" not in _rejection.expected_statuses:
        _rejection.expected_statuses = [*_rejection.expected_statuses, "413"]
FUZZ = hsettings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture
def bind_apps(runtimes):
    for name, app in APPS.items():
        app.state.runtime = runtimes[name]
        app.state.rate_limiter.rate = 0  # the fuzzer is not a misbehaving client
    yield


# Schema-valid data may still be refused with a documented 422: the identifier checks on free
# text, date ordering against today, lifecycle rules, and the refusal of text a database
# cannot hold (NUL, unpaired surrogates: shared/http/types.py) cannot be written into a JSON
# Schema. Every other check runs, including no 5xx and response/schema conformance.
EXCLUDED = [positive_data_acceptance]


def _omits_the_key_on_purpose(case) -> bool:
    """A negative case whose headers leave out the declared `Authorization` (the documents
    declare the bearer key: issue 9). Sending our key anyway would make schemathesis see an
    invalid request accepted."""
    components = getattr(getattr(case, "meta", None), "components", None) or {}
    header = next((info for where, info in components.items() if getattr(where, "value", where) == "header"), None)
    negative = header is not None and getattr(header.mode, "value", header.mode) == "negative"
    return negative and "authorization" not in {k.lower() for k in (case.headers or {})}


def _call(case, keys):
    if _omits_the_key_on_purpose(case):
        case.call_and_validate(excluded_checks=EXCLUDED)  # no key: must be refused (401)
        return
    for headers in (keys.board("gwent"), keys.wg):
        case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)


@SCHEMAS["notification_api"].parametrize()
@FUZZ
def test_notification_api(case, keys, bind_apps):
    _call(case, keys)


@SCHEMAS["scheduler"].parametrize()
@FUZZ
def test_scheduler(case, keys, bind_apps):
    _call(case, keys)


@SCHEMAS["dissemination"].parametrize()
@FUZZ
def test_dissemination(case, keys, bind_apps):
    _call(case, keys)
