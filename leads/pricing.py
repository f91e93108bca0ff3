"""Money from leads in the reporting currency: won values priced with the rate of the month they
were won in, by the one rule of distributors.pricing (the latest rate at or before the month).

Nothing priced is stored. The lead rollups keep won values per currency and month, the leads
keep theirs in their own currency, and a read sums them per (currency, month) and prices those
sums in the same statement, joined to the few (currency, month) pairs it needs. So a rate that
arrives or changes later re-prices every figure at once, and a value without a rate (or without
a currency) is counted as such and left out, never summed in another currency.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Sum
from django.db.models.expressions import RawSQL
from django.utils.translation import ngettext

from distributors.pricing import priced_pairs_sql

from .models import Lead, LeadRollup, Stage
from .rollups import month_params, month_sql


@dataclass(frozen=True)
class WonValue:
    """Leads won, the value of those with a rate in the reporting currency, and how many have
    no rate for their currency and month (left out of `value`)."""

    value: Decimal
    leads: int
    unpriced: int

    @property
    def priced(self):
        """At least one lead has a rate: `value` is a figure (short by the unpriced ones)."""
        return self.leads > self.unpriced


def unpriced_note(count):
    """What a figure says when won leads were left out of it for want of a rate ("" if none)."""
    if not count:
        return ""
    return ngettext(
        "%(count)s won lead is left out: its currency has no exchange rate for the month it "
        "was won in.",
        "%(count)s won leads are left out: their currency has no exchange rate for the month "
        "they were won in.",
        count,
    ) % {"count": count}


def _number(value):
    """A database sum as a Decimal (SQLite answers floats, Postgres numerics)."""
    if value is None:
        return Decimal(0)
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _month(value):
    # SQLite answers dates as text.
    return datetime.date.fromisoformat(value[:10]) if isinstance(value, str) else value


def _priced_sums(rows, *, keys, month):
    """[(*keys, value, leads, unpriced)] of `rows` — a grouped queryset with the columns `keys`,
    `month`, `currency`, `value` (a sum of money in `currency`) and `leads` (a count) — grouped by
    `keys`: each row's value priced with its currency's rate of its month, in one statement."""
    inner, inner_params = rows.query.sql_with_params()
    priced, priced_params = priced_pairs_sql(
        f"SELECT DISTINCT g.currency AS currency, g.{month} AS month FROM grouped g"  # noqa: S608
    )
    columns = ", ".join(f"g.{key}" for key in keys)
    sql = f"""
        WITH grouped AS ({inner}), priced AS ({priced})
        SELECT {columns},
            SUM(CASE WHEN p.rate IS NULL THEN 0 ELSE g.value * p.rate END),
            SUM(g.leads),
            SUM(CASE WHEN p.rate IS NULL THEN g.leads ELSE 0 END)
        FROM grouped g JOIN priced p ON p.currency = g.currency AND p.month = g.{month}
        GROUP BY {columns}
    """  # noqa: S608 - column names from this module, values as parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [*inner_params, *priced_params])
        for *key, value, leads, unpriced in cursor.fetchall():
            yield (*key, _number(value), int(leads or 0), int(unpriced or 0))


def won_values(*, months, distributor_ids=None):
    """{distributor id: WonValue} of the leads won in `months` (a MonthRange), from the lead
    rollups: never a scan of the leads."""
    rows = LeadRollup.objects.filter(
        grain=LeadRollup.Grain.DISTRIBUTOR, stage=Stage.WON, **months.month_filter()
    )
    if distributor_ids is not None:
        rows = rows.filter(distributor_id__in=distributor_ids)
    rows = (
        rows.values_list("distributor_id", "month", "currency")
        .annotate(value=Sum("total"), leads=Sum("count"))
        .order_by()
    )
    return {
        distributor_id: WonValue(value, leads, unpriced)
        for distributor_id, value, leads, unpriced in _priced_sums(
            rows, keys=("distributor_id",), month="month"
        )
    }


def won_lead_values(*, first, end, distributor_ids=None):
    """[(distributor id, month, country, region, WonValue)] of the leads won from day `first`
    to before day `end`, by where they are (the rollups know no place); with `distributor_ids`
    None, the whole channel's, the distributor id None."""
    rows = Lead.objects.filter(
        status=Lead.Status.WON, closed_at__date__gte=first, closed_at__date__lt=end
    )
    keys = ["won_month", "country", "region"]
    if distributor_ids is not None:
        rows = rows.filter(distributor_id__in=distributor_ids)
        keys.insert(0, "distributor_id")
    table = connection.ops.quote_name(Lead._meta.db_table)
    # The month a lead was won in, as the rollups count it (and as its rate is looked up).
    rows = (
        rows.annotate(
            won_month=RawSQL(month_sql(f"{table}.closed_at"), month_params())  # noqa: S611
        )
        .values_list(*keys, "currency")
        .annotate(value=Sum("won_value"), leads=Count("id"))
        .order_by()
    )
    result = []
    for *key, value, leads, unpriced in _priced_sums(rows, keys=keys, month="won_month"):
        distributor_id = key.pop(0) if distributor_ids is not None else None
        month, country, region = key
        won = WonValue(value, leads, unpriced)
        result.append((distributor_id, _month(month), country, region, won))
    return result
