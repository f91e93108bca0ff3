"""Codes: unique in any case, matched in any case everywhere, and a distributor's never changes."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from distributors import services
from distributors.models import Distributor, ImportBatch, RevenueRecord
from tests import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module("distributors.migrations.0013_codes_unique_in_any_case")


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def detail(code):
    return reverse("api:distributor-detail", args=[code])


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps")


# --- unique in any case ------------------------------------------------------------------------


def test_the_database_refuses_a_code_that_differs_only_by_case(distributor):
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.DistributorFactory(code="ACME")
    for factory in (
        factories.ProductLineFactory,
        factories.TerritoryFactory,
        factories.CustomerCategoryFactory,
        factories.TierFactory,
    ):
        factory(code="same-code")
        with pytest.raises(IntegrityError), transaction.atomic():
            factory(code="SAME-CODE")


def test_the_api_refuses_a_new_distributor_whose_code_differs_only_by_case(manager, distributor):
    body = {"code": "ACME", "name": "Acme again", "country": "DE", "currency": "EUR"}
    body["tier"] = distributor.tier.code
    response = api(manager).post(reverse("api:distributor-list"), body, format="json")

    assert response.status_code == 400
    assert "codes are the same in any case" in response.json()["error"]["message"]
    assert list(Distributor.objects.values_list("code", flat=True)) == ["acme"]


def test_the_new_distributor_page_refuses_a_code_that_differs_only_by_case(
    login, manager, distributor
):
    response = login(manager).post(
        reverse("distributors:create"),
        {
            "code": "Acme",
            "name": "Acme again",
            "country": "DE",
            "currency": "EUR",
            "tier": distributor.tier.pk,
            "status": "onboarding",
        },
    )

    assert response.status_code == 200
    assert "codes are the same in any case" in response.content.decode()
    assert Distributor.objects.count() == 1


def test_the_migration_stops_on_codes_that_differ_only_by_case_and_names_them(distributor):
    """Existing clashes are not merged or renamed behind anyone's back: migrate stops, saying
    which codes clash, and nothing is changed."""
    constraint = next(
        c for c in Distributor._meta.constraints if c.name == "distributor_code_unique_caseless"
    )
    with transaction.atomic():
        with connection.schema_editor() as editor:
            editor.remove_constraint(Distributor, constraint)
        factories.DistributorFactory(code="ACME")
        with pytest.raises(RuntimeError) as refused:
            migration.refuse_case_clashes(apps, None)
        transaction.set_rollback(True)

    assert "distributor: ACME = acme" in str(refused.value)
    assert "Nothing was changed" in str(refused.value)
    migration.refuse_case_clashes(apps, None)  # the clash rolled back: nothing to say


# --- matched in any case -----------------------------------------------------------------------


def test_the_api_finds_a_distributor_by_its_code_in_any_case(manager, distributor):
    response = api(manager).get(detail("ACME"))

    assert response.status_code == 200
    assert response.json()["code"] == "acme"


def test_a_partner_reads_its_own_distributor_in_any_case_and_no_other(
    partner, distributor, other_distributor
):
    assert api(partner).get(detail("Acme")).status_code == 200
    assert api(partner).get(detail("RIVAL")).status_code == 404


def test_filters_and_writes_take_codes_in_any_case(manager, distributor, pumps, today):
    factories.RevenueRecordFactory(distributor=distributor, product_line=pumps)

    listed = api(manager).get(reverse("api:revenue-list"), {"distributor": "ACME"})
    assert listed.status_code == 200 and listed.json()["count"] == 1
    assert (
        api(manager).get(reverse("api:distributor-list"), {"product_line": "PUMPS"}).status_code
        == 200
    )
    response = api(manager).patch(
        detail("acme"), {"product_lines": ["Pumps"], "tier": distributor.tier.code.upper()}
    )
    assert response.status_code == 200, response.content
    assert response.json()["product_lines"] == ["pumps"]


def test_imports_and_pushes_match_codes_in_any_case(manager, distributor, pumps, today):
    content = b"distributor,month,product_line,amount\nACME,2026-01,PUMPS,10\n"
    batch = services.import_batch_create(
        user=manager, kind="revenue", uploaded_file=SimpleUploadedFile("f.csv", content)
    )
    services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors

    response = api(manager).post(
        reverse("api:revenue-list"),
        {
            "rows": [
                {"distributor": "Acme", "month": "2026-02", "product_line": "Pumps", "amount": 5}
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert RevenueRecord.objects.get(month=datetime.date(2026, 2, 1)).distributor == distributor


def test_the_distributor_page_opens_with_its_code_in_any_case(login, manager, distributor):
    assert login(manager).get(reverse("distributors:detail", args=["ACME"])).status_code == 200


# --- a distributor's code never changes --------------------------------------------------------


@pytest.mark.parametrize("method", ["put", "patch"])
def test_the_api_refuses_to_change_a_distributors_code(manager, distributor, method):
    body = {
        "code": "acme-renamed",
        "name": distributor.name,
        "country": distributor.country,
        "currency": distributor.currency,
        "tier": distributor.tier.code,
    }
    response = getattr(api(manager), method)(detail("acme"), body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "code": ["A distributor's code cannot change once it is created."]
    }
    assert Distributor.objects.get().code == "acme"


def test_the_api_refuses_a_code_in_another_case_as_a_change_too(manager, distributor):
    response = api(manager).patch(detail("acme"), {"code": "ACME"}, format="json")

    assert response.status_code == 400
    assert Distributor.objects.get().code == "acme"


def test_the_edit_page_keeps_the_code_whatever_is_posted(login, manager, distributor):
    response = login(manager).post(
        reverse("distributors:edit", args=["acme"]),
        {
            "code": "acme-renamed",
            "name": "Acme renamed",
            "country": "DE",
            "currency": distributor.currency,
            "tier": distributor.tier.pk,
            "status": distributor.status,
        },
    )

    assert response.status_code == 302
    distributor.refresh_from_db()
    assert (distributor.code, distributor.name) == ("acme", "Acme renamed")


def test_the_service_refuses_a_new_code_for_a_stored_distributor(manager, distributor):
    distributor.code = "other"
    with pytest.raises(services.ValidationFailed):
        services.distributor_save(distributor=distributor, by=manager)
    assert Distributor.objects.get().code == "acme"
