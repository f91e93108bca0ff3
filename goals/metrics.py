"""The registry of goal metrics: what a goal measures, and how its actual value is computed.

Each metric is a class. Actual values come from the data the portal holds (revenue records, lead
rollups, won leads, the manager's activity log), never from a number typed in. `Facts` loads what
a batch of goals needs with one aggregate query per source (grouped by distributor, month and
scope); each metric then reads its goal's slice of those aggregated rows. A page of fifty goals
or a job over fifty thousand costs the same handful of queries per batch.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Sum, prefetch_related_objects
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distributors.models import RevenueRecord
from distributors.revenue_epoch import revenue_epoch
from drm import compiled
from drm.formats import month_range
from drm.french import interpolate
from drm.periods import add_months, month_start
from leads.models import LeadRollup
from leads.pricing import unpriced_note, won_lead_values
from leads.rates import DQL_CONVERSION, ON_TIME

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class Unit:
    MONEY = "money"
    UNITS = "units"
    PERCENT = "percent"
    COUNT = "count"


def quantize(value):
    return None if value is None else Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def ratio(numerator, denominator):
    """numerator / denominator × 100, or None when there is nothing to divide by."""
    if not denominator:
        return None
    return quantize(Decimal(numerator) * HUNDRED / Decimal(denominator))


@dataclass(frozen=True)
class Actual:
    """A measured value, its inputs, and in words how it was computed."""

    value: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    how: str = ""

    @property
    def has_data(self):
        return self.value is not None


@dataclass(frozen=True)
class Period:
    """Whole months from `first` to `last` (first days), both included."""

    first: datetime.date
    last: datetime.date

    @classmethod
    def of(cls, start, end):
        return cls(month_start(start), month_start(end))

    def shifted(self, months):
        return Period(add_months(self.first, months), add_months(self.last, months))

    def __contains__(self, month):
        return self.first <= month <= self.last

    @property
    def label(self):
        """ "April 2025 – March 2026", in the reader's language (drm.formats)."""
        return month_range(self.first, self.last)


# --- the facts a batch of goals reads ----------------------------------------------------------


