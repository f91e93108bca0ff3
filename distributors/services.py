"""Writes: distributor changes, partner users, and the revenue/investment import pipeline."""

import datetime
import logging
import tempfile
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ProtectedError, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from drm import events, periods
from drm.errors import NotAllowed, ValidationFailed
from drm.events import emit
from identity.access import (
    Role,
    is_manufacturer,
    is_partner,
    require_manufacturer,
    user_membership,
    user_role,
)
from identity.models import Membership
from ingest.engine import (
    Context,
    ErrorLog,
    check_into_stage,
    errors_csv_text,
    lock_table,
    preview,
    publish,
    push,
)
from ingest.readers import SIGNATURE_BYTES, check_content, file_kind, read_chunks
from ingest.staging import Stage
from ingest.uploads import too_large_message
from notifications.services import recipient_language, resolve

from . import regions
from .codes import currency_codes
from .imports import SPECS, RevenueSpec
from .models import (
    MAX_RATE,
    Distributor,
    ExchangeRate,
    ImportBatch,
    Region,
    RevenueDeletion,
    RevenueRecord,
    Territory,
)
from .notices import contract_renewal_notify, import_batch_commit_act, import_batch_notify
from .pricing import priced_pairs_sql
from .revenue_epoch import revenue_changed

log = logging.getLogger(__name__)


# --- distributors -------------------------------------------------------------------------

# Callables (current distributor, new status) that raise ValidationFailed when an app above holds
# a status change back: the partner programme keeps an onboarding distributor from going active
# before its journey opens access. Registered by those apps' AppConfig.ready().
STATUS_GUARDS = []


@transaction.atomic
def distributor_save(*, distributor, by, changed_status=None, territories=None, product_lines=None):
    """Create or update a distributor; status changes must follow Distributor.TRANSITIONS and
    the code stays the one it was created with.

    The profile and its territory/product-line links (when given) land together or not at all.
    """
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff may change distributors."))
    current = (
        Distributor.objects.only("code", "status").get(pk=distributor.pk)
        if distributor.pk
        else None
    )
    if current and distributor.code != current.code:
        # Files, API clients and other systems know a distributor by its code.
        raise ValidationFailed(
            gettext("A distributor's code cannot change once it is created."), field="code"
        )
    # Compare with the stored status: a ModelForm has already copied the new one in.
    if (
        current
        and changed_status
        and changed_status != current.status
        and not current.can_move_to(changed_status)
    ):
        raise ValidationFailed(
            _("A distributor cannot go from %(current)s to %(new)s.")
            % {
                "current": current.get_status_display(),
                "new": Distributor.Status(changed_status).label,
            },
            field="status",
        )
    if current and changed_status and changed_status != current.status:
        for guard in STATUS_GUARDS:
            guard(current, changed_status)
    if changed_status:
        distributor.status = changed_status
    if (
        distributor.contract_start
        and distributor.contract_end
        and distributor.contract_end < distributor.contract_start
    ):
        raise ValidationFailed(_("The contract cannot end before it starts."), field="contract_end")
    distributor.full_clean(exclude=["territories", "product_lines"])
    distributor.save_with_links(by=by, territories=territories, product_lines=product_lines)
    return distributor


# --- revenue and exchange rates -----------------------------------------------------------


@transaction.atomic
def revenue_delete(*, record, by):
    """Delete one revenue row (manufacturer staff only) and keep a record of what it held."""
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff may delete revenue figures."))
    lock_table(RevenueRecord._meta.db_table)
    RevenueDeletion.objects.create(
        distributor_id=record.distributor_id,
        month=record.month,
        product_line_code=record.product_line.code,
        customer_category_code=record.customer_category.code if record.customer_category else "",
        currency=record.currency,
        amount=record.amount,
        units=record.units,
        margin=record.margin,
        deleted_by=by,
    )
    record.delete()
    revenue_changed()


