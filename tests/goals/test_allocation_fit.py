"""The plan's weights fitted on the channel's past (goals.allocation.fit_weights): the grid, the
fit's guarantees, the set weights, and on generated channels with known behaviour the held-out
year each way of setting targets predicts."""

import datetime
import io
import random
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from goals.allocation import (
    DEFAULT_WEIGHTS,
    Fit,
    PenetrationIndex,
    Unit,
    allocate,
    bases,
    fit_weights,
    goal_allocation,
    split_error,
    weight_grid,
    weights_setting,
)
from tests import factories

D = Decimal
ZERO = D(0)


def test_the_grid_holds_every_weight_set_in_tenths_history_alone_first():
    grid = weight_grid()
    assert len(grid) == 286  # C(10 + 3, 3): four bases in tenths
    assert grid[0] == {"history": D(1), "potential": ZERO, "peers": ZERO, "trend": ZERO}
    assert all(sum(w.values()) == 1 and min(w.values()) >= 0 for w in grid)
    assert len({tuple(sorted(w.items())) for w in grid}) == 286
    assert DEFAULT_WEIGHTS in grid


amounts = st.integers(0, 10**7).map(D)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(
        st.tuples(amounts, amounts, amounts, st.sampled_from("123")), min_size=3, max_size=25
    )
)
def test_the_fit_never_splits_the_past_year_worse_than_history_alone_or_the_defaults(rows):
    past = [
        Unit(key=k, tier=tier, potential=potential, history=history)
        for k, (potential, history, _actual, tier) in enumerate(rows)
    ]
    actual = {k: row[2] for k, row in enumerate(rows)}
    fit = fit_weights(past, actual, minimum=1)
    if not fit.fitted:
        assert fit.weights == DEFAULT_WEIGHTS
        return
    assert sum(fit.weights.values()) == 1
    assert fit.error <= fit.history_error or fit.history_error is None
    assert fit.set_error is None or fit.error <= fit.set_error
    assert fit.error == split_error(past, actual, fit.weights)


def channel(rng, count, *, signal, shock, growth=0.0):
    """Four years of a generated channel: [(unit, year 1, …, year 4)]. Revenue is the
    territory's potential × the distributor's own penetration (around its tier's) × its own
    lasting growth (within ±`growth` a year) × a yearly shock that does not last (`shock`);
    `signal` False draws the potential unrelated to it."""
    rows = []
    for key in range(count):
        tier = rng.choice("123")
        potential = D(rng.randint(100_000, 5_000_000))
        penetration = {"1": 0.2, "2": 0.12, "3": 0.08}[tier] * rng.uniform(0.75, 1.25)
        own_growth = rng.uniform(-growth, growth)
        years = [
            D(
                round(
                    float(potential)
                    * penetration
                    * (1 + own_growth) ** year
                    * rng.uniform(1 - shock, 1 + shock)
                )
            )
            for year in range(4)
        ]
        if not signal:
            potential = D(rng.randint(100_000, 5_000_000))
        rows.append((Unit(key=key, tier=tier, potential=potential), *years))
    return rows


GROWTH = D("0.05")


def held_out(rows, growth=GROWTH):
    """(mean absolute % error of last year + growth, of the fitted blend) on year 4, the
    weights fitted on years 1–2 → year 3, the plan = year 3's total + growth."""

    def units(year):
        return [
            Unit(
                key=row[0].key,
                tier=row[0].tier,
                potential=row[0].potential,
                history=row[year],
                previous=row[year - 1],
            )
            for row in rows
        ]

    fit = fit_weights(units(2), {row[0].key: row[3] for row in rows}, minimum=1)
    last = units(3)
    plan = sum(u.history for u in last) * (1 + growth)
    result = allocate(plan, last, basis_list=bases(last, fit.weights), fit=fit)
    naive = blended = ZERO
    for unit, _first, _second, third, truth in rows:
        naive += abs(third * (1 + growth) - truth) / truth
        blended += abs(result.shares[unit.key] - truth) / truth
    return naive * 100 / len(rows), blended * 100 / len(rows), fit


def test_when_years_carry_passing_shocks_the_fit_beats_last_year_plus_five_percent():
    wins = 0
    for draw in range(12):
        naive, blended, fit = held_out(channel(random.Random(draw), 120, signal=True, shock=0.3))
        assert fit.weights["history"] < 1  # the potential told something
        assert fit.weights["trend"] <= D("0.2")  # a lucky year does not last
        wins += blended < naive
    assert wins >= 11


