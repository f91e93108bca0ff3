"""The bench's generated lead channel is a world the app could have written: legal lives, statuses
that match the last move, rejections behind every rejection event, rollups that count it all."""

import datetime
import importlib.util
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Sum

from distributors.models import Distributor
from identity.models import Membership
from leads import rollups
from leads.models import Lead, LeadEvent, LeadExclusion, LeadRejection, LeadRollup

pytestmark = [pytest.mark.services, pytest.mark.django_db]

# bench/ is a folder of scripts, not a package (and `bench` here is this test package).
_spec = importlib.util.spec_from_file_location(
    "lead_world", Path(__file__).resolve().parents[2] / "bench" / "lead_world.py"
)
lead_world = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lead_world)

NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)
SCALE = 0.0001  # 40 distributors, 1,000 leads


@pytest.fixture
def world():
    return lead_world.world_build(scale=SCALE, now=NOW, bulk=False, log=lambda *args: None)


def lives():
    """{lead id: [(from, to, distributor id), …]} in the order the moves happened."""
    moves = {}
    for lead_id, from_status, to_status, distributor_id in LeadEvent.objects.order_by(
        "lead_id", "at", "id"
    ).values_list("lead_id", "from_status", "to_status", "distributor_id"):
        moves.setdefault(lead_id, []).append((from_status, to_status, distributor_id))
    return moves


def test_the_world_has_the_sizes_of_its_scale(world):
    distributors, leads = lead_world.sizes(SCALE)
    assert (world.distributors, world.leads) == (distributors, leads) == (40, 1000)
    assert Distributor.objects.filter(code__startswith="L").count() == 40
    assert Lead.objects.count() == 1000
    assert LeadEvent.objects.count() == world.events
    assert Membership.objects.filter(user__username=world.big_partner_username).get().role == (
        "admin"
    )


def test_every_lead_lives_a_legal_life_and_its_status_is_its_last_move(world):
    statuses = dict(Lead.objects.values_list("pk", "status"))
    for lead_id, moves in lives().items():
        assert moves[0][:2] == ("", "mql"), lead_id
        for (_, before, _d), (after_from, after, _d2) in zip(moves, moves[1:], strict=False):
            assert after_from == before, (lead_id, moves)
            assert after in Lead.TRANSITIONS[Lead.Status(before)], (lead_id, moves)
        assert moves[-1][1] == statuses.pop(lead_id), (lead_id, moves)
    assert not statuses  # every lead has its events


def test_a_lead_belongs_to_the_distributor_of_its_last_move(world):
    holders = dict(Lead.objects.values_list("pk", "distributor_id"))
    for lead_id, moves in lives().items():
        status, distributor_id = moves[-1][1], moves[-1][2]
        if status in Lead.OWNED or (status in ("won", "lost") and distributor_id):
            assert holders[lead_id] == distributor_id, (lead_id, moves)
        if status == "mql":
            assert holders[lead_id] is None


def test_the_statuses_are_a_believable_mix(world):
    mix = Counter(Lead.objects.values_list("status", flat=True))
    assert {"accepted", "dql", "opportunity", "won", "lost"} <= set(mix)
    assert mix["won"] < mix["lost"]
    assert Lead.objects.filter(escalated_at__isnull=False, status="mql").exists()


def test_every_rejection_event_has_its_rejection_and_exclusion(world):
    rejected = set(
        LeadEvent.objects.filter(cause="rejected").values_list(
            "lead_id", "distributor_id", "reason"
        )
    )
    assert rejected
    assert set(LeadRejection.objects.values_list("lead_id", "distributor_id", "reason")) == rejected
    excluded = set(LeadExclusion.objects.values_list("lead_id", "distributor_id"))
    assert {(lead, distributor) for lead, distributor, _reason in rejected} <= excluded
    expired = LeadEvent.objects.filter(cause__in=["expired", "escalated"])
    assert expired.filter(late=False).count() == 0
    assert excluded == {(lead, distributor) for lead, distributor, _r in rejected} | set(
        expired.values_list("lead_id", "distributor_id")
    )


def test_answers_carry_their_waiting_time_and_a_lead_waits_no_longer_than_a_late_one(world):
    answers = LeadEvent.objects.filter(to_status="accepted")
    assert answers.exists()
    assert not answers.filter(waited_hours__isnull=True).exists()
    assert answers.filter(late=True).exists()
    assert answers.filter(late=False).exists()


def test_the_rollups_count_the_generated_events_as_the_services_would(world):
    channel = dict(
        LeadRollup.objects.filter(grain=LeadRollup.Grain.CHANNEL_SOURCE)
        .values("stage")
        .annotate(n=Sum("count"))
        .values_list("stage", "n")
    )
    assert channel["mql"] == Lead.objects.count()
    assert channel["assigned"] == LeadEvent.objects.filter(to_status="assigned").count()
    assert channel["won"] == Lead.objects.filter(status="won").count()
    assert channel["rejected"] == LeadRejection.objects.count()
    key = ("grain", "distributor", "month", "source", "stage", "reason", "bucket")
    kept = list(LeadRollup.objects.order_by(*key).values_list(*key, "count", "total", "hours"))
    # Counted again the way the services count their moves: in chunks, added to what is there.
    LeadRollup.objects.all().delete()
    rollups.events_count(LeadEvent.objects.values_list("pk", flat=True))
    assert list(LeadRollup.objects.order_by(*key).values_list(*key, "count", "total", "hours")) == (
        kept
    )


def test_the_world_keeps_every_constraint(world):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred foreign keys, checked now
    assert not Lead.objects.filter(status__in=Lead.OWNED, distributor__isnull=True).exists()


def test_every_won_value_has_a_rate_and_the_rollups_price_it_as_the_leads_do(world):
    from decimal import Decimal

    from drm.periods import MonthRange
    from leads import pricing

    assert world.exchange_rates > 0
    months = MonthRange(first=datetime.date(2000, 1, 1), last=datetime.date(2100, 1, 1))
    from_rollups = pricing.won_values(months=months)
    from_leads = {}
    for distributor_id, *_where, won in pricing.won_lead_values(
        first=months.first, end=months.end, distributor_ids=list(from_rollups)
    ):
        value, leads = from_leads.get(distributor_id, (Decimal(0), 0))
        from_leads[distributor_id] = (value + won.value, leads + won.leads)
        assert won.unpriced == 0
    assert from_rollups and len({won.value for won in from_rollups.values()}) > 1
    assert {d: (won.value, won.leads) for d, won in from_rollups.items()} == from_leads
    assert not Lead.objects.filter(status="won", currency="").exists()
