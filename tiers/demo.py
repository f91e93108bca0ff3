"""The demo tiers behind `manage.py demo_tiers`: every demo tier's requirements, and the nightly
requalification run through the services so that tier changes are proposed.

What it shows (dates are counted back from the real today):
- platinum asks 4,000,000 EUR of revenue over the last 12 months, 2 certified people, 75 % of
  the leads handed over accepted and the current partner agreement accepted; gold 1,200,000 EUR,
  1 certified person and revenue reported for 90 % of the months; silver 400,000 EUR; bronze
  nothing (everyone qualifies for it);
- a requalification as of TIER_DOWNGRADE_GRACE_DAYS ago, then one today: the distributors short of
  their tier on both days (the grace period is over) are proposed a downgrade, those earning a
  better tier today an upgrade; their account managers are told ("Tier changes proposed");
- `adriatica` (the `partner` login, gold) reads on "Our tier" what it takes to reach platinum.

A second run finds the requirements and does nothing; --replace deletes the demo's requirements,
proposals and shortfalls and loads them again.
"""

import datetime
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from distributors.models import Tier
from drm.errors import ValidationFailed

from . import services
from .models import TierRequirement, TierReview, TierRun, TierShortfall

MANAGER = "manager"
# tier code: ((requirement key, threshold), ...)
REQUIREMENTS = {
    "platinum": (
        ("revenue_12m", "4000000"),
        ("certified_reps", "2"),
        ("lead_acceptance", "75"),
        ("agreement_accepted", "1"),
    ),
    "gold": (("revenue_12m", "1200000"), ("certified_reps", "1"), ("timely_reports", "90")),
    "silver": (("revenue_12m", "400000"),),
}


class DemoTiers:
    def __init__(self, write=print):
        self.write = write

    def load(self, *, replace=False, quiet=False, force=False):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load demo tiers under production settings; pass --force to seed a "
                "staging site on purpose."
            )
        manager = get_user_model().objects.filter(username=MANAGER).first()
        tiers = {tier.code: tier for tier in Tier.objects.filter(code__in=REQUIREMENTS)}
        if manager is None or len(tiers) != len(REQUIREMENTS):
            raise ValidationFailed("The demo channel is missing: run `manage.py demo_data` first.")
        started = time.monotonic()
        if TierRequirement.objects.exists():
            if not replace:
                self.write("The demo tiers are loaded already; nothing to do.")
                return None
            self.delete()
        with transaction.atomic():
            for code, rows in REQUIREMENTS.items():
                for key, threshold in rows:
                    services.requirement_save(
                        by=manager, tier=tiers[code], key=key, threshold=threshold
                    )
        today = timezone.localdate()
        earlier = today - datetime.timedelta(days=services.grace_days())
        services.tiers_requalify(as_of=earlier, notify=False)
        run = services.tiers_requalify(as_of=today)
        open_reviews = TierReview.objects.filter(status=TierReview.Status.PROPOSED)
        up = open_reviews.filter(direction=TierReview.Direction.UP).count()
        down = open_reviews.filter(direction=TierReview.Direction.DOWN).count()
        self.write(
            f"Demo tiers: {TierRequirement.objects.count()} requirements; "
            f"{run.counts['distributors']} distributors requalified, {up} upgrades and {down} "
            f"downgrades proposed in {time.monotonic() - started:.1f} s"
        )
        return up + down

    def delete(self):
        with transaction.atomic():
            TierReview.objects.all().delete()
            TierShortfall.objects.all().delete()
            TierRun.objects.all().delete()
            TierRequirement.objects.all().delete()