def test_when_growth_lasts_and_luck_is_small_the_fit_carries_each_ones_trend_on():
    wins = 0
    for draw in range(8):
        rows = channel(random.Random(50 + draw), 120, signal=True, shock=0.02, growth=0.2)
        naive, blended, fit = held_out(rows)
        assert fit.weights["trend"] >= D("0.5")
        wins += blended < naive
    assert wins == 8


def test_when_potential_says_nothing_the_fit_falls_back_on_history_and_ties_at_worst():
    for draw in range(6):
        rows = channel(random.Random(100 + draw), 120, signal=False, shock=0.02)
        naive, blended, fit = held_out(rows)
        assert fit.weights["potential"] + fit.weights["peers"] <= D("0.1")
        assert blended <= naive * D("1.05")


def test_too_little_past_keeps_the_default_weights_and_says_so():
    past = [Unit(key=k, potential=D(100), history=D(10)) for k in range(3)]
    fit = fit_weights(past, {0: D(5), 1: D(5), 2: D(5)}, minimum=10)
    assert fit.how == Fit.TOO_LITTLE_PAST and fit.weights == DEFAULT_WEIGHTS
    assert fit.distributors == 3


def test_the_setting_sets_the_weights_or_names_what_is_wrong(settings):
    settings.GOALS_PLAN_WEIGHTS = "fit"
    assert weights_setting() == ("fit", None)
    settings.GOALS_PLAN_WEIGHTS = "potential=1, history=3"
    assert weights_setting() == (
        "set",
        {"history": D("0.75"), "peers": ZERO, "potential": D("0.25"), "trend": ZERO},
    )
    for wrong, named in (("market=1", "market=1"), ("history=-1", "history=-1"), ("peers=x", "x")):
        settings.GOALS_PLAN_WEIGHTS = wrong
        with pytest.raises(ImproperlyConfigured, match=named):
            weights_setting()
    settings.GOALS_PLAN_WEIGHTS = "history=0"
    with pytest.raises(ImproperlyConfigured, match="nothing"):
        weights_setting()


# --- the plan, the page and the export ----------------------------------------------------


@pytest.fixture
def two_years(today, manager, distributor, pumps):
    """Twelve distributors carrying pumps with revenue in both years before the 2026-07 plan:
    each one's potential is 10 × its revenue, the year before's revenue off by ±30 % (acme,
    which carries pumps too, has neither potential nor revenue)."""
    distributor.market_potential = None
    distributor.save()
    for k in range(12):
        who = factories.DistributorFactory(
            code=f"d{k:02}", market_potential=D(100_000 * (k + 1)), region="Europe"
        )
        who.product_lines.add(pumps)
        for month, amount in (
            (datetime.date(2024, 9, 1), 10_000 * (k + 1) * (1.3 if k % 2 else 0.7)),
            (datetime.date(2025, 9, 1), 10_000 * (k + 1)),
        ):
            factories.RevenueRecordFactory(
                distributor=who, product_line=pumps, month=month, amount=D(round(amount))
            )
    return factories.team_plan(
        owner=manager,
        product_line=pumps,
        target=D("1000000.00"),
        start=datetime.date(2026, 7, 1),
        due=datetime.date(2027, 6, 30),
    )


@pytest.mark.django_db
def test_a_plan_fits_its_weights_on_the_year_before(two_years, settings):
    settings.GOALS_PLAN_WEIGHTS = "fit"
    _distributors, result = goal_allocation(two_years)
    fit = result.fit
    assert fit.fitted and fit.distributors == 12
    # Potential (and the peers' penetration) split last year exactly; history missed by 30 %.
    assert fit.weights["history"] == 0 and fit.error == 0
    assert fit.history_error > 25
    assert sum(result.shares.values()) == D("1000000.00")


@pytest.mark.django_db
def test_set_weights_stand_when_the_setting_names_them(two_years, settings):
    settings.GOALS_PLAN_WEIGHTS = "history=1"
    _distributors, result = goal_allocation(two_years)
    assert result.fit.how == Fit.SET
    assert result.fit.weights == {"history": D(1), "peers": ZERO, "potential": ZERO, "trend": ZERO}


