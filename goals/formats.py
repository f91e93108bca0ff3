"""The one way a goal's figures are written, in the reader's language.

Values carry the precision of the goal's target (30.4 % stays 30.4 %, never 30 %) and the unit
of its metric; bonus payouts the currency they are paid in; the title is written from the
terms, so it cannot contradict them. The goal pages, the API's display texts, the CSV/XLSX
export, the notices and the contract annex PDF all write goal figures through here.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import format_currency, format_decimal, format_percent, get_currency_symbol
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _

from drm.formats import long_date, year_month

from .metrics import Unit, metric_get

MAX_PLACES = 2
HUNDRED = Decimal(100)


def _locale():
    return Locale.parse(to_locale(get_language() or settings.LANGUAGE_CODE))


def decimals(value):
    """How many decimals `value` needs (30.40 → 1, 2,667,000.00 → 0), at most two."""
    if value is None:
        return 0
    exponent = Decimal(value).normalize().as_tuple().exponent
    return min(max(-exponent, 0), MAX_PLACES) if isinstance(exponent, int) else 0


def _metric(goal):
    try:
        return metric_get(goal.metric)
    except LookupError:
        return None


def unit_kind(goal):
    metric = _metric(goal)
    return metric.unit if metric is not None else Unit.UNITS


def places(goal):
    """The decimals a goal's figures are shown with: those of its target (and, for a
    percentage, of its baseline too, at least one)."""
    kind = unit_kind(goal)
    needed = decimals(goal.target)
    if kind == Unit.PERCENT:
        needed = max(needed, decimals(goal.baseline), 1)
    return needed


def currency_of(goal):
    """The currency a money goal is measured in (its unit), else the reporting currency."""
    unit = goal.unit or ""
    return unit if re.fullmatch(r"[A-Z]{3}", unit) else settings.REPORTING_CURRENCY


def quantized(value, digits):
    if value is None:
        return None
    step = Decimal(1).scaleb(-digits)
    return Decimal(value).quantize(step, rounding=ROUND_HALF_UP)


def number_text(value, digits=0):
    """A number grouped the reader's way, with exactly `digits` decimals."""
    if value is None:
        return "—"
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(quantized(value, digits), format=pattern, locale=_locale())


def percent_text(value, digits=0):
    """A percentage (30.4, not 0.304) as the reader writes it: "30.4%" / "30,4 %"."""
    if value is None:
        return "—"
    locale = _locale()
    pattern = locale.percent_formats[None].pattern
    if digits:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * digits, 1)
    return format_percent(quantized(value, digits) / HUNDRED, format=pattern, locale=locale)


def money_text(value, currency, digits=0):
    """An amount with its currency as the reader writes it: "€2,667,000" / "2 667 000 €"."""
    if value is None:
        return "—"
    locale = _locale()
    pattern = locale.currency_formats["standard"].pattern
    pattern = re.sub(r"0\.0+", "0" + ("." + "0" * digits if digits else ""), pattern, count=1)
    text = format_currency(
        quantized(value, digits), currency, format=pattern, locale=locale, currency_digits=False
    )
    # CLDR glues a letter code to the digits in English ("PLN2,500"): keep them apart.
    return re.sub(r"^([A-Z]{2,3})(?=[\d-])", "\\1\u00a0", text)


def value_text(goal, value, *, exact=False):
    """A value of `goal`'s metric with its unit, at the target's precision; `exact` keeps the
    decimals the value itself has (a term someone typed: a landmark, a baseline)."""
    if value is None:
        return "—"
    digits = places(goal)
    if exact:
        digits = max(digits, decimals(value))
    kind = unit_kind(goal)
    if kind == Unit.MONEY:
        return money_text(value, currency_of(goal), digits)
    if kind == Unit.PERCENT:
        return percent_text(value, digits)
    if kind == Unit.UNITS:
        return _("%(number)s units") % {"number": number_text(value, digits)}
    return number_text(value, digits)


def currency_symbol(code):
    """A currency as the reader writes it beside an amount: "€", "£", "CHF"."""
    return get_currency_symbol(code, locale=_locale())


def unit_symbol(goal):
    """What a value of `goal`'s metric is counted in, as a form writes it beside the number:
    "€", "%", "units"; empty for a count, or before a metric is chosen."""
    if _metric(goal) is None:
        return ""
    kind = unit_kind(goal)
    if kind == Unit.MONEY:
        return currency_symbol(currency_of(goal))
    if kind == Unit.PERCENT:
        return "%"
    if kind == Unit.UNITS:
        return _("units")
    return ""


def value_number(goal, value):
    """The value as a number at the target's precision (exports)."""
    return None if value is None else quantized(value, places(goal))


def attainment_text(value):
    """Actual as a share of the target: one decimal, so that 99.6 % never reads 100 %."""
    return percent_text(value, 1)


