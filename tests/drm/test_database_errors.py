"""A database error in the middle of a multi-row service leaves nothing half-written: the error
is injected on one of the last statements of the service (after rows were already written in its
transaction), and every table of the portal is compared before and after. Where the work has a
job record (an import, a scoring run), the record ends failed with a plain message.

Autocommit, as in a worker or a request (transaction=True): the services' own transactions are
what is tested, not the test's.
"""

import contextlib
import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, OperationalError, connection, transaction
from django.utils import timezone

from distributors import services as distributor_services
from distributors.models import ImportBatch, RevenueRecord
from distributors.tasks import import_batch_commit_task
from goals import services as goal_services
from goals.models import Goal
from leads import services as lead_services
from leads.models import Lead, LeadEvent
from scoring import services as scoring_services
from scoring.models import MetricValue, Scorecard, ScoringRun
from scoring.tasks import scoring_run_task
from tests import factories
from tests.faults import database_fails, database_state, differences
from tests.goals.test_services import terms

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def nothing_enqueued():
    """Build a scenario without running the tasks its services queue after commit."""
    with transaction.atomic():
        yield
        connection.run_on_commit.clear()


def checked_batch(user, kind, content):
    with nothing_enqueued():
        batch = distributor_services.import_batch_create(
            user=user, kind=kind, uploaded_file=SimpleUploadedFile("f.csv", content.encode())
        )
    distributor_services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    with nothing_enqueued():
        distributor_services.import_batch_request_commit(batch=batch, by=user)
    return batch


def commit_failing_at_the_end(batch, table):
    """Commit `batch` as the worker does, the database failing on the batch's update to
    'committed': after the rows were inserted into `table`, in the same transaction."""
    before = database_state(exclude=("distributors_importbatch",))
    with (
        database_fails(on=f'INSERT INTO "{table}"', nth=0) as inserts,
        database_fails(on='UPDATE "distributors_importbatch"') as updates,
    ):
        result = import_batch_commit_task.apply(args=[batch.pk])
    assert result.failed() and isinstance(result.result, DatabaseError)
    assert inserts and updates, "the rows were not written before the failure"
    batch.refresh_from_db()
    return before, batch


def assert_import_failed_plainly(batch):
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.message == "The import failed and nothing was written. Try again."
    assert "injected" not in batch.message


def test_a_revenue_import_that_fails_at_its_commit_writes_no_figure(manager, distributor):
    factories.ProductLineFactory(code="pumps")
    content = "distributor,month,product_line,amount\n" + "".join(
        f"acme,2025-{m:02d},pumps,{m * 100}\n" for m in range(1, 13)
    )
    batch = checked_batch(manager, "revenue", content)

    before, batch = commit_failing_at_the_end(batch, RevenueRecord._meta.db_table)

    assert RevenueRecord.objects.count() == 0
    after = database_state(exclude=("distributors_importbatch",))
    # The uploader is told (a notification): nothing else changed.
    assert differences(before, after) in ([], ["mail.outbox", "notifications_notification"])
    assert_import_failed_plainly(batch)


def test_an_mql_import_that_fails_at_its_commit_creates_no_lead(manager):
    factories.ProductLineFactory(code="pumps")
    factories.LeadSourceFactory(code="fair")
    content = "source,external_ref,company,country,product_line\n" + "".join(
        f"fair,R-{n},Company {n},de,pumps\n" for n in range(1, 21)
    )
    batch = checked_batch(manager, "lead", content)

    before, batch = commit_failing_at_the_end(batch, Lead._meta.db_table)

    assert Lead.objects.count() == 0 and LeadEvent.objects.count() == 0
    after = database_state(exclude=("distributors_importbatch",))
    assert differences(before, after) in ([], ["mail.outbox", "notifications_notification"])
    assert_import_failed_plainly(batch)


@pytest.fixture
def routable(manager, distributor):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    return [factories.LeadFactory(country="DE") for _ in range(3)]


def test_an_assignment_that_fails_at_its_last_statement_leaves_the_lead_in_the_pool(
    manager, distributor, routable
):
    lead = routable[0]
    before = database_state()

    # The rollups are counted last, after the lead, its event and its routing decision.
    with database_fails(on='"leads_leadrollup"'), pytest.raises(DatabaseError):
        lead_services.lead_assign(lead=lead, distributor=distributor, by=manager)

    assert differences(before, database_state()) == []
    assert Lead.objects.get(pk=lead.pk).status == Lead.Status.MQL


def test_routing_that_fails_at_its_last_statement_routes_no_lead(manager, routable):
    before = database_state()

    with database_fails(on='"leads_leadrollup"'), pytest.raises(DatabaseError):
        lead_services.leads_route(lead_ids=[lead.pk for lead in routable], by=manager)

    assert differences(before, database_state()) == []
    assert set(Lead.objects.values_list("status", flat=True)) == {Lead.Status.MQL}


