"""`Idempotency-Key` for creating endpoints: the same key and body replays the stored
response; the same key with another body is 409. The record is written in the same
transaction as the creation, so a retry after a lost response never creates twice."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import Column, Text
from sqlmodel import Field, Session, SQLModel

from shared.db import UTCDateTime, utcnow
from shared.http.deps import PrincipalDep, SessionDep
from shared.http.problems import Problem


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    key_id: str = Field(primary_key=True, max_length=36)
    idempotency_key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)


class Idempotency:
    def __init__(self, session: Session, key_id: str, key: str | None, request_hash: str):
        self.session = session
        self.key_id = key_id
        self.key = key
        self.request_hash = request_hash

    def replay(self) -> JSONResponse | None:
        if not self.key:
            return None
        record = self.session.get(IdempotencyRecord, (self.key_id, self.key))
        if record is None:
            return None
        if record.request_hash != self.request_hash:
            raise Problem(409, "This Idempotency-Key was already used with a different request body.",
                          slug="idempotency-key-reused")
        return JSONResponse(json.loads(record.response_body), status_code=record.status_code,
                            headers={"Idempotent-Replayed": "true"})

    def respond(self, status_code: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
        """Stage the record in the caller's transaction and build the response."""
        encoded = jsonable_encoder(body)
        if self.key:
            self.session.add(IdempotencyRecord(
                key_id=self.key_id, idempotency_key=self.key, request_hash=self.request_hash,
                status_code=status_code, response_body=json.dumps(encoded)))
        return JSONResponse(encoded, status_code=status_code, headers=headers)


async def get_idempotency(
    request: Request, session: SessionDep, principal: PrincipalDep,
    # `str` (not `str | None`): the published schema is a plain string; absent is the default.
    key: Annotated[str, Header(alias="Idempotency-Key", json_schema_extra={"minLength": 1, "maxLength": 200},
                                      description="Any unique string (e.g. a UUID) per intended creation: a retry "
                                                  "with the same key and body replays the first response "
                                                  "(`Idempotent-Replayed: true`); with another body, 409.")] = None,  # type: ignore[assignment]
) -> Idempotency:
    if key is not None and not (1 <= len(key) <= 200):
        raise Problem(400, "Idempotency-Key must be 1 to 200 characters.")
    body = await request.body()
    digest = hashlib.sha256(request.method.encode() + b" " + request.url.path.encode() + b"\n" + body).hexdigest()
    return Idempotency(session, principal.key_id, key, digest)


IdempotencyDep = Annotated[Idempotency, Depends(get_idempotency)]
