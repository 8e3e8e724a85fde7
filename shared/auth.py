"""API keys and principals. A key is random, shown once and stored only as HMAC-SHA-256
under the server secret (a password hash would cost milliseconds per request for nothing:
the key already has 256 bits of entropy). A principal is one board or Welsh Government."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Field, Session, SQLModel, select

from shared.db import UTCDateTime, utcnow

KEY_PREFIX = "cpr_"
WELSH_GOVERNMENT = "welsh-government"


class Board(SQLModel, table=True):
    """A regional Safeguarding Children Board: data, not code (boards merge and split)."""

    __tablename__ = "boards"

    code: str = Field(primary_key=True, max_length=64)
    name_en: str = Field(max_length=200)
    name_cy: str = Field(max_length=200)
    active: bool = True


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: str = Field(primary_key=True, max_length=36, default_factory=lambda: str(uuid.uuid4()))
    key_hash: str = Field(max_length=64, unique=True)
    # First characters of the key, safe to show, so an operator can tell keys apart.
    display_prefix: str = Field(max_length=16)
    board_code: str | None = Field(default=None, max_length=64, foreign_key="boards.code")
    welsh_government: bool = False
    label: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(sa_type=UTCDateTime, default_factory=utcnow)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


@dataclass(frozen=True)
class Principal:
    key_id: str
    board_code: str | None
    welsh_government: bool

    @property
    def name(self) -> str:
        return WELSH_GOVERNMENT if self.welsh_government else f"board:{self.board_code}"


def hash_key(secret_key: str, key: str) -> str:
    return hmac.new(secret_key.encode(), key.encode(), hashlib.sha256).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def new_api_key(secret_key: str, *, board_code: str | None, welsh_government: bool,
                label: str | None = None, key_id: str | None = None, key: str | None = None) -> tuple[ApiKey, str]:
    """Return the row to store and the key to show once. The same id and key can be stored
    in every service's database so that one key works on all three APIs."""
    if welsh_government == (board_code is not None):
        raise ValueError("a key belongs to exactly one board or to Welsh Government")
    key = key or generate_key()
    row = ApiKey(
        id=key_id or str(uuid.uuid4()),
        key_hash=hash_key(secret_key, key),
        display_prefix=key[:12],
        board_code=board_code,
        welsh_government=welsh_government,
        label=label,
    )
    return row, key


def authenticate(session: Session, secret_key: str, key: str) -> Principal | None:
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(secret_key, key))).first()
    if row is None or row.revoked_at is not None:
        return None
    return Principal(key_id=row.id, board_code=row.board_code, welsh_government=row.welsh_government)


SEED_BOARDS = [
    ("north-wales", "North Wales Safeguarding Board", "Bwrdd Diogelu Gogledd Cymru"),
    ("mid-and-west-wales", "Mid and West Wales Safeguarding Board (CYSUR)", "Bwrdd Diogelu Canolbarth a Gorllewin Cymru (CYSUR)"),
    ("west-glamorgan", "West Glamorgan Safeguarding Board", "Bwrdd Diogelu Gorllewin Morgannwg"),
    ("cwm-taf-morgannwg", "Cwm Taf Morgannwg Safeguarding Board", "Bwrdd Diogelu Cwm Taf Morgannwg"),
    ("cardiff-and-vale", "Cardiff and Vale of Glamorgan Regional Safeguarding Board", "Bwrdd Diogelu Rhanbarthol Caerdydd a Bro Morgannwg"),
    ("gwent", "Gwent Safeguarding Board", "Bwrdd Diogelu Gwent"),
]
