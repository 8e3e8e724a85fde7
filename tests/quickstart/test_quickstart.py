"""The README's first command: `cpr up` with nothing configured runs the whole system in one
process on SQLite with in-process events. (The only test that uses the in-process transport,
because the quick start is what it checks.)"""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx

from tests.support import ROOT, free_port, wait_until


def test_cpr_up_quick_start_serves_the_first_thread(tmp_path):
    ports = {s: free_port() for s in ("notification_api", "scheduler", "dissemination")}
    env = {k: v for k, v in os.environ.items() if not k.startswith("CPR_")}
    env.update({f"CPR_{s.upper()}_PORT": str(p) for s, p in ports.items()})
    env["CPR_DATA_DIR"] = str(tmp_path / "data")
    out = open(tmp_path / "out.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "up"], cwd=ROOT, env=env,
                            stdout=out, stderr=subprocess.STDOUT, text=True)
    try:
        def printed():
            out.seek(0)
            text = out.read()
            done = re.search(r"Gwent board:\s+cpr_\S+", text) and f":{ports['dissemination']}/docs" in text
            return text if done else None

        text = wait_until(printed, timeout=60, what="the quick start to print its keys and URLs")
        wg = re.search(r"Welsh Government: (cpr_\S+)", text).group(1)
        board = re.search(r"Gwent board:\s+(cpr_\S+)", text).group(1)
        assert f"http://127.0.0.1:{ports['notification_api']}/docs" in text
        api = f"http://127.0.0.1:{ports['notification_api']}"
        wait_until(lambda: httpx.get(f"{api}/healthz").status_code == 200, what="the API")
        r = httpx.post(f"{api}/v1/reviews", headers={"Authorization": f"Bearer {board}"}, json={
            "board_reference": "GW-QS-1", "referral_date": "2026-11-02",
            "trigger": {"kind": "death", "date": "2026-09-20"}, "abuse_or_neglect": "suspected",
            "child": {"age_years": 2, "on_child_protection_register_in_prior_6_months": False,
                      "looked_after_in_prior_6_months": False}})
        assert r.status_code == 201, r.text
        review_id = r.json()["id"]
        feed = f"http://127.0.0.1:{ports['dissemination']}/v1/feed"
        wait_until(lambda: any(i["_cpr"]["review_id"] == review_id for i in
                               httpx.get(feed, headers={"Authorization": f"Bearer {wg}"}).json()["items"]),
                   what="the notification in the national feed")
        sched = f"http://127.0.0.1:{ports['scheduler']}/v1/reviews/{review_id}"
        wait_until(lambda: httpx.get(sched, headers={"Authorization": f"Bearer {board}"}).status_code == 200,
                   what="the scheduler's record")
        assert (tmp_path / "data" / "notification_api.db").exists()
        assert f"{tmp_path / 'data' / 'mail'}" in text  # where the mail goes is printed
        _sqlite_paths_answer(ports, board, wg, review_id)
        _booking_leaves_eml_files(ports, board, review_id, tmp_path / "data" / "mail" / "scheduler")
        _the_printed_key_signs_in_to_the_pages(api, wg, text)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        out.close()


def _the_printed_key_signs_in_to_the_pages(api: str, wg: str, text: str) -> None:
    """The quick start names its sign-in page, whose key form (no identity provider here)
    exchanges a printed key for a session on SQLite."""
    from tests.signin_support import sign_in_client

    assert f"{api}/signin" in text
    with httpx.Client(base_url=api) as browser:
        sign_in_client(browser, wg)
        assert "Welsh Government" in browser.get("/signin?lang=en").text


