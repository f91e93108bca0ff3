"""The scoring run: metrics on hand-computed data, normalisation and ranks with ties, the no-data
rule, publishing, the single-run guard, weight versions, idempotence, a crash halfway."""

import datetime
from decimal import Decimal as D

import pytest

from drm.errors import Conflict, NotAllowed, ValidationFailed
from scoring import services
from scoring.metrics import metric_get
from scoring.models import MetricValue, Scorecard, ScoringRun
from tests import factories
from tests.scoring.conftest import AS_OF, run_now


def card(run, distributor):
    return Scorecard.objects.get(run=run, distributor=distributor)


def value(run, distributor, metric):
    return MetricValue.objects.get(run=run, distributor=distributor, metric=metric)


@pytest.mark.django_db
def test_trailing_revenue_and_growth_are_computed_from_the_revenue_records(channel):
    revenue = metric_get("revenue_t12m").inputs(AS_OF)
    assert revenue[channel["acme"].pk] == (D("12000.00"), None)
    growth = metric_get("revenue_growth").inputs(AS_OF)
    assert growth[channel["acme"].pk] == (D("6000.00"), D("6000.00"))  # +100 %
    assert channel["core"].pk not in growth  # nothing the year before: no growth figure


@pytest.mark.django_db
def test_a_run_ranks_with_shared_ranks_for_ties_and_leaves_out_who_has_no_data(channel):
    run = run_now()
    assert run.status == ScoringRun.Status.PUBLISHED
    acme, bolt, core = (channel[c] for c in ("acme", "bolt", "core"))
    # Revenue: acme and bolt tie (12,000) above core: both at the 75th percentile of three.
    assert (
        value(run, acme, "revenue_t12m").normalised == value(run, bolt, "revenue_t12m").normalised
    )
    assert value(run, acme, "revenue_t12m").normalised == D("75.00")
    assert value(run, core, "revenue_t12m").normalised == D("0.00")
    # Growth: core has no figure the year before, so it is out of that cohort (not a zero).
    assert value(run, core, "revenue_growth").raw is None
    assert value(run, core, "revenue_growth").normalised is None
    assert value(run, acme, "revenue_growth").normalised == D("100.00")
    assert value(run, bolt, "revenue_growth").normalised == D("0.00")
    # Scores: weights 2 (revenue) and 2 (growth) over the metrics each has data for.
    assert card(run, acme).score == D("87.50")  # (2×75 + 2×100) / 4
    assert card(run, bolt).score == D("37.50")  # (2×75 + 2×0) / 4
    assert card(run, core).score == D("0.00")
    assert (card(run, acme).rank, card(run, bolt).rank, card(run, core).rank) == (1, 2, 3)
    # The distributor with no data at all is listed, unranked.
    dormant = card(run, channel["dormant"])
    assert dormant.score is None and dormant.rank is None
    # Peer median (the tier's): revenue 12,000 of (12,000, 12,000, 3,000).
    assert value(run, core, "revenue_t12m").peer_median == D("12000.0000")


@pytest.mark.django_db
def test_equal_scores_share_a_rank(channel):
    for code in ("acme", "bolt"):
        distributor = channel[code]
        distributor.revenue.all().delete()
    run = run_now()
    assert card(run, channel["acme"]).rank == card(run, channel["bolt"]).rank


@pytest.mark.django_db
def test_rerunning_the_same_date_gives_the_same_figures(channel):
    first = run_now()
    second = run_now()

    def figures(run):
        return sorted(
            Scorecard.objects.filter(run=run).values_list("distributor_id", "score", "rank")
        )

    assert figures(first) == figures(second)
    assert card(second, channel["acme"]).rank_change == 0


@pytest.mark.django_db
def test_only_one_run_at_a_time(channel):
    services.scoring_run_trigger(as_of=AS_OF)
    with pytest.raises(Conflict):
        services.scoring_run_trigger(as_of=AS_OF)
    assert ScoringRun.objects.count() == 1


@pytest.mark.django_db
def test_a_run_cannot_be_as_of_a_day_to_come(channel, today):
    with pytest.raises(ValidationFailed) as refused:
        services.scoring_run_trigger(as_of=today + datetime.timedelta(days=1))
    assert refused.value.field == "as_of"
    assert not ScoringRun.objects.exists()


def test_every_metric_explains_itself_with_its_placeholders_filled():
    from scoring.metrics import metric_list

    for metric in metric_list():
        text = metric.explain()
        assert text and "%(" not in text


@pytest.mark.django_db
def test_a_partner_cannot_start_a_run_or_change_weights(channel, outsider):
    with pytest.raises(NotAllowed):
        services.scoring_run_trigger(as_of=AS_OF, by=outsider)
    with pytest.raises(NotAllowed):
        services.scoring_model_publish(weights={"revenue_t12m": 5}, by=outsider)


@pytest.mark.django_db
def test_new_weights_make_a_new_version_and_old_runs_keep_theirs(channel, manager):
    first = run_now()
    model = services.scoring_model_publish(
        weights={"revenue_t12m": 4}, by=manager, note="revenue first"
    )
    assert model.version == first.model.version + 1 and model.created_by == manager
    second = run_now()
    assert second.model == model
    assert value(first, channel["acme"], "revenue_t12m").weight == D("2.00")
    assert value(second, channel["acme"], "revenue_t12m").weight == D("4.00")
    with pytest.raises(ValidationFailed):
        services.scoring_model_publish(weights={"revenue_t12m": 4}, by=manager)


@pytest.mark.django_db
def test_a_run_that_fails_halfway_publishes_nothing_and_the_next_one_completes(
    channel, monkeypatch
):
    good = run_now()

    def boom(run):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_publish", boom)
    run = services.scoring_run_trigger(as_of=AS_OF)
    with pytest.raises(RuntimeError):
        services.scoring_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.FAILED and "disk full" not in run.error
    assert services.latest_run() == good
    monkeypatch.undo()
    assert run_now().status == ScoringRun.Status.PUBLISHED


@pytest.mark.django_db
def test_a_rerun_of_a_run_a_dead_worker_left_cleans_its_rows_first(channel):
    run = services.scoring_run_trigger(as_of=AS_OF)
    # A dead attempt: running, with some rows written.
    ScoringRun.objects.filter(pk=run.pk).update(status="running", attempts=1)
    Scorecard.objects.create(run=run, distributor=channel["acme"], tier=channel["acme"].tier)
    services.scoring_run_execute(run.pk)
    run.refresh_from_db()
    assert run.status == "published" and run.attempts == 2
    assert Scorecard.objects.filter(run=run).count() == 4


@pytest.mark.django_db
def test_goal_attainment_averages_settled_and_measured_goals_capped_at_200(channel):
    acme = channel["acme"]
    factories.GoalFactory(distributor=acme, status="achieved", target=100, final_actual=150)
    factories.GoalFactory(distributor=acme, status="active", target=100, actual=50)
    factories.GoalFactory(distributor=acme, status="missed", target=100, final_actual=900)
    factories.GoalFactory(distributor=acme, status="draft", target=100, actual=10)  # not agreed
    total, count = metric_get("goal_attainment").inputs(AS_OF)[acme.pk]
    # 150 % + 50 % + 200 % (900 % capped), over three goals
    assert (total, count) == (D("400"), 3)
    assert metric_get("goal_attainment").raw(total, count).quantize(D("0.01")) == D("133.33")
    assert channel["bolt"].pk not in metric_get("goal_attainment").inputs(AS_OF)