@pytest.mark.django_db
def test_the_page_says_how_the_weights_were_chosen_in_english_and_french(
    login, manager, two_years, settings
):
    settings.GOALS_PLAN_WEIGHTS = "fit"
    client = login(manager)
    html = client.get(reverse("goals:plan", args=[two_years.pk])).content.decode()
    fit = goal_allocation(two_years)[1].fit
    assert "fitted on the past year" in html
    assert (
        f"the 12 distributors with revenue in both years missing each by {fit.error:.1f}%" in html
    )
    assert f"against {fit.history_error:.1f}% for last year's shares alone" in html
    french = client.get(
        reverse("goals:plan", args=[two_years.pk]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "ajustées sur l’année passée" in french
    settings.GOALS_PLAN_WEIGHTS = "potential=0.5,history=0.5"
    html = client.get(reverse("goals:plan", args=[two_years.pk])).content.decode()
    assert "market potential (50%)" in html and "set by the administrator" in html


@pytest.mark.django_db
def test_the_xlsx_export_holds_the_pages_shares_and_a_wrong_format_is_refused(
    login, manager, two_years
):
    client = login(manager)
    response = client.get(reverse("goals:plan-export", args=[two_years.pk]), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("region", "distributor", "market_potential", "proposed_share")
    shares = {r[1]: D(str(r[3])) for r in rows[1:] if r[1] not in ("Total", "Plan")}
    distributors, result = goal_allocation(two_years)
    assert shares == {d.code: result.shares[d.pk] for d in distributors}
    assert D(str(rows[-1][3])) == D("1000000.00")
    wrong = client.get(reverse("goals:plan-export", args=[two_years.pk]), {"format": "pdf"})
    assert wrong.status_code == 400 and b"format" in wrong.content


def naive_penetration(unit, peers):
    """The peers' median penetration read the slow, plain way (the definition)."""
    for same in (lambda p: p.tier == unit.tier, lambda p: p.region == unit.region, None):
        group = sorted(
            max(p.history, ZERO) / p.potential
            for p in peers
            if p.potential > 0 and p.key != unit.key and (same is None or same(p))
        )
        if len(group) >= 3 or (same is None and group):
            middle = len(group) // 2
            return group[middle] if len(group) % 2 else (group[middle - 1] + group[middle]) / 2
    return ZERO


@settings(max_examples=200, deadline=None)
@given(
    peers=st.lists(
        st.builds(
            Unit,
            key=st.integers(0, 30),
            region=st.sampled_from(["", "Europe", "Asia"]),
            tier=st.sampled_from(["1", "2"]),
            potential=amounts,
            history=amounts,
        ),
        max_size=20,
        unique_by=lambda u: u.key,
    ),
    key=st.integers(0, 35),
    region=st.sampled_from(["", "Europe", "Asia"]),
    tier=st.sampled_from(["1", "2", "3"]),
)
def test_the_penetration_index_reads_the_same_median_as_the_definition(peers, key, region, tier):
    same = next((p for p in peers if p.key == key), None)
    unit = same or Unit(key=key, region=region, tier=tier, potential=D(1))
    assert PenetrationIndex(peers).penetration(unit) == naive_penetration(unit, peers)


@pytest.mark.django_db
def test_the_api_gives_the_pages_plan_with_how_its_weights_were_chosen(
    token_client, manager, partner, two_years
):
    response = token_client(manager).get(reverse("api:goal-plan", args=[two_years.pk]))
    assert response.status_code == 200
    body = response.json()
    distributors, result = goal_allocation(two_years)
    assert body["plan"] == "1000000.00" and body["currency"] == "EUR"
    assert body["fit"]["how"] == "fitted" and body["fit"]["distributors"] == 12
    assert D(body["fit"]["error"]) == result.fit.error
    assert {k: D(v) for k, v in body["fit"]["weights"].items()} == result.fit.weights
    shares = {row["distributor"]: D(row["share"]) for row in body["rows"]}
    assert shares == {d.code: result.shares[d.pk] for d in distributors}
    assert sum(D(r["share"]) for r in body["regions"]) == D("1000000.00")
    d05 = next(row for row in body["rows"] if row["distributor"] == "d05")
    assert D(d05["revenue_last_12_months"]) == D("60000")
    assert d05["goal"] is None and d05["own_proposal"] is None
    # A team goal is internal: a partner does not see it.
    assert (
        token_client(partner).get(reverse("api:goal-plan", args=[two_years.pk])).status_code == 404
    )


@pytest.mark.django_db
def test_the_api_refuses_the_plan_of_a_goal_that_is_no_team_goal(
    token_client, manager, distributor
):
    goal = factories.GoalFactory(distributor=distributor)
    response = token_client(manager).get(reverse("api:goal-plan", args=[goal.pk]))
    assert response.status_code == 400
    assert "team goal" in response.json()["error"]["message"]