def revenue_reprice(*, currency=None, since=None):
    """Price revenue rows again in the reporting currency (rate, rate month, reporting amount).

    Limited to one currency and to months from `since` when given; runs in the caller's
    transaction after taking the revenue table's lock, so an import cannot publish rows priced
    with the rate being replaced. Returns the number of rows re-priced.
    """
    table = RevenueRecord._meta.db_table
    where, params = ["true"], []
    if currency:
        where.append("currency = %s")
        params.append(currency)
    if since:
        where.append("month >= %s")
        params.append(since)
    condition = " AND ".join(where)
    pairs = f"SELECT DISTINCT currency, month FROM {table} WHERE {condition}"  # noqa: S608
    priced, priced_params = priced_pairs_sql(pairs)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""UPDATE {table} AS t SET rate = pr.rate, rate_month = pr.rate_month,
                        reporting_amount = ROUND(t.amount * pr.rate, 2)
                    FROM ({priced}) pr
                    WHERE pr.currency = t.currency AND pr.month = t.month
                      AND (t.rate IS DISTINCT FROM pr.rate
                           OR t.rate_month IS DISTINCT FROM pr.rate_month)""",  # noqa: S608
                priced_params + params,
            )
            revenue_changed()
        else:
            cursor.execute(
                f"""UPDATE {table} SET
                        rate = (SELECT pr.rate FROM ({priced}) pr WHERE pr.currency
                            = {table}.currency AND pr.month = {table}.month),
                        rate_month = (SELECT pr.rate_month FROM ({priced}) pr WHERE pr.currency
                            = {table}.currency AND pr.month = {table}.month)
                    WHERE {condition}""",  # noqa: S608
                priced_params + params + priced_params + params + params,
            )
            cursor.execute(
                f"UPDATE {table} SET reporting_amount = ROUND(amount * rate, 2) "  # noqa: S608
                f"WHERE {condition}",
                params,
            )
            revenue_changed()
        return cursor.rowcount


@transaction.atomic
def exchange_rate_set(*, currency, month, rate, by):
    """Store the rate of `currency` for `month` and re-price the revenue it now applies to."""
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff may set exchange rates."))
    currency = (currency or "").strip().upper()
    if currency not in currency_codes():
        raise ValidationFailed(
            _("'%(value)s' is not an ISO 4217 currency code.") % {"value": currency},
            field="currency",
        )
    if currency == settings.REPORTING_CURRENCY:
        raise ValidationFailed(
            _("%(currency)s is the reporting currency: its rate is always 1.")
            % {"currency": currency},
            field="currency",
        )
    month = periods.month_start(month)
    if month > periods.current_month():
        raise ValidationFailed(_("A rate cannot be set for a future month."), field="month")
    rate = Decimal(rate)
    if not (Decimal(0) < rate <= MAX_RATE) or -rate.as_tuple().exponent > 10:
        raise ValidationFailed(
            _("The rate must be above 0 and at most %(max)s, with at most 10 decimals.")
            % {"max": MAX_RATE},
            field="rate",
        )
    lock_table(RevenueRecord._meta.db_table)
    ExchangeRate.objects.update_or_create(currency=currency, month=month, defaults={"rate": rate})
    revenue_reprice(currency=currency, since=month)


@transaction.atomic
def exchange_rate_delete(*, rate, by):
    if not is_manufacturer(by):
        raise NotAllowed(_("Only the manufacturer's staff may delete exchange rates."))
    lock_table(RevenueRecord._meta.db_table)
    currency, month = rate.currency, rate.month
    rate.delete()
    revenue_reprice(currency=currency, since=month)


# --- partner users ------------------------------------------------------------------------


def _invite_target(by, distributor, role):
    """The distributor and role a new partner user gets, if `by` may hand them out."""
    if is_manufacturer(by):
        if distributor is None:
            raise ValidationFailed(gettext("Choose the distributor."), field="distributor")
        if role not in Membership.Role.values:
            raise ValidationFailed(gettext("Choose a role."), field="role")
        return distributor, role
    if user_role(by) != Role.PARTNER_ADMIN:
        raise NotAllowed(gettext("Only a partner admin or the manufacturer may invite users."))
    own = user_membership(by).distributor
    if distributor is not None and distributor.pk != own.pk:
        raise NotAllowed(gettext("You may only invite users to your own distributor."))
    if role not in (None, Membership.Role.REP):
        raise NotAllowed(gettext("Only the manufacturer may make a partner admin."))
    return own, Membership.Role.REP


@transaction.atomic
def partner_user_invite(*, by, email, first_name, last_name, site_url, distributor=None, role=None):
    """Create a partner user without a password and e-mail it a link to set one.

    A partner admin invites reps to its own distributor; the manufacturer invites admins or reps
    to any. `site_url` (e.g. "https://drm.example.com/") starts the link. Returns the user.
    """
    distributor, role = _invite_target(by, distributor, role)
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise ValidationFailed(gettext("Enter a valid e-mail address."), field="email") from exc
    User = get_user_model()
    taken = gettext("A user with this e-mail address already exists.")
    # The e-mail is the login too: its lower case form is unique in the database.
    username = email.lower()
    if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=username)).exists():
        raise ValidationFailed(taken, field="email")
    user = User(username=username, email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same address, invited at the same moment
        raise ValidationFailed(taken, field="email") from exc
    membership = Membership(user=user, distributor=distributor, role=role)
    membership._history_user = by
    membership.save()
    from .tasks import partner_user_invite_send_task

    transaction.on_commit(lambda: partner_user_invite_send_task.delay(user.pk, site_url))
    return user


def partner_user_invite_send(*, user_id, site_url):
    """E-mail an invited user the link that sets its password; nothing once it has one."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.has_usable_password():
        return False
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "distributor": user.membership.distributor,
        "link": site_url.rstrip("/") + path,
        "days": settings.PASSWORD_RESET_TIMEOUT // 86400,
    }
    send_mail(
        subject=render_to_string("distributors/users/invitation_subject.txt", context).strip(),
        message=render_to_string("distributors/users/invitation_email.txt", context),
        from_email=None,
        recipient_list=[user.email],
    )
    return True


