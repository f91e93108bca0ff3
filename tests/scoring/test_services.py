"""The scoring run: metrics on hand-computed data, normalisation and ranks with ties, the no-data
rule, publishing, the single-run guard, weight versions, idempotence, a crash halfway."""

import datetime
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.utils import timezone

from drm.errors import Conflict, NotAllowed, ValidationFailed
from leads.models import Lead
from scoring import selectors, services
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


# --- the as-of date and the current run ---------------------------------------------------------


@pytest.mark.django_db
def test_a_run_cannot_be_as_of_a_day_before_the_first_month_of_data(channel):
    # The channel's first revenue is of 2025-01.
    for day in (datetime.date(1900, 1, 1), datetime.date(1, 1, 1), datetime.date(2024, 12, 31)):
        with pytest.raises(ValidationFailed) as refused:
            services.scoring_run_trigger(as_of=day)
        assert refused.value.field == "as_of" and "1 January 2025" in refused.value.message
    assert not ScoringRun.objects.exists()
    assert services.scoring_run_trigger(as_of=datetime.date(2025, 1, 1)).as_of.year == 2025


@pytest.mark.django_db
def test_leads_older_than_any_revenue_open_their_months_to_a_run(channel):
    lead = factories.LeadFactory()
    Lead.objects.filter(pk=lead.pk).update(
        created_at=datetime.datetime(2024, 3, 20, 9, 0, tzinfo=datetime.UTC)
    )
    with pytest.raises(ValidationFailed):
        services.scoring_run_create(as_of=datetime.date(2024, 2, 29))
    assert services.scoring_run_create(as_of=datetime.date(2024, 3, 1)).as_of.month == 3


@pytest.mark.django_db
def test_without_any_data_a_run_is_as_of_a_day_of_the_running_month(today):
    with pytest.raises(ValidationFailed) as refused:
        services.scoring_run_create(as_of=today - datetime.timedelta(days=30))
    assert refused.value.field == "as_of"
    assert services.scoring_run_create(as_of=today.replace(day=1)).as_of == today.replace(day=1)


EARLIER = datetime.date(2026, 5, 31)


@pytest.mark.django_db
def test_a_back_dated_run_is_history_and_never_replaces_the_current_one(channel):
    current = run_now()
    back_dated = run_now(as_of=EARLIER)

    assert back_dated.status == ScoringRun.Status.PUBLISHED
    assert (back_dated.published_at, back_dated.pk) > (current.published_at, current.pk)
    assert services.latest_run() == current
    assert selectors.published_run() == current
    assert list(selectors.published_runs()) == [current, back_dated]
    flags = dict(selectors.run_list().values_list("pk", "back_dated"))
    assert flags == {current.pk: False, back_dated.pk: True}
    # Of two runs with the same as-of date, the one published last is current.
    again = run_now()
    assert services.latest_run() == again
    assert not selectors.run_list().get(pk=again.pk).back_dated


@pytest.mark.django_db
def test_a_back_dated_publication_keeps_the_cached_current_run(channel):
    current = run_now()
    assert services.latest_run() == current  # now kept in the cache
    services.scoring_run_execute(services.scoring_run_trigger(as_of=EARLIER).pk)
    kept = cache.get(services.LATEST_RUN_KEY)
    assert kept is not None and kept.pk == current.pk
    # A publication that becomes current forgets it.
    newer = run_now()
    assert cache.get(services.LATEST_RUN_KEY) is None
    assert services.latest_run() == newer


@pytest.mark.django_db
def test_pruning_keeps_the_current_run_even_when_a_back_dated_one_is_newer(channel, settings):
    current = run_now()
    back_dated = run_now(as_of=EARLIER)
    settings.SCORING_RETENTION_DAYS = 0
    ScoringRun.objects.update(created_at=timezone.now() - datetime.timedelta(days=1))
    services.scoring_runs_prune()
    assert list(ScoringRun.objects.values_list("pk", flat=True)) == [current.pk]
    assert back_dated.pk != current.pk


# --- won revenue from leads, in the reporting currency ------------------------------------------


