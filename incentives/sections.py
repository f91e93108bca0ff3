"""What incentives adds to the distributor's 360° record (`distributors.record`): where it
stands in its programmes (earned, paid, due, the next tier), one click from its statement. The
figures are the statement's (`selectors.standing_figures`)."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from distributors import record
from drm import compiled
from identity.access import is_manufacturer, viewer_key

from . import selectors

PROGRAMMES_SHOWN = 5


def earnings_section(distributor, viewer, today):
    """The distributor's latest programmes with its figures; hidden where it is in none."""

    def build(distributor):
        shown = selectors.standing_figures(distributor=distributor, visible_to=viewer)
        return shown[:PROGRAMMES_SHOWN]

    standings = compiled.rows(
        ("incentives.section", viewer_key(viewer)), build, distributor=distributor
    )
    if not standings:
        return None
    for standing in standings:
        standing.outlook = standing.programme.outlook(standing, today)
    url = reverse("incentives:statement")
    if is_manufacturer(viewer):
        url = f"{url}?{urlencode({'distributor': distributor.code})}"
    return {
        "rows": standings,
        "statement_url": url,
        "currency": settings.REPORTING_CURRENCY,
    }


def register():
    record.register_section(
        "earnings",
        order=66,
        template="incentives/record/_earnings.html",
        build=earnings_section,
    )
