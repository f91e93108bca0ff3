"""/api/v1/qualification-criteria/: versions by number, items in the caller's language, each
partner's own acknowledgement, and acknowledging for partner admins only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from leads import services
from leads.models import CriteriaAcknowledgement, Criterion
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("api:qualification-criteria-list")


def detail(number):
    return reverse("api:qualification-criteria-detail", args=[number])


def acknowledge(number):
    return reverse("api:qualification-criteria-acknowledge", args=[number])


@pytest.fixture
def published(manager):
    return factories.criteria_version_with_items(number=1, published_by=manager, notes="First.")


@pytest.fixture
def draft(manager, published):
    draft = services.criteria_draft(by=manager)
    services.criterion_save(
        criterion=Criterion(version=draft, code="need", label="Need confirmed"), by=manager
    )
    return draft


# --- reading -----------------------------------------------------------------------------------


def test_a_partner_reads_the_published_versions_only(token_client, partner, draft):
    response = token_client(partner).get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [version] = body["results"]
    assert version == {
        "number": 1,
        "notes": "First.",
        "published_at": version["published_at"],
        "published_by": "manager-test",
        "is_current": True,
        "items": [
            {
                "code": "budget",
                "label": "Budget confirmed",
                "label_fr": "Budget confirmé",
                "text": "Budget confirmed",
                "required": True,
                "position": 1,
            },
            {
                "code": "timeline",
                "label": "Purchase within 6 months",
                "label_fr": "Achat sous 6 mois",
                "text": "Purchase within 6 months",
                "required": True,
                "position": 2,
            },
            {
                "code": "authority",
                "label": "Decision maker met",
                "label_fr": "Décideur rencontré",
                "text": "Decision maker met",
                "required": False,
                "position": 3,
            },
        ],
        "acknowledged": None,
    }
    assert version["published_at"]
    assert token_client(partner).get(detail(draft.number)).status_code == 404


def test_a_manager_reads_every_version_with_the_draft_and_acknowledgement_counts(
    token_client, manager, partner, outsider, draft, published
):
    services.criteria_acknowledge(version=published, by=partner)
    services.criteria_acknowledge(version=published, by=outsider)

    body = token_client(manager).get(LIST).json()

    rows = [
        (v["number"], v["published_at"] is None, v["is_current"], v["acknowledgements"])
        for v in body["results"]
    ]
    assert rows == [(2, True, False, 0), (1, False, True, 2)]
    assert "acknowledged" not in body["results"][0]
    assert [item["code"] for item in body["results"][0]["items"]][-1] == "need"
    assert token_client(manager).get(detail(draft.number)).json()["published_by"] is None


def test_one_version_is_read_by_its_number(token_client, partner, published):
    response = token_client(partner).get(detail(1))

    assert response.status_code == 200
    assert response.json()["number"] == 1
    assert token_client(partner).get(detail(99)).status_code == 404


def test_only_the_latest_published_version_is_current(token_client, partner, manager, draft):
    services.criteria_publish(version=draft, by=manager, notes="Need added.")

    body = token_client(partner).get(LIST).json()

    assert [(v["number"], v["is_current"]) for v in body["results"]] == [(2, True), (1, False)]


def test_items_come_with_the_text_in_the_requests_language(token_client, partner, manager):
    factories.criteria_version_with_items(
        number=1,
        published_by=manager,
        items=[
            ("budget", "Budget confirmed", "Budget confirmé", True),
            ("need", "Need confirmed", "", True),
        ],
    )
    client = token_client(partner)

    french = client.get(detail(1), HTTP_ACCEPT_LANGUAGE="fr").json()["items"]
    english = client.get(detail(1), HTTP_ACCEPT_LANGUAGE="en").json()["items"]

    assert [item["text"] for item in french] == ["Budget confirmé", "Need confirmed"]
    assert [item["text"] for item in english] == ["Budget confirmed", "Need confirmed"]


def test_a_partner_sees_only_its_own_distributors_acknowledgement(
    token_client, partner, colleague, outsider, published
):
    services.criteria_acknowledge(version=published, by=outsider)

    mine = token_client(partner).get(detail(1)).json()
    theirs = token_client(outsider).get(detail(1)).json()

    assert mine["acknowledged"] is None
    assert theirs["acknowledged"]["by"] == "outsider-test"
    assert "acknowledgements" not in mine

    services.criteria_acknowledge(version=published, by=partner)
    seen_by_rep = token_client(colleague).get(detail(1)).json()
    assert seen_by_rep["acknowledged"]["by"] == "partner-test"
    assert token_client(outsider).get(LIST).json()["results"][0]["acknowledged"]["by"] == (
        "outsider-test"
    )


def test_a_user_without_a_role_and_anonymous_callers_get_nothing(
    token_client, api_client, nobody, published
):
    assert token_client(nobody).get(LIST).status_code == 403
    assert token_client(nobody).post(acknowledge(1)).status_code == 403
    assert api_client.get(LIST).status_code == 401
    assert api_client.post(acknowledge(1)).status_code == 401
    assert not CriteriaAcknowledgement.objects.exists()


def test_versions_are_not_written_through_the_api(token_client, manager, partner, published):
    client = token_client(manager)

    assert client.post(LIST, {"number": 5}, format="json").status_code == 405
    assert client.patch(detail(1), {"notes": "x"}, format="json").status_code == 405
    assert client.delete(detail(1)).status_code == 405
    assert token_client(partner).delete(detail(1)).status_code == 403


# --- acknowledging -----------------------------------------------------------------------------


def test_a_partner_admin_acknowledges_and_doing_it_again_changes_nothing(
    token_client, partner, distributor, published
):
    client = token_client(partner)

    first = client.post(acknowledge(1))
    again = client.post(acknowledge(1))

    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert first.json()["version"] == 1
    assert first.json()["distributor"] == "acme"
    assert first.json()["by"] == "partner-test"
    assert CriteriaAcknowledgement.objects.get().distributor == distributor
    assert client.get(detail(1)).json()["acknowledged"]["at"] == first.json()["at"]


def test_a_rep_cannot_acknowledge_and_is_told_why(token_client, colleague, published):
    response = token_client(colleague).post(acknowledge(1))

    assert response.status_code == 403
    assert response.json() == {
        "error": {
            "code": "forbidden",
            "message": "Only a partner admin acknowledges the criteria.",
        }
    }
    assert not CriteriaAcknowledgement.objects.exists()


def test_a_manager_cannot_acknowledge(token_client, manager, published):
    assert token_client(manager).post(acknowledge(1)).status_code == 403
    assert not CriteriaAcknowledgement.objects.exists()


def test_an_outsider_cannot_acknowledge_for_acme(token_client, outsider, distributor, published):
    response = token_client(outsider).post(acknowledge(1))

    assert response.json()["distributor"] == "rival"
    assert not CriteriaAcknowledgement.objects.filter(distributor=distributor).exists()


def test_a_draft_is_not_found_and_a_replaced_version_is_refused(
    token_client, partner, manager, draft
):
    client = token_client(partner)
    assert client.post(acknowledge(draft.number)).status_code == 404

    services.criteria_publish(version=draft, by=manager)
    response = client.post(acknowledge(1))

    assert response.status_code == 400
    assert "replaced by version 2" in response.json()["error"]["message"]
    assert not CriteriaAcknowledgement.objects.exists()


# --- cost and schema ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "partner"])
def test_the_list_query_count_does_not_grow_with_versions_or_items(
    request, token_client, manager, partner, persona
):
    client = token_client(request.getfixturevalue(persona))
    version = factories.criteria_version_with_items(number=1, published_by=manager)
    services.criteria_acknowledge(version=version, by=partner)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200

    for number in range(2, 14):
        version = factories.criteria_version_with_items(number=number, published_by=manager)
        for position in range(4, 12):
            factories.CriterionFactory(version=version, position=position)
        services.criteria_acknowledge(version=version, by=partner)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)

    assert response.json()["count"] == 13
    assert len(many) == len(few)


def test_the_schema_describes_the_criteria_endpoints(token_client, manager):
    schema = token_client(manager).get("/api/schema/", {"format": "json"}).json()

    paths = schema["paths"]
    assert "get" in paths["/api/v1/qualification-criteria/"]
    assert "get" in paths["/api/v1/qualification-criteria/{number}/"]
    assert set(paths["/api/v1/qualification-criteria/{number}/acknowledge/"]) >= {"post"}
    components = schema["components"]["schemas"]
    assert "acknowledged" in components["PartnerCriteriaVersion"]["properties"]
    assert "acknowledgements" in components["ManagerCriteriaVersion"]["properties"]
    [number] = paths["/api/v1/qualification-criteria/{number}/"]["get"]["parameters"]
    assert number["schema"]["type"] == "integer"
