"""Every Celery task of the portal, one by one, with real work to do: run twice, it changes
nothing more than run once; a transient database error is retried (with a backoff) and the work
done once; a permanent error fails it at once, marking its record failed where it has one; a
message delivered too often (its worker died each time) fails without running.

The tasks run in-process (`apply`), in autocommit as a worker runs them (a failed statement
inside a test's transaction would break the whole transaction). The on-commit enqueues of the
services that build each scenario are dropped, so each test sees one task's work only.
"""

import datetime
import inspect
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from distributors import services as distributor_services
from distributors import tasks as distributor_tasks
from distributors.models import ImportBatch
from drm.task_policy import DeliveriesExhausted
from goals import tasks as goal_tasks
from leads import services as lead_services
from leads import tasks as lead_tasks
from leads.models import Lead, LeadRollup
from notifications import tasks as notification_tasks
from scoring import services as scoring_services
from scoring import tasks as scoring_tasks
from scoring.models import ScoringRun
from tests import factories
from tests.faults import database_fails, database_state, differences, retries_recorded

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://drm.example.com/"


class Job:
    """A task with its arguments; `record` (a table and a check) where it has one."""

    def __init__(self, task, *args, record=None, same_message=False, rebuilt=()):
        self.task, self.args = task, list(args)
        self.rebuilt = rebuilt  # tables recomputed whole (compared without their ids)
        self.record = record  # ((db tables), callable: is the record failed?)
        self.same_message = same_message  # idempotent per message (redelivery), not per call

    def apply(self, task_id=None):
        return self.task.apply(args=self.args, task_id=task_id or str(uuid.uuid4()))

    @property
    def record_table(self):
        # A failed import also tells its uploader (a notification and its e-mail).
        return (*self.record[0], "notifications_notification", "mail.outbox") if self.record else ()


def revenue_batch(manager):
    factories.ProductLineFactory(code="pumps")
    content = "distributor,month,product_line,amount\n" + "".join(
        f"acme,2025-{m:02d},pumps,{m * 100}\n" for m in range(1, 4)
    )
    return distributor_services.import_batch_create(
        user=manager,
        kind="revenue",
        uploaded_file=SimpleUploadedFile("r.csv", content.encode()),
    )


def batch_failed(batch):
    return lambda: ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.FAILED


def run_failed(run):
    return lambda: ScoringRun.objects.get(pk=run.pk).status == ScoringRun.Status.FAILED


def ranked_channel():
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)
    line = factories.ProductLineFactory(code="pumps")
    for index in range(3):
        distributor = factories.DistributorFactory(code=f"s{index}")
        for month in (datetime.date(2025, 1, 1), timezone.localdate().replace(day=1)):
            factories.RevenueRecordFactory(
                distributor=distributor, product_line=line, month=month, amount=1000 + index
            )


def import_batch_validate_task(manager, distributor):
    batch = revenue_batch(manager)
    return Job(
        distributor_tasks.import_batch_validate_task,
        batch.pk,
        record=((ImportBatch._meta.db_table,), batch_failed(batch)),
    )


def import_batch_commit_task(manager, distributor):
    batch = revenue_batch(manager)
    distributor_services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    distributor_services.import_batch_request_commit(batch=batch, by=manager)
    return Job(
        distributor_tasks.import_batch_commit_task,
        batch.pk,
        record=((ImportBatch._meta.db_table,), batch_failed(batch)),
    )


def import_batches_expire(manager):
    batch = ImportBatch.objects.create(
        kind="revenue", filename="old.csv", content=b"x", uploaded_by=manager
    )
    long_ago = timezone.now() - datetime.timedelta(days=10)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=long_ago, updated_at=long_ago)
    return Job(distributor_tasks.import_batches_expire)


def contract_renewals_notify(manager, distributor):
    distributor.account_manager = manager
    distributor.contract_start = datetime.date(2024, 1, 1)
    distributor.contract_end = timezone.localdate() + datetime.timedelta(days=20)
    distributor.save()
    return Job(distributor_tasks.contract_renewals_notify)


def partner_user_invite_send_task(manager, distributor):
    user = distributor_services.partner_user_invite(
        by=manager,
        email="new.rep@acme.example",
        first_name="New",
        last_name="Rep",
        site_url=SITE,
        distributor=distributor,
        role="rep",
    )
    # An invitation e-mail carries no mark of its own: it is sent once per message.
    return Job(distributor_tasks.partner_user_invite_send_task, user.pk, SITE, same_message=True)


def notification_email_send(partner):
    notification = factories.NotificationFactory(recipient=partner)
    return Job(notification_tasks.notification_email_send, notification.pk)


def notification_digests_send(partner):
    factories.NotificationFactory(recipient=partner, kind="step_overdue")
    factories.NotificationFactory(recipient=partner, kind="step_overdue")
    return Job(notification_tasks.notification_digests_send)


