"""The published documents (three OpenAPI documents and docs/asyncapi.json) as clients no one
here wrote read them (issue 9): Redocly's recommended ruleset, ajv (JSON Schema 2020-12,
ECMA-262 unicode patterns) and @asyncapi/parser. The node scripts are in tests/js/."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.registry import specs
from shared.http.app import create_app
from shared.service import Runtime
from shared.settings import Settings
from tests.js_support import run_node

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI = ROOT / "docs" / "asyncapi.json"
SERVICES = sorted(specs())
PYDANTIC_KEYWORDS = {"ge", "le", "gt", "lt"}


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return {name: create_app(Runtime(spec, Settings(), None, None)).openapi() for name, spec in specs().items()}


@pytest.fixture(scope="module")
def files(documents, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("openapi")
    out = {}
    for name, doc in documents.items():
        out[name] = folder / f"{name}.json"
        out[name].write_text(json.dumps(doc))
    return out


def _keyword_leaks(node, path="") -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            # A key of `properties` is a field name, not a keyword.
            if key in PYDANTIC_KEYWORDS and not path.endswith("/properties"):
                found.append(f"{path}/{key}")
            found += _keyword_leaks(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _keyword_leaks(value, f"{path}/{i}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_no_pydantic_keyword_leaks_into_an_openapi_document(documents, service):
    """`ge`/`le` mean nothing to a client: the bounds must be `minimum`/`maximum`."""
    assert _keyword_leaks(documents[service]) == []


def test_no_pydantic_keyword_leaks_into_the_asyncapi_document():
    assert _keyword_leaks(json.loads(ASYNCAPI.read_text())) == []


def test_page_limits_are_published_as_minimum_and_maximum(documents):
    [limit] = [p for p in documents["dissemination"]["paths"]["/v1/feed"]["get"]["parameters"] if p["name"] == "limit"]
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 200)


def test_every_pattern_compiles_and_every_example_validates_in_ajv(files):
    result = run_node("published_schemas.mjs", *files.values(), packages=("ajv", "ajv-formats"))
    assert result["patterns"] == [], json.dumps(result["patterns"], indent=1)
    assert result["examples"] == [], json.dumps(result["examples"], indent=1)
    assert result["checked"]["patterns"] > 10 and result["checked"]["examples"] > 20  # it looked


def test_redocly_recommended_ruleset_reports_no_errors(files):
    result = run_node("redocly_lint.mjs", *files.values(), packages=("@redocly/cli",))
    errors = {name: [p for p in result[str(path)] if p["severity"] == "error"] for name, path in files.items()}
    assert errors == {name: [] for name in files}, json.dumps(errors, indent=1)


def test_asyncapi_parser_reads_the_catalogue_without_errors_and_every_message_has_an_id():
    result = run_node("asyncapi_parse.mjs", ASYNCAPI, packages=("@asyncapi/parser",))
    assert result["parsed"]
    assert [d for d in result["diagnostics"] if d["severity"] == 0] == []
    assert [d for d in result["diagnostics"] if "messageId" in d["code"]] == []
    assert None not in result["messages"] and len(set(result["messages"])) == len(result["messages"])


# -- security and headers (plain reading of the documents) ---------------------------------------
PUBLIC = {
    "notification_api": set(),
    "scheduler": set(),
    "dissemination": {("get", "/v1/publications"), ("get", "/v1/publications.atom"), ("get", "/v1/themes"),
                      ("get", "/v1/learning/themes")},
}
KEY_OR_PUBLIC = {("get", "/v1/publications/{publication_id}"),
                 ("get", "/v1/publications/{publication_id}/documents/{document_id}")}
OPERATIONS = {"/healthz", "/readyz", "/metrics"}


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield method, path, op


@pytest.mark.parametrize("service", SERVICES)
def test_bearer_keys_are_declared_and_public_operations_say_so(documents, service):
    doc = documents[service]
    assert doc["components"]["securitySchemes"] == {"apiKey": {
        "type": "http", "scheme": "bearer", "description": doc["components"]["securitySchemes"]["apiKey"]["description"]}}
    for method, path, op in _operations(doc):
        if path in OPERATIONS or (method, path) in PUBLIC[service]:
            assert op["security"] == [], (method, path)
        elif (method, path) in KEY_OR_PUBLIC:
            assert op["security"] == [{}, {"apiKey": []}], (method, path)
        else:
            assert op["security"] == [{"apiKey": []}], (method, path)


def test_public_operations_really_are_public_and_keyed_ones_really_need_a_key(documents):
    """The declared security agrees with the code: a route without a key is 401 exactly when
    its operation lists the key as required (FastAPI derives it from the same dependency)."""
    from fastapi.testclient import TestClient

    app = create_app(Runtime(specs()["dissemination"], Settings(), None, None))
    client = TestClient(app, raise_server_exceptions=False)
    for method, path, op in _operations(documents["dissemination"]):
        if method != "get" or "{" in path or path in OPERATIONS:
            continue
        status = client.get(path).status_code
        assert (status == 401) == (op["security"] == [{"apiKey": []}]), (path, status)


def _headers(op) -> set[str]:
    return {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}


# Creating operations that do not take an Idempotency-Key (a document upload is multipart).
NOT_IDEMPOTENT = {("dissemination", "post", "/v1/publications/{publication_id}/documents")}


@pytest.mark.parametrize("service", SERVICES)
def test_idempotency_key_is_declared_on_every_creating_operation(documents, service):
    """get_idempotency declares the header, so it is listed exactly where a route honours it."""
    for method, path, op in _operations(documents[service]):
        declared = "Idempotency-Key" in _headers(op)
        creates = method == "post" and "201" in op["responses"] and (service, method, path) not in NOT_IDEMPOTENT
        assert declared == creates, (method, path)
        if declared:
            [param] = [p for p in op["parameters"] if p["name"] == "Idempotency-Key"]
            assert param["required"] is False
            assert param["schema"] | {"description": None} == {
                "type": "string", "minLength": 1, "maxLength": 200, "title": "Idempotency-Key", "description": None}


def test_conditional_get_headers_are_declared_where_304_is_answered(documents):
    for service, doc in documents.items():
        for method, path, op in _operations(doc):
            answers_304 = "304" in op["responses"]
            assert answers_304 == ({"If-None-Match", "If-Modified-Since"} <= _headers(op)), (service, method, path)
