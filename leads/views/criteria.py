"""Qualification criteria pages (being built)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("Not built yet")


criteria_page = criterion_add = criterion_edit = criterion_delete = _todo
criteria_publish = criteria_acknowledge = _todo
