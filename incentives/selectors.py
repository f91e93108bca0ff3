"""Reads of incentive programmes, always scoped to the viewer: the programmes, each one's
standings, the earnings ledger, and a distributor's one statement (programmes and goal bonuses).

The figures of a distributor in a programme, in the reporting currency:

- earned: what its revenue of the period earns, as the last accrual measured it (the sum of its
  accrual and restatement entries);
- paid: its advances and true-ups (a negative true-up recovers an overpaid advance);
- due: earned − paid (negative: paid in advance more than earned);
- expected: what it will have earned at the end of the period at its pace so far.

A goal's bonus is earned when the goal is achieved (`Goal.payout`, in the goal's payout
currency) and paid when its payment is recorded (a bonus_payment entry).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Goal

from .models import CENT, MONEY_DIGITS, ZERO, Entry, Programme, Standing

MONEY = DecimalField(max_digits=MONEY_DIGITS + 4, decimal_places=2)
FIGURES = ("earned", "paid", "due")


def _paid_subquery(**match):
    paid = (
        Entry.objects.filter(kind__in=(Entry.Kind.ADVANCE, Entry.Kind.TRUE_UP), **match)
        .order_by()
        .values("distributor_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO), output_field=MONEY)


def programme_list(*, visible_to, kind=None):
    """The programmes the viewer may see, each with its figures summed over what the viewer may
    see of it (a partner: its own standing)."""
    programmes = Programme.objects.visible_to(visible_to).select_related("product_line")
    if kind:
        programmes = programmes.filter(kind=kind)
    standings = Standing.objects.visible_to(visible_to).filter(programme=OuterRef("pk"))
    entries = Entry.objects.visible_to(visible_to).filter(
        programme=OuterRef("pk"), kind__in=(Entry.Kind.ADVANCE, Entry.Kind.TRUE_UP)
    )

    def total(rows, column):
        summed = rows.order_by().values("programme_id").annotate(total=Sum(column)).values("total")
        return Coalesce(Subquery(summed, output_field=MONEY), Value(ZERO), output_field=MONEY)

    counted = (
        standings.order_by().values("programme_id").annotate(total=Sum(Value(1))).values("total")
    )
    return programmes.annotate(
        earned=total(standings, "earned"),
        paid=total(entries, "amount"),
        participants=Coalesce(Subquery(counted), Value(0)),
    ).annotate(due=F("earned") - F("paid"))


def standing_list(*, programme, visible_to, search=""):
    """The standings of `programme` the viewer may see, best earner first, each with what it
    was paid and what is due."""
    standings = (
        Standing.objects.visible_to(visible_to)
        .filter(programme=programme)
        .select_related("distributor")
        .annotate(
            paid=_paid_subquery(
                programme_id=OuterRef("programme_id"), distributor_id=OuterRef("distributor_id")
            )
        )
        .annotate(due=F("earned") - F("paid"))
        .order_by("-earned", "distributor__code")
    )
    if search:
        standings = standings.filter(
            Q(distributor__code__icontains=search) | Q(distributor__name__icontains=search)
        )
    return standings


def standing_totals(standings):
    """The sums of earned, paid and due over `standings` (a `standing_list`), one query."""
    inner = standings.order_by().values("earned", "paid")
    try:
        sql, params = inner.query.sql_with_params()
    except EmptyResultSet:  # a list filtered down to nothing (an invalid filter)
        return {"earned": ZERO, "paid": ZERO, "due": ZERO}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(earned), 0), COALESCE(SUM(paid), 0) "  # noqa: S608 - ORM SQL
            f"FROM ({sql}) AS standing",
            params,
        )
        earned, paid = cursor.fetchone()
    earned, paid = Decimal(earned).quantize(CENT), Decimal(paid).quantize(CENT)
    return {"earned": earned, "paid": paid, "due": earned - paid}


def entry_list(*, visible_to, distributor=None, programme=None, kind=None):
    entries = Entry.objects.visible_to(visible_to).select_related(
        "distributor", "programme", "goal", "settlement"
    )
    if distributor is not None:
        entries = entries.filter(distributor=distributor)
    if programme is not None:
        entries = entries.filter(programme=programme)
    if kind:
        entries = entries.filter(kind=kind)
    return entries.order_by("-date", "-id")


@dataclass
class ProgrammeLine:
    programme: Programme
    standing: Standing
    paid: Decimal
    outlook: object

    @property
    def due(self):
        return self.standing.earned - self.paid


@dataclass
class BonusLine:
    goal: Goal
    payment: Entry | None

    @property
    def paid(self):
        return self.payment.amount if self.payment else ZERO

    @property
    def due(self):
        return self.goal.payout - self.paid


@dataclass
class Statement:
    """One distributor's earnings: its programmes, its goal bonuses, and the totals by currency
    ({currency: {"earned", "paid", "due"}}); every line's figures add up to the totals."""

    programmes: list = field(default_factory=list)
    bonuses: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)