@dataclass
class Facts:
    """Aggregated rows for a set of goals, loaded once per source the goals' metrics need.

    Distributor-level rows are keyed by distributor id; `None` holds the whole channel's rows
    (for team goals). Months span from a year before the earliest period to the latest one, so
    growth and trend metrics find last year's figures too.
    """

    first: datetime.date
    last: datetime.date
    distributor_ids: set
    channel: bool  # a team goal is among them: load the whole channel's rows too
    _cache: dict = field(default_factory=dict)

    @classmethod
    def for_goals(cls, goals, *, as_of, extra_months=12):
        goals = list(goals)
        if not goals:
            return cls(as_of, as_of, set(), False)
        first = min(min(g.start, g.baseline_start or g.start) for g in goals)
        last = max(min(g.due, as_of) for g in goals)
        facts = cls(
            first=add_months(month_start(first), -extra_months),
            last=month_start(max(last, first)),
            distributor_ids={g.distributor_id for g in goals if g.distributor_id},
            channel=any(g.distributor_id is None and not g.is_aligned_team for g in goals),
        )
        facts.aligned_load([goal.pk for goal in goals if goal.is_aligned_team and goal.pk])
        return facts

    def aligned(self, goal):
        """The distributor goals a team goal measured on them adds up: those aligned under it
        and agreed by both sides (running or settled)."""
        self.aligned_load([goal.pk] if goal.pk else [])
        return self._cache.get("aligned", {}).get(goal.pk, [])

    def aligned_load(self, team_ids):
        """Load the aligned goals of the team goals `team_ids` not loaded yet, in one query;
        their distributors' rows join the batch's."""
        aligned = self._cache.setdefault("aligned", {})
        wanted_ids = [pk for pk in team_ids if pk not in aligned]
        if not wanted_ids:
            return
        from .models import Goal

        for pk in wanted_ids:
            aligned[pk] = []
        children = (
            Goal.objects.filter(parent_id__in=wanted_ids, status__in=Goal.COUNTED)
            .select_related(*NAMED_RELATIONS)
            .order_by("id")
        )
        for child in children:
            aligned[child.parent_id].append(child)
        wanted = {c.distributor_id for pk in wanted_ids for c in aligned[pk]} - self.distributor_ids
        if wanted:
            self.distributor_ids = self.distributor_ids | wanted
            for key in [key for key in self._cache if key[1:] == ("distributors",)]:
                del self._cache[key]

    def _rows(self, kind, distributor_id):
        """The aggregated rows of source `kind` for one distributor, or the channel's (None).

        Loaded once per batch and per side: the page's distributors in one aggregate query, the
        whole channel (team goals only) in another one grouped without the distributor, so a
        team goal on the page never drags every distributor's rows into Python.
        """
        side = "channel" if distributor_id is None else "distributors"
        key = (kind, side)
        if key not in self._cache:
            loader = getattr(self, f"_load_{kind}")
            if side == "channel":
                self._cache[key] = loader(None) if self.channel else {}
            else:
                self._cache[key] = loader(self.distributor_ids) if self.distributor_ids else {}
        empty = {} if kind == "leads" else ()
        return self._cache[key].get(distributor_id, empty)

    def revenue(self, distributor_id):
        """[(month, product_line, category, amount, units, margin)] of one distributor or the
        channel (None), in the reporting currency; figures without a rate are left out."""
        return self._rows("revenue", distributor_id)

    def lead_stages(self, distributor_id):
        """{(month, stage): count} from the lead rollups."""
        return self._rows("leads", distributor_id)

    def won_leads(self, distributor_id):
        """[(month, country, region, value, unpriced)]: won leads by where they are, their value
        in the reporting currency, and how many were left out for want of a rate."""
        return self._rows("won", distributor_id)

    def _load_revenue(self, distributor_ids):
        if distributor_ids is None:
            return self._channel_revenue()
        return self._query_revenue(distributor_ids)

    def _channel_revenue(self):
        """The whole channel's revenue by month, line and category: a scan of the revenue table,
        so kept in the cache under the table's epoch (renewed by every revenue write)."""
        key = f"goals:channel-revenue:{revenue_epoch()}:{self.first:%Y-%m}:{self.last:%Y-%m}"
        rows = cache.get(key)
        if rows is None:
            rows = dict(self._query_revenue(None))
            cache.set(key, rows, settings.REVENUE_CACHE_SECONDS)
        return rows

    def _query_revenue(self, distributor_ids):
        def build(ids, first, last):
            rows = RevenueRecord.objects.filter(
                month__gte=first, month__lte=last, rate__isnull=False
            )
            columns = ["month", "product_line_id", "customer_category_id"]
            if ids is not None:
                rows = rows.filter(distributor_id__in=ids)
                columns.insert(0, "distributor_id")
            return (
                rows.values_list(*columns)
                .annotate(
                    amount=Sum("reporting_amount"),
                    units=Sum("units"),
                    margin=Sum(F("margin") * F("rate")),
                )
                .order_by()
            )

        rows = compiled.rows(
            "goals.facts.revenue",
            build,
            ids=None if distributor_ids is None else sorted(distributor_ids),
            first=self.first,
            last=self.last,
        )
        by = defaultdict(list)
        for row in rows:
            distributor_id, rest = (row[0], row[1:]) if distributor_ids is not None else (None, row)
            month, line, category, amount, units, margin = rest
            by[distributor_id].append((month, line, category, amount or 0, units or 0, margin or 0))
        return by

    def _load_leads(self, distributor_ids):
        # Only the stages the lead metrics read (a rollup holds a dozen).
        stages = sorted(
            {
                stage
                for metric in _METRICS.values()
                if isinstance(metric, LeadRatio)
                for stage in (*metric.numerator_stages, *metric.denominator_stages)
            }
        )

        def build(ids, first, last):
            if ids is None:
                # The channel's own rollups (per source for the whole channel) are far smaller.
                rows = LeadRollup.objects.filter(grain=LeadRollup.Grain.CHANNEL_SOURCE)
                columns = ["month", "stage"]
            else:
                rows = LeadRollup.objects.filter(
                    grain=LeadRollup.Grain.DISTRIBUTOR, distributor_id__in=ids
                )
                columns = ["distributor_id", "month", "stage"]
            return (
                rows.filter(month__gte=first, month__lte=last, stage__in=stages)
                .values_list(*columns)
                .annotate(count=Sum("count"))
                .order_by()
            )

        rows = compiled.rows(
            ("goals.facts.leads", tuple(stages)),
            build,
            ids=None if distributor_ids is None else sorted(distributor_ids),
            first=self.first,
            last=self.last,
        )
        by = defaultdict(lambda: defaultdict(int))
        for row in rows:
            distributor_id, (month, stage, count) = (
                (row[0], row[1:]) if distributor_ids is not None else (None, row)
            )
            by[distributor_id][(month, stage)] += count
        return by

    def _load_won(self, distributor_ids):
        rows = won_lead_values(
            first=self.first, end=add_months(self.last, 1), distributor_ids=distributor_ids
        )
        by = defaultdict(list)
        for distributor_id, month, country, region, won in rows:
            by[distributor_id].append((month, country, region, won.value, won.unpriced))
        return by

    def activities(self):
        """{(kind, distributor or None, manager): [date, ...]} from the activity log."""
        if "activities" not in self._cache:
            from .models import Activity

            rows = Activity.objects.filter(
                date__gte=self.first, date__lt=add_months(self.last, 1)
            ).values_list("kind", "distributor_id", "manager_id", "date")
            by = defaultdict(list)
            for kind, distributor_id, manager_id, date in rows:
                by[(kind, distributor_id, manager_id)].append(date)
            self._cache["activities"] = by
        return self._cache["activities"]