def leads_deadlines_enforce(manager, partner, distributor, other_distributor):
    for d in (distributor, other_distributor):
        d.territories.add(factories.TerritoryFactory(country="DE", region=""))
    distributor.account_manager = manager
    distributor.save()
    lead = factories.LeadFactory(country="DE")
    lead_services.lead_assign(lead=lead, distributor=distributor, by=manager)
    Lead.objects.update(accept_deadline=timezone.now() - datetime.timedelta(minutes=5))
    return Job(lead_tasks.leads_deadlines_enforce)


def leads_route_task(manager, distributor):
    distributor.territories.add(factories.TerritoryFactory(country="DE", region=""))
    leads = [factories.LeadFactory(country="DE") for _ in range(3)]
    return Job(lead_tasks.leads_route_task, [lead.pk for lead in leads], manager.pk)


def lead_rollups_rebuild(manager, distributor):
    for _ in range(2):
        lead_services.lead_assign(lead=factories.LeadFactory(), distributor=distributor, by=manager)
    LeadRollup.objects.all().delete()  # lost: the rebuild counts them again
    return Job(lead_tasks.lead_rollups_rebuild, rebuilt=(LeadRollup._meta.db_table,))


def criteria_published_notify_task(manager, partner, outsider):
    version = factories.criteria_version_with_items(number=1, published_by=manager)
    return Job(lead_tasks.criteria_published_notify_task, version.pk)


def goals_daily(partner, distributor):
    today = timezone.localdate()
    goal = factories.GoalFactory(
        distributor=distributor,
        status="active",
        metric="dql_conversion",
        baseline=Decimal("40"),
        target=Decimal("50"),
        start=today - datetime.timedelta(days=100),
        due=today + datetime.timedelta(days=200),
    )
    factories.LandmarkFactory(
        goal=goal, date=today - datetime.timedelta(days=5), expected=Decimal("45")
    )
    return Job(goal_tasks.goals_daily)


def scoring_run_task(db):
    ranked_channel()
    run = ScoringRun.objects.create(
        as_of=timezone.localdate(), model=scoring_services.scoring_model_current()
    )
    return Job(
        scoring_tasks.scoring_run_task,
        run.pk,
        record=((ScoringRun._meta.db_table,), run_failed(run)),
    )


def scoring_nightly(db):
    ranked_channel()
    return Job(scoring_tasks.scoring_nightly)


SCENARIOS = [
    import_batch_validate_task,
    import_batch_commit_task,
    import_batches_expire,
    contract_renewals_notify,
    partner_user_invite_send_task,
    notification_email_send,
    notification_digests_send,
    leads_deadlines_enforce,
    leads_route_task,
    lead_rollups_rebuild,
    criteria_published_notify_task,
    goals_daily,
    scoring_run_task,
    scoring_nightly,
]


@pytest.fixture(params=SCENARIOS, ids=[s.__name__ for s in SCENARIOS])
def job(request):
    scenario = request.param
    names = inspect.signature(scenario).parameters
    fixtures = {name: request.getfixturevalue(name) for name in names}
    with transaction.atomic():
        made = scenario(**fixtures)
        # The tasks the services queued after commit: this test runs them itself.
        connection.run_on_commit.clear()
    return made


def test_every_task_of_the_portal_has_a_scenario_here():
    from tests.drm.test_task_policy import portal_tasks

    names = {name.rsplit(".", 1)[1] for name in portal_tasks()}
    assert names == {s.__name__ for s in SCENARIOS}


def test_running_a_task_twice_changes_nothing_more_than_running_it_once(job):
    before = database_state(rebuilt=job.rebuilt)
    assert job.apply("first").successful()
    once = database_state(rebuilt=job.rebuilt)
    assert differences(before, once), "the first run did nothing: the scenario tests nothing"

    again = job.apply("first" if job.same_message else "second")

    assert again.successful()
    assert differences(once, database_state(rebuilt=job.rebuilt)) == []


def test_a_transient_database_error_is_retried_after_a_backoff_and_the_work_done_once(job):
    with retries_recorded() as countdowns, database_fails(error=OperationalError):
        result = job.apply("flaky")

    assert result.successful(), result.result
    assert len(countdowns) == 1 and 0 <= countdowns[0] <= 1
    done = database_state(rebuilt=job.rebuilt)
    # The retried run did the whole work: another run finds nothing left to do.
    assert job.apply("flaky" if job.same_message else "after").successful()
    assert differences(done, database_state(rebuilt=job.rebuilt)) == []


def test_a_permanent_error_fails_the_task_at_once_and_marks_its_record_failed(job):
    with retries_recorded() as countdowns, database_fails(error=ValueError) as statements:
        result = job.apply()

    assert result.failed() and isinstance(result.result, ValueError)
    assert countdowns == []
    assert len(statements) >= 1
    if job.record:
        assert job.record[1](), "the task's record was not marked failed"


def test_a_message_delivered_too_often_fails_without_running(job, settings):
    settings.CELERY_TASK_MAX_DELIVERIES = 3
    cache.set("celery:deliveries:doomed:0", 3)  # three workers died running it
    before = database_state(exclude=job.record_table)

    result = job.apply("doomed")

    assert result.failed() and isinstance(result.result, DeliveriesExhausted)
    assert differences(before, database_state(exclude=job.record_table)) == []
    if job.record:
        assert job.record[1](), "the task's record was not marked failed"
