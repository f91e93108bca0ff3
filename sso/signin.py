"""The sign-in pages: the login page with "Sign in with your company account" (the e-mail's
domain finds the provider), the OpenID Connect start and callback (mozilla-django-oidc's views,
configured by the provider row), and the log-out that ends the provider's session too."""

from urllib.parse import parse_qs, urlencode, urlparse

from django import forms
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from identity.two_factor import SESSION_SECOND_FACTOR, SecondFactorBy

from . import services
from .backends import ProviderOIDCBackend, oidc_settings
from .models import IdentityProvider
from .services import SignInRefused

OIDC_BACKEND = "sso.backends.ProviderOIDCBackend"
SESSION_PROVIDER = "sso_provider_id"
SESSION_ID_TOKEN = "oidc_id_token"  # noqa: S105 - the session key the library stores it under
# Did the provider say it checked a second factor (OIDC amr, SAML authentication context)?
SESSION_PROVIDER_MFA = "sso_provider_mfa"


def session_open(request, user, *, provider, backend, provider_mfa):
    """Log `user` in from `provider`, and remember in the session which provider it was, whether
    it did MFA, and who answers for the second factor: the provider (the portal asks none), or
    the portal's own step when the provider (or, for the staff, a setting) asks for it too."""
    auth.login(request, user, backend=backend)
    request.session[SESSION_PROVIDER] = provider.pk
    request.session[SESSION_PROVIDER_MFA] = bool(provider_mfa)
    request.session[SESSION_SECOND_FACTOR] = (
        SecondFactorBy.PORTAL
        if services.portal_two_factor_required(provider)
        else SecondFactorBy.PROVIDER
    )


class CompanySignInForm(forms.Form):
    company_email = forms.EmailField(
        label=gettext_lazy("Your work e-mail"), max_length=254, required=True
    )


class PasswordLoginForm(AuthenticationForm):
    """Django's login form; a right password of a side that signs in at its company only is
    refused with a message saying where to sign in instead."""

    def clean(self):
        try:
            return super().clean()
        except ValidationError:
            if getattr(self.request, "sso_password_refused", False):
                raise ValidationError(
                    _(
                        'Your company signs in with its own account: use "Sign in with your '
                        'company account" below. Passwords are switched off for you.'
                    ),
                    code="password_login_disabled",
                ) from None
            raise


class LoginView(auth_views.LoginView):
    authentication_form = PasswordLoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        # A password log-in owes the second factor its own rules, whatever this session was.
        for key in (SESSION_SECOND_FACTOR, SESSION_PROVIDER_MFA):
            self.request.session.pop(key, None)
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("company_form", CompanySignInForm())
        return context


def _safe_next(request, value):
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


