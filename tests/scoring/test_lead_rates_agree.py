"""One lead rate, one definition (leads.rates): for any lead counts, the channel's funnel, the
distributor rows, the partner's funnel, the funnel API, the scorecard page and API, the lead
goals and the dashboard's headline give every rate as the same numerator ÷ the same denominator,
written with the same denominator's name; and the dashboard's headline lead figures are those of
the funnel page they link to."""

import datetime
import re
from decimal import Decimal

import pytest
from babel.numbers import format_percent
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goals.metrics import metric_get as goal_metric_get
from leads import rollups
from leads.models import LeadRollup, Stage
from leads.rates import rate_get
from scoring.metrics import metric_get
from tests import factories
from tests.scoring.conftest import run_now

pytestmark = pytest.mark.django_db

ANALYTICS = reverse("leads:analytics")
FUNNEL_API = reverse("api:funnel")
DASHBOARD = reverse("scoring:dashboard")
MAY = datetime.date(2026, 5, 1)  # in the window of a run as of 15 June: 2025-06 .. 2026-05
MONTHS = {"start": "2025-06", "end": "2026-05"}
G = LeadRollup.Grain


@st.composite
def lead_counts(draw):
    """A month's counts of one distributor, each stage at most the one it comes from."""
    handed = draw(st.integers(0, 40))
    accepted = draw(st.integers(0, handed))
    dql = draw(st.integers(0, accepted))
    opportunity = draw(st.integers(0, dql))
    return {
        Stage.MQL: draw(st.integers(handed, 60)),
        Stage.ASSIGNED: handed,
        Stage.ACCEPTED: accepted,
        Stage.REJECTED: draw(st.integers(0, handed - accepted)),
        Stage.LATE: draw(st.integers(0, handed)),
        Stage.DQL: dql,
        Stage.OPPORTUNITY: opportunity,
        Stage.WON: draw(st.integers(0, opportunity)),
    }


def write_rollups(distributor, source, counts):
    """The month's rollups at the three grains, as the lifecycle services would keep them for
    a channel of one distributor and one source."""
    rows = []
    for grain, owner, origin in (
        (G.DISTRIBUTOR_SOURCE, distributor, source),
        (G.DISTRIBUTOR, distributor, None),
        (G.CHANNEL_SOURCE, None, source),
    ):
        for stage, count in counts.items():
            if count and not (stage == Stage.MQL and owner is not None):
                rows.append(
                    LeadRollup(
                        grain=grain,
                        distributor=owner,
                        source=origin,
                        month=MAY,
                        stage=stage,
                        count=count,
                    )
                )
    LeadRollup.objects.bulk_create(rows)
    rollups._epoch_renew()  # analytics keep settled months under the rollups' epoch


def written(numerator, denominator, words, locale="en"):
    """How a page writes numerator ÷ denominator: "66% of handed over"; "–" without a
    denominator."""
    if not denominator:
        return "–"
    return f"{format_percent(Decimal(numerator) / Decimal(denominator), locale=locale)} {words}"


def cell(page, pattern):
    found = re.search(pattern, page, flags=re.S)
    assert found, pattern
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def kpi_rate(page, key):
    return cell(page, rf'class="small funnel-rate" data-rate="{key}">(.*?)</div>')


def scorecard_value(page, metric):
    return cell(page, rf'<tr data-metric="{metric}">.*?<td class="text-end value">(.*?)</td>')


