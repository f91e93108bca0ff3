"""Every write on incentive programmes: a programme and its tiers, the accrual that measures
every participant from the revenue the portal holds (the same few set-based statements whatever
the number of distributors), the quarterly advances, the true-up, and the payment of goal
bonuses into the same ledger.

An accrual, an advance and a true-up of one programme take turns (each locks the programme's
row): an advance never reads a standing half-written. A refusal raises a domain error naming
the input at fault and changes nothing.
"""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from distributors.models import Distributor, ProductLine, Region, RevenueRecord, Tier
from drm.errors import ValidationFailed
from drm.formats import long_date
from funds.services import _date as date_input
from funds.services import _money as money_input
from funds.services import _percent as percent_input
from funds.services import _text
from goals.models import Goal
from identity.access import require_manufacturer

from . import notices
from .models import (
    HUNDRED,
    SPIFF_MAX_DAYS,
    Entry,
    PayoutTier,
    Programme,
    Settlement,
    Standing,
    Step,
)

log = logging.getLogger(__name__)

# Tiers a programme may have (each is a term of the SQL that measures it).
MAX_TIERS = 10
MAX_RATE = Decimal("100000000")
# A tier's figure as a statement's parameter. SQLite binds a Decimal as text, and text compares
# above every number there (m >= '100.00' is never true): cast, it is a number on both databases.
NUMBER = "CAST(%s AS NUMERIC)"
# The accrual's temporary tables: every participant measured, and those with something to write.
MEASURED = "incentives_measured"
CHANGES = "incentives_changes"


# --- programmes --------------------------------------------------------------------------------


def _steps(rows, *, per_unit):
    """Tier rows (threshold, rate) checked: numbers, none negative, a percentage rate at most
    100, no two at one threshold; sorted by threshold."""
    steps = []
    for threshold, rate in rows or []:
        try:
            threshold, rate = Decimal(str(threshold).strip()), Decimal(str(rate).strip())
        except (ArithmeticError, ValueError):
            raise ValidationFailed(
                _("A tier needs a threshold and a rate."), field="tiers"
            ) from None
        if not (threshold.is_finite() and rate.is_finite()):
            raise ValidationFailed(_("A tier needs a threshold and a rate."), field="tiers")
        if rate < 0:
            raise ValidationFailed(_("A tier's rate cannot be negative."), field="tiers")
        if threshold != threshold.quantize(Decimal("0.01")) or abs(threshold) >= Decimal(10) ** 15:
            raise ValidationFailed(
                _("A tier's threshold is a number to two decimals at most."), field="tiers"
            )
        if rate != rate.quantize(Decimal("0.0001")) or rate >= MAX_RATE:
            raise ValidationFailed(_("A tier's rate has four decimals at most."), field="tiers")
        if not per_unit and rate > HUNDRED:
            raise ValidationFailed(_("A rate of revenue cannot pass 100 %."), field="tiers")
        steps.append(Step(threshold, rate))
    if not steps:
        raise ValidationFailed(_("Give the programme at least one tier."), field="tiers")
    if len(steps) > MAX_TIERS:
        raise ValidationFailed(
            _("A programme has %(count)d tiers at most.") % {"count": MAX_TIERS}, field="tiers"
        )
    thresholds = [step.threshold for step in steps]
    if len(set(thresholds)) != len(thresholds):
        raise ValidationFailed(_("Two tiers start at the same threshold."), field="tiers")
    return sorted(steps, key=lambda step: step.threshold)


def _choice(value, choices, *, field, message):
    if value not in choices.values:
        raise ValidationFailed(message, field=field)
    return value


def _members(items, model, *, field, message):
    items = list(items or [])
    if any(not isinstance(item, model) for item in items):
        raise ValidationFailed(message, field=field)
    return items


