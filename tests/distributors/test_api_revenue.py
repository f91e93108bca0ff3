"""/api/v1/revenue/: scoped, read-only revenue records with reporting-currency amounts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors.models import RevenueRecord
from drm.periods import add_months
from tests import factories

pytestmark = pytest.mark.django_db

JAN = datetime.date(2026, 1, 1)
FEB = datetime.date(2026, 2, 1)
MAR = datetime.date(2026, 3, 1)


def list_url():
    return reverse("api:revenue-list")


def detail_url(pk):
    return reverse("api:revenue-detail", args=[pk])


def rows(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def keys(response):
    return sorted((row["distributor"], row["month"], row["product_line"]) for row in rows(response))


@pytest.fixture
def revenue(distributor, other_distributor):
    """Two months of the partner's revenue and one of the outsider's."""
    pumps = factories.ProductLineFactory(code="pumps")
    valves = factories.ProductLineFactory(code="valves")
    retail = factories.CustomerCategoryFactory(code="retail")
    return {
        "jan": factories.RevenueRecordFactory(
            distributor=distributor, month=JAN, product_line=pumps, customer_category=retail
        ),
        "feb": factories.RevenueRecordFactory(
            distributor=distributor, month=FEB, product_line=valves, amount=Decimal("3000.00")
        ),
        "rival": factories.RevenueRecordFactory(
            distributor=other_distributor, month=MAR, product_line=pumps
        ),
    }


def test_manager_lists_every_distributors_revenue(token_client, manager, revenue):
    assert keys(token_client(manager).get(list_url())) == [
        ("acme", "2026-01-01", "pumps"),
        ("acme", "2026-02-01", "valves"),
        ("rival", "2026-03-01", "pumps"),
    ]


@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_partner_and_colleague_list_only_their_distributors_revenue(
    request, token_client, persona, revenue
):
    assert keys(token_client(request.getfixturevalue(persona)).get(list_url())) == [
        ("acme", "2026-01-01", "pumps"),
        ("acme", "2026-02-01", "valves"),
    ]


def test_outsider_never_sees_the_partners_revenue(token_client, outsider, revenue):
    client = token_client(outsider)

    assert keys(client.get(list_url())) == [("rival", "2026-03-01", "pumps")]
    assert keys(client.get(list_url(), {"distributor": "acme"})) == []


def test_outsider_gets_404_on_the_partners_revenue_record(token_client, outsider, revenue):
    response = token_client(outsider).get(detail_url(revenue["jan"].pk))

    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.parametrize("persona", ["manager", "partner", "colleague"])
def test_allowed_users_read_the_partners_revenue_record(request, token_client, persona, revenue):
    response = token_client(request.getfixturevalue(persona)).get(detail_url(revenue["jan"].pk))

    assert response.status_code == 200
    assert response.json() == {
        "id": revenue["jan"].pk,
        "distributor": "acme",
        "month": "2026-01-01",
        "product_line": "pumps",
        "customer_category": "retail",
        "amount": "1000.00",
        "currency": "EUR",
        "reporting_amount": "1000.00",
        "rate": "1.0000000000",
        "rate_month": None,
        "missing_rate": False,
        "units": 10,
        "margin": "250.00",
        "updated_at": response.json()["updated_at"],
    }


def test_user_without_a_role_gets_403_on_revenue(token_client, nobody, revenue):
    client = token_client(nobody)

    assert client.get(list_url()).status_code == 403
    assert client.get(detail_url(revenue["jan"].pk)).status_code == 403


def test_anonymous_gets_401_on_revenue(api_client, revenue):
    assert api_client.get(list_url()).status_code == 401
    assert api_client.get(detail_url(revenue["jan"].pk)).status_code == 401


def test_revenue_in_another_currency_is_converted_with_the_latest_rate_of_its_month(
    token_client, manager
):
    dollars = factories.DistributorFactory(code="yankee", currency="USD")
    factories.ExchangeRateFactory(currency="USD", month=JAN, rate=Decimal("0.90"))
    factories.ExchangeRateFactory(currency="USD", month=MAR, rate=Decimal("0.50"))
    factories.RevenueRecordFactory(distributor=dollars, month=FEB, amount=Decimal("1000.00"))

    (row,) = rows(token_client(manager).get(list_url()))

    assert (row["amount"], row["currency"], row["reporting_amount"]) == ("1000.00", "USD", "900.00")


def test_revenue_without_a_known_rate_has_no_reporting_amount(token_client, manager):
    pounds = factories.DistributorFactory(code="albion", currency="GBP")
    factories.RevenueRecordFactory(distributor=pounds, month=FEB)

    (row,) = rows(token_client(manager).get(list_url()))

    assert row["reporting_amount"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"distributor": "rival"}, [("rival", "2026-03-01", "pumps")]),
        (
            {"month_after": "2026-02-01"},
            [("acme", "2026-02-01", "valves"), ("rival", "2026-03-01", "pumps")],
        ),
        ({"month_before": "2026-01-31"}, [("acme", "2026-01-01", "pumps")]),
        (
            {"month_after": "2026-02-01", "month_before": "2026-02-01"},
            [("acme", "2026-02-01", "valves")],
        ),
        ({"product_line": "pumps", "distributor": "acme"}, [("acme", "2026-01-01", "pumps")]),
        ({"customer_category": "retail"}, [("acme", "2026-01-01", "pumps")]),
    ],
)
def test_revenue_filters_by_distributor_month_range_product_line_and_category(
    token_client, manager, revenue, params, expected
):
    assert keys(token_client(manager).get(list_url(), params)) == expected


def test_revenue_is_ordered_by_reporting_amount_on_request(token_client, manager, revenue):
    response = token_client(manager).get(list_url(), {"ordering": "-reporting_amount,month"})

    assert [row["month"] for row in rows(response)] == ["2026-02-01", "2026-01-01", "2026-03-01"]


def test_a_malformed_month_filter_is_a_400_in_the_error_shape(token_client, manager, revenue):
    response = token_client(manager).get(list_url(), {"month_after": "last spring"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["fields"]


def test_page_size_is_capped_at_the_configured_maximum(
    token_client, manager, distributor, settings
):
    assert settings.API_MAX_PAGE_SIZE == 500
    line = factories.ProductLineFactory()
    RevenueRecord.objects.bulk_create(
        RevenueRecord(
            distributor=distributor,
            month=add_months(JAN, -n),
            product_line=line,
            currency=distributor.currency,
            amount=1,
        )
        for n in range(501)
    )

    body = token_client(manager).get(list_url(), {"page_size": 10000}).json()

    assert body["count"] == 501
    assert len(body["results"]) == 500
    assert body["next"]


def test_page_size_below_the_maximum_is_honoured(token_client, manager, revenue):
    body = token_client(manager).get(list_url(), {"page_size": 2}).json()

    assert (body["count"], len(body["results"])) == (3, 2)


@pytest.mark.parametrize("persona", ["manager", "partner"])
def test_revenue_list_query_count_does_not_grow_with_rows(
    request, token_client, persona, distributor
):
    client = token_client(request.getfixturevalue(persona))
    factories.ExchangeRateFactory(currency="USD", month=JAN)

    def add(count, start):
        for n in range(start, start + count):
            factories.RevenueRecordFactory(
                distributor=distributor,
                month=add_months(JAN, -n),
                customer_category=factories.CustomerCategoryFactory(),
            )

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(list_url())
        assert response.status_code == 200
        return len(context.captured_queries)

    add(3, 0)
    few = queries()
    add(27, 3)

    assert queries() == few
    assert client.get(list_url()).json()["count"] == 30


def test_single_revenue_records_cannot_be_edited(token_client, manager, partner, revenue):
    """Figures arrive only as pushes or imports (POST on the list, see test_api_revenue_push)."""
    record = revenue["jan"]

    assert (
        token_client(partner).patch(detail_url(record.pk), {"amount": "1"}, format="json")
    ).status_code == 403
    assert (
        token_client(manager).put(detail_url(record.pk), {"amount": "1"}, format="json")
    ).status_code == 405
    record.refresh_from_db()
    assert record.amount == Decimal("1000.00")


def test_manager_deletes_a_revenue_row_and_the_deletion_is_recorded(
    token_client, manager, partner, revenue
):
    from distributors.models import RevenueDeletion

    record = revenue["jan"]
    assert token_client(partner).delete(detail_url(record.pk)).status_code == 403
    assert RevenueRecord.objects.filter(pk=record.pk).exists()

    assert token_client(manager).delete(detail_url(record.pk)).status_code == 204

    assert not RevenueRecord.objects.filter(pk=record.pk).exists()
    deletion = RevenueDeletion.objects.get()
    assert deletion.deleted_by == manager
    assert (deletion.distributor_id, deletion.month, deletion.product_line_code) == (
        record.distributor_id,
        record.month,
        record.product_line.code,
    )
    assert deletion.amount == record.amount
    assert deletion.currency == record.currency
