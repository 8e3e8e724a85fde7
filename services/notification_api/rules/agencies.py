"""Codes for the agencies involved with a child and family.

Codes, not free text: a free-text agency field is one more place a name or a
school could leak. The list follows the statutory partners and the agencies
the seed names; ``other`` covers the rest (details belong in the panel's own
records, not here).
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Iterable, Mapping

__all__ = ["AGENCIES", "unknown_agencies"]

AGENCIES: Mapping[str, str] = MappingProxyType(
    {
        "childrens_services": "Local authority children's services",
        "adult_services": "Local authority adult services",
        "education": "Education (school, college, local authority education)",
        "police": "Police",
        "health": "Health (when the body is not named more precisely)",
        "health_board": "Local health board",
        "nhs_trust": "NHS trust",
        "gp": "General practice",
        "probation": "Probation service",
        "cafcass_cymru": "CAFCASS Cymru",
        "youth_justice": "Youth justice / offending service",
        "ambulance": "Ambulance service",
        "public_health_wales": "Public Health Wales",
        "housing": "Housing",
        "third_sector": "Third sector organisation",
        "other": "Other agency",
    }
)


def unknown_agencies(codes: Iterable[str]) -> list[str]:
    """The codes that are not in AGENCIES, in the order given."""
    return [c for c in codes if c not in AGENCIES]
