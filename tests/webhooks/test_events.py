"""The services emit their events explicitly, with the distributor they concern and data a
partner of that distributor may see (drm/events.py)."""

import datetime
import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from distributors import services as distributor_services
from drm import events
from funds import services as funds_services
from goals import services as goals_services
from leads import services as leads_services
from scoring import services as scoring_services
from tests import factories
from tests.funds.factories import FundFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def emitted(monkeypatch):
    """Every event emitted during the test: [(type, distributor id, data)]."""
    seen = []
    monkeypatch.setattr(events, "_SINKS", [lambda *event: seen.append(event)])
    return seen


def types(emitted):
    return [event_type for event_type, _distributor, _data in emitted]


def test_a_lead_assigned_accepted_and_rejected_is_told_with_its_distributor(
    emitted, manager, partner, distributor
):
    kept, refused = factories.LeadFactory(), factories.LeadFactory()
    for lead in (kept, refused):
        leads_services.lead_assign(lead=lead, distributor=distributor, by=manager)
    leads_services.lead_accept(lead=kept, by=partner)
    leads_services.lead_reject(lead=refused, by=partner, rating=2, reason="no_budget")

    assert types(emitted) == ["lead.assigned", "lead.assigned", "lead.accepted", "lead.rejected"]
    assert {distributor_id for _type, distributor_id, _data in emitted} == {distributor.pk}
    rejected = emitted[-1][2]
    assert rejected["status"] == "rejected" and rejected["distributor"] == "acme"
    assert "contact" not in json.dumps([data for *_rest, data in emitted])


def test_a_lead_past_its_deadline_is_told_as_expired_to_the_distributor_that_had_it(
    emitted, manager, distributor
):
    lead = factories.LeadFactory()
    leads_services.lead_assign(lead=lead, distributor=distributor, by=manager)
    emitted.clear()

    later = timezone.now() + datetime.timedelta(days=30)
    leads_services.lead_expire(lead_id=lead.pk, now=later)

    assert emitted[0][:2] == ("lead.expired", distributor.pk)
    assert emitted[0][2]["status"] == "expired"


def test_a_goal_agreed_and_a_review_opened_are_told(emitted, today, manager, partner, distributor):
    goal = factories.goal_with_landmarks(
        distributor=distributor,
        status="proposed",
        proposed_by_side="manufacturer",
        manufacturer_accepted_by=manager,
        manufacturer_accepted_at=timezone.now(),
    )
    goals_services.goal_accept(goal=goal, by=partner)
    goals_services.reviews_open_due(today=today)

    assert types(emitted)[0] == "goal.agreed" and "review.opened" in types(emitted)
    agreed = emitted[0][2]
    assert agreed["goal_id"] == goal.pk and agreed["distributor"] == "acme"
    assert {distributor_id for _type, distributor_id, _data in emitted} == {distributor.pk}
    assert "explanation" not in json.dumps([data for *_rest, data in emitted])


def test_a_fund_request_decided_is_told_with_its_amounts(
    emitted, today, manager, partner, distributor
):
    fund = FundFactory()
    funds_services.allocation_set(
        fund=fund, distributor=distributor, amount=Decimal("20000"), by=manager
    )
    request = funds_services.request_submit(
        by=partner, fund=fund, activity_type="trade_show", title="Fair",
        start=today + datetime.timedelta(days=10), end=today + datetime.timedelta(days=11),
        planned_cost=Decimal("2000"),
    )  # fmt: skip
    funds_services.request_approve(request=request, by=manager)

    (decided,) = [event for event in emitted if event[0] == "fund_request.decided"]
    assert decided[1] == distributor.pk
    assert decided[2]["status"] == "approved" and decided[2]["approved_amount"] is not None


def test_an_import_is_its_distributors_event_when_a_partner_uploads_it(
    emitted, partner, distributor
):
    factories.ProductLineFactory(code="pumps")
    content = b"distributor,month,product_line,amount\nacme,2026-01,pumps,10\n"
    batch = distributor_services.import_batch_create(
        user=partner, kind="revenue", uploaded_file=SimpleUploadedFile("f.csv", content)
    )
    distributor_services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    distributor_services.import_batch_request_commit(batch=batch, by=partner)
    distributor_services.import_batch_commit(batch_id=batch.pk)

    (committed,) = [event for event in emitted if event[0] == "import.committed"]
    assert committed[1] == distributor.pk
    assert committed[2]["created"] == 1 and committed[2]["distributor"] == "acme"


def test_an_unknown_event_type_is_a_programming_error():
    with pytest.raises(LookupError):
        events.emit("lead.stolen", distributor_id=None, data={})


def test_a_published_scoring_run_is_a_channel_event(emitted, today, distributor):
    run = scoring_services.scoring_run_trigger(as_of=today)
    scoring_services.scoring_run_execute(run.pk)

    (published,) = [event for event in emitted if event[0] == "scorecard.published"]
    assert published[1] is None
    assert published[2]["run_id"] == run.pk and published[2]["as_of"] == today.isoformat()
