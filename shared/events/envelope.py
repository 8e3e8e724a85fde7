"""CloudEvents 1.0 structured-mode JSON envelope (https://cloudevents.io)."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.logs import correlation_id


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str
    source: str
    type: str
    time: datetime
    subject: str | None = None
    datacontenttype: Literal["application/json"] = "application/json"
    dataschema: str | None = None
    # CloudEvents extension attribute: lower-case letters only by the spec.
    correlationid: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)

    def to_json(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def from_json(cls, raw: bytes | str) -> Envelope:
        return cls.model_validate_json(raw)


def make_envelope(
    data: BaseModel,
    *,
    subject: str | None = None,
    source: str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
) -> Envelope:
    """Wrap a registered payload. Its type is the payload class's `@event_type` and its source
    the producing service's (`registry.PRODUCERS`); `source` is only for tests posing as a peer."""
    from shared.events.registry import producer_of, source_of, type_of

    name = type_of(data)
    return Envelope(
        id=event_id or str(uuid.uuid4()),
        source=source or source_of(producer_of(name)),
        type=name,
        time=time or datetime.now(UTC),
        subject=subject,
        dataschema=f"urn:cpr:schema:{name}",
        correlationid=correlation_id.get(),
        data=data.model_dump(mode="json"),
    )
