from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notification_api.rules.criteria import CriteriaAssessment
from services.notification_api.rules.errors import RuleViolation
from services.notification_api.rules.lifecycle import (
    MILESTONES,
    Milestone,
    ReviewState,
    Status,
    apply_milestone,
    can_close,
    close,
    decide,
    departs_from_criteria,
    milestone_repost,
    record_milestone,
)

TODAY = date(2024, 6, 30)
DECIDED = date(2024, 1, 10)
MET_CONCISE = CriteriaAssessment(True, "concise_cpr", ["met"])
MET_EXTENDED = CriteriaAssessment(True, "extended_cpr", ["met"])
NOT_MET = CriteriaAssessment(False, None, ["not met"])


def decided(outcome="concise_cpr", **milestones):
    return ReviewState(status="in_progress", outcome=outcome, decided_on=DECIDED, milestones=milestones)


def violation(fn, *args):
    with pytest.raises(RuleViolation) as exc:
        fn(*args)
    return exc.value


# --- decisions ---------------------------------------------------------------

DEPARTURES = [
    (MET_CONCISE, "concise_cpr", False),
    (MET_CONCISE, "extended_cpr", True),
    (MET_CONCISE, "mapf", True),
    (MET_CONCISE, "no_review", True),
    (MET_EXTENDED, "extended_cpr", False),
    (MET_EXTENDED, "concise_cpr", True),
    (NOT_MET, "concise_cpr", True),
    (NOT_MET, "extended_cpr", True),
    (NOT_MET, "mapf", False),
    (NOT_MET, "no_review", False),
]


@pytest.mark.parametrize("assessment, outcome, departs", DEPARTURES)
def test_departure_table(assessment, outcome, departs):
    assert departs_from_criteria(assessment, outcome) is departs


@pytest.mark.parametrize("assessment, outcome, departs", DEPARTURES)
@pytest.mark.parametrize("rationale", [None, "", "   \n"])
def test_departing_decision_needs_non_blank_rationale(assessment, outcome, departs, rationale):
    if departs:
        err = violation(decide, ReviewState(), outcome, DECIDED, rationale, assessment, TODAY)
        assert (err.status, err.code) == (422, "rationale_required")
        assert "rationale" in err.detail and outcome in err.detail
    else:
        result = decide(ReviewState(), outcome, DECIDED, rationale, assessment, TODAY)
        assert result.departs_from_criteria is False and result.rationale is None


def test_departing_decision_with_rationale_is_stored_and_flagged():
    result = decide(ReviewState(), "mapf", DECIDED, "  Family declined; learning is narrow. ", MET_CONCISE, TODAY)
    assert result.departs_from_criteria is True
    assert result.rationale == "Family declined; learning is narrow."
    assert result.status is Status.IN_PROGRESS
    assert result.state.outcome == "mapf" and result.state.decided_on == DECIDED


def test_no_review_closes_straight_away_and_allows_no_milestones():
    result = decide(ReviewState(), "no_review", DECIDED, None, NOT_MET, TODAY)
    assert result.status is Status.CLOSED
    err = violation(record_milestone, result.state, "panel_convened", DECIDED, TODAY)
    assert (err.status, err.code) == (409, "no_review_decision")


def test_decision_only_once():
    state = decide(ReviewState(), "concise_cpr", DECIDED, None, MET_CONCISE, TODAY).state
    err = violation(decide, state, "concise_cpr", DECIDED, None, MET_CONCISE, TODAY)
    assert (err.status, err.code) == (409, "decision_already_recorded")


def test_decision_dates():
    err = violation(decide, ReviewState(), "concise_cpr", TODAY + timedelta(days=1), None, MET_CONCISE, TODAY)
    assert (err.status, err.code) == (422, "decision_in_future")
    state = ReviewState(referred_on=date(2024, 2, 1))
    err = violation(decide, state, "concise_cpr", date(2024, 1, 31), None, MET_CONCISE, TODAY)
    assert (err.status, err.code) == (422, "decision_before_referral")
    assert decide(state, "concise_cpr", TODAY, None, MET_CONCISE, TODAY).status is Status.IN_PROGRESS


