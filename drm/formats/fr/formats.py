"""French dates: day first, the same kinds as the English modules. Numbers and typed dates come
from Django's own "fr" module. "1er" for the first of a month is drm.formats.long_date's."""

CLDR_LOCALE = "fr_FR"

DATE_FORMAT = "j F Y"  # long date: 31 décembre 2026 (1er février 2026)
TIME_FORMAT = "H:i"  # 14:05
DATETIME_FORMAT = "d/m/Y H:i"  # date-time: 31/12/2026 14:05
SHORT_DATE_FORMAT = "d/m/Y"  # short date: 31/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # the one date-time style
YEAR_MONTH_FORMAT = "F Y"  # month: mars 2026
MONTH_DAY_FORMAT = "j F"  # 31 décembre
FIRST_DAY_OF_WEEK = 1  # lundi