@pytest.mark.django_db
def test_won_revenue_from_leads_is_priced_and_leaves_out_what_has_no_rate(won_channel):
    acme, bolt, core = (won_channel[c] for c in ("acme", "bolt", "core"))
    run = run_now()
    won = {d: value(run, d, "won_from_leads") for d in (acme, bolt, core)}
    assert (won[acme].raw, won[acme].missing_rates) == (D("2000.0000"), 1)
    assert (won[bolt].raw, won[bolt].missing_rates) == (D("3000.0000"), 0)
    # Nothing of core's could be priced: no figure, not a zero, and said why.
    assert (won[core].raw, won[core].missing_rates) == (None, 1)
    assert won[core].normalised is None
    # The tier's peer median compares reporting-currency figures: of 2,000 and 3,000.
    assert won[acme].peer_median == D("2500.0000")
    assert "1 won lead is left out" in won[acme].missing_rates_note
    assert won[bolt].missing_rates_note == ""


@pytest.mark.django_db
def test_a_rate_arriving_later_prices_the_next_run(won_channel, manager):
    from distributors import services as distributor_services

    acme = won_channel["acme"]
    first = run_now()
    distributor_services.exchange_rate_set(
        currency="PLN", month=datetime.date(2026, 2, 1), rate="0.2", by=manager
    )
    second = run_now()
    assert value(first, acme, "won_from_leads").raw == D("2000.0000")
    assert (value(second, acme, "won_from_leads").raw, value(second, acme,
            "won_from_leads").missing_rates) == (D("3000.0000"), 0)  # fmt: skip


# --- fair rates and ranks ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_run_stores_each_rate_raw_shrunk_toward_the_peers_and_its_interval(lead_channel):
    run = run_now()
    acme = value(run, lead_channel["acme"], "acceptance_rate")
    bolt = value(run, lead_channel["bolt"], "acceptance_rate")
    assert acme.raw == D("100.0000")
    # 2 of 2 is pulled hard toward the peers' 55 %; 160 of 200 hardly moves.
    assert acme.prior_mean == D("55.2239")  # 222 of 402
    assert acme.prior_mean < acme.shrunk < D("90")
    assert abs(bolt.shrunk - bolt.raw) < 2
    assert acme.shrunk_low < acme.shrunk < acme.shrunk_high
    assert acme.shrunk_high - acme.shrunk_low > (bolt.shrunk_high - bolt.shrunk_low) * 3
    # A metric that is not a rate of counts has no estimate.
    assert value(run, lead_channel["acme"], "revenue_t12m").shrunk is None


@pytest.mark.django_db
def test_the_model_chooses_raw_or_shrunk_rates_for_the_score_and_the_run_keeps_which(
    lead_channel, manager
):
    acme, bolt = lead_channel["acme"], lead_channel["bolt"]
    shrunk_run = run_now()
    assert shrunk_run.rate_estimate == "shrunk"
    # Shrunk: bolt's 80 % of 200 leads outranks acme's 100 % of 2.
    assert (
        value(shrunk_run, bolt, "acceptance_rate").normalised
        > value(shrunk_run, acme, "acceptance_rate").normalised
    )
    weights = services.scoring_model_current().weights
    model = services.scoring_model_publish(weights=weights, by=manager, rate_estimate="raw")
    assert model.version == 2 and model.rate_estimate == "raw"
    raw_run = run_now()
    assert raw_run.rate_estimate == "raw" and raw_run.model == model
    assert (
        value(raw_run, acme, "acceptance_rate").normalised
        > value(raw_run, bolt, "acceptance_rate").normalised
    )
    # The history keeps which rates each run ranked on.
    shrunk_run.refresh_from_db()
    assert shrunk_run.rate_estimate == "shrunk"


@pytest.mark.django_db
def test_the_same_choice_of_rates_and_weights_is_refused_as_unchanged(lead_channel, manager):
    current = services.scoring_model_current()
    with pytest.raises(ValidationFailed):
        services.scoring_model_publish(
            weights=current.weights, by=manager, rate_estimate=current.rate_estimate
        )
    with pytest.raises(ValidationFailed):
        services.scoring_model_publish(weights=current.weights, by=manager, rate_estimate="wild")


