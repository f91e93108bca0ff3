"""Impact estimates recover effects injected into simulated panels, refuse bad data, add up.

Each panel's truth is known: the generator multiplies the treated distributors' revenue by
1 + effect over the effect window, so their increment is actual × effect / (1 + effect).
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from funds import impact

MONTHS = pd.period_range("2023-01", periods=36, freq="M")
FIRST, LAST, LAG = 24, 26, 2  # the treatment's months (positions in MONTHS) and the default lag
WINDOW = slice(FIRST, LAST + LAG + 1)


def simulated(seed, *, effect=0.12, treated=(0,), distributors=300, noise=0.08, times_biggest=None):
    """A panel of monthly revenue and the true incremental revenue of each treated distributor.

    Log revenue = a level (log-normal revenue around 50,000 a month) + a trend of its own + a
    seasonal pattern all share + monthly noise. Over the effect window the treated distributors'
    revenue is multiplied by 1 + effect, so their true increment is actual × effect / (1 + effect)
    month by month. `times_biggest` makes distributor 0 that many times bigger than any other.
    """
    rng = np.random.default_rng(seed)
    levels = rng.normal(np.log(50_000), 1.0, distributors)
    if times_biggest:
        levels[0] = levels[1:].max() + np.log(times_biggest)
    trends = rng.normal(0.005, 0.01, distributors)
    months = np.arange(MONTHS.size)
    season = 0.15 * np.sin(2 * np.pi * months / 12) + 0.05 * np.cos(4 * np.pi * months / 12)
    log_revenue = (
        levels[:, None]
        + trends[:, None] * (months - FIRST)
        + season
        + rng.normal(0, noise, (distributors, months.size))
    )
    revenue = np.exp(log_revenue)
    revenue[list(treated), WINDOW] *= 1 + effect
    truth = {d: float(revenue[d, WINDOW].sum() * effect / (1 + effect)) for d in treated}
    frame = pd.DataFrame(
        {
            "distributor": np.repeat(np.arange(distributors), months.size),
            "month": np.tile(MONTHS.to_timestamp(), distributors),
            "revenue": revenue.ravel(),
        }
    )
    return frame, truth


def estimate(panel, treated=0, **options):
    return impact.estimate(
        panel, treated=treated, first_month=MONTHS[FIRST], last_month=MONTHS[LAST], **options
    )


def covers(result, truth):
    return result.low <= truth <= result.high


def test_matched_peers_recover_the_injected_incremental_revenue():
    panel, truth = simulated(1, noise=0.03)

    result = estimate(panel, method="did_matched")

    assert result.method == "did_matched" and not result.reason
    assert result.peers == 10 and result.pre_months == 12 and result.post_months == 5
    assert covers(result, truth[0])
    # The error's standard deviation is ~25 % of the increment here (3 points of the 12 %),
    # mostly from extrapolating each distributor's own trend from 12 months: 2.5 of them.
    assert result.incremental == pytest.approx(truth[0], rel=0.6)
    assert result.effect_percent == pytest.approx(12, abs=8)
    assert result.method_label == "Difference-in-differences against 10 matched peers"


def test_matched_peers_recover_a_programmes_incremental_revenue_closely():
    panel, truth = simulated(17, noise=0.03, treated=range(30))

    combined = estimate(panel, treated=list(truth), method="did_matched")

    # Thirty independent errors of ~25 % each: the sum's is ~5 %.
    assert combined.incremental == pytest.approx(sum(truth.values()), rel=0.15)
    assert covers(combined, sum(truth.values()))


def test_matched_peers_interval_contains_zero_when_nothing_was_injected():
    panel, truth = simulated(2, effect=0.0)

    result = estimate(panel, method="did_matched")

    assert truth[0] == 0
    assert result.low < 0 < result.high


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(seed=st.integers(0, 2**32 - 1), effect=st.floats(-0.10, 0.30))
def test_matched_peers_interval_covers_the_truth_for_most_distributors(seed, effect):
    # 30 treated distributors of one panel, each estimated against the 270 untreated ones. Each
    # 90 % interval covers its truth with probability ~0.9 (0.915 over 500 such panels), and
    # fewer than 21 of 30 were covered in 1 panel of those 500; derandomize makes the 25 panels
    # the same on every run, so the test cannot flicker.
    panel, truth = simulated(seed, effect=effect, treated=range(30))

    combined = estimate(panel, treated=list(truth), method="did_matched")

    covered = [covers(part, truth[part.distributor]) for part in combined.parts]
    assert len(covered) == 30
    assert np.mean(covered) >= 0.7


def test_synthetic_control_recovers_the_effect_on_a_distributor_bigger_than_all_others():
    panel, truth = simulated(3, noise=0.03, times_biggest=3)

    result = estimate(panel, method="synthetic_control")

    assert result.method == "synthetic_control" and not result.reason
    assert covers(result, truth[0])
    # As for matched peers, the error's standard deviation is ~25 % of the increment here.
    assert result.incremental == pytest.approx(truth[0], rel=0.6)
    assert result.effect_percent == pytest.approx(12, abs=8)
    assert 0 < result.pre_rmse < 0.03  # the noise: a blend of donors fits better than that
    assert 1 <= result.peers == len(result.comparison)
    assert sum(weight for _id, weight in result.comparison) == pytest.approx(1, abs=0.1)
    assert result.method_label == f"Demeaned synthetic control from {result.peers} donors"


def test_synthetic_control_ignores_the_treated_distributors_level():
    three, _truth = simulated(4, times_biggest=3)
    thirty, _truth = simulated(4, times_biggest=30)

    # With every donor in the pool, only the demeaned path is left to fit.
    at_three = estimate(three, method="synthetic_control", donors=1000)
    at_thirty = estimate(thirty, method="synthetic_control", donors=1000)

    assert at_three.effect_percent == pytest.approx(at_thirty.effect_percent, abs=1e-6)
    assert at_thirty.incremental == pytest.approx(10 * at_three.incremental, rel=1e-6)


def test_auto_takes_synthetic_control_when_no_peer_is_within_the_caliper():
    panel, truth = simulated(5, times_biggest=3)

    result = estimate(panel)

    assert result.method == "synthetic_control"
    assert covers(result, truth[0])


def test_auto_takes_matched_peers_when_enough_lie_within_the_caliper():
    panel, truth = simulated(6)

    result = estimate(panel)

    assert result.method == "did_matched"
    assert covers(result, truth[0])


def test_the_same_call_gives_the_same_interval():
    panel, _truth = simulated(7)

    first = estimate(panel, method="did_matched")
    again = estimate(impact.revenue_matrix(panel), method="did_matched")
    sc_first = estimate(panel, method="synthetic_control")
    sc_again = estimate(panel, method="synthetic_control")

    assert first == again and sc_first == sc_again


def test_months_as_periods_give_the_same_estimate_as_dates():
    panel, _truth = simulated(8)
    as_periods = panel.assign(month=panel["month"].dt.to_period("M"))

    assert estimate(as_periods) == estimate(panel)


def refused(result, reason):
    return (
        result.reason == reason
        and not result.is_estimated
        and result.incremental is None
        and result.low is None
        and result.high is None
        and result.effect_percent is None
        and result.method_label == impact.REASONS[reason]
    )


METHOD_KEYS = ["auto", "did_matched", "synthetic_control"]


@pytest.mark.parametrize("method", METHOD_KEYS)
def test_too_few_months_before_the_treatment_are_refused(method):
    panel, _truth = simulated(9, distributors=40)

    result = impact.estimate(
        panel, treated=0, first_month=MONTHS[8], last_month=MONTHS[9], method=method
    )

    assert refused(result, "too_few_pre_months")


@pytest.mark.parametrize("method", METHOD_KEYS)
def test_a_distributor_that_joined_less_than_a_pre_period_ago_is_refused(method):
    panel, _truth = simulated(9, distributors=40)
    joined_late = panel[(panel["distributor"] != 0) | (panel["month"] >= MONTHS[18].start_time)]

    assert refused(estimate(joined_late, method=method), "too_few_pre_months")


@pytest.mark.parametrize("method", METHOD_KEYS)
@pytest.mark.parametrize("missing", [FIRST - 3, FIRST + 1, LAST + LAG])
def test_a_treated_distributor_missing_a_month_is_refused(method, missing):
    panel, _truth = simulated(10, distributors=40)
    unreported = (panel["distributor"] == 0) & (panel["month"] == MONTHS[missing].start_time)

    dropped = estimate(panel[~unreported], method=method)
    as_nan = estimate(panel.assign(revenue=panel["revenue"].mask(unreported)), method=method)

    assert refused(dropped, "treated_missing_months")
    assert refused(as_nan, "treated_missing_months")
    assert dropped.pre_months == 12 and dropped.post_months == 5


@pytest.mark.parametrize("method", METHOD_KEYS)
def test_a_distributor_not_in_the_panel_is_refused(method):
    panel, _truth = simulated(10, distributors=40)

    assert refused(estimate(panel, treated=999, method=method), "treated_missing_months")


@pytest.mark.parametrize("method", METHOD_KEYS)
def test_a_zero_month_of_the_treated_distributor_is_refused(method):
    panel, _truth = simulated(11, distributors=40)
    zero = (panel["distributor"] == 0) & (panel["month"] == MONTHS[FIRST].start_time)

    result = estimate(panel.assign(revenue=panel["revenue"].mask(zero, 0.0)), method=method)

    assert refused(result, "treated_non_positive_revenue")


@pytest.mark.parametrize("method", METHOD_KEYS)
def test_an_effect_window_that_is_not_over_yet_is_refused(method):
    panel, _truth = simulated(12, distributors=40)

    result = impact.estimate(
        panel, treated=0, first_month=MONTHS[33], last_month=MONTHS[34], method=method
    )

    assert refused(result, "post_window_incomplete")


@pytest.mark.parametrize("method", METHOD_KEYS)
def test_without_untreated_distributors_nothing_is_estimated(method):
    panel, _truth = simulated(13, distributors=40)
    alone = panel[panel["distributor"] == 0]
    others = list(range(1, 40))

    assert refused(estimate(alone, method=method), "no_untreated_distributors")
    assert refused(estimate(panel, method=method, exclude=others), "no_untreated_distributors")
    everyone = estimate(panel, treated=list(range(40)), method=method)
    assert refused(everyone, "nothing_estimated")
    assert {part.reason for part in everyone.parts} == {"no_untreated_distributors"}


@pytest.mark.parametrize("method", METHOD_KEYS)
def test_a_single_untreated_distributor_is_too_few(method):
    panel, _truth = simulated(13, distributors=40)

    result = estimate(panel[panel["distributor"] <= 1], method=method)

    assert refused(result, "too_few_untreated_distributors")


def test_untreated_distributors_missing_a_month_are_not_compared_with():
    panel, _truth = simulated(14, distributors=40)
    gaps = (panel["distributor"] > 0) & (panel["month"] == MONTHS[FIRST].start_time)

    assert refused(estimate(panel[~gaps]), "no_untreated_distributors")


def test_a_programme_sums_its_distributors_and_the_interval_covers_the_summed_truth():
    panel, truth = simulated(15, treated=range(8))

    combined = estimate(panel, treated=list(truth), method="did_matched")

    assert combined.method == "combined" and not combined.reason
    assert [part.distributor for part in combined.parts] == list(range(8))
    assert combined.incremental == pytest.approx(sum(p.incremental for p in combined.parts))
    assert combined.actual == pytest.approx(sum(p.actual for p in combined.parts))
    assert covers(combined, sum(truth.values()))
    # Independent errors partly cancel: the sum's interval is narrower than the sum of widths.
    assert combined.high - combined.low < sum(p.high - p.low for p in combined.parts)
    # The treated distributors are never each other's peers.
    compared = {distributor for part in combined.parts for distributor, _ in part.comparison}
    assert not compared & set(truth)
    assert combined.method_label == "Sum of 8 estimates"


def test_combining_mixes_methods_and_leaves_out_what_could_not_be_estimated():
    panel, truth = simulated(16, treated=range(4), times_biggest=3)
    matrix = impact.revenue_matrix(panel)
    parts = [estimate(matrix, treated=d, exclude=list(truth)) for d in truth]
    parts.append(estimate(matrix, treated=999))

    combined = impact.combine(parts)

    assert [part.method for part in parts[:4]] == ["synthetic_control"] + ["did_matched"] * 3
    assert covers(combined, sum(truth.values()))
    assert combined.incremental == pytest.approx(sum(p.incremental for p in parts[:4]))
    assert combined.method_label == "Sum of 4 estimates (1 could not be made)"
    assert combined.parts == tuple(parts)
    # Roll-ups nest: the sum of one sum is that sum.
    rolled_up = impact.combine([combined])
    assert (rolled_up.incremental, rolled_up.low, rolled_up.high) == (
        combined.incremental,
        combined.low,
        combined.high,
    )


def test_combining_nothing_says_so():
    assert impact.combine([]).reason == "nothing_estimated"
