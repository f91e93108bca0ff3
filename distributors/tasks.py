"""Celery tasks: thin wrappers that take ids and call one service each.

Transient database errors are retried with backoff; when the retries run out, or any other
error strikes, `on_failure` ends the batch as failed with a plain message (never the raw
exception), so no import stays 'checking' or 'committing' for ever.
"""

import logging

from celery import Task, shared_task
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext_lazy as _

from . import services

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


class ImportStepTask(Task):
    autoretry_for = TRANSIENT
    retry_backoff = True
    max_retries = 5
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


@shared_task
def import_batches_expire():
    return services.import_batches_expire()


@shared_task(autoretry_for=(*TRANSIENT, OSError), retry_backoff=True, max_retries=5)
def partner_user_invite_send_task(user_id, site_url):
    # OSError covers SMTP errors and a mail server that does not answer.
    return services.partner_user_invite_send(user_id=user_id, site_url=site_url)