def partner_user_deactivate(*, by, user):
    """Switch a partner user off: it can no longer log in or use its API token.

    The manufacturer may deactivate any partner user; a partner admin only the reps of its own
    distributor, never itself or another admin.
    """
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        raise NotAllowed(gettext("Only partner users are managed here."))
    if not is_manufacturer(by):
        if user_role(by) != Role.PARTNER_ADMIN:
            raise NotAllowed(gettext("Only a partner admin or the manufacturer may do this."))
        if membership.distributor_id != user_membership(by).distributor_id:
            raise NotAllowed(gettext("This user belongs to another distributor."))
        if user.pk == by.pk:
            raise NotAllowed(gettext("You cannot deactivate yourself."))
        if membership.role == Membership.Role.ADMIN:
            raise NotAllowed(gettext("Only the manufacturer may deactivate a partner admin."))
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    # A history record of the membership notes that its user can no longer log in.
    membership._history_user = by
    membership.save(update_fields=["updated_at"])
    return user


def membership_role_set(*, by, membership, role):
    """Make a partner user an admin or a rep of its distributor: the manufacturer's call only."""
    if not is_manufacturer(by):
        raise NotAllowed(gettext("Only the manufacturer may change a partner user's role."))
    if role not in Membership.Role.values:
        raise ValidationFailed(gettext("Choose a role."), field="role")
    if membership.role != role:
        membership.role = role
        membership._history_user = by
        membership.save(update_fields=["role", "updated_at"])
    return membership


# --- tiers and territories ----------------------------------------------------------------


def _require_manufacturer(by):
    require_manufacturer(by, _("Only the manufacturer's staff may change tiers and territories."))


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
def region_names_save(*, names, by):
    """Set the French names of regions: `names` is {region as written: French name}; an empty
    French name shows the region as written. Regions match in any case. Raises
    ValidationFailed (naming the region) and changes nothing when one is too long."""
    _require_manufacturer(by)
    limit = Region._meta.get_field("name_fr").max_length
    for name, name_fr in names.items():
        name, name_fr = name.strip(), (name_fr or "").strip()
        if not name or len(name) > Region._meta.get_field("name").max_length:
            raise ValidationFailed(_("There is no region %(name)s.") % {"name": name})
        if len(name_fr) > limit:
            raise ValidationFailed(
                _("The French name of %(name)s is longer than %(limit)d characters.")
                % {"name": name, "limit": limit},
                field="name_fr",
            )
        region = Region.objects.select_for_update().filter(name__iexact=name).first()
        if region is None:
            if name_fr:
                Region.objects.create(name=name, name_fr=name_fr)
        elif region.name_fr != name_fr:
            region.name_fr = name_fr
            region.save(update_fields=["name_fr", "updated_at"])
    # Read again from now on in this process, and once the names are committed.
    regions.forget()
    transaction.on_commit(regions.forget)


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
            ngettext(
                "%(name)s is covered by %(count)d distributor: %(codes)s. Remove it from it "
                "first; nothing was deleted.",
                "%(name)s is covered by %(count)d distributors: %(codes)s. Remove it from "
                "them first; nothing was deleted.",
                len(covering),
            )
            % {"name": territory, "count": len(covering), "codes": _some(covering)}
        )
    _delete(territory)


