"""The user's own pages: its settings (language), the language switch, two-factor authentication."""

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language_from_request
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from drm.errors import DomainError

from . import services, two_factor
from .access import admin_site_requires_verification, two_factor_required, user_language
from .forms import ProfileForm, TwoFactorCodeForm

# --- the user's own settings --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def profile(request):
    """The user's language (more personal settings come here)."""
    form = ProfileForm(
        request.POST or None, initial={"language": user_language(request.user, fallback="")}
    )
    if request.method == "POST" and form.is_valid():
        services.user_language_set(user=request.user, language=form.cleaned_data["language"])
        language = form.cleaned_data["language"] or get_language_from_request(request)
        translation.activate(language)
        messages.success(request, _("Your settings are saved."))
        response = redirect("identity:profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language)
        return response
    return render(request, "registration/profile.html", {"form": form})


# --- two-factor authentication --------------------------------------------------------------


def _next_or(request, fallback):
    """The page the user was on its way to (?next= or a posted next), if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(fallback)


def _two_factor_passed(request, device):
    """The session is verified from now on, under a new key (the old one proved less)."""
    request.session.cycle_key()
    django_otp.login(request, device)


def _two_factor_page(request, *, form=None, off_form=None, status=200):
    user = request.user
    device = two_factor.totp_device(user)
    context = {
        "device": device,
        "required": two_factor_required(user) or admin_site_requires_verification(user),
        "next": _next_or(request, "identity:two-factor"),
    }
    if device is None:
        pending = two_factor.totp_device_start(user=user)
        context |= {
            "form": form or TwoFactorCodeForm(),
            "qr_code": mark_safe(two_factor.qr_code_svg(pending)),  # noqa: S308 (drawn by qrcode)
            "secret_key": two_factor.secret_key_text(pending),
            "config_url": pending.config_url,
        }
    else:
        context["off_form"] = off_form or TwoFactorCodeForm()
    return render(request, "registration/two_factor.html", context, status=status)


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_setup(request):
    """Switch two-factor authentication on: add the key to an app, confirm with its first code."""
    if request.method == "GET" or two_factor.totp_device(request.user) is not None:
        return _two_factor_page(request)
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        try:
            device = two_factor.totp_device_confirm(
                user=request.user, code=form.cleaned_data["code"]
            )
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            _two_factor_passed(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_next_or(request, "identity:two-factor"))
    return _two_factor_page(request, form=form, status=400)


@require_POST
@login_required
def two_factor_disable(request):
    """Switch two-factor authentication off, with a current code."""
    form = TwoFactorCodeForm(request.POST)
    if form.is_valid():
        try:
            two_factor.totp_device_remove(user=request.user, code=form.cleaned_data["code"])
        except DomainError as error:
            if error.field:
                form.add_error(error.field, error.message)
            else:
                messages.error(request, error.message)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("identity:two-factor")
    return _two_factor_page(request, off_form=form, status=400)


@require_http_methods(["GET", "POST"])
@login_required
def two_factor_verify(request):
    """The log-in step after the password, for users with an authenticator app."""
    target = _next_or(request, "home")
    if two_factor.two_factor_step(request.user) != two_factor.Step.VERIFY:
        # Verified already, or nothing to verify with (the portal says what else it needs).
        return redirect(target)
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.totp_verify(user=request.user, code=form.cleaned_data["code"])
        except DomainError as error:
            form.add_error("code", error.message)
        else:
            _two_factor_passed(request, device)
            return redirect(target)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": target},
        status=status,
    )


@require_POST
def language_switch(request):
    """The navbar switcher: remembered in the profile for users, in a cookie for everyone."""
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        raise Http404("Unknown language")
    if request.user.is_authenticated:
        services.user_language_set(user=request.user, language=language)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = redirect(target)
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response
