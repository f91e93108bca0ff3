"""The record's revenue figures (chart, months not reported, revenue per invested value) come
from one grouped read, `revenue_grid`; each must equal what its own query over the revenue rows
gives, whatever the rows: months, product lines, currencies with and without exchange rates."""

import datetime
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors import record, selectors
from distributors.models import RevenueRecord
from drm import periods
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 6)
MONTHS = [periods.add_months(datetime.date(2026, 11, 1), -back) for back in range(30)]

rows = st.lists(
    st.tuples(
        st.sampled_from(MONTHS),
        st.sampled_from(["valves", "pumps", "seals"]),
        st.sampled_from(["EUR", "USD", "CHF"]),  # CHF has no rate: left out of the sums
        st.integers(min_value=1, max_value=90_000),
    ),
    max_size=25,
    unique_by=lambda row: row[:2],  # one row per month and product line, as imports keep it
)


@pytest.fixture
def usd_rate(db):
    """One rate, old: later months priced with it are priced stale."""
    return factories.ExchangeRateFactory(currency="USD", month=MONTHS[-1], rate=Decimal("0.9"))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=rows)
def test_the_grids_figures_are_each_figures_own_query(usd_rate, rows):
    distributor = factories.DistributorFactory(contract_start=datetime.date(2024, 3, 1))
    lines = {
        code: factories.ProductLineFactory(code=f"{code}-{distributor.pk}")
        for code in ("valves", "pumps", "seals")
    }
    for month, line, currency, amount in rows:
        factories.RevenueRecordFactory(
            distributor=distributor,
            month=month,
            product_line=lines[line],
            currency=currency,
            amount=Decimal(amount),
        )
    record.share_within_page(distributor)  # as the page: one read for the three figures
    revenue = RevenueRecord.objects.filter(distributor=distributor)

    chart = selectors.revenue_chart(distributor=distributor, today=TODAY)
    window = periods.complete_months(24, on=TODAY)
    expected = defaultdict(float)
    for row in (
        revenue.filter(**window.month_filter())
        .values("product_line__name", "month")
        .annotate(total=Sum("reporting_amount"))
    ):
        expected[(row["product_line__name"], row["month"].strftime("%Y-%m"))] += float(
            row["total"] or 0
        )
    drawn = {
        (dataset["label"], label): value
        for dataset in chart["datasets"]
        for label, value in zip(chart["labels"], dataset["data"], strict=True)
        if value
    }
    assert drawn == {key: round(value, 2) for key, value in expected.items() if round(value, 2)}

    reported = set(revenue.filter(**window.month_filter()).values_list("month", flat=True))
    unreported = selectors.unreported_months(distributor=distributor, today=TODAY)
    assert not reported & set(unreported)
    assert (
        set(unreported)
        == {month for month in window.months if month >= datetime.date(2024, 3, 1)} - reported
    )

    window = periods.complete_months(selectors.INVESTMENT_MONTHS, on=TODAY)
    per_invested = selectors.revenue_per_invested(distributor=distributor, today=TODAY)
    own = selectors._pricing_groups(revenue.filter(**window.month_filter()))
    assert per_invested["revenue"] == Decimal(
        sum((group["total"] or Decimal(0) for group in own), Decimal(0))
    ).quantize(Decimal("0.01"))
    assert per_invested["missing_rates"] == selectors._problems_of(own)["missing"]
    assert per_invested["stale_rates"] == selectors._problems_of(own)["stale"]
    assert (
        selectors._pricing_of(
            selectors.revenue_grid(distributor=distributor, months=12, today=TODAY)[1]
        )
        == own
    )
