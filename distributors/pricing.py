"""Pricing revenue in the reporting currency: which exchange rate a (currency, month) uses.

The rate of a month is the latest stored rate for that currency at or before the month; the
reporting currency itself is worth 1. One SQL fragment serves the import engine (pricing rows
as they are published) and the rate service (re-pricing rows when a rate changes).
"""

from django.conf import settings

from .models import ExchangeRate, RevenueRecord

RATES = ExchangeRate._meta.db_table
REVENUE = RevenueRecord._meta.db_table


def priced_pairs_sql(pairs_sql):
    """SELECT currency, month, rate, rate_month for each (currency, month) row of `pairs_sql`.

    Returns (sql, params); `rate` and `rate_month` are NULL when no rate is known.
    """
    sql = f"""
        SELECT p.currency, p.month,
            CASE WHEN p.currency = %s THEN 1 ELSE (
                SELECT r.rate FROM {RATES} r
                WHERE r.currency = p.currency AND r.month <= p.month
                ORDER BY r.month DESC LIMIT 1) END AS rate,
            CASE WHEN p.currency = %s THEN NULL ELSE (
                SELECT r.month FROM {RATES} r
                WHERE r.currency = p.currency AND r.month <= p.month
                ORDER BY r.month DESC LIMIT 1) END AS rate_month
        FROM ({pairs_sql}) p
    """  # noqa: S608 - table names come from the models
    return sql, [settings.REPORTING_CURRENCY, settings.REPORTING_CURRENCY]
