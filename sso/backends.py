"""Authentication backends of single sign-on: the OpenID Connect relying party (one provider
row at a time, never global settings), and the gate that keeps passwords closed for a side that
signs in at its company only."""

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.utils.translation import gettext as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings

from . import services
from .models import IdentityProvider
from .services import SignInRefused

CALLBACK_URL = "sso:oidc-callback"
SIGN_ALGO = "RS256"


def oidc_settings(provider):
    """mozilla-django-oidc's settings, read from one provider row."""
    return {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": provider.authorization_endpoint,
        "OIDC_OP_TOKEN_ENDPOINT": provider.token_endpoint,
        "OIDC_OP_USER_ENDPOINT": provider.userinfo_endpoint,
        "OIDC_OP_JWKS_ENDPOINT": provider.jwks_uri,
        "OIDC_RP_CLIENT_ID": provider.client_id,
        "OIDC_RP_CLIENT_SECRET": provider.client_secret,
        "OIDC_RP_SIGN_ALGO": SIGN_ALGO,
        "OIDC_RP_IDP_SIGN_KEY": None,
        "OIDC_RP_SCOPES": provider.scopes or "openid email",
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": CALLBACK_URL,
        "OIDC_TIMEOUT": settings.SSO_TIMEOUT,
        "OIDC_VERIFY_SSL": True,
        "OIDC_STORE_ID_TOKEN": True,
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_CREATE_USER": True,
        "OIDC_ALLOW_UNSECURED_JWT": False,
        "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {},
    }


class ProviderOIDCBackend(OIDCAuthenticationBackend):
    """mozilla-django-oidc's backend, configured by the provider row the callback names.

    Beyond the library: the ID token's audience, issuer, expiry and issue time are required and
    checked; every refusal is a SignInRefused with a message for the person signing in; the
    user comes from services.identity_sign_in (linked by provider and subject).
    """

    def __init__(self, *args, **kwargs):
        # The library reads global settings here; ours come with the provider in authenticate().
        self.UserModel = get_user_model()
        self.provider = None
        # Whether the ID token's amr said a second factor was checked (read by the callback).
        self.provider_mfa = False

    def get_settings(self, attr, *args):
        if self.provider is not None:
            values = oidc_settings(self.provider)
            if attr in values:
                return values[attr]
        return import_from_settings(attr, *args)

    def authenticate(self, request, provider=None, **kwargs):
        if request is None or not isinstance(provider, IdentityProvider):
            return None
        if provider.protocol != IdentityProvider.Protocol.OIDC or not provider.is_active:
            return None
        self.provider = provider
        for name, value in oidc_settings(provider).items():
            setattr(self, name, value)
        try:
            return super().authenticate(request, **kwargs)
        except requests.HTTPError as exc:
            raise SignInRefused(
                _(
                    "Your company's sign-in refused to confirm this sign-in (the code may have "
                    "been used already). Start again."
                )
            ) from exc
        except requests.RequestException as exc:
            raise SignInRefused(
                _("Your company's sign-in could not be reached. Try again in a moment.")
            ) from exc

    def _verify_jws(self, payload, key):
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.InvalidTokenError as exc:
            raise SignInRefused(_("The sign-in token could not be read.")) from exc
        if header.get("alg") != SIGN_ALGO:
            raise SignInRefused(_("The sign-in token is not signed as agreed (RS256)."))
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[SIGN_ALGO],
                audience=self.provider.client_id,
                issuer=self.provider.issuer,
                leeway=settings.SSO_CLOCK_SKEW,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise SignInRefused(
                _("The sign-in token has expired. Sign in at your company again.")
            ) from exc
        except jwt.InvalidAudienceError as exc:
            raise SignInRefused(
                _("The sign-in token was not issued for this portal (wrong audience).")
            ) from exc
        except jwt.InvalidIssuerError as exc:
            raise SignInRefused(
                _("The sign-in token comes from another issuer than this company's sign-in.")
            ) from exc
        except jwt.ImmatureSignatureError as exc:
            raise SignInRefused(_("The sign-in token is not valid yet.")) from exc
        except jwt.InvalidTokenError as exc:
            raise SignInRefused(_("The sign-in token's signature could not be verified.")) from exc

    def retrieve_matching_jwk(self, token):
        try:
            return super().retrieve_matching_jwk(token)
        except SuspiciousOperation as exc:
            raise SignInRefused(_("The sign-in token's signing key is unknown.")) from exc

    def verify_token(self, token, **kwargs):
        nonce = kwargs.get("nonce")
        if not token:
            raise SignInRefused(_("Your company's sign-in sent no ID token."))
        payload = self._verify_jws(token, self.retrieve_matching_jwk(token))
        if not nonce or payload.get("nonce") != nonce:
            raise SignInRefused(
                _("The sign-in token belongs to another sign-in attempt (nonce). Start again.")
            )
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        if not self.provider.userinfo_endpoint:
            return dict(payload)
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload.get("sub")):
            raise SignInRefused(_("Your company's sign-in described someone else (userinfo)."))
        return {**payload, **userinfo}

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("email_verified") is False:
            raise SignInRefused(_("Your company's sign-in has not verified your e-mail address."))
        # amr is the ID token's, signed by the provider; userinfo does not speak for it.
        self.provider_mfa = services.oidc_mfa_asserted(payload.get("amr"))
        return services.identity_sign_in(
            provider=self.provider,
            subject=payload.get("sub"),
            email=claims.get(self.provider.email_claim),
            claims=claims,
            provider_mfa=self.provider_mfa,
        )


class PasswordGateBackend(ModelBackend):
    """Placed before ModelBackend: a right password of a user whose side signs in at its company
    only stops the log-in here (PermissionDenied ends Django's search for a backend), and the
    request remembers why so that the login form can say it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        try:
            user = get_user_model()._default_manager.get_by_natural_key(username)
        except get_user_model().DoesNotExist:
            return None
        if services.password_login_allowed(user) or not user.check_password(password):
            return None
        if request is not None:
            request.sso_password_refused = True
        raise PermissionDenied


class ProviderSAMLBackend(ModelBackend):
    """The backend a SAML sign-in is recorded under (sso.saml logs the user in itself once the
    assertion is verified); it authenticates no credentials of its own."""

    def authenticate(self, request, **kwargs):
        return None
