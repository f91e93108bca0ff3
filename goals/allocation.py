"""Targets from potential: a team goal's plan split into each distributor's proposed share.

Top-down meets bottom-up. The plan (a team goal's revenue target) is shared out by a blend of
four bases, each a small strategy class listed in `bases()` (adding a basis means adding a class):

- potential: the distributor's yearly market potential, as a share of all the potential;
- history: its own revenue over the last 12 complete months, as a share of everyone's;
- peers: its potential priced at the median penetration (revenue / potential over the same 12
  months) of its peers (same tier; the same region when the tier has fewer than
  `PEER_MINIMUM` peers with potential; the whole channel otherwise), as a share of everyone's;
- trend: its history carried on at its own growth over the year before (history / previous,
  between half and double), as a share of everyone's.

    weight(d) = Σ_b  w_b · estimate_b(d) / Σ_e estimate_b(e)      (Σ_b w_b = 1)

A basis that is zero for everyone (no potential entered anywhere, no revenue yet) drops out and
its weight goes to the others. A distributor with no potential and no history weighs nothing.

The weights w_b are fitted on the channel's own past (`GOALS_PLAN_WEIGHTS=fit`, the default):
the bases of the year before last (its revenue as history, the year before that as its previous
year, its peers' penetration) are blended
with every set of weights in steps of `FIT_STEP` adding up to 1, each split of last year's
actual total is compared with last year's actual revenue, and the weights whose split missed
the distributors by the least (mean absolute percentage error over those with revenue) win.
History alone is one of the candidates, so the fitted split is never worse on the past year than
last year's shares (last year plus x %); where potential tells nothing about revenue the fit
says so by giving it no weight, and where a lucky year does not last the trend gets none. With
fewer than `GOALS_PLAN_FIT_MINIMUM` distributors with
revenue in both years, or weights set explicitly (`potential=0.4,history=0.4,peers=0.2`), the
set weights stand (the defaults: potential 0.4, history 0.4, peers 0.2, trend 0).

Reconciliation is top-down and exact: the plan, in cents, is split between regions in
proportion to their distributors' weights, each region's amount between its distributors, and
each distributor's share between its product lines (when the plan has lines), every split by
the largest-remainder method (Hamilton): floor every proportional share to the cent, then hand
the cents left over, one each, to the largest remainders (ties to the lower key). Every level
therefore adds up exactly to the level above it, and no share is negative.
"""

import bisect
import datetime
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

import numpy
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import DecimalField, Sum
from django.utils.translation import gettext as _

from distributors.models import Distributor, ProductLine, RevenueRecord
from drm.errors import DomainError, ValidationFailed
from drm.periods import MonthRange, add_months, complete_months

from . import services
from .metrics import Unit as MetricUnit
from .metrics import metric_get
from .models import Goal, Side
from .services import Terms

ZERO = Decimal(0)
CENT = Decimal("0.01")
# Peers needed in a group (tier, then region) before its median penetration is used.
PEER_MINIMUM = 3
# The distributor statuses a plan is shared between.
PLANNED_STATUSES = (Distributor.Status.ACTIVE, Distributor.Status.PROBATION)
# The grid of weights tried by the fit (each a multiple of it, adding up to 1).
FIT_STEP = Decimal("0.1")
# The weights that stand when they are not fitted (GOALS_PLAN_WEIGHTS names others).
DEFAULT_WEIGHTS = {
    "potential": Decimal("0.4"),
    "history": Decimal("0.4"),
    "peers": Decimal("0.2"),
    "trend": ZERO,
}
# The trend basis carries a distributor's growth on between halving and doubling.
TREND_BOUNDS = (Decimal("0.5"), Decimal(2))


@dataclass(frozen=True)
class Unit:
    """One distributor as the allocation sees it (amounts in the reporting currency)."""

    key: int
    region: str = ""
    tier: str = ""
    potential: Decimal = ZERO
    history: Decimal = ZERO
    # Its revenue over the 12 months before those of `history` (its trend: history / previous).
    previous: Decimal = ZERO
    # {product line key: last 12 months' revenue on that line}; empty: no split by line.
    lines: dict = field(default_factory=dict)


