"""Celery tasks of scoring: the nightly recompute and the one a manager starts.

`scoring_run_task` takes the run's id and computes it under the shared policy
(drm/task_policy.py). Re-delivered after its worker died (acks late, rejected on worker loss), it
cleans what the dead attempt wrote and starts again; a transient error is retried the same way;
when the retries or the deliveries run out, `on_failure` marks the run failed, so no run stays
'running' for ever (and blocks the next).
"""

from celery import shared_task
from django.utils.translation import gettext_lazy as _

from drm.task_policy import PortalTask

from . import services


class ScoringRunTask(PortalTask):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        run_id = args[0] if args else kwargs.get("run_id")
        services.scoring_run_fail(
            run_id=run_id,
            message=_("The run failed; see the server log (%(kind)s).")
            % {"kind": type(exc).__name__},
        )


@shared_task(base=ScoringRunTask, bind=True)
def scoring_run_task(self, run_id):
    # A transient error leaves the run running while another try is coming.
    run = services.scoring_run_execute(run_id, retry_coming=self.request.retries < self.max_retries)
    return run.pk if run else None


@shared_task(base=PortalTask)
def scoring_nightly():
    """Beat: queue tonight's run (refused quietly when one is already under way or tonight's
    is done: a second delivery the same day queues nothing)."""
    from drm.errors import Conflict

    try:
        return services.scoring_run_nightly().pk
    except Conflict:
        return None
