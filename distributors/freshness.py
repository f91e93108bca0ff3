"""When the figures the scorecards read last changed, kept in the database: revenue and
investments stamp one row per source on every write (a batch, a deletion, a re-pricing; not a
row per figure).

The stamp is written in the writer's own transaction, so it commits with the rows (a rollback
takes it back, a crash after the commit cannot lose it) and outlives a cache flush. The scoring
pages compare it with when their run was computed (scoring.freshness).
"""

from django.utils import timezone

from .models import DataChange


def data_changed(source, *, at=None):
    """Record that figures of `source` (DataChange.Source) changed now (or `at`)."""
    # One upsert: the first write of a source inserts its row, the next ones move its time.
    # Writers of one source already take turns (the import engine's table lock), so the row
    # adds no wait of its own.
    DataChange.objects.bulk_create(
        [DataChange(source=source, changed_at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["source"],
        update_fields=["changed_at"],
    )