def test_unknown_outcome_is_422():
    err = violation(decide, ReviewState(), "full_review", DECIDED, "x", MET_CONCISE, TODAY)
    assert (err.status, err.code) == (422, "unknown_outcome")


# --- milestones ----------------------------------------------------------------


def test_milestone_codes_are_exact():
    assert [m.value for m in MILESTONES] == [
        "panel_convened", "reviewers_appointed", "terms_of_reference_agreed",
        "timeline_completed", "learning_event_held", "family_involvement_recorded",
        "report_drafted", "report_approved", "report_sent_to_welsh_government",
        "report_published", "action_plan_agreed", "action_plan_completed",
    ]


def test_no_milestone_before_decision():
    err = violation(record_milestone, ReviewState(), "panel_convened", DECIDED, TODAY)
    assert (err.status, err.code) == (409, "no_decision_recorded")
    assert "no decision recorded" in err.detail


def test_milestone_dates_must_lie_between_decision_and_today():
    err = violation(record_milestone, decided(), "panel_convened", DECIDED - timedelta(days=1), TODAY)
    assert (err.status, err.code) == (422, "milestone_before_decision")
    err = violation(record_milestone, decided(), "panel_convened", TODAY + timedelta(days=1), TODAY)
    assert (err.status, err.code) == (422, "milestone_in_future")
    assert record_milestone(decided(), "panel_convened", DECIDED, TODAY) is Status.IN_PROGRESS
    assert record_milestone(decided(), "panel_convened", TODAY, TODAY) is Status.IN_PROGRESS


def test_each_milestone_once_identical_vs_conflicting():
    state = decided(panel_convened=date(2024, 2, 1))
    assert milestone_repost(state, "panel_convened", date(2024, 2, 1)) == "identical"
    assert milestone_repost(state, "panel_convened", date(2024, 2, 2)) == "conflicting"
    assert milestone_repost(state, "report_drafted", date(2024, 2, 2)) == "new"
    err = violation(record_milestone, state, "panel_convened", date(2024, 2, 1), TODAY)
    assert (err.status, err.code) == (409, "milestone_already_recorded")
    assert "already recorded" in err.detail
    err = violation(record_milestone, state, "panel_convened", date(2024, 2, 2), TODAY)
    assert (err.status, err.code) == (409, "milestone_conflict")


def test_report_approved_needs_report_drafted_on_or_before():
    err = violation(record_milestone, decided(), "report_approved", date(2024, 5, 1), TODAY)
    assert (err.status, err.code) == (409, "milestone_prerequisite_missing")
    assert "report_drafted" in err.detail
    state = decided(report_drafted=date(2024, 5, 2))
    err = violation(record_milestone, state, "report_approved", date(2024, 5, 1), TODAY)
    assert (err.status, err.code) == (422, "milestone_before_prerequisite")
    assert record_milestone(state, "report_approved", date(2024, 5, 2), TODAY) is Status.REPORT_APPROVED


@pytest.mark.parametrize(
    "milestone, prereq",
    [
        ("report_sent_to_welsh_government", "report_approved"),
        ("report_published", "report_approved"),
        ("action_plan_completed", "action_plan_agreed"),
    ],
)
def test_other_prerequisites(milestone, prereq):
    err = violation(record_milestone, decided(), milestone, date(2024, 5, 1), TODAY)
    assert err.code == "milestone_prerequisite_missing" and prereq in err.detail


def test_learning_event_does_not_need_panel_convened():
    # recorded automatically from the scheduler's meeting.held event
    assert record_milestone(decided(), "learning_event_held", date(2024, 3, 1), TODAY) is Status.IN_PROGRESS


def test_mapf_records_milestones():
    assert record_milestone(decided("mapf"), "learning_event_held", date(2024, 3, 1), TODAY) is Status.IN_PROGRESS


