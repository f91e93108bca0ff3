"""Reads that cross relations, always scoped to the user who asks."""

from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DecimalField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim
from django.utils.translation import gettext_lazy as _

from drm import columns as list_columns
from drm import compiled, periods
from drm.collation import collated
from drm.history import history_changes
from drm.names import display_name_sql
from drm.templatetags.money import money
from identity.access import Role, hidden_fields, user_role, viewer_key
from identity.models import Membership

from . import record
from .models import Distributor, ExchangeRate, Investment, RevenueRecord, Territory, Tier

MONEY = DecimalField(max_digits=22, decimal_places=2)
# The window a distributor's investments and its revenue per invested value are read over.
INVESTMENT_MONTHS = 12


def _window_revenue(window):
    """Revenue rows of each distributor (OuterRef pk) inside `window`."""
    return RevenueRecord.objects.filter(
        distributor=OuterRef("pk"), **window.month_filter()
    ).order_by()


class DistributorScope(TextChoices):
    """Whose distributors a manufacturer user's list holds."""

    MINE = "mine", _("My distributors")
    ALL = "all", _("All distributors")


def distributor_scope_default(*, user):
    """A channel manager starts on the distributors it is account manager of, if it has any.

    Manufacturer admins, and managers who manage none, start on all of them.
    """
    if user_role(user) != Role.MANAGER:
        return DistributorScope.ALL
    if Distributor.objects.filter(account_manager=user).exists():
        return DistributorScope.MINE
    return DistributorScope.ALL


def distributors_in_scope(*, visible_to, scope=DistributorScope.ALL):
    """The distributors `visible_to` may see, kept to those it is account manager of when
    `scope` is "mine": the one meaning of "my distributors" for every list and count."""
    qs = Distributor.objects.visible_to(visible_to)
    if scope == DistributorScope.MINE:
        qs = qs.filter(account_manager=visible_to)
    return qs


def distributor_list(*, visible_to, columns=(), today=None):
    """Distributors the user may see, with revenue over the last 12 complete months, by name in
    the reader's language (then code). Filters, search, scope and sorting are the FilterSet's
    (`filters.DistributorFilter`), the same for the list page, its export and the API.

    `columns`: keys of registered list columns (`drm.columns`) to annotate, or None for
    all of them (the list page and its export).

    `revenue_12m` sums the rows priced in the reporting currency; `missing_rates` counts the
    rows of the window left out because no exchange rate is known for their currency and month,
    so a figure that is low for want of a rate says so.
    """
    window = periods.complete_months(12, on=today)
    revenue_12m = (
        _window_revenue(window)
        .values("distributor")
        .annotate(total=Sum("reporting_amount"))
        .values("total")
    )
    missing = (
        _window_revenue(window)
        .filter(reporting_amount__isnull=True)
        .values("distributor")
        .annotate(count=Count("id"))
        .values("count")
    )
    qs = (
        Distributor.objects.visible_to(visible_to)
        .select_related("tier", "account_manager")
        .annotate(
            revenue_12m=Coalesce(
                Subquery(revenue_12m, output_field=MONEY), Value(0), output_field=MONEY
            ),
            missing_rates=Coalesce(
                Subquery(missing, output_field=IntegerField()),
                Value(0),
                output_field=IntegerField(),
            ),
            # Sorts as the list shows it: User.get_full_name(), else the username.
            manager_name=Coalesce(
                NullIf(
                    Trim(
                        Concat(
                            "account_manager__first_name",
                            Value(" "),
                            "account_manager__last_name",
                        )
                    ),
                    Value(""),
                ),
                "account_manager__username",
            ),
        )
    )
    qs = list_columns.annotate(qs, columns, today=today)
    return qs.order_by(collated("name"), "code")


PICK_LIMIT = 20


def distributor_pick(*, visible_to, query="", statuses=(), limit=PICK_LIMIT):
    """[(code, name)] of the distributors in `visible_to`'s sight whose code or name holds
    `query`, the one whose code it is first, for a picker that searches as one types."""
    found = Distributor.objects.visible_to(visible_to)
    query = (query or "").strip()
    if query:
        found = found.filter(Q(code__icontains=query) | Q(name__icontains=query))
    if statuses:
        found = found.filter(status__in=statuses)
    exact = Case(When(code__iexact=query, then=Value(0)), default=Value(1))
    return list(found.order_by(exact, "code").values_list("code", "name")[:limit])


