"""The incentives pages: programmes, a programme's standings and its payments, the statement,
bonus payments and the exports, for the manager, a partner and an outsider."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals.models import Goal
from incentives import services
from incentives.models import Entry, Programme, Settlement
from tests import factories

D = Decimal
JAN = datetime.date(2026, 1, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture
def accrued(make_programme, revenue, distributor, other_distributor):
    """A 2026 volume rebate, quarterly: acme at 12,000 (2 %: 240), rival at 5,000 (1 %: 50)."""
    programme = make_programme(schedule="quarterly")
    revenue(distributor, JAN, "12000")
    revenue(other_distributor, JAN, "5000")
    services.programme_accrue(programme=programme)
    return programme


def test_the_manager_lists_every_programme_with_its_figures(client, manager, accrued):
    client.force_login(manager)

    response = client.get(reverse("incentives:list"))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Volume rebate 2026" in text
    assert "€290.00" in text  # earned over both distributors


def test_a_partner_sees_its_own_figures_in_the_list(client, partner, accrued):
    client.force_login(partner)

    text = client.get(reverse("incentives:list")).content.decode()

    assert "€240.00" in text
    assert "€290.00" not in text


def test_an_invalid_filter_lists_nothing_and_says_so(client, manager, accrued):
    client.force_login(manager)

    response = client.get(reverse("incentives:list"), {"kind": "lottery"})

    assert response.status_code == 400
    assert "Volume rebate 2026" not in response.content.decode()


def test_the_manager_creates_a_programme_with_its_tiers(client, manager):
    client.force_login(manager)
    data = {
        "name": "Pumps SPIFF",
        "kind": "rebate",
        "basis": "revenue",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "method": "incremental",
        "schedule": "at_end",
        "advance_percent": "100",
        "tiers-TOTAL_FORMS": "5",
        "tiers-INITIAL_FORMS": "0",
        "tiers-0-threshold": "0",
        "tiers-0-rate": "1",
        "tiers-1-threshold": "50000",
        "tiers-1-rate": "2.5",
    }

    response = client.post(reverse("incentives:create"), data)

    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("incentives:detail", args=[programme.pk])
    assert [(t.threshold, t.rate) for t in programme.payout_tiers.all()] == [
        (D("0.00"), D("1.0000")),
        (D("50000.00"), D("2.5000")),
    ]


def test_a_programme_without_tiers_is_refused_with_the_reason(client, manager):
    client.force_login(manager)
    data = {
        "name": "No tiers",
        "kind": "rebate",
        "basis": "revenue",
        "period_start": "2026-01-01",
        "period_end": "2026-12-31",
        "method": "retroactive",
        "schedule": "at_end",
        "advance_percent": "100",
        "tiers-TOTAL_FORMS": "5",
        "tiers-INITIAL_FORMS": "0",
    }

    response = client.post(reverse("incentives:create"), data)

    assert response.status_code == 400
    assert "Give the programme at least one tier." in response.content.decode()
    assert not Programme.objects.exists()


def test_a_partner_cannot_open_the_programme_form(client, partner):
    client.force_login(partner)

    assert client.get(reverse("incentives:create")).status_code == 403


def test_the_programme_page_lists_every_standing_to_the_manager(client, manager, accrued):
    client.force_login(manager)

    response = client.get(reverse("incentives:detail", args=[accrued.pk]))

    text = response.content.decode()
    assert 'data-distributor="acme"' in text and 'data-distributor="rival"' in text
    assert "€38,000" in text and "€5,000" in text  # each one's gap to its next tier
    assert 'id="standing-totals"' in text


def test_a_partner_sees_only_its_own_standing_and_where_it_stands(client, partner, accrued):
    client.force_login(partner)

    response = client.get(reverse("incentives:detail", args=[accrued.pk]))

    text = response.content.decode()
    assert 'data-distributor="acme"' in text
    assert 'data-distributor="rival"' not in text
    assert 'id="my-standing"' in text
    assert "€38,000" in text  # what acme needs to reach the 3 % tier


def test_an_outsider_finds_no_programme_it_is_not_in(client, outsider, make_programme):
    programme = make_programme(distributors=[factories.DistributorFactory()])
    client.force_login(outsider)

    assert client.get(reverse("incentives:detail", args=[programme.pk])).status_code == 404


def test_the_manager_accrues_and_pays_an_advance_from_the_programme_page(
    client, manager, accrued, time_machine
):
    client.force_login(manager)
    assert client.post(reverse("incentives:accrue", args=[accrued.pk])).status_code == 302

    response = client.post(
        reverse("incentives:advance", args=[accrued.pk]),
        {"through": "2026-03-31", "reference": "ADV-Q1", "paid_on": "2026-04-10"},
    )

    assert response.status_code == 302
    settlement = Settlement.objects.get()
    assert (settlement.total, settlement.entries_count) == (D("290.00"), 2)


def test_an_advance_for_a_quarter_not_over_is_refused_on_its_field(client, manager, accrued):
    client.force_login(manager)

    response = client.post(
        reverse("incentives:advance", args=[accrued.pk]),
        {"through": "2026-06-30", "reference": "ADV-Q2", "paid_on": "2026-06-01"},
    )

    assert response.status_code == 400
    assert "pay its advance after that" in response.content.decode()
    assert not Settlement.objects.exists()


def test_a_partner_cannot_pay_or_accrue(client, partner, accrued):
    client.force_login(partner)

    assert client.post(reverse("incentives:accrue", args=[accrued.pk])).status_code == 403
    response = client.post(
        reverse("incentives:true-up", args=[accrued.pk]),
        {"true_up-reference": "X", "true_up-paid_on": "2026-01-01"},
    )
    assert response.status_code == 403


def test_a_partners_statement_is_its_own_whatever_it_asks(client, partner, accrued):
    client.force_login(partner)

    response = client.get(reverse("incentives:statement"), {"distributor": "rival"})
    assert response.status_code == 302
    assert response.url == reverse("incentives:statement")

    response = client.get(response.url)
    text = response.content.decode()
    assert response.status_code == 200
    assert "€240.00" in text and "€50.00" not in text


def test_the_manager_picks_a_distributors_statement_and_pays_its_goal_bonus(
    client, manager, distributor, accrued
):
    goal = factories.GoalFactory(
        distributor=distributor, status=Goal.Status.ACHIEVED, payout=D("2500.00")
    )
    client.force_login(manager)
    url = reverse("incentives:statement")

    text = client.get(url, {"distributor": "acme"}).content.decode()
    assert f'data-goal="{goal.pk}"' in text
    assert "€2,740.00" in text  # 240 from the rebate + the bonus, earned; nothing paid

    response = client.post(
        reverse("incentives:bonus-pay", args=[goal.pk]),
        {f"bonus-{goal.pk}-reference": "BON-7", f"bonus-{goal.pk}-paid_on": "2026-06-01"},
    )

    assert response.status_code == 302
    assert Entry.objects.get(goal=goal).reference == "BON-7"
    text = client.get(url, {"distributor": "acme"}).content.decode()
    assert "€240.00" in text  # due: the rebate only
    assert "BON-7" in text


def test_a_bonus_payment_without_a_reference_is_refused_on_the_statement(
    client, manager, distributor
):
    goal = factories.GoalFactory(
        distributor=distributor, status=Goal.Status.ACHIEVED, payout=D("2500.00")
    )
    client.force_login(manager)

    response = client.post(
        reverse("incentives:bonus-pay", args=[goal.pk]),
        {f"bonus-{goal.pk}-reference": "", f"bonus-{goal.pk}-paid_on": "2026-06-01"},
    )

    assert response.status_code == 400
    assert "bonus-errors" in response.content.decode()
    assert not Entry.objects.exists()


def test_the_standings_export_holds_what_the_page_shows_and_a_partner_only_its_own(
    client, manager, partner, accrued
):
    url = reverse("incentives:standings-export", args=[accrued.pk])
    client.force_login(manager)
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["acme", "rival"]
    assert rows[1][6] == "240.00"

    client.force_login(partner)
    rows = list(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["acme"]


def test_the_ledger_export_is_scoped_to_the_partner(client, partner, accrued):
    client.force_login(partner)

    content = client.get(reverse("incentives:ledger-export")).content.decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(content)))
    assert [row[1] for row in rows[1:]] == ["acme"]


def test_the_programme_page_costs_the_same_queries_whatever_the_number_of_distributors(
    client, manager, accrued, revenue
):
    client.force_login(manager)
    url = reverse("incentives:detail", args=[accrued.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(5):
        revenue(factories.DistributorFactory(), JAN, "7000")
    services.programme_accrue(programme=accrued)

    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(many) == len(few)


def test_the_distributor_record_shows_its_programmes_with_the_statements_figures(
    client, manager, partner, accrued
):
    client.force_login(manager)
    text = client.get(reverse("distributors:detail", args=["acme"])).content.decode()
    assert 'id="section-earnings"' in text
    assert "€240.00" in text and "€38,000 more for 3%" in text
    assert reverse("incentives:statement") + "?distributor=acme" in text

    client.force_login(partner)
    text = client.get(reverse("distributors:mine")).content.decode()
    assert 'id="section-earnings"' in text and "€50.00" not in text


def test_the_record_leaves_out_the_section_of_a_distributor_in_no_programme(
    client, manager, other_distributor, make_programme
):
    make_programme(distributors=[factories.DistributorFactory()])
    client.force_login(manager)

    text = client.get(reverse("distributors:detail", args=["rival"])).content.decode()

    assert 'id="section-earnings"' not in text


def test_the_manager_first_picks_whose_statement_and_an_unknown_code_says_so(client, manager):
    client.force_login(manager)
    url = reverse("incentives:statement")

    assert 'id="statement-picker"' in client.get(url).content.decode()
    response = client.get(url, {"distributor": "nobody-has-this"})
    assert response.status_code == 400
    assert 'id="statement-totals"' not in response.content.decode()


def test_the_statement_costs_the_same_queries_whatever_the_number_of_entries(
    client, manager, distributor, accrued, revenue, make_programme
):
    client.force_login(manager)
    url = reverse("incentives:statement")
    with CaptureQueriesContext(connection) as few:
        client.get(url, {"distributor": "acme"})
    for month in (2, 3, 4):
        revenue(distributor, datetime.date(2026, month, 1), "9000")
        services.programme_accrue(programme=accrued)
    services.programme_accrue(programme=make_programme(name="Second"))
    factories.GoalFactory(distributor=distributor, status=Goal.Status.ACHIEVED, payout=D("100"))

    with CaptureQueriesContext(connection) as many:
        client.get(url, {"distributor": "acme"})

    assert len(many) == len(few)


def test_an_invalid_standings_filter_lists_nothing_and_totals_nothing(client, manager, accrued):
    client.force_login(manager)

    response = client.get(reverse("incentives:detail", args=[accrued.pk]), {"due": "perhaps"})

    assert response.status_code == 400
    assert 'data-distributor="acme"' not in response.content.decode()


def test_the_statement_charts_what_was_earned_and_paid_month_by_month(
    client, manager, distributor, accrued, revenue, time_machine
):
    revenue(distributor, datetime.date(2026, 2, 1), "40000")  # 52,000: 3 %, 1,560
    time_machine.move_to(datetime.datetime(2026, 7, 2, 12, tzinfo=datetime.UTC), tick=False)
    services.programme_accrue(programme=accrued)
    services.programme_advance(
        programme=accrued,
        through=datetime.date(2026, 3, 31),
        by=manager,
        reference="ADV-Q1",
        paid_on=datetime.date(2026, 7, 2),
    )
    client.force_login(manager)

    chart = client.get(reverse("incentives:statement"), {"distributor": "acme"}).context["chart"]

    assert chart["labels"] == ["2026-06", "2026-07"]
    earned, paid = (dataset["data"] for dataset in chart["datasets"])
    assert earned == [240.0, 1560.0]  # cumulative, as the ledger adds up
    assert paid == [0.0, 1560.0]
