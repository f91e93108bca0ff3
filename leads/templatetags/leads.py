"""Template filters of the leads pages: deadlines and rates as people read them."""

import datetime

from babel import Locale
from babel.numbers import format_decimal, format_percent
from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from leads.rates import rate_get

register = template.Library()

# Badge colour by status; "assigned" is "danger" once overdue, "warning" before.
STATUS_COLOURS = {"won": "success", "lost": "secondary", "mql": "info", "new": "info"}


@register.simple_tag
def lead_status(lead):
    """The lead's status badge, and "Escalated" for an escalated lead in the pool. A tag rather
    than an included template: a list shows hundreds of them, and an include costs ~50 µs each."""
    if lead.status == "assigned":
        colour = "danger" if lead.is_overdue else "warning"
    else:
        colour = STATUS_COLOURS.get(lead.status, "primary")
    badge = format_html(
        '<span class="badge lead-status text-bg-{}">{}</span>', colour, lead.get_status_display()
    )
    if lead.is_escalated:
        badge += format_html(' <span class="badge text-bg-danger">{}</span>', _("Escalated"))
    return badge


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


def _locale():
    return to_locale(get_language() or "en")


@register.filter
def percent(value, places=0):
    """0.1234 → "12%" / "12 %" as the active language writes it; "–" when there is no data."""
    if value is None:
        return "–"
    locale = Locale.parse(_locale())
    pattern = locale.percent_formats[None].pattern
    places = int(places)
    if places:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * places, 1)
    return format_percent(value, format=pattern, locale=locale)


@register.filter
def hours(value):
    """Hours as "3.5 h" / "3,5 h" (a no-break space before the unit), or "–" without data."""
    if value is None:
        return "–"
    return f"{format_decimal(round(value, 1), format='#,##0.0', locale=_locale())}\u00a0h"


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def percent_of(value, key):
    """A lead rate (leads.rates) as every page writes it: the percentage and its denominator,
    "66% of handed over"; "–" when there is nothing to divide."""
    if value is None:
        return "–"
    return _("%(percent)s %(of)s") % {"percent": percent(value), "of": rate_get(key).of_words}
