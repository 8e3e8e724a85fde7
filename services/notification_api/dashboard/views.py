"""The dashboards: Welsh Government's national view, one board's view, the open and overdue
reviews, and a review's timeline. Signed-in pages (shared/web/signin.PagePrincipalDep), thin:
each calls the same service function as the JSON API and scopes exactly as it does
(monitoring.service.monitoring / durations for the figures, reviews.service.list_reviews and
read_review for the reviews, which audit every review shown), then renders or downloads.

Every table on a page downloads as CSV and ODS from /dashboard/download/<table>.<csv|ods>
with the same query string, so a download is the table on the screen."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from shared.auth import Board, Principal
from shared.http.deps import SessionDep
from shared.http.problems import Problem
from shared.web import signin, tables
from shared.web.pages import Pages
from shared.web.signin import PagePrincipalDep
from services.notification_api.dashboard import figures
from services.notification_api.monitoring import service as monitoring
from services.notification_api.reviews import service as reviews
from services.notification_api.reviews.models import ReviewType

PAGES = Pages("services.notification_api")
router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
BoardQuery = Annotated[str | None, Query(max_length=64)]
# The lists the reviews page offers: overdue, or open reviews by status (list_reviews' filters).
LISTS = {"overdue": {"overdue": True}, **{s: {"status": s} for s in reviews.OPEN_STATUSES}}

ERRORS = {404: ("Page not found", "Heb ddod o hyd i'r dudalen",
                "There is nothing here for your organisation. Check the address, or go back to the dashboard.",
                "Nid oes dim yma i'ch sefydliad. Gwiriwch y cyfeiriad, neu ewch yn ôl i'r dangosfwrdd."),
          403: ("You cannot see these figures", "Ni allwch weld y ffigurau hyn",
                "A board sees its own board's figures only; Welsh Government sees every board's.",
                "Mae bwrdd yn gweld ffigurau ei fwrdd ei hun yn unig; mae Llywodraeth Cymru yn gweld ffigurau pob bwrdd."),
          422: ("There is a problem", "Mae problem", "Something in the address is not valid. Go back to the dashboard.",
                "Nid yw rhywbeth yn y cyfeiriad yn ddilys. Ewch yn ôl i'r dangosfwrdd.")}


def names(session: Session, lang: str) -> figures.Names:
    boards = {b.code: (b.name_cy if lang == "cy" else b.name_en) for b in session.exec(select(Board)).all()}
    types = {t.code: (t.name_cy if lang == "cy" else t.name_en) for t in session.exec(select(ReviewType)).all()}
    for code, (en, cy) in figures.OUTCOME_NAMES.items():
        types.setdefault(code, cy if lang == "cy" else en)
    return figures.Names(lang, boards, types)


def known_board(session: Session, board: str | None) -> None:
    """A board in the address must be one of ours (a page never echoes an unknown code); whether
    this reader may see it is the service functions' rule, as in the API."""
    if board is not None and session.get(Board, board) is None:
        raise Problem(404, "No such board.")


def _render(request: Request, session: Session, template: str, ctx: dict, principal: Principal,
            status: int = 200) -> Response:
    """Every dashboard page: private (no-store, noindex), with who is signed in and sign-out."""
    return PAGES.render(request, template, {"principal": principal, **signin.account_context(request, session), **ctx},
                        status=status, private=True)


def _error(request: Request, session: Session, principal: Principal, problem: Problem) -> Response:
    hen, hcy, men, mcy = ERRORS.get(problem.status, ERRORS[422])
    lang = PAGES.language(request)
    return _render(request, session, "dashboard/error.html", {"heading": hcy if lang == "cy" else hen,
                                                      "message": mcy if lang == "cy" else men},
                   principal, status=problem.status)


# -- the figures ----------------------------------------------------------------------------

def dashboard_sections(session: Session, principal: Principal, board: str | None, lang: str) -> list[figures.Section]:
    """The same two service functions as GET /v1/monitoring and /v1/monitoring/durations."""
    return figures.sections(monitoring.monitoring(session, principal, board),
                            monitoring.durations(session, principal, board), names(session, lang))


@router.get("/dashboard")
def dashboard(request: Request, session: SessionDep, principal: PagePrincipalDep, board: BoardQuery = None):
    lang = PAGES.language(request)
    try:
        known_board(session, board)
        sections = dashboard_sections(session, principal, board, lang)
    except Problem as problem:
        return _error(request, session, principal, problem)
    n = names(session, lang)
    national = principal.welsh_government and not board
    scope = n.board(figures.WALES) if national else n.board(board or principal.board_code)
    board_list = sorted(n.boards.items(), key=lambda kv: kv[1]) if principal.welsh_government else []
    return _render(request, session, "dashboard/home.html", {
        "sections": sections, "national": national, "scope": scope, "board": board, "board_list": board_list,
        "query": request.url.query, "as_of": reviews.today()}, principal)


# -- the reviews ----------------------------------------------------------------------------