def gap_text(goal, value, reference):
    """Where a value stands against a reference, in words ("ahead by 4.2%", "behind by 0.3
    points"): never a bare signed number, never "on target" for a miss."""
    if value is None or reference is None:
        return _("no figures yet")
    digits = places(goal)
    value, reference = quantized(value, digits), quantized(reference, digits)
    difference = value - reference
    if difference == 0:
        return _("on target")
    if unit_kind(goal) == Unit.PERCENT:
        points = number_text(abs(difference), digits)
        if difference > 0:
            return _("ahead by %(points)s points") % {"points": points}
        return _("behind by %(points)s points") % {"points": points}
    if not reference:
        return _("ahead") if difference > 0 else _("behind")
    share = quantized(abs(difference) * HUNDRED / abs(reference), 1)
    if share == 0:
        if difference > 0:
            return _("ahead by less than %(percent)s") % {
                "percent": percent_text(Decimal("0.1"), 1)
            }
        return _("behind by less than %(percent)s") % {"percent": percent_text(Decimal("0.1"), 1)}
    if difference > 0:
        return _("ahead by %(percent)s") % {"percent": percent_text(share, 1)}
    return _("behind by %(percent)s") % {"percent": percent_text(share, 1)}


# --- bonus payouts -----------------------------------------------------------------------------


def payout_text(amount, currency):
    """A payout in the currency it is paid in, cents shown only when there are any."""
    if amount is None:
        return "—"
    return money_text(amount, currency, 2 if decimals(amount) else 0)


def band_text(goal, band):
    """What a bonus band pays: "€2,500" (fixed, in the distributor's currency) or "3% of the
    revenue above target"."""
    kind, amount = (band.kind, band.amount) if hasattr(band, "kind") else (band[1], band[2])
    if kind == "percent_above":
        return _("%(rate)s of the revenue above target") % {
            "rate": percent_text(amount, decimals(amount))
        }
    return payout_text(amount, goal.payout_currency_code)


def threshold_text(threshold):
    return percent_text(threshold, decimals(threshold))


# --- the title, written from the terms ---------------------------------------------------------


def short_amount(goal, value):
    """The target as a title writes it: "2.67 M EUR", "68.5 k EUR", "30.4%", "1,200"."""
    if value is None:
        return "—"
    kind = unit_kind(goal)
    if kind == Unit.PERCENT:
        return percent_text(value, decimals(value))
    value = Decimal(value)
    locale = _locale()
    if kind != Unit.MONEY:
        return format_decimal(value, format="#,##0.##", locale=locale)
    currency = currency_of(goal)
    if abs(value) >= 1_000_000:
        number = format_decimal(quantized(value / 1_000_000, 2), format="#,##0.##", locale=locale)
        return _("%(number)s M %(currency)s") % {"number": number, "currency": currency}
    if abs(value) >= 10_000:
        number = format_decimal(quantized(value / 1000, 1), format="#,##0.#", locale=locale)
        return _("%(number)s k %(currency)s") % {"number": number, "currency": currency}
    number = format_decimal(value, format="#,##0.##", locale=locale)
    return f"{number} {currency}"


def _month_text(day):
    return year_month(day)


def day_text(day):
    """A date of the terms, spelled out (drm.formats' long date): "31 December 2027",
    "December 31, 2027", "1er février 2028"."""
    if day is None:
        return "—"
    return long_date(day)


def _month_end(day):
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def period_text(start, due):
    """ "in 2026", "in Q3 2026", "in Jul 2026", "from Jul 2026 to Jun 2027", or the days."""
    if start is None or due is None:
        return ""
    whole_months = start.day == 1 and due == _month_end(due)
    if whole_months and start.year == due.year:
        if (start.month, due.month) == (1, 12):
            return _("in %(year)s") % {"year": start.year}
        if start.month % 3 == 1 and due.month == start.month + 2:
            return _("in Q%(quarter)s %(year)s") % {
                "quarter": start.month // 3 + 1,
                "year": start.year,
            }
        if start.month == due.month:
            return _("in %(month)s") % {"month": _month_text(start)}
    if whole_months:
        return _("from %(first)s to %(last)s") % {
            "first": _month_text(start),
            "last": _month_text(due),
        }
    return _("from %(first)s to %(last)s") % {"first": day_text(start), "last": day_text(due)}


def goal_title(goal):
    """The goal's title in the reader's language, written from its terms only."""
    metric = _metric(goal)
    amount = short_amount(goal, goal.target)
    period = period_text(goal.start, goal.due)
    if metric is None:
        return (goal.subtitle or "").strip() or _("Goal without a metric")
    return metric.title(goal, amount=amount, period=period).strip()


class GoalTitle:
    """A goal's title written when it is read: a notice's subject takes the recipient's
    language, not the sender's."""

    def __init__(self, goal):
        self.goal = goal

    def __str__(self):
        return goal_title(self.goal)
