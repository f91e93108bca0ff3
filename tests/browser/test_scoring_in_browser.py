"""Scoring in a real browser: the manager's dashboard, the ranking and a scorecard draw their
charts; a partner's scorecard draws its radar."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from scoring import services
from scoring.models import ScoringRun
from tests import factories
from tests.browser.test_portal_in_browser import dataset_labels, expect_chart_drawn, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scored_channel(acme):
    """acme and two peers with revenue last month and a published run as of today."""
    # Not frozen: the browser keeps real time.
    today = timezone.localdate()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    factories.ExchangeRateFactory(currency="EUR", month=last_month.replace(year=2020), rate=1)
    tier = factories.TierFactory(code="gold")
    line = factories.ProductLineFactory(code="pumps")
    acme.tier = tier
    acme.save()
    peers = [factories.DistributorFactory(code=c, tier=tier) for c in ("bolt", "zinc")]
    for distributor, amount in ((acme, 12000), (peers[0], 8000), (peers[1], 3000)):
        factories.RevenueRecordFactory(
            distributor=distributor, product_line=line, month=last_month, amount=amount
        )
    factories.InvestmentFactory(distributor=acme, date=last_month, amount=4000, value=4000)
    run = services.scoring_run_trigger(as_of=today)
    services.scoring_run_execute(run.pk)
    assert ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.PUBLISHED


def test_the_manager_sees_the_dashboard_the_ranking_and_a_scorecard_drawn(
    page, manager, distributor
):
    scored_channel(distributor)
    log_in(page, manager)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.locator("#ranked")).to_have_text("3")
    expect_chart_drawn(page, "buckets-chart")

    page.goto("/scoring/rankings/")
    expect(page.locator("#ranking-table tbody tr")).to_have_count(3)
    expect_chart_drawn(page, "buckets-chart")
    page.locator("#ranking-table a", has_text=distributor.name).click()

    expect(page.locator("#metric-table")).to_be_visible()
    expect_chart_drawn(page, "radar-chart")
    expect_chart_drawn(page, "score-chart")
    expect_chart_drawn(page, "rank-chart")


def test_a_partner_sees_its_scorecard_drawn_with_peers_anonymous(page, partner, distributor):
    scored_channel(distributor)
    log_in(page, partner)
    page.goto("/scoring/my/")
    radar = expect_chart_drawn(page, "radar-chart")
    labels = radar.evaluate("c => Chart.getChart(c).data.datasets.map(d => d.label)")
    assert labels == ["You", "Peer median"]
    expect(page.locator("main")).not_to_contain_text("bolt")


@pytest.mark.parametrize(
    ("language", "day", "score"),
    [("en", "%d/%m/%Y", "12.5"), ("en-us", "%m/%d/%Y", "12.5"), ("fr", "%d/%m/%Y", "12,5")],
)
def test_the_score_history_axis_and_tooltips_write_days_and_figures_as_the_reader(
    page, partner, distributor, language, day, score
):
    """The charts carry ISO days ("2026-03-31"); the axis and the tooltip write them, and the
    figures, in the reader's locale: day first in English and French, month first in US English."""
    from identity.models import UserProfile

    scored_channel(distributor)
    UserProfile.objects.create(user=partner, language=language)
    as_of = timezone.localdate()
    # A British browser: "en" stays day first (a US one would make it "en-us").
    page.set_extra_http_headers({"Accept-Language": "en-GB,en;q=0.9"})
    log_in(page, partner)
    page.goto("/scoring/my/")
    canvas = expect_chart_drawn(page, "score-chart")

    ticks = canvas.evaluate("c => Chart.getChart(c).scales.x.ticks.map(t => t.label)")
    assert ticks == [as_of.strftime(day)]
    title, label = canvas.evaluate(
        """c => { const chart = Chart.getChart(c);
                  const callbacks = chart.options.plugins.tooltip.callbacks;
                  const item = { label: chart.data.labels[0], parsed: { y: 12.5 },
                                 dataset: { label: "S" }, raw: 12.5 };
                  return [callbacks.title([item]), callbacks.label(item)]; }"""
    )
    assert title == as_of.strftime(day)
    assert label == f"S: {score}"


def test_a_scorecard_draws_how_sure_each_rate_and_the_rank_are(
    page, manager, distributor, settings
):
    """acme accepted 2 of 2 leads, bolt 160 of 200, zinc 60 of 200: acme's 100 % is drawn
    with its wide interval, pulled toward the peers, and its rank's quartile chances."""
    from distributors.models import Distributor
    from leads.models import LeadRollup

    settings.SCORING_SHRINKAGE_MIN_PEERS = 2
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)

    def leads(who, handed, accepted):
        key = {"grain": LeadRollup.Grain.DISTRIBUTOR, "distributor": who, "month": month}
        LeadRollup.objects.create(**key, stage="assigned", count=handed)
        LeadRollup.objects.create(**key, stage="accepted", count=accepted)

    scored_channel(distributor)
    peers = {d.code: d for d in Distributor.objects.filter(code__in=["bolt", "zinc"])}
    leads(distributor, 2, 2)
    leads(peers["bolt"], 200, 160)
    leads(peers["zinc"], 200, 60)
    run = services.scoring_run_trigger(as_of=timezone.localdate())
    services.scoring_run_execute(run.pk)

    log_in(page, manager)
    page.goto(f"/scoring/distributors/{distributor.code}/")
    rates = expect_chart_drawn(page, "rates-chart")
    assert dataset_labels(rates) == ["Interval (90 %)", "Shrunk estimate", "Raw rate"]
    data = rates.evaluate("c => Chart.getChart(c).data.datasets.map(d => d.data)")
    row = data[2].index(100)  # acme's acceptance: 2 of 2
    (low, high), shrunk, raw = data[0][row], data[1][row], data[2][row]
    assert raw == 100 and low < shrunk < high and shrunk < 100
    quartiles = expect_chart_drawn(page, "quartile-chart")
    assert dataset_labels(quartiles) == ["Top quartile", "Middle half", "Bottom quartile"]
    chances = quartiles.evaluate("c => Chart.getChart(c).data.datasets.map(d => d.data[0])")
    assert abs(sum(chances) - 100) < 0.01
