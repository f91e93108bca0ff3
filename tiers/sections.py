"""What the tiers add to the distributor's 360° record (`distributors.record`): the tier
proposal waiting for a decision, with the way to it and to the tier history; and to a manager's
"Waiting for you", the tier changes to decide."""

from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from distributors import record
from distributors.selectors import DistributorScope, distributor_scope_default
from identity.access import is_manufacturer, viewer_key

from . import selectors
from .models import TierReview


def tier_section(distributor, viewer, today):
    """The open proposal (if any) and the links: the manager's history, the partner's
    standing."""
    review = selectors.review_open_for(distributor)
    manufacturer = is_manufacturer(viewer)
    return {
        "review": review,
        "tier": distributor.tier,
        "manufacturer": manufacturer,
        "review_url": reverse("tiers:proposal", args=[review.pk])
        if review is not None and manufacturer
        else "",
        "url": reverse("tiers:history", args=[distributor.code])
        if manufacturer
        else reverse("tiers:mine"),
    }


def todo_tier_changes(viewer, *, distributor, scope, today):
    """The manufacturer's tier changes to confirm or override (one distributor's on its
    record)."""
    if not is_manufacturer(viewer):
        return None
    query = {"status": TierReview.Status.PROPOSED}
    values = {}
    if distributor is not None:
        query["distributor"] = distributor.code
        values["distributor"] = distributor
    else:
        # The dashboard's scope: the manager's own distributors, or all (as the list filters).
        scope = scope or distributor_scope_default(user=viewer)
        query["scope"] = scope

    def build(**values):
        reviews = TierReview.objects.filter(status=TierReview.Status.PROPOSED)
        if "distributor" in values:
            reviews = reviews.filter(distributor=values["distributor"])
        elif scope == DistributorScope.MINE:
            reviews = reviews.filter(distributor__account_manager=viewer)
        return (
            reviews.select_related("distributor", "current_tier", "proposed_tier").order_by(
                "proposed_at", "pk"
            ),
            {"count": Count("pk")},
        )

    rows, counts = record.frozen_head_and_counts(
        ("tiers.todo", viewer_key(viewer), query.get("scope")),
        build,
        record.TODO_PREVIEW,
        **values,
    )
    if not counts["count"]:
        return None
    url = f"{reverse('tiers:proposals')}?{urlencode(query)}"
    return record.Todo(
        key="tier_changes",
        label=_("Tier changes to decide"),
        count=counts["count"],
        url=url,
        rows=tuple(
            record.TodoRow(
                text=f"{row.distributor.code} · {row.current_tier.display_name} → "
                f"{row.proposed_tier.display_name}",
                url=reverse("tiers:proposal", args=[row.pk]),
            )
            for row in rows
        ),
        action=_("Confirm or override each proposal"),
    )


def register():
    record.register_section(
        "tier", order=70, template="tiers/record/_tier.html", build=tier_section
    )
    record.register_todo("tier_changes", order=48, build=todo_tier_changes)
