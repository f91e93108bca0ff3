"""Writes of the tiers: the requirements of each tier (the manufacturer's), the nightly
requalification that proposes tier changes, and a manager's decision on a proposal.

The requalification is set-based: each requirement is computed once for every requalified
distributor (active or on probation), then the proposals are written with bulk operations in
one short transaction. Running it twice the same day proposes nothing new."""

import datetime
import logging
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors.models import Distributor, Tier
from distributors.services import distributor_save
from drm.errors import ValidationFailed
from drm.limits import text_check
from identity.access import require_manufacturer

from .models import THRESHOLD_DIGITS, TierRequirement, TierReview, TierRun, TierShortfall
from .requirements import PERCENT, YES, requirement_get, requirement_list

log = logging.getLogger(__name__)

# The statuses whose distributors hold a tier they must keep earning.
REQUALIFIED = (Distributor.Status.ACTIVE, Distributor.Status.PROBATION)
MAX_THRESHOLD = Decimal(10) ** (THRESHOLD_DIGITS - 2) - 1


def grace_days():
    return settings.TIER_DOWNGRADE_GRACE_DAYS


# --- requirements ------------------------------------------------------------------------------


def _threshold(key, value):
    if isinstance(value, bool) or value in (None, ""):
        raise ValidationFailed(_("Enter a number."), field="threshold")
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValidationFailed(_("Enter a number."), field="threshold") from exc
    if not number.is_finite() or number < 0 or number > MAX_THRESHOLD:
        raise ValidationFailed(
            _("Enter a number from 0 to %(highest)s.") % {"highest": MAX_THRESHOLD},
            field="threshold",
        )
    if number != number.quantize(Decimal("0.01")):
        raise ValidationFailed(_("Enter at most two decimals."), field="threshold")
    requirement = requirement_get(key)
    if requirement.unit == PERCENT and number > 1000:
        raise ValidationFailed(_("A percentage is at most 1000."), field="threshold")
    if requirement.unit == YES and number not in (0, 1):
        raise ValidationFailed(_("Enter 1 (required) or 0."), field="threshold")
    return number


@transaction.atomic
def requirement_save(*, by, tier, key, threshold):
    """Set `tier`'s requirement `key` to `threshold` (added, or changed when it exists). The
    next requalification reads it."""
    require_manufacturer(by, _("Only the manufacturer sets the tiers' requirements."))
    if not isinstance(tier, Tier) or tier.pk is None:
        raise ValidationFailed(_("Choose an existing tier."), field="tier")
    if key not in {requirement.key for requirement in requirement_list()}:
        raise ValidationFailed(_("Choose a requirement of the list."), field="key")
    requirement, _created = TierRequirement.objects.update_or_create(
        tier=tier, key=key, defaults={"threshold": _threshold(key, threshold)}
    )
    return requirement


@transaction.atomic
def requirement_delete(*, by, requirement):
    require_manufacturer(by, _("Only the manufacturer sets the tiers' requirements."))
    requirement.delete()


# --- the requalification -----------------------------------------------------------------------


def _text(value):
    return None if value is None else str(value)


def tier_requirements():
    """(tiers by rank, best first; {tier id: [(requirement, threshold)]})."""
    tiers = list(Tier.objects.order_by("rank"))
    by_tier = defaultdict(list)
    for row in TierRequirement.objects.order_by("tier_id", "key"):
        by_tier[row.tier_id].append((requirement_get(row.key), row.threshold))
    return tiers, by_tier


def requirement_figures(keys, distributor_ids, as_of, *, shared=None):
    """{key: {distributor id: value}}: each requirement once for all the distributors."""
    shared = {} if shared is None else shared
    return {
        key: requirement_get(key).figures(distributor_ids, as_of, shared) for key in sorted(keys)
    }


def qualifies(requirements, figures, distributor_id):
    return all(
        requirement.meets(requirement.value_of(figures[requirement.key], distributor_id), limit)
        for requirement, limit in requirements
    )


def earned_tier(tiers, by_tier, figures, distributor_id):
    """The best-ranked tier whose every requirement the distributor meets; the lowest tier
    when it meets none (a tier without requirements is met by everyone)."""
    for tier in tiers:
        if qualifies(by_tier.get(tier.pk, ()), figures, distributor_id):
            return tier
    return tiers[-1]


