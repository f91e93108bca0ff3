"""No mass assignment: a partner (admin or rep) that sends protected fields (distributor, status,
score, rank, owners, who accepted or created) to any resource it may write changes none of them.
Each case re-reads the row from the database."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from rest_framework.test import APIClient

from distributors.models import Distributor, RevenueRecord
from goals.models import Goal
from leads import services as lead_services
from leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db

PROTECTED = {
    "code": "rival-2",
    "distributor": "rival",
    "status": "active",
    "level": "team",
    "score": "99.9",
    "rank": 1,
    "owner": "outsider-test",
    "account_manager": "outsider-test",
    "created_by": "outsider-test",
    "uploaded_by": "outsider-test",
    "proposed_by_side": "manufacturer",
    "manufacturer_accepted_by": "manager-test",
    "partner_accepted_by": "outsider-test",
    "payout": "1000000",
    "final_actual": "1000000",
    "won_value": "1000000",
    "tier": "gold",
}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def row(instance):
    return model_to_dict(type(instance).objects.get(pk=instance.pk))


@pytest.fixture(params=["partner", "colleague"])
def someone(request):
    """The partner admin, then the rep, of acme."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def pumps(distributor):
    line = factories.ProductLineFactory(code="pumps")
    distributor.product_lines.add(line)
    return line


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_partner_changes_nothing_of_its_distributor(
    someone, distributor, other_distributor, method
):
    factories.TierFactory(code="gold")
    before = row(distributor)
    body = {**PROTECTED, "name": "Renamed", "country": "FR", "currency": "USD"}

    response = getattr(api(someone), method)(
        reverse("api:distributor-detail", args=["acme"]), body, format="json"
    )

    assert response.status_code == 403
    assert row(distributor) == before


def test_a_partner_admins_goal_revision_changes_its_terms_and_nothing_else(
    partner, colleague, distributor, other_distributor, outsider, manager, pumps, today
):
    goal = factories.goal_with_landmarks(distributor=distributor, product_line=pumps)
    before = row(goal)

    response = api(partner).patch(
        reverse("api:goal-detail", args=[goal.pk]),
        {**PROTECTED, "title": "Pump revenue of 125,000 EUR in 2026"},
        format="json",
    )

    assert response.status_code == 200, response.content
    after = row(goal)
    assert after.pop("title") == "Pump revenue of 125,000 EUR in 2026"
    before.pop("title")
    assert after == before
    # The rep may not revise at all.
    response = api(colleague).patch(
        reverse("api:goal-detail", args=[goal.pk]), {**PROTECTED, "title": "x"}, format="json"
    )
    assert response.status_code == 403
    assert Goal.objects.get(pk=goal.pk).title == "Pump revenue of 125,000 EUR in 2026"


@pytest.fixture
def acme_lead(manager, distributor, outsider, today):
    distributor.status = Distributor.Status.ACTIVE
    distributor.save()
    lead = lead_services.lead_create(
        by=manager,
        source=factories.LeadSourceFactory(code="web"),
        external_ref="web-1",
        company="Brasserie du Port",
        country="DE",
    )
    return lead_services.lead_assign(lead=lead, distributor=distributor, by=manager)


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_lead_cannot_be_written_directly(someone, acme_lead, other_distributor, method):
    before = row(acme_lead)

    response = getattr(api(someone), method)(
        reverse("api:lead-detail", args=[acme_lead.pk]), PROTECTED, format="json"
    )

    assert response.status_code in (403, 405)
    assert row(acme_lead) == before


def test_accepting_a_lead_ignores_the_protected_fields_sent_with_it(
    someone, acme_lead, other_distributor, outsider
):
    response = api(someone).post(
        reverse("api:lead-accept", args=[acme_lead.pk]), PROTECTED, format="json"
    )

    assert response.status_code == 200, response.content
    lead = Lead.objects.get(pk=acme_lead.pk)
    assert lead.status == Lead.Status.ACCEPTED
    assert lead.distributor.code == "acme"
    assert lead.owner_id in (None, someone.pk)
    assert lead.won_value is None


@pytest.mark.parametrize("method", ["put", "patch"])
def test_revenue_records_cannot_be_rewritten_one_by_one(
    someone, distributor, other_distributor, pumps, method
):
    record = factories.RevenueRecordFactory(distributor=distributor, product_line=pumps)
    before = row(record)

    response = getattr(api(someone), method)(
        reverse("api:revenue-detail", args=[record.pk]),
        {**PROTECTED, "amount": "1"},
        format="json",
    )

    assert response.status_code in (403, 405)
    assert row(RevenueRecord.objects.get(pk=record.pk)) == before


@pytest.mark.parametrize("method", ["put", "patch", "post"])
def test_scorecards_take_no_score_or_rank(someone, distributor, method):
    url = reverse("api:scorecard-detail", args=["acme"])
    if method == "post":
        url = reverse("api:scorecard-list")
    response = getattr(api(someone), method)(url, PROTECTED, format="json")

    assert response.status_code in (403, 405)
