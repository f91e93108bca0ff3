"""Goals in French: the SMART check explains itself, and the pages speak, in French."""

import pytest
from django.urls import reverse

from tests import factories


@pytest.mark.django_db
def test_the_api_check_refuses_vague_french_wording_with_a_french_reason(
    token_client, manager, distributor
):
    response = token_client(manager).post(
        reverse("api:goal-check"),
        {
            "level": "distributor",
            "distributor": "acme",
            "subtitle": "Être leader",
            "metric": "revenue",
        },
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["verdict"] == "refused"
    specific = [r for r in body["reasons"] if r["check"] == "vague_wording"]
    assert specific and specific[0]["letter"] == "specific"
    assert "est un souhait, pas un objectif" in specific[0]["message"]
    assert "Être leader" in specific[0]["message"]


@pytest.mark.django_db
def test_the_api_check_names_what_is_missing_in_french(token_client, manager, distributor):
    response = token_client(manager).post(
        reverse("api:goal-check"),
        {"level": "distributor", "distributor": "acme", "subtitle": "CA de 10 000 EUR"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    reasons = response.json()["reasons"]
    assert {r["letter"] for r in reasons} >= {"specific", "measurable"}
    assert any("cible" in r["message"].lower() for r in reasons if r["letter"] == "measurable")


@pytest.mark.django_db
def test_the_goals_list_is_in_french_for_a_french_reader(client, manager, distributor):
    factories.GoalFactory(distributor=distributor, subtitle="Objectif pompes 120 000 EUR")
    client.force_login(manager)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("goals:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Objectif pompes 120 000 EUR" in page
    assert "Brouillon" in page  # the draft's status
    assert "Objectifs" in page
