"""OpenID Connect end to end against a real provider on loopback (django-oauth-toolkit):
the login page's company sign-in, the provider's login, the callback, and every refusal."""

from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from identity.access import Role, user_role
from identity.models import Membership
from sso.models import Identity

from .loopback import idp_sign_in, path_of

pytestmark = pytest.mark.django_db
User = get_user_model()


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


def start(client, email):
    """Type `email` at the login page's company sign-in; the provider's authorize URL."""
    response = client.post(reverse("sso:company"), {"company_email": email})
    assert response.status_code == 302, response
    response = client.get(response["Location"])
    assert response.status_code == 302
    return response["Location"]


def sign_in(client, email, username):
    authorize = start(client, email)
    callback = idp_sign_in(requests.Session(), authorize, username)
    return client.get(path_of(callback))


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_partner_types_its_email_signs_in_at_its_company_and_lands_as_partner_admin(
    client, acme_oidc
):
    authorize = start(client, "ann@acme.example")
    query = parse_qs(urlparse(authorize).query)
    assert authorize.startswith(acme_oidc.authorization_endpoint)
    assert query["client_id"] == ["portal-acme"]
    assert query["code_challenge_method"] == ["S256"]
    assert "nonce" in query and "state" in query
    callback = idp_sign_in(requests.Session(), authorize, "ann")
    response = client.get(path_of(callback))
    assert response.status_code == 302
    # A refusal says why in its message (it failed once, under load, without saying).
    assert response["Location"] == reverse("home"), said(response)
    user = User.objects.get(username="ann@acme.example")
    assert response.wsgi_request.user == user
    assert user_role(user) == Role.PARTNER_ADMIN
    assert user.membership.distributor == acme_oidc.distributor
    assert Identity.objects.filter(provider=acme_oidc, user=user).count() == 1
    assert client.get(reverse("home"), follow=True).status_code == 200


def test_signing_in_again_finds_the_same_user_by_subject(client, acme_oidc):
    sign_in(client, "rob@acme.example", "rob")
    client.logout()
    sign_in(client, "rob@acme.example", "rob")
    assert User.objects.filter(email="rob@acme.example").count() == 1
    identity = Identity.objects.get(provider=acme_oidc)
    assert client.get(reverse("home")).wsgi_request.user == identity.user
    assert identity.user.membership.role == Membership.Role.REP


def test_the_manufacturers_provider_signs_in_a_channel_manager(client, maker_oidc):
    response = sign_in(client, "boss@maker.example", "boss")
    user = User.objects.get(email="boss@maker.example")
    assert response.wsgi_request.user == user
    assert user_role(user) == Role.MANAGER


def test_an_unknown_domain_says_so_and_the_password_form_stays(client, acme_oidc):
    response = client.post(
        reverse("sso:company"), {"company_email": "x@nowhere.example"}, follow=True
    )
    assert "No company sign-in is set up for that e-mail domain" in response.content.decode()
    assert 'id="login-form"' in response.content.decode()


def test_a_provider_asserting_an_email_at_another_distributors_domain_is_refused(
    client, acme_oidc, other_distributor, oidc_idp
):
    oidc_idp.provider(
        "rival", name="Rival", distributor=other_distributor, domains=["rival.example"]
    )
    users = User.objects.count()
    response = sign_in(client, "someone@acme.example", "forger")
    assert response["Location"] == reverse("login")
    assert any("not at a domain of Acme sign-in" in m for m in said(response))
    assert User.objects.count() == users
    assert not Identity.objects.exists()
    assert not response.wsgi_request.user.is_authenticated


def test_an_expired_id_token_is_refused(client, acme_oidc):
    response = sign_in(client, "late@acme.example", "late")
    assert any("has expired" in m for m in said(response))
    assert not Identity.objects.exists()


def test_an_id_token_for_another_audience_is_refused(client, acme_oidc):
    response = sign_in(client, "stranger@acme.example", "stranger")
    assert any("wrong audience" in m for m in said(response))
    assert not Identity.objects.exists()


def test_a_callback_replayed_with_a_used_state_is_refused(client, acme_oidc):
    authorize = start(client, "rob@acme.example")
    callback = idp_sign_in(requests.Session(), authorize, "rob")
    assert client.get(path_of(callback))["Location"] == reverse("home")
    client.logout()
    response = client.get(path_of(callback))
    assert response["Location"] == reverse("login")
    assert any("already used or has expired" in m for m in said(response))
    assert not response.wsgi_request.user.is_authenticated


def _two_attempts(client):
    first = start(client, "rob@acme.example")
    second = start(client, "rob@acme.example")
    state_of = {url: parse_qs(urlparse(url).query)["state"][0] for url in (first, second)}
    callback = idp_sign_in(requests.Session(), first, "rob")
    code = parse_qs(urlparse(callback).query)["code"][0]
    return state_of[first], state_of[second], code


def test_a_code_handed_in_with_another_attempts_state_is_refused(client, acme_oidc):
    _first, second, code = _two_attempts(client)
    response = client.get(reverse("sso:oidc-callback") + f"?code={code}&state={second}")
    assert response["Location"] == reverse("login")
    # PKCE: the second attempt's verifier does not match the first's challenge.
    assert any("refused to confirm this sign-in" in m for m in said(response))
    assert not response.wsgi_request.user.is_authenticated
    assert not Identity.objects.exists()


def test_an_id_token_carrying_another_attempts_nonce_is_refused(client, acme_oidc):
    first, second, code = _two_attempts(client)
    # Even with the right PKCE verifier, the ID token's nonce is the first attempt's.
    session = client.session
    states = session["oidc_states"]
    states[second]["code_verifier"] = states[first]["code_verifier"]
    session["oidc_states"] = states
    session.save()
    response = client.get(reverse("sso:oidc-callback") + f"?code={code}&state={second}")
    assert response["Location"] == reverse("login")
    assert any("another sign-in attempt (nonce)" in m for m in said(response))
    assert not response.wsgi_request.user.is_authenticated
    assert not Identity.objects.exists()


def test_a_refusal_at_the_provider_comes_back_as_a_message(client, acme_oidc):
    authorize = start(client, "rob@acme.example")
    state = parse_qs(urlparse(authorize).query)["state"][0]
    response = client.get(reverse("sso:oidc-callback") + f"?error=access_denied&state={state}")
    assert any("access_denied" in m for m in said(response))


def test_a_deactivated_provider_is_not_offered_at_the_login_page(client, acme_oidc):
    acme_oidc.is_active = False
    acme_oidc.save()
    response = client.post(reverse("sso:company"), {"company_email": "rob@acme.example"})
    assert response["Location"].startswith(reverse("login"))
