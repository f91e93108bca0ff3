"""An import that is checked, committed, invalid or failed notifies its uploader."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from distributors import services
from distributors.models import ImportBatch
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True


def upload(user, content):
    return services.import_batch_create(
        user=user, kind="revenue", uploaded_file=SimpleUploadedFile("june.csv", content.encode())
    )


def notices(user):
    return list(Notification.objects.filter(recipient=user).order_by("id"))


def test_a_checked_then_committed_import_notifies_its_uploader_twice(eager, partner):
    factories.ProductLineFactory(code="pumps")
    batch = upload(partner, "distributor,month,product_line,amount\nacme,2026-05,pumps,10\n")
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED

    services.import_batch_request_commit(batch=batch, by=partner)

    checked, committed = notices(partner)
    assert (checked.kind, committed.kind) == ("import_finished", "import_finished")
    assert checked.subject == "Import june.csv is checked and ready to commit"
    assert committed.subject == "Import june.csv is done"
    assert committed.link == f"/imports/{batch.pk}/"
    assert [m.subject for m in mail.outbox] == [checked.subject, committed.subject]


def test_an_invalid_import_notifies_its_uploader_of_the_errors(eager, partner):
    upload(partner, "distributor,month,product_line,amount\nacme,2026-05,nope,x\n")

    (notice,) = notices(partner)
    assert notice.kind == "import_failed"
    assert notice.subject == "Import june.csv has errors"
    assert "nothing was imported" in notice.body


def test_a_failed_import_notifies_its_uploader_once(partner):
    batch = ImportBatch.objects.create(
        kind="revenue", filename="june.csv", uploaded_by=partner, status="validating"
    )

    services.import_batch_fail(batch_id=batch.pk, message="The check failed.")
    services.import_batch_fail(batch_id=batch.pk, message="The check failed.")

    (notice,) = notices(partner)
    assert notice.kind == "import_failed"
    assert notice.subject == "Import june.csv failed"
    assert "The check failed." in notice.body
