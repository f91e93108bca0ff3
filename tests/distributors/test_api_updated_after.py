"""`?updated_after=` on every API list: BI tools fetch only the rows changed since a sync."""

import datetime

import pytest
from django.urls import reverse

from distributors.api_urls import router
from distributors.models import Distributor, ProductLine, Territory
from drm.filters import IncrementalFilterSet
from tests import factories

pytestmark = pytest.mark.django_db

BEFORE = datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC)
CUT_OFF = datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)
AFTER = datetime.datetime(2026, 3, 5, tzinfo=datetime.UTC)


def touch(instance, when):
    """Set updated_at as if the row was last saved at `when` (update() skips auto_now)."""
    type(instance).objects.filter(pk=instance.pk).update(updated_at=when)


def make_distributors(stamp):
    touch(factories.DistributorFactory(code="old"), BEFORE)
    touch(factories.DistributorFactory(code="new"), stamp)
    return "code"


def make_territories(stamp):
    touch(factories.TerritoryFactory(code="old"), BEFORE)
    touch(factories.TerritoryFactory(code="new"), stamp)
    return "code"


def make_product_lines(stamp):
    touch(factories.ProductLineFactory(code="old"), BEFORE)
    touch(factories.ProductLineFactory(code="new"), stamp)
    return "code"


def make_revenue(stamp):
    distributor = factories.DistributorFactory(code="acme")
    factories.RevenueRecordFactory(
        distributor=distributor, month=datetime.date(2025, 12, 1), updated_at=BEFORE
    )
    factories.RevenueRecordFactory(
        distributor=distributor, month=datetime.date(2026, 1, 1), updated_at=stamp
    )
    return "month"


def make_investments(stamp):
    distributor = factories.DistributorFactory(code="acme")
    factories.InvestmentFactory(
        distributor=distributor, date=datetime.date(2025, 12, 1), updated_at=BEFORE
    )
    factories.InvestmentFactory(
        distributor=distributor, date=datetime.date(2026, 1, 1), updated_at=stamp
    )
    return "date"


# basename → (builder of one old and one new row, the value that names the new row)
ENDPOINTS = {
    "distributor": (make_distributors, "new"),
    "territory": (make_territories, "new"),
    "product-line": (make_product_lines, "new"),
    "revenue": (make_revenue, "2026-01-01"),
    "investment": (make_investments, "2026-01-01"),
}


def listed(response, key):
    assert response.status_code == 200, response.content
    return [row[key] for row in response.json()["results"]]


@pytest.mark.parametrize("basename", sorted(ENDPOINTS))
def test_only_rows_updated_at_or_after_the_cut_off_are_listed(token_client, manager, basename):
    build, new = ENDPOINTS[basename]
    key = build(AFTER)

    response = token_client(manager).get(
        reverse(f"api:{basename}-list"), {"updated_after": "2026-02-01T00:00:00Z"}
    )

    assert listed(response, key) == [new]


@pytest.mark.parametrize("basename", sorted(ENDPOINTS))
def test_a_row_updated_exactly_at_the_cut_off_is_listed(token_client, manager, basename):
    build, new = ENDPOINTS[basename]
    key = build(CUT_OFF)

    response = token_client(manager).get(
        reverse(f"api:{basename}-list"), {"updated_after": CUT_OFF.isoformat()}
    )

    assert listed(response, key) == [new]


@pytest.mark.parametrize("basename", sorted(ENDPOINTS))
def test_without_updated_after_every_row_is_listed(token_client, manager, basename):
    build, _ = ENDPOINTS[basename]
    key = build(AFTER)

    assert len(listed(token_client(manager).get(reverse(f"api:{basename}-list")), key)) == 2


@pytest.mark.parametrize("basename", sorted(ENDPOINTS))
@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00:00Z", "2026-02-30T10:00"])
def test_a_malformed_updated_after_is_a_400_naming_the_field(
    token_client, manager, basename, value
):
    response = token_client(manager).get(reverse(f"api:{basename}-list"), {"updated_after": value})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["updated_after"]


def test_an_offset_in_the_cut_off_is_honoured(token_client, manager):
    make_distributors(datetime.datetime(2026, 2, 1, 0, 30, tzinfo=datetime.UTC))

    # 01:00 in UTC+02:00 is 23:00 UTC the day before: the 00:30 UTC change is after it.
    response = token_client(manager).get(
        reverse("api:distributor-list"), {"updated_after": "2026-02-01T01:00:00+02:00"}
    )

    assert listed(response, "code") == ["new"]


def test_a_partner_syncing_incrementally_still_sees_only_its_own_distributor(
    token_client, partner, distributor, other_distributor
):
    touch(distributor, AFTER)
    touch(other_distributor, AFTER)

    response = token_client(partner).get(
        reverse("api:distributor-list"), {"updated_after": "2026-02-01T00:00:00Z"}
    )

    assert listed(response, "code") == ["acme"]


def test_every_api_list_offers_updated_after():
    for prefix, viewset, _ in router.registry:
        assert issubclass(viewset.filterset_class, IncrementalFilterSet), prefix


@pytest.mark.parametrize("model", [Distributor, Territory, ProductLine])
def test_saving_a_reference_row_moves_its_updated_at(model):
    factory = {
        Distributor: factories.DistributorFactory,
        Territory: factories.TerritoryFactory,
        ProductLine: factories.ProductLineFactory,
    }[model]
    row = factory()
    touch(row, BEFORE)
    row.refresh_from_db()

    row.name = "Renamed"
    row.save()

    row.refresh_from_db()
    assert row.updated_at > BEFORE