# --- imports ------------------------------------------------------------------------------

PREVIEW_ROWS = 20
# Rows that change stored figures, each shown old → new before the commit (the counts say all).
PREVIEW_CHANGES = 1000


def _context(*, number_format=None, scope_id=None):
    """What the checks need besides the rows: separators, the clock, the partner's scope."""
    today = periods.today()
    return Context(
        number_format=None if number_format in (None, "", "auto") else number_format,
        latest_month=periods.current_month(on=today),
        latest_day=today,
        scope_id=scope_id,
    )


def _read_options():
    return {
        "chunk_rows": settings.IMPORT_CHUNK_ROWS,
        "max_rows": settings.IMPORT_MAX_ROWS,
        "max_unpacked_bytes": settings.IMPORT_MAX_UNPACKED_BYTES,
        "max_ratio": settings.IMPORT_MAX_UNPACK_RATIO,
        "max_columns": settings.IMPORT_MAX_COLUMNS,
        "max_line_bytes": settings.IMPORT_MAX_LINE_BYTES,
        "max_cell_chars": settings.IMPORT_MAX_CELL_CHARS,
        "max_part_bytes": settings.IMPORT_MAX_XLSX_PART_BYTES,
    }


@transaction.atomic
def import_batch_create(*, user, kind, uploaded_file, number_format="auto", options=None):
    """Store an uploaded file as a batch and queue its check. Raises ValidationFailed/NotAllowed."""
    if kind not in SPECS:
        raise ValidationFailed(_("Unknown import kind '%(kind)s'.") % {"kind": kind}, field="kind")
    if not (is_manufacturer(user) or is_partner(user)):
        raise NotAllowed(_("You may not import figures."))
    if kind == ImportBatch.Kind.INVESTMENT and not is_manufacturer(user):
        raise NotAllowed(_("Only the manufacturer records investments."))
    if SPECS[kind].manufacturer_only and not is_manufacturer(user):
        raise NotAllowed(_("Only the manufacturer imports this kind of file."))
    if number_format not in ImportBatch.NumberFormat.values:
        raise ValidationFailed(_("Unknown number format."), field="number_format")
    name = uploaded_file.name or ""
    file_kind(name)
    limit = settings.IMPORT_MAX_BYTES
    if uploaded_file.size > limit:
        raise ValidationFailed(too_large_message(uploaded_file.size), field="file")
    if uploaded_file.size == 0:
        raise ValidationFailed(_("The file is empty."), field="file")
    # A PNG renamed .csv is refused on the form, before anything is stored.
    uploaded_file.seek(0)
    check_content(name, uploaded_file.read(SIGNATURE_BYTES))
    uploaded_file.seek(0)
    membership = user_membership(user) if is_partner(user) else None
    batch = ImportBatch.objects.create(
        kind=kind,
        filename=name[:255],
        content=b"",
        size_bytes=uploaded_file.size,
        number_format=number_format,
        uploaded_by=user,
        distributor=membership.distributor if membership else None,
        options=dict(options or {}),
    )
    _store_file(batch.pk, uploaded_file)
    transaction.on_commit(lambda: _enqueue("validate", batch.pk))
    return batch


def _store_file(batch_id, uploaded_file, slice_bytes=4 << 20):
    """Write the upload into the batch a slice at a time: memory stays at a few slices.

    On Postgres the slices wait in a temporary table and are joined once (appending to a bytea
    would rewrite it for every slice).
    """
    if connection.vendor != "postgresql":
        ImportBatch.objects.filter(pk=batch_id).update(content=uploaded_file.read())
        return
    table = ImportBatch._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE ingest_upload_parts (n integer, data bytea)")
        for number, block in enumerate(uploaded_file.chunks(chunk_size=slice_bytes)):
            cursor.execute("INSERT INTO ingest_upload_parts VALUES (%s, %s)", [number, block])
        cursor.execute(
            f"UPDATE {table} SET content = (SELECT string_agg(data, ''::bytea ORDER BY n) "  # noqa: S608
            "FROM ingest_upload_parts) WHERE id = %s",
            [batch_id],
        )
        cursor.execute("DROP TABLE ingest_upload_parts")


