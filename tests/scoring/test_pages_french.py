"""Scoring in French: the pages, the metric names and their explanations, the API's errors."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_a_french_partner_reads_its_scorecard_in_french(client, partner, scored):
    client.force_login(partner)
    client.cookies["django_language"] = "fr"
    page = client.get(
        reverse("scoring:scorecard", args=["acme"]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Fiche de performance" in page
    assert "Chiffre d'affaires, 12 mois glissants" in page or "12 mois glissants" in page
    assert "Médiane des pairs" in page or "médiane des pairs" in page


@pytest.mark.django_db
def test_the_rankings_page_is_in_french(client, manager, scored):
    client.force_login(manager)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("scoring:rankings"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Classement" in page


@pytest.mark.django_db
def test_a_second_run_is_refused_in_french_over_the_api(token_client, manager, scored):
    client = token_client(manager)
    client.post(reverse("api:scoring-run-list"), {}, format="json")
    refused = client.post(
        reverse("api:scoring-run-list"), {}, format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert refused.status_code == 409
    assert "déjà en cours" in refused.json()["error"]["message"]
