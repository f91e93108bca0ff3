"""Per-distributor analytics read months that no longer change from a cache: the figures equal a
count over the rollups, a move in the running month shows at once, and a rebuild is never hidden."""

import datetime

import pytest
from django.db.models import Sum

from leads import analytics, rollups, services
from leads.models import Lead, LeadRollup, Stage
from tests import factories

pytestmark = pytest.mark.django_db


def counted(period):
    """{distributor id: (counts, histogram, hours, rating total)} summed row by row."""
    per = {}
    rows = LeadRollup.objects.filter(grain=LeadRollup.Grain.DISTRIBUTOR, **period.month_filter())
    for row in rows.values("distributor", "stage", "bucket").annotate(
        n=Sum("count"), t=Sum("total"), h=Sum("hours")
    ):
        counts, histogram, hours, rating = per.setdefault(
            row["distributor"], ({}, {}, [0.0], [0.0])
        )
        if row["stage"] == Stage.ACCEPT_TIME:
            histogram[row["bucket"]] = histogram.get(row["bucket"], 0) + row["n"]
            continue
        counts[row["stage"]] = counts.get(row["stage"], 0) + row["n"]
        if row["stage"] == Stage.ACCEPTED:
            hours[0] += row["h"]
        if row["stage"] == Stage.REJECTED:
            rating[0] += float(row["t"])
    return {pk: (c, h, hours[0], rating[0]) for pk, (c, h, hours, rating) in per.items()}


def figures(period, distributors=None):
    return {
        pk: (f.counts, f.histogram, f.hours, f.rating_total)
        for pk, f in analytics._per_distributor(period, distributors).items()
    }


@pytest.fixture
def channel(time_machine, manager, partner, outsider, distributor, other_distributor):
    """Moves in April and May; the clock then stops on 15 June (April and May are settled)."""
    for tier in (distributor.tier, other_distributor.tier):
        tier.accept_hours = 24
        tier.save()
    time_machine.move_to(datetime.datetime(2026, 4, 28, 9, 0, tzinfo=datetime.UTC), tick=False)
    leads = [factories.LeadFactory() for _ in range(6)]
    for lead in leads[:4]:
        services.lead_assign(lead=lead, distributor=distributor, by=manager)
    for lead in leads[4:]:
        services.lead_assign(lead=lead, distributor=other_distributor, by=manager)
    time_machine.move_to(datetime.datetime(2026, 4, 28, 12, 0, tzinfo=datetime.UTC), tick=False)
    services.lead_accept(lead=leads[0], by=partner)
    services.lead_reject(lead=leads[1], by=partner, rating=2, reason="no_budget")
    services.lead_accept(lead=leads[4], by=outsider)
    time_machine.move_to(datetime.datetime(2026, 5, 6, 9, 0, tzinfo=datetime.UTC), tick=False)
    services.lead_accept(lead=leads[2], by=partner)  # late
    time_machine.move_to(datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC), tick=False)
    return leads


def test_the_figures_of_settled_and_running_months_equal_a_count_of_the_rollups(
    channel, distributor, manager, partner
):
    period = analytics.month_range(datetime.date(2026, 1, 1), datetime.date(2026, 6, 1))
    assert figures(period) == counted(period)
    assert figures(period) == counted(period)  # again, from the cache
    june = services.lead_assign(lead=factories.LeadFactory(), distributor=distributor, by=manager)
    services.lead_accept(lead=june, by=partner)
    assert figures(period) == counted(period)
    assert figures(period)[distributor.pk][0][Stage.ASSIGNED] == 5


def test_a_peer_cohort_keeps_to_its_members(channel, distributor, other_distributor):
    period = analytics.month_range(datetime.date(2026, 4, 1), datetime.date(2026, 6, 1))
    members = type(distributor).objects.filter(pk=distributor.pk).values("pk")
    assert figures(period, members) == {distributor.pk: counted(period)[distributor.pk]}


def test_a_rebuild_after_a_settled_month_changed_shows_through_the_cache(channel, distributor):
    period = analytics.month_range(datetime.date(2026, 4, 1), datetime.date(2026, 5, 1))
    table = analytics.distributor_table(period=period)
    assert {row["code"]: row["assigned"] for row in table} == {"acme": 4, "rival": 2}
    Lead.objects.filter(pk=channel[5].pk).delete()  # its April events go with it
    rollups.rollups_rebuild()
    table = analytics.distributor_table(period=period)
    assert {row["code"]: row["assigned"] for row in table} == {"acme": 4, "rival": 1}
