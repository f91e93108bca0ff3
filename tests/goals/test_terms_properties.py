"""Invariants of a goal's terms over any sequence of acts (Hypothesis): whatever is proposed,
countered, amended, accepted or refused, the last landmark is the target on the due date, a sum
to date never goes down, the title says the terms, and each bonus band reads in its own unit."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from drm.errors import DomainError
from goals import formats, services
from goals.metrics import metric_get
from goals.models import Amendment, Goal
from goals.services import Terms
from tests import factories

pytestmark = pytest.mark.django_db

D = Decimal
START, DUE = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)
ACK = "Agreed at the business review."

METRICS = {
    # metric: (baseline, strategy of targets)
    "revenue": (D("100000"), st.integers(80_000, 200_000).map(D)),
    "units": (D("1000"), st.integers(500, 3_000).map(D)),
    "margin_pct": (D("25.5"), st.integers(240, 300).map(lambda n: D(n) / 10)),
}
RULES = st.sampled_from(["linear", "profile", "manual", None])


def act_strategy(targets):
    typed = st.sampled_from(["none", "consistent", "short", "stale"])
    dues = st.sampled_from([None, datetime.date(2026, 11, 30), DUE])
    return st.one_of(
        st.tuples(st.just("counter"), targets, RULES, typed, dues),
        st.tuples(st.just("amend"), targets, RULES, typed, dues),
        st.tuples(st.just("accept"), st.none(), st.none(), st.none(), st.none()),
        st.tuples(st.just("decide"), st.booleans(), st.none(), st.none(), st.none()),
    )


@pytest.fixture
def people(distributor, manager, partner):
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(pumps)
    return manager, partner, pumps


def typed_landmarks(goal_target, due, kind):
    """Landmarks as a person might type them: right, stopping short of the due date, or
    ending on a target that is no longer the one on the table."""
    if kind == "consistent":
        return [(datetime.date(2026, 6, 30), (goal_target / 2).quantize(D(1))), (due, goal_target)]
    if kind == "short":
        return [(datetime.date(2026, 6, 30), (goal_target / 2).quantize(D(1)))]
    if kind == "stale":
        return [(datetime.date(2026, 6, 30), D(1)), (due, goal_target + 1)]
    return None


def assert_whole(goal):
    goal = Goal.objects.select_related("distributor", "product_line").get(pk=goal.pk)
    metric = metric_get(goal.metric)
    landmarks = list(goal.landmarks.values_list("date", "expected"))
    assert landmarks, "a goal always has its landmarks"
    assert landmarks[-1] == (goal.due, goal.target), landmarks
    assert all(goal.start <= day <= goal.due for day, _value in landmarks)
    if metric.cumulative:
        values = [value for _day, value in landmarks]
        assert values == sorted(values), values
    title = goal.title
    assert formats.short_amount(goal, goal.target) in title
    assert formats.period_text(goal.start, goal.due) in title
    assert str(goal.product_line) in title
    for band in goal.bands.all():
        text = formats.band_text(goal, band)
        if band.kind == "fixed":
            assert "€" in text and "%" not in text, text
        else:
            assert "%" in text and "revenue above target" in text, text


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), metric=st.sampled_from(sorted(METRICS)))
def test_any_sequence_of_acts_keeps_the_terms_whole(data, metric, today, distributor, people):
    manager, partner, pumps = people
    baseline, targets = METRICS[metric]
    bands = [(100, "fixed", 2500)] + ([(110, "percent_above", 3)] if metric == "revenue" else [])
    goal = services.goal_create(
        by=partner,
        terms=Terms(
            fields={
                "level": "distributor",
                "distributor": distributor,
                "metric": metric,
                "product_line": pumps,
                "baseline": baseline,
                "baseline_start": datetime.date(2025, 1, 1),
                "baseline_end": datetime.date(2025, 12, 31),
                "target": data.draw(targets),
                "start": START,
                "due": DUE,
            },
            bands=bands,
            landmark_rule=data.draw(st.sampled_from(["linear", "profile", None])),
            acknowledgement=ACK,
        ),
    )
    services.goal_propose(goal=goal, by=partner)
    if data.draw(st.booleans()):  # half the goals are agreed at once: amendments come next
        services.goal_accept(goal=goal, by=manager)
    assert_whole(goal)
    sides = {"manufacturer": manager, "partner": partner}
    for kind, target, rule, typed, due in data.draw(st.lists(act_strategy(targets), max_size=6)):
        goal.refresh_from_db()
        try:
            if kind == "counter":
                fields = {"target": target} | ({"due": due} if due else {})
                services.goal_counter(
                    goal=goal,
                    by=sides.get(goal.awaiting_side, manager),
                    terms=Terms(
                        fields=fields,
                        landmark_rule=rule,
                        landmarks=typed_landmarks(target, due or goal.due, typed),
                        acknowledgement=ACK,
                        reason="The order book changed.",
                    ),
                )
            elif kind == "accept":
                services.goal_accept(goal=goal, by=sides.get(goal.awaiting_side, manager))
            elif kind == "amend":
                services.amendment_propose(
                    goal=goal,
                    by=partner,
                    fields={"target": target} | ({"due": due} if due else {}),
                    landmark_rule=rule,
                    landmarks=typed_landmarks(target, due or goal.due, typed),
                    reason="A key account moved.",
                )
            elif kind == "decide":
                amendment = goal.amendments.filter(status=Amendment.Status.PROPOSED).first()
                if amendment is not None:
                    decide = services.amendment_accept if target else services.amendment_reject
                    decide(amendment=amendment, by=manager)
            event(f"{kind} done")
        except DomainError as exc:
            event(f"{kind} refused: {exc.field}")  # a refusal changes nothing
        assert_whole(goal)
