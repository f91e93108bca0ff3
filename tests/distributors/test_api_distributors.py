"""/api/v1/distributors/: who sees which distributor, filters, and writes through the service."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors.models import Distributor
from drm import periods
from drm.periods import add_months
from tests import factories

pytestmark = pytest.mark.django_db


def list_url():
    return reverse("api:distributor-list")


def detail_url(code):
    return reverse("api:distributor-detail", args=[code])


def codes(response):
    assert response.status_code == 200, response.content
    return sorted(row["code"] for row in response.json()["results"])


def new_distributor_body(**overrides):
    factories.TierFactory(code="gold")
    body = {
        "code": "nordic",
        "name": "Nordic Components AB",
        "country": "SE",
        "region": "Nordics",
        "currency": "SEK",
        "tier": "gold",
        "contract_start": "2026-01-01",
        "contract_end": "2028-12-31",
        "market_potential": "250000.00",
    }
    body.update(overrides)
    return body


# --- reading ---------------------------------------------------------------------------------


def test_manager_lists_every_distributor(token_client, manager, distributor, other_distributor):
    response = token_client(manager).get(list_url())

    assert codes(response) == ["acme", "rival"]


def test_manufacturer_admin_lists_every_distributor(
    token_client, admin_user, distributor, other_distributor
):
    assert codes(token_client(admin_user).get(list_url())) == ["acme", "rival"]


def test_partner_lists_only_its_own_distributor(token_client, partner, other_distributor):
    assert codes(token_client(partner).get(list_url())) == ["acme"]


def test_colleague_lists_only_the_distributor_it_shares_with_the_partner(
    token_client, colleague, other_distributor
):
    assert codes(token_client(colleague).get(list_url())) == ["acme"]


def test_outsider_never_sees_the_partners_distributor_in_the_list(
    token_client, outsider, distributor
):
    assert codes(token_client(outsider).get(list_url())) == ["rival"]


def test_outsider_cannot_find_the_partners_distributor_by_search(
    token_client, outsider, distributor
):
    assert codes(token_client(outsider).get(list_url(), {"search": "acme"})) == []


@pytest.mark.parametrize("persona", ["manager", "admin_user", "partner", "colleague"])
def test_allowed_users_read_the_partners_distributor(request, token_client, persona, distributor):
    response = token_client(request.getfixturevalue(persona)).get(detail_url("acme"))

    assert response.status_code == 200
    assert response.json()["code"] == "acme"


def test_outsider_gets_404_on_the_partners_distributor(token_client, outsider, distributor):
    response = token_client(outsider).get(detail_url("acme"))

    assert response.status_code == 404
    assert set(response.json()["error"]) >= {"code", "message"}


def test_user_without_a_role_gets_403_on_list_and_detail(token_client, nobody, distributor):
    client = token_client(nobody)

    assert client.get(list_url()).status_code == 403
    assert client.get(detail_url("acme")).status_code == 403


def test_anonymous_gets_401_on_list_and_detail(api_client, distributor):
    assert api_client.get(list_url()).status_code == 401
    assert api_client.get(detail_url("acme")).status_code == 401


def test_detail_names_tier_territories_product_lines_and_account_manager_by_code(
    token_client, manager
):
    tier = factories.TierFactory(code="silver")
    distributor = factories.DistributorFactory(code="alpine", tier=tier, account_manager=manager)
    distributor.territories.set(
        [factories.TerritoryFactory(code="bavaria"), factories.TerritoryFactory(code="tyrol")]
    )
    distributor.product_lines.set([factories.ProductLineFactory(code="pumps")])

    body = token_client(manager).get(detail_url("alpine")).json()

    assert body["tier"] == "silver"
    assert body["tier_rank"] == tier.rank
    assert sorted(body["territories"]) == ["bavaria", "tyrol"]
    assert body["product_lines"] == ["pumps"]
    assert body["account_manager"] == "manager-test"
    assert set(body) == {
        "code",
        "name",
        "country",
        "region",
        "region_name",
        "currency",
        "tier",
        "tier_rank",
        "tier_name",
        "status",
        "contract_start",
        "contract_end",
        "account_manager",
        "market_potential",
        "language",
        "lead_capacity",
        "territories",
        "product_lines",
        "revenue_12m",
        "missing_rates",
        "updated_at",
    }


@pytest.mark.parametrize("persona", ["partner", "colleague"])
def test_partners_do_not_get_the_manufacturers_internal_fields(
    request, token_client, persona, distributor
):
    client = token_client(request.getfixturevalue(persona))

    detail = client.get(detail_url("acme")).json()
    listed = client.get(list_url()).json()["results"][0]

    for body in (detail, listed):
        assert body["code"] == "acme"
        assert not set(Distributor.INTERNAL_FIELDS) & set(body)
        assert "market_potential" not in body


def test_manufacturer_users_get_the_internal_fields(token_client, manager, distributor):
    body = token_client(manager).get(detail_url("acme")).json()

    assert body["market_potential"] == "1000000.00"


def test_list_shows_last_twelve_months_of_revenue_in_the_reporting_currency(
    token_client, manager, today
):
    dollars = factories.DistributorFactory(code="yankee", currency="USD")
    factories.ExchangeRateFactory(currency="USD", month=add_months(today, -24), rate="0.50")
    factories.RevenueRecordFactory(
        distributor=dollars, month=add_months(today, -1), amount=Decimal("1000.00")
    )
    factories.RevenueRecordFactory(
        distributor=dollars, month=add_months(today, -20), amount=Decimal("9999.00")
    )

    rows = token_client(manager).get(list_url()).json()["results"]

    assert rows[0]["revenue_12m"] == "500.00"


def test_distributor_without_revenue_shows_zero_revenue(token_client, partner):
    rows = token_client(partner).get(list_url()).json()["results"]

    assert rows[0]["revenue_12m"] == "0.00"


# --- filters, search and ordering ------------------------------------------------------------


@pytest.fixture
def three_distributors(manager):
    # The factory hands out ranks in creation order: gold ranks above silver.
    gold = factories.TierFactory(code="gold")
    silver = factories.TierFactory(code="silver")
    other_manager = factories.ManagerFactory(username="other-manager")
    factories.DistributorFactory(
        code="north", name="Northwind", country="DE", tier=gold, account_manager=manager
    )
    factories.DistributorFactory(
        code="south",
        name="Southpaw",
        country="FR",
        tier=silver,
        status=Distributor.Status.PROBATION,
        account_manager=other_manager,
    )
    factories.DistributorFactory(
        code="east", name="Eastern Wind", country="DE", tier=silver, account_manager=manager
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tier": "silver"}, ["east", "south"]),
        ({"country": "de"}, ["east", "north"]),
        ({"status": "probation"}, ["south"]),
        ({"account_manager": "manager-test"}, ["east", "north"]),
        ({"account_manager": "manager-test", "tier": "gold"}, ["north"]),
        ({"search": "wind"}, ["east", "north"]),
        ({"search": "sout"}, ["south"]),
    ],
)
def test_distributors_filter_by_tier_country_status_manager_and_search(
    token_client, manager, three_distributors, params, expected
):
    assert codes(token_client(manager).get(list_url(), params)) == expected


def test_distributors_are_ordered_by_tier_rank_then_code(token_client, manager, three_distributors):
    response = token_client(manager).get(list_url(), {"ordering": "-tier,code"})

    assert [row["code"] for row in response.json()["results"]] == ["east", "south", "north"]


def test_an_unknown_status_filter_is_a_400_in_the_error_shape(token_client, manager):
    response = token_client(manager).get(list_url(), {"status": "asleep"})

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]


def test_list_query_count_does_not_grow_with_the_number_of_distributors(token_client, manager):
    client = token_client(manager)
    territory = factories.TerritoryFactory()
    line = factories.ProductLineFactory()

    def add(count):
        for _ in range(count):
            distributor = factories.DistributorFactory(account_manager=manager)
            distributor.territories.add(territory)
            distributor.product_lines.add(line)
            factories.RevenueRecordFactory(distributor=distributor, product_line=line)

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = client.get(list_url())
        assert response.status_code == 200
        return len(context.captured_queries), response.json()["count"]

    add(3)
    few, count = queries()
    add(27)
    many, count_after = queries()

    assert (count, count_after) == (3, 30)
    assert many == few


# --- writing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "admin_user"])
def test_manufacturer_staff_create_a_distributor(request, token_client, persona):
    factories.TerritoryFactory(code="svealand")
    factories.ProductLineFactory(code="valves")
    body = new_distributor_body(territories=["svealand"], product_lines=["valves"])

    response = token_client(request.getfixturevalue(persona)).post(list_url(), body, format="json")

    assert response.status_code == 201, response.content
    created = Distributor.objects.get(code="nordic")
    assert created.status == Distributor.Status.ONBOARDING
    assert created.tier.code == "gold"
    assert [t.code for t in created.territories.all()] == ["svealand"]
    assert [p.code for p in created.product_lines.all()] == ["valves"]
    assert response.json()["revenue_12m"] == "0.00"
    assert response.json()["territories"] == ["svealand"]


def test_manager_updates_a_distributor_with_patch(token_client, manager, distributor):
    factories.TerritoryFactory(code="saxony")

    response = token_client(manager).patch(
        detail_url("acme"),
        {"name": "Acme Holding", "territories": ["saxony"], "status": "probation"},
        format="json",
    )

    assert response.status_code == 200, response.content
    distributor.refresh_from_db()
    assert distributor.name == "Acme Holding"
    assert distributor.status == Distributor.Status.PROBATION
    assert [t.code for t in distributor.territories.all()] == ["saxony"]
    assert response.json()["name"] == "Acme Holding"


def test_manager_replaces_a_distributor_with_put(token_client, manager, distributor):
    body = new_distributor_body(code="acme", name="Acme Renamed", status="active")

    response = token_client(manager).put(detail_url("acme"), body, format="json")

    assert response.status_code == 200, response.content
    distributor.refresh_from_db()
    assert (distributor.name, distributor.currency, distributor.tier.code) == (
        "Acme Renamed",
        "SEK",
        "gold",
    )


def test_a_currency_change_does_not_rewrite_the_revenue_already_reported(
    token_client, manager, distributor
):
    """EUR → SEK is a change for future reports, not a relabelling of past figures."""
    month = periods.complete_months(12).last
    record = factories.RevenueRecordFactory(
        distributor=distributor, month=month, amount=Decimal("1000.00")
    )
    body = new_distributor_body(code="acme", name="Acme", status="active", currency="sek")

    response = token_client(manager).put(detail_url("acme"), body, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["currency"] == "SEK"
    record.refresh_from_db()
    assert (record.currency, record.amount, record.reporting_amount) == (
        "EUR",
        Decimal("1000.00"),
        Decimal("1000.00"),
    )
    row = token_client(manager).get(list_url()).json()["results"][0]
    assert (row["revenue_12m"], row["missing_rates"]) == ("1000.00", 0)


@pytest.mark.parametrize("currency", ["EURO", "XYZ", "12", ""])
def test_a_currency_that_is_not_iso_4217_is_a_400_naming_currency(
    token_client, manager, distributor, currency
):
    response = token_client(manager).patch(
        detail_url("acme"), {"currency": currency}, format="json"
    )
    assert response.status_code == 400
    assert "currency" in response.json()["error"]["fields"]
    distributor.refresh_from_db()
    assert distributor.currency == "EUR"


@pytest.mark.parametrize("method", ["patch", "put"])
def test_a_distributors_code_cannot_change_through_the_api(
    token_client, manager, distributor, method
):
    body = (
        {"code": "acme-two", "name": "Acme Two"}
        if method == "patch"
        else new_distributor_body(code="acme-two", name="Acme Two")
    )

    response = getattr(token_client(manager), method)(detail_url("acme"), body, format="json")

    assert response.status_code == 400, response.content
    assert "code" in response.json()["error"]["fields"]
    fresh = Distributor.objects.get(pk=distributor.pk)
    assert (fresh.code, fresh.name) == ("acme", "Acme Industrial Supply")
    assert not Distributor.objects.filter(code="acme-two").exists()


def test_sending_the_same_code_back_is_accepted(token_client, manager, distributor):
    response = token_client(manager).patch(
        detail_url("acme"), {"code": "acme", "name": "Acme Holding"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert Distributor.objects.get(pk=distributor.pk).name == "Acme Holding"


def test_status_change_against_the_transitions_is_a_400_naming_status(
    token_client, manager, distributor
):
    distributor.status = Distributor.Status.TERMINATED
    distributor.save()

    response = token_client(manager).patch(
        detail_url("acme"), {"status": "active", "name": "Back again"}, format="json"
    )

    assert response.status_code == 400
    assert "status" in response.json()["error"]["fields"]
    distributor.refresh_from_db()
    assert (distributor.status, distributor.name) == ("terminated", "Acme Industrial Supply")


def test_unknown_tier_code_is_a_400_naming_tier(token_client, manager, distributor):
    client = token_client(manager)

    created = client.post(list_url(), new_distributor_body(tier="platinum"), format="json")
    patched = client.patch(detail_url("acme"), {"tier": "platinum"}, format="json")

    for response in (created, patched):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid"
        assert "tier" in response.json()["error"]["fields"]
    assert not Distributor.objects.filter(code="nordic").exists()


def test_unknown_territory_code_is_a_400_naming_territories(token_client, manager):
    response = token_client(manager).post(
        list_url(), new_distributor_body(territories=["atlantis"]), format="json"
    )

    assert response.status_code == 400
    assert "territories" in response.json()["error"]["fields"]


def test_contract_ending_before_it_starts_is_a_400_naming_contract_end(token_client, manager):
    body = new_distributor_body(contract_start="2026-06-01", contract_end="2026-01-01")

    response = token_client(manager).post(list_url(), body, format="json")

    assert response.status_code == 400
    assert "contract_end" in response.json()["error"]["fields"]
    assert not Distributor.objects.filter(code="nordic").exists()


def test_duplicate_code_is_a_400_naming_code(token_client, manager, distributor):
    response = token_client(manager).post(
        list_url(), new_distributor_body(code="acme"), format="json"
    )

    assert response.status_code == 400
    assert "code" in response.json()["error"]["fields"]


def test_account_manager_and_revenue_cannot_be_written(token_client, manager, distributor):
    factories.UserFactory(username="sneaky")

    response = token_client(manager).patch(
        detail_url("acme"), {"account_manager": "sneaky", "revenue_12m": "1.00"}, format="json"
    )

    assert response.status_code == 200
    distributor.refresh_from_db()
    assert distributor.account_manager is None
    assert response.json()["revenue_12m"] == "0.00"


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider", "nobody"])
def test_users_outside_the_manufacturer_cannot_create_or_change_distributors(
    request, token_client, persona, distributor
):
    client = token_client(request.getfixturevalue(persona))

    created = client.post(list_url(), new_distributor_body(), format="json")
    patched = client.patch(detail_url("acme"), {"name": "Hijacked"}, format="json")
    replaced = client.put(detail_url("acme"), new_distributor_body(code="acme"), format="json")

    assert [created.status_code, patched.status_code, replaced.status_code] == [403, 403, 403]
    assert patched.json()["error"]["code"] == "permission_denied"
    distributor.refresh_from_db()
    assert distributor.name == "Acme Industrial Supply"
    assert not Distributor.objects.filter(code="nordic").exists()


def test_anonymous_cannot_create_or_change_distributors(api_client, distributor):
    assert api_client.post(list_url(), new_distributor_body(), format="json").status_code == 401
    assert api_client.patch(detail_url("acme"), {"name": "x"}, format="json").status_code == 401


def test_distributors_cannot_be_deleted_through_the_api(token_client, manager, distributor):
    response = token_client(manager).delete(detail_url("acme"))

    assert response.status_code == 405
    assert Distributor.objects.filter(code="acme").exists()
