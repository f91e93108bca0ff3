"""manage.py reprice_revenue: rates loaded behind the portal's back are applied on demand."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from distributors.models import ExchangeRate
from drm import periods
from tests import factories

pytestmark = pytest.mark.django_db


def test_rates_loaded_directly_are_applied_by_the_command():
    month = periods.complete_months(12).last
    record = factories.RevenueRecordFactory(
        distributor=factories.DistributorFactory(currency="USD"), month=month
    )
    assert record.reporting_amount is None
    ExchangeRate.objects.create(currency="USD", month=month, rate=Decimal("0.5"))  # no service
    out = io.StringIO()
    call_command("reprice_revenue", stdout=out)
    record.refresh_from_db()
    assert record.reporting_amount == record.amount * Decimal("0.5")
    assert "0 rows still lack a rate" in out.getvalue()
