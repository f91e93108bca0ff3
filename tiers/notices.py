"""The notification of the tiers: the tier changes the nightly requalification proposed, told to
each distributor's account manager (every channel manager for a distributor without one), one
notice per manager and run, done once each proposal is decided."""

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from identity.access import CHANNEL_MANAGERS
from leads.notices import _send
from notifications.kinds import Kind, register

TIER_CHANGE_PROPOSED = register(Kind("tier_change_proposed", _("Tier change proposed")))
LISTED = 10


def tier_changes_proposed_notify(review_ids):
    """Each manager hears of the proposals for its distributors (their codes and the change);
    returns how many managers were told."""
    from notifications.services import act_key

    from .models import TierReview

    reviews = (
        TierReview.objects.filter(pk__in=review_ids)
        .select_related("distributor", "current_tier", "proposed_tier")
        .order_by("distributor__code")
    )
    by_manager = defaultdict(list)
    for review in reviews:
        by_manager[review.distributor.account_manager_id].append(review)
    users = get_user_model().objects
    everyone = None
    told = 0
    for manager_id, rows in by_manager.items():
        recipients = list(users.filter(pk=manager_id, is_active=True)) if manager_id else []
        if not recipients:
            if everyone is None:
                everyone = list(users.filter(groups__name=CHANNEL_MANAGERS, is_active=True))
            recipients = everyone
        listed = "; ".join(
            f"{review.distributor.code}: {review.current_tier.code} → {review.proposed_tier.code}"
            for review in rows[:LISTED]
        )
        if len(rows) > LISTED:
            listed += "; …"
        _send(
            recipients,
            kind=TIER_CHANGE_PROPOSED.slug,
            subject=_("Tier changes proposed: %(count)s"),
            body=_(
                "The nightly requalification proposes these tier changes (distributor: tier "
                "held → tier earned): %(changes)s. Confirm or override each one."
            ),
            link=reverse("tiers:proposals") + "?status=proposed",
            context={"count": len(rows), "changes": listed},
            acts=[act_key("tier_review", review.pk, "decide") for review in rows],
        )
        told += len(recipients)
    return told
