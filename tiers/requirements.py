"""The registry of tier requirements: a class each, computed for every distributor at once.

Each requirement reads a figure the portal holds, over the same 12 complete months before the
as-of date the scorecards use (scoring.metrics), and reuses the scoring metric where one exists:
`figures(distributor_ids, as_of)` answers {distributor id: value} with one or a constant number
of queries, whatever the number of distributors. A distributor without a figure (no data) does
not meet the requirement, except where said (`missing`). `gap` words what it takes to meet it.
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from distributors.models import Distributor, RevenueRecord
from drm import periods
from goals.formats import money_text, number_text, percent_text
from scoring.metrics import metric_get, window

MONEY, PERCENT, COUNT, YES = "money", "percent", "count", "yes"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

_REQUIREMENTS = {}


def register(cls):
    _REQUIREMENTS[cls.key] = cls()
    return cls


def requirement_list():
    return list(_REQUIREMENTS.values())


def requirement_get(key):
    return _REQUIREMENTS[key]


def requirement_choices():
    return [(requirement.key, requirement.label) for requirement in requirement_list()]


def shared_revenue(shared, distributor_ids, as_of):
    """{distributor id: (revenue of the 12 complete months, of the 12 before them, months of the
    12 with a report)} in one aggregate, kept in `shared` (one run's dict) for the three
    requirements that read revenue. The sums are the scoring's (`scoring.metrics._revenue`:
    rows with a rate, in the reporting currency); a test holds them equal."""
    if "revenue" not in shared:
        months = window(as_of)
        earlier = periods.complete_months(12, on=months.first)
        recent = Q(month__gte=months.first)
        rows = (
            RevenueRecord.objects.filter(
                distributor_id__in=distributor_ids, month__gte=earlier.first, month__lt=months.end
            )
            .values_list("distributor_id")
            .annotate(
                now=Sum("reporting_amount", filter=recent & Q(rate__isnull=False)),
                before=Sum("reporting_amount", filter=~recent & Q(rate__isnull=False)),
                reported=Count("month", distinct=True, filter=recent),
            )
            .order_by()
        )
        shared["revenue"] = {d: (now, before, reported) for d, now, before, reported in rows}
    return shared["revenue"]


class Requirement:
    key = ""
    label = ""
    unit = COUNT
    explanation = ""
    # The value of a distributor without data (None: it does not meet the requirement).
    missing = None

    def figures(self, distributor_ids, as_of, shared=None):
        """{distributor id: Decimal} for the distributors among `distributor_ids` (a list or a
        query of ids) that have a figure. `shared`: a dict the requirements of one run share
        (an aggregate several of them read is made once)."""
        raise NotImplementedError

    def value_of(self, figures, distributor_id):
        value = figures.get(distributor_id)
        return self.missing if value is None else value

    def meets(self, value, threshold):
        return value is not None and Decimal(value) >= Decimal(threshold)

    def text(self, value):
        """A value (or threshold) as the reader writes it in this unit."""
        if value is None:
            return "—"
        value = Decimal(value)
        if self.unit == MONEY:
            return money_text(value, settings.REPORTING_CURRENCY)
        if self.unit == PERCENT:
            return percent_text(value, 1 if value != value.to_integral_value() else 0)
        return number_text(value)

    def gap(self, value, threshold):
        """What it takes to meet `threshold` from `value`: "2 more certified reps"."""
        return _("%(label)s of at least %(threshold)s") % {
            "label": self.label,
            "threshold": self.text(threshold),
        }


def _metric_raw(key, distributor_ids, as_of):
    metric = metric_get(key)
    raw = {}
    for distributor_id, pair in metric.inputs(as_of, distributor_ids).items():
        value = metric.raw(*pair[:2])
        if value is not None:
            raw[distributor_id] = Decimal(value).quantize(CENT)
    return raw


@register
class Revenue12m(Requirement):
    key = "revenue_12m"
    label = _("Revenue, last 12 months")
    unit = MONEY
    missing = Decimal(0)
    explanation = _(
        "Revenue reported for the last 12 complete months, in the reporting currency (the "
        "scorecard's figure)."
    )

    def figures(self, distributor_ids, as_of, shared=None):
        revenue = shared_revenue({} if shared is None else shared, distributor_ids, as_of)
        return {
            d: now.quantize(CENT) for d, (now, _before, _n) in revenue.items() if now is not None
        }

    def gap(self, value, threshold):
        return _("%(amount)s of revenue") % {
            "amount": money_text(
                max(Decimal(threshold) - Decimal(value or 0), Decimal(0)),
                settings.REPORTING_CURRENCY,
            )
        }

    def base_for_next_month(self, distributor_id, as_of):
        """The revenue that stays in the window measured once the running month is complete:
        its 11 complete months before it (the oldest month of today's window drops out)."""
        months = periods.complete_months(11, on=as_of)
        total = (
            RevenueRecord.objects.filter(
                distributor_id=distributor_id, rate__isnull=False, **months.month_filter()
            )
            .order_by()
            .values_list("reporting_amount", flat=True)
        )
        return sum((amount for amount in total if amount is not None), Decimal(0))


@register
class Growth(Requirement):
    key = "growth"
    label = _("Revenue growth, year on year")
    unit = PERCENT
    explanation = _(
        "Revenue of the last 12 complete months against the 12 months before them (the "
        "scorecard's figure); no revenue in those earlier months: no figure."
    )

    def figures(self, distributor_ids, as_of, shared=None):
        # The scoring's RevenueGrowth over the shared aggregate: the change ÷ the revenue before.
        metric = metric_get("revenue_growth")
        revenue = shared_revenue({} if shared is None else shared, distributor_ids, as_of)
        return {
            d: metric.raw(Decimal(now or 0) - Decimal(before), Decimal(before)).quantize(CENT)
            for d, (now, before, _n) in revenue.items()
            if before
        }

    def gap(self, value, threshold):
        return _("a growth of %(threshold)s") % {"threshold": self.text(threshold)}


@register
class CertifiedReps(Requirement):
    key = "certified_reps"
    label = _("Certified people")
    unit = COUNT
    missing = Decimal(0)
    explanation = _(
        "People of the distributor holding a valid certification on the as-of date (the "
        "training's count)."
    )

    def figures(self, distributor_ids, as_of, shared=None):
        from partnership.selectors import certified_people

        return {
            d: Decimal(count)
            for d, count in certified_people(distributor_ids=distributor_ids, today=as_of).items()
        }

    def gap(self, value, threshold):
        more = int(
            (Decimal(threshold) - Decimal(value or 0)).to_integral_value(rounding="ROUND_CEILING")
        )
        return ngettext("%(count)s more certified rep", "%(count)s more certified reps", more) % {
            "count": more
        }


@register
class GoalAttainmentRequirement(Requirement):
    key = "goal_attainment"
    label = _("Goal attainment")
    unit = PERCENT
    explanation = _(
        "Average attainment of the distributor goals running in the last 12 complete months "
        "(the scorecard's figure); no goal measured: no figure."
    )

    def figures(self, distributor_ids, as_of, shared=None):
        return _metric_raw("goal_attainment", distributor_ids, as_of)

    def gap(self, value, threshold):
        return _("a goal attainment of %(threshold)s") % {"threshold": self.text(threshold)}


@register
class LeadAcceptance(Requirement):
    key = "lead_acceptance"
    label = _("Leads accepted")
    unit = PERCENT
    # Handed no lead, it refused none.
    missing = HUNDRED
    explanation = _(
        "Leads accepted ÷ leads handed over in the last 12 complete months (the scorecard's "
        "figure); a distributor handed no lead meets it."
    )

    def figures(self, distributor_ids, as_of, shared=None):
        return _metric_raw("acceptance_rate", distributor_ids, as_of)

    def gap(self, value, threshold):
        return _("%(threshold)s of the leads handed over accepted") % {
            "threshold": self.text(threshold)
        }


@register
class TimelyReports(Requirement):
    key = "timely_reports"
    label = _("Months of revenue reported")
    unit = PERCENT
    explanation = _(
        "Of the last 12 complete months under contract (from the contract start), the share "
        "for which the distributor reported revenue. A distributor under contract for none of "
        "them meets it."
    )

    def figures(self, distributor_ids, as_of, shared=None):
        months = window(as_of)
        revenue = shared_revenue({} if shared is None else shared, distributor_ids, as_of)
        reported = {d: n for d, (_now, _before, n) in revenue.items()}
        if shared is not None and "contract_start" in shared:
            starts = shared["contract_start"].items()
        else:
            starts = Distributor.objects.filter(pk__in=distributor_ids).values_list(
                "pk", "contract_start"
            )
        result = {}
        for distributor_id, start in starts:
            due = _months_due(months, start)
            if not due:
                result[distributor_id] = HUNDRED
                continue
            count = min(reported.get(distributor_id, 0), due)
            result[distributor_id] = (Decimal(count) * HUNDRED / due).quantize(CENT)
        return result

    def gap(self, value, threshold):
        return _("revenue reported for %(threshold)s of the months") % {
            "threshold": self.text(threshold)
        }


def _months_due(months, start):
    """How many of `months` fall on or after the contract start's month (all without one)."""
    if start is None:
        return len(months.months)
    first = max(months.first, periods.month_start(start))
    if first > months.last:
        return 0
    return (months.last.year - first.year) * 12 + months.last.month - first.month + 1


@register
class AgreementAccepted(Requirement):
    key = "agreement_accepted"
    label = _("Partner agreement accepted")
    unit = YES
    missing = Decimal(0)
    explanation = _(
        "1 when the distributor accepted the current version of the partner agreement, 0 "
        "otherwise; with no agreement published, everyone meets it."
    )

    def figures(self, distributor_ids, as_of, shared=None):
        from partnership.models import AgreementAcceptance
        from partnership.services import agreement_current

        current = agreement_current()
        if current is None:
            return dict.fromkeys(
                Distributor.objects.filter(pk__in=distributor_ids).values_list("pk", flat=True),
                Decimal(1),
            )
        accepted = AgreementAcceptance.objects.filter(
            version=current,
            distributor_id__in=distributor_ids,
            accepted_at__date__lte=as_of,
        ).values_list("distributor_id", flat=True)
        return dict.fromkeys(accepted, Decimal(1))

    def text(self, value):
        if value is None:
            return "—"
        return str(_("yes")) if Decimal(value) >= 1 else str(_("no"))

    def gap(self, value, threshold):
        return str(_("the current partner agreement accepted"))


def as_of_default():
    return periods.today()


def next_month_end(as_of):
    """The last day of `as_of`'s month: what the running month adds is counted from the first
    run after it ends."""
    return periods.add_months(periods.month_start(as_of), 1) - datetime.timedelta(days=1)