def _enqueue(step, batch_id):
    """Queue a batch's check or commit; a broker that is down fails the batch, not the page."""
    from .tasks import import_batch_commit_task, import_batch_validate_task

    task = import_batch_validate_task if step == "validate" else import_batch_commit_task
    try:
        task.delay(batch_id)
    except Exception:  # noqa: BLE001 - kombu/redis raise many kinds when the broker is away
        log.exception("import %s: could not queue the %s", batch_id, step)
        import_batch_fail(
            batch_id=batch_id,
            message=_(
                "The import could not be queued (the job service is unavailable); nothing was "
                "imported. Try again in a few minutes."
            ),
        )


def _set(batch_id, **fields):
    ImportBatch.objects.filter(pk=batch_id).update(**fields)


def _batch_file(batch_id, slice_bytes=4 << 20):
    """The stored file, copied from the database in slices into a spooled temporary file."""
    spool = tempfile.SpooledTemporaryFile(max_size=slice_bytes)  # noqa: SIM115 - returned open
    table = ImportBatch._meta.db_table
    if connection.vendor == "postgresql":
        sql = f"SELECT substring(content from %s for %s) FROM {table} WHERE id = %s"  # noqa: S608
    else:
        sql = f"SELECT substr(content, %s, %s) FROM {table} WHERE id = %s"  # noqa: S608
    position = 1
    with connection.cursor() as cursor:
        while True:
            cursor.execute(sql, [position, slice_bytes, batch_id])
            row = cursor.fetchone()
            block = bytes(row[0]) if row and row[0] is not None else b""
            if not block:
                break
            spool.write(block)
            position += len(block)
    spool.seek(0)
    return spool


def _stage(batch):
    context = _context()
    context.extra["batch_id"] = batch.pk
    return Stage(batch.staging_name, SPECS[batch.kind](context))


def _uploader_language(batch_id):
    """The language the uploader reads: the check's messages and errors are stored in it."""
    user_id = ImportBatch.objects.filter(pk=batch_id).values_list("uploaded_by", flat=True).first()
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return recipient_language(user) if user else settings.LANGUAGE_CODE


def import_batch_validate(*, batch_id):
    """Check every row into the batch's staging table; store the preview or the errors.

    Writes no figures. The file is read once: the checked rows wait in staging for the commit.
    Messages and errors are written in the uploader's language.
    """
    with translation.override(_uploader_language(batch_id)):
        _validate(batch_id)


