"""The plan allocation page of a team goal: each distributor's share from its potential, its
own proposal and the gap, totals by region that add up, the CSV export, and the button that
proposes the shares to the distributors."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from goals import services
from goals.allocation import plan_for
from goals.models import Goal
from goals.services import Terms
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def plan(today, manager, distributor, other_distributor, pumps):
    """A 2027 pump plan of 400,000.01 EUR: acme (Europe, potential 3 M), rival (Asia, 1 M)."""
    distributor.market_potential = D("3000000")
    distributor.save()
    other_distributor.region = "Asia"
    other_distributor.save()
    other_distributor.product_lines.add(pumps)
    for month in range(1, 6):
        for who, amount in ((distributor, "30000"), (other_distributor, "10000")):
            factories.RevenueRecordFactory(
                distributor=who,
                product_line=pumps,
                month=datetime.date(2026, month, 1),
                amount=D(amount),
            )
    return factories.team_plan(
        owner=manager,
        product_line=pumps,
        subtitle="The pump plan",
        target=D("400000.01"),
        start=datetime.date(2026, 7, 1),
        due=datetime.date(2027, 6, 30),
    )


def test_the_page_shows_each_share_and_totals_by_region_that_add_up_to_the_plan(
    login, manager, plan
):
    response = login(manager).get(reverse("goals:plan", args=[plan.pk]))
    assert response.status_code == 200
    figures = response.context["plan"]
    assert sum(r.share for r in figures.rows) == D("400000.01")
    assert sum(r.share for r in figures.regions) == D("400000.01")
    html = response.content.decode()
    assert "Acme Industrial Supply" in html and "Rival Trading" in html
    assert "€400,000.01" in html
    assert "Total Asia" in html


def test_the_page_reads_in_french(login, manager, plan):
    client = login(manager)
    response = client.get(reverse("goals:plan", args=[plan.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    assert "400\u202f000,01\xa0€" in response.content.decode().replace("\u00a0", "\xa0")


def test_the_distributors_own_proposal_and_the_gap_are_shown(login, manager, partner, plan):
    acme = plan_for(plan).rows[1]
    assert acme.distributor.code == "acme"
    fields = {
        "level": "distributor",
        "distributor": acme.distributor,
        "parent": plan,
        "metric": "revenue",
        "product_line": plan.product_line,
        "baseline_start": datetime.date(2025, 7, 1),
        "baseline_end": datetime.date(2026, 6, 30),
        "target": D("250000"),
        "start": plan.start,
        "due": plan.due,
    }
    child = services.goal_create(by=partner, terms=Terms(fields=fields, acknowledgement="Ours."))
    services.goal_propose(goal=child, by=partner)
    row = plan_for(plan).rows[1]
    assert row.bottom_up == D("250000")
    assert row.gap == D("250000") - row.share
    assert row.gap_pct == (row.gap * 100 / row.share).quantize(D("0.01"))
    response = login(manager).get(reverse("goals:plan-export", args=[plan.pk]))
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0] == [
        "region",
        "distributor",
        "market_potential",
        "proposed_share",
        "own_proposal",
        "gap",
        "gap_pct",
        "product_line",
        "revenue_last_12_months",
        "at_peers_penetration",
    ]
    acme_line = next(line for line in lines if line[1] == "acme" and not line[7])
    assert D(acme_line[3]) == row.share and D(acme_line[4]) == D("250000")
    assert D(acme_line[5]) == row.gap


def test_the_export_totals_add_up_to_the_plan(login, manager, plan):
    response = login(manager).get(reverse("goals:plan-export", args=[plan.pk]))
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    shares = [D(line[3]) for line in lines[1:] if line[1] in ("acme", "rival") and not line[7]]
    totals = [D(line[3]) for line in lines[1:] if line[1] == "Total"]
    assert sum(shares) == sum(totals) == D(lines[-1][3]) == D("400000.01")


def test_the_button_proposes_each_share_to_its_distributor(login, manager, plan):
    response = login(manager).post(reverse("goals:plan-apply", args=[plan.pk]))
    assert response.status_code == 302
    children = {g.distributor.code: g for g in plan.children.all()}
    shares = {r.distributor.code: r.share for r in plan_for(plan).rows}
    assert set(children) == {"acme", "rival"}
    for code, child in children.items():
        assert child.target == shares[code]
        assert child.status == Goal.Status.PROPOSED
        assert child.proposed_by_side == "manufacturer"
    # pressed again, nothing changes: the shares are on the table already
    login(manager).post(reverse("goals:plan-apply", args=[plan.pk]))
    assert plan.children.count() == 2


def test_a_distributors_own_proposal_is_answered_with_the_share(login, manager, partner, plan):
    fields = {
        "level": "distributor",
        "distributor": partner.membership.distributor,
        "parent": plan,
        "metric": "revenue",
        "product_line": plan.product_line,
        "baseline_start": datetime.date(2025, 7, 1),
        "baseline_end": datetime.date(2026, 6, 30),
        "target": D("250000"),
        "start": plan.start,
        "due": plan.due,
    }
    child = services.goal_create(by=partner, terms=Terms(fields=fields, acknowledgement="Ours."))
    services.goal_propose(goal=child, by=partner)
    login(manager).post(reverse("goals:plan-apply", args=[plan.pk]))
    child.refresh_from_db()
    assert child.status == Goal.Status.COUNTER_PROPOSED
    assert child.target == plan_for(plan).rows[1].share


def test_partners_get_403(login, partner, outsider, plan):
    for user in (partner, outsider):
        client = login(user)
        assert client.get(reverse("goals:plan", args=[plan.pk])).status_code == 403
        assert client.get(reverse("goals:plan-export", args=[plan.pk])).status_code == 403
        assert client.post(reverse("goals:plan-apply", args=[plan.pk])).status_code == 403
    assert not plan.children.exists()


def test_a_distributor_goal_has_no_plan_page(login, manager, today):
    goal = factories.GoalFactory()
    assert login(manager).get(reverse("goals:plan", args=[goal.pk])).status_code == 404


def test_the_distributors_figure_stays_on_the_page_after_the_manager_counters_it(
    login, manager, partner, plan
):
    fields = {
        "level": "distributor",
        "distributor": partner.membership.distributor,
        "parent": plan,
        "metric": "revenue",
        "product_line": plan.product_line,
        "baseline_start": datetime.date(2025, 7, 1),
        "baseline_end": datetime.date(2026, 6, 30),
        "target": D("250000"),
        "start": plan.start,
        "due": plan.due,
    }
    child = services.goal_create(by=partner, terms=Terms(fields=fields, acknowledgement="Ours."))
    services.goal_propose(goal=child, by=partner)
    login(manager).post(reverse("goals:plan-apply", args=[plan.pk]))
    row = plan_for(plan).rows[1]
    assert row.child.target == row.share
    assert row.bottom_up == D("250000")


def test_a_plan_of_a_rate_is_not_shared_and_the_page_says_why(login, manager, plan):
    plan.metric = "margin_pct"
    plan.save()
    response = login(manager).get(reverse("goals:plan", args=[plan.pk]))
    assert response.status_code == 400
    assert "a rate does not add up" in response.content.decode()
    assert login(manager).post(reverse("goals:plan-apply", args=[plan.pk])).status_code == 302
    assert not plan.children.exists()


def test_a_plan_of_no_line_shows_and_exports_each_share_by_line(login, manager, plan):
    plan.product_line = None
    plan.save()
    client = login(manager)
    response = client.get(reverse("goals:plan", args=[plan.pk]))
    rows = response.context["plan"].rows
    for row in rows:
        assert sum(amount for _line, amount in row.lines) == row.share
    assert "Pumps" in response.content.decode()
    export = client.get(reverse("goals:plan-export", args=[plan.pk])).content.decode()
    lines = list(csv.reader(io.StringIO(export)))
    by_line = [D(line[3]) for line in lines[1:] if line[7] == "pumps"]
    assert sum(by_line) == D("400000.01")
