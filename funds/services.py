"""Every write on funds: funds and their allocations (set by hand, or accrued from revenue),
requests before an activity, claims with proof after it, payment, and the daily job (expiry
of unclaimed approvals, reminders).

Rows are locked in one order, allocation → request → claim, so that two acts may wait for one
another but never in a circle (no deadlock). An approval, the only act that takes money from
a balance, locks the allocation row and reads the balance under the lock: two approvals at
once take turns, and the second sees what the first reserved. A refusal raises a domain error
naming the input at fault and changes nothing.
"""

import codecs
import datetime
import logging
import os
import zipfile
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from distributors.freshness import data_changed
from distributors.models import DataChange, Distributor, Investment, RevenueRecord, Tier
from drm import events
from drm.errors import NotAllowed, ValidationFailed
from drm.events import emit
from drm.formats import long_date
from drm.french import interpolate
from drm.limits import text_check
from drm.periods import month_start
from drm.templatetags.money import money
from identity.access import is_partner, require_manufacturer, user_membership
from leads.models import LeadSource, Material
from notifications.services import resolve

from . import notices
from .models import (
    CLAIM_DUE_DAYS,
    MONEY_DIGITS,
    ZERO,
    ActivityType,
    Allocation,
    Claim,
    Fund,
    FundRequest,
    ProofFile,
)
from .selectors import allocation_balance, with_balances

log = logging.getLogger(__name__)

HUNDRED = Decimal(100)
# Approved requests one transaction of the daily job expires at most (the loop takes the rest).
EXPIRE_CHUNK = 500


# --- who acts ----------------------------------------------------------------------------------


def _partner_distributor_id(by, message):
    """The distributor a partner user acts for; anyone else is refused with `message`."""
    membership = user_membership(by) if is_partner(by) else None
    if membership is None:
        raise NotAllowed(message)
    return membership.distributor_id


def _require_own(by, distributor_id, message):
    """A partner acts only on its own distributor's requests and claims."""
    if _partner_distributor_id(by, message) != distributor_id:
        raise NotAllowed(_("This is not your distributor's."))


# --- input -------------------------------------------------------------------------------------


def _amount_text(value):
    return money(value, settings.REPORTING_CURRENCY)


