"""The distributor list's export: its columns, written as the list page writes them (the CSV
and XLSX files themselves: `drm.exports`)."""

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from drm import columns as list_columns
from identity.access import hidden_fields

from .models import Distributor
from .regions import region_display

# Header (named after the model field where there is one) → cell of a distributor row. Headers
# are written in the reader's language (gettext at export time; marked here for the catalogue).
DISTRIBUTOR_COLUMNS = [
    (gettext_noop("code"), lambda d: d.code),
    (gettext_noop("name"), lambda d: d.name),
    (gettext_noop("country"), lambda d: d.country),
    (gettext_noop("region"), lambda d: region_display(d.region)),
    (gettext_noop("currency"), lambda d: d.currency),
    (gettext_noop("tier"), lambda d: d.tier.display_name),
    (gettext_noop("status"), lambda d: d.get_status_display()),
    (gettext_noop("account_manager"), lambda d: d.account_manager_name),
    (gettext_noop("contract_start"), lambda d: d.contract_start or ""),
    (gettext_noop("contract_end"), lambda d: d.contract_end or ""),
    (
        gettext_noop("market_potential"),
        lambda d: float(d.market_potential) if d.market_potential is not None else "",
    ),
    (gettext_noop("revenue_12m_reporting"), lambda d: float(d.revenue_12m)),
]


def distributor_table(distributors, *, viewer, today=None):
    """Headers and lazy rows of a distributor export, without the fields `viewer` may not see.

    `distributors` come from selectors.distributor_list (they carry `revenue_12m`, and the
    registered list columns when asked for with `columns=None`). The contract and the
    registered columns are written as the list page writes them (one formatter each).
    """
    today = today or timezone.localdate()
    hidden = hidden_fields(viewer, Distributor)
    columns = [(header, cell) for header, cell in DISTRIBUTOR_COLUMNS if header not in hidden]
    columns += [
        (gettext_noop("contract"), lambda d: list_columns.contract_cell(d, today).label),
        (
            gettext_noop("contract_days_left"),
            lambda d: _blank_if_none(list_columns.contract_cell(d, today).days_left),
        ),
    ]
    columns += [(column.header, _cell_or_blank(column)) for column in list_columns.registered()]
    headers = [gettext(header) for header, _ in columns]
    return headers, ([cell(d) for _, cell in columns] for d in distributors)


def _cell_or_blank(column):
    """The page's text of the column; an empty cell where the page shows a dash."""
    return lambda d: "" if column.value(d) is None else column.cell(d)


def _blank_if_none(value):
    return "" if value is None else value
