"""The SMART check: a registry of checks (a class each) that judge a goal's terms and explain why.

A check returns findings, each naming its letter (specific, measurable, achievable, realistic,
time_bound) and a severity: a refusal blocks the goal, a warning must be acknowledged with a
reason that is kept, a note only informs. The same checks run in the form (live), the API
(`POST /api/v1/goals/check/`) and the services that save a goal.
"""

import re
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Case, DecimalField, Sum, When
from django.utils.translation import gettext as _

from distributors.models import Distributor, RevenueRecord
from distributors.periods import add_months, complete_months

from .metrics import HUNDRED, Unit, metric_get, quantize

SPECIFIC, MEASURABLE, ACHIEVABLE, REALISTIC, TIME_BOUND = (
    "specific",
    "measurable",
    "achievable",
    "realistic",
    "time_bound",
)
REFUSAL, WARNING, NOTE = "refusal", "warning", "note"


@dataclass(frozen=True)
class Finding:
    letter: str
    check: str
    severity: str
    message: str

    def as_dict(self):
        return asdict(self)


@dataclass
class Verdict:
    findings: list

    @property
    def refusals(self):
        return [f for f in self.findings if f.severity == REFUSAL]

    @property
    def warnings(self):
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def notes(self):
        return [f for f in self.findings if f.severity == NOTE]

    @property
    def verdict(self):
        if self.refusals:
            return "refused"
        return "warnings" if self.warnings else "ok"

    def as_dict(self):
        return {"verdict": self.verdict, "reasons": [f.as_dict() for f in self.findings]}


@dataclass
class Draft:
    """A goal's terms as entered, before anything is saved."""

    goal: object  # an unsaved (or edited) Goal instance
    landmarks: list  # [(date, expected)]
    bands: list  # [(threshold, kind, amount)]


_CHECKS = []


def register(cls):
    _CHECKS.append(cls())
    return cls


def check_list():
    return list(_CHECKS)


def smart_check(draft):
    """Run every check on `draft`: a Verdict (refusals, warnings, notes) in registry order."""
    findings = []
    for check in _CHECKS:
        findings.extend(check.run(draft))
    return Verdict(findings)


class Check:
    key = ""
    letter = ""

    def run(self, draft):
        raise NotImplementedError

    def refuse(self, message):
        return Finding(self.letter, self.key, REFUSAL, message)

    def warn(self, message):
        return Finding(self.letter, self.key, WARNING, message)

    def note(self, message):
        return Finding(self.letter, self.key, NOTE, message)


def _metric(goal):
    try:
        return metric_get(goal.metric)
    except LookupError:
        return None


# --- Specific ----------------------------------------------------------------------------------

# Wishes that name no number: refused unless the text gives one. English and French.
VAGUE_PHRASES = (
    r"\bnumber\s+(one|1)\b",
    r"\bn°\s*1\b",
    r"\bbe(come)?\s+(the\s+)?(market\s+)?leaders?\b",
    r"\bsell\s+more\b",
    r"\bmore\s+sales\b",
    r"\bincrease\s+(our\s+)?sales\b",
    r"\bimprove\s+(our|the)\s+presence\b",
    r"\bgrow\s+(the|our)\s+business\b",
    r"\bdo\s+better\b",
    r"\bbe\s+the\s+best\b",
    r"\bêtre\s+(le\s+|les\s+)?leaders?\b",
    r"\bdevenir\s+(le\s+)?leader\b",
    r"\bnuméro\s+(un|1)\b",
    r"\bvendre\s+(plus|davantage)\b",
    r"\bplus\s+de\s+ventes\b",
    r"\bamélior\w*\s+(notre|la|sa)\s+présence\b",
    r"\bfaire\s+mieux\b",
    r"\bêtre\s+le\s+meilleur\b",
)
VAGUE = re.compile("|".join(VAGUE_PHRASES), re.IGNORECASE)
NUMBER = re.compile(r"\d")


@register
class MetricAndScope(Check):
    key = "metric_and_scope"
    letter = SPECIFIC

    def run(self, draft):
        goal = draft.goal
        metric = _metric(goal)
        if metric is None:
            yield self.refuse(_("Choose what the goal measures (a metric)."))
            return
        if goal.level not in metric.levels:
            yield self.refuse(
                _("“%(metric)s” does not apply to a %(level)s.")
                % {"metric": metric.label, "level": goal.get_level_display().lower()}
            )
        names = {
            "product_line": _("a product line"),
            "territory": _("a territory"),
            "customer_category": _("a customer category"),
        }
        for name in metric.requires:
            if not getattr(goal, f"{name}_id"):
                yield self.refuse(
                    _("“%(metric)s” needs its scope: name %(what)s.")
                    % {"metric": metric.label, "what": names[name]}
                )
        if goal.level == "distributor" and not goal.distributor_id:
            yield self.refuse(_("A distributor goal names its distributor."))
        elif goal.level != "distributor" and goal.distributor_id:
            # The database refuses it too (goal_distributor_by_level); say why, in words.
            yield self.refuse(_("A team or support goal covers no single distributor."))


