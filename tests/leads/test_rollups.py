"""Rollups: what the services add equals a recount from the events, and a direct count of leads."""

import datetime

import pytest
import time_machine
from django.db.models import Count, DateField, Sum
from django.db.models.functions import TruncMonth

from leads import rollups, services
from leads.models import Lead, LeadEvent, LeadRejection, LeadRollup
from tests import factories

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        LeadRollup.objects.filter(count__gt=0).values_list(
            "grain", "distributor_id", "month", "source_id", "stage", "reason", "bucket", "count"
        )
    )


@pytest.fixture
def busy_channel(manager, partner, outsider, distributor, other_distributor):
    """Leads over two months through every move, by two distributors."""
    web = factories.LeadSourceFactory(code="web")
    fair = factories.LeadSourceFactory(code="fair")
    for tier in (distributor.tier, other_distributor.tier):
        tier.accept_hours = 24
        tier.save()
    with time_machine.travel(datetime.datetime(2026, 4, 28, 9, 0, tzinfo=datetime.UTC)) as clock:
        leads = [factories.LeadFactory(source=web if n % 2 else fair) for n in range(8)]
        for lead in leads[:6]:
            services.lead_assign(lead=lead, distributor=distributor, by=manager)
        for lead in leads[6:]:
            services.lead_assign(lead=lead, distributor=other_distributor, by=manager)
        clock.shift(datetime.timedelta(hours=3))
        services.lead_accept(lead=leads[0], by=partner)
        services.lead_accept(lead=leads[1], by=partner)
        services.lead_reject(lead=leads[2], by=partner, rating=2, reason="no_budget")
        services.lead_reject(lead=leads[3], by=partner, rating=1, reason="not_in_territory")
        services.lead_accept(lead=leads[6], by=outsider)
        clock.shift(datetime.timedelta(days=5))  # into May: leads[4], [5], [7] are overdue
        services.lead_accept(lead=leads[4], by=partner)  # late
        services.leads_deadlines_enforce()
    return leads


def test_the_rollups_the_services_keep_equal_a_recount_from_the_events(busy_channel):
    kept = snapshot()
    assert kept
    rollups.rollups_rebuild()
    assert snapshot() == kept


def test_the_rollups_equal_a_direct_count_of_events_per_distributor_and_month(
    busy_channel, distributor
):
    direct = {
        (row["month"], row["to_status"]): row["n"]
        for row in LeadEvent.objects.filter(distributor=distributor)
        .annotate(month=TruncMonth("at", output_field=DateField()))
        .values("month", "to_status")
        .annotate(n=Count("id"))
    }
    rolled = {
        (row["month"], row["stage"]): row["n"]
        for row in LeadRollup.objects.filter(
            grain=LeadRollup.Grain.DISTRIBUTOR, distributor=distributor
        )
        .values("month", "stage")
        .annotate(n=Sum("count"))
    }
    april, may = datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)
    assert rolled[(april, "assigned")] == direct[(april, "assigned")] == 6
    assert rolled[(april, "accepted")] == direct[(april, "accepted")] == 2
    assert rolled[(may, "accepted")] == direct[(may, "accepted")] == 1
    assert rolled[(april, "rejected")] == 2
    assert rolled[(may, "late")] == 2  # one accepted late, one expired
    assert rolled[(may, "expired")] == 1
    rejections = LeadRejection.objects.filter(distributor=distributor).count()
    assert rolled[(april, "rejected")] == rejections


def test_the_channel_grain_counts_every_distributor_and_the_pool(busy_channel):
    channel = {
        row["stage"]: row["n"]
        for row in LeadRollup.objects.filter(grain=LeadRollup.Grain.CHANNEL_SOURCE)
        .values("stage")
        .annotate(n=Sum("count"))
    }
    assert channel["assigned"] == LeadEvent.objects.filter(to_status="assigned").count()
    assert channel["accepted"] == Lead.objects.filter(status="accepted").count() == 4
    assert channel["rejected"] == LeadRejection.objects.count() == 2


def test_time_to_accept_lands_in_its_bucket(busy_channel, distributor):
    buckets = dict(
        LeadRollup.objects.filter(
            grain=LeadRollup.Grain.DISTRIBUTOR, distributor=distributor, stage="accept_time"
        ).values_list("bucket", "count")
    )
    # Two accepted after 3 hours (bucket 2–4 h), one after 5 days + 3 h (bucket 120–168 h).
    assert buckets == {rollups.BUCKETS.index(2): 2, rollups.BUCKETS.index(120): 1}
    assert rollups.median_hours(buckets) == pytest.approx(3.5)


def test_median_hours_of_an_empty_histogram_is_none():
    assert rollups.median_hours({}) is None


def test_a_rebuild_of_an_empty_channel_leaves_no_rows(db):
    assert rollups.rollups_rebuild() == 0


def test_the_rebuild_command_repairs_rollups_that_were_tampered_with(busy_channel):
    from io import StringIO

    from django.core.management import call_command

    kept = snapshot()
    LeadRollup.objects.filter(stage="accepted").update(count=99)
    LeadRollup.objects.filter(stage="assigned").delete()
    out = StringIO()
    call_command("lead_rollups_rebuild", stdout=out)
    assert snapshot() == kept
    assert "rollup rows" in out.getvalue()


def test_a_won_lead_adds_its_won_value_to_the_won_rollup(manager, partner, distributor):
    factories.criteria_version_with_items()
    lead = factories.LeadFactory(source=factories.LeadSourceFactory(code="web"))
    services.lead_assign(lead=lead, distributor=distributor, by=manager)
    services.lead_accept(lead=lead, by=partner)
    lead = services.lead_qualify(lead=lead, by=partner, answers={"budget": True, "timeline": True})
    lead = services.lead_convert(
        lead=lead, by=partner, value="9000", expected_close=datetime.date(2026, 12, 31)
    )
    services.lead_win(lead=lead, by=partner, value="8500")
    won = LeadRollup.objects.get(grain=LeadRollup.Grain.DISTRIBUTOR, stage="won")
    assert (won.count, won.total) == (1, 8500)
    before = won.total
    rollups.rollups_rebuild()
    assert LeadRollup.objects.get(grain=LeadRollup.Grain.DISTRIBUTOR, stage="won").total == before
