"""ISO 4217 currency codes and validators (countries: see `countries`)."""

from functools import cache

from babel.numbers import list_currencies
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from drm.countries import validate_country_code


@cache
def currency_codes():
    """Active ISO 4217 codes, upper case."""
    return frozenset(code for code in list_currencies() if len(code) == 3 and code.isalpha())


def validate_currency(value):
    if value not in currency_codes():
        raise ValidationError(
            _("'%(value)s' is not an ISO 4217 currency code in upper case, like EUR."),
            params={"value": value},
            code="currency",
        )


def validate_country(value):
    """ISO 3166-1 alpha-2, upper case (one list: drm.countries)."""
    validate_country_code(value)
