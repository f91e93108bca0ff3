"""SAML 2.0 end to end against pysaml2's own IdP on loopback: the AuthnRequest, the signed
assertion posted back, provisioning, and each refusal (expired, wrong audience, replayed,
unsigned); single log-out ends the IdP's session too."""

import re

import pytest
import requests
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from identity.access import Role, user_role
from sso.models import Identity, IdentityProvider, ProviderDomain

from .loopback import path_of
from .saml_idp import PASSWORD, posted_form

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def acme_saml(client, saml_idp, distributor):
    provider = IdentityProvider.objects.create(
        name="Acme ADFS",
        distributor=distributor,
        protocol=IdentityProvider.Protocol.SAML,
        entity_id=saml_idp.entity_id,
        sso_url=saml_idp.sso_url,
        slo_url=saml_idp.slo_url,
        certificate=saml_idp.certificate,
        email_claim="email",
        role_claim="groups",
        admin_values="portal-admins",
    )
    ProviderDomain.objects.create(provider=provider, domain="acme.example")
    metadata = client.get(reverse("sso:saml-metadata", args=[provider.pk]))
    assert metadata.status_code == 200
    saml_idp.trust(metadata.content.decode())
    return provider


def answer(client, browser, email, username):
    """Type `email` at the login page, sign in at the IdP as `username`: the IdP's auto-posting
    form (its action and fields), not yet posted."""
    response = client.post(reverse("sso:company"), {"company_email": email})
    response = client.get(response["Location"])
    assert response.status_code == 302
    page = browser.get(response["Location"], timeout=10)
    if "idp-username" in page.text:
        key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
        page = browser.post(
            response["Location"].split("?")[0],
            data={"key": key, "username": username, "password": PASSWORD},
            timeout=10,
        )
    assert page.status_code == 200, page.text[:300]
    return posted_form(page.text)


def post(client, action, fields):
    return client.post(path_of(action), fields)


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_partner_signs_in_at_its_saml_idp_and_lands_as_partner_admin(client, acme_saml):
    browser = requests.Session()
    action, fields = answer(client, browser, "ann@acme.example", "ann")
    assert action.endswith(reverse("sso:saml-acs", args=[acme_saml.pk]))
    response = post(client, action, fields)
    assert response.status_code == 302, said(response)
    assert response["Location"] == reverse("home")
    user = User.objects.get(email="ann@acme.example")
    assert response.wsgi_request.user == user
    assert user_role(user) == Role.PARTNER_ADMIN
    assert user.membership.distributor == acme_saml.distributor
    assert Identity.objects.get(provider=acme_saml).subject == "ann-0001"


def test_a_replayed_saml_response_is_refused(client, acme_saml):
    action, fields = answer(client, requests.Session(), "rob@acme.example", "rob")
    assert post(client, action, fields)["Location"] == reverse("home")
    client.logout()
    response = post(client, action, fields)
    assert response["Location"] == reverse("login")
    assert any("already used" in m for m in said(response))
    assert not response.wsgi_request.user.is_authenticated


def test_an_expired_assertion_is_refused(client, acme_saml):
    action, fields = answer(client, requests.Session(), "rob@acme.example", "rob")
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2)):
        response = post(client, action, fields)
    assert any("has expired" in m for m in said(response))
    assert not Identity.objects.exists()


def test_an_assertion_for_another_audience_is_refused(client, acme_saml):
    action, fields = answer(client, requests.Session(), "stranger@acme.example", "stranger")
    response = post(client, action, fields)
    assert any("wrong audience" in m for m in said(response))
    assert not Identity.objects.exists()


def test_an_unsigned_assertion_is_refused(client, acme_saml):
    action, fields = answer(client, requests.Session(), "naked@acme.example", "naked")
    response = post(client, action, fields)
    assert any("not signed" in m for m in said(response))
    assert not Identity.objects.exists()


def test_an_assertion_asserting_another_distributors_email_is_refused(
    client, acme_saml, other_distributor
):
    users = User.objects.count()
    action, fields = answer(client, requests.Session(), "x@acme.example", "forger")
    response = post(client, action, fields)
    assert any("not at a domain of Acme ADFS" in m for m in said(response))
    assert User.objects.count() == users


