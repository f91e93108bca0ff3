"""Analytics from the rollups against hand-computed small cases; peers stay anonymous."""

import datetime

import pytest
import time_machine

from leads import analytics, services
from leads.models import CriteriaVersion, Criterion
from tests import factories

pytestmark = pytest.mark.django_db

APRIL = datetime.datetime(2026, 4, 6, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def criteria(db):
    version = CriteriaVersion.objects.create(number=1, published_at=APRIL)
    Criterion.objects.create(version=version, code="budget", label="Budget confirmed")
    return version


def period():
    return analytics.month_range(datetime.date(2026, 4, 1), datetime.date(2026, 5, 1))


def live(distributor, manager, partner, *, handed, accepted, rejected=(), dql=0, won=0, hours=2):
    """`handed` leads handed to `distributor` in April; the first `accepted` accepted after
    `hours`; then `rejected` (reasons) rejected; `dql` of the accepted qualified, `won` won."""
    source = factories.LeadSourceFactory(code="fair", name="Spring fair")
    with time_machine.travel(APRIL, tick=False) as clock:
        leads = []
        for _n in range(handed):
            lead = factories.LeadFactory(source=source)
            services.lead_assign(lead=lead, distributor=distributor, by=manager)
            leads.append(lead)
        clock.shift(datetime.timedelta(hours=hours))
        taken = [services.lead_accept(lead=lead, by=partner) for lead in leads[:accepted]]
        for lead, reason in zip(leads[accepted:], rejected, strict=False):
            services.lead_reject(lead=lead, by=partner, rating=2, reason=reason)
        qualified = [
            services.lead_qualify(lead=lead, by=partner, answers={"budget": True})
            for lead in taken[:dql]
        ]
        for lead in qualified[:won]:
            lead = services.lead_convert(
                lead=lead, by=partner, value="1000", expected_close=datetime.date(2026, 6, 1)
            )
            services.lead_win(lead=lead, by=partner, value="900")
    return leads


def test_a_distributors_funnel_counts_and_rates_match_a_hand_computed_case(
    manager, partner, distributor, criteria
):
    live(
        distributor,
        manager,
        partner,
        handed=10,
        accepted=6,
        rejected=["no_budget", "no_budget", "spam"],
        dql=3,
        won=1,
    )
    funnel = analytics.funnel(period=period(), distributor=distributor)
    counts = [(step["key"], step["count"]) for step in funnel["steps"]]
    assert counts == [
        ("handed_over", 10),
        ("accepted", 6),
        ("dql", 3),
        ("opportunity", 1),
        ("won", 1),
    ]
    rates = funnel["rates"]
    assert rates["acceptance"] == pytest.approx(0.6)
    assert rates["qualification"] == pytest.approx(0.5)
    assert rates["rejection"] == pytest.approx(0.3)
    assert rates["overall"] == pytest.approx(0.1)
    assert rates["late"] == 0
    assert funnel["steps"][1]["rate"] == pytest.approx(0.6)
    # All six waited 2 h: the 2–4 h bucket, read by interpolation in it.
    assert funnel["median_accept_hours"] == pytest.approx(3.0)
    assert funnel["mean_accept_hours"] == pytest.approx(2.0)
    assert funnel["average_rejection_rating"] == pytest.approx(2.0)
    reasons = analytics.reasons(period=period(), distributor=distributor)
    assert [(r["reason"], r["count"]) for r in reasons] == [("no_budget", 2), ("spam", 1)]
    assert reasons[0]["share"] == pytest.approx(2 / 3)


def test_the_source_yield_is_dql_of_handed_over_with_the_main_rejection_reason(
    manager, partner, distributor, criteria
):
    live(distributor, manager, partner, handed=4, accepted=2, rejected=["no_need"], dql=1)
    (row,) = analytics.source_yield(period=period(), distributor=distributor)
    assert (row["source"], row["assigned"], row["dql"], row["rejected"]) == ("fair", 4, 1, 1)
    assert row["dql_yield"] == pytest.approx(0.25)
    assert row["top_reason"] == "no_need"


def test_a_rate_without_a_denominator_is_no_data_not_zero(distributor):
    funnel = analytics.funnel(period=period(), distributor=distributor)
    assert funnel["rates"]["acceptance"] is None
    assert funnel["median_accept_hours"] is None
    assert [step["count"] for step in funnel["steps"]] == [0, 0, 0, 0, 0]


def test_the_trend_gives_one_value_per_month_of_the_period(manager, partner, distributor, criteria):
    live(distributor, manager, partner, handed=3, accepted=2)
    trend = analytics.trend(period=period(), distributor=distributor)
    assert trend["months"] == ["2026-04", "2026-05"]
    assert trend["first"] == [3, 0]
    assert trend["accepted"] == [2, 0]
    assert trend["acceptance"][0] == pytest.approx(2 / 3)
    assert trend["acceptance"][1] is None


def test_peers_give_the_median_and_percentile_of_the_tier_without_names(
    manager, partner, distributor, criteria
):
    """acme accepts 6 of 10; three peers of its tier accept 2, 5 and 9 of 10."""
    live(distributor, manager, partner, handed=10, accepted=6)
    for code, accepted in (("peer-a", 2), ("peer-b", 5), ("peer-c", 9)):
        peer = factories.DistributorFactory(code=code, tier=distributor.tier)
        admin = factories.MembershipFactory(distributor=peer, role="admin").user
        live(peer, manager, admin, handed=10, accepted=accepted)
    outside = factories.DistributorFactory(code="other-tier")  # another tier: not a peer
    live(
        outside,
        manager,
        factories.MembershipFactory(distributor=outside).user,
        handed=10,
        accepted=10,
    )

    rows = {row["key"]: row for row in analytics.peers(period=period(), distributor=distributor)}
    acceptance = rows["acceptance"]
    assert acceptance["value"] == pytest.approx(0.6)
    assert acceptance["peers"] == 4  # acme and its three peers
    assert acceptance["peer_median"] == pytest.approx((0.5 + 0.6) / 2)
    assert acceptance["percentile"] == pytest.approx(75.0)  # at least as good as 3 of 4
    assert "peer-a" not in str(rows) and "other-tier" not in str(rows)
    assert rows["qualification"]["value"] == 0  # accepted some, qualified none: a real zero
    assert rows["win"]["value"] is None  # no opportunity to win or lose: no data


def test_the_channel_funnel_starts_with_the_mqls_that_entered_the_pool(manager, distributor):
    source = factories.LeadSourceFactory(code="web")
    with time_machine.travel(APRIL, tick=False):
        for n in range(3):
            lead = services.lead_create(
                by=manager, source=source, external_ref=f"W-{n}", company="X", country="DE"
            )
        services.lead_assign(lead=lead, distributor=distributor, by=manager)
    funnel = analytics.funnel(period=period())
    assert funnel["steps"][0]["count"] == 3
    assert funnel["counts"]["assigned"] == 1


def test_the_distributor_table_ranks_by_acceptance_and_leaves_out_the_quiet(
    manager, partner, distributor
):
    live(distributor, manager, partner, handed=6, accepted=3)
    busy = factories.DistributorFactory(code="busy", tier=distributor.tier)
    live(busy, manager, factories.MembershipFactory(distributor=busy).user, handed=5, accepted=5)
    quiet = factories.DistributorFactory(code="quiet", tier=distributor.tier)
    live(quiet, manager, factories.MembershipFactory(distributor=quiet).user, handed=1, accepted=1)
    rows = analytics.distributor_table(period=period(), minimum=5)
    assert [(row["code"], row["acceptance"]) for row in rows] == [("busy", 1.0), ("acme", 0.5)]


def test_the_dashboard_ranking_agrees_with_the_full_table(manager, partner, distributor):
    live(distributor, manager, partner, handed=6, accepted=3)
    for code, handed, accepted in (("busy", 5, 5), ("slow", 8, 1), ("mid", 5, 4), ("tiny", 2, 2)):
        other = factories.DistributorFactory(code=code, tier=distributor.tier)
        admin = factories.MembershipFactory(distributor=other).user
        live(other, manager, admin, handed=handed, accepted=accepted)
    best, worst, ranked = analytics.distributor_ranking(period=period(), minimum=5, size=2)
    table = analytics.distributor_table(period=period(), minimum=5)
    assert ranked == len(table) == 4
    assert [row["code"] for row in best] == ["busy", "mid"]
    assert [row["code"] for row in worst] == ["slow", "acme"]
    assert best == table[:2]
    assert worst[0]["median_accept_hours"] == table[-1]["median_accept_hours"]


def test_a_channel_without_leads_ranks_nobody(db):
    assert analytics.distributor_ranking(period=period()) == ([], [], 0)


def test_a_funnels_month_counts_are_that_months_own_funnel(manager, partner, distributor, criteria):
    live(distributor, manager, partner, handed=5, accepted=3, rejected=["spam"], dql=1)
    with time_machine.travel(APRIL + datetime.timedelta(days=30), tick=False):  # in May
        lead = factories.LeadFactory()
        services.lead_assign(lead=lead, distributor=distributor, by=manager)
        services.lead_accept(lead=lead, by=partner)
    both = analytics.funnel(
        period=period(), distributor=distributor, month=datetime.date(2026, 5, 1)
    )
    may = analytics.funnel(
        period=analytics.month_range(datetime.date(2026, 5, 1), datetime.date(2026, 5, 1)),
        distributor=distributor,
    )
    in_may = {stage: n for stage, n in both["month_counts"].items() if n}
    assert in_may == {stage: n for stage, n in may["counts"].items() if n}
    assert both["month_counts"]["accepted"] == 1
    assert both["counts"]["accepted"] == 4  # the period's own counts are untouched
    assert analytics.funnel(period=period(), distributor=distributor)["month_counts"] is None