# --- the registry ------------------------------------------------------------------------------

_METRICS = {}


def register(cls):
    _METRICS[cls.key] = cls()
    return cls


def metric_get(key):
    try:
        return _METRICS[key]
    except KeyError:
        raise LookupError(key) from None


def metric_list(level=None):
    return [m for m in _METRICS.values() if level is None or level in m.levels]


def metric_choices(level=None):
    return [(m.key, m.label) for m in metric_list(level)]


ALL_LEVELS = ("team", "distributor", "support")


class Metric:
    """One thing a goal can measure. `measure()` reads the goal's slice of `Facts`."""

    key = ""
    label = ""
    unit = Unit.MONEY
    # Sums grow through the period (landmarks are cumulative, the projection is a run rate);
    # ratios are levels (the projection is the current level).
    cumulative = True
    # Scope fields the metric cannot do without ("product_line", "territory", ...).
    requires = ()
    # Scope fields it can measure by at all: a goal naming another would measure something
    # else than its terms say (revenue reports carry no territory, say).
    scopes = ()
    levels = ("team", "distributor")
    # A percentage that cannot pass 100 (a share, a rate).
    bounded = False
    # The lowest value a target, a baseline or a landmark may take (revenue, units and counts
    # are never negative; a growth rate may be, down to -100 %).
    minimum = Decimal(0)

    def measure(self, goal, facts, period):
        raise NotImplementedError

    # The title's words; `title_with_line` (when there is one) for a goal of one product line.
    title_pattern = ""
    title_with_line = ""

    def title(self, goal, *, amount, period):
        """The goal's title from its terms: `amount` is the target as a title writes it."""
        names = _scope_names(goal)
        pattern = self.title_with_line if names["line"] and self.title_with_line else None
        return interpolate(
            pattern or self.title_pattern, {"amount": amount, "period": period, **names}
        )

    @property
    def maximum(self):
        """The highest value a term may take: 100 for a share or a rate, else none."""
        return HUNDRED if self.bounded else None

    def unit_label(self):
        return {
            Unit.MONEY: settings.REPORTING_CURRENCY,
            Unit.UNITS: _("units"),
            Unit.PERCENT: "%",
            Unit.COUNT: _("times"),
        }[self.unit]

    def actual(self, goal, facts, *, as_of):
        end = min(goal.due, as_of)
        if end < goal.start:
            return Actual(None, how=_("The goal has not started yet."))
        return self.measure_goal(goal, facts, Period.of(goal.start, end))

    def measure_goal(self, goal, facts, period):
        """The goal's value over `period`: its own scope's, or, for a team goal measured on the
        distributor goals aligned under it, the sum of theirs over the same months."""
        if not goal.is_aligned_team:
            return self.measure(goal, facts, period)
        aligned = facts.aligned(goal)
        total = sum(
            (self.measure(child, facts, period).value or Decimal(0) for child in aligned),
            Decimal(0),
        )
        how = _(
            "Sum over the %(count)s distributor goals aligned under this team goal (agreed, "
            "running or settled), each over its own distributor and scope, for %(period)s: "
            "%(total)s."
        ) % {"count": len(aligned), "period": period.label, "total": _number(total, 2)}
        return Actual(quantize(total), numerator=quantize(total), how=how)

    def series(self, goal, facts, *, as_of):
        """[(month, value to date)] from the goal's start to today (or its due date)."""
        end = month_start(min(goal.due, as_of))
        month = month_start(goal.start)
        points = []
        while month <= end:
            points.append(
                (
                    month,
                    self.measure_goal(goal, facts, Period(month_start(goal.start), month)).value,
                )
            )
            month = add_months(month, 1)
        return points