@dataclass
class Allocation:
    plan: Decimal
    regions: dict  # {region: amount}
    shares: dict  # {unit key: amount}
    lines: dict  # {unit key: {line key: amount}}
    weights: dict  # {unit key: Decimal weight in [0, 1]}
    estimates: dict  # {basis key: {unit key: Decimal}}
    fit: "Fit | None" = None  # how the bases' weights were chosen


# --- the bases -----------------------------------------------------------------------------


class Basis:
    key = ""
    weight = ZERO

    def estimates(self, units):
        """{unit key: a non-negative amount}: what the basis expects of each unit."""
        raise NotImplementedError


class PotentialBasis(Basis):
    key = "potential"
    weight = Decimal("0.4")

    def estimates(self, units):
        return {u.key: max(u.potential, ZERO) for u in units}


class HistoryBasis(Basis):
    key = "history"
    weight = Decimal("0.4")

    def estimates(self, units):
        return {u.key: max(u.history, ZERO) for u in units}


class TrendBasis(Basis):
    """Its history carried on at its own growth of the last year (history / previous, kept
    between TREND_BOUNDS); no previous year: its history as it is."""

    key = "trend"
    weight = ZERO

    def estimates(self, units):
        low, high = TREND_BOUNDS
        return {
            u.key: max(u.history, ZERO)
            * (min(max(u.history / u.previous, low), high) if u.previous > 0 else Decimal(1))
            for u in units
        }


def median(values):
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


class PeerPenetrationBasis(Basis):
    """Potential × the median penetration of comparable territories (not its own: a distributor
    that under-serves its territory is asked what its peers achieve in theirs)."""

    key = "peers"
    weight = Decimal("0.2")

    def __init__(self, peers=None):
        # Penetration is read over `peers` (every distributor of the channel with potential),
        # defaulting to the units allocated.
        self.peers = peers

    def estimates(self, units):
        index = PenetrationIndex(self.peers if self.peers is not None else units)
        return {u.key: max(u.potential, ZERO) * index.penetration(u) for u in units}

    @staticmethod
    def penetration(unit, peers):
        return PenetrationIndex(peers).penetration(unit)


class PenetrationIndex:
    """The peers' penetrations (history / potential) sorted by group (the tier, the region,
    everyone), so that each unit's median leaving itself out costs a binary search."""

    def __init__(self, peers):
        self.own = {}
        groups = {}
        for p in peers:
            if p.potential <= 0:
                continue
            value = max(p.history, ZERO) / p.potential
            self.own[p.key] = (p, value)
            for group in (("tier", p.tier), ("region", p.region), ("all", None)):
                groups.setdefault(group, []).append(value)
        self.groups = {group: sorted(values) for group, values in groups.items()}

    def penetration(self, unit):
        """The median of the same tier's (then region's, then everyone's) penetration, the
        unit itself left out; a group counts from PEER_MINIMUM peers (everyone from one)."""
        mine = self.own.get(unit.key)
        for kind, value in (("tier", unit.tier), ("region", unit.region), ("all", None)):
            values = self.groups.get((kind, value), [])
            left_out = None
            if mine is not None and (kind == "all" or getattr(mine[0], kind) == value):
                left_out = mine[1]
            size = len(values) - (left_out is not None)
            if size >= PEER_MINIMUM or (kind == "all" and size > 0):
                return _median_without(values, left_out)
        return ZERO


def _median_without(ordered, left_out):
    """The median of the sorted `ordered` with one occurrence of `left_out` (None: none) taken
    out, without copying the list."""
    skip = len(ordered) if left_out is None else bisect.bisect_left(ordered, left_out)

    def at(i):
        return ordered[i] if i < skip else ordered[i + 1]

    size = len(ordered) - (left_out is not None)
    middle = size // 2
    if size % 2:
        return at(middle)
    return (at(middle - 1) + at(middle)) / 2


