"""Headless Chromium (Playwright, sync API) pointed at pytest-django's live server.

Every request a page makes is recorded: a test fails if the page reaches any host other than the
live server (a CDN, say), loads a static file that is missing, or throws a JavaScript error.
"""

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="package")
def browser():
    executable = os.environ.get("DRM_CHROMIUM", "")
    if not executable:
        # The autouse `_service_markers` fixture of tests/conftest.py skips (or fails) the test.
        yield None
        return
    # The sync API keeps an asyncio loop running on this thread, so Django would refuse the ORM
    # calls that factories and assertions make; no async code of ours runs in this process.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def eager_celery():
    """Run import jobs inside the request even when REDIS_URL points at a broker."""
    from drm.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def page(browser, live_server, eager_celery):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    own_host = urlsplit(live_server.url).netloc
    foreign, missing, script_errors = [], [], []

    def on_request(request):
        parts = urlsplit(request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != own_host:
            foreign.append(request.url)

    def on_response(response):
        if urlsplit(response.url).path.startswith("/static/") and response.status >= 400:
            missing.append(f"{response.status} {response.url}")

    context.on("request", on_request)
    context.on("response", on_response)
    browser_page = context.new_page()
    browser_page.on("pageerror", lambda error: script_errors.append(str(error)))
    yield browser_page
    context.close()
    assert not foreign, f"the page reached hosts other than the live server: {foreign}"
    assert not missing, f"static files failed to load: {missing}"
    assert not script_errors, f"JavaScript errors: {script_errors}"
