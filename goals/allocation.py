"""Targets from potential: a team goal's plan split into each distributor's proposed share.

Top-down meets bottom-up. The plan (a team goal's revenue target) is shared out by a blend of
three bases, each a small strategy class in `BASES` (adding a basis means adding a class):

- potential: the distributor's yearly market potential, as a share of all the potential;
- history: its own revenue over the last 12 complete months, as a share of everyone's;
- peers: its potential priced at the median penetration (revenue / potential over the same 12
  months) of its peers (same tier; the same region when the tier has fewer than
  `PEER_MINIMUM` peers with potential; the whole channel otherwise), as a share of everyone's.

    weight(d) = Σ_b  w_b · estimate_b(d) / Σ_e estimate_b(e)      (Σ_b w_b = 1)

A basis that is zero for everyone (no potential entered anywhere, no revenue yet) drops out and
its weight goes to the others. A distributor with no potential and no history weighs nothing.

Reconciliation is top-down and exact: the plan, in cents, is split between regions in
proportion to their distributors' weights, each region's amount between its distributors, and
each distributor's share between its product lines (when the plan has lines), every split by
the largest-remainder method (Hamilton): floor every proportional share to the cent, then hand
the cents left over, one each, to the largest remainders (ties to the lower key). Every level
therefore adds up exactly to the level above it, and no share is negative.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import DecimalField, Sum
from django.utils.translation import gettext as _

from distributors.models import Distributor, ProductLine, RevenueRecord
from drm.errors import DomainError, ValidationFailed
from drm.periods import complete_months

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


@dataclass(frozen=True)
class Unit:
    """One distributor as the allocation sees it (amounts in the reporting currency)."""

    key: int
    region: str = ""
    tier: str = ""
    potential: Decimal = ZERO
    history: Decimal = ZERO
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
        peers = [p for p in (self.peers if self.peers is not None else units) if p.potential > 0]
        return {u.key: max(u.potential, ZERO) * self.penetration(u, peers) for u in units}

    @staticmethod
    def penetration(unit, peers):
        for same in (lambda p: p.tier == unit.tier, lambda p: p.region == unit.region, None):
            group = [
                max(p.history, ZERO) / p.potential
                for p in peers
                if p.key != unit.key and (same is None or same(p))
            ]
            if len(group) >= PEER_MINIMUM or (same is None and group):
                return median(group)
        return ZERO


def bases(peers=None):
    return [PotentialBasis(), HistoryBasis(), PeerPenetrationBasis(peers)]


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


def allocate(plan, units, *, basis_list=None):
    """Split `plan` between `units` (see the module's docstring). Refuses a plan that nobody
    can carry (no potential and no history anywhere)."""
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
    )


# --- the data ------------------------------------------------------------------------------


def _revenue_by_distributor(distributor_ids, *, product_line_id=None, on=None, by_line=False):
    """{distributor id: revenue of the last 12 complete months} ({(id, line id): …} by line)."""
    months = complete_months(12, on=on)
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


def _units(distributors, revenue, line_revenue=None):
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
    revenue = _revenue_by_distributor(ids, product_line_id=goal.product_line_id, on=on)
    line_revenue = None
    if not goal.product_line_id:
        line_revenue = _revenue_by_distributor(ids, on=on, by_line=True)
    units = _units(distributors, revenue, line_revenue)
    # Penetration is compared over the whole channel's comparable territories, not only the
    # distributors under this plan.
    channel = Distributor.objects.filter(status__in=PLANNED_STATUSES, market_potential__gt=0)
    if goal.product_line_id:
        channel = channel.filter(product_lines=goal.product_line_id).distinct()
    channel = list(channel.select_related("tier"))
    channel_revenue = _revenue_by_distributor(
        [d.pk for d in channel], product_line_id=goal.product_line_id, on=on
    )
    peers = _units(channel, channel_revenue)
    return distributors, allocate(goal.target, units, basis_list=bases(peers))


# --- the plan page: top-down against bottom-up ---------------------------------------------


@dataclass
class PlanRow:
    distributor: object
    share: Decimal  # the potential-based proposal
    child: object = None  # its distributor goal under the plan, if any
    bottom_up: Decimal | None = None  # the distributor's own proposal, when on the table
    lines: list = field(default_factory=list)  # [(ProductLine, amount)] for a plan of no line

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
    return Plan(goal=goal, allocation=allocation, rows=rows, regions=regions)


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
