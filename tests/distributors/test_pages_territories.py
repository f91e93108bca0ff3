"""/territories/: the manufacturer lists, creates, edits and deletes territories."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors.models import Territory
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def north(db):
    return factories.TerritoryFactory(code="north", name="North", country="DE", region="Europe")


def body(**changes):
    data = {"code": "north", "name": "North", "country": "DE", "region": "Europe"}
    data.update(changes)
    return data


def test_manager_lists_territories_with_how_many_distributors_cover_them(
    login, manager, north, distributor, other_distributor
):
    factories.TerritoryFactory(code="lyon", country="FR")
    distributor.territories.add(north)
    other_distributor.territories.add(north)

    response = login(manager).get(reverse("distributors:territories"))

    assert response.status_code == 200
    rows = [(t.code, t.distributor_count) for t in response.context["page"].object_list]
    assert rows == [("north", 2), ("lyon", 0)]


def test_territory_list_paginates_and_its_query_count_does_not_grow(login, manager):
    client = login(manager)
    factories.TerritoryFactory.create_batch(3)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("distributors:territories"))
    factories.TerritoryFactory.create_batch(30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("distributors:territories"), {"page": 2})
    assert len(many) == len(few)
    assert len(response.context["page"].object_list) == 8


def test_manager_creates_a_territory_and_the_country_is_upper_cased(login, manager):
    assert login(manager).get(reverse("distributors:territory-create")).status_code == 200

    response = login(manager).post(reverse("distributors:territory-create"), body(country="fr"))

    assert response.status_code == 302
    assert Territory.objects.get(code="north").country == "FR"


@pytest.mark.parametrize("country", ["XX", "EU", "D"])
def test_a_country_that_is_not_an_iso_code_is_a_form_error(login, manager, country):
    response = login(manager).post(reverse("distributors:territory-create"), body(country=country))

    assert response.status_code == 200
    assert "country" in response.context["form"].errors
    assert not Territory.objects.exists()


def test_manager_edits_a_territory_but_not_its_code(login, manager, north):
    response = login(manager).post(
        reverse("distributors:territory-edit", args=["north"]),
        body(code="south", name="Northern Germany", region="DACH"),
    )

    assert response.status_code == 302
    north.refresh_from_db()
    assert (north.code, north.name, north.region) == ("north", "Northern Germany", "DACH")


def test_manager_deletes_a_territory_no_distributor_covers(login, manager, north):
    response = login(manager).post(reverse("distributors:territory-delete", args=["north"]))

    assert response.status_code == 302
    assert not Territory.objects.exists()


def test_deleting_a_covered_territory_shows_why_and_changes_nothing(
    login, manager, north, distributor
):
    distributor.territories.add(north)

    response = login(manager).post(
        reverse("distributors:territory-delete", args=["north"]), follow=True
    )

    [message] = [str(m) for m in response.context["messages"]]
    assert "covered by 1 distributor: acme" in message
    assert list(distributor.territories.all()) == [north]


def test_the_edit_page_offers_delete(login, manager, north):
    response = login(manager).get(reverse("distributors:territory-edit", args=["north"]))

    assert reverse("distributors:territory-delete", args=["north"]).encode() in response.content


@pytest.mark.parametrize("persona", ["partner", "outsider", "nobody"])
def test_only_manufacturer_staff_may_use_the_territory_pages(
    login, request, persona, north, distributor
):
    distributor.territories.add(north)
    client = login(request.getfixturevalue(persona))

    assert client.get(reverse("distributors:territories")).status_code == 403
    assert client.get(reverse("distributors:territory-create")).status_code == 403
    assert client.post(reverse("distributors:territory-create"), body(code="x")).status_code == 403
    assert (
        client.post(
            reverse("distributors:territory-edit", args=["north"]), body(name="Hacked")
        ).status_code
        == 403
    )
    assert client.post(reverse("distributors:territory-delete", args=["north"])).status_code == 403
    north.refresh_from_db()
    assert north.name == "North"
    assert list(Territory.objects.values_list("code", flat=True)) == ["north"]


def test_list_answers_only_get(login, manager):
    assert login(manager).post(reverse("distributors:territories")).status_code == 405
