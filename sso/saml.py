"""SAML 2.0 sign-in with pysaml2 (service provider; signatures checked by xmlsec1): the
provider row is the IdP's metadata, the portal's own metadata is served per provider, and an
assertion is consumed once.

The outstanding AuthnRequest IDs live in the cache, not in the session: the IdP's POST to the
assertion consumer service is cross-site, and a SameSite=Lax session cookie does not come along.
"""

import re
from xml.sax.saxutils import quoteattr

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, SAMLError
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.ident import code, decode
from saml2.metadata import entity_descriptor
from saml2.response import UnsolicitedResponse
from saml2.sigver import SignatureError
from saml2.validate import ResponseLifetimeExceed, ToEarly
from saml2.xmldsig import DIGEST_SHA256, SIG_RSA_SHA256

from . import services
from .models import IdentityProvider, SamlAssertionSeen
from .services import SignInRefused
from .signin import session_open

SAML_BACKEND = "sso.backends.ProviderSAMLBackend"
OUTSTANDING_SECONDS = 600
SESSION_NAME_ID = "sso_saml_name_id"
SESSION_INDEX = "sso_saml_session_index"
PEM_ARMOUR = re.compile(r"-----(BEGIN|END) CERTIFICATE-----|\s")


def _request_key(request_id):
    return f"sso:saml:request:{request_id}"


