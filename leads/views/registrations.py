"""Deal registration pages (being built)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("Not built yet")


deal_register = registration_list = registration_decide = _todo
