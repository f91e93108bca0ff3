"""The incentive programmes' services: creation, accrual from revenue (restatements included),
quarterly advances, the true-up net of advances, and goal bonuses paid into the ledger."""

import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from drm.errors import NotAllowed, ValidationFailed
from goals.models import Goal
from incentives import services
from incentives.models import Entry, Programme, Settlement, Standing
from tests import factories
from tests.funds.state import refused
from tests.incentives.conftest import programme_fields

D = Decimal
JAN, FEB, MAR, APR, MAY = (datetime.date(2026, month, 1) for month in range(1, 6))

pytestmark = pytest.mark.django_db


def standing(programme, distributor):
    return Standing.objects.get(programme=programme, distributor=distributor)


def restate(row, amount):
    """A revenue row corrected (a new import of its month), in euros as the distributor's."""
    row.amount = row.reporting_amount = D(amount)
    row.save()


def ledger(distributor, programme=None, kind=None):
    entries = Entry.objects.filter(distributor=distributor)
    if programme is not None:
        entries = entries.filter(programme=programme)
    if kind is not None:
        entries = entries.filter(kind=kind)
    return list(entries.order_by("id").values_list("kind", "amount"))


def test_a_retroactive_revenue_rebate_pays_the_highest_tier_reached_on_all_revenue(
    distributor, other_distributor, revenue, make_programme
):
    programme = make_programme()
    revenue(distributor, JAN, "8000")
    revenue(distributor, FEB, "4000")  # 12,000: the 2 % tier, on all 12,000
    revenue(other_distributor, JAN, "5000")  # 5,000: the 1 % tier

    counts = services.programme_accrue(programme=programme)

    assert counts == {"measured": 2, "changed": 2, "unpriced": 0}
    mine = standing(programme, distributor)
    assert (mine.revenue, mine.measure, mine.earned, mine.through) == (
        D("12000.00"),
        D("12000.00"),
        D("240.00"),
        FEB,
    )
    assert standing(programme, other_distributor).earned == D("50.00")
    assert ledger(distributor, programme) == [("accrual", D("240.00"))]


def test_an_accrual_run_twice_on_the_same_revenue_writes_nothing_more(
    distributor, revenue, make_programme
):
    programme = make_programme()
    revenue(distributor, JAN, "8000")
    services.programme_accrue(programme=programme)

    again = services.programme_accrue(programme=programme)

    assert again["changed"] == 0
    assert len(ledger(distributor)) == 1


def test_new_months_accrue_and_a_correction_of_a_counted_month_is_a_restatement(
    distributor, revenue, make_programme
):
    programme = make_programme()
    january = revenue(distributor, JAN, "8000")
    services.programme_accrue(programme=programme)
    revenue(distributor, FEB, "4000")
    services.programme_accrue(programme=programme)  # 12,000 at 2 %: +160
    restate(january, "5000")  # January restated: 9,000 at 1 %

    services.programme_accrue(programme=programme)

    assert ledger(distributor, programme) == [
        ("accrual", D("80.00")),
        ("accrual", D("160.00")),
        ("restatement", D("-150.00")),
    ]
    total = Entry.objects.filter(distributor=distributor).aggregate(total=Sum("amount"))["total"]
    assert total == standing(programme, distributor).earned == D("90.00")


def test_incremental_tiers_pay_each_rate_on_its_own_slice_up_to_the_cap(
    distributor, revenue, make_programme
):
    programme = make_programme(
        basis="units",
        method="incremental",
        tiers=[("0", "1"), ("100", "2"), ("200", "5")],
        cap="400",
    )
    revenue(distributor, JAN, "1000", units=150)  # 100 × 1 + 50 × 2 = 200
    services.programme_accrue(programme=programme)
    assert standing(programme, distributor).earned == D("200.00")

    revenue(distributor, FEB, "1000", units=150)  # 100 + 200 + 100 × 5 = 800, capped at 400
    services.programme_accrue(programme=programme)

    assert standing(programme, distributor).earned == D("400.00")


