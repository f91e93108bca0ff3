"""The demo_incentives command: every state the demo promises shows (advances, a restatement, a
true-up and a negative one, a growth programme under way, a SPIFF, a named distributors'
programme, goal bonuses paid and due), the ledger adds up, the revenue is left as demo_data
wrote it, the figures are what the services make of it, and --replace loads the same again."""

import datetime
from collections import Counter, defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from distributors.models import Distributor, RevenueRecord
from goals.models import Goal
from incentives import selectors, services
from incentives.demo import (
    FRENCH_DISTRIBUTOR,
    LAUNCH_LINE,
    LAUNCH_PARTNERS,
    NOTICE_KINDS,
    PARTNER_DISTRIBUTOR,
    REPORTED_DAY,
    SPIFF_LINE,
    demo_programmes,
)
from incentives.models import SPIFF_MAX_DAYS, Entry, Programme, Settlement, Standing
from notifications.models import Notification, NotificationPreference

pytestmark = pytest.mark.django_db

D = Decimal
REVENUE_COLUMNS = (
    "pk",
    "distributor_id",
    "month",
    "product_line_id",
    "customer_category_id",
    "currency",
    "amount",
    "units",
    "margin",
    "rate",
    "rate_month",
    "reporting_amount",
)


def revenue_rows():
    return list(RevenueRecord.objects.order_by("pk").values_list(*REVENUE_COLUMNS))


def figures():
    """Everything the demo wrote that a reader sees, keyed by names (not by ids)."""
    standings = {
        (s.programme.name, s.distributor.code): (
            s.revenue,
            s.units,
            s.baseline,
            s.measure,
            s.earned,
            s.through,
        )
        for s in Standing.objects.select_related("programme", "distributor")
    }
    entries = sorted(
        (
            e.programme.name if e.programme else f"goal of {e.goal.distributor.code}",
            e.distributor.code,
            e.kind,
            e.amount,
            e.currency,
            e.date,
            e.reference,
        )
        for e in Entry.objects.select_related("programme", "distributor", "goal__distributor")
    )
    settlements = sorted(
        (s.programme.name, s.kind, s.through, s.paid_on, s.reference, s.total, s.entries_count)
        for s in Settlement.objects.select_related("programme")
    )
    told = Counter(
        Notification.objects.filter(kind__in=[kind.slug for kind in NOTICE_KINDS]).values_list(
            "kind", "recipient__username", "subject", "created_at"
        )
    )
    return {
        "standings": standings,
        "entries": entries,
        "settlements": settlements,
        "notices": told,
    }


@pytest.fixture(autouse=True)
def _clock():
    """The demo is built for the real today: no frozen clock here (see conftest's `_clock`)."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo channel, its goals and incentives (loaded, again, then replaced), once for the
    module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_data", "--quiet", stdout=StringIO())
        call_command("demo_goals", "--quiet", stdout=StringIO())
        revenue = revenue_rows()
        first = StringIO()
        call_command("demo_incentives", stdout=first)
        loaded = figures()
        second = StringIO()
        call_command("demo_incentives", "--quiet", stdout=second)
        again = figures()
        third = StringIO()
        call_command("demo_incentives", "--replace", "--quiet", stdout=third)
        yield {
            "revenue": revenue,
            "outputs": (first.getvalue(), second.getvalue(), third.getvalue()),
            "loaded": loaded,
            "again": again,
        }
        transaction.set_rollback(True)


@pytest.fixture
def manager(world):
    return get_user_model().objects.get(username="manager")


def programme(prefix):
    return demo_programmes().get(name__startswith=prefix)


def paid_by_distributor(settlement):
    return {e.distributor.code: e.amount for e in settlement.entries.select_related("distributor")}


def twin(original, by):
    """A copy of `original`'s terms, made now."""
    return services.programme_create(
        by=by,
        name=f"Copy of {original.name}",
        kind=original.kind,
        basis=original.basis,
        product_line=original.product_line,
        period_start=original.period_start,
        period_end=original.period_end,
        baseline_start=original.baseline_start,
        baseline_end=original.baseline_end,
        method=original.method,
        cap=original.cap,
        schedule=original.schedule,
        advance_percent=original.advance_percent,
        tiers=[(tier.threshold, tier.rate) for tier in original.payout_tiers.all()],
        eligible_tiers=original.tiers.all(),
        regions=original.regions.all(),
        distributors=original.distributors.all(),
    )


