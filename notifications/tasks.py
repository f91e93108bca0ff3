"""Celery tasks of notifications: take ids, call one service, retry transient mail errors."""

import smtplib

from celery import shared_task

from . import services

# SMTP refusals, a server that does not answer, a dropped connection: all worth another try.
MAIL_ERRORS = (smtplib.SMTPException, ConnectionError, OSError)


@shared_task(autoretry_for=MAIL_ERRORS, retry_backoff=True, retry_jitter=True, max_retries=5)
def notification_email_send(notification_id):
    return services.notification_email_send(notification_id=notification_id)


@shared_task
def notification_digests_send():
    return services.notification_digest_send_all()