@pytest.fixture
def pumps(distributor, manager):
    distributor.account_manager = manager
    distributor.save()
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(line)
    return line


@pytest.fixture
def draft(today, distributor, pumps, partner):
    return goal_services.goal_create(by=partner, terms=terms(distributor, pumps))


# The goal's history row is written last, after the goal and its acceptances.
HISTORY = 'INSERT INTO "goals_historicalgoal"'
NOTICE = 'INSERT INTO "notifications_notification"'


def test_a_proposal_that_fails_at_its_last_statement_leaves_the_goal_a_draft(draft, partner):
    before = database_state()

    with database_fails(on=HISTORY), pytest.raises(DatabaseError):
        goal_services.goal_propose(goal=draft, by=partner)

    assert differences(before, database_state()) == []
    assert Goal.objects.get(pk=draft.pk).status == Goal.Status.DRAFT


def test_an_agreement_that_fails_at_its_last_statement_leaves_the_goal_proposed(
    draft, partner, manager
):
    with nothing_enqueued():
        proposed = goal_services.goal_propose(goal=draft, by=partner)
    before = database_state()

    with database_fails(on=HISTORY), pytest.raises(DatabaseError):
        goal_services.goal_accept(goal=proposed, by=manager)

    assert differences(before, database_state()) == []
    goal = Goal.objects.get(pk=draft.pk)
    assert goal.status == Goal.Status.PROPOSED and goal.manufacturer_accepted_at is None


def test_a_notice_that_cannot_be_written_loses_the_notice_not_the_agreement(
    draft, partner, manager
):
    """A lost notice must not undo the act it reports, silently least of all: the service
    said "agreed" while its transaction was rolled back."""
    with nothing_enqueued():
        proposed = goal_services.goal_propose(goal=draft, by=partner)

    with database_fails(on=NOTICE) as notices:
        goal_services.goal_accept(goal=proposed, by=manager)

    assert notices
    goal = Goal.objects.get(pk=draft.pk)
    assert goal.status in (Goal.Status.AGREED, Goal.Status.ACTIVE)
    assert goal.manufacturer_accepted_by == manager


@pytest.fixture
def channel():
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    line = factories.ProductLineFactory(code="pumps")
    for index in range(4):
        distributor = factories.DistributorFactory(code=f"s{index}")
        for month in (datetime.date(2025, 1, 1), timezone.localdate().replace(day=1)):
            factories.RevenueRecordFactory(
                distributor=distributor, product_line=line, month=month, amount=1000 + index
            )


def published_run(as_of):
    run = ScoringRun.objects.create(as_of=as_of, model=scoring_services.scoring_model_current())
    scoring_services.scoring_run_execute(run.pk)
    return ScoringRun.objects.get(pk=run.pk)


@pytest.mark.parametrize(
    "where",
    [
        # The write: the scorecards go in (by COPY) after the metric values.
        'COPY "scoring_scorecard"',
        # The publication: the run's switch to published, after every row was written.
        '"published_at" =',
    ],
    ids=["write", "publish"],
)
def test_a_scoring_run_that_fails_in_its_write_or_publication_leaves_no_row(channel, where):
    previous = published_run(timezone.localdate() - datetime.timedelta(days=1))
    assert previous.status == ScoringRun.Status.PUBLISHED
    run = ScoringRun.objects.create(
        as_of=timezone.localdate(), model=scoring_services.scoring_model_current()
    )

    with database_fails(on=where) as statements:
        result = scoring_run_task.apply(args=[run.pk])

    assert statements, "the failure did not strike"
    assert result.failed() and isinstance(result.result, DatabaseError)
    run.refresh_from_db()
    assert run.status == ScoringRun.Status.FAILED and run.active is None
    assert run.error == "The run failed; see the server log (DatabaseError)."
    assert not MetricValue.objects.filter(run=run).exists()
    assert not Scorecard.objects.filter(run=run).exists()
    # Readers still read the run published before.
    assert scoring_services.latest_run() == previous


def test_a_transient_error_in_the_scoring_write_is_retried_and_the_run_published_whole(channel):
    run = ScoringRun.objects.create(
        as_of=timezone.localdate(), model=scoring_services.scoring_model_current()
    )

    with database_fails(on='COPY "scoring_scorecard"', error=OperationalError):
        result = scoring_run_task.apply(args=[run.pk])

    assert result.successful()
    run.refresh_from_db()
    assert (run.status, run.attempts) == (ScoringRun.Status.PUBLISHED, 2)
    # The first attempt's metric values were dropped by the second, not kept beside its own.
    assert MetricValue.objects.filter(run=run).count() == run.counts["metric_values"]
    assert Scorecard.objects.filter(run=run).count() == 4
