"""The lead's life after acceptance, the deadline job, deal registration and bulk acts."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from drm.errors import NotAllowed, ValidationFailed
from leads import services
from leads.models import (
    CriteriaVersion,
    Criterion,
    DealRegistration,
    Lead,
    LeadEvent,
    LeadExclusion,
    LeadQualification,
    RoutingDecision,
)
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def criteria(db):
    version = CriteriaVersion.objects.create(number=1, published_at=timezone.now())
    Criterion.objects.create(version=version, code="budget", label="Budget confirmed")
    Criterion.objects.create(version=version, code="maker", label="Decision maker known")
    Criterion.objects.create(
        version=version, code="six_months", label="Purchase within 6 months", required=False
    )
    return version


@pytest.fixture
def accepted(manager, partner, distributor):
    lead = factories.LeadFactory(estimated_value="12000.00", currency="EUR")
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    return services.lead_accept(lead=lead, by=partner)


def test_a_lead_is_dql_only_when_the_required_criteria_hold(accepted, partner, criteria):
    with pytest.raises(ValidationFailed) as error:
        services.lead_qualify(lead=accepted, by=partner, answers={"budget": True})
    assert error.value.field == "answers"
    assert "Decision maker known" in error.value.message
    assert Lead.objects.get(pk=accepted.pk).status == Lead.Status.ACCEPTED
    assert not LeadQualification.objects.exists()
    lead = services.lead_qualify(lead=accepted, by=partner, answers={"budget": True, "maker": True})
    assert lead.status == Lead.Status.DQL
    qualification = LeadQualification.objects.get()
    assert qualification.version == criteria
    assert qualification.answers == {"budget": True, "maker": True, "six_months": False}


def test_qualifying_against_unknown_criteria_is_refused(accepted, partner, criteria):
    with pytest.raises(ValidationFailed) as error:
        services.lead_qualify(
            lead=accepted, by=partner, answers={"budget": True, "maker": True, "vibes": True}
        )
    assert "vibes" in error.value.message


def test_without_published_criteria_nothing_qualifies(accepted, partner):
    with pytest.raises(ValidationFailed):
        services.lead_qualify(lead=accepted, by=partner, answers={})


def test_an_opportunity_is_won_or_lost_with_its_value_or_reason(accepted, partner, criteria, today):
    lead = services.lead_qualify(lead=accepted, by=partner, answers={"budget": 1, "maker": 1})
    lead = services.lead_convert(
        lead=lead, by=partner, value="15000", expected_close=today + datetime.timedelta(days=30)
    )
    assert (lead.status, lead.opportunity_value) == (Lead.Status.OPPORTUNITY, 15000)
    with pytest.raises(ValidationFailed) as error:
        services.lead_win(lead=lead, by=partner, value="-3")
    assert error.value.field == "value"
    lead = services.lead_win(lead=lead, by=partner, value="14250.50")
    assert (lead.status, str(lead.won_value)) == (Lead.Status.WON, "14250.50")
    assert lead.closed_at is not None
    with pytest.raises(ValidationFailed):
        services.lead_lose(lead=lead, by=partner, reason="price")


def test_a_loss_needs_a_reason_and_an_explanation_for_other(accepted, partner):
    with pytest.raises(ValidationFailed):
        services.lead_lose(lead=accepted, by=partner, reason="bored")
    with pytest.raises(ValidationFailed) as error:
        services.lead_lose(lead=accepted, by=partner, reason="other")
    assert error.value.field == "note"
    lead = services.lead_lose(lead=accepted, by=partner, reason="competitor", note="Went to X")
    assert (lead.status, lead.lost_reason) == (Lead.Status.LOST, "competitor")
    event = LeadEvent.objects.filter(lead=lead).last()
    assert (event.to_status, event.reason, event.note) == ("lost", "competitor", "Went to X")


def test_a_partner_cannot_close_a_lead_in_the_pool_but_a_manager_can(manager, partner):
    lead = factories.LeadFactory()
    with pytest.raises(NotAllowed):
        services.lead_lose(lead=lead, by=partner, reason="price")
    lead = services.lead_lose(lead=lead, by=manager, reason="not_qualified")
    assert lead.status == Lead.Status.LOST


def test_a_rep_works_leads_nobody_or_itself_works_but_not_another_reps(
    accepted, partner, colleague, distributor
):
    other_rep = factories.MembershipFactory(distributor=distributor, role="rep").user
    lead = services.lead_hand_to_rep(lead=accepted, rep=other_rep, by=partner)
    with pytest.raises(NotAllowed):
        services.lead_lose(lead=lead, by=colleague, reason="price")
    with pytest.raises(NotAllowed):
        services.lead_hand_to_rep(lead=lead, rep=colleague, by=colleague)
    assert Lead.objects.get(pk=lead.pk).owner == other_rep
    lead = services.lead_hand_to_rep(lead=lead, rep=colleague, by=partner)
    services.lead_lose(lead=lead, by=colleague, reason="timing")


# --- the accept deadline -------------------------------------------------------------------


@pytest.fixture
def two_dealers(manager, distributor, other_distributor):
    for d in (distributor, other_distributor):
        d.tier.accept_hours = 24
        d.tier.save()
        d.territories.add(factories.TerritoryFactory(country="DE", region=""))
    return distributor, other_distributor


def test_an_overdue_lead_goes_to_the_next_candidate_and_both_sides_are_told(
    two_dealers, manager, partner, outsider
):
    acme, rival = two_dealers
    lead = factories.LeadFactory(country="DE")
    start = timezone.now()
    services.lead_assign(lead=lead, distributor=acme, by=manager)
    Notification.objects.all().delete()
    with time_machine.travel(start + datetime.timedelta(hours=25)):
        rerouted, escalated = services.leads_deadlines_enforce()
    assert (rerouted, escalated) == (1, 0)
    lead.refresh_from_db()
    assert (lead.status, lead.distributor) == (Lead.Status.ASSIGNED, rival)
    assert LeadExclusion.objects.get(lead=lead).cause == "expired"
    moves = list(
        LeadEvent.objects.filter(lead=lead).values_list("to_status", "cause", "late", "distributor")
    )
    assert moves[-2:] == [
        ("mql", "expired", True, acme.pk),
        ("assigned", "routed", False, rival.pk),
    ]
    assert RoutingDecision.objects.filter(lead=lead, mode="deadline", distributor=rival).exists()
    told = set(Notification.objects.values_list("recipient__username", "kind"))
    assert ("partner-test", "lead_taken_back") in told
    assert ("outsider-test", "lead_assigned") in told


def test_with_nobody_left_the_lead_is_escalated_to_the_account_manager(
    two_dealers, manager, partner, outsider
):
    acme, rival = two_dealers
    acme.account_manager = manager
    acme.save()
    lead = factories.LeadFactory(country="DE")
    services.lead_assign(lead=lead, distributor=acme, by=manager)
    services.lead_reject(lead=Lead.objects.get(pk=lead.pk), by=partner, rating=2, reason="no_need")
    start = timezone.now()
    services.lead_assign(lead=Lead.objects.get(pk=lead.pk), distributor=rival, by=manager)
    Notification.objects.all().delete()
    with time_machine.travel(start + datetime.timedelta(hours=25)):
        assert services.leads_deadlines_enforce() == (0, 1)
    lead.refresh_from_db()
    assert (lead.status, lead.distributor) == (Lead.Status.MQL, None)
    assert lead.escalated_at is not None
    assert LeadEvent.objects.filter(lead=lead).last().cause == "escalated"
    assert Notification.objects.filter(recipient=manager, kind="lead_escalated").exists()


def test_the_deadline_job_leaves_a_lead_accepted_in_time_alone(two_dealers, manager, partner):
    acme, _rival = two_dealers
    lead = factories.LeadFactory(country="DE")
    start = timezone.now()
    services.lead_assign(lead=lead, distributor=acme, by=manager)
    services.lead_accept(lead=Lead.objects.get(pk=lead.pk), by=partner)
    with time_machine.travel(start + datetime.timedelta(hours=48)):
        assert services.leads_deadlines_enforce() == (0, 0)
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.ACCEPTED


def test_running_the_deadline_job_twice_changes_nothing_more(two_dealers, manager):
    acme, _rival = two_dealers
    lead = factories.LeadFactory(country="DE")
    start = timezone.now()
    services.lead_assign(lead=lead, distributor=acme, by=manager)
    with time_machine.travel(start + datetime.timedelta(hours=25)):
        services.leads_deadlines_enforce()
        events = LeadEvent.objects.count()
        assert services.leads_deadlines_enforce() == (0, 0)
        assert LeadEvent.objects.count() == events


def test_a_lead_accepted_after_its_deadline_counts_as_late(two_dealers, manager, partner):
    acme, _rival = two_dealers
    lead = factories.LeadFactory(country="DE")
    start = timezone.now()
    services.lead_assign(lead=lead, distributor=acme, by=manager)
    with time_machine.travel(start + datetime.timedelta(hours=30)):
        services.lead_accept(lead=Lead.objects.get(pk=lead.pk), by=partner)
    event = LeadEvent.objects.filter(lead=lead).last()
    assert event.late is True
    assert event.waited_hours == pytest.approx(30, abs=0.1)


# --- deal registration ----------------------------------------------------------------------


def test_a_registered_deal_waits_and_managers_are_told(
    partner, manager, distributor, django_capture_on_commit_callbacks
):
    distributor.account_manager = manager
    distributor.save()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.deal_register(
            by=partner, company="Brasserie du Port", country="fr", contact_email="chef@port.fr"
        )
    assert registration.status == DealRegistration.Status.PENDING
    assert (registration.lead.status, registration.lead.country) == (Lead.Status.NEW, "FR")
    assert registration.lead.source.kind == "partner"
    assert Notification.objects.filter(recipient=manager, kind="deal_registered").exists()


def test_an_approved_deal_is_the_partners_accepted_lead(
    partner, manager, distributor, django_capture_on_commit_callbacks
):
    registration = services.deal_register(by=partner, company="Brasserie", country="FR")
    with django_capture_on_commit_callbacks(execute=True):
        services.deal_approve(registration=registration, by=manager, note="Yours")
    lead = Lead.objects.get(pk=registration.lead_id)
    assert (lead.status, lead.distributor, lead.owner) == (
        Lead.Status.ACCEPTED,
        distributor,
        partner,
    )
    assert Notification.objects.filter(recipient=partner, kind="deal_decided").exists()
    with pytest.raises(ValidationFailed):
        services.deal_decline(registration=registration, by=manager, note="Changed my mind")


def test_a_declined_deal_is_lost_and_the_decline_needs_a_note(partner, manager):
    registration = services.deal_register(by=partner, company="Brasserie", country="FR")
    with pytest.raises(ValidationFailed):
        services.deal_decline(registration=registration, by=manager, note=" ")
    services.deal_decline(registration=registration, by=manager, note="We sell to them directly")
    lead = Lead.objects.get(pk=registration.lead_id)
    assert (lead.status, lead.lost_reason) == (Lead.Status.LOST, "registration_declined")


def test_only_partners_register_and_only_managers_decide(partner, manager, colleague):
    with pytest.raises(NotAllowed):
        services.deal_register(by=manager, company="X", country="FR")
    registration = services.deal_register(by=colleague, company="Rep's find", country="FR")
    with pytest.raises(NotAllowed):
        services.deal_approve(registration=registration, by=partner)
    assert DealRegistration.objects.get().status == "pending"


def test_a_registration_with_a_bad_country_creates_nothing(partner):
    with pytest.raises(ValidationFailed) as error:
        services.deal_register(by=partner, company="Brasserie", country="XX")
    assert error.value.field == "country"
    assert not Lead.objects.exists()


# --- bulk acts --------------------------------------------------------------------------------


def test_a_bulk_assignment_skips_and_names_the_leads_that_cannot_go(manager, partner, distributor):
    leads = [factories.LeadFactory() for _ in range(3)]
    services.lead_assign(lead=leads[0], distributor=distributor, by=manager)
    services.lead_reject(lead=Lead.objects.get(pk=leads[0].pk), by=partner, rating=1, reason="spam")
    closed = services.lead_lose(lead=leads[2], by=manager, reason="not_qualified")
    assigned, skipped = services.leads_bulk_assign(
        lead_ids=[lead.pk for lead in leads], distributor=distributor, by=manager
    )
    assert assigned == 1
    assert [lead_id for lead_id, _why in skipped] == [leads[0].pk, closed.pk]
    assert Lead.objects.get(pk=leads[1].pk).distributor == distributor
    assert Lead.objects.get(pk=leads[0].pk).distributor is None


def test_a_manager_enters_a_lead_once_per_source_and_reference(manager):
    source = factories.LeadSourceFactory(code="fair")
    services.lead_create(by=manager, source=source, external_ref="A-1", company="X", country="de")
    with pytest.raises(ValidationFailed) as error:
        services.lead_create(
            by=manager, source=source, external_ref="A-1", company="Y", country="DE"
        )
    assert error.value.field == "external_ref"
    with pytest.raises(ValidationFailed) as error:
        services.lead_create(
            by=manager, source=source, external_ref="A-2", company="Y", country="ZZ"
        )
    assert error.value.field == "country"
    assert Lead.objects.count() == 1


def test_assigning_a_new_lead_by_hand_qualifies_it_on_the_way(manager, distributor):
    lead = factories.LeadFactory(status=Lead.Status.NEW)
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    moves = list(LeadEvent.objects.filter(lead=lead).values_list("from_status", "to_status"))
    assert moves == [("new", "mql"), ("mql", "assigned")]


def test_a_registered_deal_cannot_be_assigned_before_the_decision(
    manager, partner, other_distributor
):
    registration = services.deal_register(by=partner, company="Brasserie", country="FR")
    with pytest.raises(ValidationFailed) as error:
        services.lead_assign(lead=registration.lead, distributor=other_distributor, by=manager)
    assert "registration" in error.value.message
    assert Lead.objects.get(pk=registration.lead_id).status == Lead.Status.NEW


def test_a_deal_of_a_distributor_no_longer_active_cannot_be_approved(partner, manager, distributor):
    registration = services.deal_register(by=partner, company="Brasserie", country="FR")
    distributor.status = "terminated"
    distributor.save()
    with pytest.raises(ValidationFailed):
        services.deal_approve(registration=registration, by=manager)
    assert DealRegistration.objects.get().status == "pending"
    assert Lead.objects.get(pk=registration.lead_id).status == Lead.Status.NEW