@transaction.atomic
def programme_create(
    *,
    by,
    name,
    basis,
    period_start,
    period_end,
    tiers,
    name_fr="",
    kind=Programme.Kind.REBATE,
    description="",
    description_fr="",
    product_line=None,
    baseline_start=None,
    baseline_end=None,
    method=Programme.Method.RETROACTIVE,
    cap=None,
    schedule=Programme.Schedule.AT_END,
    advance_percent=Decimal("100"),
    eligible_tiers=(),
    regions=(),
    distributors=(),
):
    """A new programme (the manufacturer): who is in it, its period, what it measures, its tiers
    of payout (`tiers`: (threshold, rate) pairs), cap and payment schedule."""
    require_manufacturer(by, _("Only the manufacturer creates incentive programmes."))
    name = _text(Programme, "name", name, required=True, message=_("Give the programme a name."))
    name_fr = _text(Programme, "name_fr", name_fr)
    description = _text(Programme, "description", description)
    description_fr = _text(Programme, "description_fr", description_fr)
    kind = _choice(kind, Programme.Kind, field="kind", message=_("Choose a rebate or a SPIFF."))
    basis = _choice(basis, Programme.Basis, field="basis", message=_("Choose what is measured."))
    method = _choice(
        method, Programme.Method, field="method", message=_("Choose how the tiers apply.")
    )
    schedule = _choice(
        schedule, Programme.Schedule, field="schedule", message=_("Choose a payment schedule.")
    )
    period_start = date_input(period_start, field="period_start")
    period_end = date_input(period_end, field="period_end")
    if period_end < period_start:
        raise ValidationFailed(_("The period cannot end before it starts."), field="period_end")
    if product_line is not None and not isinstance(product_line, ProductLine):
        raise ValidationFailed(_("Choose a product line from the list."), field="product_line")
    if kind == Programme.Kind.SPIFF:
        if product_line is None:
            raise ValidationFailed(
                _("A SPIFF rewards the sales of one product line: choose it."),
                field="product_line",
            )
        if (period_end - period_start).days + 1 > SPIFF_MAX_DAYS:
            raise ValidationFailed(
                _("A SPIFF runs %(days)d days at most; make a longer one a rebate.")
                % {"days": SPIFF_MAX_DAYS},
                field="period_end",
            )
    if basis == Programme.Basis.GROWTH:
        if baseline_start in (None, "") or baseline_end in (None, ""):
            raise ValidationFailed(
                _("A growth programme needs the baseline period it is measured against."),
                field="baseline_start",
            )
        baseline_start = date_input(baseline_start, field="baseline_start")
        baseline_end = date_input(baseline_end, field="baseline_end")
        if baseline_end < baseline_start:
            raise ValidationFailed(
                _("The baseline cannot end before it starts."), field="baseline_end"
            )
        if baseline_end >= period_start:
            raise ValidationFailed(
                _("The baseline period ends before the programme's period starts."),
                field="baseline_end",
            )
        if method != Programme.Method.RETROACTIVE:
            raise ValidationFailed(
                _("Growth tiers apply retroactively: growth is a rate, not a volume to split."),
                field="method",
            )
    elif baseline_start not in (None, "") or baseline_end not in (None, ""):
        raise ValidationFailed(
            _("Only a growth programme has a baseline period."), field="baseline_start"
        )
    else:
        baseline_start = baseline_end = None
    steps = _steps(tiers, per_unit=basis == Programme.Basis.UNITS)
    cap = None if cap in (None, "") else money_input(cap, field="cap", positive=True)
    advance_percent = percent_input(advance_percent, field="advance_percent")
    eligible_tiers = _members(
        eligible_tiers, Tier, field="eligible_tiers", message=_("Choose tiers from the list.")
    )
    regions = _members(regions, Region, field="regions", message=_("Choose regions from the list."))
    distributors = _members(
        distributors,
        Distributor,
        field="distributors",
        message=_("Choose distributors from the list."),
    )
    if distributors and (eligible_tiers or regions):
        raise ValidationFailed(
            _("Name distributors, or choose tiers and regions, not both."), field="distributors"
        )
    programme = Programme(
        name=name,
        name_fr=name_fr,
        kind=kind,
        description=description,
        description_fr=description_fr,
        basis=basis,
        product_line=product_line,
        period_start=period_start,
        period_end=period_end,
        baseline_start=baseline_start,
        baseline_end=baseline_end,
        method=method,
        cap=cap,
        schedule=schedule,
        advance_percent=advance_percent,
        created_by=by,
    )
    programme._history_user = by
    programme.save()
    PayoutTier.objects.bulk_create(
        PayoutTier(programme=programme, threshold=step.threshold, rate=step.rate) for step in steps
    )
    programme.tiers.set(eligible_tiers)
    programme.regions.set(regions)
    programme.distributors.set(distributors)
    if not programme.is_over():
        notices.programme_opened_notify(programme, by=by)
    return programme