def _scope_words(goal):
    parts = []
    if goal.product_line_id:
        parts.append(str(goal.product_line))
    if goal.customer_category_id:
        parts.append(str(goal.customer_category))
    if goal.territory_id:
        parts.append(str(goal.territory))
    return ", ".join(parts)


def _scope_names(goal):
    return {
        "line": str(goal.product_line) if goal.product_line_id else "",
        "category": str(goal.customer_category) if goal.customer_category_id else "",
        "territory": str(goal.territory) if goal.territory_id else "",
    }


def _who(goal):
    return str(goal.distributor.name) if goal.distributor_id else _("the whole channel")


def _money(value):
    return f"{number_format(quantize(value), 2, force_grouping=True)} {settings.REPORTING_CURRENCY}"


def _number(value, places=0):
    return number_format(quantize(value), places, force_grouping=True)


class RevenueBase(Metric):
    """Reported revenue in the reporting currency over the goal's months and scope."""

    scopes = ("product_line", "customer_category")

    def title(self, goal, *, amount, period):
        if self.title_pattern:  # a metric on the revenue that declares its own words
            return super().title(goal, amount=amount, period=period)
        names = _scope_names(goal)
        if names["line"] and names["category"]:
            pattern = _("%(line)s revenue from %(category)s of %(amount)s %(period)s")
        elif names["line"]:
            pattern = _("%(line)s revenue of %(amount)s %(period)s")
        elif names["category"]:
            pattern = _("Revenue from %(category)s of %(amount)s %(period)s")
        elif goal.level == "team":
            pattern = _("Channel revenue of %(amount)s %(period)s")
        else:
            pattern = _("Revenue of %(amount)s %(period)s")
        return interpolate(pattern, {"amount": amount, "period": period, **names})

    def _rows(self, goal, facts, period, *, line=True, category=True):
        for month, line_id, category_id, amount, units, margin in facts.revenue(
            goal.distributor_id
        ):
            if month not in period:
                continue
            if line and goal.product_line_id and line_id != goal.product_line_id:
                continue
            if category and goal.customer_category_id and category_id != goal.customer_category_id:
                continue
            yield amount, units, margin

    def _total(self, goal, facts, period, **scope):
        return sum(
            (Decimal(a) for a, _u, _m in self._rows(goal, facts, period, **scope)), Decimal(0)
        )

    def measure(self, goal, facts, period):
        rows = list(self._rows(goal, facts, period))
        total = sum((Decimal(a) for a, _u, _m in rows), Decimal(0))
        scope = _scope_words(goal)
        how = _(
            "Sum of the revenue reported by %(who)s%(scope)s for %(period)s, in %(currency)s: "
            "%(total)s from %(count)s monthly figures."
        ) % {
            "who": _who(goal),
            "scope": f" ({scope})" if scope else "",
            "period": period.label,
            "currency": settings.REPORTING_CURRENCY,
            "total": _money(total),
            "count": len(rows),
        }
        return Actual(quantize(total), numerator=quantize(total), how=how)


