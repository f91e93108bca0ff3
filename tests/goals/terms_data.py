"""A distributor goal's terms that pass the SMART check, for the goals tests to vary."""

import datetime
from decimal import Decimal


def goal_fields(distributor, line, **over):
    """acme's pump revenue goal for 2026: 100,000 last year, 120,000 this year (words agree)."""
    values = {
        "level": "distributor",
        "distributor": distributor,
        "subtitle": "Pump revenue of 120,000 EUR in 2026",
        "description": "Pumps through the Bavarian dealers.",
        "metric": "revenue",
        "product_line": line,
        "baseline": Decimal("100000"),
        "baseline_start": datetime.date(2025, 1, 1),
        "baseline_end": datetime.date(2025, 12, 31),
        "target": Decimal("120000"),
        "start": datetime.date(2026, 1, 1),
        "due": datetime.date(2026, 12, 31),
    }
    values.update(over)
    return values
