"""Heavy page POSTs (uploads, a scoring run) spend the same bulk budget as the API's bulk calls."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distributors.models import ImportBatch

pytestmark = pytest.mark.django_db

CSV = b"distributor,month,product_line,amount\nacme,2026-01,pumps,1\n"


@pytest.fixture
def bulk_rate(settings):
    def make(rate):
        rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "bulk": rate}
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    return make


def upload(client):
    data = {"kind": "revenue", "number_format": "point"}
    data["file"] = SimpleUploadedFile("figures.csv", CSV)
    return client.post(reverse("distributors:import-create"), data)


def test_an_upload_past_the_bulk_rate_is_a_429_page_and_stores_nothing(
    login, manager, distributor, bulk_rate
):
    bulk_rate("1/minute")
    client = login(manager)
    assert upload(client).status_code == 302
    response = upload(client)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert b"Try again in" in response.content
    assert ImportBatch.objects.count() == 1


def test_the_upload_form_itself_is_not_counted(login, manager, bulk_rate):
    bulk_rate("1/minute")
    client = login(manager)
    for _ in range(3):
        assert client.get(reverse("distributors:import-create")).status_code == 200
    assert upload(client).status_code == 302


def test_a_session_user_shares_one_bulk_budget_between_pages_and_api(
    login, manager, distributor, bulk_rate
):
    bulk_rate("1/minute")
    client = login(manager)
    client.post("/api/v1/revenue/", {"rows": []}, content_type="application/json")
    assert upload(client).status_code == 429
    assert client.post(reverse("scoring:run-trigger")).status_code == 429
    assert client.post(reverse("leads:import"), {}).status_code == 429


def test_another_user_keeps_its_own_bulk_budget(login, manager, partner, distributor, bulk_rate):
    bulk_rate("1/minute")
    upload(login(manager))
    assert upload(login(partner)).status_code == 302
