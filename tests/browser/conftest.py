"""Browser tests: Playwright's Python package driving Debian's chromium (never a downloaded
browser), axe-core from npm (node_modules, `npm ci`) for accessibility, and a real uvicorn
server per test. Outside CI a missing browser or axe-core skips these tests; in CI it fails."""
from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support import ROOT, free_port

CHROMIUM = os.environ.get("CPR_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def _missing(what: str):
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (.ci/run installs it)")
    pytest.skip(f"{what} is missing: apt-get install chromium; npm ci")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"the system browser {CHROMIUM}")
    if not AXE.exists():
        _missing("axe-core (node_modules)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


class PageErrors(list):
    """Console errors (a CSP refusal shows up here) and uncaught page errors."""


@pytest.fixture
def page(browser):
    """A fresh context per test, axe-core present in every document (as an init script, so the
    pages' own content security policy is left as it is), console errors collected."""
    context = browser.new_context(locale="cy-GB")  # the browser asks for Welsh first
    context.add_init_script(path=str(AXE))
    pg = context.new_page()
    errors = PageErrors()
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.errors = errors
    yield pg
    context.close()


@pytest.fixture
def no_js_page(browser):
    """A context with JavaScript off: every page must work without it."""
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def assert_accessible(page) -> None:
    """axe-core on the current page: no serious or critical violation of WCAG 2.2 A/AA (and
    axe's best practices)."""
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           AXE_TAGS)
    bad = [v for v in result["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, "axe: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad)


@contextmanager
def serve(app, port: int | None = None):
    """Run an ASGI app with uvicorn on a loopback port (a free one by default), in a thread."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise AssertionError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
