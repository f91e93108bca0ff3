"""Shared bits of the incentives tests: the clock (2026-06-15), a product line, revenue rows,
and programmes made through the service."""

import datetime
from decimal import Decimal

import pytest

from incentives import services
from tests import factories

D = Decimal


@pytest.fixture(autouse=True)
def _clock(today):
    """2026-06-15 12:00 UTC."""


@pytest.fixture
def line(db):
    return factories.ProductLineFactory(code="pumps", name="Pumps")


@pytest.fixture
def revenue(line):
    """revenue(distributor, month, amount, units=0, currency=None): one priced revenue row."""

    def add(distributor, month, amount, units=0, currency=None, product_line=None):
        return factories.RevenueRecordFactory(
            distributor=distributor,
            month=month,
            amount=D(str(amount)),
            units=units,
            product_line=product_line or line,
            currency=currency or distributor.currency,
        )

    return add


def programme_fields(**over):
    fields = {
        "name": "Volume rebate 2026",
        "name_fr": "Remise sur volume 2026",
        "basis": "revenue",
        "period_start": datetime.date(2026, 1, 1),
        "period_end": datetime.date(2026, 12, 31),
        "tiers": [("0", "1"), ("10000", "2"), ("50000", "3")],
    }
    fields.update(over)
    return fields


@pytest.fixture
def make_programme(manager):
    def make(**over):
        return services.programme_create(by=manager, **programme_fields(**over))

    return make
