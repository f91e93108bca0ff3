"""Local passwords switched off per side, two-factor still asked of local log-ins, and log-out
that ends the provider's session too (OpenID Connect's end_session_endpoint)."""

import pytest
import requests
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from sso import services

from .factories import provider_make
from .loopback import idp_sign_in, path_of

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-pass-phrase-42"  # noqa: S105


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def log_in(client, user, password=PASSWORD):
    return client.post(reverse("login"), {"username": user.username, "password": password})


@pytest.fixture
def acme_closed(distributor, partner):
    provider = provider_make(distributor=distributor, domains=["acme.example"])
    # It works: someone has signed in with it; then the distributor closes passwords.
    services.identity_sign_in(provider=provider, subject="s", email="x@acme.example", claims={})
    provider.password_login_disabled = True
    provider.save()
    return provider


def test_a_partner_whose_distributor_closed_passwords_is_sent_to_the_company_sign_in(
    client, partner, acme_closed
):
    response = log_in(client, with_password(partner))
    assert response.status_code == 200
    assert "Passwords are switched off for you" in response.content.decode()
    assert 'id="company-sign-in-form"' in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_a_wrong_password_of_a_closed_side_gets_the_usual_answer(client, partner, acme_closed):
    with_password(partner)
    response = log_in(client, partner, password="not-it")  # noqa: S106
    assert "Passwords are switched off" not in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_another_distributors_partner_still_logs_in_with_its_password(
    client, outsider, acme_closed
):
    response = log_in(client, with_password(outsider))
    assert response.status_code == 302
    assert response.wsgi_request.user == outsider


def test_the_api_token_endpoint_refuses_a_closed_sides_password(api_client, partner, acme_closed):
    with_password(partner)
    response = api_client.post(
        reverse("api:token"), {"username": partner.username, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_the_staff_setting_closes_passwords_for_the_manufacturers_people_only(
    client, manager, partner
):
    with override_settings(SSO_STAFF_PASSWORD_LOGIN_DISABLED=True):
        response = log_in(client, with_password(manager))
        assert "Passwords are switched off for you" in response.content.decode()
        assert log_in(client, with_password(partner)).status_code == 302


def test_two_factor_is_still_asked_of_a_local_log_in(client, colleague):
    TOTPDevice.objects.create(user=colleague, name="Authenticator app", confirmed=True)
    assert log_in(client, with_password(colleague)).status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("identity:two-factor-verify"))


def test_passwords_cannot_be_closed_before_the_provider_has_signed_anyone_in(distributor, partner):
    provider = provider_make(distributor=distributor, domains=["acme.example"])
    data = {"password_login_disabled": True}
    with pytest.raises(services.ValidationFailed, match="once someone has signed in"):
        services.provider_save(by=partner, provider=provider, data=data, domains=["acme.example"])
    provider.refresh_from_db()
    assert not provider.password_login_disabled


def test_log_out_ends_the_portal_session_and_the_providers(client, oidc_idp, distributor):
    provider = oidc_idp.provider(
        "acme", name="Acme sign-in", distributor=distributor, domains=["acme.example"]
    )
    browser = requests.Session()
    response = client.post(reverse("sso:company"), {"company_email": "rob@acme.example"})
    authorize = client.get(response["Location"])["Location"]
    client.get(path_of(idp_sign_in(browser, authorize, "rob")))
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    end_session = response["Location"]
    assert end_session.startswith(provider.end_session_endpoint)
    assert "id_token_hint=" in end_session
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated
    # The browser follows to the provider, which ends its session and sends it back.
    back = browser.get(end_session, allow_redirects=False, timeout=10)
    assert back.status_code == 302
    assert back.headers["Location"] == "http://testserver" + reverse("login")
    # Signed out there too: the provider asks for the password again.
    again = browser.get(authorize, allow_redirects=False, timeout=10)
    assert "/login/" in again.headers["Location"]


def test_log_out_of_a_password_session_stays_in_the_portal(client, outsider):
    client.force_login(outsider)
    response = client.post(reverse("logout"))
    assert response["Location"] == reverse("login")
