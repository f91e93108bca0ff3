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
