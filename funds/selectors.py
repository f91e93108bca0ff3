"""Reads of funds, always scoped to the viewer: the balance of each allocation (the one
definition every surface reads), the lists of funds, requests and claims, and what the money
bought (the stored impact estimates, added up per request, fund, activity type, distributor).

The balance of an allocation, in the reporting currency:

- allocated: the allocation's amount;
- reserved: the approved amount of each approved request whose claim is not decided yet (none
  submitted, or one waiting for a decision);
- claimed: the approved amount of each approved claim not paid yet;
- paid: the approved amount of each paid claim;
- expired: once the fund's `expires_on` has passed, whatever the four above leave (nothing can
  be requested or approved from it any more); before, nothing. A reservation given back by an
  expired request is not "expired": it is available again, until the fund itself expires;
- available: allocated − reserved − claimed − paid − expired, never below zero (the services
  refuse any act that would take it there).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drm import compiled
from identity.access import viewer_key
from leads.models import Lead

from . import impact, treatments
from .models import (
    MONEY_DIGITS,
    REASON_TEXTS,
    ZERO,
    ActivityType,
    Allocation,
    Claim,
    Fund,
    FundRequest,
    ImpactEstimate,
)

FUND_REQUEST = treatments.FundActivities.kind

MONEY = DecimalField(max_digits=MONEY_DIGITS + 4, decimal_places=2)

# An approved request reserves its approved amount until its claim is decided.
RESERVING = Q(requests__status=FundRequest.Status.APPROVED) | Q(
    requests__status=FundRequest.Status.CLAIMED,
    requests__claim__status=Claim.Status.SUBMITTED,
)


def _total(column, condition):
    return Coalesce(Sum(column, filter=condition), Value(ZERO), output_field=MONEY)


def with_balances(allocations, *, today=None):
    """`allocations` (a queryset) with allocated, reserved, claimed, paid, used (the three
    commitments), expired and available annotated: one query (a join of the requests and
    their claims, grouped by allocation), whatever the number of rows."""
    today = today or timezone.localdate()
    return (
        allocations.annotate(
            allocated=F("amount"),
            reserved=_total("requests__approved_amount", RESERVING),
            claimed=_total(
                "requests__claim__approved_amount",
                Q(requests__claim__status=Claim.Status.APPROVED),
            ),
            paid=_total(
                "requests__claim__approved_amount", Q(requests__claim__status=Claim.Status.PAID)
            ),
        )
        .annotate(
            used=ExpressionWrapper(F("reserved") + F("claimed") + F("paid"), output_field=MONEY)
        )
        .annotate(
            expired=Case(
                When(
                    fund__expires_on__lt=today,
                    then=Greatest(F("amount") - F("used"), Value(ZERO), output_field=MONEY),
                ),
                default=Value(ZERO),
                output_field=MONEY,
            )
        )
        .annotate(
            available=ExpressionWrapper(F("amount") - F("used") - F("expired"), output_field=MONEY)
        )
    )


def balances(*, visible_to, fund=None, distributor=None, today=None):
    """The balance of every allocation `visible_to` may see (a partner: its own distributor's),
    narrowed to one fund or one distributor: Allocation rows with the figures annotated (see
    the module's docstring), fund and distributor read with them. One query."""
    allocations = Allocation.objects.visible_to(visible_to).select_related("fund", "distributor")
    if fund is not None:
        allocations = allocations.filter(fund=fund)
    if distributor is not None:
        allocations = allocations.filter(distributor=distributor)
    return with_balances(allocations, today=today).order_by("fund__period_start", "fund_id", "pk")


def fund_chart(fund, *, visible_to, allocated):
    """The fund's money over time, as `visible_to` may see it (a partner: its own allocation):
    at the end of each month, what had been approved and what had been paid since the fund
    began (cumulative, in the reporting currency), beside what is allocated today. Two grouped
    queries; a spec for static/js/charts.js, or None before any approval."""
    approved = (
        FundRequest.objects.visible_to(visible_to)
        .filter(allocation__fund=fund, status__in=FundRequest.DECIDED_FOR)
        .annotate(month=TruncMonth("decided_at"))
        .values("month")
        .annotate(total=Sum("approved_amount"))
        .order_by("month")
    )
    paid = (
        Claim.objects.visible_to(visible_to)
        .filter(request__allocation__fund=fund, status=Claim.Status.PAID)
        .annotate(month=TruncMonth("paid_on"))
        .values("month")
        .annotate(total=Sum("approved_amount"))
        .order_by("month")
    )
    by_month = {}
    for name, rows in (("approved", approved), ("paid", paid)):
        for row in rows:
            by_month.setdefault(f"{row['month']:%Y-%m}", {})[name] = row["total"]
    if not by_month:
        return None
    labels = sorted(by_month)
    running = {"approved": ZERO, "paid": ZERO}
    series = {"approved": [], "paid": []}
    for label in labels:
        for name in running:
            running[name] += by_month[label].get(name) or ZERO
            series[name].append(float(running[name]))
    return {
        "labels": labels,
        "currency": settings.REPORTING_CURRENCY,
        "datasets": [
            {
                "label": _("Allocated"),
                "data": [float(allocated or ZERO)] * len(labels),
                "fill": False,
                "borderDash": [6, 4],
                "pointRadius": 0,
            },
            {"label": _("Approved"), "data": series["approved"], "fill": False, "stepped": True},
            {"label": _("Paid"), "data": series["paid"], "fill": False, "stepped": True},
        ],
    }


def allocation_balance(allocation, *, today=None):
    """The balance of one allocation (unscoped: for the services, which authorize first)."""
    return with_balances(Allocation.objects.filter(pk=allocation.pk), today=today).get()


def fund_list(*, visible_to, kind=None, current_on=None):
    """The funds `visible_to` may see (a partner: those its distributor is allocated in or
    eligible for); `current_on`, a day: those not expired on it."""
    funds = Fund.objects.visible_to(visible_to)
    if kind:
        funds = funds.filter(kind=kind)
    if current_on is not None:
        funds = funds.filter(expires_on__gte=current_on)
    return funds


def request_list(*, visible_to, fund=None, distributor=None, status=None):
    requests = FundRequest.objects.visible_to(visible_to).select_related(
        "allocation__fund", "allocation__distributor", "submitted_by", "decided_by"
    )
    if fund is not None:
        requests = requests.filter(allocation__fund=fund)
    if distributor is not None:
        requests = requests.filter(allocation__distributor=distributor)
    if status:
        requests = requests.filter(status=status)
    return requests


def claim_list(*, visible_to, fund=None, distributor=None, status=None):
    claims = Claim.objects.visible_to(visible_to).select_related(
        "request__allocation__fund",
        "request__allocation__distributor",
        "submitted_by",
        "decided_by",
        "lead_source",
    )
    if fund is not None:
        claims = claims.filter(request__allocation__fund=fund)
    if distributor is not None:
        claims = claims.filter(request__allocation__distributor=distributor)
    if status:
        claims = claims.filter(status=status)
    return claims


def claim_leads(claim):
    """The leads a claimed activity brought: those of the claim's lead source that its
    distributor holds, created during the activity (its first to its last day, in the portal's
    time zone). None without a lead source."""
    if claim.lead_source_id is None:
        return Lead.objects.none()
    request = claim.request
    return Lead.objects.filter(
        source_id=claim.lead_source_id,
        distributor_id=request.allocation.distributor_id,
        created_at__date__gte=request.start,
        created_at__date__lte=request.end,
    )


FIGURES = ("allocated", "reserved", "claimed", "paid", "expired", "available")


def balance_totals(balances, *, per_fund=False):
    """The sum of each figure over `balances` (a `balances()` queryset): {figure: total}, or
    {fund id: {figure: total}} `per_fund`. Summed over the allocations' own figures in SQL
    (an allocation's `expired` is not a sum of its parts), one query."""
    inner = balances.order_by().values("fund_id", *FIGURES)
    sql, params = inner.query.sql_with_params()
    sums = ", ".join(f"SUM({name})" for name in FIGURES)
    group = "fund_id, " if per_fund else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {group}{sums} FROM ({sql}) AS balance"  # noqa: S608 - the ORM's own SQL
            + (" GROUP BY fund_id" if per_fund else ""),
            params,
        )
        rows = cursor.fetchall()
    if per_fund:
        return {row[0]: dict(zip(FIGURES, row[1:], strict=True)) for row in rows}
    return dict(zip(FIGURES, rows[0], strict=True))


# --- what the money bought ---------------------------------------------------------------------


@dataclass(frozen=True)
class ImpactRollup:
    """Stored impact estimates added up (`impact.combine`), as the pages show them: the sum of
    their incremental revenue with its interval, the revenue it lies in, what was paid for it,
    how many estimates were made and how many could not be. One estimate alone reads as
    itself (its method, its peers)."""

    incremental: float | None
    low: float | None
    high: float | None
    confidence: float
    effect_percent: float | None
    actual: float | None
    invested: Decimal
    count: int
    refused: int
    first_month: datetime.date
    effect_end: datetime.date
    computed_at: datetime.datetime
    single: ImpactEstimate | None = None
    reasons: tuple = ()

    @property
    def is_estimated(self):
        return self.count > 0

    @property
    def confidence_percent(self):
        return round(self.confidence * 100)

    @property
    def per_invested(self):
        """Incremental revenue per unit paid; None when nothing was paid."""
        if not self.is_estimated or not self.invested:
            return None
        return Decimal(repr(self.incremental)) / self.invested

    @property
    def peers(self):
        return self.single.peers if self.single is not None else None

    @property
    def overlaps(self):
        return self.single.overlaps if self.single is not None else 0

    @property
    def method_text(self):
        if self.single is not None:
            return self.single.method_text
        return ngettext("Sum of %(count)d estimate", "Sum of %(count)d estimates", self.count) % {
            "count": self.count
        }

    @property
    def method_help(self):
        if self.single is not None:
            return self.single.method_help
        return _(
            "Each activity or distributor is estimated on its own against comparable "
            "distributors that did not receive it; the interval is that of the sum."
        )

    @property
    def reason_text(self):
        """Why nothing could be estimated: the reason every estimate gives, or a summary."""
        if len(self.reasons) == 1:
            return REASON_TEXTS[self.reasons[0]]
        return REASON_TEXTS["nothing_estimated"]


def estimate_list(*, visible_to, kind=None, subjects=None, distributor=None):
    """The stored impact estimates `visible_to` may see (a partner: its own distributor's),
    narrowed to one kind of treatment, some treatments (ids, or a queryset of them), one
    distributor."""
    rows = ImpactEstimate.objects.visible_to(visible_to)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if subjects is not None:
        rows = rows.filter(subject_id__in=subjects)
    if distributor is not None:
        rows = rows.filter(distributor=distributor)
    return rows.order_by("pk")


def impact_rollup(rows):
    """The `ImpactRollup` of stored estimates (a list or a queryset), None when there are none."""
    rows = list(rows)
    if not rows:
        return None
    combined = impact.combine(row.as_estimate() for row in rows)
    made = [row for row in rows if row.is_estimated]
    return ImpactRollup(
        incremental=combined.incremental,
        low=combined.low,
        high=combined.high,
        confidence=combined.confidence,
        effect_percent=combined.effect_percent,
        actual=combined.actual,
        invested=sum((row.invested for row in made), ZERO),
        count=len(made),
        refused=len(rows) - len(made),
        first_month=min(row.first_month for row in rows),
        effect_end=max(row.effect_end for row in rows),
        computed_at=max(row.computed_at for row in rows),
        single=rows[0] if len(rows) == 1 else None,
        reasons=tuple(sorted({row.reason for row in rows if row.reason})),
    )


def request_impact(fund_request, *, visible_to):
    """The stored estimate of a fund request's activity, or None (not paid, not due yet, or
    not computed yet)."""
    return estimate_list(
        visible_to=visible_to, kind=FUND_REQUEST, subjects=[fund_request.pk]
    ).first()


def fund_impact(fund, *, visible_to):
    """What the fund's paid activities bought, added up (a partner: its own): one query."""
    requests = FundRequest.objects.filter(allocation__fund=fund).values("pk")
    return impact_rollup(estimate_list(visible_to=visible_to, kind=FUND_REQUEST, subjects=requests))


def activity_type_impacts(*, visible_to, months):
    """[(activity type label, rollup)] of the activities whose effect window ended in `months`
    (a MonthRange: the scorecard's 12 complete months, so that a page reads a year's
    activities, not all there ever were), per activity type with estimates in the choices'
    order, then (None, rollup) of them all: one query."""
    activity = FundRequest.objects.filter(pk=OuterRef("subject_id")).values("activity_type")
    rows = (
        estimate_list(visible_to=visible_to, kind=FUND_REQUEST)
        .filter(**months.month_filter("effect_end"))
        .annotate(activity_type=Subquery(activity))
    )
    by_type = defaultdict(list)
    for row in rows:
        by_type[row.activity_type].append(row)
    if not by_type:
        return []
    every = [row for group in by_type.values() for row in group]
    return [
        (label, impact_rollup(by_type[value]))
        for value, label in ActivityType.choices
        if value in by_type
    ] + [(None, impact_rollup(every))]


def distributor_impacts(distributor, *, visible_to):
    """[(treatment source, rollup)] of what each kind of treatment bought `distributor` (fund
    activities, programmes), in the sources' order: one query, compiled once (the record's)."""
    by_kind = defaultdict(list)
    rows = compiled.rows(
        ("funds.impacts", viewer_key(visible_to)),
        lambda distributor: estimate_list(visible_to=visible_to, distributor=distributor),
        distributor=distributor,
    )
    for row in rows:
        by_kind[row.kind].append(row)
    return [
        (source, impact_rollup(by_kind[source.kind]))
        for source in treatments.source_list()
        if source.kind in by_kind
    ]