# First in the file: the module's demo world is not loaded yet.
def test_demo_incentives_needs_the_demo_channel(db):
    with pytest.raises(CommandError, match="demo_data"):
        call_command("demo_incentives", "--quiet", stdout=StringIO())


def test_a_second_run_does_nothing_and_replace_loads_the_same_figures(world):
    first, second, third = world["outputs"]
    assert "Demo incentives: 4 programmes" in first
    assert "nothing to do" in second
    assert world["again"] == world["loaded"]
    assert "Demo incentives: 4 programmes" in third
    assert figures() == world["loaded"]
    assert demo_programmes().count() == 4


def test_the_revenue_is_left_row_for_row_as_demo_data_wrote_it(world):
    assert revenue_rows() == world["revenue"]


def test_the_ledger_adds_up_to_each_standings_earned_and_paid(manager):
    entries = defaultdict(lambda: defaultdict(Decimal))
    for entry in Entry.objects.filter(programme__isnull=False):
        side = "earned" if entry.is_earned else "paid"
        entries[(entry.programme_id, entry.distributor_id)][side] += entry.amount
    standings = Standing.objects.all()
    assert standings.count() > 80
    for standing in standings:
        mine = entries[(standing.programme_id, standing.distributor_id)]
        assert mine["earned"] == standing.earned == standing.ledgered, standing
    for demo in demo_programmes():
        for row in selectors.standing_list(programme=demo, visible_to=manager):
            assert row.paid == entries[(demo.pk, row.distributor_id)]["paid"], row
            assert row.earned == demo.earned_for(
                revenue=row.revenue, units=row.units, baseline=row.baseline
            )


def test_last_years_volume_rebate_is_advanced_restated_and_trued_up(world):
    rebate = programme("Volume rebate")
    last = timezone.localdate().year - 1
    assert (rebate.period_start, rebate.period_end) == (
        datetime.date(last, 1, 1),
        datetime.date(last, 12, 31),
    )
    assert rebate.basis == Programme.Basis.REVENUE
    assert rebate.method == Programme.Method.RETROACTIVE
    assert rebate.schedule == Programme.Schedule.QUARTERLY
    assert rebate.advance_percent == D("80.00")
    advances = rebate.settlements.filter(kind=Settlement.Kind.ADVANCE).order_by("through")
    assert [a.through for a in advances] == rebate.advance_dates()
    assert all(a.entries_count > 20 and a.through < a.paid_on for a in advances)
    true_up = rebate.settlements.get(kind=Settlement.Kind.TRUE_UP)
    assert rebate.period_end < true_up.paid_on
    # Settled: everyone was paid what it earned.
    standings = list(Standing.objects.filter(programme=rebate).select_related("distributor"))
    paid = defaultdict(Decimal)
    for entry in Entry.objects.filter(programme=rebate, kind__in=Entry.PAID):
        paid[entry.distributor_id] += entry.amount
    assert all(s.earned == paid[s.distributor_id] for s in standings)
    # Distributors in each of the three tiers.
    rates = {s.earned * 100 / s.revenue for s in standings if s.revenue}
    assert {rate.quantize(D("1")) for rate in rates} == {D(1), D(2), D(3)}
    # atlantique's corrected report: a restatement, then a true-up that recovers an advance.
    codes = {s.distributor.code: s.distributor for s in standings}
    french = codes[FRENCH_DISTRIBUTOR]
    assert Entry.objects.get(programme=rebate, distributor=french, kind="restatement").amount < 0
    assert paid_by_distributor(true_up)[FRENCH_DISTRIBUTOR] < 0
    # adriatica's: restated before its second advance, trued up in its favour.
    partner = codes[PARTNER_DISTRIBUTOR]
    restated = Entry.objects.get(programme=rebate, distributor=partner, kind="restatement")
    assert restated.amount < 0
    assert restated.date < advances[1].paid_on
    assert paid_by_distributor(true_up)[PARTNER_DISTRIBUTOR] > 0
    assert sum(1 for amount in paid_by_distributor(true_up).values() if amount > 0) > 20
    # Accrued month by month, each the night after the month's report.
    nights = Entry.objects.filter(programme=rebate, distributor=partner, kind="accrual")
    nights = list(nights.values_list("date", flat=True))
    assert len(nights) == len(set(nights)) == 12
    assert sum(1 for night in nights if night.day == REPORTED_DAY + 1) >= 11


