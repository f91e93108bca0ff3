"""The periods figures are reported over, defined once.

One clock: `timezone.localdate()` in the configured TIME_ZONE. A month is the date of its first
day. "The last 12 months" is the 12 complete months ending with last month: on 2026-11-23 it runs
from 2025-11-01 to 2026-10-01 inclusive; the running month is never part of it, so a figure does
not move while a month is still being reported.
"""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from drm.formats import month_range


def today():
    return timezone.localdate()


def month_start(day):
    return day.replace(day=1)


def add_months(month, count):
    """The first day of the month `count` months after `month`'s (before, when negative)."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class MonthRange:
    """Whole months from `first` to `last`, both included (first days of months)."""

    first: datetime.date
    last: datetime.date

    @property
    def end(self):
        """The first day after the range: filter with `>= first` and `< end`."""
        return add_months(self.last, 1)

    @property
    def months(self):
        count = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month + 1
        return [add_months(self.first, offset) for offset in range(count)]

    def month_filter(self, field="month"):
        return {f"{field}__gte": self.first, f"{field}__lt": self.end}

    def day_filter(self, field="date"):
        return {f"{field}__gte": self.first, f"{field}__lt": self.end}

    @property
    def label(self):
        """ "April 2025 – March 2026", in the reader's language (drm.formats)."""
        return month_range(self.first, self.last)


def complete_months(count=12, *, on=None):
    """The `count` complete months ending with last month."""
    last = add_months(month_start(on or today()), -1)
    return MonthRange(first=add_months(last, -(count - 1)), last=last)


def months_to_date(count, *, on=None):
    """`count` months ending with the running month (charts that show the month being filled)."""
    last = month_start(on or today())
    return MonthRange(first=add_months(last, -(count - 1)), last=last)


def current_month(*, on=None):
    return month_start(on or today())