@register
class Revenue(RevenueBase):
    key = "revenue"
    label = gettext_lazy("Revenue")


@register
class NewProductLineRevenue(RevenueBase):
    key = "new_line_revenue"
    label = gettext_lazy("Revenue of a new product line")
    requires = ("product_line",)


@register
class CustomerCategoryRevenue(RevenueBase):
    key = "category_revenue"
    label = gettext_lazy("Revenue of a customer category")
    requires = ("customer_category",)


@register
class Units(RevenueBase):
    key = "units"
    label = gettext_lazy("Units sold")
    unit = Unit.UNITS

    title_pattern = gettext_lazy("%(amount)s units sold %(period)s")
    title_with_line = gettext_lazy("%(amount)s units of %(line)s sold %(period)s")

    def measure(self, goal, facts, period):
        rows = list(self._rows(goal, facts, period))
        total = sum((Decimal(u) for _a, u, _m in rows), Decimal(0))
        scope = _scope_words(goal)
        how = _("Sum of the units reported by %(who)s%(scope)s for %(period)s: %(total)s.") % {
            "who": _who(goal),
            "scope": f" ({scope})" if scope else "",
            "period": period.label,
            "total": _number(total),
        }
        return Actual(quantize(total), numerator=quantize(total), how=how)


@register
class MarginPercent(RevenueBase):
    key = "margin_pct"
    label = gettext_lazy("Gross margin %")
    unit = Unit.PERCENT
    cumulative = False
    bounded = True

    title_pattern = gettext_lazy("Gross margin of %(amount)s %(period)s")
    title_with_line = gettext_lazy("Gross margin on %(line)s of %(amount)s %(period)s")

    def measure(self, goal, facts, period):
        rows = list(self._rows(goal, facts, period))
        revenue = sum((Decimal(a) for a, _u, _m in rows), Decimal(0))
        margin = sum((Decimal(m) for _a, _u, m in rows), Decimal(0))
        value = ratio(margin, revenue)
        how = _("Gross margin divided by revenue for %(period)s: %(margin)s / %(revenue)s.") % {
            "period": period.label,
            "margin": _money(margin),
            "revenue": _money(revenue),
        }
        return Actual(value, quantize(margin), quantize(revenue), how)


@register
class Growth(RevenueBase):
    key = "growth_pct"
    label = gettext_lazy("Revenue growth % (year on year)")
    unit = Unit.PERCENT
    cumulative = False
    minimum = -HUNDRED

    title_pattern = gettext_lazy("Revenue growth of %(amount)s %(period)s")
    title_with_line = gettext_lazy("%(line)s revenue growth of %(amount)s %(period)s")

    def measure(self, goal, facts, period):
        now = self._total(goal, facts, period)
        before_period = period.shifted(-12)
        before = self._total(goal, facts, before_period)
        value = None if not before else quantize((now - before) * HUNDRED / before)
        how = _(
            "Revenue for %(period)s against the same months a year earlier (%(before_period)s): "
            "%(now)s against %(before)s."
        ) % {
            "period": period.label,
            "before_period": before_period.label,
            "now": _money(now),
            "before": _money(before),
        }
        return Actual(value, quantize(now - before), quantize(before), how)


