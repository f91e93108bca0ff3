"""The scorecard's lead metrics read each lead rate as the funnel defines it (`leads.rates`)."""

import pytest
from django.urls import reverse

from leads.models import Stage
from scoring.metrics import metric_get
from scoring.models import MetricValue
from tests import factories
from tests.leads.test_rates_agree import lay

from .conftest import run_now

pytestmark = pytest.mark.django_db


def test_the_scorecard_reads_the_rates_the_funnel_reads(
    today, distributor, partner, token_client, channel
):
    source = factories.LeadSourceFactory(code="web")
    counts = {Stage.MQL: 30, Stage.ASSIGNED: 25, Stage.ACCEPTED: 20, Stage.DQL: 8, Stage.LATE: 5}
    lay(distributor, source, counts)
    run = run_now()
    stored = {
        value.metric: value.raw
        for value in MetricValue.objects.filter(run=run, distributor=distributor)
    }
    funnel = (
        token_client(partner)
        .get(reverse("api:funnel"), {"from": "2025-06", "to": "2026-05"})
        .json()
    )
    assert float(stored["acceptance_rate"]) == pytest.approx(funnel["rates"]["acceptance"] * 100)
    assert float(stored["dql_conversion"]) == pytest.approx(funnel["rates"]["dql_conversion"] * 100)
    assert float(stored["deadline_compliance"]) == pytest.approx(funnel["rates"]["on_time"] * 100)
    # The scorecard names each rate with its denominator, as the funnel does.
    assert str(metric_get("acceptance_rate").label) == "Accepted, of handed over"
    assert str(metric_get("dql_conversion").label) == "MQL → DQL conversion, of handed over"
