"""The goals' "trainings completed" metric, read from the completions partner users record
(`Completion`): a distributor goal counts the courses its people passed in the period, a team
goal those of the whole channel. A support goal (the channel manager's own) still counts the
trainings its owner held, from the activity log."""

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from drm.french import interpolate
from drm.periods import add_months
from goals import metrics as goal_metrics

from .models import Completion


def _completions(facts):
    """{distributor id: [completed on, ...]} over the facts' months, loaded once per Facts."""
    if "completions" not in facts._cache:
        rows = Completion.objects.filter(
            completed_on__gte=facts.first, completed_on__lt=add_months(facts.last, 1)
        ).values_list("distributor_id", "completed_on")
        by = defaultdict(list)
        for distributor_id, completed_on in rows:
            by[distributor_id].append(completed_on)
        facts._cache["completions"] = by
    return facts._cache["completions"]


@goal_metrics.register
class TrainingsCompleted(goal_metrics.TrainingsCompleted):
    def measure(self, goal, facts, period):
        if goal.level == "support":
            return super().measure(goal, facts, period)
        end = add_months(period.last, 1)
        by = _completions(facts)
        days = (
            by.get(goal.distributor_id, [])
            if goal.distributor_id
            else [day for dates in by.values() for day in dates]
        )
        count = sum(1 for day in days if period.first <= day < end)
        how = interpolate(
            _("Courses passed by the people of %(whose)s for %(period)s: %(count)s."),
            {"whose": goal_metrics._who(goal), "period": period.label, "count": count},
        )
        return goal_metrics.Actual(Decimal(count), numerator=Decimal(count), how=how)