def distributor_get(*, visible_to, code):
    """One distributor by code, or Distributor.DoesNotExist when the user may not see it
    (compiled once per viewer: every record page starts with it)."""
    found = compiled.rows(
        ("distributors.distributor_get", viewer_key(visible_to)),
        lambda code: (
            Distributor.objects.visible_to(visible_to)
            .select_related("tier", "account_manager")
            .prefetch_related("territories", "product_lines")
            .filter(code__caseless=code)
            .order_by("pk")[:2]
        ),
        code=code,
    )
    if not found:
        raise Distributor.DoesNotExist(f"No distributor {code!r} among those you may see")
    if len(found) > 1:
        raise Distributor.MultipleObjectsReturned(code)
    return found[0]


# How many complete months the record's revenue figures read, in one query (revenue_grid).
REVENUE_GRID_MONTHS = 24


def revenue_grid(*, distributor, months=REVENUE_GRID_MONTHS, today=None):
    """(window, rows) of `distributor`'s revenue over the last `months` complete months,
    grouped by month, product line (as the reader names it), currency and the rate that priced
    it, each with its reporting total, its rows left out for want of a rate and its rows priced.

    The one read behind the record's revenue chart, its months not reported and its revenue
    per invested value: read once per page (record.shared) over at least REVENUE_GRID_MONTHS,
    each figure keeping the months of its own window."""
    wanted = periods.complete_months(months, on=today)
    window = periods.complete_months(max(months, REVENUE_GRID_MONTHS), on=today)

    def build(distributor, first, end):
        return (
            RevenueRecord.objects.filter(distributor=distributor, month__gte=first, month__lt=end)
            .annotate(line=display_name_sql("product_line__"))
            .values("month", "line", "currency", "rate_month", "rate")
            .annotate(
                total=Sum("reporting_amount"),
                missing=Count("id", filter=Q(reporting_amount__isnull=True)),
                priced=Count("id", filter=Q(rate_month__isnull=False)),
            )
            .order_by()
        )

    def read():
        return compiled.rows(
            "distributors.revenue-grid",
            build,
            distributor=distributor,
            first=window.first,
            end=window.end,
        )

    rows = record.shared(distributor, ("revenue_grid", window.first, window.end), read)
    return wanted, [row for row in rows if wanted.first <= row["month"] < wanted.end]


def revenue_chart(*, distributor, months=24, today=None):
    """Chart.js data for a stacked bar chart of monthly revenue by product line (lines by
    name, months without revenue at 0), in plain Python: the distributor's page reads it on
    every view, and a frame costs more than the two dozen rows it holds."""
    window, rows = revenue_grid(distributor=distributor, months=months, today=today)
    totals = defaultdict(dict)
    for row in rows:
        by_month = totals[row["line"]]
        by_month[row["month"]] = by_month.get(row["month"], 0.0) + float(row["total"] or 0)
    return {
        "labels": [month.strftime("%Y-%m") for month in window.months],
        "datasets": [
            {
                "label": str(line),
                "data": [round(totals[line].get(month, 0.0), 2) for month in window.months],
            }
            for line in sorted(totals, key=str)
        ],
        "currency": settings.REPORTING_CURRENCY,
    }


def investment_summary(*, distributor, months=INVESTMENT_MONTHS, today=None):
    """Investment value per kind over the last `months` complete months, reporting currency."""
    window = periods.complete_months(months, on=today)
    return compiled.rows(
        "distributors.investment-summary",
        lambda distributor, first, end: (
            Investment.objects.filter(distributor=distributor, date__gte=first, date__lt=end)
            .values("kind")
            .annotate(amount=Sum("amount"), value=Sum("value"))
            .order_by("kind")
        ),
        distributor=distributor,
        first=window.first,
        end=window.end,
    )


def _pricing_groups(revenue_qs):
    """`revenue_qs` grouped by currency, month and the rate that priced it, in one query: each
    group's reporting total, its rows left out for want of a rate and its rows priced."""
    return list(
        revenue_qs.values("currency", "month", "rate_month", "rate")
        .annotate(
            total=Sum("reporting_amount"),
            missing=Count("id", filter=Q(reporting_amount__isnull=True)),
            priced=Count("id", filter=Q(rate_month__isnull=False)),
        )
        .order_by("currency", "month", "rate_month")
    )


