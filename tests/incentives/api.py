"""Shared bits of the incentives API tests: a client per persona and the routes (the funds
API tests'), and what a refused call must leave as it was."""

import contextlib

from goals.models import Goal
from incentives.models import Entry, PayoutTier, Programme, Settlement, Standing
from tests.funds.api import client_for, refused, results, route

__all__ = ["client_for", "refused", "results", "route", "state", "unchanged"]

MODELS = (Programme, PayoutTier, Standing, Settlement, Entry)


def state():
    rows = {model.__name__: list(model.objects.order_by("pk").values()) for model in MODELS}
    rows["history"] = [model.history.count() for model in (Programme, PayoutTier)]
    rows["goals"] = list(Goal.objects.order_by("pk").values("pk", "status", "payout"))
    return rows


@contextlib.contextmanager
def unchanged():
    """The block changes no programme, tier, standing, settlement, ledger entry nor goal."""
    before = state()
    yield
    assert state() == before
