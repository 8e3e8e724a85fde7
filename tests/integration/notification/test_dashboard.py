"""The dashboards on PostgreSQL, signed in with the quick start's key sign-in: the figures in the
pages and in their CSV and ODS downloads (read back with pandas: its csv reader and odfpy) are
the figures `GET /v1/monitoring` and `/v1/monitoring/durations` return; a board reaches neither
another board's figures nor its reviews by editing the address (the API's 403 and 404); a
review's timeline page is audited as the API's read is."""
from __future__ import annotations

import io
import re
import statistics

import pandas as pd
import pytest
from sqlalchemy import text

from services.notification_api.dashboard import figures
from tests.integration.notification.conftest import TODAY
from tests.integration.notification.test_monitoring import make_dataset, seed
from tests.signin_support import sign_in_client

pytestmark = pytest.mark.integration


@pytest.fixture
def seeded(engine):
    dataset = make_dataset()
    seed(engine, dataset)
    return dataset


@pytest.fixture
def wg(clients, keys):
    from fastapi.testclient import TestClient

    with TestClient(clients["notification_api"].app, raise_server_exceptions=False) as client:
        sign_in_client(client, keys.welsh_government)
        yield client


@pytest.fixture
def gwent(clients, keys):
    from fastapi.testclient import TestClient

    with TestClient(clients["notification_api"].app, raise_server_exceptions=False) as client:
        sign_in_client(client, keys.boards["gwent"])
        yield client


