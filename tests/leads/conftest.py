"""Leads made the way the portal makes them: through the services, so events and rollups exist."""

import datetime
import itertools

import pytest
from django.utils import timezone

from leads import services
from leads.models import Criterion, Lead
from tests import factories


@pytest.fixture
def web(db):
    return factories.LeadSourceFactory(code="web", name="Web form")


@pytest.fixture
def new_lead(manager, web):
    """make(**fields): an MQL (or new) lead entered by the manager, with its creation event."""
    numbers = itertools.count(1)

    def make(**fields):
        number = next(numbers)
        fields.setdefault("company", f"Brasserie {number} du Port")
        fields.setdefault("country", "DE")
        fields.setdefault("contact_name", f"Jeanne Martin {number}")
        fields.setdefault("contact_email", f"jeanne{number}@brasserie{number}.example")
        fields.setdefault("contact_phone", f"+49 30 1234 {number:04d}")
        return services.lead_create(
            by=manager,
            source=fields.pop("source", web),
            external_ref=fields.pop("external_ref", f"web-{number:04d}"),
            **fields,
        )

    return make


@pytest.fixture
def criteria(manager):
    """A published criteria version: "budget" (required) and "timing" (optional)."""
    draft = services.criteria_draft(by=manager)
    services.criterion_save(
        criterion=Criterion(version=draft, code="budget", label="Budget confirmed"), by=manager
    )
    services.criterion_save(
        criterion=Criterion(
            version=draft, code="timing", label="Buys within 6 months", required=False
        ),
        by=manager,
    )
    return services.criteria_publish(version=draft, by=manager)


STAGES = ("assigned", "accepted", "dql", "opportunity", "won")


@pytest.fixture
def advance(manager):
    """advance(lead, stage, *, distributor, by): move a pool lead through the services up to
    `stage` (assigned … won) with `distributor`, answered by its partner user `by`.
    Qualifying needs the `criteria` fixture."""

    def move(lead, stage, *, distributor, by=None, value="1000.00"):
        steps = STAGES[: STAGES.index(stage) + 1]
        lead = services.lead_assign(lead=lead, distributor=distributor, by=manager)
        if "accepted" in steps:
            lead = services.lead_accept(lead=lead, by=by)
        if "dql" in steps:
            lead = services.lead_qualify(lead=lead, by=by, answers={"budget": True})
        if "opportunity" in steps:
            lead = services.lead_convert(
                lead=lead,
                by=by,
                value=value,
                expected_close=timezone.localdate() + datetime.timedelta(days=90),
            )
        if "won" in steps:
            lead = services.lead_win(lead=lead, by=by, value=value)
        return Lead.objects.get(pk=lead.pk)

    return move


@pytest.fixture
def snapshot():
    """snapshot(lead): what a refused act must leave as it was, the row and its events."""

    def take(lead):
        lead = Lead.objects.get(pk=lead.pk)
        return (
            lead.status,
            lead.distributor_id,
            lead.owner_id,
            lead.accept_deadline,
            lead.opportunity_value,
            lead.won_value,
            lead.lost_reason,
            lead.closed_at,
            lead.events.count(),
            lead.rejections.count(),
        )

    return take


@pytest.fixture
def funnel_case(
    today,
    time_machine,
    new_lead,
    manager,
    partner,
    outsider,
    distributor,
    other_distributor,
    criteria,
    advance,
):
    """A month of leads counted by hand (June 2026, the clock ends on the 17th).

    acme is handed 10 leads: 6 accepted 3 h later, 2 rejected (no budget, rated 2; not in
    territory, rated 4), 2 left to expire (nobody else fits: escalated). Of the 6 accepted,
    3 become DQL, 2 opportunities, 1 is won. rival is handed 5 and accepts them all.
    """
    acme = [
        services.lead_assign(lead=new_lead(), distributor=distributor, by=manager)
        for _ in range(10)
    ]
    rival = [
        services.lead_assign(lead=new_lead(), distributor=other_distributor, by=manager)
        for _ in range(5)
    ]
    time_machine.shift(datetime.timedelta(hours=3))
    for lead in acme[:6]:
        services.lead_accept(lead=lead, by=partner)
    for lead in rival:
        services.lead_accept(lead=lead, by=outsider)
    services.lead_reject(lead=acme[6], by=partner, rating=2, reason="no_budget")
    services.lead_reject(lead=acme[7], by=partner, rating=4, reason="not_in_territory")
    for lead in acme[:3]:
        services.lead_qualify(lead=lead, by=partner, answers={"budget": True})
    for lead in acme[:2]:
        services.lead_convert(
            lead=lead, by=partner, value="5000", expected_close=datetime.date(2026, 9, 30)
        )
    services.lead_win(lead=acme[0], by=partner, value="4500")
    time_machine.shift(datetime.timedelta(hours=46))
    assert services.leads_deadlines_enforce() == (0, 2)
    return {"acme": acme, "rival": rival}


@pytest.fixture
def peers(manager, distributor, new_lead, funnel_case):
    """Three more distributors in acme's tier, with acceptance rates 25 %, 100 % and 50 %."""
    made = []
    for code, handed, accepted in (("peer-one", 4, 1), ("peer-two", 2, 2), ("peer-three", 2, 1)):
        peer = factories.DistributorFactory(
            code=code, name=f"{code.title()} Handel GmbH", tier=distributor.tier
        )
        user = factories.MembershipFactory(distributor=peer, role="admin").user
        for n in range(handed):
            lead = services.lead_assign(lead=new_lead(), distributor=peer, by=manager)
            if n < accepted:
                services.lead_accept(lead=lead, by=user)
        made.append(peer)
    return made
