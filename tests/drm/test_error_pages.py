"""The portal's own error pages, as the demo and production serve them (DEBUG off): the layout with
the navbar for a logged-in user, a way back, and never a traceback, an exception's text or a map
of the URLs."""

import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.test import Client
from django.urls import include, path

from drm import urls as portal_urls

pytestmark = pytest.mark.django_db

SECRET = "secret-table-name-7f3a"


def boom(request):
    raise RuntimeError(f"no such table: {SECRET}")


def suspicious(request):
    raise SuspiciousOperation(f"tampered: {SECRET}")


def refused(request):
    raise PermissionDenied(f"rule {SECRET}")


class BrokenUrls:
    """The portal's URLs and handlers, plus views that fail, under /boom/ and /api/boom/."""

    urlpatterns = [
        path("boom/", boom),
        path("boom/suspicious/", suspicious),
        path("boom/refused/", refused),
        path("api/boom/", boom),
        path("", include(portal_urls.urlpatterns)),
    ]
    handler400 = portal_urls.handler400
    handler403 = portal_urls.handler403
    handler404 = portal_urls.handler404
    handler500 = portal_urls.handler500


def failing_context_processor(request):
    raise OperationalError("the database is gone")


@pytest.fixture(autouse=True)
def debug_off(settings):
    settings.DEBUG = False


@pytest.fixture
def browser():
    """A client that gets the 500 page as a browser does, instead of the exception."""
    return Client(raise_request_exception=False)


def assert_plain_error_page(response, status):
    html = response.content.decode()
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    for leak in ("Traceback", SECRET, "Using the URLconf", "urlpatterns", "DEBUG = True"):
        assert leak not in html, leak
    assert 'id="error-home"' in html and 'href="/"' in html
    assert f"Error {status}" in html or f"Erreur {status}" in html
    return html


def assert_navbar_of(html, user):
    assert 'id="nav"' in html, "no navbar"
    assert user.username in html
    assert "Log out" in html or "Déconnexion" in html


def test_an_unknown_page_is_the_portals_404_with_the_navbar_and_no_url_map(client, partner):
    client.force_login(partner)

    html = assert_plain_error_page(client.get("/no/such/page/"), 404)

    assert_navbar_of(html, partner)
    assert "My distributor" in html  # the partner's own menu
    assert "api/v1/" not in html and "admin/" not in html


def test_a_stranger_gets_the_404_without_a_menu_but_with_the_way_home(client):
    html = assert_plain_error_page(client.get("/no/such/page/"), 404)

    assert 'id="nav"' not in html
    assert 'id="language-switcher"' in html


def test_a_page_a_partner_may_not_open_is_the_portals_403_with_the_navbar(client, partner):
    client.force_login(partner)

    html = assert_plain_error_page(client.get("/distributors/"), 403)

    assert_navbar_of(html, partner)
    assert "Your account may not open this page." in html


def test_a_refusal_says_nothing_of_the_rule_that_refused(client, partner, settings):
    settings.ROOT_URLCONF = BrokenUrls
    client.force_login(partner)

    assert_plain_error_page(client.get("/boom/refused/"), 403)


def test_a_crash_is_the_portals_500_with_the_navbar_and_nothing_of_its_cause(
    browser, manager, settings
):
    settings.ROOT_URLCONF = BrokenUrls
    browser.force_login(manager)

    html = assert_plain_error_page(browser.get("/boom/"), 500)

    assert_navbar_of(html, manager)
    assert "nothing was changed" in html
    assert 'href="/static/css/portal.css"' in html


def test_when_the_navbar_cannot_be_drawn_the_500_page_still_answers_without_it(
    browser, manager, settings
):
    settings.ROOT_URLCONF = BrokenUrls
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "tests.drm.test_error_pages.failing_context_processor",
                ],
            },
        }
    ]
    browser.force_login(manager)

    html = assert_plain_error_page(browser.get("/boom/"), 500)

    assert 'id="nav"' not in html
    assert "Something went wrong" in html and "the database is gone" not in html


def test_a_crash_under_the_api_answers_in_the_apis_error_shape(browser, manager, settings):
    settings.ROOT_URLCONF = BrokenUrls
    browser.force_login(manager)

    response = browser.get("/api/boom/")

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"
    assert SECRET not in response.content.decode()


def test_a_bad_request_is_the_portals_400(browser, partner, settings):
    settings.ROOT_URLCONF = BrokenUrls
    browser.force_login(partner)

    html = assert_plain_error_page(browser.get("/boom/suspicious/"), 400)

    assert_navbar_of(html, partner)


def test_a_form_sent_with_an_expired_token_gets_the_portals_page_not_djangos(partner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(partner)

    response = browser.post("/accounts/logout/")

    html = assert_plain_error_page(response, 403)
    assert "Form expired" in html
    assert_navbar_of(html, partner)
    assert "CSRF verification failed" not in html and "cookie not set" not in html


def test_the_back_link_leads_to_the_portal_page_the_visitor_came_from(client, partner):
    client.force_login(partner)

    came_from = client.get("/no/such/page/", HTTP_REFERER="http://testserver/goals/")
    elsewhere = client.get("/no/such/page/", HTTP_REFERER="https://evil.example/phish")

    back = re.search(r'<a [^>]*id="error-back"[^>]*>', came_from.content.decode())
    assert back and 'href="http://testserver/goals/"' in back.group(0)
    assert 'id="error-back"' not in elsewhere.content.decode()
    assert "evil.example" not in elsewhere.content.decode()


def test_the_error_pages_speak_french_to_a_french_reader(client, partner):
    client.force_login(partner)

    html = assert_plain_error_page(client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="fr"), 404)

    assert "Page d'accueil" in html or "Page d&#x27;accueil" in html
    assert "Erreur 404" in html
