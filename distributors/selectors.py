"""Reads that cross relations, always scoped to the user who asks."""

import datetime
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.db.models import (
    Case,
    Count,
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
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Distributor, ExchangeRate, Investment, RevenueRecord, Territory, Tier

MONEY = DecimalField(max_digits=20, decimal_places=2)
RATE = DecimalField(max_digits=18, decimal_places=8)

SORTS = {
    "code": "code",
    "name": "name",
    "country": "country",
    "tier": "tier__rank",
    "status": "status",
    "manager": "account_manager__username",
    "revenue": "revenue_12m",
    "potential": "market_potential",
}


def month_start(day):
    return day.replace(day=1)


def months_back(day, count):
    """The first day of the month `count` months before `day`'s month."""
    index = day.year * 12 + day.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)


def with_reporting_amount(revenue_qs):
    """Annotate revenue rows with `reporting_amount`: amount × the month's exchange rate.

    The rate is the latest one at or before the row's month; the reporting currency itself is 1.
    """
    rate = (
        ExchangeRate.objects.filter(
            currency=OuterRef("distributor__currency"), month__lte=OuterRef("month")
        )
        .order_by("-month")
        .values("rate")[:1]
    )
    return revenue_qs.annotate(
        rate=Case(
            When(distributor__currency=settings.REPORTING_CURRENCY, then=Value(Decimal(1))),
            default=Subquery(rate, output_field=RATE),
            output_field=RATE,
        ),
    ).annotate(reporting_amount=ExpressionWrapper(F("amount") * F("rate"), output_field=MONEY))


def distributor_list(*, visible_to, filters=None, search="", sort="name", today=None):
    """Distributors the user may see, with last-12-month revenue in the reporting currency."""
    today = today or timezone.localdate()
    since = months_back(today, 12)
    revenue_12m = (
        with_reporting_amount(
            RevenueRecord.objects.filter(distributor=OuterRef("pk"), month__gte=since)
        )
        .order_by()
        .values("distributor")
        .annotate(total=Sum("reporting_amount"))
        .values("total")
    )
    qs = (
        Distributor.objects.visible_to(visible_to)
        .select_related("tier", "account_manager")
        .annotate(
            revenue_12m=Coalesce(
                Subquery(revenue_12m, output_field=MONEY), Value(0), output_field=MONEY
            )
        )
    )
    for field, value in (filters or {}).items():
        if value not in (None, "", []):
            qs = qs.filter(**{field: value})
    if search:
        qs = qs.filter(Q(code__icontains=search) | Q(name__icontains=search))
    descending = sort.startswith("-")
    key = SORTS.get(sort.lstrip("-"), "name")
    return qs.order_by(f"-{key}" if descending else key, "code")


def distributor_get(*, visible_to, code):
    """One distributor by code, or Distributor.DoesNotExist when the user may not see it."""
    return (
        Distributor.objects.visible_to(visible_to)
        .select_related("tier", "account_manager")
        .prefetch_related("territories", "product_lines")
        .get(code=code)
    )


def revenue_by_month_and_line(*, distributor, months=24, today=None):
    """A month × product line frame of revenue in the distributor's currency (zeros filled)."""
    today = today or timezone.localdate()
    since = months_back(today, months - 1)
    rows = (
        RevenueRecord.objects.filter(distributor=distributor, month__gte=since)
        .values("month", "product_line__name")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    frame = pd.DataFrame.from_records(list(rows), columns=["month", "product_line__name", "total"])
    all_months = [months_back(today, offset) for offset in range(months - 1, -1, -1)]
    if frame.empty:
        return pd.DataFrame(index=all_months)
    frame["total"] = frame["total"].astype(float)
    table = frame.pivot_table(
        index="month", columns="product_line__name", values="total", aggfunc="sum", fill_value=0
    )
    return table.reindex(all_months, fill_value=0)


def revenue_chart(*, distributor, months=24, today=None):
    """Chart.js data for a stacked bar chart of monthly revenue by product line."""
    table = revenue_by_month_and_line(distributor=distributor, months=months, today=today)
    return {
        "labels": [month.strftime("%Y-%m") for month in table.index],
        "datasets": [
            {"label": str(line), "data": [round(v, 2) for v in table[line].tolist()]}
            for line in table.columns
        ],
        "currency": distributor.currency,
    }


def investment_summary(*, distributor):
    """Investment value per kind, in the reporting currency."""
    return list(
        Investment.objects.filter(distributor=distributor)
        .values("kind")
        .annotate(amount=Sum("amount"), value=Sum("value"))
        .order_by("kind")
    )


def revenue_per_invested(*, distributor, months=12, today=None):
    """Revenue (reporting currency) per unit of invested value over the last `months` months.

    Returns a dict with revenue, invested and ratio (None when nothing was invested).
    """
    today = today or timezone.localdate()
    since = months_back(today, months)
    revenue = with_reporting_amount(
        RevenueRecord.objects.filter(distributor=distributor, month__gte=since)
    ).aggregate(total=Sum("reporting_amount"))["total"] or Decimal(0)
    invested = Investment.objects.filter(distributor=distributor, date__gte=since).aggregate(
        total=Sum("value")
    )["total"] or Decimal(0)
    ratio = (revenue / invested).quantize(Decimal("0.01")) if invested else None
    return {
        "months": months,
        "revenue": Decimal(revenue).quantize(Decimal("0.01")),
        "invested": invested,
        "ratio": ratio,
        "currency": settings.REPORTING_CURRENCY,
    }


def revenue_list(*, visible_to):
    return RevenueRecord.objects.visible_to(visible_to).select_related(
        "distributor", "product_line", "customer_category"
    )


def investment_list(*, visible_to):
    return Investment.objects.visible_to(visible_to).select_related("distributor")


def tier_list():
    """Tiers by rank, each with how many distributors are in it."""
    return Tier.objects.annotate(distributor_count=Count("distributors")).order_by("rank")


def territory_list(*, visible_to):
    """Territories the user may see, each with how many distributors cover it."""
    return (
        Territory.objects.visible_to(visible_to)
        .annotate(distributor_count=Count("distributors", distinct=True))
        .order_by("country", "code")
    )
