"""Loaded into the kill test's first worker (`celery worker --include`): the recompute writes its
metric values, then stalls before the scorecards, so the test can kill it half-written."""

import os
import time

from scoring import services

_original_write = services._write
PAUSE = float(os.environ.get("SCORING_TEST_PAUSE", "30"))


def _stalling_write(run, frame, cards):
    create = services.Scorecard.objects.bulk_create

    def stall_then_create(*args, **kwargs):
        time.sleep(PAUSE)
        return create(*args, **kwargs)

    services.Scorecard.objects.bulk_create = stall_then_create
    try:
        return _original_write(run, frame, cards)
    finally:
        services.Scorecard.objects.bulk_create = create


services._write = _stalling_write