def _figures_behind(by_tier, figures, distributor_id, held_id, earned_id):
    held = {requirement.key: limit for requirement, limit in by_tier.get(held_id, ())}
    earned = {requirement.key: limit for requirement, limit in by_tier.get(earned_id, ())}
    behind = {}
    for key in sorted(set(held) | set(earned)):
        requirement = requirement_get(key)
        behind[key] = {
            "value": _text(requirement.value_of(figures[key], distributor_id)),
            "held": _text(held.get(key)),
            "earned": _text(earned.get(key)),
        }
    return behind


def tiers_requalify(*, as_of=None, notify=True):
    """Requalify every active or probation distributor as of `as_of` (today): propose an
    upgrade at once, a downgrade once it has fallen short for TIER_DOWNGRADE_GRACE_DAYS, and
    withdraw the proposals a distributor no longer warrants. Returns the run record."""
    as_of = as_of or timezone.localdate()
    started = timezone.now()
    tiers, by_tier = tier_requirements()
    if not tiers:
        return None
    requalified = Distributor.objects.filter(status__in=REQUALIFIED)
    listed = list(requalified.values_list("pk", "tier_id", "contract_start").order_by("pk"))
    distributors = [(d, tier) for d, tier, _start in listed]
    keys = {requirement.key for rows in by_tier.values() for requirement, _limit in rows}
    # The contract starts read already, for the requirements that need them.
    shared = {"contract_start": {d: start for d, _tier, start in listed}}
    figures = requirement_figures(keys, requalified.values("pk"), as_of, shared=shared)
    rank = {tier.pk: tier.rank for tier in tiers}
    earned = {d: earned_tier(tiers, by_tier, figures, d).pk for d, _tier in distributors}
    grace = datetime.timedelta(days=grace_days())
    counts = {"distributors": len(distributors), "proposed": 0, "kept": 0, "withdrawn": 0}
    new_reviews = []
    with transaction.atomic():
        # Only what is compared: a proposal's figures are neither read nor written again.
        open_reviews = {
            review.distributor_id: review
            for review in TierReview.objects.select_for_update()
            .filter(status=TierReview.Status.PROPOSED)
            .only("pk", "distributor_id", "current_tier_id", "proposed_tier_id")
        }
        shortfalls = {
            row.distributor_id: row for row in TierShortfall.objects.select_for_update().order_by()
        }
        # A change a manager turned down is not proposed again before the grace period is over.
        refused = set(
            TierReview.objects.filter(
                status=TierReview.Status.OVERRIDDEN, decided_at__date__gt=as_of - grace
            ).values_list("distributor_id", "current_tier_id", "proposed_tier_id")
        )
        now = timezone.now()
        keep, withdraw = [], []
        short_new, short_changed, short_gone = [], [], []
        for distributor_id, held_id in distributors:
            earned_id = earned[distributor_id]
            down = rank.get(held_id, 0) < rank[earned_id]
            shortfall = shortfalls.get(distributor_id)
            since = None
            if down:
                if shortfall is None:
                    shortfall = TierShortfall(
                        distributor_id=distributor_id, tier_id=held_id, since=as_of
                    )
                    short_new.append(shortfall)
                elif shortfall.tier_id != held_id:
                    shortfall.tier_id, shortfall.since = held_id, as_of
                    short_changed.append(shortfall)
                since = shortfall.since
            elif shortfall is not None:
                short_gone.append(shortfall.pk)
            due = earned_id != held_id and (not down or as_of - since >= grace)
            if (distributor_id, held_id, earned_id) in refused:
                due = False
            review = open_reviews.get(distributor_id)
            if review is not None:
                if (
                    due
                    and review.current_tier_id == held_id
                    and review.proposed_tier_id == earned_id
                ):
                    # The proposal keeps the figures it was made from (`as_of`); the pages show
                    # today's beside it.
                    keep.append(review)
                    continue
                review.status = TierReview.Status.WITHDRAWN
                review.decided_at = now
                withdraw.append(review)
            if due:
                new_reviews.append(
                    TierReview(
                        distributor_id=distributor_id,
                        current_tier_id=held_id,
                        proposed_tier_id=earned_id,
                        direction=TierReview.Direction.DOWN if down else TierReview.Direction.UP,
                        figures=_figures_behind(
                            by_tier, figures, distributor_id, held_id, earned_id
                        ),
                        as_of=as_of,
                        short_since=since,
                        proposed_at=now,
                    )
                )
        # Distributors no longer requalified (terminated): their open proposals go.
        present = {d for d, _tier in distributors}
        for distributor_id, review in open_reviews.items():
            if distributor_id not in present:
                review.status = TierReview.Status.WITHDRAWN
                review.decided_at = now
                withdraw.append(review)
        TierReview.objects.filter(pk__in=[review.pk for review in withdraw]).update(
            status=TierReview.Status.WITHDRAWN, decided_at=now
        )
        TierReview.objects.bulk_create(new_reviews, batch_size=1000)
        TierShortfall.objects.filter(pk__in=short_gone).delete()
        TierShortfall.objects.bulk_create(short_new, batch_size=1000)
        TierShortfall.objects.bulk_update(short_changed, ["tier_id", "since"], batch_size=1000)
        counts.update(
            proposed=len(new_reviews),
            kept=len(keep),
            withdrawn=len(withdraw),
            short=len(shortfalls) + len(short_new) - len(short_gone),
        )
        run = TierRun.objects.create(
            as_of=as_of, started_at=started, finished_at=timezone.now(), counts=counts
        )
        if withdraw:
            from notifications.services import resolve

            resolve(keys=[_act(review.pk) for review in withdraw])
    if notify and new_reviews:
        from . import notices

        created = TierReview.objects.filter(
            status=TierReview.Status.PROPOSED, proposed_at=now
        ).values_list("pk", flat=True)
        notices.tier_changes_proposed_notify(list(created))
    log.info("tiers requalified as of %s: %s", as_of, counts)
    return run