def _csv(client, name, query="") -> pd.DataFrame:
    r = client.get(f"/dashboard/download/{name}.csv{query}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith("attachment;")
    return pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")


def _ods(client, name, query="", base="/dashboard/download") -> pd.DataFrame:
    r = client.get(f"{base}/{name}.ods{query}")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.oasis.opendocument.spreadsheet"
    return pd.read_excel(io.BytesIO(r.content), engine="odf")


def _main(html: str) -> str:
    """The page's content (its <head> links to itself, in both languages)."""
    return html[html.index("<main"):html.index("</main>")]


def _none(v):
    return None if pd.isna(v) else v


def test_national_downloads_agree_with_the_monitoring_api(api, seeded, wg):
    mon = api.c.get("/v1/monitoring", headers=api.keys.wg).json()
    dur = api.c.get("/v1/monitoring/durations", headers=api.keys.wg).json()
    page = wg.get("/dashboard?lang=en")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"

    # Consistency: one row per scope, every count and rate as the API has it.
    for frame in (_csv(wg, "consistency", "?lang=en"), _ods(wg, "consistency", "?lang=en")):
        assert list(frame["Board"])[0] == "All Wales" and len(frame) == 1 + len(mon["boards"])
        rows = [mon["national"]] + mon["boards"]
        for (_, row), fig in zip(frame.iterrows(), rows, strict=True):
            c = fig["decision_consistency"]
            assert row["Decisions"] == c["decisions"] and row["Departures"] == c["departures"]
            assert _none(row["Departures (%)"]) == figures.percent(c["departure_share"])
            assert _none(row["MAPF (%)"]) == figures.percent(c["mapf_share"])
            assert _none(row["No review (%)"]) == figures.percent(c["no_review_share"])

    # Distributions: the medians are /v1/monitoring's medians, the quartiles the API's.
    for frame in (_csv(wg, "decision_to_report_approval", "?lang=en"),
                  _ods(wg, "decision_to_report_approval", "?lang=en")):
        assert len(frame) == sum(len(b["decision_to_report_approval"]) for b in [dur["national"], *dur["boards"]])
        wales = frame[frame["Board"] == "All Wales"]
        medians = sorted(float(v) for v in wales["Median"])
        api_medians = sorted(ts["decision_to_report_approval"]["median_days"]
                             for ts in mon["national"]["timescales"] if ts["decision_to_report_approval"]["count"])
        assert medians == api_medians
        assert list(wales["Reviews"].astype(int)) == [s["count"] for s in dur["national"]["decision_to_report_approval"]]

    # Notifications: the national counts by year.
    frame = _ods(wg, "notifications", "?lang=en")
    totals = {}
    for c in mon["national"]["notifications"]:
        totals[c["year"]] = totals.get(c["year"], 0) + c["count"]
    assert {int(y): int(t) for y, t in zip(frame["Year"], frame["Total"], strict=True)} == totals

    # Caseload and delays.
    frame = _csv(wg, "caseload", "?lang=en")
    assert list(frame["Overdue"]) == [mon["national"]["overdue"]] + [b["overdue"] for b in mon["boards"]]
    frame = _ods(wg, "delays", "?lang=en")
    assert int(frame["Proceedings"].sum()) == 2 * sum(d["proceedings"] for d in mon["national"]["delay_reasons"])

    # The page shows the same numbers: every table is on it, with its chart.
    html = page.text
    for name in ("caseload", "notifications", "decision_to_report_approval", "decision_to_publication",
                 "completion", "consistency", "delays"):
        assert f'id="table-{name}"' in html, name
        assert f"/dashboard/download/{name}.csv" in html and f"/dashboard/download/{name}.ods" in html
    assert html.count("<svg") >= 6
    assert f"<td>{mon['national']['decision_consistency']['decisions']}</td>" in html


def test_welsh_page_and_downloads(seeded, wg):
    page = wg.get("/dashboard?lang=cy")
    assert page.headers["content-language"] == "cy" and "Cysondeb penderfyniadau fesul bwrdd" in page.text
    frame = _ods(wg, "consistency", "?lang=cy")
    assert list(frame.columns)[:2] == ["Bwrdd", "Penderfyniadau"] and frame["Bwrdd"][0] == "Cymru gyfan"


def test_a_board_sees_its_own_figures_only(api, seeded, gwent):
    mon = api.c.get("/v1/monitoring", headers=api.h("gwent")).json()
    page = gwent.get("/dashboard?lang=en")
    assert page.status_code == 200
    assert "All Wales" not in page.text and "North Wales Safeguarding Board" not in page.text
    frame = _csv(gwent, "consistency", "?lang=en")
    assert list(frame["Board"]) == ["Gwent Safeguarding Board"]
    assert int(frame["Decisions"][0]) == mon["boards"][0]["decision_consistency"]["decisions"]
    # Editing the address: another board's figures are refused as the API refuses them.
    assert api.c.get("/v1/monitoring?board=north-wales", headers=api.h("gwent")).status_code == 403
    for path in ("/dashboard?board=north-wales", "/dashboard/download/consistency.csv?board=north-wales",
                 "/dashboard/download/delays.ods?board=north-wales"):
        r = gwent.get(path)
        assert r.status_code == 403, path
        assert "North Wales" not in r.text
    # An unknown board or table is not found, and the address's text is not echoed.
    r = gwent.get("/dashboard?board=zz-unknown-zz")
    assert r.status_code == 404 and "zz-unknown-zz" not in _main(r.text)
    assert gwent.get("/dashboard/download/nothing-here.csv").status_code == 404
    assert gwent.get("/dashboard/download/consistency.xlsx").status_code == 404


def _overdue_ids(engine, board=None):
    q = "SELECT id, board_code FROM reviews WHERE status = 'in_progress' AND target_completion_date < :today"
    with engine.connect() as conn:
        return {r.id: r.board_code for r in conn.execute(text(q), {"today": TODAY})}


def test_reviews_list_links_to_timelines_audited_and_scoped(api, engine, seeded, wg, gwent):
    overdue = _overdue_ids(engine)
    page = gwent.get("/dashboard/reviews?lang=en")
    assert page.status_code == 200
    linked = set(re.findall(r'href="/dashboard/reviews/([0-9a-f-]{36})"', page.text))
    assert linked and linked == {i for i, b in overdue.items() if b == "gwent"}
    # The same list downloads, and is the API's list.
    api_list = api.c.get("/v1/reviews?overdue=true&limit=50", headers=api.h("gwent")).json()["items"]
    frame = _ods(gwent, "reviews", "?lang=en")
    assert sorted(frame["Board's reference"]) == sorted(r["board_reference"] for r in api_list)

    # A review's timeline: audited like GET /v1/reviews/{id}.
    rid = sorted(linked)[0]
    with engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM review_audit WHERE review_id = :r AND what = 'review'"),
                              {"r": rid}).scalar()
    r = gwent.get(f"/dashboard/reviews/{rid}?lang=en")
    assert r.status_code == 200 and "Timeline of milestones" in r.text and "Overdue by" in r.text
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT principal, action FROM review_audit WHERE review_id = :r AND what = 'review'"),
                            {"r": rid}).all()
    assert len(rows) == before + 1 and rows[-1] == ("board:gwent", "read")

    # Another board's review: 404 as the API says, by editing the address; nothing audited.
    other = next(i for i, b in overdue.items() if b != "gwent")
    assert api.c.get(f"/v1/reviews/{other}", headers=api.h("gwent")).status_code == 404
    r = gwent.get(f"/dashboard/reviews/{other}")
    assert r.status_code == 404 and other not in _main(r.text)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM review_audit WHERE review_id = :r AND what = 'review'"),
                            {"r": other}).scalar() == 0
    # ... and another board's list shows nothing of theirs (the API's board filter within its scope).
    page = gwent.get("/dashboard/reviews?board=north-wales")
    assert not set(re.findall(r'href="/dashboard/reviews/([0-9a-f-]{36})"', page.text)) - linked
    # Welsh Government sees every board's overdue reviews.
    page = wg.get("/dashboard/reviews?show=overdue")
    assert len(re.findall(r'href="/dashboard/reviews/([0-9a-f-]{36})"', page.text)) == min(50, len(overdue))


