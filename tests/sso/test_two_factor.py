"""Single sign-on and the portal's second factor, through the loopback providers: a company
sign-in leaves the second factor to its provider unless the provider (or, for the staff, a
setting) asks the portal's too; whether the provider did MFA is recorded, and a provider that
must do it refuses a sign-in without it; password log-ins keep their own rules."""

import pytest
import requests
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from identity.two_factor import SESSION_SECOND_FACTOR
from sso.models import Identity, IdentityProvider, ProviderDomain
from sso.signin import SESSION_PROVIDER_MFA

from .test_oidc import said, sign_in
from .test_saml import answer, post

pytestmark = pytest.mark.django_db
User = get_user_model()
PASSWORD = "a-long-pass-phrase-42"  # noqa: S105


@pytest.fixture
def acme_oidc(oidc_idp, distributor):
    return oidc_idp.provider(
        "acme", name="Acme sign-in", distributor=distributor, domains=["acme.example"]
    )


@pytest.fixture
def maker_oidc(oidc_idp):
    return oidc_idp.provider(
        "maker", name="Maker sign-in", distributor=None, domains=["maker.example"]
    )


@pytest.fixture
def acme_saml(client, saml_idp, distributor):
    provider = IdentityProvider.objects.create(
        name="Acme ADFS",
        distributor=distributor,
        protocol=IdentityProvider.Protocol.SAML,
        entity_id=saml_idp.entity_id,
        sso_url=saml_idp.sso_url,
        certificate=saml_idp.certificate,
        email_claim="email",
        role_claim="groups",
        admin_values="portal-admins",
    )
    ProviderDomain.objects.create(provider=provider, domain="acme.example")
    saml_idp.trust(client.get(reverse("sso:saml-metadata", args=[provider.pk])).content.decode())
    return provider


def with_app(email):
    """The user already has the portal's authenticator app."""
    user = User.objects.get(email=email)
    TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user


def home_asks(client):
    """Where the portal sends the browser asking for home: the 2FA step's name, or None."""
    response = client.get(reverse("home"))
    location = response.get("Location", "") if response.status_code == 302 else ""
    if location.startswith(reverse("identity:two-factor-verify")):
        return "verify"
    if location.startswith(reverse("identity:two-factor")):
        return "setup"
    return None


def oidc_again(client, email, username):
    """Sign in, out, and in again (the user exists between the two: its app can be added)."""
    sign_in(client, email, username)
    client.post(reverse("logout"))


def saml_sign_in(client, email, username):
    action, fields = answer(client, requests.Session(), email, username)
    return post(client, action, fields)


# --- OpenID Connect ---------------------------------------------------------------------------


def test_a_company_sign_in_is_not_asked_the_portals_code_even_with_an_app(client, acme_oidc):
    oidc_again(client, "rob@acme.example", "rob")
    with_app("rob@acme.example")
    response = sign_in(client, "rob@acme.example", "rob")
    assert response["Location"] == reverse("home")
    assert home_asks(client) is None
    assert client.session[SESSION_SECOND_FACTOR] == "provider"
    assert client.session[SESSION_PROVIDER_MFA] is False


def test_a_provider_asking_the_portals_second_factor_sends_its_people_to_set_one_up(
    client, acme_oidc
):
    IdentityProvider.objects.filter(pk=acme_oidc.pk).update(require_portal_two_factor=True)
    sign_in(client, "rob@acme.example", "rob")
    assert client.get(reverse("home")).wsgi_request.user.email == "rob@acme.example"
    assert home_asks(client) == "setup"


def test_a_provider_asking_the_portals_second_factor_asks_the_code_of_a_user_with_an_app(
    client, acme_oidc
):
    oidc_again(client, "rob@acme.example", "rob")
    with_app("rob@acme.example")
    IdentityProvider.objects.filter(pk=acme_oidc.pk).update(require_portal_two_factor=True)
    sign_in(client, "rob@acme.example", "rob")
    assert home_asks(client) == "verify"


def test_the_staff_setting_asks_the_portals_second_factor_of_the_staff_only(
    client, settings, maker_oidc, acme_oidc
):
    settings.SSO_STAFF_REQUIRE_PORTAL_2FA = True
    sign_in(client, "boss@maker.example", "boss")
    assert home_asks(client) == "setup"
    client.post(reverse("logout"))
    sign_in(client, "rob@acme.example", "rob")
    assert home_asks(client) is None


def test_an_admin_from_the_company_sign_in_still_gives_the_portals_code_for_the_django_admin(
    client, settings, maker_oidc
):
    settings.TWO_FACTOR_REQUIRED_FOR_ADMINS = True
    oidc_again(client, "chief@maker.example", "chief")
    User.objects.filter(email="chief@maker.example").update(is_staff=True)
    sign_in(client, "chief@maker.example", "chief")
    assert home_asks(client) is None
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("identity:two-factor"))


def test_the_session_records_mfa_when_the_id_tokens_amr_says_so(client, acme_oidc):
    sign_in(client, "mia@acme.example", "mia")
    assert client.session[SESSION_PROVIDER_MFA] is True


def test_a_provider_that_must_do_mfa_refuses_a_sign_in_without_it_and_lets_one_with_it_in(
    client, acme_oidc
):
    IdentityProvider.objects.filter(pk=acme_oidc.pk).update(require_provider_mfa=True)
    response = sign_in(client, "rob@acme.example", "rob")
    assert response["Location"] == reverse("login")
    assert any("did not confirm a second factor" in m for m in said(response))
    assert not response.wsgi_request.user.is_authenticated
    assert not Identity.objects.exists()
    response = sign_in(client, "mia@acme.example", "mia")
    assert response["Location"] == reverse("home")
    assert Identity.objects.get().user.email == "mia@acme.example"


def test_a_password_log_in_after_a_company_sign_in_keeps_the_password_rules(client, acme_oidc):
    sign_in(client, "rob@acme.example", "rob")
    user = with_app("rob@acme.example")
    user.set_password(PASSWORD)
    user.save()
    assert home_asks(client) is None
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert SESSION_SECOND_FACTOR not in client.session
    assert home_asks(client) == "verify"


# --- SAML 2.0 ---------------------------------------------------------------------------------


def test_a_saml_sign_in_is_not_asked_the_portals_code_even_with_an_app(client, acme_saml):
    saml_sign_in(client, "rob@acme.example", "rob")
    client.post(reverse("logout"))
    with_app("rob@acme.example")
    assert saml_sign_in(client, "rob@acme.example", "rob")["Location"] == reverse("home")
    assert home_asks(client) is None
    assert client.session[SESSION_PROVIDER_MFA] is False


def test_a_saml_provider_asking_the_portals_second_factor_asks_the_code(client, acme_saml):
    saml_sign_in(client, "rob@acme.example", "rob")
    client.post(reverse("logout"))
    with_app("rob@acme.example")
    IdentityProvider.objects.filter(pk=acme_saml.pk).update(require_portal_two_factor=True)
    saml_sign_in(client, "rob@acme.example", "rob")
    assert home_asks(client) == "verify"


def test_a_saml_provider_that_must_do_mfa_reads_the_authentication_context(client, acme_saml):
    IdentityProvider.objects.filter(pk=acme_saml.pk).update(require_provider_mfa=True)
    response = saml_sign_in(client, "rob@acme.example", "rob")
    assert response["Location"] == reverse("login")
    assert any("did not confirm a second factor" in m for m in said(response))
    assert not Identity.objects.exists()
    response = saml_sign_in(client, "mia@acme.example", "mia")
    assert response["Location"] == reverse("home"), said(response)
    assert client.session[SESSION_PROVIDER_MFA] is True
