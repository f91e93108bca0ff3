"""When the figures of a kind (revenue, investments) last changed, kept in the database.

The writes call `data_changed` in their own transaction, so the time commits with the rows (a
rollback takes it back) and outlives a cache flush; readers ask `DataChange` with one indexed
lookup. Revenue writes reach it through `revenue_changed`, which every revenue write calls.
"""

from django.utils import timezone

from .models import DataChange


def data_changed(kind, *, at=None):
    """Record that figures of `kind` (DataChange.Kind) changed now (or `at`)."""
    # One upsert: the first write of a kind inserts its row, the next ones move its time.
    # Writers of one kind already take turns (the import engine's table lock), so the row
    # adds no wait of its own.
    DataChange.objects.bulk_create(
        [DataChange(kind=kind, changed_at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["kind"],
        update_fields=["changed_at"],
    )