def _money(value, *, field, positive=False):
    """`value` as an amount to the cent, or a ValidationFailed naming `field`."""
    try:
        amount = Decimal(str(value).strip()) if value is not None else None
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed(_("Enter an amount."), field=field)
    if amount < 0 or (positive and amount == 0):
        raise ValidationFailed(
            _("Enter an amount above zero.") if positive else _("Enter an amount of zero or more."),
            field=field,
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(_("Enter an amount to the cent at most."), field=field)
    if amount >= Decimal(10) ** (MONEY_DIGITS - 2):
        raise ValidationFailed(_("The amount is too large."), field=field)
    return amount.quantize(Decimal("0.01"))


def _percent(value, *, field):
    """A percentage above 0 and at most 100, to two decimals."""
    try:
        percent = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        percent = None
    if percent is None or not percent.is_finite() or not (0 < percent <= HUNDRED):
        raise ValidationFailed(_("Enter a percentage above 0 and at most 100."), field=field)
    if percent != percent.quantize(Decimal("0.01")):
        raise ValidationFailed(_("Enter a percentage to two decimals at most."), field=field)
    return percent


def _count(value, *, field):
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationFailed(_("Enter a whole number of zero or more."), field=field)
    return value


def _date(value, *, field):
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        raise ValidationFailed(_("Enter a date."), field=field)
    return value


def _text(model, name, value, *, field=None, required=False, message=None):
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(message, field=field or name)
    text_check(model, name, text, field=field)
    return text


def _status_refused(row, status):
    """The act would move `row` (a request or a claim) to `status`, which its status forbids."""
    message = (
        _("The request is %(current)s; it cannot become %(asked)s.")
        if isinstance(row, FundRequest)
        else _("The claim is %(current)s; it cannot become %(asked)s.")
    )
    raise ValidationFailed(
        message
        % {
            "current": row.get_status_display().lower(),
            "asked": type(row).Status(status).label.lower(),
        },
        field="status",
    )


def _move(row, status):
    if not row.can_move_to(status):
        _status_refused(row, status)
    row.status = status


def _save(row, by, *fields):
    row._history_user = by
    row.save(update_fields=list(fields) if fields else None)


def _reason(row, reason, *, required, message):
    """The reason of a decision on `row` (a request or a claim), checked like its field."""
    return _text(
        type(row), "decision_reason", reason, field="reason", required=required, message=message
    )


def _decide(row, by, status, *, reason, amount=None):
    """Record the manufacturer's decision on a request or a claim: its new status, the amount
    approved (an approval), the reason, who and when."""
    _move(row, status)
    fields = ["status", "decision_reason", "decided_by", "decided_at"]
    if amount is not None:
        row.approved_amount = amount
        fields.append("approved_amount")
    row.decision_reason = reason
    row.decided_by, row.decided_at = by, timezone.now()
    _save(row, by, *fields)


def _money_text(amount):
    return None if amount is None else str(amount)


def _request_emit(request):
    """fund_request.decided: the decision as the partner reads it (amounts, status)."""
    data = {
        "request_id": request.pk,
        "status": request.status,
        "requested_amount": _money_text(request.requested_amount),
        "approved_amount": _money_text(request.approved_amount),
        "currency": settings.REPORTING_CURRENCY,
        "decided_at": request.decided_at.isoformat() if request.decided_at else None,
    }
    emit(events.FUND_REQUEST_DECIDED.name, distributor_id=request.distributor_id, data=data)


def _claim_emit(claim):
    """fund_claim.decided: the decision as the partner reads it (amounts, status)."""
    data = {
        "claim_id": claim.pk,
        "request_id": claim.request_id,
        "status": claim.status,
        "claimed_amount": _money_text(claim.claimed_amount),
        "approved_amount": _money_text(claim.approved_amount),
        "currency": settings.REPORTING_CURRENCY,
        "decided_at": claim.decided_at.isoformat() if claim.decided_at else None,
    }
    emit(events.FUND_CLAIM_DECIDED.name, distributor_id=claim.request.distributor_id, data=data)


# --- funds and allocations ---------------------------------------------------------------------


@transaction.atomic
def fund_create(
    *,
    by,
    name,
    kind,
    period_start,
    period_end,
    expires_on,
    name_fr="",
    accrual_percent=None,
    cost_share_percent=Decimal("50"),
    tiers=(),
    regions=(),
):
    """A new fund (the manufacturer): its period, when it expires, the share of a cost it
    pays, who it is for (tiers and regions; none given: every distributor) and, for an
    accrual fund, the share of revenue it accrues."""
    require_manufacturer(by, _("Only the manufacturer creates funds."))
    name = _text(Fund, "name", name, required=True, message=_("Give the fund a name."))
    name_fr = _text(Fund, "name_fr", name_fr)
    if kind not in Fund.Kind.values:
        raise ValidationFailed(_("Choose a budget or an accrual fund."), field="kind")
    period_start = _date(period_start, field="period_start")
    period_end = _date(period_end, field="period_end")
    expires_on = _date(expires_on, field="expires_on")
    if period_end < period_start:
        raise ValidationFailed(_("The period cannot end before it starts."), field="period_end")
    if expires_on < period_end:
        raise ValidationFailed(
            _("The fund cannot expire before its period ends."), field="expires_on"
        )
    if kind == Fund.Kind.ACCRUAL:
        if accrual_percent in (None, ""):
            raise ValidationFailed(
                _("An accrual fund needs the share of revenue it accrues."),
                field="accrual_percent",
            )
        accrual_percent = _percent(accrual_percent, field="accrual_percent")
    elif accrual_percent not in (None, ""):
        raise ValidationFailed(
            _("Only an accrual fund accrues a share of revenue."), field="accrual_percent"
        )
    else:
        accrual_percent = None
    cost_share_percent = _percent(cost_share_percent, field="cost_share_percent")
    tiers, regions = list(tiers), list(regions)
    if any(not isinstance(tier, Tier) for tier in tiers):
        raise ValidationFailed(_("Choose tiers from the list."), field="tiers")
    from distributors.models import Region

    if any(not isinstance(region, Region) for region in regions):
        raise ValidationFailed(_("Choose regions from the list."), field="regions")
    fund = Fund(
        name=name,
        name_fr=name_fr,
        kind=kind,
        period_start=period_start,
        period_end=period_end,
        expires_on=expires_on,
        accrual_percent=accrual_percent,
        cost_share_percent=cost_share_percent,
        created_by=by,
    )
    _save(fund, by)
    fund.tiers.set(tiers)
    fund.regions.set(regions)
    return fund


def _refuse_expired(fund, today):
    if fund.is_expired(today):
        raise ValidationFailed(
            _("The fund expired on %(date)s.") % {"date": long_date(fund.expires_on)},
            field="fund",
        )


def _allocation_lock(pk):
    return (
        Allocation.objects.select_for_update(of=("self",))
        .select_related("fund", "distributor")
        .get(pk=pk)
    )


@transaction.atomic
def allocation_set(*, fund, distributor, amount, by):
    """Set what `distributor` may draw from a budget fund (the manufacturer). Never below what
    its requests and claims already hold (reserved + claimed + paid)."""
    require_manufacturer(by, _("Only the manufacturer allocates funds."))
    fund = Fund.objects.get(pk=fund.pk)
    if fund.kind != Fund.Kind.BUDGET:
        raise ValidationFailed(
            _("An accrual fund's allocations are computed from revenue, not set by hand."),
            field="fund",
        )
    _refuse_expired(fund, timezone.localdate())
    amount = _money(amount, field="amount")
    if not isinstance(distributor, Distributor):
        raise ValidationFailed(_("Choose a distributor from the list."), field="distributor")
    existing = Allocation.objects.filter(fund=fund, distributor=distributor).first()
    if existing is None:
        # Eligibility counts when an allocation is made: one made before a change of tier
        # or region can still be adjusted.
        if not fund.is_eligible(distributor):
            raise ValidationFailed(
                _("The fund is not for this distributor (its tiers and regions)."),
                field="distributor",
            )
        try:
            with transaction.atomic():
                allocation = Allocation(fund=fund, distributor=distributor, amount=amount)
                _save(allocation, by)
                return allocation
        except IntegrityError:
            existing = Allocation.objects.get(fund=fund, distributor=distributor)
    allocation = _allocation_lock(existing.pk)
    used = allocation_balance(allocation).used
    if amount < used:
        raise ValidationFailed(
            interpolate(
                _(
                    "%(distributor)s's requests and claims already hold %(used)s of this "
                    "fund; the allocation cannot be less."
                ),
                {"distributor": distributor.name, "used": _amount_text(used)},
            ),
            field="amount",
        )
    allocation.amount = amount
    allocation.updated_at = timezone.now()
    _save(allocation, by, "amount", "updated_at")
    return allocation


def _sql(queryset):
    return queryset.query.sql_with_params()


# The columns simple_history writes beside the tracked ones: `_history_sql` refuses a history
# model with others, which it would leave empty.
HISTORY_COLUMNS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
}
# The accrual's temporary table: each eligible distributor's new allocation, dropped with the
# transaction.
ACCRUED = "funds_accrued"