def bases(peers=None, weights=None):
    """The bases, weighted by `weights` ({basis key: weight}; the classes' own by default)."""
    made = [PotentialBasis(), HistoryBasis(), PeerPenetrationBasis(peers), TrendBasis()]
    for basis in made:
        if weights is not None:
            basis.weight = Decimal(weights.get(basis.key, ZERO))
    return made


# --- the weights: set, or fitted on the channel's past ----------------------------------


@dataclass(frozen=True)
class Fit:
    """The bases' weights and how they were chosen."""

    FITTED = "fitted"  # on the past year
    SET = "set"  # GOALS_PLAN_WEIGHTS names them
    TOO_LITTLE_PAST = "too-little-past"  # fit asked for, too few distributors to fit on

    weights: dict  # {basis key: Decimal}, adding up to 1
    how: str
    distributors: int = 0  # distributors with revenue in both years of the fit
    error: Decimal | None = None  # the fitted split's mean absolute % error on the past year
    history_error: Decimal | None = None  # last year's shares alone, the same year
    set_error: Decimal | None = None  # the default weights', the same year

    @property
    def fitted(self):
        return self.how == self.FITTED

    @property
    def percents(self):
        """{basis key: its weight in %} (40, not 0.4)."""
        return {key: weight * 100 for key, weight in self.weights.items()}


def weights_setting():
    """("fit", None) or ("set", {basis key: Decimal}) from GOALS_PLAN_WEIGHTS."""
    raw = (getattr(settings, "GOALS_PLAN_WEIGHTS", "fit") or "fit").strip()
    if raw.lower() == "fit":
        return "fit", None
    keys = {b.key for b in bases()}
    weights = {}
    for part in raw.split(","):
        key, _sep, value = part.partition("=")
        key = key.strip()
        try:
            weight = Decimal(value.strip())
        except InvalidOperation:
            weight = None
        if key not in keys or weight is None or weight < 0 or not weight.is_finite():
            raise ImproperlyConfigured(
                f"GOALS_PLAN_WEIGHTS: {part.strip()!r} is not basis=weight with a basis among "
                f"{', '.join(sorted(keys))} and a weight of 0 or more (or say 'fit')."
            )
        weights[key] = weight
    total = sum(weights.values(), ZERO)
    if total <= 0:
        raise ImproperlyConfigured("GOALS_PLAN_WEIGHTS: the weights add up to nothing.")
    return "set", {key: weights.get(key, ZERO) / total for key in sorted(keys)}


def weight_grid(step=FIT_STEP):
    """Every {basis key: weight} with weights multiple of `step` adding up to 1, history-heavy
    first (so a tie keeps last year's shares)."""
    steps = int(1 / step)
    grid = []
    for history in range(steps, -1, -1):
        for potential in range(steps - history, -1, -1):
            for peers in range(steps - history - potential, -1, -1):
                trend = steps - history - potential - peers
                grid.append(
                    {
                        "history": history * step,
                        "potential": potential * step,
                        "peers": peers * step,
                        "trend": trend * step,
                    }
                )
    return grid


def split_error(units, actual, weights, peers=None):
    """Mean absolute % error of splitting the actual total by the blend of `weights`, over the
    units with actual revenue; None when none has any."""
    return _errors(units, actual, [weights], peers)[0]


