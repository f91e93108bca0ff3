"""Per-request user rules: each user's own language, and the second factor a log-in still owes."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from rest_framework.views import APIView

from drm.formats import regional_variant

from .access import user_language
from .two_factor import Step, two_factor_step


class UserLanguageMiddleware:
    """After LocaleMiddleware and authentication: a user's saved language wins over the browser's.

    A language saved or switched to without a region ("en") takes the browser's region when the
    portal knows it ("en-us": dates month first). API clients authenticate in the view (tokens),
    so for them Accept-Language decides.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = user_language(getattr(request, "user", None), fallback=None)
        chosen = regional_variant(
            language or getattr(request, "LANGUAGE_CODE", ""),
            request.headers.get("Accept-Language", ""),
        )
        if chosen and chosen != translation.get_language():
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", chosen)
        return response


class TwoFactorMiddleware:
    """After OTPMiddleware: a log-in that still owes its second factor reaches nothing else.

    A user with an authenticator app is sent to enter a code; a manufacturer admin without one,
    when TWO_FACTOR_REQUIRED_FOR_ADMINS is on, to set one up (so is anyone entering the Django
    admin then). Log-out and the language switch stay open. API views are left to DRF: token
    calls do not use the session, and SessionAuthentication refuses such a session itself.
    """

    OPEN = {
        Step.VERIFY: {"identity:two-factor-verify", "logout", "identity:language"},
        Step.SETUP: {"identity:two-factor", "logout", "identity:language"},
    }
    TARGET = {Step.VERIFY: "identity:two-factor-verify", Step.SETUP: "identity:two-factor"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        match = request.resolver_match
        step = two_factor_step(
            request.user,
            admin_site=match is not None and match.app_name == "admin",
            session=getattr(request, "session", None),
        )
        if step is None or (match is not None and match.view_name in self.OPEN[step]):
            return None
        target = reverse(self.TARGET[step])
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)
