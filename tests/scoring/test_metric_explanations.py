"""Each scorecard metric's explanation says how the figure is computed: what is counted, over
which months, what is left out, and, where the figure is an estimate, how it is estimated; in
English and French, on the scorecard page and in the API."""

import pytest
from django.urls import reverse
from django.utils import translation

from scoring.metrics import metric_get, metric_list


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_approximation_is_part_of_the_explanation(language):
    with translation.override(language):
        for metric in metric_list():
            if metric.approximation:
                approximation = str(metric.approximation)
                if metric.placeholders():
                    approximation %= metric.placeholders()
                assert approximation in metric.explain(), metric.key


def test_the_median_time_to_accept_says_it_is_read_from_a_histogram():
    metric = metric_get("time_to_accept")
    explanation = metric.explain()
    assert "histogram" in explanation and "interpolated" in explanation
    assert "0, 1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336 hours" in explanation
    with translation.override("fr"):
        french = metric.explain()
    assert "histogramme" in french and "interpolée" in french and "estimation" in french


def test_the_metrics_estimated_from_what_they_read_say_so():
    """An estimate (a histogram's median) or a figure read at the run rather than at its date
    (an active goal's last measure, whether a review is still open) is named."""
    estimated = {metric.key for metric in metric_list() if metric.approximation}
    assert {"time_to_accept", "goal_attainment", "overdue_accountings"} <= estimated


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_explanation_says_over_which_months(language):
    months = {"en": "12 complete months", "fr": "12 derniers mois complets"}[language]
    with translation.override(language):
        for metric in metric_list():
            assert months in metric.explain(), metric.key


def test_the_lead_rates_say_what_they_divide_and_how_moves_count():
    for key in ("dql_conversion", "acceptance_rate", "deadline_compliance"):
        explanation = metric_get(key).explain()
        assert "÷ leads handed over" in explanation
        assert "counts in the month it happened" in explanation


def test_revenue_figures_say_rows_without_a_rate_are_left_out():
    for key in ("revenue_t12m", "revenue_growth", "revenue_per_investment"):
        assert "without an exchange rate" in metric_get(key).explain(), key


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "days", "estimate"),
    [("en", "14 days", "An estimate: the median"), ("fr", "14 jours", "Une estimation")],
)
def test_the_scorecard_page_shows_the_explanations_filled_in(
    login, partner, scored, language, days, estimate
):
    client = login(partner)
    client.cookies["django_language"] = language
    page = client.get(reverse("scoring:scorecard", args=["acme"])).content.decode()
    assert days in page and "%(days)s" not in page
    assert estimate in page
    with translation.override(language):
        assert metric_get("time_to_accept").explain().replace("'", "&#x27;") in page
