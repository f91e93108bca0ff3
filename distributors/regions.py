"""Regions in the reader's language: the one way a region written on a distributor, a territory or
a scorecard is shown.

Regions are text (the English name: filters, rankings within a region and routing match it); the
`Region` rows give their French names. They are few and read on every list, so they are read
once per request (or once a minute in a long-running job), never once per row.
"""

import time

from django.core.signals import request_started
from django.db.models import Count

from drm.names import name_in, reads_french

# How long a job that serves no request trusts what it read.
MEMO_SECONDS = 60

_memo = {"at": None, "names": {}}


def forget(**_kwargs):
    """Drop what was read: every request starts from the stored names."""
    _memo["at"] = None


request_started.connect(forget, dispatch_uid="distributors.regions.forget")


def connect():
    """A region saved or deleted in this process is read afresh at once, not a minute later."""
    from django.db.models.signals import post_delete, post_save

    from .models import Region

    post_save.connect(forget, sender=Region, dispatch_uid="distributors.regions.saved")
    post_delete.connect(forget, sender=Region, dispatch_uid="distributors.regions.deleted")


def french_names():
    """{region in lower case: its French name} of the regions that have one."""
    now = time.monotonic()
    if _memo["at"] is None or now - _memo["at"] > MEMO_SECONDS:
        from .models import Region

        _memo["names"] = {
            name.lower(): name_fr
            for name, name_fr in Region.objects.exclude(name_fr="").values_list("name", "name_fr")
        }
        _memo["at"] = now
    return _memo["names"]


def region_display(value, language=None):
    """A region as a reader of `language` (by default the active one) sees it; empty stays empty.
    English readers see the text as written, without reading the database."""
    if not value or not reads_french(language):
        return value or ""
    return name_in(value, french_names().get(value.lower(), ""), language)


def region_written(text):
    """The region as distributors write it for `text`, which may be a French name (any case);
    any other text is returned as given."""
    text = (text or "").strip()
    if not text:
        return text
    folded = text.casefold()
    for name, name_fr in french_names_by_region().items():
        if name_fr.casefold() == folded:
            return name
    return text


def french_names_by_region():
    """{region as written in its Region row: French name}."""
    from .models import Region

    return dict(Region.objects.exclude(name_fr="").values_list("name", "name_fr"))


def regions_in_use():
    """[(name, French name, distributors, territories)] of every region written somewhere or
    given a French name, by name in any case (the first spelling met is kept)."""
    from .models import Distributor, Region, Territory

    rows = {}

    def add(name, distributors=0, territories=0, name_fr=""):
        key = name.lower()
        row = rows.setdefault(key, {"name": name, "fr": "", "distributors": 0, "territories": 0})
        row["distributors"] += distributors
        row["territories"] += territories
        row["fr"] = row["fr"] or name_fr

    for region in Region.objects.all():
        add(region.name, name_fr=region.name_fr)
    for model, key in ((Distributor, "distributors"), (Territory, "territories")):
        counted = model.objects.exclude(region="").values("region").annotate(count=Count("pk"))
        for row in counted.order_by("region"):
            add(row["region"], **{key: row["count"]})
    return sorted(rows.values(), key=lambda row: row["name"].lower())