def _pricing_of(rows):
    """The groups `_pricing_groups` gives, from revenue_grid's finer rows (summed over the
    product lines), in the same order."""
    groups = {}
    for row in rows:
        key = (row["currency"], row["month"], row["rate_month"], row["rate"])
        group = groups.setdefault(
            key,
            {
                **dict(zip(("currency", "month", "rate_month", "rate"), key, strict=True)),
                "total": None,
                "missing": 0,
                "priced": 0,
            },
        )
        if row["total"] is not None:
            group["total"] = (group["total"] or Decimal(0)) + row["total"]
        group["missing"] += row["missing"]
        group["priced"] += row["priced"]
    return sorted(
        groups.values(),
        # Postgres's order: rows without a rate month last.
        key=lambda g: (g["currency"], g["month"], g["rate_month"] is None, g["rate_month"] or 0),
    )


def _problems_of(groups):
    missing, stale = {}, []
    age = settings.EXCHANGE_RATE_MAX_AGE_MONTHS
    for row in groups:
        if row["missing"]:
            key = (row["currency"], row["month"])
            missing[key] = missing.get(key, 0) + row["missing"]
        if row["priced"] and periods.add_months(row["rate_month"], age) < row["month"]:
            stale.append(
                {
                    **{k: row[k] for k in ("currency", "month", "rate_month", "rate")},
                    "rows": row["priced"],
                }
            )
    return {
        "missing": [
            {"currency": currency, "month": month, "rows": rows}
            for (currency, month), rows in sorted(missing.items())
        ],
        "stale": stale,
    }


def rate_problems(revenue_qs):
    """What is wrong with the pricing of some revenue rows, for a warning next to a figure.

    - `missing`: (currency, month, rows) left out of reporting sums for want of a rate;
    - `stale`: (currency, month, rate month, rate, rows) priced with a rate older than
      EXCHANGE_RATE_MAX_AGE_MONTHS.
    """
    return _problems_of(_pricing_groups(revenue_qs))


def revenue_per_invested(*, distributor, months=INVESTMENT_MONTHS, today=None, invested=None):
    """Revenue (reporting currency) per unit of invested value over `months` complete months.

    Returns revenue, invested, ratio (None when nothing was invested), the period, and the rows
    left out for want of an exchange rate (`missing_rates`: then the ratio is flagged as low).
    `invested`: the window's invested value when the caller has it already (the sum of
    `investment_summary` over the same months), else read here.
    """
    window, rows = revenue_grid(distributor=distributor, months=months, today=today)
    groups = _pricing_of(rows)
    revenue = sum((row["total"] or Decimal(0) for row in groups), Decimal(0))
    if invested is None:
        invested = Investment.objects.filter(
            distributor=distributor, **window.day_filter()
        ).aggregate(total=Sum("value"))["total"] or Decimal(0)
    ratio = (revenue / invested).quantize(Decimal("0.01")) if invested else None
    problems = _problems_of(groups)
    return {
        "months": months,
        "period": window,
        "revenue": Decimal(revenue).quantize(Decimal("0.01")),
        "invested": invested,
        "ratio": ratio,
        "currency": settings.REPORTING_CURRENCY,
        "missing_rates": problems["missing"],
        "stale_rates": problems["stale"],
    }


def revenue_list(*, visible_to):
    return RevenueRecord.objects.visible_to(visible_to).select_related(
        "distributor", "product_line", "customer_category"
    )


def investment_list(*, visible_to):
    return Investment.objects.visible_to(visible_to).select_related("distributor")


def missing_exchange_rates():
    """Currency × month pairs that revenue needs a rate for and has none: managers fill these."""
    return list(
        RevenueRecord.objects.filter(reporting_amount__isnull=True)
        .values("currency", "month")
        .annotate(rows=Count("id"), distributors=Count("distributor", distinct=True))
        .order_by("currency", "month")
    )


def exchange_rate_list():
    return ExchangeRate.objects.order_by("currency", "-month")


def partner_user_list(*, visible_to, distributor=None):
    """Partner users (their memberships) the user may see, by distributor, then e-mail."""
    memberships = Membership.objects.visible_to(visible_to).select_related("user", "distributor")
    if distributor is not None:
        memberships = memberships.filter(distributor=distributor)
    return memberships.order_by("distributor__code", "user__email", "user__username")