def review_list(session: Session, principal: Principal, show: str, board: str | None, cursor: str | None,
                n: figures.Names) -> tuple[tables.Table, str | None]:
    """One page of list_reviews (GET /v1/reviews' function: it scopes and audits each review)."""
    rows, next_cursor = reviews.list_reviews(session, principal, status=LISTS[show].get("status"), type=None,
                                             board=board, overdue=LISTS[show].get("overdue"), decided_from=None,
                                             decided_to=None, limit=PAGE_SIZE, cursor=cursor)
    on = reviews.today()
    body = [[r.board_reference, n.board(r.board_code), status_name(r.status, n.lang),
             n.type(r.outcome) if r.outcome else None, r.decided_on.isoformat() if r.decided_on else None,
             r.target_completion_date.isoformat() if r.target_completion_date else None,
             (on - r.target_completion_date).days if reviews.is_overdue(r, on) else None] for r in rows]
    caption = {"overdue": n.t("Overdue reviews", "Adolygiadau hwyr")}.get(show) or status_name(show, n.lang)
    table = tables.Table("reviews", caption,
                         [n.t("Board's reference", "Cyfeirnod y bwrdd"), n.t("Board", "Bwrdd"), n.t("Status", "Statws"),
                          n.t("Decision", "Penderfyniad"), n.t("Decided on", "Dyddiad y penderfyniad"),
                          n.t("Target date", "Dyddiad targed"), n.t("Days past target", "Diwrnodau dros y targed")],
                         body, [f"/dashboard/reviews/{r.id}" for r in rows])
    return table, next_cursor


STATUS_NAMES = {"referred": ("Referred, awaiting decision", "Wedi'i atgyfeirio, yn aros am benderfyniad"),
                "in_progress": ("In progress", "Ar y gweill"), "report_approved": ("Report approved", "Adroddiad wedi'i gymeradwyo"),
                "published": ("Published", "Wedi'i gyhoeddi"), "closed": ("Closed", "Wedi'i gau")}


def status_name(status: str, lang: str) -> str:
    en, cy = STATUS_NAMES.get(status, (status, status))
    return cy if lang == "cy" else en


def _list_params(show: str | None, cursor: str | None) -> str:
    if show is not None and show not in LISTS:
        raise Problem(422, "Unknown list.")
    return show or "overdue"


@router.get("/dashboard/reviews")
def reviews_page(request: Request, session: SessionDep, principal: PagePrincipalDep, board: BoardQuery = None,
                 show: Annotated[str | None, Query(max_length=32)] = None,
                 cursor: Annotated[str | None, Query(max_length=500)] = None):
    lang = PAGES.language(request)
    n = names(session, lang)
    try:
        known_board(session, board)
        which = _list_params(show, cursor)
        table, next_cursor = review_list(session, principal, which, board, cursor, n)
    except Problem as problem:
        session.rollback()
        return _error(request, session, principal, problem)
    session.commit()  # the list's audit rows
    lists = [(k, table.caption if k == which else ({"overdue": n.t("Overdue", "Hwyr")}.get(k) or status_name(k, lang)))
             for k in LISTS]
    return _render(request, session, "dashboard/reviews.html", {
        "table": table, "next_cursor": next_cursor, "show": which, "lists": lists, "board": board,
        "scope": n.board(principal.board_code) if not principal.welsh_government
        else n.board(board or figures.WALES),
        "query": request.url.query}, principal)


MILESTONE_NAMES = {
    "panel_convened": ("Review panel convened", "Panel adolygu wedi'i gynnull"),
    "reviewers_appointed": ("Reviewers appointed", "Adolygwyr wedi'u penodi"),
    "terms_of_reference_agreed": ("Terms of reference agreed", "Cylch gorchwyl wedi'i gytuno"),
    "timeline_completed": ("Timeline of events completed", "Llinell amser digwyddiadau wedi'i chwblhau"),
    "learning_event_held": ("Learning event held", "Digwyddiad dysgu wedi'i gynnal"),
    "family_involvement_recorded": ("Family involvement recorded", "Cyfranogiad y teulu wedi'i gofnodi"),
    "report_drafted": ("Report drafted", "Adroddiad wedi'i ddrafftio"),
    "report_approved": ("Report approved", "Adroddiad wedi'i gymeradwyo"),
    "report_sent_to_welsh_government": ("Report sent to Welsh Government", "Adroddiad wedi'i anfon at Lywodraeth Cymru"),
    "report_published": ("Report published", "Adroddiad wedi'i gyhoeddi"),
    "action_plan_agreed": ("Action plan agreed", "Cynllun gweithredu wedi'i gytuno"),
    "action_plan_completed": ("Action plan completed", "Cynllun gweithredu wedi'i gwblhau"),
}


def milestone_name(code: str, lang: str) -> str:
    return MILESTONE_NAMES.get(code, (code, code))[1 if lang == "cy" else 0]