# --- measuring ---------------------------------------------------------------------------------


def _weighted(column, weights, params):
    """`column` weighted by the share of each month inside the period (plain when every month
    is whole, the common case, which spares a CASE per row)."""
    if all(weight == 1 for _month, weight in weights):
        return column
    cases = []
    for month, weight in weights:
        cases.append("WHEN %s THEN %s")
        params += [connection.ops.adapt_datefield_value(month), weight]
    return f"{column} * (CASE month {' '.join(cases)} ELSE 0 END)"


def _revenue_sql(programme, weights, *, with_units):
    """Per distributor: its revenue (and units) over the months `weights` names, pro rata, of
    the programme's product line; the rows without an exchange rate; the last month counted."""
    table = connection.ops.quote_name(RevenueRecord._meta.db_table)
    params = []
    revenue = _weighted("COALESCE(reporting_amount, 0)", weights, params)
    columns = [f"ROUND(SUM({revenue}), 2) AS revenue"]
    if with_units:
        units = _weighted("units", weights, params)
        columns += [
            f"ROUND(SUM({units}), 2) AS units",
            "SUM(CASE WHEN reporting_amount IS NULL THEN 1 ELSE 0 END) AS unpriced",
            "MAX(month) AS through",
        ]
    if weights:
        conditions = ["month >= %s", "month <= %s"]
        params += [
            connection.ops.adapt_datefield_value(weights[0][0]),
            connection.ops.adapt_datefield_value(weights[-1][0]),
        ]
    else:  # no month counted yet (growth in its period's first month)
        conditions = ["1 = 0"]
    if programme.product_line_id is not None:
        conditions.append("product_line_id = %s")
        params.append(programme.product_line_id)
    sql = (
        f"SELECT distributor_id AS d, {', '.join(columns)} FROM {table} "  # noqa: S608
        f"WHERE {' AND '.join(conditions)} GROUP BY distributor_id"
    )
    return sql, params


def measure_sql(programme):
    """The SQL twin of `Programme.measure_of`, over the columns revenue, units and baseline."""
    if programme.basis == Programme.Basis.UNITS:
        return "units"
    if programme.basis == Programme.Basis.GROWTH:
        return "CASE WHEN baseline > 0 THEN (revenue - baseline) * 100 / baseline END"
    return "revenue"


def earned_sql(programme, steps):
    """The SQL twin of `Programme.earned_for` over the columns m (the measure), revenue and
    units: the tiers are written into the statement as parameters (a programme has a few)."""
    params = []
    base, scale = ("units", "1") if programme.pays_per_unit else ("revenue", "100")
    if programme.method == Programme.Method.RETROACTIVE:
        cases = []
        for step in reversed(steps):
            cases.append(f"WHEN m >= {NUMBER} THEN {NUMBER}")
            params += [step.threshold, step.rate]
        earned = f"(CASE {' '.join(cases)} ELSE 0 END) * {base} / {scale}"
    else:
        terms = []
        for index, step in enumerate(steps):
            upper = steps[index + 1].threshold if index + 1 < len(steps) else None
            if upper is None:
                top, top_params = "m", []
            else:
                top, top_params = (
                    f"(CASE WHEN m < {NUMBER} THEN m ELSE {NUMBER} END)",
                    [upper, upper],
                )
            terms.append(f"(CASE WHEN m > {NUMBER} THEN ({top} - {NUMBER}) * {NUMBER} ELSE 0 END)")
            params += [step.threshold, *top_params, step.threshold, step.rate]
        earned = f"({' + '.join(terms)}) / {scale}"
    if programme.cap is not None:
        earned = f"(CASE WHEN {earned} > {NUMBER} THEN {NUMBER} ELSE {earned} END)"
        params = [*params, programme.cap, programme.cap, *params]
    return f"ROUND({earned}, 2)", params


def _eligible_sql(programme):
    """The participants: the distributors eligible now, and those measured before (a distributor
    that changes tier during the period keeps what it earned in it)."""
    eligible = programme.eligible_distributors().order_by().values(d=F("pk"))
    kept = Standing.objects.filter(programme=programme).order_by().values(d=F("distributor_id"))
    sql, params = eligible.query.sql_with_params()
    kept_sql, kept_params = kept.query.sql_with_params()
    return f"{sql} UNION {kept_sql}", [*params, *kept_params]