@register
class Wording(Check):
    key = "vague_wording"
    letter = SPECIFIC

    def run(self, draft):
        goal = draft.goal
        # The title is written from the terms; the author's own words are these.
        text = f"{goal.subtitle or ''}\n{goal.description or ''}"
        match = VAGUE.search(text)
        if match and not NUMBER.search(text):
            yield self.refuse(
                _(
                    "“%(phrase)s” is a wish, not a goal: say how much, of what, by when "
                    "(for example “%(example)s”)."
                )
                % {
                    "phrase": match.group(0),
                    "example": _("revenue of 1.2 M EUR from pumps in 2027"),
                }
            )


# --- Measurable --------------------------------------------------------------------------------


@register
class Measurable(Check):
    key = "measurable"
    letter = MEASURABLE

    def run(self, draft):
        goal = draft.goal
        if goal.target is None:
            yield self.refuse(_("Give a target value."))
        elif goal.target < 0:
            yield self.refuse(_("The target cannot be negative."))
        if goal.baseline is None:
            yield self.refuse(
                _(
                    "Give a baseline (where the distributor stands today), or a baseline period "
                    "for the portal to compute it from the figures it holds."
                )
            )
        if not (goal.baseline_start and goal.baseline_end):
            yield self.refuse(_("Say which period the baseline covers."))
        elif goal.baseline_end < goal.baseline_start:
            yield self.refuse(_("The baseline period ends before it starts."))
        if not goal.unit:
            yield self.refuse(_("Give the target's unit."))
        metric = _metric(goal)
        bounded = metric is not None and metric.bounded
        if bounded and goal.target is not None and goal.target > HUNDRED:
            yield self.refuse(
                _("%(metric)s cannot pass 100 %%; the target is %(target)s %%.")
                % {"metric": metric.label, "target": goal.target}
            )


# --- Achievable and Realistic ------------------------------------------------------------------


def _days(start, end):
    return max((end - start).days + 1, 1)


def implied_growth(goal):
    """The growth (in %) the target asks for against the baseline, per day of each period; for a
    percentage metric, the change in points. None when it cannot be told (no baseline)."""
    metric = _metric(goal)
    if metric is None or goal.target is None or goal.baseline is None:
        return None
    if metric.key == "growth_pct":
        return quantize(goal.target)
    if metric.unit == Unit.PERCENT:
        return quantize(goal.target - goal.baseline)
    if not goal.baseline or not (goal.baseline_start and goal.baseline_end):
        return None
    if not (goal.start and goal.due):
        return None  # the time-bound check says what is missing
    per_day_target = goal.target / _days(goal.start, goal.due)
    per_day_baseline = goal.baseline / _days(goal.baseline_start, goal.baseline_end)
    if per_day_baseline <= 0:
        return None
    return quantize((per_day_target / per_day_baseline - 1) * HUNDRED)


def revenue_growth(distributor_ids, *, product_line_id=None, on=None):
    """{distributor id: year-on-year growth % of the last 12 complete months} (one query)."""
    recent = complete_months(12, on=on)
    earlier_first = add_months(recent.first, -12)
    rows = RevenueRecord.objects.filter(
        distributor_id__in=distributor_ids,
        month__gte=earlier_first,
        month__lt=recent.end,
        rate__isnull=False,
    )
    if product_line_id:
        rows = rows.filter(product_line_id=product_line_id)
    money = DecimalField(max_digits=22, decimal_places=2)
    totals = (
        rows.values("distributor_id")
        .annotate(
            recent=Sum(
                Case(When(month__gte=recent.first, then="reporting_amount"), output_field=money)
            ),
            earlier=Sum(
                Case(When(month__lt=recent.first, then="reporting_amount"), output_field=money)
            ),
        )
        .order_by()
    )
    return {
        row["distributor_id"]: quantize((row["recent"] - row["earlier"]) * HUNDRED / row["earlier"])
        for row in totals
        if row["earlier"] and row["recent"] is not None
    }


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return None
    index = (len(ordered) - 1) * share
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return quantize(ordered[low] + (ordered[high] - ordered[low]) * Decimal(index - low))


PEER_MINIMUM = 3


