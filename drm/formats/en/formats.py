"""English as the channel writes it (Europe): day first. "en-us" readers have their own module.

Only dates are set here; numbers come from Django's own "en" module. Every module of
drm.formats sets the same date formats (the kinds drm.formats names), so that a regional module
never inherits another region's dates.
"""

# The locale that CLDR tools (babel, the browser's Intl in the charts) write this reader's
# dates with: "en" alone is month first there.
CLDR_LOCALE = "en_GB"

DATE_FORMAT = "j F Y"  # long date: 31 December 2026
TIME_FORMAT = "H:i"  # 14:05
DATETIME_FORMAT = "d/m/Y H:i"  # date-time: 31/12/2026 14:05
SHORT_DATE_FORMAT = "d/m/Y"  # short date: 31/12/2026
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # the one date-time style
YEAR_MONTH_FORMAT = "F Y"  # month: March 2026
MONTH_DAY_FORMAT = "j F"  # 31 December
FIRST_DAY_OF_WEEK = 1  # Monday

# ISO first: a plain date input shows ISO, and the HTML date inputs send it; typed dates are
# read day first, as they are written here.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M",
]