def _validate(batch_id):
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status__in=[ImportBatch.Status.PENDING, ImportBatch.Status.VALIDATING]
    ).update(status=ImportBatch.Status.VALIDATING)
    if not claimed:
        return  # already checked (a redelivered task): nothing to do
    batch = ImportBatch.objects.defer("content", "errors_csv").get(pk=batch_id)
    spec = SPECS[batch.kind](
        _context(number_format=batch.number_format, scope_id=batch.distributor_id)
    )
    stage = Stage(batch.staging_name, spec)
    errors = ErrorLog()
    comments = []

    def progress(done):
        _set(batch_id, processed_rows=done, total_rows=done)

    try:
        with _batch_file(batch_id) as stream:
            outcome = check_into_stage(
                spec,
                read_chunks(batch.filename, stream, **_read_options(), comment_rows=comments),
                stage,
                errors,
                on_progress=progress,
            )
    except ValidationFailed as exc:
        if exc.__cause__ is not None:
            # What the uploader reads is plain; the reader's own error is for the log.
            log.warning("import %s: file refused: %r", batch_id, exc.__cause__)
        stage.drop()
        _set(
            batch_id,
            status=ImportBatch.Status.INVALID,
            errors=[{"row": None, "column": exc.field or "", "message": exc.message}],
            error_count=1,
            message=exc.message[:500],
            finished_at=timezone.now(),
        )
        import_batch_notify(batch_id=batch_id)
        return
    used = outcome.number_format or ""
    if errors.count:
        stage.drop()
        _set(
            batch_id,
            status=ImportBatch.Status.INVALID,
            errors=errors.shown,
            error_count=errors.count,
            errors_csv=errors.csv_gzip(),
            number_format_used=used,
            message=ngettext(
                "%(errors)d error in %(total)s; nothing was imported.",
                "%(errors)d errors in %(total)s; nothing was imported.",
                errors.count,
            )
            % {"errors": errors.count, "total": _rows(outcome.total)},
            total_rows=outcome.total,
            processed_rows=outcome.total,
            finished_at=timezone.now(),
        )
        import_batch_notify(batch_id=batch_id)
        return
    shown = preview(spec, stage, staged=outcome.staged, head=PREVIEW_ROWS, changes=PREVIEW_CHANGES)
    if not outcome.total:
        message = _("The file holds no row to import.")
    elif spec.replaces:
        message = _(
            "%(total)s ready: %(new)d new, %(changed)d change stored figures, "
            "%(unchanged)d unchanged."
        ) % {
            "total": _rows(outcome.total),
            "new": shown.new,
            "changed": shown.changed,
            "unchanged": shown.unchanged,
        }
    else:
        message = _("%(total)s ready: %(new)d new, %(replaced)d already stored (skipped).")
        message %= {"total": _rows(outcome.total), "new": shown.new, "replaced": shown.skipped}
    if comments:
        message += " " + ngettext(
            "%(count)d row starting with # skipped (row %(rows)s).",
            "%(count)d rows starting with # skipped (rows %(rows)s).",
            len(comments),
        ) % {"count": len(comments), "rows": _some_rows(comments)}
    _set(
        batch_id,
        status=ImportBatch.Status.VALIDATED,
        errors=[],
        error_count=0,
        number_format_used=used,
        preview=shown.rows,
        total_rows=outcome.total,
        processed_rows=outcome.total,
        created_rows=shown.new,
        updated_rows=shown.changed if spec.replaces else shown.skipped,
        message=message[:500],
    )
    import_batch_notify(batch_id=batch_id)


def _rows(count):
    """ "1 row", "12 rows": a count of a file's rows, in the language being spoken."""
    return ngettext("%(count)d row", "%(count)d rows", count) % {"count": count}


def _some_rows(numbers, shown=5):
    text = ", ".join(str(n) for n in numbers[:shown])
    return text + ("…" if len(numbers) > shown else "")


def import_batch_request_commit(*, batch, by):
    """Queue the commit of a checked batch. Only its uploader's side may commit it."""
    if not ImportBatch.objects.visible_to(by).filter(pk=batch.pk).exists():
        raise NotAllowed(_("You may not commit this import."))
    checked = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.VALIDATED)
    if checked.filter(total_rows=0).exists():
        raise ValidationFailed(_("The file holds no row to import: there is nothing to commit."))
    moved = checked.update(status=ImportBatch.Status.COMMITTING, processed_rows=0)
    if not moved:
        raise ValidationFailed(_("Only a checked import without errors can be committed."))
    resolve(key=import_batch_commit_act(batch.pk))
    transaction.on_commit(lambda: _enqueue("commit", batch.pk))


def import_batch_commit(*, batch_id):
    """Publish the staged rows of a checked batch in one transaction: all of it, or none of it.

    A stored row that the file repeats unchanged is left as it is (counted as unchanged).
    """
    with translation.override(_uploader_language(batch_id)):
        _commit(batch_id)


def _import_emit(batch, created, updated):
    """import.committed: the batch's distributor's (a partner's upload), else the channel's."""
    data = {
        "import_id": batch.pk,
        "kind": batch.kind,
        "filename": batch.filename,
        "distributor": batch.distributor.code if batch.distributor_id else None,
        "rows": batch.total_rows,
        "created": created,
        "updated": updated,
    }
    emit(events.IMPORT_COMMITTED.name, distributor_id=batch.distributor_id, data=data)