def test_this_years_growth_bonus_runs_with_the_advances_of_the_quarters_over(world):
    growth = programme("Growth bonus")
    today = timezone.localdate()
    assert (growth.period_start, growth.period_end) == (
        datetime.date(today.year, 1, 1),
        datetime.date(today.year, 12, 31),
    )
    assert (growth.baseline_start, growth.baseline_end) == (
        datetime.date(today.year - 1, 1, 1),
        datetime.date(today.year - 1, 12, 31),
    )
    assert growth.basis == Programme.Basis.GROWTH and not growth.is_over(today)
    assert growth.schedule == Programme.Schedule.QUARTERLY
    assert sorted(growth.settlements.values_list("through", flat=True)) == [
        day for day in growth.advance_dates() if day < today
    ]
    assert not growth.settlements.filter(kind=Settlement.Kind.TRUE_UP).exists()
    assert timezone.localdate(growth.accrued_at) == today
    standings = Standing.objects.filter(programme=growth).select_related("distributor")
    assert {s.distributor.tier.code for s in standings} == {"gold", "silver"}
    assert all(s.baseline > 0 for s in standings)
    # Measured to date: the months of this year that are over, against the same months of last
    # year.
    last = today.year - 1
    for standing in standings:
        baseline = RevenueRecord.objects.filter(
            distributor=standing.distributor, month__year=last, month__month__lt=today.month
        ).aggregate(total=Sum("reporting_amount"))["total"]
        # (SQLite sums decimals as floats: to the cent, as the standing holds it.)
        assert standing.baseline == Decimal(baseline).quantize(Decimal("0.01"))
    # Growth to date pays its advances.
    assert growth.settlements.filter(kind=Settlement.Kind.ADVANCE, total__gt=0).exists()
    # An advance measures as of its own day: it restates nothing the nightly accrual counted.
    paid_days = set(growth.settlements.values_list("paid_on", flat=True))
    restated = set(
        Entry.objects.filter(programme=growth, kind=Entry.Kind.RESTATEMENT).values_list(
            "date", flat=True
        )
    )
    assert not paid_days & restated


def test_a_spiff_rewards_one_line_for_a_few_weeks_by_incremental_tiers_up_to_its_cap(world):
    spiff = programme("Dosing pumps SPIFF")
    assert spiff.kind == Programme.Kind.SPIFF
    assert spiff.product_line.code == SPIFF_LINE
    assert 21 <= (spiff.period_end - spiff.period_start).days + 1 <= SPIFF_MAX_DAYS
    assert spiff.is_over()
    assert spiff.basis == Programme.Basis.UNITS
    assert spiff.method == Programme.Method.INCREMENTAL
    earned = list(Standing.objects.filter(programme=spiff).values_list("earned", flat=True))
    assert max(earned) == spiff.cap
    assert len([amount for amount in earned if 0 < amount < spiff.cap]) >= 5
    assert not spiff.settlements.exists()  # over, waiting to be paid


def test_a_named_distributors_programme_measures_them_alone(world):
    launch = programme("Drives launch partners")
    named = set(launch.distributors.values_list("code", flat=True))
    assert named == set(LAUNCH_PARTNERS)
    standings = Standing.objects.filter(programme=launch)
    assert set(standings.values_list("distributor__code", flat=True)) == named
    assert launch.product_line.code == LAUNCH_LINE
    assert launch.basis == Programme.Basis.UNITS
    assert launch.schedule == Programme.Schedule.AT_END
    assert not launch.settlements.exists()


def test_some_goal_bonuses_are_paid_and_others_are_due(world):
    goals = Goal.objects.filter(status=Goal.Status.ACHIEVED, payout__gt=0)
    payments = {e.goal_id: e for e in Entry.objects.filter(kind=Entry.Kind.BONUS_PAYMENT)}
    assert payments and set(payments) < set(goals.values_list("pk", flat=True))
    for goal in goals.filter(pk__in=payments):
        payment = payments[goal.pk]
        currency = goal.payout_currency or goal.payout_currency_code
        assert (payment.amount, payment.currency) == (goal.payout, currency)
        assert payment.distributor_id == goal.distributor_id
        assert goal.due < payment.date <= timezone.localdate()


def test_the_standings_are_what_an_accrual_of_copies_of_the_programmes_measures(manager):
    fields = ("revenue", "units", "baseline", "measure", "earned", "through")
    for demo in demo_programmes():
        assert services.programme_accrue(programme=demo)["changed"] == 0
        copy = twin(demo, manager)
        services.programme_accrue(programme=copy)
        for standing in Standing.objects.filter(programme=demo):
            fresh = Standing.objects.get(programme=copy, distributor_id=standing.distributor_id)
            for name in fields:
                assert getattr(fresh, name) == getattr(standing, name), (demo, standing, name)


