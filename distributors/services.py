"""Writes: distributor changes and the revenue/investment import pipeline."""

import datetime
import logging

import pandas as pd
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from drm.errors import NotAllowed, ValidationFailed

from .access import is_manufacturer, is_partner, user_membership
from .imports import (
    FIRST_DATA_ROW,
    MAX_STORED_ERRORS,
    SPECS,
    RevenueSpec,
    normalise_header,
    parse_file,
)
from .models import (
    CustomerCategory,
    Distributor,
    ImportBatch,
    Investment,
    ProductLine,
    RevenueRecord,
    Territory,
)

log = logging.getLogger(__name__)

PREVIEW_ROWS = 20
MODELS = {"revenue": RevenueRecord, "investment": Investment}
VALUE_FIELDS = {
    "revenue": ("amount", "units", "margin"),
    "investment": ("amount", "value", "note"),
}


# --- distributors -------------------------------------------------------------------------


@transaction.atomic
def distributor_save(*, distributor, by, changed_status=None, territories=None, product_lines=None):
    """Create or update a distributor; status changes must follow Distributor.TRANSITIONS.

    The profile and its territory/product-line links (when given) land together or not at all.
    """
    if not is_manufacturer(by):
        raise NotAllowed("Only the manufacturer's staff may change distributors.")
    if distributor.pk and changed_status:
        # Compare with the stored status: a ModelForm has already copied the new one in.
        current = Distributor.objects.only("status").get(pk=distributor.pk)
        if changed_status != current.status and not current.can_move_to(changed_status):
            raise ValidationFailed(
                f"A distributor cannot go from {current.get_status_display()} to "
                f"{Distributor.Status(changed_status).label}.",
                field="status",
            )
    if changed_status:
        distributor.status = changed_status
    if (
        distributor.contract_start
        and distributor.contract_end
        and distributor.contract_end < distributor.contract_start
    ):
        raise ValidationFailed("The contract cannot end before it starts.", field="contract_end")
    distributor.full_clean(exclude=["territories", "product_lines"])
    distributor.save()
    if territories is not None:
        distributor.territories.set(territories)
    if product_lines is not None:
        distributor.product_lines.set(product_lines)
    return distributor


# --- tiers and territories ----------------------------------------------------------------


def _require_manufacturer(by):
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff may change tiers and territories."))


def _validated(instance):
    """full_clean(), with Django's ValidationError turned into the domain's ValidationFailed."""
    try:
        instance.full_clean()
    except DjangoValidationError as exc:
        errors = exc.message_dict
        field, messages = next(iter(errors.items()))
        raise ValidationFailed(
            messages[0],
            field=None if field == NON_FIELD_ERRORS else field,
            details=[{"field": name, "message": m} for name, ms in errors.items() for m in ms],
        ) from exc


def _some(names, shown=5):
    """'a, b, c' or 'a, b, c, d, e, …' for a message."""
    return ", ".join(names[:shown]) + (", …" if len(names) > shown else "")


def _delete(instance):
    """Delete a row nothing protects; otherwise say what still uses it and delete nothing."""
    try:
        with transaction.atomic():
            instance.delete()
    except ProtectedError as exc:
        users = sorted(str(obj) for obj in exc.protected_objects)
        kinds = sorted({str(obj._meta.verbose_name_plural) for obj in exc.protected_objects})
        raise ValidationFailed(
            _("%(name)s is still in use (%(kinds)s: %(users)s). Nothing was deleted.")
            % {"name": instance, "kinds": ", ".join(kinds), "users": _some(users)}
        ) from exc


def tier_save(*, tier, by):
    """Create or update a tier (code and rank are unique). Raises ValidationFailed/NotAllowed."""
    _require_manufacturer(by)
    _validated(tier)
    tier.save()
    return tier


def tier_delete(*, tier, by):
    """Delete a tier no distributor is in; distributors PROTECT their tier."""
    _require_manufacturer(by)
    _delete(tier)


