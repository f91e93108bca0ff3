"""The payout rule has one definition (`Programme.earned_for`) and one SQL twin (the accrual):
whatever the tiers, method, basis, cap and revenue, the accrual stores what the definition
says; and whatever revenue is reported and restated, in any order, the ledger adds up to what
is earned."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incentives import services
from incentives.models import Entry, Programme, Standing
from tests import factories
from tests.incentives.conftest import programme_fields

pytestmark = pytest.mark.django_db

D = Decimal
MONTHS = [datetime.date(2026, month, 1) for month in range(1, 7)]
SLOW = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

money = st.decimals(min_value=0, max_value=200000, places=2, allow_nan=False)
units = st.integers(min_value=0, max_value=5000)


@st.composite
def programmes(draw):
    basis = draw(st.sampled_from(["revenue", "units", "growth"]))
    method = (
        "retroactive"
        if basis == "growth"
        else draw(st.sampled_from(["retroactive", "incremental"]))
    )
    bound = {"revenue": 300000, "units": 10000, "growth": 200}[basis]
    low = -50 if basis == "growth" else 0
    thresholds = draw(
        st.lists(
            st.decimals(min_value=low, max_value=bound, places=2, allow_nan=False),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    top = D("50") if basis == "units" else D("15")
    rates = draw(
        st.lists(
            st.decimals(min_value=0, max_value=top, places=4, allow_nan=False),
            min_size=len(thresholds),
            max_size=len(thresholds),
        )
    )
    cap = draw(st.none() | st.decimals(min_value=1, max_value=20000, places=2, allow_nan=False))
    start = draw(st.sampled_from([datetime.date(2026, 1, 1), datetime.date(2026, 1, 20)]))
    end = draw(st.sampled_from([datetime.date(2026, 6, 30), datetime.date(2026, 5, 10)]))
    fields = {
        "basis": basis,
        "method": method,
        "tiers": list(zip(thresholds, rates, strict=True)),
        "cap": cap,
        "period_start": start,
        "period_end": end,
    }
    if basis == "growth":
        fields["baseline_start"] = datetime.date(2025, 1, 1)
        fields["baseline_end"] = datetime.date(2025, 6, 30)
    return fields


@SLOW
@given(
    terms=programmes(),
    rows=st.lists(st.tuples(st.sampled_from(MONTHS), money, units), max_size=6),
    baseline=st.none() | money,
)
def test_the_accrual_stores_what_the_payout_rule_defines(manager, terms, rows, baseline):
    distributor = factories.DistributorFactory()
    programme = services.programme_create(
        by=manager, **programme_fields(distributors=[distributor], **terms)
    )
    line = factories.ProductLineFactory()
    for month, amount, count in {month: (month, a, c) for month, a, c in rows}.values():
        factories.RevenueRecordFactory(
            distributor=distributor, month=month, amount=amount, units=count, product_line=line
        )
    if baseline is not None:
        factories.RevenueRecordFactory(
            distributor=distributor,
            month=datetime.date(2025, 3, 1),
            amount=baseline,
            product_line=line,
        )

    services.programme_accrue(programme=programme)

    standing = Standing.objects.get(programme=programme, distributor=distributor)
    expected_revenue = sum(
        (
            amount * weight
            for month, amount, _count in {m: (m, a, c) for m, a, c in rows}.values()
            for weight_month, weight in programme.counted_weights(today=timezone.localdate())[0]
            if weight_month == month
        ),
        D(0),
    ).quantize(D("0.01"))
    assert standing.revenue == expected_revenue
    assert standing.earned == programme.earned_for(
        revenue=standing.revenue, units=standing.units, baseline=standing.baseline
    )
    if programme.cap is not None:
        assert standing.earned <= programme.cap


@SLOW
@given(changes=st.lists(st.tuples(st.sampled_from(MONTHS[:4]), money), min_size=1, max_size=8))
def test_whatever_is_reported_and_restated_the_ledger_adds_up_to_what_is_earned(manager, changes):
    distributor = factories.DistributorFactory()
    programme = services.programme_create(
        by=manager, **programme_fields(distributors=[distributor])
    )
    line = factories.ProductLineFactory()
    rows = {}
    for month, amount in changes:
        if month in rows:
            rows[month].amount = rows[month].reporting_amount = amount
            rows[month].save()
        else:
            rows[month] = factories.RevenueRecordFactory(
                distributor=distributor, month=month, amount=amount, product_line=line
            )
        services.programme_accrue(programme=programme)
        total = Entry.objects.filter(programme=programme).aggregate(total=Sum("amount"))["total"]
        earned = Standing.objects.get(programme=programme).earned
        # To the cent: SQLite (the suite without Postgres) sums decimals as floats.
        assert (total or D("0.00")).quantize(D("0.01")) == earned
        assert earned == Programme.objects.get(pk=programme.pk).earned_for(
            revenue=sum(row.amount for row in rows.values()), units=0
        )