@pytest.fixture
def channel(today, distributor, partner, manager):
    distributor.tier = factories.TierFactory(code="gold")
    distributor.save(update_fields=["tier"])
    return {"source": factories.LeadSourceFactory(code="web", name="Web form")}


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(counts=lead_counts())
def test_every_surface_gives_each_rate_as_the_same_division_named_the_same(
    counts, channel, distributor, partner, manager, login, token_client
):
    with transaction.atomic():
        write_rollups(distributor, channel["source"], counts)
        run_now()
        count = counts.get

        def expected(key):
            rate = rate_get(key)
            numerator, denominator = rate.counts(counts)
            return numerator, denominator, written(numerator, denominator, rate.of_words)

        acceptance, qualification, conversion = (
            expected(key) for key in ("acceptance", "qualification", "dql_conversion")
        )
        assert acceptance[2].endswith(("of handed over", "–"))

        # The partner's funnel, and a manager's view of the same distributor.
        own = login(partner).get(ANALYTICS, MONTHS).content.decode()
        assert kpi_rate(own, "acceptance") == acceptance[2]
        assert kpi_rate(own, "qualification") == qualification[2]
        assert 'data-step="mql"' not in own  # a distributor's funnel starts handed over
        managed = login(manager).get(ANALYTICS, {**MONTHS, "distributor": "acme"})
        assert kpi_rate(managed.content.decode(), "acceptance") == acceptance[2]

        # The channel's funnel (one distributor: the same counts) and its distributor rows.
        whole = login(manager).get(ANALYTICS, MONTHS).content.decode()
        assert kpi_rate(whole, "acceptance") == acceptance[2]
        assert kpi_rate(whole, "handover") == written(
            count(Stage.ASSIGNED), count(Stage.MQL), "of MQLs"
        )
        if count(Stage.ASSIGNED) >= 5:  # the rows list distributors with 5 leads or more
            ranking = whole[whole.index('id="ranking"') :]
            assert (
                cell(ranking, r'<td class="text-end" data-rate="acceptance">(.*?)</td>')
                == (acceptance[2])
            )
        if any(counts.values()):  # the per-source table lists the sources with leads
            yields = whole[whole.index('id="yield-table"') :]
            assert conversion[2] in yields

        # The funnel API: each rate with its numerator, denominator and what it is of.
        body = token_client(partner).get(FUNNEL_API, {"from": "2025-06", "to": "2026-05"}).json()
        figures = {figure["key"]: figure for figure in body["rate_figures"]}
        for key, (numerator, denominator, _text) in (
            ("acceptance", acceptance),
            ("qualification", qualification),
            ("dql_conversion", conversion),
        ):
            figure = figures[key]
            assert (figure["numerator"], figure["denominator"]) == (numerator, denominator)
            assert figure["of"] == rate_get(key).of
            assert body["rates"][key] == figure["value"]
        steps = {step["key"]: step for step in body["steps"]}
        assert (steps["accepted"]["rate_key"], steps["accepted"]["of"]) == (
            "acceptance",
            "handed_over",
        )

        # The scorecard, page and API: the same division, the same denominator.
        card = login(partner).get(reverse("scoring:scorecard", args=["acme"])).content.decode()
        item = token_client(partner).get(reverse("api:scorecard-detail", args=["acme"])).json()
        metrics = {metric["key"]: metric for metric in item["metrics"]}
        for metric, (numerator, denominator, text) in (
            ("acceptance_rate", acceptance),
            ("dql_conversion", conversion),
        ):
            line = metrics[metric]
            assert line["of"] == "handed_over"
            if denominator:
                assert scorecard_value(card, metric) == text
                assert (Decimal(line["numerator"]), Decimal(line["denominator"])) == (
                    numerator,
                    denominator,
                )
            else:
                assert scorecard_value(card, metric) == "no data"
                assert line["raw"] is None

        # The dashboard's headline: the channel's figures over the run's months, and the page it
        # links to shows the same.
        dashboard = login(manager).get(DASHBOARD).content.decode()
        headline = cell(
            dashboard, r'data-rate="acceptance">.*?class="kpi lead-rate[^"]*">(.*?)</div>'
        )
        assert headline == acceptance[2]
        link = cell(dashboard, r'data-rate="acceptance">.*?class="funnel-link" href="([^"]+)"')
        linked = login(manager).get(link.replace("&amp;", "&")).content.decode()
        assert kpi_rate(linked, "acceptance") == headline
        transaction.set_rollback(True)


def test_the_lead_metrics_and_goals_read_their_stages_from_the_rates():
    """The scorecard's and the goals' lead figures divide the stages the funnel divides."""
    for metric, key in (
        ("dql_conversion", "dql_conversion"),
        ("acceptance_rate", "acceptance"),
        ("deadline_compliance", "on_time"),
    ):
        assert metric_get(metric).rate is rate_get(key)
        assert metric_get(metric).label == rate_get(key).label
    assert goal_metric_get("dql_conversion").rate is rate_get("dql_conversion")
    assert goal_metric_get("leads_on_time").rate is rate_get("on_time")
    assert rate_get("dql_conversion").counts({"dql": 3, "assigned": 10}) == (3, 10)
    assert rate_get("on_time").counts({"late": 2, "assigned": 10}) == (8, 10)
