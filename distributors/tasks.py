"""Celery tasks: thin wrappers that take ids and call one service each.

The shared policy (drm/task_policy.py) retries transient errors with capped, jittered backoff;
when the retries run out, any other error strikes, or the worker died on every delivery,
`on_failure` ends the batch as failed with a plain message (never the raw exception), so no
import stays 'checking' or 'committing' for ever.
"""

import logging

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from drm.task_policy import PortalTask

from . import services

log = logging.getLogger(__name__)


class ImportStepTask(PortalTask):
    failure_message = ""

    def on_failure(self, exc, task_id, args, kwargs, einfo):
        batch_id = args[0] if args else kwargs.get("batch_id")
        log.error("import %s: %s gave up: %r", batch_id, self.name, exc)
        services.import_batch_fail(batch_id=batch_id, message=str(self.failure_message))


@shared_task(
    base=ImportStepTask,
    failure_message=_("The check of the file failed; nothing was imported. Try again."),
)
def import_batch_validate_task(batch_id):
    services.import_batch_validate(batch_id=batch_id)


@shared_task(
    base=ImportStepTask,
    failure_message=_("The import failed and nothing was written. Try again."),
)
def import_batch_commit_task(batch_id):
    services.import_batch_commit(batch_id=batch_id)


@shared_task(base=PortalTask)
def import_batches_expire():
    return services.import_batches_expire()


@shared_task(base=PortalTask)
def partner_user_invite_send_task(user_id, site_url):
    # Sent once per message: a redelivered message that ran to the end does nothing (PortalTask).
    return services.partner_user_invite_send(user_id=user_id, site_url=site_url)


@shared_task(base=PortalTask)
def contract_renewals_notify():
    return services.contract_renewals_notify()
