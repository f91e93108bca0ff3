"""Template filters of the leads pages: deadlines and rates as people read them."""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def time_left(deadline, now=None):
    """A deadline as people read it: "3 h 20 min left" or "overdue by 2 h 05 min"."""
    if not deadline:
        return ""
    now = now or timezone.now()
    delta = deadline - now
    overdue = delta < datetime.timedelta(0)
    minutes = int(abs(delta).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours >= 48:
        text = _("%(d)d d %(h)d h") % {"d": hours // 24, "h": hours % 24}
    else:
        text = _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    if overdue:
        return _("overdue by %(time)s") % {"time": text}
    return _("%(time)s left") % {"time": text}


@register.filter
def percent(value, places=0):
    """0.1234 → "12 %" in the active language's way; "–" when there is no data."""
    if value is None:
        return "–"
    # Rounded, not cut: number_format drops the extra digits of a float (2/3 would be 66 %).
    places = int(places)
    return f"{number_format(round(value * 100, places), decimal_pos=places, use_l10n=True)} %"


@register.filter
def hours(value):
    """Hours as "3.5 h", or "–" without data."""
    if value is None:
        return "–"
    return f"{number_format(round(value, 1), decimal_pos=1, use_l10n=True)} h"


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