def _errors(units, actual, candidates, peers=None):
    """[error of each candidate weights] (see split_error), the bases computed once and the
    candidates scored together (a matrix of candidates × units)."""
    keys = [b.key for b in bases()]
    scored = [u.key for u in units if actual.get(u.key, ZERO) > 0]
    columns = {}
    for basis in bases(peers):
        column = basis.estimates(units)
        total = sum(column.values(), ZERO)
        if total > 0:
            columns[basis.key] = numpy.array([float(column[k] / total) for k in scored])
    if not scored or not columns:
        return [None] * len(candidates)
    truth = numpy.array([float(actual[k]) for k in scored])
    grand = float(sum((v for v in actual.values() if v > 0), ZERO))
    shares = numpy.array([columns.get(k, numpy.zeros(len(scored))) for k in keys])
    weights = numpy.array(
        [[float(w.get(k, ZERO)) if k in columns else 0.0 for k in keys] for w in candidates]
    )
    live = weights.sum(axis=1)
    predicted = grand * (weights @ shares) / numpy.where(live > 0, live, 1)[:, None]
    misses = (numpy.abs(predicted - truth) / truth).mean(axis=1) * 100
    return [
        Decimal(float(miss)).quantize(CENT) if total else None
        for miss, total in zip(misses, live, strict=True)
    ]


def fit_weights(past_units, actual, *, peers=None, minimum=None, default=None):
    """The Fit: past_units hold the year before last (history = its revenue; potential as
    today), `actual` {unit key: last year's revenue}, `peers` the channel's past units for the
    peers' penetration. The weights on the grid whose split missed last year least; the set
    weights (`default`) when fewer than `minimum` units have revenue in both years."""
    default = default or DEFAULT_WEIGHTS
    if minimum is None:
        minimum = getattr(settings, "GOALS_PLAN_FIT_MINIMUM", 10)
    both = sum(1 for u in past_units if u.history > 0 and actual.get(u.key, ZERO) > 0)
    if both < minimum:
        return Fit(weights=dict(default), how=Fit.TOO_LITTLE_PAST, distributors=both)
    grid = weight_grid()
    errors = _errors(past_units, actual, [*grid, default], peers)
    set_error = errors.pop()
    best, best_error = None, None
    for weights, error in zip(grid, errors, strict=True):
        if error is not None and (best_error is None or error < best_error):
            best, best_error = weights, error
    if best is None:
        return Fit(weights=dict(default), how=Fit.TOO_LITTLE_PAST, distributors=both)
    return Fit(
        weights=best,
        how=Fit.FITTED,
        distributors=both,
        error=best_error,
        history_error=errors[0],  # the grid starts with history alone
        set_error=set_error,
    )


def blend(units, basis_list):
    """({unit key: weight}, {basis key: estimates}): the weights add up to 1 (or are all 0)."""
    estimates = {b.key: b.estimates(units) for b in basis_list}
    live = [b for b in basis_list if sum(estimates[b.key].values()) > 0]
    total_weight = sum((b.weight for b in live), ZERO)
    weights = {u.key: ZERO for u in units}
    for b in live:
        column = estimates[b.key]
        column_total = sum(column.values())
        for key, value in column.items():
            weights[key] += b.weight / total_weight * value / column_total
    return weights, estimates


# --- reconciliation ------------------------------------------------------------------------


def largest_remainder(total, weights):
    """{key: amount}: `total` (cents exact) split in proportion to `weights`, summing exactly to
    `total`; all zero weights give all zero shares (the caller decides what that means)."""
    total = Decimal(total).quantize(CENT)
    cents = int(total / CENT)
    weight_sum = sum(weights.values(), ZERO)
    if not weights or weight_sum <= 0:
        return {key: ZERO for key in weights}
    floors, remainders = {}, {}
    for key, weight in weights.items():
        exact = Decimal(cents) * max(weight, ZERO) / weight_sum
        floor = int(exact.to_integral_value(rounding=ROUND_FLOOR))
        floors[key] = floor
        remainders[key] = exact - floor
    left = cents - sum(floors.values())
    order = sorted((k for k in weights if weights[k] > 0), key=lambda k: (-remainders[k], str(k)))
    for key in order[:left]:
        floors[key] += 1
    return {key: Decimal(value) * CENT for key, value in floors.items()}


