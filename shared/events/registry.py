"""Registry from versioned event type to payload model and JSON Schema.

Types look like `review.referred.v1`: the routing key is the type itself, so a breaking
change is a new type that consumers bind to explicitly.
"""
from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict

EVENT_TYPES: dict[str, type[BaseModel]] = {}


class Payload(BaseModel):
    """Base of every event payload: closed, so a producer cannot slip in an unexpected field."""

    model_config = ConfigDict(extra="forbid")

_TYPE_RE = re.compile(r"^[a-z_]+\.[a-z_]+\.v[0-9]+$")

M = TypeVar("M", bound=type[BaseModel])


class UnknownEventType(KeyError):
    pass


# Who publishes each event family (the type's first word): the one home of the CloudEvents
# `source`. Each family has one producing service; consumers may be several.
PRODUCERS = {"review": "notification_api", "meeting": "scheduler", "publication": "dissemination",
             "webhook": "dissemination"}


def source_of(service: str) -> str:
    """CloudEvents `source` of the events a service publishes."""
    return f"/cpr/{service}"


def producer_of(name: str) -> str:
    return PRODUCERS[name.split(".", 1)[0]]


def type_of(data: BaseModel) -> str:
    """The versioned event type a payload is registered under (its `@event_type`)."""
    name = getattr(type(data), "__event_type__", None)
    if name is None or EVENT_TYPES.get(name) is not type(data):
        raise TypeError(f"{type(data).__name__} is not a registered event payload (decorate it with @event_type)")
    return name


def event_type(name: str):
    """Class decorator registering a payload model under a versioned type."""
    if not _TYPE_RE.match(name):
        raise ValueError(f"event type {name!r} must look like 'noun.verb_ed.v1'")

    if name.split(".", 1)[0] not in PRODUCERS:
        raise ValueError(f"event type {name!r}: name its producing service in PRODUCERS")

    def register(model: M) -> M:
        if name in EVENT_TYPES and EVENT_TYPES[name] is not model:
            raise ValueError(f"event type {name} registered twice")
        EVENT_TYPES[name] = model
        model.__event_type__ = name  # type: ignore[attr-defined]
        return model

    return register


def payload_model(name: str) -> type[BaseModel]:
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise UnknownEventType(name) from None


def parse_payload(name: str, data: dict[str, Any]) -> BaseModel:
    return payload_model(name).model_validate(data)


def payload_schema(name: str) -> dict[str, Any]:
    schema = payload_model(name).model_json_schema()
    schema["$id"] = f"urn:cpr:schema:{name}"
    return schema


def routing_key(name: str) -> str:
    return name
