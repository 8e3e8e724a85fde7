"""The OpenAPI document integrators read: examples for every request body, a response model
on every route."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


def _resolve(doc, schema):
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def test_every_endpoint_has_examples_and_a_response_model(clients):
    doc = clients["notification_api"].get("/openapi.json").json()
    operations = [(path, method, op) for path, item in doc["paths"].items() if path.startswith("/v1/")
                  for method, op in item.items()]
    assert len(operations) == 19  # 11 CPR routes + the approved list (4), appointments (2), monitoring by type
    # and as distributions (2)
    for path, method, op in operations:
        ok = [code for code in op["responses"] if code.startswith("2")]
        assert ok, (path, method)
        schema = op["responses"][ok[0]]["content"]["application/json"]["schema"]
        assert "$ref" in schema or schema.get("type") == "array", (path, method, schema)
        if "requestBody" in op:
            body = _resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
            assert body.get("examples"), (path, method)
            assert body.get("additionalProperties") is False, (path, method)
