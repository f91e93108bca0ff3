"""The revenue report: a partner's own revenue by month and product line, unreported months."""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from drm import periods
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def figures(distributor, other_distributor):
    window = periods.complete_months(24)
    distributor.contract_start = periods.add_months(window.last, -3)
    distributor.save()
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    last = window.last
    factories.RevenueRecordFactory(
        distributor=distributor, month=last, product_line=pumps, amount=Decimal("1200.00")
    )
    factories.RevenueRecordFactory(
        distributor=distributor,
        month=periods.add_months(last, -2),
        product_line=pumps,
        amount=Decimal("800.00"),
    )
    factories.RevenueRecordFactory(
        distributor=other_distributor, month=last, product_line=pumps, amount=Decimal("99.00")
    )
    return window


def test_partner_sees_its_revenue_and_the_months_it_has_not_reported(login, partner, figures):
    response = login(partner).get(reverse("distributors:my-revenue"))
    assert response.status_code == 200
    report = response.context["report"]
    assert [(r["month"], r["amount"]) for r in report["rows"]] == [
        (figures.last, Decimal("1200.00")),
        (periods.add_months(figures.last, -2), Decimal("800.00")),
    ]
    # Contract started 3 months before the last complete month: two of those four are missing.
    assert report["unreported"] == [
        periods.add_months(figures.last, -1),
        periods.add_months(figures.last, -3),
    ]
    assert b"99.00" not in response.content


def test_partner_exports_its_own_revenue_only(login, partner, figures):
    client = login(partner)
    body = client.get(reverse("distributors:my-revenue"), {"format": "csv"}).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:6] == [
        "distributor",
        "month",
        "product_line",
        "customer_category",
        "currency",
        "amount",
    ]
    assert [(row[0], row[5]) for row in rows[1:]] == [("acme", "1200.00"), ("acme", "800.00")]
    xlsx = client.get(reverse("distributors:my-revenue"), {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)] == [1200, 800]


def test_partner_cannot_open_another_distributors_report(login, partner, figures):
    client = login(partner)
    assert client.get(reverse("distributors:revenue", args=["rival"])).status_code == 404
    export = client.get(reverse("distributors:revenue", args=["rival"]), {"format": "csv"})
    assert export.status_code == 404


def test_manager_opens_any_distributors_report(login, manager, figures):
    response = login(manager).get(reverse("distributors:revenue", args=["rival"]))
    assert response.status_code == 200
    assert [r["amount"] for r in response.context["report"]["rows"]] == [Decimal("99.00")]


def test_the_running_month_is_not_listed_as_unreported(login, partner, distributor):
    distributor.contract_start = datetime.date(2000, 1, 1)
    distributor.save()
    report = login(partner).get(reverse("distributors:my-revenue")).context["report"]
    assert periods.current_month() not in report["unreported"]
    assert len(report["unreported"]) == 24
