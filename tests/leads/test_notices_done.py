"""A lead notice that asks for an act is done once anyone does it: the partner admins' answer
(accept, reject), a withdrawal, an expiry, an escalated lead placed or closed, a registration
decided, criteria acknowledged; the badge drops. Nobody is told of their own act."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from leads import services
from leads.models import Lead
from notifications.models import Notification
from tests import factories
from tests.notifications.badge import unread_badge

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(distributor):
    return factories.MembershipFactory(
        user=factories.UserFactory(username="second-admin"), distributor=distributor, role="admin"
    ).user


@pytest.fixture
def assigned(manager, distributor, django_capture_on_commit_callbacks):
    """assign(*leads): hand the leads to acme by hand, its admins told after the commit."""

    def assign(*leads, to=None):
        with django_capture_on_commit_callbacks(execute=True):
            services.leads_bulk_assign(
                lead_ids=[lead.pk for lead in leads], distributor=to or distributor, by=manager
            )
        return [Lead.objects.get(pk=lead.pk) for lead in leads]

    return assign


def asked(user, kind):
    return Notification.objects.get(recipient=user, kind=kind)


def test_accepting_a_lead_marks_every_admins_notice_done(login, assigned, partner, second_admin):
    (lead,) = assigned(factories.LeadFactory())
    theirs = login(second_admin)
    assert unread_badge(theirs) == 1

    services.lead_accept(lead=lead, by=partner)

    assert unread_badge(theirs) == 0
    assert unread_badge(login(partner)) == 0
    assert asked(second_admin, "lead_assigned").done_at is not None


def test_rejecting_a_lead_marks_its_notice_done(login, assigned, partner):
    (lead,) = assigned(factories.LeadFactory())
    client = login(partner)
    assert unread_badge(client) == 1

    services.lead_reject(lead=lead, by=partner, rating=2, reason="no_need")

    assert unread_badge(client) == 0


def test_a_notice_for_two_leads_is_done_once_both_are_answered(login, assigned, partner):
    first, second = assigned(factories.LeadFactory(), factories.LeadFactory())
    client = login(partner)

    services.lead_accept(lead=first, by=partner)
    assert unread_badge(client) == 1
    assert asked(partner, "lead_assigned").pending_acts == [f"lead:{second.pk}:answer"]

    services.lead_reject(lead=second, by=partner, rating=1, reason="no_need")
    assert unread_badge(client) == 0


def test_a_lead_withdrawn_and_handed_to_another_distributor_leaves_the_first_done_only(
    login, assigned, partner, outsider, other_distributor
):
    (lead,) = assigned(factories.LeadFactory())

    assigned(lead, to=other_distributor)

    assert unread_badge(login(partner)) == 0
    assert unread_badge(login(outsider)) == 1
    assert asked(outsider, "lead_assigned").done_at is None


def test_an_expired_lead_leaves_the_first_distributors_notice_done(
    login, manager, partner, outsider, distributor, other_distributor
):
    for dealer in (distributor, other_distributor):
        dealer.tier.accept_hours = 24
        dealer.tier.save()
        dealer.territories.add(factories.TerritoryFactory(country="DE", region=""))
    lead = factories.LeadFactory(country="DE")
    start = timezone.now()
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    services.notices.leads_assigned_notify({distributor.pk: [lead.pk]})

    with time_machine.travel(start + datetime.timedelta(hours=25)):
        services.leads_deadlines_enforce()

    assert asked(partner, "lead_assigned").done_at is not None
    assert asked(outsider, "lead_assigned").done_at is None  # the new one waits for rival
    assert unread_badge(login(partner)) == 1  # only "taken back", which asks for nothing
    assert asked(partner, "lead_taken_back").pending_acts == []


@pytest.fixture
def escalated(manager, distributor):
    """A lead nobody accepted in time, in the pool with the manager told."""
    distributor.account_manager = manager
    distributor.save()
    lead = factories.LeadFactory(status=Lead.Status.MQL, escalated_at=timezone.now())
    services.notices.leads_escalated_notify({distributor.pk: [lead.pk]})
    return lead


def test_assigning_an_escalated_lead_by_hand_marks_the_managers_notice_done(
    login, escalated, manager, distributor
):
    client = login(manager)
    assert unread_badge(client) == 1

    services.lead_assign(lead=escalated, distributor=distributor, by=manager)

    assert unread_badge(client) == 0
    assert asked(manager, "lead_escalated").done_at is not None


def test_closing_an_escalated_lead_marks_the_managers_notice_done(login, escalated, manager):
    services.lead_lose(lead=escalated, by=manager, reason="not_qualified")

    assert unread_badge(login(manager)) == 0


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_deciding_a_registered_deal_marks_the_managers_notice_done(
    login, manager, partner, distributor, decision, django_capture_on_commit_callbacks
):
    distributor.account_manager = manager
    distributor.save()
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.deal_register(
            by=partner, company="Brasserie du Port", country="fr", contact_email="chef@port.fr"
        )
    client = login(manager)
    assert unread_badge(client) == 1

    with django_capture_on_commit_callbacks(execute=True):
        if decision == "approve":
            services.deal_approve(registration=registration, by=manager)
        else:
            services.deal_decline(registration=registration, by=manager, note="A duplicate.")

    assert unread_badge(client) == 0
    # The partner hears of the decision (it asks nothing); the manager of nothing of its own.
    assert asked(partner, "deal_decided").pending_acts == []
    assert not Notification.objects.filter(recipient=manager, kind="deal_decided").exists()


def test_one_admin_acknowledging_the_criteria_marks_its_colleagues_notice_done_not_a_rivals(
    login,
    manager,
    partner,
    second_admin,
    outsider,
    criteria,
    django_capture_on_commit_callbacks,
):
    services.notices.criteria_published_notify(criteria)
    assert unread_badge(login(second_admin)) == 1

    services.criteria_acknowledge(version=criteria, by=partner)

    assert unread_badge(login(second_admin)) == 0
    assert unread_badge(login(partner)) == 0
    assert unread_badge(login(outsider)) == 1


def test_a_manager_who_assigns_a_lead_is_not_told_of_the_assignment(assigned, manager, partner):
    assigned(factories.LeadFactory())

    assert not Notification.objects.filter(recipient=manager).exists()
    assert asked(partner, "lead_assigned").recipient == partner


def test_the_assigner_is_never_among_those_told_even_as_one_of_the_recipients(
    partner, second_admin, distributor
):
    lead = factories.LeadFactory()
    services.notices.leads_assigned_notify({distributor.pk: [lead.pk]}, actor=partner)

    told = Notification.objects.filter(kind="lead_assigned")
    assert list(told.values_list("recipient", flat=True)) == [second_admin.pk]