def test_pages_need_a_signed_in_person(clients):
    r = clients["notification_api"].get("/dashboard", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/signin?next=%2Fdashboard")
    r = clients["notification_api"].get("/dashboard/download/consistency.csv", follow_redirects=False)
    assert r.status_code == 303


def test_durations_api_medians_are_the_monitoring_medians(api, seeded):
    """The box plots' median and /v1/monitoring's median come from one computation's inputs."""
    reviews, _ = seeded
    dur = api.c.get("/v1/monitoring/durations", headers=api.keys.wg).json()
    for s in dur["national"]["decision_to_report_approval"]:
        days = sorted((r.report_approved_on - r.decided_on).days for r in reviews
                      if r.review_type == s["type"] and r.report_approved_on)
        assert s["count"] == len(days) and s["median_days"] == round(float(statistics.median(days)), 2)
        assert s["min_days"] == days[0] and s["max_days"] == days[-1]
        q = statistics.quantiles(days, n=4, method="inclusive")
        assert (s["q1_days"], s["q3_days"]) == (round(q[0], 2), round(q[2], 2))
        assert s["target_days"] == (91 if s["type"] == "mapf" else 183)
    assert api.c.get("/v1/monitoring/durations?board=gwent", headers=api.h("north-wales")).status_code == 403


def test_a_timeline_shows_the_milestones_and_proceedings_the_api_recorded(api, gwent):
    review = api.started("GW-TL", days=200)
    api.milestone(review["id"], "panel_convened", 190)
    api.milestone(review["id"], "reviewers_appointed", 180, note="Two reviewers from outside the board.")
    r = api.c.post(f"/v1/reviews/{review['id']}/proceedings", headers=api.h("gwent"),
                   json={"kind": "coroner_inquest", "started_on": (TODAY.replace(day=1)).isoformat()})
    assert r.status_code == 201, r.text
    page = gwent.get(f"/dashboard/reviews/{review['id']}?lang=en")
    main = _main(page.text)
    assert main.index("Review panel convened") < main.index("Reviewers appointed")
    assert "Two reviewers from outside the board." in main and "Coroner&#39;s inquest" in main
    assert f"/v1/reviews/{review['id']}/plan" in main  # the plan lives with the scheduler
    welsh = _main(gwent.get(f"/dashboard/reviews/{review['id']}?lang=cy").text)
    assert "Panel adolygu wedi'i gynnull" in welsh.replace("&#39;", "'")
    # Its tables download, each download a read of the review in its audit trail.
    base = f"/dashboard/reviews/{review['id']}/download"
    milestones = pd.read_csv(io.BytesIO(gwent.get(f"{base}/milestones.csv?lang=en").content), encoding="utf-8-sig")
    assert list(milestones["Milestone"]) == ["Review panel convened", "Reviewers appointed"]
    proceedings = _ods(gwent, "proceedings", "?lang=en", base=base)
    assert list(proceedings["Kind"]) == ["Coroner's inquest"] and pd.isna(proceedings["Concluded"][0])
    with api.engine.connect() as conn:
        reads = conn.execute(text("SELECT count(*) FROM review_audit WHERE review_id = :r AND what = 'review'"),
                             {"r": review["id"]}).scalar()
    assert reads == 4  # two pages, two downloads
    # Not another board's, and not an unknown table.
    nw = api.started("NW-TL", board="north-wales", days=200)
    assert gwent.get(f"/dashboard/reviews/{nw['id']}/download/milestones.csv").status_code == 404
    assert gwent.get(f"{base}/audit.csv").status_code == 404


def test_durations_on_sqlite_are_the_same_quartiles(tmp_path, engine):
    """The quick start's SQLite orders the day counts in Python: same figures as PostgreSQL's
    percentile_cont on the same reviews."""
    from sqlmodel import Session

    from shared.auth import Principal
    from shared.db import make_engine
    from shared.migrations import upgrade
    from services.notification_api.monitoring.service import durations
    from services.notification_api.service import SPEC

    dataset = make_dataset(n=210, seed=7)
    url = f"sqlite:///{tmp_path / 'n.db'}"
    upgrade(SPEC.name, SPEC.migrations, url)
    lite = make_engine(url)
    wg = Principal(key_id="k", board_code=None, welsh_government=True)
    try:
        seed(lite, dataset)
        seed(engine, dataset)
        with Session(lite) as a, Session(engine) as b:
            on_sqlite, on_pg = durations(a, wg, None), durations(b, wg, None)
        assert on_sqlite == on_pg and on_pg["national"]["decision_to_publication"]
    finally:
        lite.dispose()


def test_the_dashboards_on_the_quick_starts_sqlite(tmp_path):
    """The quick start runs on SQLite with no broker: the pages and the ODS downloads work there
    too (the window-function medians and the quartiles ordered in Python)."""
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from shared.auth import new_api_key
    from shared.http.app import create_app
    from shared.migrations import upgrade
    from shared.service import make_runtime
    from shared.settings import Settings
    from services.notification_api.service import SPEC
    from tests.support import SECRET

    settings = Settings(data_dir=tmp_path, secret_key=SECRET,
                        notification_api_database_url=f"sqlite:///{tmp_path / 'n.db'}")
    upgrade(SPEC.name, SPEC.migrations, settings.database_url(SPEC.name))
    runtime = make_runtime(SPEC, settings)
    try:
        seed(runtime.engine, make_dataset(n=120, seed=3))
        row, key = new_api_key(SECRET, board_code=None, welsh_government=True)
        with Session(runtime.engine) as s:
            s.add(row)
            s.commit()
        with TestClient(create_app(runtime)) as client:
            sign_in_client(client, key)
            page = client.get("/dashboard?lang=en")
            assert page.status_code == 200 and page.text.count("<svg") >= 6
            frame = _ods(client, "decision_to_publication", "?lang=en")
            assert list(frame["Board"])[0] == "All Wales" and frame["Median"].notna().all()
    finally:
        runtime.engine.dispose()