def _history_sql(model, source):
    """An INSERT … SELECT of `model`'s history rows from `source` (a query of its tracked
    columns and `history_type`), the rows `bulk_history_create` would write: the date and the
    user as the two parameters, an empty change reason."""
    history = model.history.model
    tracked = [field.column for field in history.tracked_fields]
    own = {field.column for field in history._meta.concrete_fields} - set(tracked)
    if own != HISTORY_COLUMNS:
        raise ImproperlyConfigured(f"{history.__name__} has the columns {sorted(own)}")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column) for column in tracked)
    values = ", ".join(f"s.{quote(column)}" for column in tracked)
    return f"""
        INSERT INTO {quote(history._meta.db_table)} ({columns}, history_date,
            history_change_reason, history_type, history_user_id)
        SELECT {values}, %s, '', s.history_type, %s FROM ({source}) s
    """  # noqa: S608 - names from the models


@transaction.atomic
def fund_accrue(*, fund, by, today=None):
    """Set every eligible distributor's allocation in an accrual fund to the fund's share of
    the revenue it reported in the fund's period (the months the period touches, valued in the
    reporting currency), whatever the number of distributors: one statement measures every
    eligible distributor into a temporary table (a read, which Postgres may spread over
    parallel workers, as it never does a statement that writes), one writes the allocations
    that changed and their history. Again later, it takes the revenue reported since.

    An allocation never falls below what its requests and claims already hold (revenue
    corrected downwards after an approval): it stays at that. Revenue without an exchange rate
    cannot be valued: the run is refused, naming its currencies, rather than count it as 0.
    Returns the number of allocations created or changed.
    """
    require_manufacturer(by, _("Only the manufacturer accrues funds."))
    fund = Fund.objects.select_for_update().get(pk=fund.pk)
    if fund.kind != Fund.Kind.ACCRUAL:
        raise ValidationFailed(_("Only an accrual fund accrues from revenue."), field="fund")
    _refuse_expired(fund, today or timezone.localdate())
    eligible = fund.eligible_distributors().order_by().values(d=F("pk"))
    revenue = RevenueRecord.objects.filter(
        distributor__in=eligible.values("pk"),
        month__gte=month_start(fund.period_start),
        month__lte=fund.period_end,
    ).order_by()
    if connection.vendor != "postgresql":
        return _fund_accrue_portable(fund, by, eligible, revenue)
    table = connection.ops.quote_name(Allocation._meta.db_table)
    eligible_sql, eligible_params = _sql(eligible)
    revenue_sql, revenue_params = _sql(
        revenue.values(d=F("distributor_id")).annotate(
            total=Sum("reporting_amount"),
            unpriced=Count("pk", filter=Q(reporting_amount__isnull=True)),
        )
    )
    held = with_balances(Allocation.objects.filter(fund=fund)).order_by()
    used_sql, used_params = _sql(held.values("used", d=F("distributor_id")))
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    accrued = "ROUND(COALESCE(r.total, 0) * %s / 100, 2)"
    measure = f"""
        CREATE TEMPORARY TABLE {ACCRUED} ON COMMIT DROP AS
        SELECT e.d,
            CASE WHEN {accrued} > COALESCE(u.used, 0) THEN {accrued} ELSE COALESCE(u.used, 0) END
                AS amount,
            COALESCE(r.unpriced, 0) AS unpriced
        FROM ({eligible_sql}) e
        LEFT JOIN ({revenue_sql}) r ON r.d = e.d
        LEFT JOIN ({used_sql}) u ON u.d = e.d
    """  # noqa: S608 - table names from the models, subqueries compiled by the ORM
    # The allocations to write (new, or of another amount) and whether each is new; then the
    # upsert, and the history of the rows it wrote: '+' created, '~' changed.
    write = f"""
        WITH c AS MATERIALIZED (
            SELECT x.d, x.amount, a.id IS NULL AS fresh FROM {ACCRUED} x
            LEFT JOIN {table} a ON a.fund_id = %s AND a.distributor_id = x.d
            WHERE a.id IS NULL OR a.amount <> x.amount
        ),
        up AS (
            INSERT INTO {table} (fund_id, distributor_id, amount, created_at, updated_at)
            SELECT %s, c.d, c.amount, %s, %s FROM c
            ON CONFLICT (fund_id, distributor_id)
            DO UPDATE SET amount = EXCLUDED.amount, updated_at = EXCLUDED.updated_at
            WHERE {table}.amount <> EXCLUDED.amount
            RETURNING *
        )
    """  # noqa: S608
    written = (
        "SELECT up.*, CASE WHEN c.fresh THEN '+' ELSE '~' END AS history_type "
        "FROM up JOIN c ON c.d = up.distributor_id"
    )
    lock = (
        f"SELECT count(*) FROM (SELECT 1 FROM {table} "  # noqa: S608
        "WHERE fund_id = %s FOR UPDATE) locked"
    )
    percent = fund.accrual_percent
    with connection.cursor() as cursor:
        # The allocations that exist are locked: no approval can add to what they hold while
        # their floor is read (new rows hold nothing).
        cursor.execute(lock, [fund.pk])
        cursor.execute(measure, [percent, percent, *eligible_params, *revenue_params, *used_params])
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {ACCRUED} WHERE unpriced > 0)")  # noqa: S608
        if cursor.fetchone()[0]:
            unpriced = sorted(
                set(
                    revenue.filter(reporting_amount__isnull=True).values_list("currency", flat=True)
                )
            )
            raise ValidationFailed(
                _(
                    "Revenue of the period in %(currencies)s has no exchange rate yet; enter "
                    "the rates, then accrue."
                )
                % {"currencies": ", ".join(unpriced)},
                field="fund",
            )
        params = [fund.pk, fund.pk, at, at]
        # Who changed each allocation, and when: the history the other acts write row by row.
        if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
            cursor.execute(write + _history_sql(Allocation, written), [*params, at, by.pk])
            touched = cursor.rowcount
        else:
            cursor.execute(f"{write} SELECT count(*) FROM up", params)  # noqa: S608
            touched = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE {ACCRUED}")
    return touched


