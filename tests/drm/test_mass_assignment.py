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
        {**PROTECTED, "subtitle": "Pumps through the southern dealers"},
        format="json",
    )

    assert response.status_code == 200, response.content
    after = row(goal)
    assert after.pop("subtitle") == "Pumps through the southern dealers"
    before.pop("subtitle")
    assert after == before
    # The rep may not revise at all.
    response = api(colleague).patch(
        reverse("api:goal-detail", args=[goal.pk]), {**PROTECTED, "subtitle": "x"}, format="json"
    )
    assert response.status_code == 403
    assert Goal.objects.get(pk=goal.pk).subtitle == "Pumps through the southern dealers"


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


def test_a_partner_admin_invites_only_reps_of_its_own_distributor(
    client, partner, distributor, other_distributor, django_capture_on_commit_callbacks
):
    from identity.models import Membership

    client.force_login(partner)
    with django_capture_on_commit_callbacks():
        response = client.post(
            reverse("distributors:user-invite"),
            {
                "email": "new.rep@acme.example",
                "first_name": "New",
                "last_name": "Rep",
                "distributor": "rival",
                "role": "admin",
                "is_staff": "on",
                "is_superuser": "on",
            },
        )

    assert response.status_code == 302
    membership = Membership.objects.select_related("user").get(user__email="new.rep@acme.example")
    assert (membership.distributor.code, membership.role) == ("acme", "rep")
    assert not (membership.user.is_staff or membership.user.is_superuser)


def test_accounting_for_a_review_ignores_who_and_where(
    partner, distributor, other_distributor, manager, pumps, today
):
    goal = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    review = factories.LandmarkReviewFactory(landmark=goal.landmarks.order_by("date").first())
    other_goal = factories.goal_with_landmarks(distributor=other_distributor, status="active")
    measured = (review.outcome, review.actual, review.landmark_id)

    response = api(partner).post(
        reverse("api:landmark-review-account", args=[review.pk]),
        {
            **PROTECTED,
            "goal": other_goal.pk,
            "landmark": other_goal.landmarks.first().pk,
            "outcome": "on_track",
            "actual": "999999",
            "closed_by": "manager-test",
            "acknowledged_by": "manager-test",
            "accounted_by": "manager-test",
            "cause": "competition",
            "explanation": "A rival cut prices.",
        },
        format="json",
    )

    assert response.status_code == 200, response.content
    review.refresh_from_db()
    assert review.landmark.goal_id == goal.pk
    assert review.accounted_by_id == partner.pk
    # A partner admin's own accounting counts as acknowledged by it; never by the manager sent.
    assert review.closed_by_id is None and review.acknowledged_by_id == partner.pk
    assert (review.outcome, review.actual, review.landmark_id) == measured


def test_a_goals_co_setting_acts_ignore_who_and_where(
    partner, distributor, other_distributor, outsider, manager, pumps, today
):
    goal = factories.goal_with_landmarks(distributor=distributor, product_line=pumps)
    kept = ("distributor", "level", "owner", "manufacturer_accepted_by", "payout", "final_actual")
    before = {name: row(goal)[name] for name in kept}

    response = api(partner).post(
        reverse("api:goal-propose", args=[goal.pk]), PROTECTED, format="json"
    )

    assert response.status_code == 200, response.content
    assert Goal.objects.get(pk=goal.pk).status == "proposed"
    assert {name: row(goal)[name] for name in kept} == before


def test_rating_a_material_is_always_by_the_caller_for_its_own_distributor(
    someone, distributor, other_distributor, outsider
):
    from leads.models import MaterialFeedback

    material = factories.MaterialFactory()
    response = api(someone).post(
        reverse("api:material-rate", args=[material.pk]),
        {**PROTECTED, "rating": 4, "by": outsider.pk, "material": 0, "stage": "won"},
        format="json",
    )

    assert response.status_code == 200, response.content
    feedback = MaterialFeedback.objects.get()
    assert (feedback.by_id, feedback.distributor_id) == (someone.pk, distributor.pk)


def test_the_profile_page_changes_the_language_and_nothing_else(client, someone, distributor):
    client.force_login(someone)
    before = row(someone)

    response = client.post(
        reverse("identity:profile"),
        {"language": "fr", "is_staff": "on", "is_superuser": "on", "username": "boss"},
    )

    assert response.status_code == 302
    assert row(someone) == before
