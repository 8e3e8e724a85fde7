"""The dashboards in headless Chromium, signed in with the quick start's key sign-in: Welsh
Government's national view and a board's view in Welsh and English, axe-core clean; the charts
and tables show the figures GET /v1/monitoring returns; a board editing the address reaches
neither another board's figures nor its reviews; a table downloads from the page and opens
in a real reader; the review list leads to a timeline."""
from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import text

from tests.browser.conftest import assert_accessible, serve
from tests.integration.notification.test_monitoring import make_dataset, seed
from tests.signin_support import sign_in_browser

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def site(runtimes):
    from shared.http.app import create_app

    seed(runtimes["notification_api"].engine, make_dataset())
    with serve(create_app(runtimes["notification_api"])) as url:
        yield url


def _cells(page, table: str) -> list[list[str]]:
    return page.eval_on_selector_all(f"#table-{table} tbody tr",
                                     "rows => rows.map(r => [...r.children].map(c => c.textContent.trim()))")


@pytest.mark.parametrize("lang", ["cy", "en"])
def test_national_view_in_both_languages(page, site, keys, clients, lang):
    sign_in_browser(page, site, keys.welsh_government, f"/dashboard?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text().endswith("Cymru gyfan" if lang == "cy" else "All Wales")
    mon = clients["notification_api"].get("/v1/monitoring", headers=keys.wg).json()
    # The consistency table: Wales then each board, the API's counts.
    rows = _cells(page, "consistency")
    assert [int(r[1]) for r in rows] == [mon["national"]["decision_consistency"]["decisions"]] + [
        b["decision_consistency"]["decisions"] for b in mon["boards"]]
    # Every chart is an image with a title, and each section's table sits beside it.
    charts = page.locator("svg.chart")
    assert charts.count() >= 6
    for i in range(charts.count()):
        svg = charts.nth(i)
        assert svg.get_attribute("role") == "img" and svg.locator("title").first.text_content()
    # The box plots' medians are the API's medians (each box's title names it).
    titles = page.eval_on_selector_all("section#decision_to_report_approval svg g > title", "ts => ts.map(t => t.textContent)")
    wales = [t for t in titles if t.startswith("Cymru gyfan" if lang == "cy" else "All Wales")]
    api_medians = sorted(ts["decision_to_report_approval"]["median_days"] for ts in mon["national"]["timescales"]
                         if ts["decision_to_report_approval"]["count"])
    word = "canolrif " if lang == "cy" else "median "
    shown = sorted(float(t.split(word)[1].split(",")[0]) for t in wales)
    assert shown == pytest.approx(api_medians, abs=0.05)
    assert not page.errors, page.errors
    assert_accessible(page)
    # Printing keeps the tables and charts and drops the navigation and downloads.
    page.emulate_media(media="print")
    assert page.locator(".dashboard-nav").is_hidden() and page.locator(".downloads").first.is_hidden()
    assert page.locator("#table-consistency").is_visible()


@pytest.mark.parametrize("lang", ["cy", "en"])
def test_board_view_in_both_languages(page, site, keys, clients, runtimes, lang):
    sign_in_browser(page, site, keys.boards["gwent"], f"/dashboard?lang={lang}")
    name = "Bwrdd Diogelu Gwent" if lang == "cy" else "Gwent Safeguarding Board"
    assert page.locator("h1").inner_text().endswith(name)
    rows = _cells(page, "caseload")
    own = clients["notification_api"].get("/v1/monitoring", headers=keys.board("gwent")).json()["boards"][0]
    assert rows == [[name, str(own["referrals"]), str(own["awaiting_decision"]), str(own["open"]), str(own["overdue"])]]
    assert_accessible(page)

    # Editing the address: another board's figures are refused (the API's 403), its review is 404.
    response = page.goto(f"{site}/dashboard?board=north-wales&lang={lang}")
    assert response.status == 403 and "North Wales" not in page.locator("main").inner_text()
    assert_accessible(page)
    with runtimes["notification_api"].engine.connect() as conn:
        other = conn.execute(text("SELECT id FROM reviews WHERE board_code = 'north-wales' LIMIT 1")).scalar()
    response = page.goto(f"{site}/dashboard/reviews/{other}?lang={lang}")
    assert response.status == 404

    # The overdue list leads to a timeline; the list's table downloads and opens in pandas (odfpy).
    page.goto(f"{site}/dashboard/reviews?lang={lang}")
    assert_accessible(page)
    with page.expect_download() as info:
        page.locator("a[href^='/dashboard/download/reviews.ods']").click()
    frame = pd.read_excel(io.BytesIO(open(info.value.path(), "rb").read()), engine="odf")
    links = page.locator("#table-reviews tbody th a")
    assert len(frame) == links.count() == min(50, own["overdue"]) > 0
    links.first.click()
    page.wait_for_load_state()
    assert page.locator("h2").first.inner_text() in ("Timeline of milestones", "Llinell amser y cerrig milltir")
    assert_accessible(page)

