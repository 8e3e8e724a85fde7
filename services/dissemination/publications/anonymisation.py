"""The anonymisation gate: every text a publication carries, by field path, checked for
identifiers with shared.pii (NHS number with checksum, postcode, phone, email, date-of-birth
phrasing, and the configured names list). Pure: no I/O."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.pii import FieldFinding, check_fields


def text_fields(body: Mapping[str, Any]) -> dict[str, str | None]:
    """Field path -> text for a publication body (dicts as the request models dump them)."""
    out: dict[str, str | None] = {}
    for key in ("title", "summary"):
        value = body.get(key) or {}
        for lang in ("en", "cy"):
            out[f"{key}.{lang}"] = value.get(lang)
    for i, point in enumerate(body.get("learning_points") or []):
        for lang in ("en", "cy"):
            out[f"learning_points[{i}].{lang}"] = (point or {}).get(lang)
    for i, rec in enumerate(body.get("recommendations") or []):
        out[f"recommendations[{i}]"] = rec
    for i, doc in enumerate(body.get("documents") or []):
        out.update(document_fields(doc, prefix=f"documents[{i}]."))
    return out


def document_fields(doc: Mapping[str, Any], prefix: str = "") -> dict[str, str | None]:
    title = doc.get("title") or {}
    return {f"{prefix}title.en": title.get("en"), f"{prefix}title.cy": title.get("cy"),
            f"{prefix}url": doc.get("url")}


def gate(fields: Mapping[str, str | None], names: Sequence[str] = ()) -> list[FieldFinding]:
    """Findings (field and kind, never the text); empty means the texts may be stored."""
    return check_fields(fields, names)