def measured_sql(programme, *, end=None, today=None):
    """Per participant: revenue, units, baseline, rows without a rate, last month counted, the
    measure m and what it earns, for the period up to `end` (by default the whole period; growth
    to date as of `today`, see `Programme.counted_weights`)."""
    steps = programme.steps()
    weights, baseline_weights = programme.counted_weights(end=end, today=today)
    eligible_sql, params = _eligible_sql(programme)
    revenue_sql, revenue_params = _revenue_sql(programme, weights, with_units=True)
    params += revenue_params
    baseline_join, baseline_column = "", "CAST(NULL AS NUMERIC)"
    if programme.basis == Programme.Basis.GROWTH:
        baseline_sql, baseline_params = _revenue_sql(programme, baseline_weights, with_units=False)
        baseline_join = f"LEFT JOIN ({baseline_sql}) b ON b.d = e.d"
        baseline_column = "COALESCE(b.revenue, 0)"
        params += baseline_params
    inner = f"""
        SELECT e.d AS d, COALESCE(r.revenue, 0) AS revenue, COALESCE(r.units, 0) AS units,
            {baseline_column} AS baseline, COALESCE(r.unpriced, 0) AS unpriced,
            r.through AS through
        FROM ({eligible_sql}) e
        LEFT JOIN ({revenue_sql}) r ON r.d = e.d
        {baseline_join}
    """  # noqa: S608
    earned, earned_params = earned_sql(programme, steps)
    sql = f"""
        SELECT x.*, {earned} AS earned FROM (
            SELECT y.*, {measure_sql(programme)} AS m FROM ({inner}) y
        ) x
    """  # noqa: S608 - every name from the models, every value a parameter
    return sql, [*earned_params, *params]