def test_log_out_sends_a_logout_request_that_ends_the_idps_session(client, acme_saml, saml_idp):
    browser = requests.Session()
    action, fields = answer(client, browser, "rob@acme.example", "rob")
    post(client, action, fields)
    response = client.post(reverse("logout"))
    assert response["Location"].startswith(saml_idp.slo_url + "?SAMLRequest=")
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated
    page = browser.get(response["Location"], timeout=10)
    assert "idp-logged-out" in page.text
    assert saml_idp.logged_out[-1] == "rob-0002"
    # Signed out at the IdP too: the next sign-in asks for the password again.
    response = client.post(reverse("sso:company"), {"company_email": "rob@acme.example"})
    again = browser.get(client.get(response["Location"])["Location"], timeout=10)
    assert "idp-username" in again.text


# --- signed AuthnRequests ---------------------------------------------------------------------


def _saml_provider(client, idp, distributor, **fields):
    provider = IdentityProvider.objects.create(
        name="Acme ADFS",
        distributor=distributor,
        protocol=IdentityProvider.Protocol.SAML,
        entity_id=idp.entity_id,
        sso_url=idp.sso_url,
        slo_url=idp.slo_url,
        certificate=idp.certificate,
        email_claim="email",
        role_claim="groups",
        admin_values="portal-admins",
        **fields,
    )
    ProviderDomain.objects.create(provider=provider, domain="acme.example")
    idp.trust(client.get(reverse("sso:saml-metadata", args=[provider.pk])).content.decode())
    return provider


@pytest.fixture
def signing(settings, sp_key_and_certificate):
    key_file, cert_file = sp_key_and_certificate
    settings.SSO_SAML_SP_KEY_FILE = str(key_file)
    settings.SSO_SAML_SP_CERT_FILE = str(cert_file)
    return cert_file


def test_with_a_key_and_certificate_the_metadata_says_authn_requests_are_signed_and_by_what(
    client, saml_idp, distributor, signing
):
    provider = _saml_provider(client, saml_idp, distributor)
    metadata = client.get(reverse("sso:saml-metadata", args=[provider.pk])).content.decode()
    assert 'AuthnRequestsSigned="true"' in metadata
    certificate = "".join(signing.read_text().strip().splitlines()[1:-1])
    assert 'use="signing"' in metadata
    assert certificate in re.sub(r"\s", "", metadata)


def test_without_a_key_the_metadata_says_authn_requests_are_not_signed(
    client, saml_idp, distributor
):
    provider = _saml_provider(client, saml_idp, distributor)
    metadata = client.get(reverse("sso:saml-metadata", args=[provider.pk])).content.decode()
    assert 'AuthnRequestsSigned="false"' in metadata
    assert "X509Certificate" not in metadata


def test_an_idp_wanting_signed_requests_refuses_an_unsigned_one(
    client, saml_idp_wanting_signed_requests, distributor
):
    idp = saml_idp_wanting_signed_requests
    _saml_provider(client, idp, distributor)
    response = client.post(reverse("sso:company"), {"company_email": "ann@acme.example"})
    location = client.get(response["Location"])["Location"]
    assert "Signature=" not in location
    page = requests.get(location, timeout=10)
    assert page.status_code == 403
    assert "idp-refused" in page.text


def test_an_idp_wanting_signed_requests_accepts_the_portals_signed_one_and_signs_in(
    client, saml_idp_wanting_signed_requests, distributor, signing
):
    idp = saml_idp_wanting_signed_requests
    refused_before = len(idp.refused)
    provider = _saml_provider(client, idp, distributor)
    response = client.post(reverse("sso:company"), {"company_email": "ann@acme.example"})
    location = client.get(response["Location"])["Location"]
    assert "SigAlg=" in location and "Signature=" in location
    action, fields = answer(client, requests.Session(), "ann@acme.example", "ann")
    response = post(client, action, fields)
    assert response["Location"] == reverse("home"), said(response)
    assert Identity.objects.get(provider=provider).subject == "ann-0001"
    assert len(idp.refused) == refused_before