def partner_user_get(*, visible_to, user_id):
    """The membership of one partner user, or Membership.DoesNotExist when it is out of sight."""
    return Membership.objects.visible_to(visible_to).select_related("user").get(user_id=user_id)


def revenue_report(*, distributor, months=24, today=None):
    """A distributor's revenue by month and product line over `months` complete months, and the
    months it has not reported yet (none of its rows; counted from its contract start).

    Returns {"window", "rows", "unreported"}; rows carry the reported currency and the
    reporting-currency amount (None when a rate is missing).
    """
    window = periods.complete_months(months, on=today)
    rows = list(
        RevenueRecord.objects.filter(distributor=distributor, **window.month_filter())
        .annotate(product_line_name=display_name_sql("product_line__"))
        .values("month", "product_line__code", "product_line_name", "currency")
        .annotate(
            amount=Sum("amount"),
            units=Sum("units"),
            margin=Sum("margin"),
            missing_rates=Count("id", filter=Q(reporting_amount__isnull=True)),
            reporting_total=Sum("reporting_amount"),
        )
        .order_by("-month", "product_line__code", "currency")
    )
    reported = {row["month"] for row in rows}
    unreported = _unreported(distributor, window, reported)
    return {"window": window, "rows": rows, "unreported": unreported}


def revenue_records(*, distributor, window):
    """A distributor's stored revenue rows in `window`, one per month, product line and
    customer category, with the codes an import names them by (the revenue export's rows)."""
    return (
        RevenueRecord.objects.filter(distributor=distributor, **window.month_filter())
        .values(
            "month",
            "product_line__code",
            "customer_category__code",
            "currency",
            "amount",
            "units",
            "margin",
            "reporting_amount",
        )
        .order_by("-month", "product_line__code", "customer_category__code")
    )


def _unreported(distributor, window, reported):
    start = periods.month_start(distributor.contract_start) if distributor.contract_start else None
    return [
        month
        for month in reversed(window.months)
        if month not in reported and (start is None or month >= start)
    ]


def unreported_months(*, distributor, months=24, today=None):
    """The complete months (newest first) of the last `months` in which `distributor` reported
    no revenue, counted from its contract start: the months `revenue_report` lists, from the
    revenue_grid the record's other revenue figures read."""
    window, rows = revenue_grid(distributor=distributor, months=months, today=today)
    return _unreported(distributor, window, {row["month"] for row in rows})


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


# The history's amounts with their currency (the market potential is in the reporting one).
HISTORY_WRITTEN = {
    "market_potential": lambda value, record: money(value, settings.REPORTING_CURRENCY),
}


def distributor_profile_history(*, distributor, viewer):
    """The changes of `distributor`'s own profile that `viewer` may see, newest first: read
    once per page, where the history and the timeline both show them."""
    return record.shared(
        distributor,
        ("profile_history", viewer.pk),
        lambda: history_changes(
            Distributor.history.filter(id=distributor.pk),
            fields=Distributor.HISTORY_FIELDS,
            hidden=hidden_fields(viewer, Distributor),
            subject=lambda _record: distributor.name,
            written=HISTORY_WRITTEN,
            frozen=(
                "distributors.profile_history",
                lambda distributor_id: Distributor.history.filter(id=distributor_id),
                {"distributor_id": distributor.pk},
            ),
        ),
    )


def distributor_history(*, distributor, viewer):
    """Who changed what and when on `distributor` and its partner users' memberships, newest
    first, without the fields `viewer` may not see.

    The caller has found `distributor` through `visible_to(viewer)`.
    """
    profile = distributor_profile_history(distributor=distributor, viewer=viewer)
    members = history_changes(
        Membership.history.filter(distributor_id=distributor.pk).select_related("user"),
        fields=Membership.HISTORY_FIELDS,
        hidden=hidden_fields(viewer, Membership),
        subject=lambda record: record.user.get_username() if record.user else f"#{record.user_id}",
        shown_on_create=("role",),
        frozen=(
            "distributors.member_history",
            lambda distributor_id: Membership.history.filter(
                distributor_id=distributor_id
            ).select_related("user"),
            {"distributor_id": distributor.pk},
        ),
    )
    return sorted(profile + members, key=lambda change: change.when, reverse=True)
