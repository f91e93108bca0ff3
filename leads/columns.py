"""The distributor list's "overdue leads" column (registered from LeadsConfig.ready())."""

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from drm.columns import Column, register
from drm.templatetags.money import number

from .models import Lead


def overdue_q(now=None):
    """Leads past their accept deadline: assigned, not answered, the deadline gone by. The same
    rule as `Lead.is_overdue` and the lead list's `overdue` filter (selectors.lead_list)."""
    return Q(status=Lead.Status.ASSIGNED, accept_deadline__lt=now or timezone.now())


def overdue_leads(today):
    counts = (
        Lead.objects.filter(overdue_q(), distributor=OuterRef("pk"))
        .order_by()
        .values("distributor")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(
        Subquery(counts, output_field=IntegerField()), Value(0), output_field=IntegerField()
    )


register(
    Column(
        key="overdue_leads",
        label=_("Overdue leads"),
        header=gettext_noop("overdue_leads"),
        expression=overdue_leads,
        text=number,
        order=40,
    )
)
