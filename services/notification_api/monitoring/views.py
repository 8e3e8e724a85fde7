from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from shared.http.deps import PrincipalDep, SessionDep
from services.notification_api.monitoring import service
from services.notification_api.monitoring.schemas import ByReviewTypePublic, DurationsPublic, MonitoringPublic

router = APIRouter(prefix="/v1/monitoring", tags=["monitoring"])

# Every monitoring view is scoped the same way (service._scope): one board, or all for Welsh Government.
BoardQuery = Annotated[str | None, Query(max_length=64, description="One board's figures.")]
ANOTHER_BOARD = {403: {"description": "A board asking for another board's figures"}}


@router.get("", response_model=MonitoringPublic, summary="Monitoring figures",
            description="Welsh Government: national figures and every board's; a board: its own. Notifications "
                        "by type and year; median and mean days from decision to report approval and to "
                        "publication; share completed within target; open and overdue counts; decision "
                        "consistency (departures from the criteria, MAPF and no-review rates); delay reasons. "
                        "Aggregates only, so not recorded in reviews' audit trails.",
            responses=ANOTHER_BOARD)
def monitoring(session: SessionDep, principal: PrincipalDep, board: BoardQuery = None):
    return service.monitoring(session, principal, board)


@router.get("/review-types", response_model=ByReviewTypePublic, summary="Monitoring by review type",
            description="Decided reviews by the review types they cover (a Single Unified Safeguarding Review "
                        "counts under each), open and overdue, and how many SUSRs covered more than one type "
                        "(the duplication the SUSR removes). Scoped as `/v1/monitoring`.",
            responses=ANOTHER_BOARD)
def by_review_type(session: SessionDep, principal: PrincipalDep, board: BoardQuery = None):
    return service.by_review_type(session, principal, board)


@router.get("/durations", response_model=DurationsPublic, summary="Time to report approval and publication, as distributions",
            description="Days from decision to report approval and to publication by review type: count, minimum, "
                        "quartiles, maximum and mean, against the type's target (the dashboard's box plots). "
                        "Scoped as `/v1/monitoring`, whose medians these are.",
            responses=ANOTHER_BOARD)
def durations(session: SessionDep, principal: PrincipalDep, board: BoardQuery = None):
    return service.durations(session, principal, board)
