"""POST /api/v1/revenue/: API clients send monthly figures, checked like a file, all or nothing."""

from decimal import Decimal

import pytest
from django.urls import reverse

from distributors.models import RevenueRecord
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("api:revenue-list")


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps")


def row(distributor="acme", month="2026-03", amount="100.00", **extra):
    return {
        "distributor": distributor,
        "month": month,
        "product_line": "pumps",
        "amount": amount,
        **extra,
    }


def test_partner_pushes_its_own_figures_and_a_repeat_replaces_them(token_client, partner, pumps):
    client = token_client(partner)
    response = client.post(URL, {"rows": [row(), row(month="2026-04", units=3)]}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 2, "updated": 0}
    again = client.post(URL, {"rows": [row(amount="150")]}, format="json")
    assert again.json() == {"created": 0, "updated": 1}
    assert RevenueRecord.objects.count() == 2
    assert RevenueRecord.objects.get(month="2026-03-01").amount == Decimal("150.00")


def test_partner_cannot_push_for_another_distributor_and_nothing_is_saved(
    token_client, partner, other_distributor, pumps
):
    response = token_client(partner).post(
        URL, {"rows": [row(), row(distributor="rival")]}, format="json"
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["details"] == [
        {
            "row": 1,
            "column": "distributor",
            "message": "'rival' is not your distributor code (yours is acme)",
        }
    ]
    assert RevenueRecord.objects.count() == 0


def test_a_bad_amount_rejects_the_whole_request(token_client, manager, distributor, pumps):
    response = token_client(manager).post(
        URL, {"rows": [row(), row(month="2026-05", amount=-4)]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["column"] == "amount"
    assert RevenueRecord.objects.count() == 0


def test_manager_pushes_for_any_distributor(
    token_client, manager, distributor, other_distributor, pumps
):
    response = token_client(manager).post(
        URL, {"rows": [row(), row(distributor="rival")]}, format="json"
    )
    assert response.json() == {"created": 2, "updated": 0}


def test_unknown_fields_are_refused(token_client, manager, distributor, pumps):
    response = token_client(manager).post(URL, {"rows": [row(colour="red")]}, format="json")
    assert response.status_code == 400
    assert "unknown column: colour" in response.json()["error"]["message"]


def test_too_many_rows_are_refused(token_client, manager, distributor, pumps, settings):
    settings.API_MAX_PUSH_ROWS = 1
    response = token_client(manager).post(
        URL, {"rows": [row(), row(month="2026-04")]}, format="json"
    )
    assert response.status_code == 400
    assert "rows" in response.json()["error"]["fields"]


def test_an_empty_or_malformed_body_names_the_rows_field(token_client, manager):
    response = token_client(manager).post(URL, {"rows": []}, format="json")
    assert response.status_code == 400
    assert "rows" in response.json()["error"]["fields"]


def test_user_without_a_role_gets_403_and_anonymous_401(
    token_client, api_client, nobody, distributor, pumps
):
    assert token_client(nobody).post(URL, {"rows": [row()]}, format="json").status_code == 403
    assert api_client.post(URL, {"rows": [row()]}, format="json").status_code == 401
    assert RevenueRecord.objects.count() == 0


def test_records_cannot_be_changed_one_by_one(token_client, manager, distributor, pumps):
    record = factories.RevenueRecordFactory(distributor=distributor, product_line=pumps)
    client = token_client(manager)
    url = reverse("api:revenue-detail", args=[record.pk])
    assert client.patch(url, {"amount": "1"}, format="json").status_code == 405
    assert client.put(url, {"amount": "1"}, format="json").status_code == 405


def test_json_numbers_are_exact_and_strings_follow_the_declared_format(
    token_client, partner, pumps
):
    client = token_client(partner)
    response = client.post(
        URL,
        {"rows": [row(amount=1250.5), row(month="2026-04", amount="1.250,75")]},
        format="json",
    )
    assert response.status_code == 400  # '1.250,75' is not a point-format number
    assert response.json()["error"]["details"][0]["row"] == 1
    assert RevenueRecord.objects.count() == 0

    response = client.post(
        URL,
        {
            "rows": [row(amount=1250.5), row(month="2026-04", amount="1.250,75")],
            "number_format": "comma",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    amounts = dict(RevenueRecord.objects.values_list("month", "amount"))
    assert sorted(amounts.values()) == [Decimal("1250.50"), Decimal("1250.75")]


def test_a_pushed_row_may_carry_its_own_currency(token_client, manager, distributor, pumps):
    response = token_client(manager).post(URL, {"rows": [row(currency="usd")]}, format="json")
    assert response.status_code == 200, response.json()
    record = RevenueRecord.objects.get()
    assert (record.currency, record.reporting_amount) == ("USD", None)  # no USD rate yet
