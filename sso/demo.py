"""The demo's company sign-in behind `manage.py demo_sso`: one example identity provider for
`adriatica` (the `partner` login), written through the sso services, so that **Company sign-in**
is not empty on either side (`/integrations/sign-in/` for `manager`, `/my/sign-in/` for
`partner`).

It is an example, and harmless: switched off (the login page never offers it), its endpoints and
e-mail domain at `.example` addresses that exist nowhere, and its name says so. A partner admin
reads what a Microsoft Entra ID set-up looks like, and may fill in real endpoints and switch it
on. A second run finds it and does nothing.
"""

from django.conf import settings
from django.contrib.auth import get_user_model

from distributors.models import Distributor
from drm.errors import ValidationFailed

from . import services
from .models import IdentityProvider, ProviderDomain

MANAGER = "manager"
DISTRIBUTOR = "adriatica"
DOMAIN = "adriatica-forniture.example"
TENANT = "https://login.adriatica-forniture.example/tenant-0000"
EXAMPLE = {
    "name": "Adriatica Entra ID (example, switched off)",
    "protocol": IdentityProvider.Protocol.OIDC,
    "is_active": False,
    "issuer": f"{TENANT}/v2.0",
    "client_id": "00000000-0000-0000-0000-000000000000",
    "client_secret": "example-secret-replace-me",
    "authorization_endpoint": f"{TENANT}/oauth2/v2.0/authorize",
    "token_endpoint": f"{TENANT}/oauth2/v2.0/token",
    "jwks_uri": f"{TENANT}/discovery/v2.0/keys",
    "userinfo_endpoint": "",
    "end_session_endpoint": f"{TENANT}/oauth2/v2.0/logout",
    "scopes": "openid email profile",
    "email_claim": "email",
    "role_claim": "groups",
    "admin_values": "Adriatica portal admins",
    "manager_values": "",
    "password_login_disabled": False,
    "require_provider_mfa": True,
    "require_portal_two_factor": False,
}


def demo_provider():
    """The demo's example provider, or None."""
    domain = ProviderDomain.objects.filter(domain=DOMAIN).select_related("provider").first()
    return domain.provider if domain else None


class DemoSso:
    def __init__(self, write=print):
        self.write = write

    def load(self, *, quiet=False, force=False):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load the demo sign-in under production settings; pass --force to "
                "seed a staging site on purpose."
            )
        manager = get_user_model().objects.filter(username=MANAGER).first()
        adriatica = Distributor.objects.filter(code=DISTRIBUTOR).first()
        if manager is None or adriatica is None:
            raise ValidationFailed("The demo channel is missing: run `manage.py demo_data` first.")
        provider = demo_provider()
        if provider is not None:
            if not quiet:
                self.write(f"The demo sign-in is there already: {provider.name}.")
            return provider
        provider = services.provider_save(
            by=manager, distributor=adriatica, data=dict(EXAMPLE), domains=[DOMAIN]
        )
        self.write(f"Demo sign-in: {provider.name} for {adriatica.name} ({DOMAIN}).")
        return provider
