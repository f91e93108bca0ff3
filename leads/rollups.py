"""Monthly lead rollups: what the analytics read instead of scanning leads and events.

One SQL statement turns lead events into rollup increments (`events_count`); the lifecycle
services call it once per transaction with the events they wrote, the import with the events of
the leads it created, and `rollups_rebuild` with every event after emptying the table. So the
counts the services keep and a recount from scratch come from the same definition.

Each event counts for the stages it marks (see FACTS) at three grains: distributor × source,
distributor (all sources), and source for the whole channel. Rows are upserted in key order,
so two transactions adding to the same rows never deadlock. Won values are kept per currency,
raw: leads.pricing prices them with the rate of their month when they are read.
"""

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction

from .models import Lead, LeadEvent, LeadRejection, LeadRollup

# Lower bounds (hours) of the time-to-accept histogram's buckets; a median is read from it.
BUCKETS = (0, 1, 2, 4, 8, 12, 24, 48, 72, 120, 168, 336)

# (stage, condition on the events, reason expression, total expression, hours expression,
# currency expression: the currency of a total that is money), on `ev`: the events grouped by
# what these read, each group with its count (n) and its sums of rating, won value and hours.
FACTS = (
    ("mql", "ev.to_status = 'mql' AND ev.from_status IN ('', 'new')", "''", "0", "0", "''"),
    ("assigned", "ev.to_status = 'assigned'", "''", "0", "0", "''"),
    ("accepted", "ev.to_status = 'accepted'", "''", "0", "ev.hours", "''"),
    ("late", "ev.late", "''", "0", "0", "''"),
    ("rejected", "ev.cause = 'rejected'", "ev.reason", "ev.rating", "0", "''"),
    ("expired", "ev.cause IN ('expired', 'escalated')", "''", "0", "0", "''"),
    ("escalated", "ev.cause = 'escalated'", "''", "0", "0", "''"),
    ("dql", "ev.to_status = 'dql'", "''", "0", "0", "''"),
    ("opportunity", "ev.to_status = 'opportunity'", "''", "0", "0", "''"),
    ("won", "ev.to_status = 'won'", "''", "ev.won", "0", "ev.currency"),
    ("lost", "ev.to_status = 'lost'", "ev.reason", "0", "0", "''"),
)


def month_sql(column):
    """SQL of the month (its first day, in TIME_ZONE) of timestamp `column`; its parameters
    are month_params()."""
    if connection.vendor == "postgresql":
        return f"(date_trunc('month', {column} AT TIME ZONE %s))::date"
    # SQLite keeps UTC text; the embedded demo runs in UTC.
    return f"date({column}, 'start of month')"


def month_params():
    return [settings.TIME_ZONE] if connection.vendor == "postgresql" else []


def _bucket_sql(column):
    cases = " ".join(
        f"WHEN {column} < {upper} THEN {index}" for index, upper in enumerate(BUCKETS[1:])
    )
    return f"CASE {cases} ELSE {len(BUCKETS) - 1} END"


