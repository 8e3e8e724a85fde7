"""Every request body in every service's OpenAPI document carries an example (integrators copy
them), the JSON examples on request models are accepted by those models, and the examples the
document publishes are the ones the models declare.

Issue 9 found the published monitoring example without its required `national`: FastAPI writes
the document with `exclude_none`, which drops every null inside examples too. The tests here did
not see it because they only validated *request* models' examples, and against the model (which
fills a missing optional field with None) rather than against the published document. Now every
model's examples are compared with what is published, and tests/unit/test_published_schemas.py
validates every published example against its published schema with ajv."""
from __future__ import annotations

import json

import pytest

from services.registry import specs
from shared.http.app import create_app
from shared.http.types import RequestModel
from shared.service import Runtime
from shared.settings import Settings

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    return {name: create_app(Runtime(spec, Settings(), None, None)).openapi() for name, spec in specs().items()}


def _resolve(doc: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if not ref:
        return schema
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _has_example(doc: dict, schema: dict | None) -> bool:
    if not isinstance(schema, dict):
        return False
    schema = _resolve(doc, schema)
    if schema.get("examples") or "example" in schema:
        return True
    # An optional body is `anyOf: [{$ref}, {type: null}]`: the model's examples count.
    branches = [b for b in schema.get("anyOf", []) + schema.get("oneOf", []) if b.get("type") != "null"]
    return bool(branches) and all(_has_example(doc, b) for b in branches)


def _missing(doc: dict) -> list[str]:
    missing = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            body = (item.get(method) or {}).get("requestBody")
            if body is None:
                continue
            body = _resolve(doc, body)
            for media_type, media in body.get("content", {}).items():
                if "example" in media or media.get("examples"):
                    continue
                if not _has_example(doc, media.get("schema")):
                    missing.append(f"{method.upper()} {path} ({media_type})")
    return missing


@pytest.mark.parametrize("service", sorted(specs()))
def test_every_request_body_has_an_example(documents, service):
    missing = _missing(documents[service])
    assert not missing, f"{service}: request bodies without an example:\n  " + "\n  ".join(missing)


def _request_models() -> dict[str, list[type[RequestModel]]]:
    found: dict[str, list[type[RequestModel]]] = {}
    pending = list(RequestModel.__subclasses__())
    while pending:
        cls = pending.pop()
        found.setdefault(cls.__name__, []).append(cls)
        pending.extend(cls.__subclasses__())
    return found


@pytest.mark.parametrize("service", sorted(specs()))
def test_request_model_examples_are_accepted(documents, service):
    """An example the model itself refuses would be copied into a 422."""
    models = _request_models()
    refused = []
    for name, schema in documents[service].get("components", {}).get("schemas", {}).items():
        examples = schema.get("examples") or []
        candidates = models.get(name, [])
        if not examples or not candidates:
            continue
        assert len(candidates) == 1, f"two request models are named {name}: {candidates}"
        for i, example in enumerate(examples):
            try:
                candidates[0].model_validate_json(json.dumps(example))
            except ValueError as exc:
                refused.append(f"{name} examples[{i}]: {exc}")
    assert not refused, f"{service}: examples refused by their own model:\n" + "\n".join(refused)


def _models_with_examples() -> dict[str, list[type]]:
    from pydantic import BaseModel

    found: dict[str, list[type]] = {}
    pending = [BaseModel]
    while pending:
        for cls in pending.pop().__subclasses__():
            pending.append(cls)
            extra = (getattr(cls, "model_config", None) or {}).get("json_schema_extra")
            if isinstance(extra, dict) and "examples" in extra:
                found.setdefault(cls.__name__, []).append(cls)
    return found


@pytest.mark.parametrize("service", sorted(specs()))
def test_published_examples_are_the_models_examples_nulls_included(documents, service):
    """Request and response models alike: a null in an example (a nullable required field, or a
    PATCH that clears a field) must survive into the document."""
    from fastapi.encoders import jsonable_encoder

    models = _models_with_examples()
    schemas = documents[service].get("components", {}).get("schemas", {})
    compared = 0
    for name, schema in schemas.items():
        if name not in models or "examples" not in schema:
            continue
        [model] = models[name]
        assert schema["examples"] == jsonable_encoder(model.model_config["json_schema_extra"]["examples"]), name
        compared += 1
    assert compared, "no model examples compared"
