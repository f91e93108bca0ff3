"""Incentive programmes as treatments of the impact estimates (`funds.treatments`): each
programme whose period has begun treats every distributor measured in it (its standings), and
what it cost the manufacturer for one of them is what that distributor earned in it. Registered
from IncentivesConfig.ready(); the nightly job of funds estimates them with the fund activities,
each participant against distributors in none of the programme."""

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funds.treatments import Source, register

from .models import Standing


@register
class Programmes(Source):
    kind = "programme"
    label = _("Incentive programmes")

    def treatments(self):
        """One query: the standings of every programme begun, with the programme's period."""
        rows = (
            Standing.objects.filter(programme__period_start__lte=timezone.localdate())
            .values_list(
                "programme_id",
                "programme__period_start",
                "programme__period_end",
                "distributor_id",
                "earned",
            )
            .order_by("programme_id", "distributor_id")
        )
        periods, earned = {}, defaultdict(dict)
        for programme_id, start, end, distributor_id, amount in rows:
            periods[programme_id] = (start, end)
            earned[programme_id][distributor_id] = amount
        for programme_id, (start, end) in periods.items():
            yield self.treatment(
                subject_id=programme_id,
                distributors=earned[programme_id],
                start=start,
                end=end,
                invested=earned[programme_id],
            )