def _fund_accrue_portable(fund, by, eligible, revenue):
    """`fund_accrue` on a database without Postgres's data-modifying statements (SQLite, the
    one-command demo's): the same allocations and history, in an upsert then a history written
    from Python."""
    unpriced = sorted(
        set(revenue.filter(reporting_amount__isnull=True).values_list("currency", flat=True))
    )
    if unpriced:
        raise ValidationFailed(
            _(
                "Revenue of the period in %(currencies)s has no exchange rate yet; enter the "
                "rates, then accrue."
            )
            % {"currencies": ", ".join(unpriced)},
            field="fund",
        )
    # The allocations that exist are locked: no approval can add to what they hold while their
    # floor is read (new rows hold nothing).
    before = dict(
        Allocation.objects.select_for_update().filter(fund=fund).values_list("pk", "amount")
    )
    eligible_sql, eligible_params = _sql(eligible)
    revenue_sql, revenue_params = _sql(
        revenue.values(d=F("distributor_id")).annotate(total=Sum("reporting_amount"))
    )
    held = with_balances(Allocation.objects.filter(fund=fund)).order_by()
    used_sql, used_params = _sql(held.values("used", d=F("distributor_id")))
    table = connection.ops.quote_name(Allocation._meta.db_table)
    stamp = timezone.now()
    at = connection.ops.adapt_datetimefield_value(stamp)
    accrued = "ROUND(COALESCE(r.total, 0) * %s / 100, 2)"
    sql = f"""
        INSERT INTO {table} (fund_id, distributor_id, amount, created_at, updated_at)
        SELECT %s, e.d,
            CASE WHEN {accrued} > COALESCE(u.used, 0) THEN {accrued} ELSE COALESCE(u.used, 0) END,
            %s, %s
        FROM ({eligible_sql}) e
        LEFT JOIN ({revenue_sql}) r ON r.d = e.d
        LEFT JOIN ({used_sql}) u ON u.d = e.d
        WHERE true
        ON CONFLICT (fund_id, distributor_id)
        DO UPDATE SET amount = EXCLUDED.amount, updated_at = EXCLUDED.updated_at
        WHERE {table}.amount <> EXCLUDED.amount
    """  # noqa: S608 - table names from the models, subqueries compiled by the ORM
    percent = fund.accrual_percent
    params = [
        fund.pk,
        percent,
        percent,
        at,
        at,
        *eligible_params,
        *revenue_params,
        *used_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    # Who changed each allocation, and when: the history the other acts write row by row.
    after = list(Allocation.objects.filter(fund=fund))
    created = [row for row in after if row.pk not in before]
    changed = [row for row in after if row.pk in before and row.amount != before[row.pk]]
    Allocation.history.bulk_history_create(created, default_user=by, default_date=stamp)
    Allocation.history.bulk_history_create(
        changed, update=True, default_user=by, default_date=stamp
    )
    touched = created + changed
    return len(touched)


# --- requests ----------------------------------------------------------------------------------


def _request_lock(request):
    return (
        FundRequest.objects.select_for_update(of=("self",))
        .select_related("allocation__fund", "allocation__distributor", "submitted_by")
        .get(pk=request.pk)
    )


def _materials(materials):
    materials = list(materials)
    ids = {getattr(material, "pk", material) for material in materials}
    if not all(isinstance(pk, int) for pk in ids):
        raise ValidationFailed(_("Choose materials from the catalogue."), field="materials")
    found = list(Material.objects.filter(pk__in=ids, is_active=True))
    if len(found) != len(ids):
        raise ValidationFailed(_("Choose materials from the catalogue."), field="materials")
    return found


@transaction.atomic
def request_submit(
    *,
    by,
    fund,
    activity_type,
    title,
    start,
    end,
    planned_cost,
    description="",
    expected_leads=0,
    expected_revenue=None,
    materials=(),
):
    """A partner asks, before an activity, for the fund's share of its planned cost (the
    fund's `cost_share_percent`, to the cent). The activity lies within the fund's period and
    starts today or later; the share must fit in what is available of its distributor's
    allocation now (the approval checks again)."""
    distributor_id = _partner_distributor_id(
        by, _("Only a partner asks for funds, for its own distributor.")
    )
    today = timezone.localdate()
    allocation = (
        Allocation.objects.select_related("fund", "distributor")
        .filter(fund_id=getattr(fund, "pk", fund), distributor_id=distributor_id)
        .first()
    )
    if allocation is None:
        raise ValidationFailed(_("Your distributor has no allocation in this fund."), field="fund")
    fund = allocation.fund
    if allocation.distributor.status == Distributor.Status.TERMINATED:
        raise NotAllowed(_("A terminated distributor cannot ask for funds."))
    _refuse_expired(fund, today)
    if activity_type not in ActivityType.values:
        raise ValidationFailed(_("Choose the type of activity."), field="activity_type")
    title = _text(
        FundRequest, "title", title, required=True, message=_("Give the activity a title.")
    )
    description = _text(FundRequest, "description", description)
    start = _date(start, field="start")
    end = _date(end, field="end")
    if end < start:
        raise ValidationFailed(_("The activity cannot end before it starts."), field="end")
    if start < fund.period_start:
        raise ValidationFailed(
            _("The activity must start within the fund's period (from %(date)s).")
            % {"date": long_date(fund.period_start)},
            field="start",
        )
    if end > fund.period_end:
        raise ValidationFailed(
            _("The activity must end within the fund's period (by %(date)s).")
            % {"date": long_date(fund.period_end)},
            field="end",
        )
    if start < today:
        raise ValidationFailed(
            _("Ask before the activity: it cannot start before today."), field="start"
        )
    planned_cost = _money(planned_cost, field="planned_cost", positive=True)
    expected_leads = _count(expected_leads, field="expected_leads")
    if expected_revenue not in (None, ""):
        expected_revenue = _money(expected_revenue, field="expected_revenue")
    else:
        expected_revenue = None
    materials = _materials(materials)
    requested = fund.share_of(planned_cost)
    if requested <= 0:
        raise ValidationFailed(
            _("The fund's share of this cost rounds to nothing."), field="planned_cost"
        )
    available = allocation_balance(allocation, today=today).available
    if requested > available:
        raise ValidationFailed(
            _("The fund's share of the cost is %(requested)s; %(available)s is available.")
            % {"requested": _amount_text(requested), "available": _amount_text(available)},
            field="planned_cost",
        )
    request = FundRequest(
        allocation=allocation,
        activity_type=activity_type,
        title=title,
        description=description,
        start=start,
        end=end,
        planned_cost=planned_cost,
        requested_amount=requested,
        expected_leads=expected_leads,
        expected_revenue=expected_revenue,
        submitted_by=by,
        submitted_at=timezone.now(),
        claim_deadline=end + datetime.timedelta(days=settings.FUNDS_CLAIM_DAYS),
    )
    _save(request, by)
    request.materials.set(materials)
    notices.request_submitted_notify(request, by=by)
    return request


@transaction.atomic
def request_approve(*, request, by, amount=None, reason=""):
    """The manufacturer approves a submitted request: in full, or in part (`amount` less than
    requested, with the reason). The approved amount is reserved from the allocation, which
    is locked while its balance is read: it is refused when more than is available then."""
    require_manufacturer(by, _("Only the manufacturer approves fund requests."))
    allocation = _allocation_lock(request.allocation_id)
    request = _request_lock(request)
    if request.status != FundRequest.Status.SUBMITTED:
        _status_refused(request, FundRequest.Status.APPROVED)
    if amount in (None, ""):
        amount = request.requested_amount
    amount = _money(amount, field="amount", positive=True)
    if amount > request.requested_amount:
        raise ValidationFailed(
            _("At most the %(requested)s requested can be approved.")
            % {"requested": _amount_text(request.requested_amount)},
            field="amount",
        )
    reason = _reason(
        request,
        reason,
        required=amount < request.requested_amount,
        message=_("Say why less than requested is approved."),
    )
    today = timezone.localdate()
    _refuse_expired(allocation.fund, today)
    available = allocation_balance(allocation, today=today).available
    if amount > available:
        raise ValidationFailed(
            _("%(amount)s cannot be approved: %(available)s is available.")
            % {"amount": _amount_text(amount), "available": _amount_text(available)},
            field="amount",
        )
    _decide(request, by, FundRequest.Status.APPROVED, reason=reason, amount=amount)
    resolve(key=notices.request_decide(request.pk))
    notices.request_decided_notify(request, by=by)
    _request_emit(request)
    return request


@transaction.atomic
def request_reject(*, request, by, reason):
    """The manufacturer rejects a request, saying why: a submitted one, or an approved one not
    claimed yet (its reservation goes back to the balance)."""
    require_manufacturer(by, _("Only the manufacturer rejects fund requests."))
    request = _request_lock(request)
    if not request.can_move_to(FundRequest.Status.REJECTED):
        _status_refused(request, FundRequest.Status.REJECTED)
    reason = _reason(request, reason, required=True, message=_("Say why the request is rejected."))
    _decide(request, by, FundRequest.Status.REJECTED, reason=reason)
    resolve(keys=[notices.request_decide(request.pk), notices.request_claim(request.pk)])
    notices.request_decided_notify(request, by=by)
    _request_emit(request)
    return request


@transaction.atomic
def request_cancel(*, request, by):
    """A partner withdraws its distributor's request before a claim (an approved one gives its
    reservation back)."""
    request = _request_lock(request)
    _require_own(
        by,
        request.allocation.distributor_id,
        _("Only the distributor's partner users cancel its requests."),
    )
    _move(request, FundRequest.Status.CANCELLED)
    _save(request, by, "status")
    resolve(keys=[notices.request_decide(request.pk), notices.request_claim(request.pk)])
    return request


def requests_expire(*, today=None):
    """Approved requests still unclaimed after their claim deadline expire, giving their
    reservation back. Idempotent; a request being claimed at this moment is left to the next
    run. Returns how many expired."""
    today = today or timezone.localdate()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                FundRequest.objects.select_for_update(skip_locked=True)
                .filter(status=FundRequest.Status.APPROVED, claim_deadline__lt=today)
                .order_by("pk")[:EXPIRE_CHUNK]
            )
            if not batch:
                return expired
            for request in batch:
                request.status = FundRequest.Status.EXPIRED
            bulk_update_with_history(batch, FundRequest, ["status"])
            resolve(keys=[notices.request_claim(request.pk) for request in batch])
            expired += len(batch)


