"""Settings of the scoring kill test's workers: the project's, with a short Redis visibility
timeout on private unacked keys.

A worker killed outright (the solo pool has no child to lose) never acks or rejects its task;
Redis hands it out again once it has been unacked for the visibility timeout. The project's
timeout outlasts the task time limit (over ten minutes); here it is a few seconds, swept every
second. The unacked keys are private to the test run, so this worker restores only its own
messages, never those of another worker on the same Redis.
"""

import os

from drm.settings import *  # noqa: F403

_SUFFIX = os.environ.get("SCORING_TEST_UNACKED", "scoring-kill")

CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": int(os.environ.get("SCORING_TEST_VISIBILITY_TIMEOUT", "3")),
    "unacked_key": f"unacked-{_SUFFIX}",
    "unacked_index_key": f"unacked_index-{_SUFFIX}",
    "unacked_mutex_key": f"unacked_mutex-{_SUFFIX}",
    "unacked_mutex_expire": 30,
    # Sweep for messages past their timeout every second (by default every 10 s, and Redis is
    # scanned on one sweep in ten: a first sweep too early waits 100 s for the next).
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
