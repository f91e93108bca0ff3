"""Loaded into the kill test's first worker (`celery worker --include`): the recompute writes its
metric values, then stalls before the scorecards, so the test can kill it half-written."""

import os
import time

from scoring import services

_original_copy = services._copy
PAUSE = float(os.environ.get("SCORING_TEST_PAUSE", "30"))


def _stalling_copy(model, columns, rows):
    if model is services.Scorecard:
        time.sleep(PAUSE)
    return _original_copy(model, columns, rows)


services._copy = _stalling_copy