def requests_claim_due_notify(*, today=None):
    """Remind the partner, once per request, of an approved request whose claim deadline is
    within CLAIM_DUE_DAYS. Returns how many were reminded."""
    today = today or timezone.localdate()
    with transaction.atomic():
        due = list(
            FundRequest.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("allocation__fund", "allocation__distributor", "submitted_by")
            .filter(
                status=FundRequest.Status.APPROVED,
                claim_reminded_at__isnull=True,
                claim_deadline__gte=today,
                claim_deadline__lte=today + datetime.timedelta(days=CLAIM_DUE_DAYS),
            )
            .order_by("pk")
        )
        FundRequest.objects.filter(pk__in=[request.pk for request in due]).update(
            claim_reminded_at=timezone.now()
        )
        notices.claims_due_notify(due)
    return len(due)


def funds_daily(*, today=None):
    """The daily job's part for funds: expire what was not claimed in time, then remind."""
    today = today or timezone.localdate()
    return {
        "expired": requests_expire(today=today),
        "reminded": requests_claim_due_notify(today=today),
    }


# --- proof files -------------------------------------------------------------------------------

# What a proof may be: its extensions, the content type stored, and how its content starts.
PROOF_TYPES = {
    "pdf": "application/pdf",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
PROOF_EXTENSIONS = {
    "pdf": "pdf",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "png": "png",
    "csv": "csv",
    "xlsx": "xlsx",
}
SIGNATURES = {
    "pdf": b"%PDF-",
    "jpeg": b"\xff\xd8\xff",
    "png": b"\x89PNG\r\n\x1a\n",
    "zip": b"PK\x03\x04",
}
# How much of a CSV file is read to tell it is text.
CSV_SNIFF_BYTES = 64 * 1024


def _proof_name(upload):
    return os.path.basename(getattr(upload, "name", "") or "") or _("a file without a name")


def _is_text(head):
    if b"\x00" in head or any(head.startswith(magic) for magic in SIGNATURES.values()):
        return False
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            # The sniffed part may cut a character in two: the incremental decoder allows it.
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _is_xlsx(upload):
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


def _content_is(kind, upload):
    upload.seek(0)
    head = upload.read(CSV_SNIFF_BYTES if kind == "csv" else 16)
    upload.seek(0)
    if kind == "csv":
        return _is_text(head)
    if kind == "xlsx":
        found = head.startswith(SIGNATURES["zip"]) and _is_xlsx(upload)
        upload.seek(0)
        return found
    return head.startswith(SIGNATURES[kind])


def proof_check(upload):
    """The content type of a proof file, or a ValidationFailed naming it: a PDF, JPEG, PNG,
    CSV or XLSX file by its content (not only its name), at most FUNDS_PROOF_MAX_BYTES, and
    let through by the scan hook (FUNDS_PROOF_SCAN) when one is set."""
    name = _proof_name(upload)
    extension = os.path.splitext(name)[1].lower().lstrip(".")
    kind = PROOF_EXTENSIONS.get(extension)
    if kind is None:
        raise ValidationFailed(
            _("“%(name)s” cannot be a proof: upload a PDF, JPEG, PNG, CSV or XLSX file.")
            % {"name": name},
            field="files",
        )
    size = upload.size or 0
    if size > settings.FUNDS_PROOF_MAX_BYTES:
        raise ValidationFailed(
            _("“%(name)s” is %(size)s; a proof file is at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.FUNDS_PROOF_MAX_BYTES),
            },
            field="files",
        )
    if size == 0:
        raise ValidationFailed(_("“%(name)s” is empty.") % {"name": name}, field="files")
    if not _content_is(kind, upload):
        raise ValidationFailed(
            _("“%(name)s” is not a real .%(extension)s file; upload the file itself.")
            % {"name": name, "extension": extension},
            field="files",
        )
    if settings.FUNDS_PROOF_SCAN:
        scan = import_string(settings.FUNDS_PROOF_SCAN)
        try:
            passed = scan(upload) is not False
        except Exception:  # noqa: BLE001 - whatever the scanner says, the file is refused
            log.warning("the proof scan refused %s", name, exc_info=True)
            passed = False
        finally:
            upload.seek(0)
        if not passed:
            raise ValidationFailed(
                _("“%(name)s” was refused by the virus scan.") % {"name": name}, field="files"
            )
    return PROOF_TYPES[kind]


# --- claims ------------------------------------------------------------------------------------


def _claim_lock(claim):
    """The claim's request, then the claim, locked (the order every act takes them in)."""
    request = _request_lock(FundRequest(pk=claim.request_id))
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("submitted_by")
        .get(pk=claim.pk)
    )
    claim.request = request
    return claim


