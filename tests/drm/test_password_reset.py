"""Forgotten password: request, a real e-mail, the link, a new password, a login."""

import re

import pytest
from django.contrib.auth import get_user_model

from tests.conftest import parts

pytestmark = pytest.mark.django_db(transaction=True)

NEW = "Brand-new-Passw0rd!"
SENT = "If the address belongs to an account"


@pytest.fixture
def private_cache(settings):
    """A cache of this test's own: the shared test Redis is flushed by every other test run."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reset"}
    }
    from django.core.cache import cache

    cache.clear()  # locmem caches outlive the override: start from nothing


def test_a_user_resets_a_forgotten_password_end_to_end(client, smtp_server, partner):
    assert "/accounts/password/reset/" in client.get("/accounts/login/").content.decode()

    response = client.post("/accounts/password/reset/", {"email": partner.email}, follow=True)
    assert SENT in response.content.decode()

    (message,) = smtp_server.wait_for(1)
    assert message.envelope_recipients == [partner.email]
    assert message["Subject"] == "Choose a new password for the DRM portal"
    text, html = parts(message)
    link = re.search(r"https://drm\.example\.com(/accounts/reset/\S+/)", text).group(1)
    assert f'href="https://drm.example.com{link}"' in html

    form = client.get(link, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert done.redirect_chain[-1][0] == "/accounts/reset/done/"

    client.logout()
    logged_in = client.post(
        "/accounts/login/", {"username": partner.username, "password": NEW}, follow=True
    )
    assert logged_in.context["user"] == partner


def test_an_unknown_address_gets_the_same_page_and_no_email(client, smtp_server, partner):
    response = client.post("/accounts/password/reset/", {"email": "nobody@nowhere.example"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"
    assert smtp_server.messages == []


def test_requests_past_the_hourly_rate_send_nothing_but_look_the_same(
    client, smtp_server, settings, private_cache, partner
):
    settings.PASSWORD_RESET_RATE = 2
    answers = [client.post("/accounts/password/reset/", {"email": partner.email}) for _ in range(4)]

    assert {(a.status_code, a["Location"]) for a in answers} == {
        (302, "/accounts/password/reset/done/")
    }
    smtp_server.wait_for(2)
    assert len(smtp_server.messages) == 2
    assert get_user_model().objects.get(pk=partner.pk).check_password("s3cret-Passw0rd!")


def test_the_client_address_is_throttled_across_email_addresses(
    client, smtp_server, settings, private_cache, partner, colleague
):
    settings.PASSWORD_RESET_RATE = 1
    client.post("/accounts/password/reset/", {"email": partner.email})
    client.post("/accounts/password/reset/", {"email": colleague.email})

    assert [m["To"] for m in smtp_server.wait_for(1)] == [partner.email]
