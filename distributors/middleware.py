"""Speak to each user in its own language: its profile setting, else what the browser asks."""

from django.utils import translation

from .access import user_language


class UserLanguageMiddleware:
    """After LocaleMiddleware and authentication: a user's saved language wins over the browser's.

    API clients authenticate in the view (tokens), so for them Accept-Language decides.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = user_language(getattr(request, "user", None), fallback=None)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response
