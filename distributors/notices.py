"""The notifications distributors sends: the kinds it registers and the import outcome notice."""

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from drm.formats import long_date
from drm.french import interpolate
from notifications.kinds import Delivery, Kind, register
from notifications.services import act_key, notify, recipient_language

from .models import ImportBatch

log = logging.getLogger(__name__)

IMPORT_FINISHED = register(Kind("import_finished", _("An import is checked or imported")))
IMPORT_FAILED = register(
    Kind("import_failed", _("An import has errors or failed"), Delivery.IMMEDIATE)
)

S = ImportBatch.Status
# status: (kind, subject, body); bodies are filled from the batch's counts and message. The
# message is written in the uploader's language, the recipient's: its counts (new, changed,
# unchanged, skipped) are said once, in the services.
OUTCOMES = {
    S.VALIDATED: (
        IMPORT_FINISHED,
        _("Import %(filename)s is checked and ready to commit"),
        "%(message)s",
    ),
    S.COMMITTED: (
        IMPORT_FINISHED,
        _("Import %(filename)s is done"),
        "%(message)s",
    ),
    S.INVALID: (
        IMPORT_FAILED,
        _("Import %(filename)s has errors"),
        # The services' message says it all (how many errors, that nothing was imported):
        # the notice repeating it said "nothing was imported" twice.
        "%(message)s",
    ),
    S.FAILED: (
        IMPORT_FAILED,
        _("Import %(filename)s failed"),
        "%(message)s",
    ),
}


def import_batch_commit_act(batch_id):
    """The act a checked import asks of its uploader: commit it."""
    return act_key("import", batch_id, "commit")


def import_batch_notify(*, batch_id):
    """Tell the uploader how its import ended. Never fails the import it reports on (a
    savepoint: a database error here rolls back the notice alone, even inside a transaction)."""
    try:
        batch = (
            ImportBatch.objects.select_related("uploaded_by")
            .defer("content", "errors_csv", "preview", "errors")
            .get(pk=batch_id)
        )
        if batch.uploaded_by is None or batch.status not in OUTCOMES:
            return None
        kind, subject, body = OUTCOMES[batch.status]
        with transaction.atomic():
            notice = notify(
                recipient=batch.uploaded_by,
                kind=kind.slug,
                subject=subject,
                body=body,
                link=reverse("distributors:import-detail", args=[batch.pk]),
                context={
                    "filename": batch.filename,
                    "total": batch.total_rows
                    if batch.status == S.VALIDATED
                    else batch.processed_rows,
                    "new": batch.created_rows,
                    "replaced": batch.updated_rows,
                    "errors": batch.error_count,
                    "message": batch.message,
                },
                acts=[import_batch_commit_act(batch.pk)]
                if batch.status == S.VALIDATED and batch.total_rows
                else (),
            )
        return notice
    except Exception:  # noqa: BLE001 - a lost notice must not undo or fail an import
        log.exception("import %s: could not notify its uploader", batch_id)
        return None


CONTRACT_RENEWAL = register(
    Kind("contract_renewal", _("A distributor's contract is coming up for renewal"))
)


def contract_renewal_notify(*, distributor, today):
    """Tell `distributor`'s account manager that its contract ends soon, in their language (a
    plural wording is chosen by the number of days, so the text is rendered here)."""
    manager = distributor.account_manager
    days = distributor.contract_days_left(today)
    with translation.override(recipient_language(manager)):
        subject = interpolate(
            gettext("The contract of %(name)s ends on %(end)s"),
            {
                "name": distributor.name,
                "end": long_date(distributor.contract_end),
            },
        )
        body = ngettext(
            "%(days)d day left. Agree the renewal, or the end of the contract, before then.",
            "%(days)d days left. Agree the renewal, or the end of the contract, before then.",
            days,
        ) % {"days": days}
    return notify(
        recipient=manager,
        kind=CONTRACT_RENEWAL.slug,
        subject=subject,
        body=body,
        link=reverse("distributors:detail", args=[distributor.code]),
    )
