"""Scoring's part of the distributor's 360° record: score, ranks and their movement."""

from django.urls import reverse

from distributors import record
from identity.access import is_manufacturer

from . import selectors


def score_section(distributor, viewer, today):
    card = selectors.scorecard_get(visible_to=viewer, code=distributor.code)
    manufacturer = is_manufacturer(viewer)
    return {
        "card": card,
        "scorecard_url": reverse("scoring:scorecard", args=[distributor.code])
        if manufacturer
        else reverse("scoring:mine"),
        "rankings_url": reverse("scoring:rankings") if manufacturer else "",
    }


def register():
    record.register_section(
        "score", order=10, template="scoring/_record_score.html", build=score_section
    )
