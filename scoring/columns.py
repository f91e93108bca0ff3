"""The distributor list's score and rank columns (registered from ScoringConfig.ready()): the
distributor's scorecard in the current published run (as `services.latest_run` finds it), rank
overall."""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import DecimalField, OuterRef, PositiveIntegerField, Subquery
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from drm.columns import Column, register
from drm.templatetags.money import number

from .models import Scorecard, ScoringRun
from .services import CURRENT_ORDER


def current_run():
    """The current run's id as a subquery: the one `services.latest_run` reads (CURRENT_ORDER),
    inside the list's own query (no query of its own, whatever the cache holds)."""
    published = ScoringRun.objects.filter(status=ScoringRun.Status.PUBLISHED)
    return published.order_by(*CURRENT_ORDER).values("pk")[:1]


def _card(field, output_field):
    def expression(today):
        cards = Scorecard.objects.filter(
            run=Subquery(current_run()), distributor=OuterRef("pk")
        ).values(field)[:1]
        return Subquery(cards, output_field=output_field)

    return expression


def score_text(value):
    """One decimal, half up, as the rankings and scorecards write it (`floatformat:1`), in the
    reader's language."""
    if value is None:
        return number(None)
    return number(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), 1)


register(
    Column(
        key="score",
        label=_("Score"),
        header=gettext_noop("score"),
        expression=_card("score", DecimalField(max_digits=6, decimal_places=2)),
        text=score_text,
        order=10,
    )
)
register(
    Column(
        key="rank",
        label=_("Rank"),
        header=gettext_noop("rank"),
        expression=_card("rank", PositiveIntegerField()),
        text=number,
        order=20,
        descending_first=False,  # 1 is the best
    )
)
