"""Session hygiene and CSRF: a new session key at log-in, log-out ends the session on the server
(a replayed cookie is worth nothing), and unsafe requests riding on a session need a CSRF token."""

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from distributors.models import Distributor
from identity.models import UserProfile
from tests import factories
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

COOKIE = settings.SESSION_COOKIE_NAME


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    return client.cookies[COOKIE].value


def new_distributor_body():
    factories.TierFactory(code="gold")
    return {
        "code": "nordic",
        "name": "Nordic Components AB",
        "country": "SE",
        "currency": "SEK",
        "tier": "gold",
    }


# --- session keys ----------------------------------------------------------------------------


def test_the_session_key_changes_at_log_in(client, manager):
    """A session planted before log-in (session fixation) is not the one that gets logged in."""
    planted = SessionStore()
    planted["visited"] = True
    planted.create()
    client.cookies[COOKIE] = planted.session_key

    key = log_in(client, manager)

    assert key != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()
    assert Session.objects.filter(session_key=key).exists()


def test_log_out_deletes_the_session_on_the_server(client, manager):
    key = log_in(client, manager)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert not Session.objects.filter(session_key=key).exists()


def test_a_cookie_replayed_after_log_out_opens_nothing(client, manager):
    key = log_in(client, manager)
    client.post(reverse("logout"))
    replay = APIClient()
    replay.cookies[COOKIE] = key

    page = replay.get(reverse("distributors:list"))
    api = replay.get(reverse("api:distributor-list"))

    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))
    assert api.status_code in (401, 403)
    assert "_auth_user_id" not in replay.session


def test_log_out_is_a_post_only(client, manager):
    log_in(client, manager)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("distributors:list")).status_code == 200


# --- CSRF --------------------------------------------------------------------------------------


def csrf_token_of(client):
    """The token a page's forms carry, from the cookie a rendered form sets."""
    client.get(reverse("login"))
    return client.cookies[settings.CSRF_COOKIE_NAME].value


def test_the_log_in_form_refuses_a_post_without_a_csrf_token(manager):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": manager.username, "password": PASSWORD})

    assert response.status_code == 403
    assert COOKIE not in client.cookies


def test_the_log_in_form_takes_a_post_with_its_csrf_token(manager):
    client = Client(enforce_csrf_checks=True)
    token = csrf_token_of(client)

    response = client.post(
        reverse("login"),
        {"username": manager.username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302


def test_log_out_without_a_csrf_token_is_refused(manager):
    """Else any site could log a user out with a hidden form."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    assert client.post(reverse("logout")).status_code == 403
    assert client.get(reverse("distributors:list")).status_code == 200


def test_a_portal_form_without_a_csrf_token_is_refused(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("identity:profile"), {"language": "fr"})

    assert response.status_code == 403
    assert not UserProfile.objects.filter(user=manager, language="fr").exists()


def test_a_session_api_write_without_a_csrf_token_is_refused(manager):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(manager)

    response = client.post(reverse("api:distributor-list"), new_distributor_body(), format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert not Distributor.objects.filter(code="nordic").exists()


def test_a_session_api_write_with_its_csrf_token_goes_through(manager):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(manager)
    token = csrf_token_of(client)

    response = client.post(
        reverse("api:distributor-list"),
        new_distributor_body(),
        format="json",
        HTTP_X_CSRFTOKEN=token,
    )

    assert response.status_code == 201, response.content


def test_a_session_api_read_needs_no_csrf_token(manager):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(manager)

    assert client.get(reverse("api:distributor-list")).status_code == 200


def test_a_token_api_write_needs_no_csrf_token(manager):
    """Tokens are not sent by browsers on their own, so there is no request to forge."""
    client = APIClient(enforce_csrf_checks=True)
    token = Token.objects.get_or_create(user=manager)[0]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = client.post(reverse("api:distributor-list"), new_distributor_body(), format="json")

    assert response.status_code == 201, response.content