def allocate(plan, units, *, basis_list=None, fit=None):
    """Split `plan` between `units` (see the module's docstring). Refuses a plan that nobody
    can carry (no potential and no history anywhere). `fit` is kept with the result."""
    plan = Decimal(plan).quantize(CENT)
    if plan < 0:
        raise ValidationFailed(_("The plan must not be negative."), field="target")
    units = list(units)
    weights, estimates = blend(units, basis_list if basis_list is not None else bases())
    if plan and not any(w > 0 for w in weights.values()):
        raise ValidationFailed(
            _("No distributor under this plan has a market potential or revenue to share it by."),
            field="target",
        )
    by_region = {}
    for u in units:
        by_region.setdefault(u.region, []).append(u)
    regions = largest_remainder(
        plan, {r: sum((weights[u.key] for u in us), ZERO) for r, us in by_region.items()}
    )
    shares, lines = {}, {}
    for region, members in by_region.items():
        shares.update(largest_remainder(regions[region], {u.key: weights[u.key] for u in members}))
    for u in units:
        if u.lines:
            line_weights = dict(u.lines)
            if not any(v > 0 for v in line_weights.values()):
                line_weights = {line: Decimal(1) for line in line_weights}  # evenly
            lines[u.key] = largest_remainder(shares[u.key], line_weights)
    return Allocation(
        plan=plan,
        regions=regions,
        shares=shares,
        lines=lines,
        weights=weights,
        estimates=estimates,
        fit=fit,
    )


# --- the data ------------------------------------------------------------------------------


def _revenue_by_distributor(
    distributor_ids, *, product_line_id=None, on=None, by_line=False, years_back=0
):
    """{distributor id: revenue of the last 12 complete months} ({(id, line id): …} by line);
    `years_back` 1: the 12 months before those."""
    months = complete_months(12 * (1 + years_back), on=on)
    if years_back:
        months = MonthRange(first=months.first, last=add_months(months.first, 11))
    rows = RevenueRecord.objects.filter(
        distributor_id__in=distributor_ids,
        month__gte=months.first,
        month__lt=months.end,
        reporting_amount__isnull=False,
    )
    if product_line_id:
        rows = rows.filter(product_line_id=product_line_id)
    keys = ("distributor_id", "product_line_id") if by_line else ("distributor_id",)
    totals = (
        rows.values(*keys)
        .annotate(total=Sum("reporting_amount", output_field=DecimalField()))
        .order_by()
    )
    if by_line:
        return {(r["distributor_id"], r["product_line_id"]): r["total"] for r in totals}
    return {r["distributor_id"]: r["total"] for r in totals}


def plan_distributors(goal):
    """The distributors a team goal's plan is shared between: in the channel (active or on
    probation), carrying its product line and covering its territory when it names them."""
    distributors = Distributor.objects.filter(status__in=PLANNED_STATUSES).select_related("tier")
    if goal.product_line_id:
        distributors = distributors.filter(product_lines=goal.product_line_id)
    if goal.territory_id:
        distributors = distributors.filter(territories=goal.territory_id)
    return list(distributors.distinct().order_by("region", "name", "pk"))


def _units(distributors, revenue, line_revenue=None, previous=None):
    units = []
    for d in distributors:
        lines = {}
        if line_revenue is not None:
            lines = {line: amount for (key, line), amount in line_revenue.items() if key == d.pk}
        units.append(
            Unit(
                key=d.pk,
                region=d.region or "",
                tier=str(d.tier_id),
                potential=d.market_potential or ZERO,
                history=revenue.get(d.pk) or ZERO,
                previous=(previous or {}).get(d.pk) or ZERO,
                lines=lines,
            )
        )
    return units