@transaction.atomic
def programme_accrue(*, programme, by=None, today=None):
    """Measure every participant of `programme` from the revenue the portal holds and write
    what changed into the ledger: an accrual as new months come in, a restatement when revenue
    already counted was corrected. Set-based, whatever the number of distributors: one
    statement measures every participant into a temporary table (a read, which Postgres may
    spread over parallel workers, as it never does a statement that writes), one stores the
    standings that changed and writes their differences into the ledger.

    A distributor whose revenue of the period has a currency without an exchange rate keeps its
    earnings as they were (its `unpriced` rows are counted and shown) until the rate is entered.
    Returns {"measured", "changed", "unpriced"}.
    """
    if by is not None:
        require_manufacturer(by, _("Only the manufacturer accrues programmes."))
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    if not programme.payout_tiers.exists():
        return {"measured": 0, "changed": 0, "unpriced": 0}
    today = today or timezone.localdate()
    stamp = timezone.now()
    at = connection.ops.adapt_datetimefield_value(stamp)
    day = connection.ops.adapt_datefield_value(today)
    standing = connection.ops.quote_name(Standing._meta.db_table)
    entry = connection.ops.quote_name(Entry._meta.db_table)
    measured, params = measured_sql(programme, today=today)
    never = "'1900-01-01'"
    # Each participant beside its standing (s.*, none for a newcomer): what the standing will
    # hold (a distributor waiting for an exchange rate keeps its earnings and last month), and
    # whether its figures moved or its ledger is behind (`ledgered`, the part of `earned` the
    # ledger holds, as of `ledgered_through`). Only the rows with something to write go on.
    moved = " OR ".join(
        [
            f"COALESCE(y.s_{column}, -1) <> COALESCE(y.{column}, -1)"
            for column in ("revenue", "units", "baseline", "measure", "unpriced")
        ]
        + [
            f"(y.unpriced = 0 AND (y.s_earned <> y.earned OR "
            f"COALESCE(y.s_through, {never}) <> COALESCE(y.through, {never})))"
        ]
    )
    behind = (
        "y.new_earned <> y.s_ledgered OR (y.new_through IS NOT NULL AND "
        "(y.s_ledgered_through IS NULL OR y.s_ledgered_through <> y.new_through))"
    )
    changes = f"""
        SELECT z.*,
            CASE WHEN z.fresh OR z.behind THEN z.new_through ELSE z.s_ledgered_through END
                AS new_ledgered_through,
            CASE WHEN z.fresh OR z.moved THEN %s ELSE z.s_updated_at END AS new_updated_at
        FROM (
            SELECT y.*, ({moved}) AS moved, ({behind}) AS behind
            FROM (
                SELECT x.d, x.revenue, x.units, x.baseline, ROUND(x.m, 2) AS measure,
                    x.unpriced, x.earned, x.through, s.id IS NULL AS fresh,
                    s.revenue AS s_revenue, s.units AS s_units, s.baseline AS s_baseline,
                    s.measure AS s_measure, s.unpriced AS s_unpriced, s.earned AS s_earned,
                    s.through AS s_through, s.ledgered AS s_ledgered,
                    s.ledgered_through AS s_ledgered_through, s.updated_at AS s_updated_at,
                    CASE WHEN x.unpriced > 0 THEN COALESCE(s.earned, 0) ELSE x.earned END
                        AS new_earned,
                    CASE WHEN x.unpriced > 0 AND s.id IS NOT NULL THEN s.through
                        ELSE x.through END AS new_through
                FROM {MEASURED} x
                LEFT JOIN {standing} s ON s.programme_id = %s AND s.distributor_id = x.d
            ) y
        ) z
        WHERE z.fresh OR z.moved OR z.behind
    """  # noqa: S608
    # The ledger's entries (what `earned` moved away from what the ledger held), then the
    # standings written: two statements over the changes kept in a second temporary table, the
    # same on Postgres and on SQLite (the one-command demo's database).
    ledger = f"""
        INSERT INTO {entry} (distributor_id, programme_id, goal_id, settlement_id, kind, amount,
            currency, "date", reference, created_by_id, created_at)
        SELECT c.d, %s, NULL, NULL,
            CASE WHEN c.s_ledgered_through IS NOT NULL AND c.new_through = c.s_ledgered_through
                THEN %s ELSE %s END,
            c.new_earned - COALESCE(c.s_ledgered, 0), %s, %s, '', %s, %s
        FROM {CHANGES} c
        WHERE c.new_earned <> COALESCE(c.s_ledgered, 0)
    """  # noqa: S608
    upsert = f"""
        INSERT INTO {standing} (programme_id, distributor_id, revenue, units, baseline,
            measure, earned, through, ledgered, ledgered_through, unpriced, updated_at)
        SELECT %s, c.d, c.revenue, c.units, c.baseline, c.measure, c.new_earned,
            c.new_through, c.new_earned, c.new_ledgered_through, c.unpriced,
            c.new_updated_at
        FROM {CHANGES} c
        WHERE true
        ON CONFLICT (programme_id, distributor_id) DO UPDATE SET
            revenue = EXCLUDED.revenue, units = EXCLUDED.units,
            baseline = EXCLUDED.baseline, measure = EXCLUDED.measure,
            earned = EXCLUDED.earned, through = EXCLUDED.through,
            ledgered = EXCLUDED.ledgered, ledgered_through = EXCLUDED.ledgered_through,
            unpriced = EXCLUDED.unpriced, updated_at = EXCLUDED.updated_at
    """  # noqa: S608
    with connection.cursor() as cursor:
        for table in (MEASURED, CHANGES):
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {MEASURED} AS {measured}", params)
        cursor.execute(f"CREATE TEMPORARY TABLE {CHANGES} AS {changes}", [at, programme.pk])
        cursor.execute(
            ledger,
            [
                programme.pk,
                Entry.Kind.RESTATEMENT,
                Entry.Kind.ACCRUAL,
                settings.REPORTING_CURRENCY,
                day,
                getattr(by, "pk", None),
                at,
            ],
        )
        changed_count = cursor.rowcount
        cursor.execute(upsert, [programme.pk])
        # Every participant measured has its standing now, and there is no other standing.
        cursor.execute(
            f"SELECT COUNT(*), SUM(CASE WHEN unpriced > 0 THEN 1 ELSE 0 END) "  # noqa: S608
            f"FROM {MEASURED}"
        )
        measured_count, unpriced_count = cursor.fetchone()
        for table in (MEASURED, CHANGES):
            cursor.execute(f"DROP TABLE {table}")
    Programme.objects.filter(pk=programme.pk).update(accrued_at=stamp)
    return {
        "measured": measured_count,
        "changed": max(changed_count, 0),
        "unpriced": unpriced_count or 0,
    }


