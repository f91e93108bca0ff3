"""Reads of the tiers, always scoped to the viewer: the tiers with their requirements and how
many distributors hold each, the proposals (a partner: its own distributor's), and a
distributor's standing: its figures against its tier's requirements and the next tier's."""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from distributors.models import Tier
from drm import compiled

from .models import TierRequirement, TierReview
from .requirements import next_month_end, requirement_get
from .services import REQUALIFIED, requirement_figures, tier_requirements


def tier_list():
    """Tiers by rank, best first, each with `holders` (active or probation distributors in it),
    `open_proposals` (proposals out of it) and its requirements prefetched."""
    return (
        Tier.objects.annotate(
            holders=Count("distributors", filter=Q(distributors__status__in=REQUALIFIED)),
        )
        .prefetch_related("requirements")
        .order_by("rank")
    )


def requirement_list(*, visible_to=None):
    """Every tier's requirements (everyone may read them: a partner sees what each tier asks)."""
    return TierRequirement.objects.select_related("tier").order_by("tier__rank", "key")


def review_list(*, visible_to):
    return TierReview.objects.visible_to(visible_to).select_related(
        "distributor", "current_tier", "proposed_tier", "tier_set", "decided_by"
    )


def review_open_for(distributor):
    def build(distributor):
        return (
            TierReview.objects.filter(distributor=distributor, status=TierReview.Status.PROPOSED)
            .select_related("current_tier", "proposed_tier")
            .order_by("pk")
        )

    return compiled.first("tiers.review-open", build, distributor=distributor)


@dataclass
class Line:
    """One requirement of a tier, against the distributor's figure."""

    key: str
    label: str
    explanation: str
    threshold: object
    threshold_text: str
    value: object
    value_text: str
    met: bool
    gap: str = ""
    unit: str = ""


@dataclass
class Standing:
    tier: Tier
    earned: Tier
    lines: list = field(default_factory=list)
    next_tier: Tier | None = None
    next_lines: list = field(default_factory=list)
    by: object = None
    sentence: str = ""
    open_review: TierReview | None = None


def _lines(requirements, figures, distributor_id):
    lines = []
    for requirement, threshold in requirements:
        value = requirement.value_of(figures[requirement.key], distributor_id)
        met = requirement.meets(value, threshold)
        lines.append(
            Line(
                key=requirement.key,
                label=str(requirement.label),
                explanation=str(requirement.explanation),
                threshold=threshold,
                threshold_text=requirement.text(threshold),
                value=value,
                value_text=requirement.text(value),
                met=met,
                gap="" if met else requirement.gap(value, threshold),
                unit=requirement.unit,
            )
        )
    return lines


def standing(*, distributor, as_of):
    """Where `distributor` stands as of `as_of`: each requirement of its tier and of the next
    tier up with its figure, met or not, and the sentence of what it takes to reach the next
    tier by the end of the running month (what the running month adds is measured from the
    first run after it ends)."""
    from .services import earned_tier

    tiers, by_tier = tier_requirements()
    held = distributor.tier
    better = [tier for tier in tiers if tier.rank < held.rank]
    next_tier = better[-1] if better else None
    keys = {requirement.key for rows in by_tier.values() for requirement, _limit in rows}
    figures = requirement_figures(keys, [distributor.pk], as_of)
    result = Standing(
        tier=held,
        earned=earned_tier(tiers, by_tier, figures, distributor.pk),
        lines=_lines(by_tier.get(held.pk, ()), figures, distributor.pk),
        next_tier=next_tier,
        open_review=review_open_for(distributor),
    )
    if next_tier is not None:
        result.next_lines = _lines(by_tier.get(next_tier.pk, ()), figures, distributor.pk)
        result.by = next_month_end(as_of)
        gaps = []
        for line in result.next_lines:
            if line.met and line.key != "revenue_12m":
                continue
            requirement = requirement_get(line.key)
            if line.key == "revenue_12m":
                # Measured next month: the oldest month drops out, the running one comes in.
                base = requirement.base_for_next_month(distributor.pk, as_of)
                if requirement.meets(base, line.threshold):
                    continue
                line.gap = requirement.gap(base, line.threshold)
            gaps.append(line.gap)
        if gaps:
            result.sentence = _("To reach %(tier)s: %(gaps)s by %(date)s.") % {
                "tier": next_tier.display_name,
                "gaps": get_text_list(gaps, _("and")),
                "date": _date(result.by),
            }
        elif result.open_review and result.open_review.proposed_tier_id == next_tier.pk:
            result.sentence = _(
                "You meet every requirement of %(tier)s: the move is proposed and waits for the "
                "manufacturer's decision."
            ) % {"tier": next_tier.display_name}
        else:
            result.sentence = _(
                "You meet every requirement of %(tier)s: the next requalification proposes it."
            ) % {"tier": next_tier.display_name}
    return result


def _date(day):
    from drm.formats import long_date

    return long_date(day)