def review_tables(detail: dict, n: figures.Names) -> dict[str, tables.Table]:
    """A review's milestones and proceedings as tables (on its page, and as downloads)."""
    return {
        "milestones": tables.Table("milestones", n.t("Milestones", "Cerrig milltir"),
                                   [n.t("Milestone", "Carreg filltir"), n.t("Date", "Dyddiad"), n.t("Note", "Nodyn")],
                                   [[milestone_name(m["milestone"], n.lang), m["date"].isoformat(), m["note"]]
                                    for m in detail["milestones"]]),
        "proceedings": tables.Table("proceedings", n.t("Proceedings running alongside the review",
                                                       "Achosion yn rhedeg ochr yn ochr â'r adolygiad"),
                                    [n.t("Kind", "Math"), n.t("Started", "Dechreuwyd"), n.t("Concluded", "Daeth i ben")],
                                    [[n.delay(p["kind"]), p["started_on"].isoformat(),
                                      p["ended_on"].isoformat() if p["ended_on"] else None]
                                     for p in detail["proceedings"]])}


def _read(session: Session, principal: Principal, review_id: str):
    """read_review (GET /v1/reviews/{id}'s function: 404 for another board's review, the read
    audited) and the API's own detail of it; committed (the audit row)."""
    review = reviews.read_review(session, principal, review_id)
    detail = reviews.detail(session, review)
    session.commit()
    return review, detail


@router.get("/dashboard/reviews/{review_id}")
def review_page(review_id: str, request: Request, session: SessionDep, principal: PagePrincipalDep):
    """A review's timeline: its decision, target, milestones and proceedings."""
    lang = PAGES.language(request)
    try:
        review, detail = _read(session, principal, review_id)
    except Problem as problem:
        return _error(request, session, principal, problem)
    n = names(session, lang)
    milestones = [(m["date"], milestone_name(m["milestone"], lang), m["note"]) for m in detail["milestones"]]
    plan = f"{request.app.state.runtime.settings.base_url('scheduler')}/v1/reviews/{review.id}/plan"
    return _render(request, session, "dashboard/review.html", {
        "review": detail, "board_name": n.board(review.board_code), "status": status_name(review.status, lang),
        "decision": n.type(review.outcome) if review.outcome else None, "milestones": milestones,
        "proceedings": [(n.delay(p["kind"]), p["started_on"], p["ended_on"]) for p in detail["proceedings"]],
        "tables": review_tables(detail, n), "query": request.url.query,
        "delay_reasons": [n.delay(k) for k in (detail["timescale"] or {}).get("delay_reasons", [])],
        "plan_url": plan}, principal)


# -- downloads ------------------------------------------------------------------------------

FORMATS = {"csv": (tables.to_csv, tables.CSV_TYPE), "ods": (tables.to_ods, tables.ODS_TYPE)}


@router.get("/dashboard/download/{filename}")
def download(filename: str, request: Request, session: SessionDep, principal: PagePrincipalDep,
             board: BoardQuery = None, show: Annotated[str | None, Query(max_length=32)] = None,
             cursor: Annotated[str | None, Query(max_length=500)] = None):
    """A table of the dashboard (or of the reviews page) as CSV or ODS, in the page's language."""
    name, _, ext = filename.rpartition(".")
    lang = PAGES.language(request)
    try:
        known_board(session, board)
        if ext not in FORMATS:
            raise Problem(404, "No such download.")
        if name == "reviews":
            table, _ = review_list(session, principal, _list_params(show, cursor), board, cursor, names(session, lang))
            session.commit()  # a download of the list is a read of each review in it, as the page is
        elif name in figures.FROM_MONITORING:
            table = figures.FROM_MONITORING[name](monitoring.monitoring(session, principal, board),
                                                  names(session, lang)).table
        elif name in figures.FROM_DURATIONS:
            table = figures.distribution(monitoring.durations(session, principal, board), name,
                                         names(session, lang)).table
        else:
            raise Problem(404, "No such download.")
    except Problem as problem:
        session.rollback()
        return _error(request, session, principal, problem)
    write, media_type = FORMATS[ext]
    scope = board or ("wales" if principal.welsh_government else principal.board_code)
    stem = f"cpr-{table.name}-{scope}-{reviews.today().isoformat()}"  # scope: a known board code
    return Response(write(table), media_type=media_type, headers={
        "content-disposition": f'attachment; filename="{stem}.{ext}"', "cache-control": "no-store",
        "content-language": lang})


@router.get("/dashboard/reviews/{review_id}/download/{filename}")
def review_download(review_id: str, filename: str, request: Request, session: SessionDep,
                    principal: PagePrincipalDep):
    """A review's milestones or proceedings as CSV or ODS: a read of the review, audited."""
    name, _, ext = filename.rpartition(".")
    lang = PAGES.language(request)
    try:
        if ext not in FORMATS or name not in ("milestones", "proceedings"):
            raise Problem(404, "No such download.")
        review, detail = _read(session, principal, review_id)
    except Problem as problem:
        return _error(request, session, principal, problem)
    write, media_type = FORMATS[ext]
    table = review_tables(detail, names(session, lang))[name]
    return Response(write(table), media_type=media_type, headers={
        "content-disposition": f'attachment; filename="cpr-review-{review.id}-{name}.{ext}"',
        "cache-control": "no-store", "content-language": lang})
