"""What a refused act must leave as it was: every funds row, their history, the notices, the
investments and the stored files."""

import contextlib
from pathlib import Path

import pytest
from django.conf import settings

from distributors.models import Investment
from funds.models import Allocation, Claim, Fund, FundRequest, ProofFile
from notifications.models import Notification

MODELS = (Fund, Allocation, FundRequest, Claim)


def state():
    rows = {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (*MODELS, ProofFile, Investment)
    }
    rows["history"] = [model.history.count() for model in MODELS]
    rows["notifications"] = list(Notification.objects.order_by("pk").values("pk", "done_at"))
    rows["files"] = sorted(str(path) for path in Path(settings.MEDIA_ROOT).rglob("*"))
    return rows


@contextlib.contextmanager
def refused(error, *, field=None, match=None):
    """The block raises `error` (naming `field`, its message matching `match`) and changes
    nothing."""
    before = state()
    with pytest.raises(error, match=match) as raised:
        yield raised
    if field is not None:
        assert raised.value.field == field, raised.value.message
    assert state() == before
