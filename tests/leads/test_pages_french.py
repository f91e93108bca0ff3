"""Leads in French: pages, figures, forms' errors, the API's errors and the e-mailed notices."""

import pytest
from django.urls import reverse

from identity.services import user_language_set
from leads import services
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def french_partner(partner):
    user_language_set(user=partner, language="fr")
    return partner


@pytest.fixture
def offered(manager, distributor):
    lead = factories.LeadFactory(company="Brasserie du Port", contact_email="chef@port.example")
    return services.lead_assign(lead=lead, distributor=distributor, by=manager)


def test_the_inbox_and_the_lead_page_speak_french(login, french_partner, offered):
    client = login(french_partner)
    inbox = client.get(reverse("leads:inbox")).content.decode()
    assert "Mes leads" in inbox
    assert "attend votre réponse" in inbox or "attendent votre réponse" in inbox
    page = client.get(reverse("leads:detail", args=[offered.pk])).content.decode()
    assert "Les coordonnées s'affichent dès que votre distributeur accepte le lead." in page
    assert "Hors de notre territoire" in page  # a rejection reason of the form
    assert "chef@port.example" not in page
    assert "Accept the lead" not in page


def test_a_refused_rejection_is_explained_in_french(login, french_partner, offered):
    response = login(french_partner).post(
        reverse("leads:reject", args=[offered.pk]), {"rating": "3", "reason": "other"}
    )
    assert response.status_code == 400
    assert "Précisez pourquoi dans le commentaire" in response.content.decode()


def test_the_analytics_write_rates_the_french_way(login, french_partner, manager, offered):
    services.lead_accept(lead=offered, by=french_partner)
    page = login(french_partner).get(reverse("leads:analytics")).content.decode()
    assert "Pourquoi les leads sont refusés" in page
    # Each rate names what it is of: accepted of handed over.
    assert 'data-rate="acceptance">100\u00a0% des leads confiés</div>' in page
    assert "Réponse tardive ou absente\u00a0: 0\u00a0% des leads confiés" in page


def test_the_channels_funnel_names_each_denominator_in_french(login, manager, distributor):
    for number in range(2):
        lead = services.lead_create(
            by=manager,
            source=factories.LeadSourceFactory(code="web"),
            external_ref=f"W-{number}",
            company="Brasserie",
            country="FR",
        )
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    client = login(manager)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("leads:analytics")).content.decode()
    assert 'data-rate="handover">50\u00a0% des MQL</div>' in page
    assert 'data-rate="acceptance">0\u00a0% des leads confiés</div>' in page
    assert 'data-rate="qualification">–</div>' in page  # nothing accepted: no rate, not 0 %


def test_the_api_names_an_illegal_move_in_french(token_client, partner, offered):
    client = token_client(partner)
    client.post(f"/api/v1/leads/{offered.pk}/accept/")
    response = client.post(f"/api/v1/leads/{offered.pk}/accept/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        "Un lead ne peut pas passer de Accepté à Accepté."
    )


def test_a_french_partner_is_told_of_new_leads_in_french(french_partner, manager, distributor):
    ids = [factories.LeadFactory().pk, factories.LeadFactory().pk]
    services.leads_bulk_assign(lead_ids=ids, distributor=distributor, by=manager)
    services.notices.leads_assigned_notify({distributor.pk: ids})
    notice = Notification.objects.filter(recipient=french_partner, kind="lead_assigned").last()
    assert notice.subject.startswith("2 ")
    assert "leads" in notice.subject and "attend" in notice.subject
