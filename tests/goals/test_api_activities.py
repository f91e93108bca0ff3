"""/api/v1/activities/: the channel managers' activity log (manufacturer staff only)."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from goals.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("api:activity-list")


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_manager_logs_and_lists_activities(manager, distributor):
    response = client_for(manager).post(
        LIST,
        {"kind": "visit", "distributor": "acme", "date": "2026-06-10", "note": "Showroom"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["manager"] == "manager-test"
    assert response.json()["distributor"] == "acme"
    factories.ActivityFactory(manager=manager, distributor=None, kind="call")
    body = client_for(manager).get(LIST).json()
    assert body["count"] == 2
    assert [item["kind"] for item in body["results"]] == ["visit", "call"]  # newest first


def test_planned_activities_are_refused(manager, distributor):
    response = client_for(manager).post(
        LIST, {"kind": "visit", "distributor": "acme", "date": "2026-07-01"}, format="json"
    )
    assert response.status_code == 400
    assert "date" in response.json()["error"]["fields"]
    assert not Activity.objects.exists()


def test_partners_get_nothing_of_the_log(partner, colleague, outsider, nobody, distributor):
    factories.ActivityFactory(distributor=distributor)
    for user in (partner, colleague, outsider, nobody):
        client = client_for(user)
        assert client.get(LIST).status_code == 403
        response = client.post(
            LIST, {"kind": "visit", "distributor": "acme", "date": "2026-06-10"}, format="json"
        )
        assert response.status_code == 403
    assert Activity.objects.count() == 1
