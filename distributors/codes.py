"""ISO code lists (ISO 4217 currencies, ISO 3166-1 alpha-2 countries) and their validators."""

from functools import cache

from babel import Locale
from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@cache
def currency_codes():
    """Active ISO 4217 codes, upper case."""
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha())


@cache
def country_codes():
    """ISO 3166-1 alpha-2 codes, upper case (Babel's territories that are countries)."""
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha())


def validate_currency(value):
    if value not in currency_codes():
        raise ValidationError(
            _("'%(value)s' is not an ISO 4217 currency code in upper case, like EUR."),
            params={"value": value},
            code="currency",
        )


def validate_country(value):
    if value not in country_codes():
        raise ValidationError(
            _("'%(value)s' is not an ISO 3166-1 country code in upper case, like FR."),
            params={"value": value},
            code="country",
        )
