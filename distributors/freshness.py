"""When the figures the scorecards read last changed, durably: revenue and investments stamp a
row per write (a batch, not a lead), once committed. Read by the scoring pages to say "revenue
changed since this run"."""

from django.db import transaction
from django.utils import timezone

from .models import DataChange


def data_changed(source):
    """Stamp `source` as changed now, once the caller's transaction commits."""

    def stamp():
        DataChange.objects.update_or_create(source=source, defaults={"changed_at": timezone.now()})

    transaction.on_commit(stamp)


def data_changed_at():
    """{source: when it last changed} of the sources that ever changed."""
    return dict(DataChange.objects.values_list("source", "changed_at"))
