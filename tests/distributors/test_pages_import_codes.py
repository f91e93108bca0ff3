"""Codes for imports: the codes a file may use, each list as its reader may see it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from distributors.models import Distributor, ProductLine
from identity.models import UserProfile
from partnership.models import Course
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def reference(distributor, other_distributor):
    factories.ProductLineFactory(code="pumps", name="Centrifugal pumps")
    factories.CustomerCategoryFactory(code="oem", name="OEMs")
    north = factories.TerritoryFactory(code="de-north", name="Germany North")
    south = factories.TerritoryFactory(code="de-south", name="Germany South")
    distributor.territories.add(north)
    other_distributor.territories.add(south)
    factories.LeadSourceFactory(code="fair", name="Trade fair")
    Course.objects.create(code="pumps-101", title="Pump installation", duration_minutes=90)


def listed(response):
    return {
        item["key"]: [row.code for row in item["page"].object_list]
        for item in response.context["lists"]
    }


def test_a_manager_sees_every_list_of_codes(login, manager, reference):
    response = login(manager).get(reverse("distributors:import-codes"))
    assert response.status_code == 200
    assert listed(response) == {
        "distributors": ["acme", "rival"],
        "product_lines": ["pumps"],
        "customer_categories": ["oem"],
        "territories": ["de-north", "de-south"],
        "lead_sources": ["fair"],
        "courses": ["pumps-101"],
    }
    html = response.content.decode()
    assert 'id="codes-lead_sources"' in html and "Centrifugal pumps" in html
    assert 'id="codes-courses"' in html and "Pump installation" in html


def test_a_french_reader_reads_the_french_names_of_the_codes(login, manager, reference):
    ProductLine.objects.filter(code="pumps").update(name_fr="Pompes centrifuges")
    UserProfile.objects.create(user=manager, language="fr")
    html = login(manager).get(reverse("distributors:import-codes")).content.decode()
    assert "Pompes centrifuges" in html and "Centrifugal pumps" not in html
    assert "Codes pour les imports" in html


def test_a_partner_sees_its_own_distributor_and_territories_and_no_lead_sources(
    login, partner, reference
):
    response = login(partner).get(reverse("distributors:import-codes"))
    assert listed(response) == {
        "distributors": ["acme"],
        "product_lines": ["pumps"],
        "customer_categories": ["oem"],
        "territories": ["de-north"],
    }
    html = response.content.decode()
    for secret in ("rival", "Rival Trading", "de-south", "fair"):
        assert secret not in html


def test_someone_without_a_role_gets_nothing(login, nobody, reference):
    assert login(nobody).get(reverse("distributors:import-codes")).status_code == 403


def test_a_long_list_of_distributors_is_paged_and_its_query_count_does_not_grow(
    login, manager, reference
):
    factories.DistributorFactory.create_batch(120)
    client = login(manager)
    with CaptureQueriesContext(connection) as few:
        first = client.get(reverse("distributors:import-codes"))
    assert len(first.context["lists"][0]["page"].object_list) == 100
    second = client.get(reverse("distributors:import-codes"), {"distributors_page": 2})
    assert len(second.context["lists"][0]["page"].object_list) == Distributor.objects.count() - 100
    factories.DistributorFactory.create_batch(150)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("distributors:import-codes"))
    assert len(many) == len(few)
