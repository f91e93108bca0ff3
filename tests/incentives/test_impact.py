"""What an incentive programme bought: every participant's incremental revenue estimated by the
nightly job of funds (incentives registers programmes as treatments), against distributors in
none of it, added up on the programme's page; a partner sees only its own."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from funds import estimates
from funds.models import ImpactEstimate
from incentives import services
from tests.funds.panels import ESTIMATED_ON, distributors_make, panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def travel(time_machine):
    def move(day):
        time_machine.move_to(
            datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC), tick=False
        )
        assert timezone.localdate() == day

    return move


@pytest.fixture
def programme(distributor, other_distributor, make_programme, manager, travel):
    """A rebate from July to September 2026 for 30 of 300 distributors (acme and rival among
    them), whose revenue from July to November is 12 % above its path (the generated panel's
    injected effect), measured once the period is over; and the true sum of what it added."""
    everyone = distributors_make(300, first=[distributor, other_distributor])
    truth = panel(17, everyone, noise=0.03, treated=range(30))
    made = make_programme(
        name="Summer rebate",
        period_start=datetime.date(2026, 7, 1),
        period_end=datetime.date(2026, 9, 30),
        distributors=everyone[:30],
    )
    travel(ESTIMATED_ON)
    services.programme_accrue(programme=made, by=manager)
    return made, truth


def test_every_participant_is_estimated_against_distributors_outside_the_programme(programme):
    made, truth = programme

    done = estimates.impact_estimates_refresh()

    assert done["estimated"] == 30 and done["refused"] == 0
    rows = ImpactEstimate.objects.filter(kind="programme", subject_id=made.pk)
    assert rows.count() == 30
    # What each one earned in the programme is what it cost.
    assert all(row.invested > 0 for row in rows)
    total = sum(float(row.incremental) for row in rows)
    assert total == pytest.approx(sum(truth.values()), rel=0.15)


def test_the_programme_page_adds_up_its_participants_and_covers_the_injected_effect(
    client, manager, programme
):
    made, truth = programme
    estimates.impact_estimates_refresh()
    client.force_login(manager)

    response = client.get(reverse("incentives:detail", args=[made.pk]))

    rollup = response.context["impact"]
    assert rollup.count == 30 and rollup.refused == 0
    assert rollup.low <= sum(truth.values()) <= rollup.high
    page = response.content.decode()
    assert 'id="impact"' in page and "Sum of 30 estimates" in page
    assert f"90 % interval: €{round(rollup.low):,} to €{round(rollup.high):,}" in page


def test_a_partner_sees_only_its_own_distributors_estimate_of_the_programme(
    client, partner, outsider, programme, distributor
):
    made, _truth = programme
    estimates.impact_estimates_refresh()
    mine = ImpactEstimate.objects.get(subject_id=made.pk, distributor=distributor)
    client.force_login(partner)

    response = client.get(reverse("incentives:detail", args=[made.pk]))

    rollup = response.context["impact"]
    assert rollup.count == 1 and rollup.single == mine
    page = response.content.decode()
    assert "What it bought you" in page and "Sum of" not in page
    assert mine.method_text in page

    client.force_login(outsider)
    rollup = client.get(reverse("incentives:detail", args=[made.pk])).context["impact"]
    assert rollup.count == 1 and rollup.single != mine


def test_before_its_effect_window_is_over_the_programme_says_when(
    client, manager, programme, travel
):
    made, _truth = programme
    travel(datetime.date(2026, 11, 2))
    client.force_login(manager)

    page = client.get(reverse("incentives:detail", args=[made.pk])).content.decode()

    assert "estimated once its effect window is over, after November 2026" in page
