"""The distributor list's "goal attainment" column (registered from GoalsConfig.ready()).

One figure per distributor, sortable in SQL: the average attainment of its distributor goals
running in the current calendar year (start on or before 31 December, due on or after 1
January) that both sides agreed (Goal.COUNTED) and that have a target above zero; each goal's
attainment is what the goal pages show, actual ÷ target × 100, with the final actual of a
settled goal and the actual the daily job last measured (`Goal.actual`) for one still running.
Goals never measured yet are left out; no such goal, no figure (a dash, sorted last).
"""

import datetime
from decimal import Decimal

from django.db.models import Avg, DecimalField, ExpressionWrapper, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from drm.columns import Column, register

from .formats import attainment_text
from .models import Goal

PERCENT = DecimalField(max_digits=20, decimal_places=4)


def year_goals(today):
    """The distributor goals that count towards the year of `today`."""
    first, last = datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31)
    return Goal.objects.filter(
        level=Goal.Level.DISTRIBUTOR,
        status__in=Goal.COUNTED,
        target__gt=0,
        start__lte=last,
        due__gte=first,
    ).annotate(reached=Coalesce("final_actual", "actual"))


def goal_attainment(today):
    averages = (
        year_goals(today)
        .filter(distributor=OuterRef("pk"), reached__isnull=False)
        .order_by()
        .values("distributor")
        .annotate(
            average=Avg(
                ExpressionWrapper(F("reached") * Decimal(100) / F("target"), output_field=PERCENT)
            )
        )
        .values("average")
    )
    return Subquery(averages, output_field=PERCENT)


register(
    Column(
        key="goal_attainment",
        label=_("Goal attainment"),
        header=gettext_noop("goal_attainment"),
        expression=goal_attainment,
        text=attainment_text,
        order=30,
    )
)
