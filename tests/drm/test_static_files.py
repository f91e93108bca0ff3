"""Static files as the demo and production serve them (DEBUG off): collected, then served by
whitenoise from the collected directory, the favicon included; /favicon.ico answers too."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from drm import embedded

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    root = tmp_path_factory.mktemp("staticfiles")
    from django.test import override_settings

    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", "--noinput", "-v", "0")
    return root


@pytest.fixture
def production_client(settings, collected):
    """A client whose whitenoise reads the collected files only, as with DEBUG off."""
    settings.DEBUG = False
    settings.STATIC_ROOT = collected
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    return Client()  # a new client builds its middleware, whitenoise's file list included


def test_every_page_links_the_favicon_in_svg_and_ico(client):
    html = client.get("/accounts/login/").content.decode()

    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert icons == ["/static/favicon.ico", "/static/favicon.svg"]


def test_favicon_ico_at_the_root_leads_to_the_portals_icon(production_client):
    response = production_client.get("/favicon.ico", follow=True)

    assert response.redirect_chain == [("/static/favicon.ico", 301)]
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header


def test_the_collected_favicon_and_stylesheets_are_served_with_debug_off(production_client):
    page = production_client.get("/accounts/login/").content.decode()

    for href in ["/static/favicon.svg", *re.findall(r'href="(/static/[^"]+\.css)"', page)]:
        response = production_client.get(href)
        assert response.status_code == 200, href
        assert b"".join(response.streaming_content), href
    assert production_client.get("/static/favicon.svg")["Content-Type"] == "image/svg+xml"


def test_a_file_that_was_not_collected_is_not_served(production_client, collected):
    (collected / "favicon.svg").rename(collected / "favicon.svg.away")
    try:
        response = Client().get("/static/favicon.svg")
    finally:
        (collected / "favicon.svg.away").rename(collected / "favicon.svg")

    assert response.status_code == 404


def test_the_demo_runs_with_debug_off_and_static_files_from_its_own_directory(tmp_path):
    variables = embedded.environment(tmp_path, port=8123)

    assert variables["DEBUG"] == "0"
    assert variables["STATIC_ROOT"] == str(tmp_path / "staticfiles")
    assert variables["CELERY_TASK_ALWAYS_EAGER"] == "0"
    assert variables["CELERY_BROKER_URL"] == f"sqla+sqlite:///{tmp_path}/celery-broker.sqlite3"