def _sqlite_paths_answer(ports: dict, board: str, wg: str, review_id: str) -> None:
    """The queries written twice, for PostgreSQL and for SQLite, answer on the quick start too:
    a decision and monitoring (medians by window function), a proposal, and publishing then
    finding learning in Welsh and English (FTS5)."""
    b, w = {"Authorization": f"Bearer {board}"}, {"Authorization": f"Bearer {wg}"}
    n, s, d = (f"http://127.0.0.1:{ports[k]}" for k in ("notification_api", "scheduler", "dissemination"))
    r = httpx.post(f"{n}/v1/reviews/{review_id}/decision", headers=b,
                   json={"outcome": "concise_cpr", "decided_on": "2026-11-10"})
    assert r.status_code in (200, 201), r.text
    r = httpx.get(f"{n}/v1/monitoring", headers=w)
    assert r.status_code == 200, r.text
    wait_until(lambda: httpx.get(f"{s}/v1/reviews/{review_id}/plan", headers=b).status_code == 200,
               what="the review plan on the quick start")
    people = [httpx.post(f"{s}/v1/participants", headers=b, json={
        "display_name": f"Professional {i}", "email": f"p{i}@example-agency.wales", "agency_code": "police"}).json()["id"]
        for i in range(2)]
    r = httpx.post(f"{s}/v1/meeting-proposals", headers=b, json={
        "review_id": review_id, "kind": "panel_meeting", "duration_minutes": 60,
        "window_start": "2027-01-11T00:00:00+00:00", "window_end": "2027-01-16T00:00:00+00:00",
        "required_participants": people})
    assert r.status_code == 201 and r.json()["suggestions"], r.text
    r = httpx.post(f"{d}/v1/publications", headers=b, json={
        "review_id": review_id, "status": "published",
        "title": {"en": "Learning about neglect", "cy": "Dysgu am esgeulustod"},
        "summary": {"en": "Agencies shared too late.", "cy": "Rhannodd asiantaethau yn rhy hwyr."},
        "learning_points": [{"en": "Share early.", "cy": "Rhannwch yn gynnar."}], "themes": ["neglect"]})
    assert r.status_code == 201, r.text
    for params in ({"q": "esgeulustod", "lang": "cy"}, {"q": "neglect"}, {"theme": "neglect"}):
        found = httpx.get(f"{d}/v1/publications", params=params).json()["items"]
        assert [p["id"] for p in found] == [r.json()["id"]], params
    # The library's pages on SQLite: the Welsh search page counts and marks the match; the
    # alert form answers (mail goes to .eml files without CPR_SMTP_URL).
    page = httpx.get(f"{d}/cy/chwilio", params={"q": "esgeulustod"})
    assert page.status_code == 200 and "1 canlyniad" in page.text and "<mark>esgeulustod</mark>" in page.text
    assert httpx.get(f"{d}/en/publications/{r.json()['id']}").status_code == 200


def test_cpr_up_with_broker_and_databases_runs_each_piece_as_a_process(settings, keys, tmp_path):
    """With CPR_AMQP_URL and database URLs set, `cpr up` migrates and starts three APIs and
    three workers as separate processes on PostgreSQL and RabbitMQ."""
    from tests.support import settings_env

    env = {k: v for k, v in os.environ.items() if not k.startswith("CPR_")}
    env.update(settings_env(settings))
    log = open(tmp_path / "up.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "up"], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        for service in ("notification_api", "scheduler", "dissemination"):
            url = f"http://127.0.0.1:{settings.port(service)}/readyz"
            wait_until(lambda: _status(url) == 200, timeout=60, what=f"{service} ready")
        children = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 6, children
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    assert proc.returncode == 0, (tmp_path / "up.log").read_text()[-3000:]


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return None


def _booking_leaves_eml_files(ports: dict, board: str, review_id: str, folder) -> None:
    """With no CPR_SMTP_URL, a booked meeting's invitations are .eml files, one per invitee."""
    import email
    import email.policy

    b = {"Authorization": f"Bearer {board}"}
    s = f"http://127.0.0.1:{ports['scheduler']}"
    people = [httpx.post(f"{s}/v1/participants", headers=b, json={
        "display_name": f"Invitee {i}", "email": f"invitee{i}@example-agency.wales", "agency_code": "health"}).json()["id"]
        for i in range(2)]
    r = httpx.post(f"{s}/v1/meetings", headers=b, json={
        "review_id": review_id, "kind": "learning_event", "start": "2027-01-12T10:00:00Z",
        "end": "2027-01-12T12:00:00Z", "participants": [{"participant_id": p, "required": True} for p in people]})
    assert r.status_code == 201, r.text
    files = wait_until(lambda: len(found := sorted(folder.glob("*.eml"))) == 2 and found, timeout=30,
                       what="an .eml file per invitee")
    for path in files:
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert msg["To"].addresses[0].addr_spec.startswith("invitee")
        assert any(p.get_content_type() == "text/calendar" for p in msg.walk())