@require_POST
def company_sign_in(request):
    """The e-mail typed at the login page leads to its company's provider, or back with why."""
    form = CompanySignInForm(request.POST)
    next_url = _safe_next(request, request.POST.get("next"))
    login_url = reverse("login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    if not form.is_valid():
        messages.error(request, _("Enter your work e-mail address to sign in with your company."))
        return redirect(login_url)
    provider = services.provider_for_email(form.cleaned_data["company_email"])
    if provider is None:
        messages.error(
            request,
            _(
                "No company sign-in is set up for that e-mail domain. Log in with your "
                "password, or ask your administrator."
            ),
        )
        return redirect(login_url)
    start = reverse("sso:start", args=[provider.pk])
    return redirect(start + (f"?{urlencode({'next': next_url})}" if next_url else ""))


def start(request, pk):
    """Send the browser to the provider: OpenID Connect here, SAML in sso.saml."""
    provider = get_object_or_404(IdentityProvider, pk=pk, is_active=True)
    if provider.protocol == IdentityProvider.Protocol.SAML:
        from .saml import saml_start

        return saml_start(request, provider)
    return OIDCStartView.as_view()(request, provider=provider)


class OIDCStartView(OIDCAuthenticationRequestView):
    """The library's authorization request (state, nonce, PKCE in the session), with the
    provider's own endpoints; the state remembers which provider it was sent to."""

    def __init__(self, *args, **kwargs):
        # The library reads global settings here; ours come from the provider in get().
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.provider = None

    def get_settings(self, attr, *args):
        values = oidc_settings(self.provider) if self.provider is not None else {}
        if attr in values:
            return values[attr]
        return super().get_settings(attr, *args)

    def get(self, request, provider):
        self.provider = provider
        self.OIDC_OP_AUTH_ENDPOINT = provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = provider.client_id
        response = super().get(request)
        state = parse_qs(urlparse(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state]["provider"] = provider.pk
        request.session.modified = True
        return response


class OIDCCallbackView(OIDCAuthenticationCallbackView):
    """The provider sends the browser back here. The state is good once; every refusal goes
    back to the login page with a message saying why."""

    @property
    def failure_url(self):
        return reverse("login")

    def refused(self, message):
        messages.error(self.request, message)
        return HttpResponseRedirect(self.failure_url)

    def get(self, request):
        state = request.GET.get("state")
        states = request.session.get("oidc_states") or {}
        if request.GET.get("error"):
            if state in states:
                del request.session["oidc_states"][state]
                request.session.modified = True
            return self.refused(
                _("Your company's sign-in did not sign you in (%(error)s).")
                % {"error": request.GET["error"][:100]}
            )
        if not request.GET.get("code") or not state:
            return self.refused(_("The answer from your company's sign-in is incomplete."))
        if state not in states:
            return self.refused(
                _(
                    "This sign-in answer was already used or has expired (state). Sign in with "
                    "your company account again."
                )
            )
        entry = states[state]
        del request.session["oidc_states"][state]
        request.session.save()
        # As the library does: read the session afresh after the slow calls to the provider.
        request.session = request.session.__class__(request.session.session_key)
        provider = IdentityProvider.objects.filter(pk=entry.get("provider"), is_active=True).first()
        if provider is None:
            return self.refused(_("This company sign-in has been switched off."))
        backend = ProviderOIDCBackend()
        try:
            self.user = backend.authenticate(
                request,
                provider=provider,
                nonce=entry.get("nonce"),
                code_verifier=entry.get("code_verifier"),
            )
        except SignInRefused as exc:
            return self.refused(exc.message)
        if self.user is None or not self.user.is_active:
            return self.refused(_("Your company's sign-in did not sign you in."))
        id_token = request.session.get(SESSION_ID_TOKEN)
        session_open(
            request,
            self.user,
            provider=provider,
            backend=OIDC_BACKEND,
            provider_mfa=backend.provider_mfa,
        )
        request.session[SESSION_ID_TOKEN] = id_token
        return HttpResponseRedirect(self.success_url)


class LogoutView(auth_views.LogoutView):
    """Ends the portal's session and, where the provider can, the provider's too: OpenID
    Connect's end_session_endpoint, SAML's single log-out."""

    def post(self, request, *args, **kwargs):
        provider = IdentityProvider.objects.filter(pk=request.session.get(SESSION_PROVIDER)).first()
        id_token = request.session.get(SESSION_ID_TOKEN)
        saml_name = request.session.get("sso_saml_name_id")
        response = super().post(request, *args, **kwargs)
        if provider is None:
            return response
        after = request.build_absolute_uri(resolve_url("login"))
        if provider.protocol == IdentityProvider.Protocol.OIDC and provider.end_session_endpoint:
            query = {"post_logout_redirect_uri": after, "client_id": provider.client_id}
            if id_token:
                query["id_token_hint"] = id_token
            separator = "&" if "?" in provider.end_session_endpoint else "?"
            return HttpResponseRedirect(
                provider.end_session_endpoint + separator + urlencode(query)
            )
        if provider.protocol == IdentityProvider.Protocol.SAML and provider.slo_url and saml_name:
            from .saml import saml_logout

            return saml_logout(request, provider, saml_name) or response
        return response
