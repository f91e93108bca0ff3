"""ISO 3166-1 alpha-2 country codes, taken from the CLDR data that babel ships."""

from functools import cache

import babel
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Two-letter CLDR regions that ISO 3166-1 does not assign: groupings (EU, EZ, UN, QO), parts of
# countries with their own CLDR entry (AC, CP, CQ, DG, EA, IC, TA), user-assigned XK, and the
# pseudo-locales and "unknown" (XA, XB, ZZ). What remains is ISO's 249 codes.
NOT_ISO = frozenset(
    {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)


@cache
def country_codes():
    return frozenset(
        code
        for code in babel.Locale("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_ISO
    )


def validate_country_code(value):
    """Raise ValidationError unless `value` is an upper-case ISO 3166-1 alpha-2 code."""
    if value not in country_codes():
        raise ValidationError(
            _("'%(value)s' is not an ISO 3166-1 alpha-2 country code (e.g. DE, FR, US)."),
            code="invalid_country",
            params={"value": value},
        )