def goal_allocation(goal, *, on=None):
    """(distributors, Allocation) for a team goal: each distributor's proposed share of its
    target. History is read over the 12 complete months before the plan starts (or `on`)."""
    if goal.level != Goal.Level.TEAM:
        raise ValidationFailed(_("Only a team goal's plan is shared out."), field="level")
    if goal.target is None:
        raise ValidationFailed(_("Give the team goal a target first."), field="target")
    try:
        metric = metric_get(goal.metric)
    except LookupError:
        metric = None
    if metric is None or metric.unit == MetricUnit.PERCENT:
        # A rate (margin, conversion, growth) does not add up across distributors.
        raise ValidationFailed(
            _("Only a plan of amounts (revenue, units) is shared out; a rate does not add up."),
            field="metric",
        )
    if on is None and goal.start:
        on = min(goal.start, datetime.date.today())
    distributors = plan_distributors(goal)
    ids = [d.pk for d in distributors]
    line = goal.product_line_id
    revenue = _revenue_by_distributor(ids, product_line_id=line, on=on)
    line_revenue = None
    if not line:
        line_revenue = _revenue_by_distributor(ids, on=on, by_line=True)
    # Penetration is compared over the whole channel's comparable territories, not only the
    # distributors under this plan.
    channel = Distributor.objects.filter(status__in=PLANNED_STATUSES, market_potential__gt=0)
    if line:
        channel = channel.filter(product_lines=line).distinct()
    channel = list(channel.select_related("tier"))
    channel_revenue = _revenue_by_distributor([d.pk for d in channel], product_line_id=line, on=on)
    everyone = {d.pk for d in distributors} | {d.pk for d in channel}
    year_before = _revenue_by_distributor(everyone, product_line_id=line, on=on, years_back=1)
    units = _units(distributors, revenue, line_revenue, previous=year_before)
    peers = _units(channel, channel_revenue)
    fit = plan_fit(goal, distributors, channel, revenue, year_before, on=on)
    return distributors, allocate(goal.target, units, basis_list=bases(peers, fit.weights), fit=fit)


def plan_fit(goal, distributors, channel, revenue, year_before, *, on=None):
    """The Fit of a plan's weights: the year before last's figures of `distributors` (and of
    the `channel` for the peers' penetration) against `revenue`, last year's."""
    how, weights = weights_setting()
    if how == Fit.SET:
        return Fit(weights=weights, how=Fit.SET)
    two_before = _revenue_by_distributor(
        [d.pk for d in distributors], product_line_id=goal.product_line_id, on=on, years_back=2
    )
    return fit_weights(
        _units(distributors, year_before, previous=two_before),
        {d.pk: revenue.get(d.pk) or ZERO for d in distributors},
        peers=_units(channel, year_before),
    )


# --- the plan page: top-down against bottom-up ---------------------------------------------


@dataclass
class PlanRow:
    distributor: object
    share: Decimal  # the potential-based proposal
    child: object = None  # its distributor goal under the plan, if any
    bottom_up: Decimal | None = None  # the distributor's own proposal, when on the table
    lines: list = field(default_factory=list)  # [(ProductLine, amount)] for a plan of no line
    history: Decimal = ZERO  # its revenue of the last 12 months (on the plan's line)

    @property
    def gap(self):
        return None if self.bottom_up is None else self.bottom_up - self.share

    @property
    def gap_pct(self):
        if self.gap is None or not self.share:
            return None
        return (self.gap * 100 / self.share).quantize(CENT)


@dataclass
class RegionTotal:
    region: str
    share: Decimal
    bottom_up: Decimal  # of the rows that have one
    rows: list


@dataclass
class Plan:
    goal: object
    allocation: Allocation
    rows: list
    regions: list
    currency: str = ""

    @property
    def bottom_up_total(self):
        return sum((r.bottom_up for r in self.rows if r.bottom_up is not None), ZERO)


def _bottom_up(child):
    """The distributor's own figure: the target its side last put on the table, read back
    through the counter-proposals that changed it since (newest first)."""
    if child is None or child.status not in (*Goal.NEGOTIATING, *Goal.COUNTED):
        return None
    target = child.target
    for proposal in sorted(child.proposals.all(), key=lambda p: (p.at, p.pk), reverse=True):
        if proposal.side == Side.PARTNER:
            return target
        if "target" in (proposal.changes or {}):
            previous = (proposal.previous or {}).get("target")
            target = Decimal(previous) if previous is not None else None
    return None