def _commit(batch_id):
    batch = (
        ImportBatch.objects.defer("content", "errors_csv")
        .filter(pk=batch_id, status=ImportBatch.Status.COMMITTING)
        .first()
    )
    if batch is None:
        committed = (
            ImportBatch.objects.defer("content", "errors_csv")
            .filter(pk=batch_id, status=ImportBatch.Status.COMMITTED)
            .first()
        )
        if committed is not None:
            # A redelivered job whose worker died after the commit finishes the follow-up
            # (which is idempotent); otherwise committed already, or never asked: a no-op.
            _stage(committed).spec.after_commit(batch_id)
        return
    stage = _stage(batch)
    if not stage.exists():
        import_batch_fail(
            batch_id=batch_id,
            message=_("The checked rows are gone (the import expired); upload the file again."),
        )
        return
    try:
        with transaction.atomic():
            # Lock the batch so two deliveries of the same task cannot both write.
            locked = (
                ImportBatch.objects.select_for_update()
                .filter(pk=batch_id, status=ImportBatch.Status.COMMITTING)
                .exists()
            )
            if not locked:
                return
            created, updated = publish(stage.spec, stage, now=timezone.now())
            if stage.spec.replaces:
                message = _(
                    "Imported %(total)s: %(new)d new, %(replaced)d replaced, "
                    "%(unchanged)d unchanged."
                ) % {
                    "total": _rows(batch.total_rows),
                    "new": created,
                    "replaced": updated,
                    "unchanged": batch.total_rows - created - updated,
                }
            else:
                message = ngettext(
                    "Imported %(new)d new row; %(skipped)d already stored.",
                    "Imported %(new)d new rows; %(skipped)d already stored.",
                    created,
                ) % {
                    "new": created,
                    "skipped": batch.total_rows - created,
                }
            ImportBatch.objects.filter(pk=batch_id).update(
                status=ImportBatch.Status.COMMITTED,
                processed_rows=created + updated,
                created_rows=created,
                updated_rows=updated,
                content=None,
                message=message,
                finished_at=timezone.now(),
            )
            _import_emit(batch, created, updated)
    except ValidationFailed as exc:
        # Reference data changed since the check (a product line was removed, say).
        _set(
            batch_id,
            status=ImportBatch.Status.INVALID,
            errors=[{"row": None, "column": exc.field or "", "message": exc.message}],
            error_count=1,
            message=exc.message[:500],
            finished_at=timezone.now(),
        )
    stage.drop()
    import_batch_notify(batch_id=batch_id)
    if ImportBatch.objects.filter(pk=batch_id, status=ImportBatch.Status.COMMITTED).exists():
        # More work of the same job on the committed rows (leads: routing them).
        stage.spec.after_commit(batch_id)


def import_batch_fail(*, batch_id, message):
    """Record that a job died; a committing batch keeps nothing (its transaction rolled back)."""
    failed = (
        ImportBatch.objects.filter(pk=batch_id)
        .exclude(
            status__in=[
                ImportBatch.Status.COMMITTED,
                ImportBatch.Status.INVALID,
                ImportBatch.Status.EXPIRED,
                ImportBatch.Status.FAILED,  # failed once: keeps its first message and notice
            ]
        )
        .update(status=ImportBatch.Status.FAILED, message=message[:500], finished_at=timezone.now())
    )
    if failed:
        import_batch_notify(batch_id=batch_id)
    batch = ImportBatch.objects.filter(pk=batch_id).only("id", "kind").first()
    if batch is not None:
        Stage(batch.staging_name, SPECS[batch.kind](_context())).drop()


def import_batch_progress(*, batch):
    """(done, total, percent) for display; a commit is one statement, so it has no steps."""
    done, total = batch.processed_rows, batch.total_rows
    if batch.status == ImportBatch.Status.COMMITTING:
        return done, total, None
    if not total:
        return done, total, 0 if batch.is_running else 100
    return done, total, min(100, round(100 * done / total))


def import_batch_errors_csv(*, batch):
    """Every error of a checked batch as CSV text (row, column, message)."""
    blob = ImportBatch.objects.filter(pk=batch.pk).values_list("errors_csv", flat=True).first()
    if blob:
        return errors_csv_text(blob)
    lines = ["row,column,message"]
    for error in batch.errors:
        lines.append(
            ",".join(
                '"' + str(v if v is not None else "").replace('"', '""') + '"'
                for v in (error.get("row"), error.get("column"), error.get("message"))
            )
        )
    return "\n".join(lines) + "\n"


