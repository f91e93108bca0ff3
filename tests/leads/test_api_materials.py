"""/api/v1/materials/: the catalogue for BI tools and partner apps, and rating it."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from leads.models import Material, MaterialFeedback
from tests import factories

pytestmark = pytest.mark.django_db

LIST = "/api/v1/materials/"


def detail(material):
    return f"{LIST}{material.pk}/"


def rate(material):
    return f"{LIST}{material.pk}/rate/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps", name="Pumps")


@pytest.fixture
def catalogue(pumps):
    return {
        "brochure": factories.MaterialFactory(
            title="Pump brochure",
            kind="material",
            stage="any",
            product_line=pumps,
            url="",
            file=SimpleUploadedFile("brochure.pdf", b"%PDF-1.4"),
        ),
        "promo": factories.MaterialFactory(title="Spring promotion", kind="promotion", stage="dql"),
        "hidden": factories.MaterialFactory(title="Old datasheet", is_active=False),
    }


@pytest.fixture
def feedback(catalogue, partner, colleague, outsider, distributor, other_distributor):
    brochure = catalogue["brochure"]
    factories.MaterialFeedbackFactory(
        material=brochure, by=partner, distributor=distributor, rating=4, stage="any"
    )
    factories.MaterialFeedbackFactory(
        material=brochure, by=colleague, distributor=distributor, rating=2, stage="dql"
    )
    factories.MaterialFeedbackFactory(
        material=brochure,
        by=outsider,
        distributor=other_distributor,
        rating=5,
        stage="dql",
        comment="rival-secret-comment",
    )


def titles(response):
    return [row["title"] for row in response.json()["results"]]


# --- reading -------------------------------------------------------------------------------------


def test_partner_lists_active_items_only_without_anyones_ratings(token_client, partner, feedback):
    response = token_client(partner).get(LIST)
    assert response.status_code == 200
    assert titles(response) == ["Pump brochure", "Spring promotion"]
    brochure = response.json()["results"][0]
    assert brochure == {
        "id": brochure["id"],
        "title": "Pump brochure",
        "description": "What the customer needs to know.",
        "kind": "material",
        "product_line": "pumps",
        "stage": "any",
        "url": "",
        "file_url": reverse("leads:material-file", args=[brochure["id"]]),
        "is_active": True,
        "updated_at": brochure["updated_at"],
        "average_rating": None,
        "rating_count": None,
        "ratings": None,
    }
    assert response.json()["results"][1]["file_url"] is None


def test_manager_lists_every_item_with_its_average_and_ratings_per_stage(
    token_client, manager, feedback
):
    response = token_client(manager).get(LIST)
    assert titles(response) == ["Old datasheet", "Pump brochure", "Spring promotion"]
    rows = {row["title"]: row for row in response.json()["results"]}
    brochure = rows["Pump brochure"]
    assert (brochure["average_rating"], brochure["rating_count"]) == (3.67, 3)
    assert brochure["ratings"] == [
        {"stage": "any", "average": 4.0, "count": 1},
        {"stage": "dql", "average": 3.5, "count": 2},
    ]
    assert rows["Spring promotion"]["average_rating"] is None
    assert (rows["Spring promotion"]["rating_count"], rows["Spring promotion"]["ratings"]) == (
        0,
        [],
    )
    assert rows["Old datasheet"]["is_active"] is False


def test_manager_retrieves_an_item_with_its_ratings(token_client, manager, feedback, catalogue):
    response = token_client(manager).get(detail(catalogue["brochure"]))
    assert response.status_code == 200
    assert [row["stage"] for row in response.json()["ratings"]] == ["any", "dql"]


def test_the_list_filters_by_kind_stage_product_line_and_visibility(
    token_client, manager, catalogue
):
    client = token_client(manager)
    assert titles(client.get(LIST, {"kind": "promotion"})) == ["Spring promotion"]
    assert titles(client.get(LIST, {"stage": "dql"})) == ["Spring promotion"]
    assert titles(client.get(LIST, {"product_line": "pumps"})) == ["Pump brochure"]
    assert titles(client.get(LIST, {"is_active": "false"})) == ["Old datasheet"]
    assert titles(client.get(LIST, {"search": "spring"})) == ["Spring promotion"]


@pytest.mark.parametrize(
    "params", [{"kind": "poster"}, {"stage": "won"}, {"product_line": "no-such-line"}]
)
def test_an_unknown_filter_value_is_a_400_naming_the_parameter(token_client, manager, params):
    response = token_client(manager).get(LIST, params)
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == set(params)


def test_updated_after_returns_only_items_changed_since(token_client, manager, catalogue):
    promo = catalogue["promo"]
    later = timezone.now() + datetime.timedelta(hours=1)
    Material.objects.filter(pk=promo.pk).update(updated_at=later)
    response = token_client(manager).get(
        LIST, {"updated_after": (later - datetime.timedelta(minutes=1)).isoformat()}
    )
    assert titles(response) == ["Spring promotion"]


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider"])
def test_partners_get_404_for_an_inactive_item(token_client, request, persona, catalogue):
    client = token_client(request.getfixturevalue(persona))
    assert client.get(detail(catalogue["hidden"])).status_code == 404
    assert client.post(rate(catalogue["hidden"]), {"rating": 3}).status_code == 404
    assert titles(client.get(LIST, {"is_active": "false"})) == []
    assert not MaterialFeedback.objects.exists()


def test_outsider_never_sees_another_distributors_feedback(
    token_client, outsider, feedback, catalogue
):
    client = token_client(outsider)
    listed = client.get(LIST)
    retrieved = client.get(detail(catalogue["brochure"]))
    for response in (listed, retrieved):
        assert response.status_code == 200
        body = response.content.decode()
        for secret in ("partner-test", "colleague-test", "acme", "rival-secret-comment"):
            assert secret not in body
    for row in [*listed.json()["results"], retrieved.json()]:
        assert (row["average_rating"], row["rating_count"], row["ratings"]) == (None, None, None)


def test_anonymous_callers_get_401(api_client, catalogue):
    assert api_client.get(LIST).status_code == 401
    assert api_client.get(detail(catalogue["promo"])).status_code == 401
    assert api_client.post(rate(catalogue["promo"]), {"rating": 3}).status_code == 401
    assert not MaterialFeedback.objects.exists()


def test_a_user_without_a_role_gets_403(token_client, nobody, catalogue):
    client = token_client(nobody)
    assert client.get(LIST).status_code == 403
    assert client.get(detail(catalogue["promo"])).status_code == 403
    assert client.post(rate(catalogue["promo"]), {"rating": 3}).status_code == 403
    assert not MaterialFeedback.objects.exists()


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_nobody_writes_items_through_the_api(token_client, manager, catalogue, method):
    client = token_client(manager)
    target = LIST if method == "post" else detail(catalogue["promo"])
    response = getattr(client, method)(target, {"title": "Changed"}, format="json")
    assert response.status_code == 405
    assert Material.objects.filter(title="Changed").count() == 0


@pytest.mark.parametrize("persona", ["manager", "partner"])
def test_list_query_count_does_not_grow_with_items(
    token_client, request, persona, partner, distributor
):
    client = token_client(request.getfixturevalue(persona))

    def add(count):
        for material in factories.MaterialFactory.create_batch(
            count, product_line=factories.ProductLineFactory()
        ):
            factories.MaterialFeedbackFactory(
                material=material, by=partner, distributor=distributor
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    add(20)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)


# --- rating --------------------------------------------------------------------------------------


def test_partner_rates_an_item_and_gets_the_feedback_back(token_client, partner, catalogue):
    promo = catalogue["promo"]
    response = token_client(partner).post(
        rate(promo), {"rating": 4, "comment": "Works"}, format="json"
    )
    assert response.status_code == 200
    feedback = MaterialFeedback.objects.get()
    assert response.json() == {
        "id": feedback.pk,
        "material": promo.pk,
        "lead": None,
        "stage": "dql",
        "rating": 4,
        "comment": "Works",
        "at": response.json()["at"],
    }


def test_a_rep_rates_from_a_lead_and_it_counts_for_the_leads_stage(
    token_client, colleague, distributor, catalogue
):
    lead = factories.LeadFactory(status="dql", distributor=distributor)
    response = token_client(colleague).post(
        rate(catalogue["promo"]), {"rating": 5, "lead": lead.pk}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["lead"]) == ("dql", lead.pk)


def test_rating_again_replaces_the_earlier_rating(token_client, partner, catalogue):
    client = token_client(partner)
    client.post(rate(catalogue["promo"]), {"rating": 1}, format="json")
    client.post(rate(catalogue["promo"]), {"rating": 3}, format="json")
    assert list(MaterialFeedback.objects.values_list("rating", flat=True)) == [3]


def test_a_partner_cannot_rate_against_another_distributors_lead(
    token_client, outsider, distributor, catalogue
):
    lead = factories.LeadFactory(status="dql", distributor=distributor)
    response = token_client(outsider).post(
        rate(catalogue["promo"]), {"rating": 1, "lead": lead.pk}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert not MaterialFeedback.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "rating"),
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "good"}, "rating"),
        ({"rating": 3, "comment": "x" * 2001}, "comment"),
        ({"rating": 3, "lead": "x"}, "lead"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(
    token_client, partner, catalogue, body, field
):
    response = token_client(partner).post(rate(catalogue["promo"]), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert not MaterialFeedback.objects.exists()


def test_an_item_the_lead_does_not_offer_is_a_400_from_the_service(
    token_client, partner, distributor, catalogue
):
    lead = factories.LeadFactory(status="opportunity", distributor=distributor)
    response = token_client(partner).post(
        rate(catalogue["promo"]), {"rating": 3, "lead": lead.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "lead": ["This item is not offered on this lead at its current stage."]
    }
    assert not MaterialFeedback.objects.exists()


@pytest.mark.parametrize("persona", ["manager", "admin_user"])
def test_the_manufacturers_staff_cannot_rate(token_client, request, persona, catalogue):
    response = token_client(request.getfixturevalue(persona)).post(
        rate(catalogue["promo"]), {"rating": 5}, format="json"
    )
    assert response.status_code == 403
    assert not MaterialFeedback.objects.exists()


def test_rate_answers_only_post(token_client, partner, catalogue):
    assert token_client(partner).get(rate(catalogue["promo"])).status_code == 405


# --- the schema ----------------------------------------------------------------------------------


def test_the_schema_documents_the_filters_the_stats_and_the_rate_body(token_client, manager):
    schema = token_client(manager).get("/api/schema/", {"format": "json"}).json()
    listing = schema["paths"]["/api/v1/materials/"]["get"]
    names = {parameter["name"] for parameter in listing["parameters"]}
    assert {"kind", "stage", "product_line", "updated_after", "is_active"} <= names
    material = schema["components"]["schemas"]["Material"]["properties"]
    assert {"file_url", "average_rating", "rating_count", "ratings"} <= set(material)
    assert material["ratings"]["nullable"] is True
    rating = schema["paths"]["/api/v1/materials/{id}/rate/"]["post"]
    body = rating["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request_schema = schema["components"]["schemas"][body.rsplit("/", 1)[-1]]
    assert set(request_schema["properties"]) == {"rating", "comment", "lead"}
    assert request_schema["required"] == ["rating"]
    assert {"200", "400", "403", "404"} <= set(rating["responses"])