def idp_metadata(provider):
    """The IdP's metadata, written from the provider row (entity ID, URLs, certificate)."""
    certificate = PEM_ARMOUR.sub("", provider.certificate)
    slo = (
        f'<md:SingleLogoutService Binding="{BINDING_HTTP_REDIRECT}" '
        f"Location={quoteattr(provider.slo_url)}/>"
        if provider.slo_url
        else ""
    )
    return (
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" '
        f"entityID={quoteattr(provider.entity_id)}>"
        '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>'
        f"<ds:X509Certificate>{certificate}</ds:X509Certificate>"
        "</ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        f"{slo}"
        f'<md:SingleSignOnService Binding="{BINDING_HTTP_REDIRECT}" '
        f"Location={quoteattr(provider.sso_url)}/>"
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def sp_entity_id(request, provider):
    return request.build_absolute_uri(reverse("sso:saml-metadata", args=[provider.pk]))


def sp_signs():
    """Does the portal sign its requests? When the settings give its key and certificate."""
    return bool(settings.SSO_SAML_SP_KEY_FILE and settings.SSO_SAML_SP_CERT_FILE)


def sp_config(request, provider):
    """pysaml2's service provider configuration for one provider row."""
    signs = sp_signs()
    keys = (
        {"key_file": settings.SSO_SAML_SP_KEY_FILE, "cert_file": settings.SSO_SAML_SP_CERT_FILE}
        if signs
        else {}
    )
    config = SPConfig()
    config.load(
        {
            "entityid": sp_entity_id(request, provider),
            "xmlsec_binary": settings.SSO_XMLSEC_BINARY,
            "accepted_time_diff": settings.SSO_CLOCK_SKEW,
            "allow_unknown_attributes": True,
            "signing_algorithm": SIG_RSA_SHA256,
            "digest_algorithm": DIGEST_SHA256,
            **keys,
            "service": {
                "sp": {
                    "name": "DRM portal",
                    "endpoints": {
                        "assertion_consumer_service": [
                            (
                                request.build_absolute_uri(
                                    reverse("sso:saml-acs", args=[provider.pk])
                                ),
                                BINDING_HTTP_POST,
                            )
                        ],
                    },
                    "allow_unsolicited": False,
                    "authn_requests_signed": signs,
                    "logout_requests_signed": signs,
                    "want_assertions_signed": True,
                    "want_response_signed": False,
                }
            },
            "metadata": {"inline": [idp_metadata(provider)]},
        }
    )
    return config


def saml_start(request, provider):
    """Send the browser to the IdP with an AuthnRequest (HTTP-Redirect binding)."""
    client = Saml2Client(sp_config(request, provider))
    next_url = request.GET.get("next", "")
    request_id, info = client.prepare_for_authenticate(
        entityid=provider.entity_id, relay_state=next_url, binding=BINDING_HTTP_REDIRECT
    )
    cache.set(
        _request_key(request_id), {"provider": provider.pk, "next": next_url}, OUTSTANDING_SECONDS
    )
    location = dict(info["headers"])["Location"]
    return HttpResponseRedirect(location)


class _Outstanding(dict):
    """The AuthnRequest IDs this portal sent to `provider` and has not seen answered, as pysaml2
    asks for them (`id in outstanding`, `outstanding[id]`), read from the cache."""

    def __init__(self, provider):
        super().__init__()
        self.provider = provider

    def __bool__(self):
        # pysaml2 writes `outstanding or {}`: an empty-looking dict would be dropped.
        return True

    def _entry(self, request_id):
        entry = cache.get(_request_key(request_id))
        return entry if entry and entry.get("provider") == self.provider.pk else None

    def __contains__(self, request_id):
        return self._entry(request_id) is not None

    def __getitem__(self, request_id):
        entry = self._entry(request_id)
        if entry is None:
            raise KeyError(request_id)
        return entry.get("next") or ""

    def get(self, request_id, default=None):
        entry = self._entry(request_id)
        return (entry.get("next") or "") if entry else default


def _refused(request, message):
    messages.error(request, message)
    return HttpResponseRedirect(reverse("login"))


def _why(exc):
    if isinstance(exc, ResponseLifetimeExceed):
        return _("The sign-in assertion has expired. Sign in at your company again.")
    if isinstance(exc, ToEarly):
        return _("The sign-in assertion is not valid yet.")
    if isinstance(exc, UnsolicitedResponse):
        return _(
            "This sign-in answer was already used, has expired, or was never asked for. "
            "Sign in with your company account again."
        )
    if isinstance(exc, SignatureError) or "signature" in str(exc).lower():
        return _("The sign-in assertion is not signed by your company's identity provider.")
    if "audience" in str(exc).lower():
        return _("The sign-in assertion was not issued for this portal (wrong audience).")
    return _("The sign-in answer from your company could not be verified.")


def _class_refs(response):
    """The authentication context class references of the assertion's AuthnStatements."""
    try:
        return [class_ref for class_ref, _authorities, *_rest in response.authn_info()]
    except (AttributeError, TypeError, ValueError):
        return []


@csrf_exempt
@require_POST
def assertion_consumer(request, pk):
    """The IdP posts its signed answer here (cross-site: no CSRF token, no session cookie)."""
    provider = get_object_or_404(
        IdentityProvider, pk=pk, is_active=True, protocol=IdentityProvider.Protocol.SAML
    )
    saml_response = request.POST.get("SAMLResponse", "")
    if not saml_response:
        return _refused(request, _("The answer from your company's sign-in is incomplete."))
    client = Saml2Client(sp_config(request, provider))
    try:
        response = client.parse_authn_request_response(
            saml_response, BINDING_HTTP_POST, outstanding=_Outstanding(provider)
        )
    except (SAMLError, ResponseLifetimeExceed, ToEarly, Exception) as exc:  # noqa: B014
        # pysaml2 raises bare Exception for some refusals (an audience that is not ours).
        return _refused(request, _why(exc))
    if response is None or response.assertion is None:
        return _refused(request, _("The sign-in answer from your company could not be verified."))
    # Consumed once: the request it answers, and the response itself.
    if not cache.delete(_request_key(response.in_response_to)):
        return _refused(request, _why(UnsolicitedResponse()))
    try:
        with transaction.atomic():
            SamlAssertionSeen.objects.create(response_id=response.response.id)
    except IntegrityError:
        return _refused(request, _why(UnsolicitedResponse()))
    name_id = response.name_id
    attributes = response.get_identity() or {}
    emails = attributes.get(provider.email_claim) or []
    email = emails[0] if emails else (name_id.text if "@" in (name_id.text or "") else "")
    provider_mfa = services.saml_mfa_asserted(_class_refs(response))
    try:
        user = services.identity_sign_in(
            provider=provider,
            subject=name_id.text,
            email=email,
            claims=attributes,
            provider_mfa=provider_mfa,
        )
    except SignInRefused as exc:
        return _refused(request, exc.message)
    session_open(request, user, provider=provider, backend=SAML_BACKEND, provider_mfa=provider_mfa)
    request.session[SESSION_NAME_ID] = code(name_id)
    request.session[SESSION_INDEX] = getattr(response, "session_index", None) or ""
    next_url = request.POST.get("RelayState", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
    return HttpResponseRedirect(next_url)


@require_safe
def metadata(request, pk):
    """The portal's service provider metadata for this provider (give it to the IdP)."""
    provider = get_object_or_404(
        IdentityProvider, pk=pk, is_active=True, protocol=IdentityProvider.Protocol.SAML
    )
    descriptor = entity_descriptor(sp_config(request, provider))
    return HttpResponse(str(descriptor), content_type="application/samlmetadata+xml")


def saml_logout(request, provider, name_id_code):
    """Send the browser to the IdP's single log-out with a LogoutRequest, or None."""
    client = Saml2Client(sp_config(request, provider))
    try:
        request_id, logout_request = client.create_logout_request(
            destination=provider.slo_url,
            issuer_entity_id=provider.entity_id,
            name_id=decode(name_id_code),
            session_indexes=[request.session.get(SESSION_INDEX)]
            if request.session.get(SESSION_INDEX)
            else None,
        )
        info = client.apply_binding(
            BINDING_HTTP_REDIRECT, str(logout_request), provider.slo_url, relay_state=""
        )
    except (SAMLError, ValueError, KeyError):
        return None
    return HttpResponseRedirect(dict(info["headers"])["Location"])
