"""Identity providers (the manufacturer's, or a distributor's own), the e-mail domains that lead
to them at the login page, and the identities they vouch for, linked by (provider, subject)."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from drm.crypto import EncryptedTextField

URL_MAX = 2000
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SECRET_SHOWN = 4
CERTIFICATE_MAX = 10000


def email_domain(email):
    """The domain of `email`, lower case, or "" when it has none."""
    _local, at, domain = (email or "").strip().rpartition("@")
    return domain.lower() if at and _local else ""


class ProviderQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The manufacturer's staff: every provider; a partner admin: its own distributor's;
        anyone else: none."""
        from identity.access import Role, is_manufacturer, user_membership, user_role

        if is_manufacturer(user):
            return self.all()
        if user_role(user) == Role.PARTNER_ADMIN:
            return self.filter(distributor_id=user_membership(user).distributor_id)
        return self.none()


class IdentityProvider(models.Model):
    """A company's identity provider. Without a distributor it is the manufacturer's (its staff
    sign in there); with one, only that distributor's people are ever provisioned from it."""

    class Protocol(models.TextChoices):
        OIDC = "oidc", _("OpenID Connect")
        SAML = "saml", _("SAML 2.0")

    name = models.CharField(_("name"), max_length=100)
    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="identity_providers",
        verbose_name=_("distributor"),
    )
    protocol = models.CharField(
        _("protocol"), max_length=10, choices=Protocol.choices, default=Protocol.OIDC
    )
    is_active = models.BooleanField(_("active"), default=True)
    # A distributor's people may no longer log in with a password once this provider works.
    password_login_disabled = models.BooleanField(_("local passwords off"), default=False)
    # The manufacturer's provider written by `manage.py sso_staff_provider` from the settings.
    from_settings = models.BooleanField(_("kept by the settings"), default=False, editable=False)
    # Two-factor: by default the company's provider answers for the second factor of its
    # sign-ins (the portal asks none of its own); these ask more.
    require_portal_two_factor = models.BooleanField(
        _("also require the portal's second factor"),
        default=False,
        help_text=_(
            "After signing in at the company, people also give a code from the portal's "
            "authenticator app (set up at their first sign-in)."
        ),
    )
    require_provider_mfa = models.BooleanField(
        _("require MFA at the provider"),
        default=False,
        help_text=_(
            "A sign-in for which the provider does not say it checked a second factor (OpenID "
            "Connect: the amr claim; SAML: the authentication context) is refused."
        ),
    )

    # OpenID Connect
    issuer = models.CharField(_("issuer"), max_length=URL_MAX, blank=True)
    client_id = models.CharField(_("client ID"), max_length=255, blank=True)
    # Encrypted at rest (drm.crypto).
    client_secret = EncryptedTextField(_("client secret"), max_length=500, blank=True)
    authorization_endpoint = models.URLField(
        _("authorization endpoint"), max_length=URL_MAX, blank=True
    )
    token_endpoint = models.URLField(_("token endpoint"), max_length=URL_MAX, blank=True)
    jwks_uri = models.URLField(_("JWKS URI"), max_length=URL_MAX, blank=True)
    userinfo_endpoint = models.URLField(_("userinfo endpoint"), max_length=URL_MAX, blank=True)
    end_session_endpoint = models.URLField(
        _("end session endpoint"), max_length=URL_MAX, blank=True
    )
    scopes = models.CharField(
        _("scopes"), max_length=255, blank=True, default="openid email profile"
    )

    # SAML 2.0
    entity_id = models.CharField(_("IdP entity ID"), max_length=URL_MAX, blank=True)
    sso_url = models.URLField(_("IdP single sign-on URL"), max_length=URL_MAX, blank=True)
    slo_url = models.URLField(_("IdP single log-out URL"), max_length=URL_MAX, blank=True)
    certificate = models.TextField(
        _("IdP signing certificate (PEM)"), max_length=CERTIFICATE_MAX, blank=True
    )

    # Claims (OIDC) or attributes (SAML) -> the portal's roles
    email_claim = models.CharField(_("e-mail claim"), max_length=100, default="email")
    role_claim = models.CharField(_("role claim"), max_length=100, default="groups")
    admin_values = models.CharField(
        _("values meaning admin"),
        max_length=500,
        blank=True,
        help_text=_(
            "Comma-separated. Manufacturer: manufacturer admin; distributor: partner admin."
        ),
    )
    manager_values = models.CharField(
        _("values meaning channel manager"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated; the manufacturer's provider only."),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    # Each protocol's own settings: a provider keeps only its protocol's, the other's are emptied.
    PROTOCOL_FIELDS = {
        Protocol.OIDC: (
            "issuer",
            "client_id",
            "client_secret",
            "authorization_endpoint",
            "token_endpoint",
            "jwks_uri",
            "userinfo_endpoint",
            "end_session_endpoint",
            "scopes",
        ),
        Protocol.SAML: ("entity_id", "sso_url", "slo_url", "certificate"),
    }

    @property
    def is_manufacturers(self):
        return self.distributor_id is None

    def domain_list(self):
        return [d.domain for d in self.domains.all()]

    def secret_hint(self):
        """The client secret as pages show it: never in full."""
        if not self.client_secret:
            return ""
        return "…" + self.client_secret[-SECRET_SHOWN:] if len(self.client_secret) > 8 else "…"

    @staticmethod
    def values(text):
        return {v.strip() for v in (text or "").split(",") if v.strip()}


class ProviderDomain(models.Model):
    """An e-mail domain whose people sign in at `provider`. A domain leads to one provider."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(_("domain"), max_length=253)

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("domain"), name="sso_domain_unique"),
        ]
        ordering = ["domain"]

    def __str__(self):
        return self.domain


class Identity(models.Model):
    """A user as one provider knows it: (provider, subject) is the link, never the e-mail."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="identities"
    )
    subject = models.CharField(_("subject"), max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities"
    )
    email = models.EmailField(_("e-mail asserted"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="sso_identity_unique"),
            # One identity per user at a provider: a second subject never takes over a user.
            models.UniqueConstraint(fields=["provider", "user"], name="sso_identity_one_per_user"),
        ]

    def __str__(self):
        return f"{self.provider} / {self.subject}"


class SamlAssertionSeen(models.Model):
    """The IDs of SAML responses already consumed: a replayed response is refused."""

    response_id = models.CharField(max_length=255, unique=True)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(response_id=""), name="sso_seen_id")]

    def __str__(self):
        return self.response_id
