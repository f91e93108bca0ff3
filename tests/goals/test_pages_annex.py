import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from goals.annex import annex_pdf
from tests import factories

pytestmark = pytest.mark.django_db


def text_of(pdf):
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def agreed(today, distributor, manager, partner):
    return factories.agreed_goal(
        manager, partner, distributor=distributor, subtitle="Pump revenue 2026", exciting="Leader"
    )


def test_manager_downloads_the_annex_with_goals_and_bonus_bands(login, manager, agreed):
    response = login(manager).get(reverse("goals:annex", args=["acme", 2026]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="annex-acme-2026.pdf"'
    text = text_of(response.content)
    assert "Pump revenue 2026" in text and "Bonus bands" in text
    # The fixed bonus in the distributor's currency, as the goal page writes it.
    assert "€5,000" in text and "10% of the revenue above target" in text
    assert "manager-test" in text and "partner-test" in text


def test_partner_downloads_its_own_annex(login, partner, colleague, agreed):
    assert login(partner).get(reverse("goals:annex", args=["acme", 2026])).status_code == 200
    assert login(colleague).get(reverse("goals:annex", args=["acme", 2026])).status_code == 200


def test_outsider_gets_404(login, outsider, agreed):
    assert login(outsider).get(reverse("goals:annex", args=["acme", 2026])).status_code == 404


def test_no_agreed_goal_that_year_is_a_clear_404(login, manager, agreed):
    response = login(manager).get(reverse("goals:annex", args=["acme", 2027]))
    assert response.status_code == 404
    assert "no goal agreed by both sides for 2027" in response.content.decode()


def test_a_draft_goal_is_not_in_the_annex(login, manager, agreed, distributor):
    factories.GoalFactory(distributor=distributor, subtitle="Draft valves")
    text = text_of(login(manager).get(reverse("goals:annex", args=["acme", 2026])).content)
    assert "Draft valves" not in text


def test_the_annex_speaks_the_distributors_language(agreed, distributor):
    distributor.language = "fr"
    distributor.save()
    text = text_of(annex_pdf(distributor=distributor, year=2026))
    assert "Pump revenue 2026" in text
    assert "31 décembre 2026" in text
    for heading in ("Annexe au contrat", "Jalons", "Paliers de prime"):
        assert heading in text
    assert "Bonus bands" not in text


def test_the_annex_is_in_french_for_a_french_distributor_whoever_downloads_it(
    login, manager, agreed, distributor
):
    distributor.language = "fr"
    distributor.save()
    response = login(manager).get(reverse("goals:annex", args=["acme", 2026]))
    text = text_of(response.content)
    assert "Paliers de prime" in text and "Jalons" in text
