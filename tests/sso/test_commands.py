"""`manage.py sso_staff_provider`: the manufacturer's provider written from the settings."""

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from sso import services
from sso.models import IdentityProvider

pytestmark = pytest.mark.django_db

STAFF = {
    "name": "Maker Entra ID",
    "protocol": "oidc",
    "domains": ["maker.example"],
    "issuer": "https://login.maker.example/v2.0",
    "client_id": "drm-portal",
    "client_secret": "from-the-vault-0123456789",
    "authorization_endpoint": "https://login.maker.example/authorize",
    "token_endpoint": "https://login.maker.example/token",
    "jwks_uri": "https://login.maker.example/keys",
    "userinfo_endpoint": "",
    "end_session_endpoint": "https://login.maker.example/logout",
    "scopes": "openid email profile",
    "entity_id": "",
    "sso_url": "",
    "slo_url": "",
    "certificate": "",
    "email_claim": "email",
    "role_claim": "groups",
    "admin_values": "drm-admins",
    "manager_values": "drm-channel",
}


def sync(**changes):
    with override_settings(SSO_STAFF_PROVIDER={**STAFF, **changes}):
        call_command("sso_staff_provider", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_settings_write_the_manufacturers_provider_and_discovery_finds_it():
    sync()
    provider = IdentityProvider.objects.get()
    assert provider.from_settings and provider.distributor is None and provider.is_active
    assert provider.domain_list() == ["maker.example"]
    assert provider.manager_values == "drm-channel"
    assert services.provider_for_email("cm@maker.example") == provider


def test_running_it_again_updates_the_same_row_and_no_domain_switches_it_off():
    sync()
    sync(name="Maker Okta", domains=["maker.example", "maker-group.example"])
    provider = IdentityProvider.objects.get()
    assert provider.name == "Maker Okta"
    assert sorted(provider.domain_list()) == ["maker-group.example", "maker.example"]
    sync(domains=[])
    provider.refresh_from_db()
    assert not provider.is_active
    assert services.provider_for_email("cm@maker.example") is None


def test_incomplete_settings_are_refused_naming_the_field_and_nothing_is_written():
    with pytest.raises(CommandError, match="token_endpoint"):
        sync(token_endpoint="")
    assert not IdentityProvider.objects.exists()


def test_the_settings_can_require_mfa_at_the_staffs_provider():
    sync(require_provider_mfa=True)
    assert IdentityProvider.objects.get().require_provider_mfa
    sync(require_provider_mfa=False)
    assert not IdentityProvider.objects.get().require_provider_mfa


def test_a_saml_staff_provider_keeps_none_of_the_oidc_settings_left_in_the_environment():
    sync(
        protocol="saml",
        entity_id="https://sts.maker.example/",
        sso_url="https://login.maker.example/saml2",
        certificate="-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
    )
    provider = IdentityProvider.objects.get()
    assert provider.protocol == "saml" and provider.entity_id == "https://sts.maker.example/"
    assert provider.issuer == provider.client_id == provider.client_secret == ""
