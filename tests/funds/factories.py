"""factory_boy factories of funds; requests and claims in a state are made through the services
(`tests.funds.conftest`), so that a test never holds a state the services cannot produce."""

import datetime
from decimal import Decimal

import factory
import numpy as np

from funds.models import Allocation, Fund, ImpactEstimate
from tests.factories import DistributorFactory


class FundFactory(factory.django.DjangoModelFactory):
    """A budget fund for 2026 that pays half of an activity's cost and expires at the end of
    March 2027, for every distributor."""

    class Meta:
        model = Fund

    name = factory.Sequence(lambda n: f"Co-op fund {n}")
    name_fr = factory.Sequence(lambda n: f"Fonds coopératif {n}")
    kind = Fund.Kind.BUDGET
    period_start = datetime.date(2026, 1, 1)
    period_end = datetime.date(2026, 12, 31)
    expires_on = datetime.date(2027, 3, 31)
    cost_share_percent = Decimal("50.00")


class AccrualFundFactory(FundFactory):
    """An accrual fund of 3 % of the revenue of the first quarter of 2026."""

    kind = Fund.Kind.ACCRUAL
    accrual_percent = Decimal("3.00")
    period_start = datetime.date(2026, 1, 1)
    period_end = datetime.date(2026, 3, 31)


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    fund = factory.SubFactory(FundFactory)
    distributor = factory.SubFactory(DistributorFactory)
    amount = Decimal("10000.00")


class ImpactEstimateFactory(factory.django.DjangoModelFactory):
    """A stored estimate of a fund activity of July to September 2026: 12,000 of incremental
    revenue (90 % interval 4,000 to 20,000) for 1,800 paid, against 10 matched peers, with
    draws around it. For pages and the scorecard; the job's own rows are tested with it
    (tests.funds.test_estimates)."""

    class Meta:
        model = ImpactEstimate

    kind = "fund_request"
    subject_id = factory.Sequence(lambda n: 100_000 + n)
    distributor = factory.SubFactory(DistributorFactory)
    first_month = datetime.date(2026, 7, 1)
    last_month = datetime.date(2026, 9, 1)
    effect_end = datetime.date(2026, 11, 1)
    method = "did_matched"
    incremental = Decimal("12000.00")
    low = Decimal("4000.00")
    high = Decimal("20000.00")
    confidence = Decimal("0.90")
    effect_percent = Decimal("8.00")
    actual = Decimal("162000.00")
    peers = 10
    pre_months = 12
    post_months = 5
    invested = Decimal("1800.00")
    digest = "factory"
    draws = factory.LazyAttributeSequence(
        lambda row, n: (
            np.round(
                np.random.default_rng(n).normal(float(row.incremental or 0), 4800, 500), 2
            ).tobytes()
            if row.incremental is not None
            else b""
        )
    )