def territory_save(*, territory, by):
    """Create or update a territory; its country must be an upper-case ISO 3166-1 alpha-2 code."""
    _require_manufacturer(by)
    _validated(territory)
    territory.save()
    return territory


@transaction.atomic
def territory_delete(*, territory, by):
    """Delete a territory no distributor covers.

    The database would silently unlink covering distributors (a many-to-many), so that is
    refused here like a protected reference.
    """
    _require_manufacturer(by)
    covering = list(
        Territory.objects.select_for_update()
        .get(pk=territory.pk)
        .distributors.order_by("code")
        .values_list("code", flat=True)
    )
    if covering:
        raise ValidationFailed(
            _(
                "%(name)s is covered by %(count)d distributor(s): %(codes)s. Remove it from "
                "them first; nothing was deleted."
            )
            % {"name": territory, "count": len(covering), "codes": _some(covering)}
        )
    _delete(territory)


# --- imports ------------------------------------------------------------------------------


def _progress_key(batch_id):
    return f"drm:import:{batch_id}:committed"


def import_batch_create(*, user, kind, uploaded_file):
    """Store an uploaded file as a batch and queue its check. Raises ValidationFailed/NotAllowed."""
    if kind not in SPECS:
        raise ValidationFailed(f"Unknown import kind '{kind}'.", field="kind")
    if not (is_manufacturer(user) or is_partner(user)):
        raise NotAllowed("You may not import figures.")
    if kind == ImportBatch.Kind.INVESTMENT and not is_manufacturer(user):
        raise NotAllowed("Only the manufacturer records investments.")
    name = uploaded_file.name or ""
    if not name.lower().endswith((".csv", ".xlsx")):
        raise ValidationFailed("Upload a .csv or .xlsx file.", field="file")
    limit = settings.IMPORT_MAX_BYTES
    if uploaded_file.size > limit:
        raise ValidationFailed(
            f"The file is {uploaded_file.size / 1048576:.1f} MB; the limit is "
            f"{limit / 1048576:.1f} MB. Split it into smaller files.",
            field="file",
        )
    if uploaded_file.size == 0:
        raise ValidationFailed("The file is empty.", field="file")
    membership = user_membership(user) if is_partner(user) else None
    batch = ImportBatch.objects.create(
        kind=kind,
        filename=name[:255],
        content=uploaded_file.read(),
        uploaded_by=user,
        distributor=membership.distributor if membership else None,
    )
    from .tasks import import_batch_validate_task

    transaction.on_commit(lambda: import_batch_validate_task.delay(batch.pk))
    return batch


def _set(batch_id, **fields):
    ImportBatch.objects.filter(pk=batch_id).update(**fields)


def _check_all(batch, *, on_chunk=None):
    """Parse and check every row of the batch. Returns (clean rows, errors, total)."""
    frame = parse_file(batch.filename, bytes(batch.content))
    spec = SPECS[batch.kind](only_distributor=batch.distributor)
    spec.check_columns(frame)
    total = len(frame)
    if total == 0:
        raise ValidationFailed("The file has headers but no rows.", field="file")
    rows, errors = [], []
    chunk_size = settings.IMPORT_CHUNK_ROWS
    for start in range(0, total, chunk_size):
        result = spec.check(frame.iloc[start : start + chunk_size], FIRST_DATA_ROW + start)
        rows.extend(result.rows)
        errors.extend(result.errors)
        if on_chunk:
            on_chunk(min(start + chunk_size, total), total)
    return spec, rows, errors, total


