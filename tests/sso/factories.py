"""Identity providers for the single sign-on tests."""

from sso.models import IdentityProvider, ProviderDomain


def provider_make(*, name="Acme sign-in", distributor=None, domains=("acme.example",), **fields):
    defaults = {
        "protocol": IdentityProvider.Protocol.OIDC,
        "issuer": "https://idp.example/o",
        "client_id": f"client-{name.lower().replace(' ', '-')}",
        "client_secret": "s3cret-value-long-enough",
        "authorization_endpoint": "https://idp.example/o/authorize/",
        "token_endpoint": "https://idp.example/o/token/",
        "jwks_uri": "https://idp.example/o/.well-known/jwks.json",
        "role_claim": "groups",
        "admin_values": "portal-admins",
        "manager_values": "channel-managers" if distributor is None else "",
    }
    defaults.update(fields)
    provider = IdentityProvider.objects.create(name=name, distributor=distributor, **defaults)
    for domain in domains:
        ProviderDomain.objects.create(provider=provider, domain=domain)
    return provider