def test_the_advances_are_what_the_services_pay_on_the_revenue_as_it_was_reported(manager):
    """Paid again on a copy, on the revenue as it is now, each advance is the same, but for
    atlantique's third: paid on its September report before it was corrected."""
    rebate = programme("Volume rebate")
    copy = twin(rebate, manager)
    for number, advance in enumerate(rebate.settlements.filter(kind="advance").order_by("through")):
        again = services.programme_advance(
            programme=copy,
            through=advance.through,
            by=manager,
            reference=advance.reference,
            paid_on=advance.paid_on,
        )
        paid, paid_again = paid_by_distributor(advance), paid_by_distributor(again)
        if number < 2:
            assert paid == paid_again
        else:
            assert paid.pop(FRENCH_DISTRIBUTOR) > paid_again.pop(FRENCH_DISTRIBUTOR, D(0))
            assert paid == paid_again


def test_every_act_is_dated_in_order_and_none_after_now(world):
    now, today = timezone.now(), timezone.localdate()
    for demo in demo_programmes():
        assert demo.created_at < demo.accrued_at <= now
        assert demo.history.get().history_date == demo.created_at
    assert Entry.objects.filter(date__gt=today).count() == 0
    assert Entry.objects.filter(created_at__gt=now).count() == 0
    for entry in Entry.objects.filter(kind__in=Entry.EARNED):
        assert timezone.localdate(entry.created_at) == entry.date
    for settlement in Settlement.objects.all():
        assert settlement.through < settlement.paid_on <= today
        assert settlement.paid_on.weekday() < 5 or settlement.paid_on == today
        assert {e.date for e in settlement.entries.all()} <= {settlement.paid_on}


def test_the_demo_partners_statements_show_programmes_and_entries_of_several_kinds(world):
    users = get_user_model().objects
    for code, username in (
        (PARTNER_DISTRIBUTOR, "partner"),
        (FRENCH_DISTRIBUTOR, f"partner-{FRENCH_DISTRIBUTOR}"),
    ):
        user, distributor = users.get(username=username), Distributor.objects.get(code=code)
        statement = selectors.statement(distributor=distributor, visible_to=user)
        assert len(statement.programmes) == 4
        assert any(line.standing.earned > 0 for line in statement.programmes)
        kinds = set(selectors.entry_list(visible_to=user).values_list("kind", flat=True))
        assert {"accrual", "restatement", "advance", "true_up"} <= kinds
        assert set(selectors.entry_list(visible_to=user).values_list("distributor", flat=True)) == {
            distributor.pk
        }
    french = Distributor.objects.get(code=FRENCH_DISTRIBUTOR)
    assert Entry.objects.filter(distributor=french, kind="true_up", amount__lt=0).exists()
    assert all(demo.name_fr for demo in demo_programmes())


def test_the_partners_hear_of_the_payments_in_the_portal_on_the_day_of_each(world):
    slugs = [kind.slug for kind in NOTICE_KINDS]
    told = Notification.objects.filter(kind__in=slugs)
    acts = {
        "programme_opened": set(demo_programmes().values_list("created_at", flat=True)),
        "programme_paid": set(Settlement.objects.values_list("created_at", flat=True)),
        "goal_bonus_paid": set(
            Entry.objects.filter(kind=Entry.Kind.BONUS_PAYMENT).values_list("created_at", flat=True)
        ),
    }
    assert set(told.values_list("kind", flat=True)) == set(slugs)
    for kind, at in told.values_list("kind", "created_at"):
        assert at in acts[kind], (kind, at)
    # Each payment of atlantique's (last year's three advances and its true-up to recover, this
    # year's growth advances) told to its admin, once.
    french = get_user_model().objects.get(username=f"partner-{FRENCH_DISTRIBUTOR}")
    paid = Entry.objects.filter(
        distributor__code=FRENCH_DISTRIBUTOR, settlement__isnull=False
    ).count()
    assert paid >= 4
    assert told.filter(recipient=french, kind="programme_paid").count() == paid
    # In the inboxes only: no e-mail, and no preference of the load's left behind.
    assert not told.filter(emailed_at__isnull=False).exists()
    assert not NotificationPreference.objects.filter(kind__in=slugs).exists()