@register
class ProductLineShare(RevenueBase):
    key = "line_share"
    label = gettext_lazy("Share of a product line in the mix %")
    unit = Unit.PERCENT
    cumulative = False
    requires = ("product_line",)
    scopes = ("product_line", "customer_category")
    bounded = True
    title_pattern = gettext_lazy("%(line)s share of the revenue of %(amount)s %(period)s")

    def measure(self, goal, facts, period):
        line = self._total(goal, facts, period)
        everything = self._total(goal, facts, period, line=False)
        how = interpolate(
            _("Revenue of %(line)s divided by all revenue for %(period)s: %(part)s / %(whole)s."),
            {
                "line": goal.product_line,
                "period": period.label,
                "part": _money(line),
                "whole": _money(everything),
            },
        )
        return Actual(ratio(line, everything), quantize(line), quantize(everything), how)


@register
class TerritoryRevenue(Metric):
    """Revenue records carry no territory; won leads do (their country and region)."""

    key = "territory_revenue"
    label = gettext_lazy("Revenue in a new territory (won leads)")
    requires = ("territory",)
    scopes = ("territory",)
    title_pattern = gettext_lazy("Revenue in %(territory)s of %(amount)s %(period)s (won leads)")

    def measure(self, goal, facts, period):
        territory = goal.territory
        total = Decimal(0)
        unpriced = 0
        for month, country, region, value, left_out in facts.won_leads(goal.distributor_id):
            if month not in period or country != territory.country:
                continue
            if territory.region and region != territory.region:
                continue
            total += Decimal(value)
            unpriced += left_out
        how = _(
            "Value of the leads won by %(who)s in %(territory)s for %(period)s: %(total)s "
            "(revenue reports carry no territory, won leads do)."
        ) % {
            "who": _who(goal),
            "territory": territory,
            "period": period.label,
            "total": _money(total),
        }
        if unpriced:
            how = f"{how} {unpriced_note(unpriced)}"
        return Actual(quantize(total), numerator=quantize(total), how=how)


class LeadRatio(Metric):
    """A lead rate as `leads.rates` defines it, over the goal's months."""

    unit = Unit.PERCENT
    cumulative = False
    bounded = True
    rate = None

    @property
    def numerator_stages(self):
        return (self.rate.numerator,)

    @property
    def denominator_stages(self):
        return (self.rate.denominator,)

    def measure(self, goal, facts, period):
        counts = facts.lead_stages(goal.distributor_id)
        totals = defaultdict(int)
        for (month, stage), count in counts.items():
            if month in period:
                totals[stage] += count
        top, bottom = self.rate.counts(totals)
        return Actual(
            ratio(top, bottom), Decimal(top), Decimal(bottom), self.explain(period, top, bottom)
        )


@register
class DqlConversion(LeadRatio):
    key = "dql_conversion"
    label = gettext_lazy("MQL → DQL conversion %")
    title_pattern = gettext_lazy("MQL → DQL conversion of %(amount)s %(period)s")
    rate = DQL_CONVERSION

    def explain(self, period, top, bottom):
        return _(
            "Leads qualified (DQL) divided by leads handed over for %(period)s: "
            "%(top)s / %(bottom)s."
        ) % {"period": period.label, "top": top, "bottom": bottom}


@register
class LeadsOnTime(LeadRatio):
    key = "leads_on_time"
    label = gettext_lazy("Leads answered within the deadline %")
    title_pattern = gettext_lazy("%(amount)s of leads answered within the deadline %(period)s")
    rate = ON_TIME

    def explain(self, period, top, bottom):
        return _(
            "Leads handed over and answered before their deadline, divided by leads handed over "
            "for %(period)s: %(top)s / %(bottom)s."
        ) % {"period": period.label, "top": top, "bottom": bottom}