def _existing_ids(kind, rows):
    """Map natural key → id for rows already stored (one query per chunk of distributors)."""
    model = MODELS[kind]
    spec_key = SPECS[kind].key
    found = {}
    distributor_ids = sorted({row["distributor_id"] for row in rows})
    for start in range(0, len(distributor_ids), 200):
        ids = distributor_ids[start : start + 200]
        date_field = "month" if kind == "revenue" else "date"
        dates = {row[date_field] for row in rows if row["distributor_id"] in ids}
        for values in model.objects.filter(
            distributor_id__in=ids, **{f"{date_field}__in": dates}
        ).values("id", *spec_key):
            found[tuple(values[k] for k in spec_key)] = values["id"]
    return found


def _names():
    return {
        "distributor": dict(Distributor.objects.values_list("id", "code")),
        "product_line": dict(ProductLine.objects.values_list("id", "code")),
        "customer_category": dict(CustomerCategory.objects.values_list("id", "code")),
    }


def import_batch_validate(*, batch_id):
    """Check every row; store the preview or the row errors. Writes no figures."""
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.PENDING, ImportBatch.Status.VALIDATING]
    ).update(status=ImportBatch.Status.VALIDATING)
    if not claimed:
        return  # already checked (a redelivered task): nothing to do
    batch = ImportBatch.objects.get(pk=batch_id)

    def progress(done, total):
        _set(batch_id, processed_rows=done, total_rows=total)

    try:
        spec, rows, errors, total = _check_all(batch, on_chunk=progress)
    except ValidationFailed as exc:
        _set(
            batch_id,
            status=ImportBatch.Status.INVALID,
            errors=[{"row": None, "column": exc.field or "", "message": exc.message}],
            message=exc.message,
            finished_at=timezone.now(),
        )
        return
    if errors:
        _set(
            batch_id,
            status=ImportBatch.Status.INVALID,
            errors=errors[:MAX_STORED_ERRORS],
            message=f"{len(errors)} error(s) in {total} row(s); nothing was imported.",
            total_rows=total,
            processed_rows=total,
            finished_at=timezone.now(),
        )
        return
    existing = _existing_ids(batch.kind, rows)
    updates = sum(1 for row in rows if tuple(row[k] for k in spec.key) in existing)
    names = _names()
    _set(
        batch_id,
        status=ImportBatch.Status.VALIDATED,
        errors=[],
        preview=[spec.display(row, names) for row in rows[:PREVIEW_ROWS]],
        total_rows=total,
        processed_rows=total,
        created_rows=len(rows) - updates,
        updated_rows=updates,
        message=(
            f"{total} row(s) ready: {len(rows) - updates} new, {updates} replace stored figures."
        ),
    )


def import_batch_request_commit(*, batch, by):
    """Queue the commit of a checked batch. Only its uploader's side may commit it."""
    if not ImportBatch.objects.visible_to(by).filter(pk=batch.pk).exists():
        raise NotAllowed("You may not commit this import.")
    moved = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.VALIDATED).update(
        status=ImportBatch.Status.COMMITTING, processed_rows=0
    )
    if not moved:
        raise ValidationFailed("Only a checked import without errors can be committed.")
    from .tasks import import_batch_commit_task

    transaction.on_commit(lambda: import_batch_commit_task.delay(batch.pk))


def _upsert(kind, rows, existing):
    model = MODELS[kind]
    key = SPECS[kind].key
    values = VALUE_FIELDS[kind]
    now = timezone.now()
    to_create, to_update = [], []
    for row in rows:
        pk = existing.get(tuple(row[k] for k in key))
        obj = model(**row, updated_at=now)
        if pk is None:
            to_create.append(obj)
        else:
            obj.pk = pk
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=500)
    model.objects.bulk_update(to_update, [*values, "updated_at"], batch_size=500)
    return len(to_create), len(to_update)


