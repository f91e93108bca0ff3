"""The revenue table's epoch: a token renewed whenever revenue rows change, once committed.

Figures computed from the whole table (a team goal's channel revenue) are cached under the
current epoch, so they are never served after the rows they came from changed. Every write of
revenue rows renews it: the import and API push (RevenueSpec.after_publish), a deletion, a
re-pricing. Cached entries also expire (REVENUE_CACHE_SECONDS), so a write that slipped past the
epoch (a script, the database by hand) heals on its own.
"""

import uuid

from django.core.cache import cache
from django.db import transaction

EPOCH_KEY = "distributors:revenue-epoch"


def revenue_epoch():
    epoch = cache.get(EPOCH_KEY)
    if epoch is None:
        cache.add(EPOCH_KEY, uuid.uuid4().hex, None)
        epoch = cache.get(EPOCH_KEY)
    return epoch


def revenue_changed():
    """Renew the epoch once the caller's transaction commits (at once outside one), and stamp
    the change where it outlives the cache (`freshness`)."""
    from .freshness import data_changed

    transaction.on_commit(lambda: cache.set(EPOCH_KEY, uuid.uuid4().hex, None))
    data_changed("revenue")