@transaction.atomic
def claim_submit(
    *,
    by,
    request,
    actual_cost,
    files,
    results_leads=0,
    results_revenue=ZERO,
    lead_source=None,
):
    """A partner claims an approved request once the activity is over and by its claim
    deadline: the actual cost, the results, and at least one proof file. It claims the fund's
    share of the actual cost, never more than was approved."""
    request = _request_lock(request)
    _require_own(
        by,
        request.allocation.distributor_id,
        _("Only the distributor's partner users claim its activities."),
    )
    if request.status != FundRequest.Status.APPROVED:
        _status_refused(request, FundRequest.Status.CLAIMED)
    today = timezone.localdate()
    if today < request.end:
        raise ValidationFailed(
            _("Claim once the activity is over: from %(date)s.") % {"date": long_date(request.end)},
            field="request",
        )
    if today > request.claim_deadline:
        raise ValidationFailed(
            _("The claim was due by %(date)s.") % {"date": long_date(request.claim_deadline)},
            field="request",
        )
    actual_cost = _money(actual_cost, field="actual_cost", positive=True)
    results_leads = _count(results_leads, field="results_leads")
    results_revenue = _money(results_revenue or ZERO, field="results_revenue")
    if lead_source is not None and not isinstance(lead_source, LeadSource):
        raise ValidationFailed(_("Choose a lead source from the list."), field="lead_source")
    files = list(files or ())
    if not files:
        raise ValidationFailed(_("Add at least one proof file."), field="files")
    content_types = [proof_check(upload) for upload in files]
    claimed = min(request.allocation.fund.share_of(actual_cost), request.approved_amount)
    if claimed <= 0:
        raise ValidationFailed(
            _("The fund's share of this cost rounds to nothing."), field="actual_cost"
        )
    now = timezone.now()
    claim = Claim(
        request=request,
        actual_cost=actual_cost,
        claimed_amount=claimed,
        results_leads=results_leads,
        results_revenue=results_revenue,
        lead_source=lead_source,
        submitted_by=by,
        submitted_at=now,
    )
    _save(claim, by)
    _move(request, FundRequest.Status.CLAIMED)
    _save(request, by, "status")
    stored = []
    try:
        for upload, content_type in zip(files, content_types, strict=True):
            proof = ProofFile(
                claim=claim,
                original_name=_proof_name(upload)[:255],
                content_type=content_type,
                size=upload.size,
                uploaded_by=by,
                uploaded_at=now,
            )
            proof.file.save(_proof_name(upload), upload, save=False)
            stored.append(proof.file)
            proof.save()
    except BaseException:
        # Files are not transactional: the ones written are removed with the rows.
        for written in stored:
            written.storage.delete(written.name)
        raise
    resolve(key=notices.request_claim(request.pk))
    notices.claim_submitted_notify(claim, by=by)
    return claim


