"""English as readers in the United States write it: month first ("en-us", chosen in the profile
or by the browser's Accept-Language). Numbers come from Django's "en" module."""

CLDR_LOCALE = "en_US"

DATE_FORMAT = "F j, Y"  # long date: December 31, 2026
TIME_FORMAT = "g:i A"  # 2:05 PM
DATETIME_FORMAT = "m/d/Y g:i A"  # date-time: 12/31/2026 2:05 PM
SHORT_DATE_FORMAT = "m/d/Y"  # short date: 12/31/2026
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"  # the one date-time style
YEAR_MONTH_FORMAT = "F Y"  # month: March 2026
MONTH_DAY_FORMAT = "F j"  # December 31
FIRST_DAY_OF_WEEK = 0  # Sunday

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M",
]