def _act(review_id):
    from notifications.services import act_key

    return act_key("tier_review", review_id, "decide")


# --- a manager's decision ----------------------------------------------------------------------


def _open_review(review):
    review = (
        TierReview.objects.select_for_update()
        .select_related("current_tier", "proposed_tier")
        .get(pk=review.pk)
    )
    if not review.is_open:
        raise ValidationFailed(
            _("This proposal is %(status)s already.") % {"status": review.get_status_display()},
            field="review",
        )
    distributor = Distributor.objects.select_for_update().get(pk=review.distributor_id)
    if distributor.tier_id != review.current_tier_id:
        raise ValidationFailed(
            _(
                "The distributor's tier changed since this proposal was made; the next "
                "requalification proposes afresh."
            ),
            field="review",
        )
    return review, distributor


def _set_tier(distributor, tier, by):
    if distributor.tier_id != tier.pk:
        distributor.tier = tier
        distributor_save(distributor=distributor, by=by)


@transaction.atomic
def review_confirm(*, review, by, reason=""):
    """Confirm the proposed tier: the distributor's tier changes (its change history shows it)."""
    require_manufacturer(by, _("Only the manufacturer decides tier changes."))
    reason = (reason or "").strip()
    text_check(TierReview, "reason", reason)
    review, distributor = _open_review(review)
    _set_tier(distributor, review.proposed_tier, by)
    TierShortfall.objects.filter(distributor_id=distributor.pk).delete()
    return _decided(review, TierReview.Status.CONFIRMED, by, reason, review.proposed_tier)


@transaction.atomic
def review_override(*, review, by, reason, tier=None):
    """Decide otherwise, with a reason: keep the tier held (`tier` None) or set `tier`. A
    downgrade turned down starts the grace period again."""
    require_manufacturer(by, _("Only the manufacturer decides tier changes."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the proposal is overridden."), field="reason")
    text_check(TierReview, "reason", reason)
    if tier is not None and (not isinstance(tier, Tier) or tier.pk is None):
        raise ValidationFailed(_("Choose an existing tier."), field="tier")
    review, distributor = _open_review(review)
    tier = tier or review.current_tier
    _set_tier(distributor, tier, by)
    today = timezone.localdate()
    if tier.pk == review.current_tier_id:
        TierShortfall.objects.filter(distributor_id=distributor.pk).update(since=today)
    else:
        TierShortfall.objects.filter(distributor_id=distributor.pk).delete()
    return _decided(review, TierReview.Status.OVERRIDDEN, by, reason, tier)


def _decided(review, status, by, reason, tier):
    from notifications.services import resolve

    review.status = status
    review.decided_by = by
    review.decided_at = timezone.now()
    review.reason = reason
    review.tier_set = tier
    review.save(update_fields=["status", "decided_by", "decided_at", "reason", "tier_set"])
    resolve(key=_act(review.pk))
    return review