@transaction.atomic
def claim_approve(*, claim, by, amount=None, reason=""):
    """The manufacturer approves a claim: in full, or in part (`amount` less than claimed,
    with the reason); never more than was claimed, itself never more than the request's
    approved amount. What the approval leaves of the reservation goes back to the balance."""
    require_manufacturer(by, _("Only the manufacturer approves claims."))
    claim = _claim_lock(claim)
    if claim.status != Claim.Status.SUBMITTED:
        _status_refused(claim, Claim.Status.APPROVED)
    if amount in (None, ""):
        amount = claim.claimed_amount
    amount = _money(amount, field="amount", positive=True)
    ceiling = min(claim.claimed_amount, claim.request.approved_amount)
    if amount > ceiling:
        raise ValidationFailed(
            _("At most the %(claimed)s claimed can be approved.")
            % {"claimed": _amount_text(ceiling)},
            field="amount",
        )
    reason = _reason(
        claim,
        reason,
        required=amount < claim.claimed_amount,
        message=_("Say why less than claimed is approved."),
    )
    _decide(claim, by, Claim.Status.APPROVED, reason=reason, amount=amount)
    resolve(key=notices.claim_decide(claim.pk))
    notices.claim_decided_notify(claim, by=by)
    _claim_emit(claim)
    return claim


