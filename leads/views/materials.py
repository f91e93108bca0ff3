"""Catalogue pages (being built)."""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404("Not built yet")


material_list = material_create = material_detail = material_edit = _todo
material_rate = material_file = _todo
