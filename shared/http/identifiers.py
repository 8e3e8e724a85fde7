"""Free text that carries identifiers of a child or family is refused, the same way in every
service: a 422 whose `errors` name each field and the kind of identifier, never the text."""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from shared.http.problems import Problem, field_error
from shared.pii import FieldFinding, check_fields, message


def identifier_problem(findings: Sequence[FieldFinding]) -> Problem:
    return Problem(422, message(findings), slug="identifier-in-free-text", errors=[
        field_error(f.field, f.message, f"identifier:{f.kind}") for f in findings])


def check_free_text(session, fields: Mapping[str, str | None]) -> None:
    """The one check path for free text a request or event brings: the identifier patterns plus
    the configured names (`CPR_IDENTIFIER_NAMES`) of the runtime that opened this session."""
    from shared.service import settings_for

    reject_identifiers(fields, settings_for(session).identifier_names)


def reject_identifiers(fields: Mapping[str, str | None], names: Sequence[str] = ()) -> None:
    """Raise the 422 if any of these texts holds an identifier (names: the configured list)."""
    findings = check_fields({k: v for k, v in fields.items() if v}, names)
    if findings:
        raise identifier_problem(findings)