def test_a_growth_programme_reads_its_tiers_on_growth_against_the_baseline(
    distributor, other_distributor, revenue, make_programme
):
    programme = make_programme(
        basis="growth",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 3, 31),
        baseline_start=datetime.date(2025, 1, 1),
        baseline_end=datetime.date(2025, 3, 31),
        tiers=[("5", "1"), ("10", "2")],
    )
    revenue(distributor, datetime.date(2025, 2, 1), "10000")
    revenue(distributor, FEB, "11000")  # +10 %: 2 % of 11,000
    revenue(other_distributor, MAR, "5000")  # no baseline: growth cannot be measured

    services.programme_accrue(programme=programme)

    mine = standing(programme, distributor)
    assert (mine.baseline, mine.measure, mine.earned) == (D("10000.00"), D("10.00"), D("220.00"))
    theirs = standing(programme, other_distributor)
    assert (theirs.measure, theirs.earned) == (None, D("0.00"))


def test_a_spiff_of_a_few_weeks_counts_its_product_lines_revenue_pro_rata(
    distributor, revenue, line, make_programme
):
    programme = make_programme(
        kind="spiff",
        product_line=line,
        period_start=datetime.date(2026, 4, 16),
        period_end=datetime.date(2026, 5, 31),
        tiers=[("0", "5")],
    )
    revenue(distributor, APR, "3000")  # 15 of April's 30 days: 1,500
    revenue(distributor, MAY, "1000")
    revenue(distributor, MAY, "9000", product_line=factories.ProductLineFactory(code="valves"))

    services.programme_accrue(programme=programme)

    mine = standing(programme, distributor)
    assert (mine.revenue, mine.earned) == (D("2500.00"), D("125.00"))


def test_a_distributor_whose_revenue_has_no_rate_keeps_its_earnings_and_the_others_accrue(
    distributor, other_distributor, revenue, make_programme
):
    programme = make_programme()
    revenue(distributor, JAN, "8000")
    services.programme_accrue(programme=programme)
    revenue(distributor, FEB, "4000", currency="CHF")  # no CHF rate
    revenue(other_distributor, JAN, "5000")

    counts = services.programme_accrue(programme=programme)

    assert counts["unpriced"] == 1
    mine = standing(programme, distributor)
    assert (mine.unpriced, mine.earned) == (1, D("80.00"))
    assert standing(programme, other_distributor).earned == D("50.00")


def test_only_the_named_distributors_are_in_a_named_programme(
    distributor, other_distributor, revenue, make_programme
):
    programme = make_programme(distributors=[other_distributor])
    revenue(distributor, JAN, "8000")
    revenue(other_distributor, JAN, "8000")

    services.programme_accrue(programme=programme)

    assert list(programme.standings.values_list("distributor", flat=True)) == [other_distributor.pk]


def test_quarterly_advances_pay_a_share_of_the_accrued_and_the_true_up_settles_the_rest(
    distributor, manager, revenue, make_programme, time_machine
):
    programme = make_programme(schedule="quarterly", advance_percent="80")
    revenue(distributor, JAN, "20000")  # Q1: 20,000 at 2 % = 400; 80 % advanced: 320
    revenue(distributor, APR, "10000")  # after Q1: not in its advance

    q1 = services.programme_advance(
        programme=programme,
        through=datetime.date(2026, 3, 31),
        by=manager,
        reference="ADV-Q1",
        paid_on=datetime.date(2026, 4, 10),
    )

    assert (q1.total, q1.entries_count) == (D("320.00"), 1)
    assert ledger(distributor, programme, "advance") == [("advance", D("320.00"))]

    time_machine.move_to(datetime.datetime(2027, 1, 20, 12, tzinfo=datetime.UTC), tick=False)
    revenue(distributor, datetime.date(2026, 12, 1), "30000")  # 60,000: 3 % = 1,800
    true_up = services.programme_true_up(
        programme=programme, by=manager, reference="TU-2026", paid_on=datetime.date(2027, 1, 20)
    )

    assert true_up.total == D("1480.00")
    paid = Entry.objects.filter(programme=programme, kind__in=Entry.PAID).aggregate(
        total=Sum("amount")
    )["total"]
    assert paid == standing(programme, distributor).earned == D("1800.00")


