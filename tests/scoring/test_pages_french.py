"""Scoring in French: the pages, the metric names and their explanations, the API's errors."""

import datetime
import html

import pytest
from django.urls import reverse

from distributors.revenue_epoch import revenue_changed
from leads import services as lead_services
from tests import factories
from tests.scoring.conftest import run_now


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


@pytest.mark.django_db
def test_the_run_its_dates_and_what_changed_since_read_in_french(
    client, manager, partner, scored, time_machine
):
    time_machine.shift(datetime.timedelta(hours=1))
    revenue_changed()
    client.cookies["django_language"] = "fr"
    client.force_login(manager)
    for url in (reverse("scoring:dashboard"), reverse("scoring:rankings")):
        page = html.unescape(client.get(url).content.decode())
        assert "à la date du 15/06/2026, sur les 12 mois complets juin 2025 – mai 2026" in page
        assert "Le chiffre d'affaires a changé depuis ce calcul." in page
        assert "Relancer la notation" in page
    dashboard = client.get(reverse("scoring:dashboard")).content.decode()
    assert "Accepté, le réseau, juin 2025 – mai 2026" in dashboard
    assert "Conversion MQL → DQL, le réseau" in dashboard
    client.force_login(partner)
    page = html.unescape(client.get(reverse("scoring:scorecard", args=["acme"])).content.decode())
    assert "Le chiffre d'affaires a changé depuis ce calcul." in page
    assert "Le prochain calcul de notation en tiendra compte." in page
    assert "Relancer la notation" not in page


@pytest.mark.django_db
def test_a_lead_rate_on_the_scorecard_names_its_denominator_in_french(
    client, partner, page_channel, manager, distributor, time_machine
):
    lead = factories.LeadFactory()
    lead_services.lead_assign(lead=lead, distributor=distributor, by=manager)
    lead_services.lead_accept(lead=lead, by=partner)
    time_machine.shift(datetime.timedelta(days=17))  # 2 July: June is a complete month
    run_now(as_of=datetime.date(2026, 7, 2))
    client.force_login(partner)
    client.cookies["django_language"] = "fr"
    page = html.unescape(client.get(reverse("scoring:scorecard", args=["acme"])).content.decode())
    assert "100\u00a0% des leads confiés" in page  # accepted, of handed over
    assert "l'entonnoir sur ces mois" in page
