"""Template filters for dates, built into every template (TEMPLATES' "builtins"): the kinds of
drm.formats, so that no page picks a date format of its own.

    {{ lead.created_at|short_date }}  {{ review.due|long_date }}  {{ event.at|date_time }}
    {{ row.month|year_month }}  {% format_locale %} (the charts' Intl locale)
"""

from django import template
from django.conf import settings
from django.utils.translation import get_language

from . import date_time as _date_time
from . import format_locale as _format_locale
from . import long_date as _long_date
from . import short_date as _short_date
from . import year_month as _year_month

register = template.Library()

register.filter("short_date", _short_date, expects_localtime=True)
register.filter("long_date", _long_date, expects_localtime=True)
register.filter("date_time", _date_time, expects_localtime=True)
register.filter("year_month", _year_month, expects_localtime=True)


@register.simple_tag
def format_locale():
    return _format_locale()


@register.simple_tag
def switcher_languages():
    """The navbar switcher's languages: one button per language ("en", "fr"), not per region;
    the reader's own is current whatever its region ("en-us" is English)."""
    current = (get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return [(code, name, code == current) for code, name in settings.LANGUAGES if "-" not in code]