def test_a_true_up_below_the_advances_is_an_amount_to_recover(
    distributor, manager, revenue, make_programme, time_machine
):
    programme = make_programme(schedule="quarterly")
    january = revenue(distributor, JAN, "20000")
    services.programme_advance(
        programme=programme,
        through=datetime.date(2026, 3, 31),
        by=manager,
        reference="ADV-Q1",
        paid_on=datetime.date(2026, 4, 10),
    )
    restate(january, "5000")
    time_machine.move_to(datetime.datetime(2027, 1, 20, 12, tzinfo=datetime.UTC), tick=False)

    services.programme_true_up(
        programme=programme, by=manager, reference="TU", paid_on=datetime.date(2027, 1, 20)
    )

    assert ledger(distributor, programme, "true_up") == [("true_up", D("-350.00"))]
    assert ledger(distributor, programme, "restatement") == [("restatement", D("-350.00"))]


def test_an_advance_is_paid_once_per_quarter_and_only_after_it(
    distributor, manager, revenue, make_programme
):
    programme = make_programme(schedule="quarterly")
    revenue(distributor, JAN, "20000")
    pay = {"programme": programme, "by": manager, "reference": "A", "paid_on": JAN}
    services.programme_advance(through=datetime.date(2026, 3, 31), **pay)

    with refused(ValidationFailed, field="through"):
        services.programme_advance(through=datetime.date(2026, 3, 31), **pay)
    with refused(ValidationFailed, field="through"):
        services.programme_advance(through=datetime.date(2026, 6, 30), **pay)  # not over
    with refused(ValidationFailed, field="through"):
        services.programme_advance(through=datetime.date(2026, 2, 28), **pay)
    assert Settlement.objects.count() == 1


def test_a_programme_is_trued_up_once_its_period_is_over_and_never_twice_for_nothing(
    distributor, manager, revenue, make_programme, time_machine
):
    programme = make_programme()
    revenue(distributor, JAN, "20000")
    pay = {"programme": programme, "by": manager, "reference": "TU", "paid_on": JAN}
    with refused(ValidationFailed, field="paid_on"):
        services.programme_true_up(**pay)

    time_machine.move_to(datetime.datetime(2027, 1, 20, 12, tzinfo=datetime.UTC), tick=False)
    services.programme_true_up(**pay)
    with refused(ValidationFailed, field="paid_on"):
        services.programme_true_up(**pay)

    assert Settlement.objects.count() == 1


def test_an_achieved_goals_bonus_is_paid_into_the_ledger_once(distributor, manager):
    goal = factories.GoalFactory(
        distributor=distributor, status=Goal.Status.ACHIEVED, payout=D("2500.00")
    )
    pay = {"goal": goal, "by": manager, "reference": "BON-1", "paid_on": JAN}

    entry = services.bonus_pay(**pay)

    assert (entry.kind, entry.amount, entry.currency) == ("bonus_payment", D("2500.00"), "EUR")
    with refused(ValidationFailed, field="goal"):
        services.bonus_pay(**pay)


def test_a_goal_without_a_bonus_earned_is_not_paid(distributor, manager):
    goal = factories.GoalFactory(distributor=distributor, status=Goal.Status.MISSED)

    with refused(ValidationFailed, field="goal"):
        services.bonus_pay(goal=goal, by=manager, reference="X", paid_on=JAN)


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"name": " "}, "name"),
        ({"basis": "margin"}, "basis"),
        ({"period_end": datetime.date(2025, 12, 31)}, "period_end"),
        ({"tiers": []}, "tiers"),
        ({"tiers": [("0", "1"), ("0", "2")]}, "tiers"),
        ({"tiers": [("0", "101")]}, "tiers"),
        ({"tiers": [("0", "-1")]}, "tiers"),
        ({"tiers": [("x", "1")]}, "tiers"),
        ({"basis": "growth"}, "baseline_start"),
        ({"baseline_start": JAN, "baseline_end": FEB}, "baseline_start"),
        (
            {
                "basis": "growth",
                "baseline_start": datetime.date(2025, 1, 1),
                "baseline_end": datetime.date(2026, 1, 1),
            },
            "baseline_end",
        ),
        (
            {
                "basis": "growth",
                "method": "incremental",
                "baseline_start": datetime.date(2025, 1, 1),
                "baseline_end": datetime.date(2025, 12, 31),
            },
            "method",
        ),
        ({"kind": "spiff"}, "product_line"),
        ({"cap": "0"}, "cap"),
        ({"advance_percent": "0"}, "advance_percent"),
    ],
)
def test_a_programme_that_does_not_hold_together_is_refused_naming_the_field(manager, over, field):
    with refused(ValidationFailed, field=field):
        services.programme_create(by=manager, **programme_fields(**over))
    assert not Programme.objects.exists()


