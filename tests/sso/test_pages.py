"""The identity providers' pages: the manufacturer keeps every provider, a partner admin its own
distributor's; a client secret is never shown back in full; outsiders get nothing."""

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from sso.models import IdentityProvider

from .factories import provider_make

pytestmark = pytest.mark.django_db


def form_data(**changes):
    data = {
        "name": "Acme Azure AD",
        "protocol": "oidc",
        "is_active": "on",
        "issuer": "https://login.acme.example/v2.0",
        "client_id": "portal",
        "client_secret": "very-secret-client-value",
        "authorization_endpoint": "https://login.acme.example/authorize",
        "token_endpoint": "https://login.acme.example/token",
        "jwks_uri": "https://login.acme.example/keys",
        "userinfo_endpoint": "",
        "end_session_endpoint": "",
        "scopes": "openid email profile",
        "entity_id": "",
        "sso_url": "",
        "slo_url": "",
        "certificate": "",
        "email_claim": "email",
        "role_claim": "groups",
        "domains": "acme.example, acme-group.example",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_manager_adds_a_provider_for_a_distributor(login, manager, distributor):
    client = login(manager)
    response = client.post(
        reverse("sso:new"), form_data(distributor=distributor.pk, admin_values="portal-admins")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    provider = IdentityProvider.objects.get()
    assert provider.distributor == distributor
    assert provider.admin_values == "portal-admins"
    assert sorted(provider.domain_list()) == ["acme-group.example", "acme.example"]
    page = client.get(reverse("sso:list")).content.decode()
    assert "Acme Azure AD" in page and "acme-group.example" in page


def test_a_manager_adds_the_manufacturers_own_provider(login, manager):
    response = login(manager).post(
        reverse("sso:new"), form_data(name="Maker Okta", domains="maker.example")
    )
    assert response.status_code == 302
    assert IdentityProvider.objects.get().distributor is None


def test_the_client_secret_is_never_shown_back_and_an_empty_one_keeps_it(login, manager):
    provider = provider_make(client_secret="abcdefgh-0123456789-WXYZ")
    client = login(manager)
    page = client.get(reverse("sso:detail", args=[provider.pk])).content.decode()
    assert "abcdefgh-0123456789-WXYZ" not in page
    assert "…WXYZ" in page
    response = client.post(
        reverse("sso:detail", args=[provider.pk]),
        form_data(client_secret="", domains="acme.example", name="Renamed"),
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "Renamed"
    assert provider.client_secret == "abcdefgh-0123456789-WXYZ"


def test_a_domain_already_leading_to_another_provider_is_refused_and_nothing_saved(
    login, manager, distributor
):
    provider_make(name="First", domains=["acme.example"])
    response = login(manager).post(reverse("sso:new"), form_data(domains="acme.example"))
    assert response.status_code == 400
    assert "already leads to another sign-in" in response.content.decode()
    assert IdentityProvider.objects.count() == 1


@override_settings(SSO_REQUIRE_HTTPS=True)
def test_a_plain_http_endpoint_is_refused(login, manager):
    response = login(manager).post(
        reverse("sso:new"), form_data(token_endpoint="http://login.acme.example/token")
    )
    assert response.status_code == 400
    assert "must be an https:// address" in response.content.decode()
    assert not IdentityProvider.objects.exists()


def test_a_partner_admin_keeps_its_own_distributors_provider_only(
    login, partner, distributor, other_distributor
):
    own = provider_make(name="Acme", distributor=distributor, domains=["acme.example"])
    theirs = provider_make(name="Rival", distributor=other_distributor, domains=["rival.example"])
    client = login(partner)
    page = client.get(reverse("sso:mine-list")).content.decode()
    assert "Acme" in page and "Rival" not in page
    assert client.get(reverse("sso:mine-detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("sso:mine-deactivate", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active
    assert client.get(reverse("sso:mine-detail", args=[own.pk])).status_code == 200


def test_a_partner_admins_new_provider_is_its_own_distributors_whatever_it_posts(
    login, partner, distributor, other_distributor
):
    response = login(partner).post(
        reverse("sso:mine-new"),
        form_data(distributor=other_distributor.pk, admin_values="everyone"),
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get()
    assert provider.distributor == distributor
    # Only the manufacturer decides which values make a partner admin.
    assert provider.admin_values == ""


def test_a_partner_admin_cannot_change_the_admin_mapping(login, partner, distributor):
    provider = provider_make(distributor=distributor, admin_values="portal-admins")
    login(partner).post(
        reverse("sso:mine-detail", args=[provider.pk]),
        form_data(admin_values="everyone", domains="acme.example"),
    )
    provider.refresh_from_db()
    assert provider.admin_values == "portal-admins"


def test_deactivating_a_provider_reopens_passwords(login, manager, distributor):
    provider = provider_make(distributor=distributor)
    IdentityProvider.objects.filter(pk=provider.pk).update(password_login_disabled=True)
    response = login(manager).post(reverse("sso:deactivate", args=[provider.pk]))
    assert response.status_code == 302
    provider.refresh_from_db()
    assert not provider.is_active and not provider.password_login_disabled


@pytest.mark.parametrize("who", ["colleague", "outsider", "nobody"])
def test_reps_outsiders_and_users_without_a_role_get_nothing_of_the_channels_pages(
    request, login, who, distributor
):
    provider = provider_make(distributor=distributor)
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("sso:list")).status_code == 403
    assert client.get(reverse("sso:detail", args=[provider.pk])).status_code == 403
    assert client.post(reverse("sso:deactivate", args=[provider.pk])).status_code == 403
    assert client.post(reverse("sso:new"), form_data()).status_code == 403
    assert IdentityProvider.objects.count() == 1


def test_the_list_reads_the_same_number_of_queries_for_one_or_many_providers(
    login, manager, django_assert_max_num_queries, distributor
):
    client = login(manager)
    provider_make(name="P0", domains=["p0.example"])
    client.get(reverse("sso:list"))
    with django_assert_max_num_queries(12) as one:
        client.get(reverse("sso:list"))
    for n in range(1, 6):
        provider_make(name=f"P{n}", distributor=distributor, domains=[f"p{n}.example"])
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("sso:list"))


def test_a_saml_provider_needs_the_idps_entity_id_sign_on_url_and_certificate(login, manager):
    client = login(manager)
    response = client.post(reverse("sso:new"), form_data(protocol="saml", domains="saml.example"))
    assert response.status_code == 400
    assert "IdP entity ID is required for this protocol" in response.content.decode()
    response = client.post(
        reverse("sso:new"),
        form_data(
            protocol="saml",
            domains="saml.example",
            entity_id="https://adfs.acme.example/adfs/services/trust",
            sso_url="https://adfs.acme.example/adfs/ls/",
            certificate="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        ),
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get()
    page = client.get(reverse("sso:detail", args=[provider.pk])).content.decode()
    assert reverse("sso:saml-metadata", args=[provider.pk]) in page


def test_a_partner_admin_closes_passwords_once_its_provider_has_signed_someone_in(
    login, partner, distributor
):
    from sso import services

    provider = provider_make(distributor=distributor, domains=["acme.example"])
    client = login(partner)
    data = form_data(domains="acme.example", password_login_disabled="on")
    response = client.post(reverse("sso:mine-detail", args=[provider.pk]), data)
    assert response.status_code == 400
    assert "once someone has signed in" in response.content.decode()
    provider.refresh_from_db()
    assert not provider.password_login_disabled

    services.identity_sign_in(provider=provider, subject="s1", email="a@acme.example", claims={})
    response = client.post(reverse("sso:mine-detail", args=[provider.pk]), data)
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.password_login_disabled
    assert not services.password_login_allowed(partner)


SAML_SETTINGS = {
    "protocol": "saml",
    "entity_id": "https://adfs.acme.example/adfs/services/trust",
    "sso_url": "https://adfs.acme.example/adfs/ls/",
    "certificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
}


def test_the_form_shows_each_protocols_settings_under_its_own_legend_with_the_script(
    login, manager
):
    page = login(manager).get(reverse("sso:new")).content.decode()
    assert 'data-protocol-fields="oidc"' in page and 'data-protocol-fields="saml"' in page
    assert "OpenID Connect settings" in page and "SAML 2.0 settings" in page
    # Without JavaScript both show, with a word on which counts.
    assert "data-protocol-nojs" in page
    assert "<fieldset hidden" not in page
    assert "js/provider_form.js" in page
    assert "data-protocol-select" in page
    # A hidden field must never be one the browser insists on.
    assert not re.search(r'<input[^>]*name="(issuer|entity_id|scopes)"[^>]*required', page)


def test_a_saml_provider_keeps_only_its_saml_settings_whatever_oidc_values_come_along(
    login, manager
):
    response = login(manager).post(
        reverse("sso:new"), form_data(domains="acme.example", **SAML_SETTINGS)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    provider = IdentityProvider.objects.get()
    assert provider.entity_id == SAML_SETTINGS["entity_id"]
    assert provider.sso_url == SAML_SETTINGS["sso_url"]
    for name in IdentityProvider.PROTOCOL_FIELDS["oidc"]:
        assert getattr(provider, name) == "", name


def test_the_other_protocols_values_are_not_checked(login, manager):
    response = login(manager).post(
        reverse("sso:new"),
        form_data(domains="acme.example", token_endpoint="not an address", **SAML_SETTINGS),
    )
    assert response.status_code == 302
    assert IdentityProvider.objects.get().token_endpoint == ""


def test_an_oidc_provider_switched_to_saml_loses_its_oidc_settings_and_secret(login, manager):
    provider = provider_make(client_secret="abcdefgh-0123456789-WXYZ")
    response = login(manager).post(
        reverse("sso:detail", args=[provider.pk]),
        form_data(domains="acme.example", client_secret="", **SAML_SETTINGS),
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.protocol == "saml"
    assert provider.client_secret == "" and provider.issuer == "" and provider.client_id == ""


def test_an_oidc_provider_keeps_no_saml_settings(login, partner, distributor):
    response = login(partner).post(
        reverse("sso:mine-new"),
        form_data(
            domains="acme.example",
            entity_id="https://adfs.acme.example/trust",
            sso_url="https://adfs.acme.example/ls/",
            certificate="left over",
        ),
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get()
    assert (provider.entity_id, provider.sso_url, provider.certificate) == ("", "", "")
    assert provider.client_id == "portal"


def test_every_missing_setting_of_the_chosen_protocol_is_named_at_once(login, manager):
    response = login(manager).post(
        reverse("sso:new"), form_data(issuer="", jwks_uri="", entity_id="")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "issuer is required for this protocol" in page
    assert "JWKS URI is required for this protocol" in page
    assert "IdP entity ID is required" not in page
    assert not IdentityProvider.objects.exists()


def test_the_two_factor_switches_are_kept_on_both_sides(login, partner, distributor):
    response = login(partner).post(
        reverse("sso:mine-new"),
        form_data(
            domains="acme.example", require_provider_mfa="on", require_portal_two_factor="on"
        ),
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get()
    assert provider.require_provider_mfa and provider.require_portal_two_factor