def programmes_accrue(*, today=None):
    """The nightly accrual: every programme whose period has begun, including those over (their
    revenue may still be restated), each in its own transaction."""
    today = today or timezone.localdate()
    done = {"programmes": 0, "changed": 0, "unpriced": 0}
    for programme in Programme.objects.filter(period_start__lte=today).order_by("pk"):
        counts = programme_accrue(programme=programme, today=today)
        done["programmes"] += 1
        done["changed"] += counts["changed"]
        done["unpriced"] += counts["unpriced"]
        if counts["unpriced"]:
            log.warning(
                "programme %s: %d distributors wait for an exchange rate",
                programme.pk,
                counts["unpriced"],
            )
    return done


# --- paying ------------------------------------------------------------------------------------


def _paid_sql():
    entry = connection.ops.quote_name(Entry._meta.db_table)
    return (
        f"SELECT distributor_id AS d, SUM(amount) AS paid FROM {entry} "  # noqa: S608
        "WHERE programme_id = %s AND kind IN (%s, %s) GROUP BY distributor_id"
    )


def _settle(programme, *, kind, through, by, reference, paid_on, amount_sql, params, source):
    """Write one settlement and its entries: per distributor, `amount_sql` (over the columns of
    `source`, joined to what it was paid so far as p.paid), where it is not zero."""
    settlement = Settlement.objects.create(
        programme=programme,
        kind=kind,
        through=through,
        paid_on=paid_on,
        reference=reference,
        created_by=by,
    )
    entry = connection.ops.quote_name(Entry._meta.db_table)
    sql = f"""
        INSERT INTO {entry} (distributor_id, programme_id, goal_id, settlement_id, kind, amount,
            currency, "date", reference, created_by_id, created_at)
        SELECT s.d, %s, NULL, %s, %s, {amount_sql}, %s, %s, %s, %s, %s
        FROM ({source}) s
        LEFT JOIN ({_paid_sql()}) p ON p.d = s.d
        WHERE {amount_sql} <> 0
    """  # noqa: S608
    amount_params = params["amount"]
    values = [
        programme.pk,
        settlement.pk,
        kind,
        *amount_params,
        settings.REPORTING_CURRENCY,
        connection.ops.adapt_datefield_value(paid_on),
        reference,
        by.pk,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        *params["source"],
        programme.pk,
        Entry.Kind.ADVANCE,
        Entry.Kind.TRUE_UP,
        *amount_params,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    totals = settlement.entries.values_list("amount", flat=True)
    totals = list(totals)
    settlement.total = sum(totals, Decimal("0.00"))
    settlement.entries_count = len(totals)
    settlement.save(update_fields=["total", "entries_count"])
    return settlement


def _payment(reference, paid_on):
    reference = _text(
        Settlement,
        "reference",
        reference,
        field="reference",
        required=True,
        message=_("Give the payment's reference."),
    )
    paid_on = date_input(paid_on, field="paid_on")
    if paid_on > timezone.localdate():
        raise ValidationFailed(_("Record a payment once it is made."), field="paid_on")
    return reference, paid_on


@transaction.atomic
def programme_advance(*, programme, through, by, reference, paid_on, today=None):
    """Pay the quarterly advance up to the quarter ending `through`: to each participant,
    `advance_percent` of what the revenue up to that day earns (the tiers read on the measure
    to date), less what it was already paid. Once per quarter, once the quarter is over."""
    require_manufacturer(by, _("Only the manufacturer pays programmes."))
    reference, paid_on = _payment(reference, paid_on)
    # The ledger brought up to date first (as of `today`: the demo's past days), so that the
    # statement shows what was accrued beside what is paid.
    programme_accrue(programme=programme, by=by, today=today)
    programme = Programme.objects.get(pk=programme.pk)
    if programme.schedule != Programme.Schedule.QUARTERLY:
        raise ValidationFailed(
            _("This programme is paid after its period, without advances."), field="through"
        )
    through = date_input(through, field="through")
    if through not in programme.advance_dates():
        raise ValidationFailed(_("Choose one of the programme's quarter ends."), field="through")
    if through >= (today or timezone.localdate()):
        raise ValidationFailed(
            _("The quarter ends on %(date)s: pay its advance after that.")
            % {"date": long_date(through)},
            field="through",
        )
    if Settlement.objects.filter(
        programme=programme, kind=Settlement.Kind.ADVANCE, through=through
    ).exists():
        raise ValidationFailed(_("This quarter's advance is already paid."), field="through")
    source, source_params = measured_sql(programme, end=through)
    amount_sql = "ROUND(s.earned * %s / 100, 2) - COALESCE(p.paid, 0)"
    # An advance never takes back: a quarter that earns less than was advanced pays nothing
    # (the true-up settles it).
    amount_sql = (
        f"(CASE WHEN s.unpriced > 0 THEN 0 WHEN {amount_sql} > 0 THEN {amount_sql} ELSE 0 END)"
    )
    percent = programme.advance_percent
    try:
        with transaction.atomic():
            settlement = _settle(
                programme,
                kind=Settlement.Kind.ADVANCE,
                through=through,
                by=by,
                reference=reference,
                paid_on=paid_on,
                amount_sql=amount_sql,
                params={"amount": [percent, percent], "source": source_params},
                source=source,
            )
    except IntegrityError:
        raise ValidationFailed(
            _("This quarter's advance is already paid."), field="through"
        ) from None
    notices.settlement_notify(settlement, by=by)
    return settlement


@transaction.atomic
def programme_true_up(*, programme, by, reference, paid_on, today=None):
    """Settle the programme once its period is over: to each participant, what it earned less
    what it was paid (advances and earlier true-ups): negative when advances paid more, an
    amount to recover. Again after a restatement, it settles only the difference. A distributor
    whose revenue waits for an exchange rate is left for the next true-up."""
    require_manufacturer(by, _("Only the manufacturer pays programmes."))
    reference, paid_on = _payment(reference, paid_on)
    programme_accrue(programme=programme, by=by, today=today)
    programme = Programme.objects.get(pk=programme.pk)
    if not programme.is_over(today):
        raise ValidationFailed(
            _("The programme runs until %(date)s: settle it after that.")
            % {"date": long_date(programme.period_end)},
            field="paid_on",
        )
    table = connection.ops.quote_name(Standing._meta.db_table)
    source = (
        f"SELECT distributor_id AS d, earned, unpriced FROM {table} "  # noqa: S608
        "WHERE programme_id = %s"
    )
    amount_sql = "(CASE WHEN s.unpriced > 0 THEN 0 ELSE s.earned - COALESCE(p.paid, 0) END)"
    settlement = _settle(
        programme,
        kind=Settlement.Kind.TRUE_UP,
        through=programme.period_end,
        by=by,
        reference=reference,
        paid_on=paid_on,
        amount_sql=amount_sql,
        params={"amount": [], "source": [programme.pk]},
        source=source,
    )
    if not settlement.entries_count:
        raise ValidationFailed(
            _("Everything earned is already paid: there is nothing to settle."), field="paid_on"
        )
    notices.settlement_notify(settlement, by=by)
    return settlement


@transaction.atomic
def bonus_pay(*, goal, by, reference, paid_on):
    """Record the payment of an achieved goal's bonus: it enters the distributor's earnings
    ledger beside its programmes, in the bonus's currency. Once per goal."""
    require_manufacturer(by, _("Only the manufacturer records payments."))
    reference, paid_on = _payment(reference, paid_on)
    goal = Goal.objects.select_for_update().get(pk=goal.pk)
    if goal.distributor_id is None or goal.status != Goal.Status.ACHIEVED or not goal.payout:
        raise ValidationFailed(_("Only an achieved goal with a bonus is paid."), field="goal")
    if Entry.objects.filter(goal=goal, kind=Entry.Kind.BONUS_PAYMENT).exists():
        raise ValidationFailed(_("This bonus is already paid."), field="goal")
    try:
        with transaction.atomic():
            entry = Entry.objects.create(
                distributor_id=goal.distributor_id,
                goal=goal,
                kind=Entry.Kind.BONUS_PAYMENT,
                amount=goal.payout,
                currency=goal.payout_currency or goal.payout_currency_code,
                date=paid_on,
                reference=reference,
                created_by=by,
            )
    except IntegrityError:
        raise ValidationFailed(_("This bonus is already paid."), field="goal") from None
    notices.bonus_paid_notify(entry, by=by)
    return entry