@transaction.atomic
def claim_reject(*, claim, by, reason):
    """The manufacturer rejects a claim, saying why: the request closes and its reservation
    goes back to the balance."""
    require_manufacturer(by, _("Only the manufacturer rejects claims."))
    claim = _claim_lock(claim)
    if not claim.can_move_to(Claim.Status.REJECTED):
        _status_refused(claim, Claim.Status.REJECTED)
    reason = _reason(claim, reason, required=True, message=_("Say why the claim is rejected."))
    _decide(claim, by, Claim.Status.REJECTED, reason=reason)
    request = claim.request
    _move(request, FundRequest.Status.CLOSED)
    _save(request, by, "status")
    resolve(key=notices.claim_decide(claim.pk))
    notices.claim_decided_notify(claim, by=by)
    _claim_emit(claim)
    return claim


def _investment_add(distributor_id, day, value):
    """Add `value` to the distributor's market funds investment of `day`, or create it: one
    row per distributor, day and kind (Investment's unique key), added to with F() so that two
    payments of one day both count."""
    kind = Investment.Kind.MARKET_FUNDS
    rows = Investment.objects.filter(distributor_id=distributor_id, date=day, kind=kind)
    added = {
        "amount": F("amount") + value,
        "value": F("value") + value,
        "updated_at": timezone.now(),
    }
    if not rows.update(**added):
        try:
            with transaction.atomic():
                return Investment.objects.create(
                    distributor_id=distributor_id, date=day, kind=kind, amount=value, value=value
                )
        except IntegrityError:  # another payment of the day created it meanwhile
            rows.update(**added)
    return rows.get()


@transaction.atomic
def claim_pay(*, claim, by, reference, paid_on):
    """The manufacturer records the payment of an approved claim: the request closes, and the
    amount paid is added to the distributor's market funds investment of the day paid (what
    the scorecards weigh revenue against)."""
    require_manufacturer(by, _("Only the manufacturer records payments."))
    claim = _claim_lock(claim)
    if claim.status != Claim.Status.APPROVED:
        _status_refused(claim, Claim.Status.PAID)
    reference = _text(
        Claim,
        "payment_reference",
        reference,
        field="reference",
        required=True,
        message=_("Give the payment's reference."),
    )
    paid_on = _date(paid_on, field="paid_on")
    if paid_on > timezone.localdate():
        raise ValidationFailed(_("Record a payment once it is made."), field="paid_on")
    request = claim.request
    investment = _investment_add(request.allocation.distributor_id, paid_on, claim.approved_amount)
    data_changed(DataChange.Source.INVESTMENTS)
    _move(claim, Claim.Status.PAID)
    claim.paid_on, claim.payment_reference, claim.investment = paid_on, reference, investment
    _save(claim, by, "status", "paid_on", "payment_reference", "investment")
    _move(request, FundRequest.Status.CLOSED)
    _save(request, by, "status")
    notices.claim_paid_notify(claim, by=by)
    return claim