def import_batches_expire(*, now=None):
    """Tidy up imports: drop files and staged rows nobody will commit, fail stuck jobs.

    - a committed batch keeps its record but not its file (dropped at commit; again here);
    - a batch not committed within IMPORT_EXPIRE_HOURS becomes `expired`: file and staged rows
      dropped;
    - a batch still checking or committing after IMPORT_STUCK_MINUTES is failed (its worker
      died; a committing batch wrote nothing: the transaction rolled back).
    Returns the number of batches changed.
    """
    now = now or timezone.now()
    changed = (
        ImportBatch.objects.filter(status=ImportBatch.Status.COMMITTED)
        .exclude(content=None)
        .update(content=None)
    )
    stuck_cutoff = now - datetime.timedelta(minutes=settings.IMPORT_STUCK_MINUTES)
    for batch in ImportBatch.objects.filter(
        status__in=[
            ImportBatch.Status.PENDING,
            ImportBatch.Status.VALIDATING,
            ImportBatch.Status.COMMITTING,
        ],
        updated_at__lt=stuck_cutoff,
    ).only("id"):
        import_batch_fail(
            batch_id=batch.pk,
            message=_("The import stopped without finishing; nothing was imported. Try again."),
        )
        changed += 1
    cutoff = now - datetime.timedelta(hours=settings.IMPORT_EXPIRE_HOURS)
    for batch in (
        ImportBatch.objects.filter(created_at__lt=cutoff)
        .exclude(status__in=[ImportBatch.Status.COMMITTED, ImportBatch.Status.EXPIRED])
        .exclude(status__in=[ImportBatch.Status.COMMITTING])
        .only("id", "kind")
    ):
        _stage(batch).drop()
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.EXPIRED,
            content=None,
            message=_("Expired: not committed within %(hours)d hours; nothing was imported.")
            % {"hours": settings.IMPORT_EXPIRE_HOURS},
            finished_at=now,
        )
        resolve(key=import_batch_commit_act(batch.pk))  # nothing left to commit
        changed += 1
    return changed


def revenue_push(*, user, rows, number_format="point"):
    """Upsert revenue rows sent by an API client: the same checks as a file, all or nothing.

    `rows` is a list of dicts with the revenue file's columns. Errors name the row by its index
    in the list. Returns (created, updated).
    """
    if not (is_manufacturer(user) or is_partner(user)):
        raise NotAllowed(_("You may not send revenue figures."))
    if not rows:
        raise ValidationFailed(_("Send at least one row."), field="rows")
    if len(rows) > settings.API_MAX_PUSH_ROWS:
        raise ValidationFailed(
            _("At most %(max)d rows per request; upload a file for more.")
            % {"max": settings.API_MAX_PUSH_ROWS},
            field="rows",
        )
    membership = user_membership(user) if is_partner(user) else None
    spec = RevenueSpec(
        _context(
            number_format=number_format, scope_id=membership.distributor_id if membership else None
        )
    )
    return push(spec, rows, now=timezone.now())


def contract_renewals_notify(*, today=None, batch=500):
    """Tell each account manager, once per contract end, that a contract of theirs is due for
    renewal (settings.CONTRACT_RENEWAL_DAYS). Idempotent: the end told about is recorded with a
    conditional update, so two runs (or two workers) never tell twice; a renewed contract (a new
    end) is told about again when its turn comes. Returns how many were told."""
    today = today or timezone.localdate()
    due = (
        Distributor.objects.filter(
            Distributor.contract_q(Distributor.Contract.RENEWAL_DUE, today),
            account_manager__isnull=False,
            account_manager__is_active=True,
        )
        .exclude(status__in=Distributor.OUTSIDE_CHANNEL)
        .exclude(renewal_notice_for=models.F("contract_end"))
        .select_related("account_manager")
        .order_by("pk")
    )
    told = 0
    for distributor in due[:batch]:
        with transaction.atomic():
            claimed = (
                Distributor.objects.filter(pk=distributor.pk)
                .exclude(renewal_notice_for=distributor.contract_end)
                .update(renewal_notice_for=distributor.contract_end)
            )
            if claimed:
                contract_renewal_notify(distributor=distributor, today=today)
                told += 1
    return told
