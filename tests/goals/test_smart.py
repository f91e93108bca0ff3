"""The SMART check: each check refuses, warns or notes on a small case, and goal_create obeys."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from drm.errors import ValidationFailed
from goals import services
from goals.models import Goal
from goals.services import Terms
from goals.smart import Draft, smart_check
from tests import factories
from tests.goals.terms_data import goal_fields

pytestmark = pytest.mark.django_db

D = Decimal
LANDMARKS = [(datetime.date(2026, 6, 30), D("60000")), (datetime.date(2026, 12, 31), D("120000"))]


def fields(distributor, pumps, **over):
    return goal_fields(distributor, pumps, unit="EUR", **over)


def check(distributor, pumps, landmarks=LANDMARKS, **over):
    return smart_check(
        Draft(goal=Goal(**fields(distributor, pumps, **over)), landmarks=landmarks, bands=[])
    )


def found(verdict, severity=None):
    """{(check, letter)} of the findings (of one severity)."""
    return {(f.check, f.letter) for f in verdict.findings if severity in (None, f.severity)}


def test_a_fine_goal_passes(today, distributor, pumps):
    verdict = check(distributor, pumps)
    assert verdict.verdict == "ok"
    assert verdict.findings == []


@pytest.mark.parametrize(
    "title",
    [
        "Be number one",
        "Sell more pumps",
        "Improve our presence in Bavaria",
        "Être leader en Bavière",
        "Vendre plus de pompes",
    ],
)
def test_vague_wording_without_a_number_is_refused_in_english_and_french(
    today, distributor, pumps, title
):
    verdict = check(distributor, pumps, subtitle=title, description="Through the dealers.")
    assert verdict.verdict == "refused"
    assert ("vague_wording", "specific") in found(verdict, "refusal")


@pytest.mark.parametrize(
    "title", ["Sell more pumps: 120,000 EUR in 2026", "Vendre plus : 120 000 EUR en 2026"]
)
def test_vague_wording_with_a_number_is_allowed(today, distributor, pumps, title):
    verdict = check(distributor, pumps, subtitle=title, description="Through the dealers.")
    assert ("vague_wording", "specific") not in found(verdict)
    assert verdict.verdict == "ok"


def test_vague_wording_is_refused_under_the_french_language_too(today, distributor, pumps):
    with translation.override("fr"):
        verdict = check(distributor, pumps, subtitle="Être leader", description="")
        assert verdict.verdict == "refused"
        assert ("vague_wording", "specific") in found(verdict, "refusal")


def test_a_goal_without_a_metric_is_refused_as_not_specific(today, distributor, pumps):
    verdict = check(distributor, pumps, metric="")
    assert ("metric_and_scope", "specific") in found(verdict, "refusal")


def test_a_metric_without_its_scope_is_refused_as_not_specific(today, distributor, pumps):
    verdict = check(distributor, pumps, metric="line_share", product_line=None, target=D("30"))
    assert ("metric_and_scope", "specific") in found(verdict, "refusal")


def test_a_metric_of_another_level_is_refused(today, distributor, pumps):
    verdict = check(distributor, pumps, metric="one_to_ones", target=D("10"))
    assert ("metric_and_scope", "specific") in found(verdict, "refusal")


@pytest.mark.parametrize(
    "missing",
    [{"target": None}, {"baseline": None}, {"baseline_start": None}, {"baseline_end": None}],
)
def test_a_missing_target_baseline_or_baseline_period_is_refused_as_not_measurable(
    today, distributor, pumps, missing
):
    verdict = check(distributor, pumps, **missing)
    assert verdict.verdict == "refused"
    assert {letter for _check, letter in found(verdict, "refusal")} == {"measurable"}


def test_a_share_above_100_percent_is_refused(today, distributor, pumps):
    verdict = check(distributor, pumps, metric="line_share", baseline=D("30"), target=D("101"))
    assert ("measurable", "measurable") in found(verdict, "refusal")


def test_absurd_growth_is_refused_as_not_achievable(today, distributor, pumps):
    verdict = check(distributor, pumps, target=D("500000"))  # +400 % over the baseline
    assert ("ambition", "achievable") in found(verdict, "refusal")


def test_a_percentage_target_far_above_its_baseline_is_warned_then_refused(
    today, distributor, pumps
):
    warned = check(distributor, pumps, metric="margin_pct", baseline=D("20"), target=D("40"))
    assert found(warned) == {("ambition", "achievable")}
    assert warned.verdict == "warnings"
    refused = check(distributor, pumps, metric="margin_pct", baseline=D("20"), target=D("70"))
    assert ("ambition", "achievable") in found(refused, "refusal")


def revenue(distributor, earlier, recent, line):
    """`earlier` in July 2024 and `recent` in July 2025: the two 12-month windows of June 2026."""
    for month, amount in (
        (datetime.date(2024, 7, 1), earlier),
        (datetime.date(2025, 7, 1), recent),
    ):
        if amount is not None:
            factories.RevenueRecordFactory(
                distributor=distributor, month=month, product_line=line, amount=D(amount)
            )


@pytest.fixture
def euro():
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)


def peer(distributor, earlier, recent, line, **fields):
    fields.setdefault("tier", distributor.tier)
    other = factories.DistributorFactory(**fields)
    revenue(other, earlier, recent, line)
    return other


def test_growth_above_nine_in_ten_peers_is_warned(today, euro, distributor, pumps):
    for growth in (0, 10, 20):  # the 90th percentile is 18 %
        peer(distributor, 1000, 1000 + 10 * growth, pumps)
    verdict = check(distributor, pumps)  # +20 %
    assert found(verdict) == {("ambition", "achievable")}
    assert "18.00" in verdict.warnings[0].message
    subtitle = "Pump revenue of %s EUR in 2026"
    assert check(distributor, pumps, target=D(121000), subtitle=subtitle % "121,000").verdict == (
        "warnings"
    )
    assert check(distributor, pumps, target=D(117000), subtitle=subtitle % "117,000").verdict == (
        "ok"  # +17 %
    )


def test_peers_need_three_active_ones_of_the_same_tier_with_revenue_in_both_years(
    today, euro, distributor, pumps
):
    peer(distributor, 1000, 1000, pumps)
    peer(distributor, 1000, 1000, pumps)
    peer(distributor, 1000, 1000, pumps, tier=factories.TierFactory())
    peer(distributor, 1000, 1000, pumps, status="terminated")
    peer(distributor, None, 1000, pumps)  # nothing a year earlier
    assert check(distributor, pumps).verdict == "ok"


def test_growth_well_above_the_distributors_own_trend_is_warned_as_not_realistic(
    today, euro, distributor, pumps
):
    revenue(distributor, 100000, 100000, pumps)  # flat over the last 12 months
    assert check(distributor, pumps).verdict == "ok"  # +20 %: within 25 points of the trend
    verdict = check(
        distributor, pumps, target=D("130000"), subtitle="Pump revenue of 130,000 EUR in 2026"
    )  # +30 %
    assert found(verdict) == {("own_trend", "realistic")}


def test_a_terminated_distributor_is_refused_as_not_realistic(today, distributor, pumps):
    distributor.status = "terminated"
    distributor.save()
    assert ("fit", "realistic") in found(check(distributor, pumps), "refusal")


def test_a_distributor_on_probation_is_warned(today, distributor, pumps):
    distributor.status = "probation"
    distributor.save()
    assert found(check(distributor, pumps), "warning") == {("fit", "realistic")}


def test_a_product_line_the_distributor_does_not_carry_is_refused(today, distributor, pumps):
    valves = factories.ProductLineFactory(code="valves")
    verdict = check(distributor, pumps, product_line=valves)
    assert ("fit", "realistic") in found(verdict, "refusal")


def test_a_territory_the_distributor_does_not_hold_is_refused(today, distributor, pumps):
    held = factories.TerritoryFactory(country="FR")
    distributor.territories.add(held)
    elsewhere = factories.TerritoryFactory(country="IT")
    ok = check(distributor, pumps, metric="territory_revenue", territory=held, product_line=None)
    assert ("fit", "realistic") not in found(ok)
    verdict = check(
        distributor, pumps, metric="territory_revenue", territory=elsewhere, product_line=None
    )
    assert ("fit", "realistic") in found(verdict, "refusal")


def test_a_due_date_after_the_contracts_end_is_refused_as_not_time_bound(today, distributor, pumps):
    verdict = check(distributor, pumps, due=datetime.date(2028, 3, 31))  # contract ends 2027
    assert ("time_bound", "time_bound") in found(verdict, "refusal")


def test_a_due_date_before_the_start_is_refused(today, distributor, pumps):
    verdict = check(distributor, pumps, due=datetime.date(2025, 12, 31), landmarks=[])
    assert ("time_bound", "time_bound") in found(verdict, "refusal")


def test_a_landmark_outside_the_goals_dates_is_refused(today, distributor, pumps):
    verdict = check(
        distributor, pumps, landmarks=[*LANDMARKS, (datetime.date(2027, 1, 31), D("130000"))]
    )
    refusals = [f for f in verdict.refusals if f.check == "time_bound"]
    assert len(refusals) == 1 and "2027-01-31" in refusals[0].message


def test_a_goal_without_landmarks_gets_a_note_only(today, distributor, pumps):
    verdict = check(distributor, pumps, landmarks=[])
    assert verdict.verdict == "ok"
    assert found(verdict, "note") == {("time_bound", "time_bound")}


# --- goal_create and the acknowledgement -------------------------------------------------------


def test_goal_create_refuses_warnings_without_an_acknowledgement(
    today, distributor, pumps, partner
):
    terms = Terms(
        fields=fields(distributor, pumps, metric="margin_pct", target=D("40"), baseline=D("20"))
    )
    with pytest.raises(ValidationFailed) as refused:
        services.goal_create(by=partner, terms=terms)
    assert refused.value.field == "acknowledgement"
    assert Goal.objects.count() == 0


def test_goal_create_refuses_a_refusal_whatever_the_acknowledgement(
    today, distributor, pumps, partner
):
    terms = Terms(
        fields=fields(distributor, pumps, subtitle="Sell more", description=""),
        acknowledgement="We really mean it.",
    )
    with pytest.raises(ValidationFailed) as refused:
        services.goal_create(by=partner, terms=terms)
    assert refused.value.field == "specific"
    assert Goal.objects.count() == 0


def test_goal_create_keeps_the_acknowledged_warnings_with_who_and_when(
    today, distributor, pumps, partner
):
    terms = Terms(
        fields=fields(distributor, pumps, metric="margin_pct", target=D("40"), baseline=D("20")),
        acknowledgement="New pricing lifts the margin.",
    )
    goal = services.goal_create(by=partner, terms=terms)
    goal.refresh_from_db()
    [kept] = goal.smart_acknowledgements
    assert kept["check"] == "ambition" and kept["letter"] == "achievable"
    assert kept["reason"] == "New pricing lifts the margin."
    assert kept["by"] == partner.get_username()
    assert kept["at"].startswith("2026-06-15")
