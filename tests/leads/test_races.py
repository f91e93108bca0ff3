"""Concurrent acts on Postgres: no update is lost, no lead has two owners, no deadlock."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from drm.errors import NotAllowed, ValidationFailed
from leads import rollups, services
from leads.models import Lead, LeadEvent, LeadRollup, OutcomePush, RoutingDecision
from leads.outcomes import lead_outcomes_push
from tests import factories

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def race(*acts):
    """Run the acts at the same instant in threads; {name: "done" | error class name}."""
    start = threading.Barrier(len(acts))
    outcomes = {}

    def run(name, act):
        start.wait()
        try:
            act()
            outcomes[name] = "done"
        except (NotAllowed, ValidationFailed) as exc:
            outcomes[name] = type(exc).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=act) for act in acts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == len(acts), "an act hung"
    return outcomes


def owner_chain_is_consistent(lead):
    """The lead's distributor is the one its last hand-over names, and every hand-over after
    the first follows a return to the pool."""
    lead.refresh_from_db()
    moves = list(
        LeadEvent.objects.filter(lead=lead)
        .order_by("at", "id")
        .values_list("from_status", "to_status", "distributor_id")
    )
    for previous, current in zip(moves, moves[1:], strict=False):
        assert previous[1] == current[0], moves  # each event starts where the previous ended
    assert moves[-1][1] == lead.status
    if lead.status in Lead.OWNED:
        last_handover = [m for m in moves if m[1] == "assigned"][-1]
        assert lead.distributor_id == last_handover[2]
    return moves


@pytest.fixture
def overdue_lead(manager, distributor, other_distributor):
    for d in (distributor, other_distributor):
        d.territories.add(factories.TerritoryFactory(country="DE", region=""))
    lead = factories.LeadFactory(country="DE")
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    Lead.objects.filter(pk=lead.pk).update(
        accept_deadline=timezone.now() - datetime.timedelta(minutes=1)
    )
    return lead


@pytest.mark.parametrize("attempt", range(4))
def test_a_partner_accepting_while_the_deadline_job_reassigns_leaves_one_owner(
    overdue_lead, partner, distributor, other_distributor, attempt
):
    outcomes = race(
        ("accept", lambda: services.lead_accept(lead=overdue_lead, by=partner)),
        ("expire", lambda: services.lead_expire(lead_id=overdue_lead.pk)),
    )
    moves = owner_chain_is_consistent(overdue_lead)
    if outcomes["accept"] == "done":
        assert (overdue_lead.status, overdue_lead.distributor) == ("accepted", distributor)
        assert [m[1] for m in moves] == ["assigned", "accepted"]
    else:
        assert outcomes["accept"] == "NotAllowed"
        assert (overdue_lead.status, overdue_lead.distributor) == ("assigned", other_distributor)
        assert [m[1] for m in moves] == ["assigned", "mql", "assigned"]
    rolled = sum(
        LeadRollup.objects.filter(grain=0, stage__in=["accepted", "expired"]).values_list(
            "count", flat=True
        )
    )
    assert rolled == 1  # either the acceptance or the expiry was counted, once


def test_two_managers_assigning_at_once_both_land_in_order_and_one_owns_it(
    manager, distributor, other_distributor
):
    second_manager = factories.ManagerFactory(username="second-manager")
    lead = factories.LeadFactory()
    outcomes = race(
        ("first", lambda: services.lead_assign(lead=lead, distributor=distributor, by=manager)),
        (
            "second",
            lambda: services.lead_assign(
                lead=lead, distributor=other_distributor, by=second_manager
            ),
        ),
    )
    assert outcomes == {"first": "done", "second": "done"}
    moves = owner_chain_is_consistent(lead)
    assert [m[1] for m in moves] == ["assigned", "mql", "assigned"]
    assert RoutingDecision.objects.filter(lead=lead).count() == 2
    assert lead.distributor_id == RoutingDecision.objects.filter(lead=lead).first().distributor_id


def test_two_bulk_assignments_of_overlapping_leads_do_not_deadlock(
    manager, distributor, other_distributor
):
    leads = [factories.LeadFactory() for _ in range(30)]
    ids = [lead.pk for lead in leads]
    outcomes = race(
        (
            "forward",
            lambda: services.leads_bulk_assign(lead_ids=ids, distributor=distributor, by=manager),
        ),
        (
            "backward",
            lambda: services.leads_bulk_assign(
                lead_ids=list(reversed(ids)), distributor=other_distributor, by=manager
            ),
        ),
    )
    assert outcomes == {"forward": "done", "backward": "done"}
    owners = set(Lead.objects.filter(pk__in=ids).values_list("distributor_id", flat=True))
    assert len(owners) == 1  # the later transaction took them all, in one piece
    for lead in leads:
        owner_chain_is_consistent(lead)


def test_concurrent_moves_never_lose_a_rollup_increment(manager, partner, distributor):
    leads = [factories.LeadFactory() for _ in range(12)]
    for lead in leads:
        services.lead_assign(lead=lead, distributor=distributor, by=manager)
    acts = [
        (f"accept-{lead.pk}", lambda lead=lead: services.lead_accept(lead=lead, by=partner))
        for lead in leads
    ]
    assert set(race(*acts).values()) == {"done"}
    kept = sorted(LeadRollup.objects.values_list("grain", "month", "stage", "bucket", "count"))
    rollups.rollups_rebuild()
    assert (
        sorted(LeadRollup.objects.values_list("grain", "month", "stage", "bucket", "count")) == kept
    )


@pytest.mark.parametrize("attempt", range(3))
def test_the_same_outcome_pushed_twice_at_once_moves_the_lead_once(
    manager, distributor, partner, attempt
):
    lead = services.lead_assign(
        lead=factories.LeadFactory(country="DE"), distributor=distributor, by=manager
    )
    item = {"lead": lead.pk, "stage": "accepted", "event_id": "crm-1"}
    answers = {}

    def push(name):
        return lambda: answers.update({name: lead_outcomes_push(by=partner, items=[item])[0]})

    race(("one", push("one")), ("two", push("two")))
    assert sorted(answer["result"] for answer in answers.values()) == ["applied", "unchanged"]
    assert LeadEvent.objects.filter(lead=lead, to_status="accepted").count() == 1
    assert OutcomePush.objects.filter(lead=lead).count() == 1
