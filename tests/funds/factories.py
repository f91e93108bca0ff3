"""factory_boy factories of funds; requests and claims in a state are made through the services
(`tests.funds.conftest`), so that a test never holds a state the services cannot produce."""

import datetime
from decimal import Decimal

import factory

from funds.models import Allocation, Fund
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