def _increments_sql(where):
    """SELECT of (grain, distributor, month, source, stage, reason, bucket, currency, count,
    total, hours) for the events matching `where` (SQL on alias e), in key order."""
    event = connection.ops.quote_name(LeadEvent._meta.db_table)
    lead = connection.ops.quote_name(Lead._meta.db_table)
    rejection = connection.ops.quote_name(LeadRejection._meta.db_table)
    facts = [
        f"SELECT ev.d, ev.s, ev.m, '{stage}' AS stage, {reason} AS reason, 0 AS bucket, "  # noqa: S608
        f"{currency} AS c, ev.n, {total} AS total, {hours} AS hours FROM ev WHERE {condition}"
        for stage, condition, reason, total, hours, currency in FACTS
    ]
    facts.append(
        "SELECT ev.d, ev.s, ev.m, 'accept_time', '', ev.bucket, '', ev.n, 0, 0 FROM ev "
        "WHERE ev.bucket >= 0"
    )
    union = "\n UNION ALL ".join(facts)
    # The events are grouped first by what the facts read (a few per distributor, source and
    # month), so the facts and grains expand groups, not events: the rebuild reads 40 M events
    # once and sorts what they add up to.
    return f"""
        WITH ev AS (
            SELECT e.distributor_id AS d, l.source_id AS s, {month_sql("e.at")} AS m,
                e.from_status, e.to_status, e.cause, e.reason, e.late,
                CASE WHEN e.to_status = 'accepted' AND e.waited_hours IS NOT NULL
                    THEN {_bucket_sql("e.waited_hours")} ELSE -1 END AS bucket,
                CASE WHEN e.to_status = 'won' THEN l.currency ELSE '' END AS currency,
                count(*) AS n,
                sum(COALESCE(r.rating, 0)) AS rating,
                sum(COALESCE(l.won_value, 0)) AS won,
                sum(COALESCE(e.waited_hours, 0)) AS hours
            FROM {event} e
            JOIN {lead} l ON l.id = e.lead_id
            LEFT JOIN {rejection} r
                ON e.cause = 'rejected' AND r.lead_id = e.lead_id
                AND r.distributor_id = e.distributor_id
            WHERE {where}
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
        ),
        facts AS ({union}),
        grains AS (
            SELECT 0 AS grain, d, s, m, stage, reason, bucket, c, n, total, hours FROM facts
            UNION ALL
            SELECT 1, d, NULL, m, stage, reason, bucket, c, n, total, hours FROM facts
            WHERE d IS NOT NULL
            UNION ALL
            SELECT 2, NULL, s, m, stage, reason, bucket, c, n, total, hours FROM facts
        )
        SELECT grain, d, m, s, stage, reason, bucket, c, CAST(sum(n) AS bigint), sum(total),
            sum(hours)
        FROM grains WHERE true
        GROUP BY grain, d, m, s, stage, reason, bucket, c
        ORDER BY grain, COALESCE(d, 0), m, COALESCE(s, 0), stage, reason, bucket, c
    """  # noqa: S608 - table names from the models, conditions from this module


def _add(where, params):
    table = connection.ops.quote_name(LeadRollup._meta.db_table)
    sql = f"""
        INSERT INTO {table}
            (grain, distributor_id, month, source_id, stage, reason, bucket, currency, count,
             total, hours)
        {_increments_sql(where)}
        ON CONFLICT (grain, COALESCE(distributor_id, 0), month, COALESCE(source_id, 0), stage,
            reason, bucket, currency)
        DO UPDATE SET count = {table}.count + EXCLUDED.count,
            total = {table}.total + EXCLUDED.total,
            hours = {table}.hours + EXCLUDED.hours
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*month_params(), *params])


def events_count(event_ids):
    """Add the events `event_ids` to the rollups (in the caller's transaction)."""
    ids = sorted({int(pk) for pk in event_ids})
    if not ids:
        return
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        _add(f"e.id IN ({', '.join(['%s'] * len(chunk))})", chunk)


def events_count_where(where, params):
    """Add every event matching `where` (SQL on alias e, the event; l, its lead)."""
    _add(where, params)


EPOCH_KEY = "leads:rollups-epoch"


def rollups_epoch():
    """A token that changes whenever past months' rollups may have changed (a rebuild): caches
    of settled months (analytics) name it in their keys."""
    epoch = cache.get(EPOCH_KEY)
    if epoch is None:
        cache.add(EPOCH_KEY, uuid.uuid4().hex, None)
        epoch = cache.get(EPOCH_KEY)
    return epoch


def _epoch_renew():
    cache.set(EPOCH_KEY, uuid.uuid4().hex, None)


@transaction.atomic
def rollups_rebuild():
    """Recount every rollup row from the events: the repair, and the proof that they agree."""
    table = connection.ops.quote_name(LeadRollup._meta.db_table)
    with connection.cursor() as cursor:
        # Writers of rollups wait: a recount racing an increment would count it twice or never.
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    _add("true", [])
    # Renewed now, so this transaction reads no cached past; and again at commit, since a reader
    # meanwhile may have cached the old counts under the epoch renewed now.
    _epoch_renew()
    transaction.on_commit(_epoch_renew)
    return LeadRollup.objects.count()


def median_hours(histogram):
    """The median of a time-to-accept histogram {bucket index: count}, interpolated in its bucket.

    None when empty. The last bucket has no upper bound: its lower bound is returned.
    """
    total = sum(histogram.values())
    if not total:
        return None
    half = total / 2
    seen = 0
    for index, lower in enumerate(BUCKETS):
        count = histogram.get(index, 0)
        if count and seen + count >= half:
            if index == len(BUCKETS) - 1:
                return float(lower)
            upper = BUCKETS[index + 1]
            return lower + (upper - lower) * (half - seen) / count
        seen += count
    return float(BUCKETS[-1])