def plan_for(goal, *, on=None):
    """The plan page's figures: each distributor's share, its own proposal, the gap, and the
    totals by region (which add up to the plan)."""
    distributors, allocation = goal_allocation(goal, on=on)
    children = {}
    for child in (
        goal.children.exclude(status="closed").prefetch_related("proposals").order_by("pk")
    ):
        children.setdefault(child.distributor_id, child)  # the first one aligned stands
    line_ids = {line for split in allocation.lines.values() for line in split}
    products = ProductLine.objects.in_bulk(line_ids)
    rows = [
        PlanRow(
            distributor=d,
            share=allocation.shares[d.pk],
            child=children.get(d.pk),
            bottom_up=_bottom_up(children.get(d.pk)),
            lines=sorted(
                (
                    (products[line], amount)
                    for line, amount in allocation.lines.get(d.pk, {}).items()
                ),
                key=lambda pair: pair[0].code,
            ),
            history=allocation.estimates.get("history", {}).get(d.pk, ZERO),
        )
        for d in distributors
    ]
    regions = []
    for region, amount in allocation.regions.items():
        members = [r for r in rows if (r.distributor.region or "") == region]
        regions.append(
            RegionTotal(
                region=region,
                share=amount,
                bottom_up=sum((r.bottom_up for r in members if r.bottom_up is not None), ZERO),
                rows=members,
            )
        )
    return Plan(
        goal=goal,
        allocation=allocation,
        rows=rows,
        regions=regions,
        currency=settings.REPORTING_CURRENCY,
    )


@dataclass
class Applied:
    distributor: object
    outcome: str  # "created", "updated", "countered", "kept"
    goal: object = None
    message: str = ""


def _child_terms(goal, distributor, share):
    baseline_end = goal.start - datetime.timedelta(days=1)
    return {
        "level": "distributor",
        "distributor": distributor,
        "parent": goal,
        "metric": goal.metric,
        "product_line": goal.product_line,
        "territory": goal.territory,
        "customer_category": goal.customer_category,
        "baseline_start": baseline_end.replace(year=baseline_end.year - 1)
        + datetime.timedelta(days=1),
        "baseline_end": baseline_end,
        "target": share,
        "start": goal.start,
        "due": goal.due,
    }


def plan_apply(*, goal, by):
    """Put each distributor's share to it as the manager's starting point, through the goal
    services: a new distributor goal under the plan is created and proposed; a draft is
    revised; a proposal of the distributor's is answered with a counter-proposal. Terms the
    distributor is answering, agreed or finished goals, and shares of nothing are kept.
    [Applied], one per distributor; one distributor's refusal does not stop the others."""
    plan = plan_for(goal)
    reason = _("The distributor's share of the plan, from its market potential and history.")
    done = []
    for row in plan.rows:
        child = row.child
        try:
            with transaction.atomic():
                if child is None:
                    if not row.share:
                        done.append(Applied(row.distributor, "kept"))
                        continue
                    terms = Terms(
                        fields=_child_terms(goal, row.distributor, row.share),
                        acknowledgement=reason,
                    )
                    child = services.goal_create(by=by, terms=terms)
                    child = services.goal_propose(goal=child, by=by)
                    done.append(Applied(row.distributor, "created", child))
                elif child.target == row.share:
                    done.append(Applied(row.distributor, "kept", child))
                elif child.status == Goal.Status.DRAFT:
                    terms = Terms(fields={"target": row.share}, acknowledgement=reason)
                    child = services.goal_update(goal=child, by=by, terms=terms)
                    done.append(Applied(row.distributor, "updated", child))
                elif child.awaiting_side == Side.MANUFACTURER:
                    terms = Terms(
                        fields={"target": row.share}, acknowledgement=reason, reason=reason
                    )
                    child = services.goal_counter(goal=child, by=by, terms=terms)
                    done.append(Applied(row.distributor, "countered", child))
                else:
                    done.append(Applied(row.distributor, "kept", child))
        except DomainError as exc:
            done.append(Applied(row.distributor, "refused", child, exc.message))
    return done