def test_a_spiff_longer_than_a_quarter_is_refused(manager, line):
    with refused(ValidationFailed, field="period_end"):
        services.programme_create(by=manager, **programme_fields(kind="spiff", product_line=line))


def test_named_distributors_exclude_tiers_and_regions(manager, distributor):
    with refused(ValidationFailed, field="distributors"):
        services.programme_create(
            by=manager,
            **programme_fields(distributors=[distributor], eligible_tiers=[distributor.tier]),
        )


def test_a_partner_creates_accrues_and_pays_nothing(partner, make_programme):
    programme = make_programme()
    with refused(NotAllowed):
        services.programme_create(by=partner, **programme_fields())
    with refused(NotAllowed):
        services.programme_accrue(programme=programme, by=partner)
    with refused(NotAllowed):
        services.programme_true_up(programme=programme, by=partner, reference="x", paid_on=JAN)


def test_partner_admins_hear_of_a_new_programme_and_of_what_they_are_paid(
    distributor,
    other_distributor,
    manager,
    partner,
    outsider,
    revenue,
    make_programme,
    time_machine,
):
    from notifications.models import Notification

    programme = make_programme(distributors=[distributor])
    assert Notification.objects.filter(recipient=partner, kind="programme_opened").count() == 1
    assert not Notification.objects.filter(recipient=outsider).exists()

    revenue(distributor, JAN, "20000")
    time_machine.move_to(datetime.datetime(2027, 1, 20, 12, tzinfo=datetime.UTC), tick=False)
    services.programme_true_up(
        programme=programme, by=manager, reference="TU-2026", paid_on=datetime.date(2027, 1, 20)
    )

    [paid] = Notification.objects.filter(recipient=partner, kind="programme_paid")
    assert "€400.00" in paid.body and "TU-2026" in paid.body

    goal = factories.GoalFactory(
        distributor=distributor, status=Goal.Status.ACHIEVED, payout=D("2500.00")
    )
    services.bonus_pay(goal=goal, by=manager, reference="BON-1", paid_on=JAN)
    [bonus] = Notification.objects.filter(recipient=partner, kind="goal_bonus_paid")
    assert "€2,500.00" in bonus.body


def test_growth_is_measured_to_date_against_the_same_months_of_the_baseline(
    distributor, manager, revenue, make_programme
):
    programme = make_programme(
        basis="growth",
        schedule="quarterly",
        baseline_start=datetime.date(2025, 1, 1),
        baseline_end=datetime.date(2025, 12, 31),
        tiers=[("5", "1"), ("10", "2")],
    )
    for month in range(1, 13):
        revenue(distributor, datetime.date(2025, month, 1), "10000")
    for month in range(1, 6):  # January to May: +10 % on the same months of 2025
        revenue(distributor, datetime.date(2026, month, 1), "11000")
    revenue(distributor, datetime.date(2026, 6, 1), "500")  # June is not over: not counted

    services.programme_accrue(programme=programme)

    mine = standing(programme, distributor)
    assert (mine.revenue, mine.baseline, mine.measure) == (
        D("55000.00"),
        D("50000.00"),
        D("10.00"),
    )
    assert mine.earned == D("1100.00")  # 2 % of 55,000
    outlook = Programme.objects.get(pk=programme.pk).outlook(mine)
    # The same growth over the year: 2 % of 55,000 × 365 / 151 days counted.
    assert outlook.expected == D("2658.94")

    q1 = services.programme_advance(
        programme=programme,
        through=datetime.date(2026, 3, 31),
        by=manager,
        reference="ADV-Q1",
        paid_on=datetime.date(2026, 4, 10),
    )
    assert q1.total == D("660.00")  # Q1 against Q1 2025: +10 %, 2 % of 33,000


def test_once_the_period_is_over_no_tier_is_left_to_reach(distributor, revenue, make_programme):
    programme = make_programme(
        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 3, 31)
    )
    revenue(distributor, JAN, "12000")
    services.programme_accrue(programme=programme)

    outlook = programme.outlook(standing(programme, distributor))

    assert outlook.over and outlook.following is None and outlook.gap is None
    assert outlook.expected == D("240.00")
    running = make_programme(name="Running")
    services.programme_accrue(programme=running)
    ahead = running.outlook(standing(running, distributor))
    assert not ahead.over and ahead.gap == D("38000.00")