def test_status_path_to_published_and_closed():
    state = decided()
    for m, d in [
        ("panel_convened", date(2024, 1, 20)),
        ("report_drafted", date(2024, 4, 1)),
        ("report_approved", date(2024, 5, 1)),
        ("report_sent_to_welsh_government", date(2024, 5, 2)),
    ]:
        state = apply_milestone(state, m, d, TODAY)
    assert state.status is Status.REPORT_APPROVED
    assert not can_close(state)
    err = violation(close, state, date(2024, 6, 1), TODAY)
    assert (err.status, err.code) == (409, "not_ready_to_close")
    state = apply_milestone(state, "report_published", date(2024, 6, 1), TODAY)
    assert state.status is Status.PUBLISHED
    # a later non-status milestone never moves the status back
    state = apply_milestone(state, "action_plan_agreed", date(2024, 6, 2), TODAY)
    assert state.status is Status.PUBLISHED
    err = violation(close, state, date(2024, 6, 1), TODAY)
    assert (err.status, err.code) == (422, "close_before_last_event")
    closed = close(state, date(2024, 6, 3), TODAY)
    assert closed.status is Status.CLOSED
    err = violation(record_milestone, closed, "action_plan_completed", date(2024, 6, 10), TODAY)
    assert (err.status, err.code) == (409, "review_closed")
    # an identical re-post after closing is still recognisable as identical
    assert milestone_repost(closed, "report_published", date(2024, 6, 1)) == "identical"
    err = violation(close, closed, date(2024, 6, 4), TODAY)
    assert (err.status, err.code) == (409, "already_closed")


def test_close_when_action_plan_completed_without_publication():
    state = decided(action_plan_agreed=date(2024, 3, 1), action_plan_completed=date(2024, 6, 1))
    assert close(state, date(2024, 6, 1), TODAY).status is Status.CLOSED
    err = violation(close, state, TODAY + timedelta(days=1), TODAY)
    assert (err.status, err.code) == (422, "close_in_future")


def test_close_mapf_after_learning_event_but_not_a_cpr():
    assert can_close(decided("mapf", learning_event_held=date(2024, 2, 1)))
    assert not can_close(decided("concise_cpr", learning_event_held=date(2024, 2, 1)))
    err = violation(close, ReviewState(), TODAY, TODAY)
    assert err.code == "no_decision_recorded"


def test_unknown_milestone_is_422():
    err = violation(record_milestone, decided(), "report_shredded", DECIDED, TODAY)
    assert (err.status, err.code) == (422, "unknown_milestone")


def test_state_is_immutable():
    state = decided(panel_convened=date(2024, 2, 1))
    with pytest.raises(TypeError):
        state.milestones["report_drafted"] = TODAY  # type: ignore[index]
    apply_milestone(state, "report_drafted", TODAY, TODAY)
    assert Milestone.REPORT_DRAFTED not in state.milestones


# --- property: any sequence of posts keeps the recorded history consistent ----

posts = st.lists(
    st.tuples(st.sampled_from(MILESTONES), st.integers(min_value=-5, max_value=200)),
    max_size=30,
)


@settings(max_examples=300)
@given(posts=posts)
def test_property_accepted_history_always_respects_the_rules(posts):
    state = decided()
    for milestone, offset in posts:
        on = DECIDED + timedelta(days=offset)
        try:
            state = apply_milestone(state, milestone, on, TODAY)
        except RuleViolation as err:
            assert err.status in (409, 422) and err.detail
            continue
    ms = state.milestones
    for d in ms.values():
        assert DECIDED <= d <= TODAY
    for later, earlier in [
        ("report_approved", "report_drafted"),
        ("report_sent_to_welsh_government", "report_approved"),
        ("report_published", "report_approved"),
        ("action_plan_completed", "action_plan_agreed"),
    ]:
        if later in ms:
            assert earlier in ms and ms[earlier] <= ms[later]
    expected = (
        Status.PUBLISHED if "report_published" in ms
        else Status.REPORT_APPROVED if "report_approved" in ms
        else Status.IN_PROGRESS
    )
    assert state.status is expected
