"""Appointments from the approved list: refused unless approved, for the role and every type."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notification_api.rules.appointments import Candidate, check_appointment
from services.notification_api.rules.errors import RuleViolation
from services.notification_api.rules.susr import CONSTITUENT_TYPES

types = st.frozensets(st.sampled_from(CONSTITUENT_TYPES))
roles = st.frozensets(st.sampled_from(["chair", "reviewer"]))


@given(approved=types, covered=types.filter(bool), held=roles, role=st.sampled_from(["chair", "reviewer"]),
       active=st.booleans(), chair_taken=st.booleans())
def test_property_appointed_iff_active_in_role_and_approved_for_every_covered_type(
        approved, covered, held, role, active, chair_taken):
    who = Candidate("p1", active, held, approved)
    existing = [("p0", "chair")] if chair_taken else []
    ok = active and role in held and covered <= approved and not (role == "chair" and chair_taken)
    if ok:
        assert check_appointment(who, role, covered, existing) == role
    else:
        with pytest.raises(RuleViolation):
            check_appointment(who, role, covered, existing)


@pytest.mark.parametrize("candidate, role, covered, existing, code", [
    (None, "chair", ["cpr"], [], "not_on_approved_list"),
    (Candidate("p", False, frozenset({"chair"}), frozenset({"cpr"})), "chair", ["cpr"], [], "not_on_approved_list"),
    (Candidate("p", True, frozenset({"reviewer"}), frozenset({"cpr"})), "chair", ["cpr"], [], "not_approved_for_role"),
    (Candidate("p", True, frozenset({"chair"}), frozenset({"cpr"})), "chair", ["cpr", "dhr"], [],
     "not_approved_for_type"),
    (Candidate("p", True, frozenset({"chair"}), frozenset({"cpr"})), "chair", [], [], "not_a_review"),
    (Candidate("p", True, frozenset({"reviewer"}), frozenset({"cpr"})), "reviewer", ["cpr"], [("p", "reviewer")],
     "already_appointed"),
    (Candidate("p", True, frozenset({"chair"}), frozenset({"cpr"})), "chair", ["cpr"], [("q", "chair")],
     "chair_already_appointed"),
])
def test_each_refusal_names_its_rule(candidate, role, covered, existing, code):
    with pytest.raises(RuleViolation) as e:
        check_appointment(candidate, role, covered, existing)
    assert e.value.code == code
    if code == "not_approved_for_type":
        assert "dhr" in e.value.detail
