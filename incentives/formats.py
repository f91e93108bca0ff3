"""The one way a programme's figures are written, in the reader's language: a measure (revenue,
units or growth), a tier's rate (a percentage of revenue, or an amount per unit), and what it
takes to reach the next tier. Pages, exports and notices write them through here."""

from django.conf import settings
from django.utils.translation import gettext as _

from goals.formats import decimals, money_text, number_text, percent_text

from .models import Programme


def _units(value, digits):
    return _("%(number)s units") % {"number": number_text(value, digits)}


def measure_text(programme, value, *, exact=False):
    """A value of the programme's measure: "€12,000", "150 units", "+10.0%"."""
    if value is None:
        return "—"
    digits = decimals(value) if exact else 0
    if programme.basis == Programme.Basis.UNITS:
        return _units(value, digits)
    if programme.basis == Programme.Basis.GROWTH:
        text = percent_text(value, max(digits, 1))
        return f"+{text}" if value > 0 else text
    return money_text(value, settings.REPORTING_CURRENCY, digits)


def rate_text(programme, rate):
    """A tier's rate: "2%" of revenue, or "€5.00 per unit"."""
    if programme.pays_per_unit:
        amount = money_text(rate, settings.REPORTING_CURRENCY, max(decimals(rate), 2))
        return _("%(amount)s per unit") % {"amount": amount}
    return percent_text(rate, decimals(rate))


def gap_text(programme, gap):
    """What it takes to reach the next tier: more revenue, or more units."""
    if gap is None:
        return "—"
    if programme.pays_per_unit:
        return _units(gap, decimals(gap))
    return money_text(gap, settings.REPORTING_CURRENCY, 0)
