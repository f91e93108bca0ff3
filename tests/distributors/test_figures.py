"""Figures you can trust: one 12-month window, missing and stale rates said, rates re-price."""

import datetime
import zoneinfo
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from distributors import selectors, services
from drm import periods
from drm.errors import NotAllowed, ValidationFailed
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_last_12_months_are_the_complete_months_ending_last_month():
    window = periods.complete_months(12, on=datetime.date(2026, 3, 1))
    assert (window.first, window.last) == (datetime.date(2025, 3, 1), datetime.date(2026, 2, 1))
    assert len(window.months) == 12


def test_the_12_month_revenue_at_a_month_boundary_counts_12_months_not_13(
    settings, token_client, manager, distributor
):
    """Just after midnight on 1 March in Paris (still February in UTC)."""
    settings.TIME_ZONE = "Europe/Paris"
    line = factories.ProductLineFactory()
    for month, amount in (
        (datetime.date(2025, 2, 1), "1"),  # 13 months back: out
        (datetime.date(2025, 3, 1), "10"),  # first month of the window
        (datetime.date(2026, 2, 1), "100"),  # last complete month
        (datetime.date(2026, 3, 1), "1000"),  # running month: out
    ):
        factories.RevenueRecordFactory(
            distributor=distributor, product_line=line, month=month, amount=Decimal(amount)
        )
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    with time_machine.travel(datetime.datetime(2026, 3, 1, 0, 30, tzinfo=paris), tick=False):
        rows = token_client(manager).get(reverse("api:distributor-list")).json()["results"]
        detail = selectors.revenue_per_invested(distributor=distributor)
    assert rows[0]["revenue_12m"] == "110.00"
    assert detail["revenue"] == Decimal("110.00")


@pytest.fixture
def dollar_distributor(db):
    return factories.DistributorFactory(code="yankee", currency="USD")


def test_revenue_without_a_rate_is_flagged_not_summed_as_zero(
    token_client, login, manager, dollar_distributor
):
    month = periods.complete_months(12).last
    record = factories.RevenueRecordFactory(
        distributor=dollar_distributor, month=month, amount=Decimal("500.00")
    )
    assert record.reporting_amount is None
    row = token_client(manager).get(reverse("api:distributor-list")).json()["results"][0]
    assert (row["revenue_12m"], row["missing_rates"]) == ("0.00", 1)
    revenue = token_client(manager).get(reverse("api:revenue-detail", args=[record.pk])).json()
    assert (revenue["missing_rate"], revenue["reporting_amount"]) == (True, None)

    page = login(manager).get(reverse("distributors:list"))
    assert b'class="missing-rates' in page.content
    detail = login(manager).get(dollar_distributor.get_absolute_url())
    assert b'id="missing-rates"' in detail.content
    assert selectors.missing_exchange_rates() == [
        {"currency": "USD", "month": month, "rows": 1, "distributors": 1}
    ]


def test_setting_the_missing_rate_prices_the_revenue_and_says_which_rate(
    token_client, manager, dollar_distributor
):
    month = periods.complete_months(12).last
    record = factories.RevenueRecordFactory(
        distributor=dollar_distributor, month=month, amount=Decimal("500.00")
    )
    services.exchange_rate_set(currency="usd", month=month, rate=Decimal("0.9"), by=manager)
    record.refresh_from_db()
    assert (record.rate, record.rate_month, record.reporting_amount) == (
        Decimal("0.9"),
        month,
        Decimal("450.00"),
    )
    revenue = token_client(manager).get(reverse("api:revenue-detail", args=[record.pk])).json()
    assert (revenue["rate"], revenue["rate_month"]) == ("0.9000000000", month.isoformat())
    assert selectors.missing_exchange_rates() == []


def test_a_rate_older_than_the_allowed_age_is_flagged_as_stale(
    settings, manager, dollar_distributor
):
    settings.EXCHANGE_RATE_MAX_AGE_MONTHS = 3
    month = periods.complete_months(12).last
    old = periods.add_months(month, -6)
    factories.ExchangeRateFactory(currency="USD", month=old, rate=Decimal("0.8"))
    factories.RevenueRecordFactory(distributor=dollar_distributor, month=month)
    figures = selectors.revenue_per_invested(distributor=dollar_distributor)
    assert [(row["month"], row["rate_month"]) for row in figures["stale_rates"]] == [(month, old)]


def test_only_the_manufacturer_sets_rates_and_bad_rates_change_nothing(partner, manager):
    month = periods.complete_months(12).last
    with pytest.raises(NotAllowed):
        services.exchange_rate_set(currency="USD", month=month, rate=Decimal("1"), by=partner)
    for currency, rate, field in (
        ("US", Decimal("1"), "currency"),
        ("USD", Decimal("0"), "rate"),
        ("USD", Decimal("100001"), "rate"),
        ("EUR", Decimal("2"), "currency"),
    ):
        with pytest.raises(ValidationFailed) as error:
            services.exchange_rate_set(currency=currency, month=month, rate=rate, by=manager)
        assert error.value.field == field
    from distributors.models import ExchangeRate

    assert not ExchangeRate.objects.exists()


def test_managers_fill_missing_rates_from_the_exchange_rate_page(
    login, manager, dollar_distributor
):
    month = periods.complete_months(12).last
    record = factories.RevenueRecordFactory(distributor=dollar_distributor, month=month)
    client = login(manager)
    page = client.get(reverse("distributors:exchange-rates"))
    assert b"missing-rates-list" in page.content
    assert f"?currency=USD&amp;month={month:%Y-%m}".encode() in page.content
    response = client.post(
        reverse("distributors:exchange-rates"),
        {"currency": "usd", "month": f"{month:%Y-%m}", "rate": "0.5"},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.reporting_amount == record.amount * Decimal("0.5")
    assert (
        b"Every revenue figure has a rate"
        in client.get(reverse("distributors:exchange-rates")).content
    )


def test_a_bad_rate_on_the_page_is_a_form_error_and_changes_nothing(login, manager):
    from distributors.models import ExchangeRate

    response = login(manager).post(
        reverse("distributors:exchange-rates"),
        {"currency": "USD", "month": "2026-01", "rate": "-1"},
    )
    assert response.status_code == 200
    assert "rate" in response.context["form"].errors
    assert not ExchangeRate.objects.exists()


def test_partners_cannot_see_or_set_exchange_rates(login, partner):
    client = login(partner)
    assert client.get(reverse("distributors:exchange-rates")).status_code == 403
    response = client.post(
        reverse("distributors:exchange-rates"),
        {"currency": "USD", "month": "2026-01", "rate": "1"},
    )
    assert response.status_code == 403
    from distributors.models import ExchangeRate

    assert not ExchangeRate.objects.exists()
