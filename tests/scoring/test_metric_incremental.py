"""The scorecard's incremental revenue per unit invested: fed from the stored impact estimates
(funds.estimates) whose effect window ended in the run's 12 months, what they added ÷ what was
paid for them; left out for a distributor without any estimate made."""

import datetime
from decimal import Decimal

import pytest

from scoring.metrics import metric_get
from scoring.models import MetricValue
from tests.funds.factories import ImpactEstimateFactory
from tests.scoring.conftest import AS_OF, run_now

pytestmark = pytest.mark.django_db
D = Decimal
KEY = "incremental_per_investment"


def refused(distributor, **over):
    fields = {
        "reason": "too_few_pre_months",
        "incremental": None,
        "low": None,
        "high": None,
        "effect_percent": None,
        "actual": None,
    }
    return ImpactEstimateFactory(distributor=distributor, **{**fields, **over})


@pytest.fixture
def estimated(channel):
    """acme: two estimates in the window (12,000 for 1,800 paid, 6,000 for 1,200: a
    programme's), one refused, one whose window ended before the run's 12 months; bolt: only a
    refused one; core: one for which nothing was paid."""
    acme, bolt, core = channel["acme"], channel["bolt"], channel["core"]
    ImpactEstimateFactory(distributor=acme, effect_end=datetime.date(2025, 11, 1))
    ImpactEstimateFactory(
        distributor=acme,
        kind="programme",
        incremental=D("6000.00"),
        invested=D("1200.00"),
        effect_end=datetime.date(2026, 5, 1),
    )
    refused(acme, effect_end=datetime.date(2026, 1, 1), invested=D("900.00"))
    ImpactEstimateFactory(
        distributor=acme, effect_end=datetime.date(2025, 5, 1), incremental=D("99999.00")
    )
    refused(bolt, effect_end=datetime.date(2026, 1, 1))
    ImpactEstimateFactory(
        distributor=core, invested=D("0.00"), effect_end=datetime.date(2026, 1, 1)
    )
    return channel


def test_it_divides_what_the_estimates_added_by_what_was_paid_for_them(estimated):
    inputs = metric_get(KEY).inputs(AS_OF)

    assert inputs == {estimated["acme"].pk: (D("18000.00"), D("3000.00"))}


def test_a_run_scores_it_and_leaves_out_who_has_no_estimate_made(estimated):
    run = run_now()

    values = {
        value.distributor_id: value for value in MetricValue.objects.filter(run=run, metric=KEY)
    }
    acme = values[estimated["acme"].pk]
    assert acme.raw == D("6.0000") and acme.numerator == D("18000.00")
    assert acme.denominator == D("3000.00")
    for code in ("bolt", "core", "dormant"):
        assert not values[estimated[code].pk].has_data


def test_an_incremental_revenue_below_zero_counts_as_it_is(channel):
    ImpactEstimateFactory(
        distributor=channel["acme"],
        incremental=D("-900.00"),
        low=D("-5000.00"),
        high=D("3000.00"),
        effect_end=datetime.date(2026, 1, 1),
    )

    assert metric_get(KEY).inputs(AS_OF)[channel["acme"].pk] == (D("-900.00"), D("1800.00"))


def test_its_explanation_names_the_estimates_and_how_they_are_made():
    explanation = metric_get(KEY).explain()

    assert "last 12 complete months" in explanation
    assert "effect window" in explanation and "what the manufacturer paid" in explanation
    assert "difference-in-differences" in explanation and "synthetic control" in explanation
