"""Free text that carries identifiers of a child or family is refused, the same way in every
service: a 422 whose `errors` name each field, the kind of identifier and where it is
(`start`/`end` offsets into that field's text), never the text itself."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from shared.http.problems import Problem, field_error
from shared.pii import KINDS, FieldFinding, check_fields, message

# Fields that carry a professional's work name (participant display name and role, a meeting's
# organiser): names are allowed there, every other identifier kind is not.
NOT_NAMES = tuple(k for k in KINDS if k != "name")


def identifier_problem(findings: Sequence[FieldFinding]) -> Problem:
    errors = []
    for f in findings:
        error = field_error(f.field, f.message, f"identifier:{f.kind}")
        if f.start is not None:
            error.update(start=f.start, end=f.end)
        errors.append(error)
    return Problem(422, message(findings), slug="identifier-in-free-text", errors=errors)


def check_free_text(session, fields: Mapping[str, str | None], *, kinds: Iterable[str] | None = None) -> None:
    """The one check path for free text a request or event brings: the identifier patterns plus
    the configured names (`CPR_IDENTIFIER_NAMES`) of the runtime that opened this session.
    kinds=NOT_NAMES for fields holding a professional's work name (display name, role)."""
    from shared.service import settings_for

    reject_identifiers(fields, settings_for(session).identifier_names, kinds=kinds)


def reject_identifiers(fields: Mapping[str, str | None], names: Sequence[str] = (), *,
                       allow_terms: Iterable[str] = (), kinds: Iterable[str] | None = None) -> None:
    """Raise the 422 if any of these texts holds an identifier (names: the configured list;
    allow_terms: flagged words a person confirmed for this request; kinds: what to look for)."""
    findings = check_fields({k: v for k, v in fields.items() if v}, names, allow_terms=allow_terms, kinds=kinds)
    if findings:
        raise identifier_problem(findings)
