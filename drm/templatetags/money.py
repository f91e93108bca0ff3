"""Money and numbers formatted for the reader's language: 1 234 567,89 € / €1,234,567.89."""

from babel.numbers import format_currency, format_decimal
from django import template
from django.utils.translation import get_language, to_locale

register = template.Library()


def _locale():
    return to_locale(get_language() or "en")


@register.filter
def money(value, currency):
    """`{{ amount|money:"EUR" }}`: the amount with its currency sign, as the locale writes it."""
    if value in (None, ""):
        return "—"
    return format_currency(value, currency, locale=_locale())


@register.filter
def whole_money(value, currency):
    """Like `money`, rounded to whole units: KPI cards and lists."""
    if value in (None, ""):
        return "—"
    return format_currency(
        round(value),
        currency,
        locale=_locale(),
        currency_digits=False,
        format=_WHOLE.get(_locale()[:2], _WHOLE["en"]),
    )


# CLDR's currency patterns without the decimals.
_WHOLE = {"en": "¤#,##0", "fr": "#,##0\u00a0¤"}


@register.filter
def number(value, decimals=0):
    """A plain number grouped the locale's way."""
    if value in (None, ""):
        return "—"
    places = int(decimals)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return format_decimal(value, format=pattern, locale=_locale())