@register
class Ambition(Check):
    """Achievable: the growth the target implies against what the distributor's peers achieved."""

    key = "ambition"
    letter = ACHIEVABLE

    def run(self, draft):
        goal = draft.goal
        metric = _metric(goal)
        growth = implied_growth(goal)
        if metric is None or growth is None:
            return
        absurd = Decimal(settings.GOAL_ABSURD_GROWTH_PCT)
        if metric.unit == Unit.PERCENT and metric.key != "growth_pct":
            points = Decimal(settings.GOAL_WARN_POINTS)
            if growth > points * 3:
                yield self.refuse(
                    _(
                        "The target asks for %(points)s points more than the baseline: out of "
                        "reach (more than %(limit)s points)."
                    )
                    % {"points": growth, "limit": points * 3}
                )
            elif growth > points:
                yield self.warn(
                    _("The target asks for %(points)s points more than the baseline.")
                    % {"points": growth}
                )
            return
        if growth > absurd:
            yield self.refuse(
                _(
                    "The target implies %(growth)s %% growth over the baseline, beyond any "
                    "realistic plan (the limit is %(limit)s %%)."
                )
                % {"growth": growth, "limit": absurd}
            )
            return
        if goal.level != "distributor" or not goal.distributor_id:
            return
        distributor = goal.distributor
        peers = list(
            Distributor.objects.filter(tier_id=distributor.tier_id, status="active")
            .exclude(pk=distributor.pk)
            .values_list("pk", flat=True)
        )
        growths = list(revenue_growth(peers, product_line_id=goal.product_line_id).values())
        if len(growths) < PEER_MINIMUM:
            return
        p90 = percentile(growths, Decimal("0.9"))
        if growth > p90:
            yield self.warn(
                _(
                    "The target implies %(growth)s %% growth; nine in ten peers of the same tier "
                    "grew by %(p90)s %% or less over the last 12 months."
                )
                % {"growth": growth, "p90": p90}
            )


@register
class OwnTrend(Check):
    """Realistic: the growth asked for against the distributor's own trend."""

    key = "own_trend"
    letter = REALISTIC

    def run(self, draft):
        goal = draft.goal
        metric = _metric(goal)
        growth = implied_growth(goal)
        if metric is None or growth is None or not goal.distributor_id:
            return
        if metric.unit == Unit.PERCENT and metric.key != "growth_pct":
            return
        if growth > Decimal(settings.GOAL_ABSURD_GROWTH_PCT):
            return  # already refused as unachievable
        trend = revenue_growth([goal.distributor_id], product_line_id=goal.product_line_id).get(
            goal.distributor_id
        )
        if trend is None:
            return
        margin = Decimal(settings.GOAL_TREND_MARGIN_POINTS)
        if growth > trend + margin:
            yield self.warn(
                _(
                    "The target implies %(growth)s %% growth while the distributor's own revenue "
                    "moved by %(trend)s %% over the last 12 months."
                )
                % {"growth": growth, "trend": trend}
            )


@register
class Fit(Check):
    """Realistic: the distributor is active and carries the product line in the territory."""

    key = "fit"
    letter = REALISTIC

    def run(self, draft):
        goal = draft.goal
        if not goal.distributor_id:
            return
        distributor = goal.distributor
        if distributor.status == "terminated":
            yield self.refuse(_("%(name)s's contract is terminated.") % {"name": distributor.name})
        elif distributor.status != "active":
            yield self.warn(
                _("%(name)s is not active (%(status)s).")
                % {"name": distributor.name, "status": distributor.get_status_display().lower()}
            )
        if (
            goal.product_line_id
            and not distributor.product_lines.filter(pk=goal.product_line_id).exists()
        ):
            yield self.refuse(
                _("%(name)s does not carry %(line)s.")
                % {"name": distributor.name, "line": goal.product_line}
            )
        if goal.territory_id and not distributor.territories.filter(pk=goal.territory_id).exists():
            yield self.refuse(
                _("%(territory)s is not one of %(name)s's territories.")
                % {"territory": goal.territory, "name": distributor.name}
            )


# --- Time-bound --------------------------------------------------------------------------------


@register
class TimeBound(Check):
    key = "time_bound"
    letter = TIME_BOUND

    def run(self, draft):
        goal = draft.goal
        if not (goal.start and goal.due):
            yield self.refuse(_("Give a start and a due date."))
            return
        if goal.due <= goal.start:
            yield self.refuse(_("The due date must come after the start."))
            return
        distributor = goal.distributor if goal.distributor_id else None
        if (
            distributor is not None
            and distributor.contract_end
            and goal.due > distributor.contract_end
        ):
            yield self.refuse(
                _("The due date %(due)s falls after the contract's end (%(end)s).")
                % {"due": goal.due, "end": distributor.contract_end}
            )
        if (
            distributor is not None
            and distributor.contract_start
            and goal.start < distributor.contract_start
        ):
            yield self.warn(
                _("The goal starts before the contract (%(start)s).")
                % {"start": distributor.contract_start}
            )
        if not draft.landmarks:
            yield self.note(
                _("No landmarks planned yet: the portal proposes quarterly ones on saving.")
            )
        for day, _value in draft.landmarks:
            if not (goal.start <= day <= goal.due):
                yield self.refuse(
                    _("The landmark of %(day)s falls outside the goal's dates.") % {"day": day}
                )
