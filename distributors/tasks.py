"""Celery tasks: thin wrappers that take ids and call one service each."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

log = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def import_batch_validate_task(self, batch_id):
    try:
        services.import_batch_validate(batch_id=batch_id)
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("import %s: check crashed", batch_id)
        services.import_batch_fail(batch_id=batch_id, message=f"The check failed: {exc}")
        raise


@shared_task(bind=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=5)
def import_batch_commit_task(self, batch_id):
    try:
        services.import_batch_commit(batch_id=batch_id)
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("import %s: commit crashed", batch_id)
        services.import_batch_fail(
            batch_id=batch_id, message=f"The import failed and nothing was written: {exc}"
        )
        raise


@shared_task
def import_batches_expire():
    return services.import_batches_expire()


@shared_task(autoretry_for=(*TRANSIENT, OSError), retry_backoff=True, max_retries=5)
def partner_user_invite_send_task(user_id, site_url):
    # OSError covers SMTP errors and a mail server that does not answer.
    return services.partner_user_invite_send(user_id=user_id, site_url=site_url)
