"""/api/v1/investments/: scoped, read-only investments with filters and ordering."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors.models import Investment
from tests import factories

pytestmark = pytest.mark.django_db


def list_url():
    return reverse("api:investment-list")


def detail_url(pk):
    return reverse("api:investment-detail", args=[pk])


def rows(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def keys(response):
    return sorted((row["distributor"], row["date"], row["kind"]) for row in rows(response))


@pytest.fixture
def investments(distributor, other_distributor):
    """Two investments in the partner and one in the outsider."""
    return {
        "funds": factories.InvestmentFactory(
            distributor=distributor, date=datetime.date(2026, 1, 15), value=Decimal("5000.00")
        ),
        "training": factories.InvestmentFactory(
            distributor=distributor,
            date=datetime.date(2026, 3, 2),
            kind=Investment.Kind.TRAINING_DAYS,
            amount=Decimal("3.00"),
            value=Decimal("2400.00"),
        ),
        "rival": factories.InvestmentFactory(
            distributor=other_distributor,
            date=datetime.date(2026, 2, 1),
            value=Decimal("9000.00"),
        ),
    }


PARTNERS = [("acme", "2026-01-15", "market_funds"), ("acme", "2026-03-02", "training_days")]
RIVALS = [("rival", "2026-02-01", "market_funds")]


def test_manager_lists_every_investment(token_client, manager, investments):
    assert keys(token_client(manager).get(list_url())) == sorted(PARTNERS + RIVALS)


@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_partner_and_colleague_list_only_investments_in_their_distributor(
    request, token_client, persona, investments
):
    assert keys(token_client(request.getfixturevalue(persona)).get(list_url())) == PARTNERS


def test_outsider_never_sees_investments_in_the_partner(token_client, outsider, investments):
    client = token_client(outsider)

    assert keys(client.get(list_url())) == RIVALS
    assert keys(client.get(list_url(), {"distributor": "acme"})) == []


def test_outsider_gets_404_on_an_investment_in_the_partner(token_client, outsider, investments):
    response = token_client(outsider).get(detail_url(investments["funds"].pk))

    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.parametrize("persona", ["manager", "partner", "colleague"])
def test_allowed_users_read_an_investment_in_the_partner(
    request, token_client, persona, investments
):
    record = investments["training"]

    response = token_client(request.getfixturevalue(persona)).get(detail_url(record.pk))

    assert response.status_code == 200
    body = response.json()
    assert {key: body[key] for key in ("id", "distributor", "date", "kind", "amount", "value")} == {
        "id": record.pk,
        "distributor": "acme",
        "date": "2026-03-02",
        "kind": "training_days",
        "amount": "3.00",
        "value": "2400.00",
    }


def test_user_without_a_role_gets_403_on_investments(token_client, nobody, investments):
    client = token_client(nobody)

    assert client.get(list_url()).status_code == 403
    assert client.get(detail_url(investments["funds"].pk)).status_code == 403


def test_anonymous_gets_401_on_investments(api_client, investments):
    assert api_client.get(list_url()).status_code == 401
    assert api_client.get(detail_url(investments["funds"].pk)).status_code == 401


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"distributor": "acme"}, PARTNERS),
        ({"kind": "training_days"}, [PARTNERS[1]]),
        ({"date_after": "2026-02-01"}, sorted([PARTNERS[1], *RIVALS])),
        ({"date_before": "2026-01-31"}, [PARTNERS[0]]),
        ({"date_after": "2026-01-15", "date_before": "2026-02-01"}, sorted([PARTNERS[0], *RIVALS])),
        ({"kind": "market_funds", "distributor": "rival"}, RIVALS),
    ],
)
def test_investments_filter_by_distributor_kind_and_date_range(
    token_client, manager, investments, params, expected
):
    assert keys(token_client(manager).get(list_url(), params)) == expected


def test_an_unknown_kind_is_a_400_naming_kind(token_client, manager, investments):
    response = token_client(manager).get(list_url(), {"kind": "bribes"})

    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]


def test_investments_are_ordered_by_value_on_request(token_client, manager, investments):
    response = token_client(manager).get(list_url(), {"ordering": "-value"})

    assert [row["value"] for row in rows(response)] == ["9000.00", "5000.00", "2400.00"]


def test_investments_come_newest_first_by_default(token_client, manager, investments):
    dates = [row["date"] for row in rows(token_client(manager).get(list_url()))]

    assert dates == ["2026-03-02", "2026-02-01", "2026-01-15"]


def test_investment_page_size_is_capped_at_the_configured_maximum(
    token_client, manager, distributor
):
    first = datetime.date(2024, 1, 1)
    Investment.objects.bulk_create(
        Investment(
            distributor=distributor,
            date=first + datetime.timedelta(days=n),
            kind=Investment.Kind.DEMO_UNITS,
            amount=1,
            value=1,
        )
        for n in range(501)
    )

    body = token_client(manager).get(list_url(), {"page_size": 10000}).json()

    assert (body["count"], len(body["results"])) == (501, 500)


@pytest.mark.parametrize("persona", ["manager", "partner"])
def test_investment_list_query_count_does_not_grow_with_rows(
    request, token_client, persona, distributor
):
    client = token_client(request.getfixturevalue(persona))
    first = datetime.date(2025, 1, 1)

    def add(count, start):
        for n in range(start, start + count):
            factories.InvestmentFactory(
                distributor=distributor, date=first + datetime.timedelta(days=n)
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


def test_investments_cannot_be_written_through_the_api(token_client, manager, partner, investments):
    record = investments["funds"]

    assert token_client(manager).post(list_url(), {}, format="json").status_code == 405
    assert token_client(partner).post(list_url(), {}, format="json").status_code == 403
    assert (
        token_client(partner).patch(detail_url(record.pk), {"value": "1"}, format="json")
    ).status_code == 403
    record.refresh_from_db()
    assert record.value == Decimal("5000.00")
