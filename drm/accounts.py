"""Forgotten passwords (throttled, silent about who has an account) and the lockout's username."""

import unicodedata

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.urls import reverse_lazy

from .proxies import client_address

WINDOW_SECONDS = 60 * 60


def _spent(key):
    """Count one request against `key`; True once the hour's allowance is used up."""
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
        count = 1
    return count > settings.PASSWORD_RESET_RATE


class PasswordResetView(auth_views.PasswordResetView):
    """Sends the link at most PASSWORD_RESET_RATE times an hour per address and per client.

    Whatever happens (unknown address, throttled, sent) the caller sees the same "done" page,
    so the form tells nobody which addresses have accounts.
    """

    email_template_name = "registration/password_reset_email.txt"
    html_email_template_name = "registration/password_reset_email.html"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self):
        return {"site_url": settings.SITE_URL.rstrip("/")}

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().lower()
        client = client_address(self.request)
        # Both counters move on every request, so neither can be probed on its own.
        by_email = _spent(f"password-reset:email:{email}")
        by_client = _spent(f"password-reset:ip:{client}")
        if by_email or by_client:
            return super(auth_views.PasswordResetView, self).form_valid(form)
        return super().form_valid(form)


def lockout_username(request, credentials=None):
    """The username django-axes counts failures against: case, width and spaces do not matter.

    Otherwise "Alice", "ALICE" and " alice" would each get their own allowance of failures.
    """
    if credentials:
        name = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        name = getattr(request, "data", request.POST).get(settings.AXES_USERNAME_FORM_FIELD)
    if not isinstance(name, str):
        return name
    return unicodedata.normalize("NFKC", name).strip().casefold()