@pytest.mark.django_db
def test_each_ranked_scorecard_has_a_rank_interval_and_quartile_chances(lead_channel):
    run = run_now()
    for code in ("acme", "bolt", "core"):
        scorecard = card(run, lead_channel[code])
        assert 1 <= scorecard.rank_low <= scorecard.rank_high <= 3
        top, bottom = scorecard.top_quartile_probability, scorecard.bottom_quartile_probability
        assert 0 <= top <= 1 and 0 <= bottom <= 1 and top + bottom <= 1
    dormant = card(run, lead_channel["dormant"])
    assert dormant.rank_low is None and dormant.bottom_quartile_probability is None
    # A fixed seed: the same run gives the same chances.
    again = run_now()
    assert [
        (c.distributor_id, c.rank_low, c.rank_high, c.bottom_quartile_probability)
        for c in Scorecard.objects.filter(run=again).order_by("distributor_id")
    ] == [
        (c.distributor_id, c.rank_low, c.rank_high, c.bottom_quartile_probability)
        for c in Scorecard.objects.filter(run=run).order_by("distributor_id")
    ]


def _metric_rows(run):
    return sorted(
        MetricValue.objects.filter(run=run).values_list(
            "distributor_id", "metric", "raw", "numerator", "denominator", "normalised", "shrunk"
        ),
        key=repr,
    )


def _scorecard_rows(run):
    fields = [field.attname for field in Scorecard._meta.concrete_fields]
    fields = [
        name for name in fields if name not in ("id", "run_id", "rank_change", "score_change")
    ]
    return sorted(Scorecard.objects.filter(run=run).values_list(*fields), key=repr)


@pytest.mark.django_db
def test_rows_written_in_several_copies_are_the_ones_written_in_one(channel, monkeypatch):
    """The run COPYs its metric values and scorecards COPY_ROWS at a time (its peak memory was
    the whole CSV, then the 10,000 scorecards as model instances): written two rows at a time
    they are the same rows as written at once, a blank region blank and not NULL."""
    channel["core"].region = ""
    channel["core"].save(update_fields=["region"])
    whole = run_now()
    monkeypatch.setattr(services, "COPY_ROWS", 2)
    pieces = run_now()
    assert whole.counts["metric_values"] == pieces.counts["metric_values"] > 2
    assert _metric_rows(pieces) == _metric_rows(whole)
    assert MetricValue.objects.filter(run=pieces).count() == pieces.counts["metric_values"]
    assert _scorecard_rows(pieces) == _scorecard_rows(whole)
    assert len(_scorecard_rows(pieces)) == pieces.counts["scorecards"] > 2
    assert Scorecard.objects.get(run=pieces, distributor=channel["core"]).region == ""
    assert Scorecard.objects.filter(run=pieces, score__isnull=False, rank__isnull=False).exists()


@pytest.mark.django_db
def test_metrics_reading_the_rollups_together_give_what_each_reads_alone(lead_channel):
    """Within shared_reads() the lead rates, time to accept and won-from-leads read the rollups
    once; every metric's figures are the ones it reads alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from leads.models import LeadRollup
    from scoring.metrics import metric_list, shared_reads
    from tests.scoring.conftest import won_rollup

    march = datetime.date(2026, 3, 1)
    key = {"grain": LeadRollup.Grain.DISTRIBUTOR, "month": march}
    for code, stage, bucket, count in (
        ("bolt", "accept_time", 2, 90),
        ("bolt", "accept_time", 5, 70),
        ("core", "accept_time", 7, 60),
        ("bolt", "late", 0, 12),
        ("core", "dql", 0, 30),
    ):
        LeadRollup.objects.create(
            **key, distributor=lead_channel[code], stage=stage, bucket=bucket, count=count
        )
    won_rollup(lead_channel["core"], march, "", 2, "500")

    alone = {metric.key: metric.inputs(AS_OF) for metric in metric_list()}
    with CaptureQueriesContext(connection) as queries, shared_reads():
        together = {metric.key: metric.inputs(AS_OF) for metric in metric_list()}
    assert together == alone
    assert any(alone[key] for key in ("acceptance_rate", "time_to_accept", "won_from_leads"))
    rollup_reads = [q for q in queries if 'FROM "leads_leadrollup"' in q["sql"]]
    assert len(rollup_reads) == 2  # the shared read, and won values' own (priced per currency)


@pytest.mark.django_db
def test_a_copy_the_database_refuses_raises_djangos_error_and_writes_nothing(channel):
    """The COPY's driver errors come out as Django's (the task tells transient ones by them)."""
    from django.db import DataError, transaction

    run = run_now()
    before = Scorecard.objects.count()
    rows = [(run.pk, channel["core"].pk, "not a tier id")]
    with pytest.raises(DataError), transaction.atomic():
        services._copy(Scorecard, ("run_id", "distributor_id", "tier_id"), rows)
    assert Scorecard.objects.count() == before