class ActivityCount(Metric):
    """Activities from the manager's log: with the goal's distributor, or (support goals) all
    those the goal's owner logged."""

    unit = Unit.COUNT
    activity_kind = ""

    def measure(self, goal, facts, period):
        end = add_months(period.last, 1)
        count = 0
        for (kind, distributor_id, manager_id), dates in facts.activities().items():
            if kind != self.activity_kind:
                continue
            if goal.distributor_id and distributor_id != goal.distributor_id:
                continue
            if goal.level == "support" and manager_id != goal.owner_id:
                continue
            count += sum(1 for d in dates if period.first <= d < end)
        if goal.level == "support":
            whose = goal.owner.get_full_name() or goal.owner.get_username() if goal.owner_id else ""
            how = _("%(kind)s logged by %(whose)s for %(period)s: %(count)s.")
        else:
            whose = _who(goal)
            how = _("%(kind)s logged with %(whose)s for %(period)s: %(count)s.")
        how = interpolate(
            how, {"kind": self.label, "whose": whose, "period": period.label, "count": count}
        )
        return Actual(Decimal(count), numerator=Decimal(count), how=how)


@register
class TrainingsCompleted(ActivityCount):
    key = "trainings"
    label = gettext_lazy("Trainings completed")
    title_pattern = gettext_lazy("%(amount)s trainings completed %(period)s")
    activity_kind = "training"
    levels = ALL_LEVELS


@register
class VisitsHeld(ActivityCount):
    key = "visits"
    label = gettext_lazy("Visits held")
    title_pattern = gettext_lazy("%(amount)s visits held %(period)s")
    activity_kind = "visit"
    levels = ALL_LEVELS


@register
class OneToOnesHeld(ActivityCount):
    key = "one_to_ones"
    label = gettext_lazy("One-to-one meetings held")
    title_pattern = gettext_lazy("%(amount)s one-to-one meetings held %(period)s")
    activity_kind = "one_to_one"
    levels = ("support",)


# --- attainment, projection and words for a gap ------------------------------------------------


def attainment(actual, target):
    """Actual as a % of target, or None (no data, no target)."""
    if actual is None or not target:
        return None
    return ratio(actual, target)


def expected_at(goal, landmarks, day):
    """What the goal should have reached by `day`: interpolated between its landmarks (and 0 at
    the start for cumulative metrics; the baseline for levels)."""
    metric = metric_get(goal.metric)
    start_value = Decimal(0) if metric.cumulative else (goal.baseline or Decimal(0))
    points = [(goal.start, start_value)] + [(lm.date, lm.expected) for lm in landmarks]
    if not landmarks or landmarks[-1].date < goal.due:
        points.append((goal.due, goal.target or Decimal(0)))
    points.sort()
    if day <= points[0][0]:
        return points[0][1]
    for (d0, v0), (d1, v1) in zip(points, points[1:], strict=False):
        if d0 <= day <= d1:
            if d1 == d0:
                return v1
            share = Decimal((day - d0).days) / Decimal((d1 - d0).days)
            return quantize(v0 + (v1 - v0) * share)
    return points[-1][1]


def projection(goal, actual, *, as_of, to):
    """The value the goal will have at `to` at its present pace.

    Cumulative metrics run at their rate so far (per day since the start); levels stay where
    they are.
    """
    if actual is None:
        return None
    metric = metric_get(goal.metric)
    if not metric.cumulative:
        return actual
    elapsed = (min(as_of, goal.due) - goal.start).days + 1
    if elapsed <= 0:
        return None
    span = (to - goal.start).days + 1
    return quantize(Decimal(actual) * Decimal(span) / Decimal(elapsed))


# The relations the explanations name (`Actual.how`): loaded once for a batch, not per goal.
NAMED_RELATIONS = ("distributor", "product_line", "customer_category", "territory", "owner")


def actuals_for(goals, *, as_of, facts=None):
    """{goal id: Actual} for `goals`, with one aggregate query per data source they need."""
    goals = list(goals)
    # Relations the caller did not select are fetched in one query each (none when selected).
    prefetch_related_objects(goals, *NAMED_RELATIONS)
    facts = facts or Facts.for_goals(goals, as_of=as_of)
    return {goal.pk: metric_get(goal.metric).actual(goal, facts, as_of=as_of) for goal in goals}
