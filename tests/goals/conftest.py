"""Shared bits of the goals API tests: the clock, acme's product line, a goal's terms as JSON."""

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _clock(today):
    """2026-06-15 12:00 UTC."""


@pytest.fixture
def pumps(distributor):
    line = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(line)
    return line


@pytest.fixture
def goal_body(pumps):
    """body(**over): a distributor goal for acme that passes the SMART check (None drops a key)."""

    def body(**over):
        fields = {
            "level": "distributor",
            "distributor": "acme",
            "subtitle": "The Bavarian pump plan",
            "description": "Pumps through the Bavarian dealers.",
            "metric": "revenue",
            "product_line": "pumps",
            "baseline": "100000",
            "baseline_start": "2025-01-01",
            "baseline_end": "2025-12-31",
            "target": "120000",
            "start": "2026-01-01",
            "due": "2026-12-31",
            "exciting": "We become the pump dealer of the region.",
            "bands": [{"threshold": "100", "kind": "fixed", "amount": "5000"}],
        }
        fields.update(over)
        return {key: value for key, value in fields.items() if value is not None}

    return body
