"""Analytics pages (being built)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("Not built yet")


analytics_page = _todo
