"""Reads of funds, always scoped to the viewer: the balance of each allocation (the one
definition every surface reads), and the lists of funds, requests and claims.

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

from django.db import connection
from django.db.models import Case, DecimalField, ExpressionWrapper, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from leads.models import Lead

from .models import MONEY_DIGITS, ZERO, Allocation, Claim, Fund, FundRequest

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