def earnings_chart(*, distributor, visible_to):
    """What `distributor` had earned and been paid in its programmes at the end of each month
    (cumulative, in the reporting currency), from its ledger: one grouped query. A chart's
    spec for static/js/charts.js, or None without entries."""
    rows = (
        Entry.objects.visible_to(visible_to)
        .filter(distributor=distributor, programme__isnull=False)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(
            earned=Coalesce(Sum("amount", filter=Q(kind__in=Entry.EARNED)), Value(ZERO)),
            paid=Coalesce(Sum("amount", filter=~Q(kind__in=Entry.EARNED)), Value(ZERO)),
        )
        .order_by("month")
    )
    labels, earned, paid = [], [], []
    earned_total = paid_total = ZERO
    for row in rows:
        earned_total += row["earned"]
        paid_total += row["paid"]
        labels.append(f"{row['month']:%Y-%m}")
        earned.append(float(earned_total))
        paid.append(float(paid_total))
    if not labels:
        return None
    return {
        "labels": labels,
        "currency": settings.REPORTING_CURRENCY,
        "datasets": [
            {"label": _("Earned"), "data": earned, "fill": False, "tension": 0.2},
            {"label": _("Paid"), "data": paid, "fill": False, "stepped": True},
        ],
    }


def standing_figures(*, distributor, visible_to):
    """`distributor`'s standings the viewer may see, latest programme first, each with what it
    was paid (`paid`) and its programme's tiers at hand: the statement's lines, one query and
    one for the tiers."""
    return (
        Standing.objects.visible_to(visible_to)
        .filter(distributor=distributor)
        .select_related("programme__product_line")
        .prefetch_related("programme__payout_tiers")
        .annotate(
            paid=_paid_subquery(
                programme_id=OuterRef("programme_id"), distributor_id=OuterRef("distributor_id")
            )
        )
        .annotate(due=F("earned") - F("paid"))
        .order_by("-programme__period_start", "programme__name", "programme_id")
    )


def statement(*, distributor, visible_to, today=None):
    """`distributor`'s statement as the viewer may see it (nothing of another's)."""
    today = today or timezone.localdate()
    totals = defaultdict(lambda: dict.fromkeys(FIGURES, ZERO))
    result = Statement()
    standings = standing_figures(distributor=distributor, visible_to=visible_to)
    currency = settings.REPORTING_CURRENCY
    for standing in standings:
        programme = standing.programme
        line = ProgrammeLine(programme, standing, standing.paid, programme.outlook(standing, today))
        result.programmes.append(line)
        totals[currency]["earned"] += standing.earned
        totals[currency]["paid"] += standing.paid
    goals = (
        Goal.objects.filter(
            distributor=distributor,
            distributor__in=_visible_distributors(visible_to),
            status=Goal.Status.ACHIEVED,
            payout__gt=0,
        )
        .select_related("distributor")
        .order_by("-due", "pk")
    )
    payments = {
        entry.goal_id: entry
        for entry in Entry.objects.visible_to(visible_to).filter(
            distributor=distributor, kind=Entry.Kind.BONUS_PAYMENT
        )
    }
    for goal in goals:
        bonus = BonusLine(goal, payments.get(goal.pk))
        result.bonuses.append(bonus)
        code = goal.payout_currency or goal.payout_currency_code
        totals[code]["earned"] += goal.payout
        totals[code]["paid"] += bonus.paid
    for figures in totals.values():
        figures["due"] = figures["earned"] - figures["paid"]
    result.totals = dict(sorted(totals.items()))
    return result


def _visible_distributors(user):
    from distributors.models import Distributor

    return Distributor.objects.visible_to(user).values("pk")