def import_batch_commit(*, batch_id):
    """Write every row of a checked batch in one transaction: all of it, or none of it."""
    batch = ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.COMMITTING).first()
    if batch is None:
        return  # committed already, or never asked: idempotent no-op
    try:
        spec, rows, errors, total = _check_all(batch)
    except ValidationFailed as exc:
        errors, total = [{"row": None, "column": exc.field or "", "message": exc.message}], 0
    if errors:
        # Reference data changed since the check (a product line was removed, say).
        _set(
            batch_id,
            status=ImportBatch.Status.INVALID,
            errors=errors[:MAX_STORED_ERRORS],
            message="The file no longer passes the checks; nothing was imported.",
            finished_at=timezone.now(),
        )
        return
    created = updated = 0
    chunk_size = settings.IMPORT_CHUNK_ROWS
    with transaction.atomic():
        # Lock the batch so two deliveries of the same task cannot both write.
        locked = (
            ImportBatch.objects.select_for_update()
            .filter(pk=batch_id, status=ImportBatch.Status.COMMITTING)
            .first()
        )
        if locked is None:
            return
        for start in range(0, len(rows), chunk_size):
            chunk = rows[start : start + chunk_size]
            made, replaced = _upsert(batch.kind, chunk, _existing_ids(batch.kind, chunk))
            created += made
            updated += replaced
            # The rows are invisible to others until commit; report progress through the cache.
            cache.set(_progress_key(batch_id), start + len(chunk), timeout=3600)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.COMMITTED,
            processed_rows=total,
            created_rows=created,
            updated_rows=updated,
            message=f"Imported {total} row(s): {created} new, {updated} replaced.",
            finished_at=timezone.now(),
        )
    cache.delete(_progress_key(batch_id))


def import_batch_fail(*, batch_id, message):
    """Record that a job died; a committing batch keeps nothing (its transaction rolled back)."""
    ImportBatch.objects.filter(pk=batch_id).exclude(
        status__in=[ImportBatch.Status.COMMITTED, ImportBatch.Status.INVALID]
    ).update(status=ImportBatch.Status.FAILED, message=message[:500], finished_at=timezone.now())


def import_batch_progress(*, batch):
    """(done, total, percent) for display, reading the cache while a commit runs."""
    done, total = batch.processed_rows, batch.total_rows
    if batch.status == ImportBatch.Status.COMMITTING:
        done = cache.get(_progress_key(batch.pk), 0)
    if not total:
        return done, total, 0 if batch.is_running else 100
    return done, total, min(100, round(100 * done / total))


def import_batches_expire(*, now=None):
    """Drop the stored file of uploads nobody committed within IMPORT_EXPIRE_HOURS."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.IMPORT_EXPIRE_HOURS)
    stale = ImportBatch.objects.filter(created_at__lt=cutoff).exclude(
        status=ImportBatch.Status.COMMITTED
    )
    deleted, _ = stale.delete()
    return deleted


def revenue_push(*, user, rows):
    """Upsert revenue rows sent by an API client: the same checks as a file, all or nothing.

    `rows` is a list of dicts with the revenue file's columns. Errors name the row by its index
    in the list. Returns (created, updated).
    """
    if not (is_manufacturer(user) or is_partner(user)):
        raise NotAllowed("You may not send revenue figures.")
    if not rows:
        raise ValidationFailed("Send at least one row.", field="rows")
    if len(rows) > settings.API_MAX_PUSH_ROWS:
        raise ValidationFailed(
            f"At most {settings.API_MAX_PUSH_ROWS} rows per request; upload a file for more.",
            field="rows",
        )
    frame = pd.DataFrame(
        [
            {
                normalise_header(key): "" if value is None else str(value).strip()
                for key, value in row.items()
            }
            for row in rows
        ]
    ).fillna("")
    membership = user_membership(user) if is_partner(user) else None
    spec = RevenueSpec(only_distributor=membership.distributor if membership else None)
    spec.check_columns(frame)
    result = spec.check(frame, 0)
    if result.errors:
        raise ValidationFailed(
            f"{len(result.errors)} error(s); nothing was saved.",
            details=result.errors[:MAX_STORED_ERRORS],
        )
    with transaction.atomic():
        return _upsert("revenue", result.rows, _existing_ids("revenue", result.rows))
