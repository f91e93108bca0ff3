"""CSV and XLSX downloads that a spreadsheet cannot turn into formulas.

Dates: a row's cells are date and date-time objects; a CSV file writes them in ISO 8601 (files
for scripts and re-import, which no spreadsheet misreads), an XLSX file as real date cells shown
in the reader's short date or date-time (drm.formats), in the portal's time zone.
"""

import csv
import datetime
import io

import pandas as pd
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from drm import columns as list_columns
from drm.formats import DATE_TIME, SHORT_DATE, spreadsheet_format
from identity.access import hidden_fields
from ingest.spec import quote

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


def neutralise(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Numbers stay numbers: only text is at risk (OWASP "CSV injection"). The imports read a
    value so quoted back as it was (`ingest.spec.quote` / `unquote`).
    """
    return quote(value) if isinstance(value, str) else value


def csv_cell(value):
    """A cell of a CSV file: dates in ISO 8601, text safe from formulas."""
    if isinstance(value, datetime.date):  # and date-times
        return value.isoformat()
    return neutralise(value)


def _xlsx_cell(value):
    # A spreadsheet knows no time zones: the date-time as the portal's clock reads it.
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return neutralise(value)


def csv_response(filename, headers, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def xlsx_response(filename, headers, rows, sheet="Export"):
    frame = pd.DataFrame([[_xlsx_cell(cell) for cell in row] for row in rows], columns=headers)
    buffer = io.BytesIO()
    day, moment = spreadsheet_format(SHORT_DATE), spreadsheet_format(DATE_TIME)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet)
        for row in writer.sheets[sheet].iter_rows():
            for cell in row:
                # openpyxl would still store a text cell that starts with "=" as a formula.
                if cell.data_type == "f":
                    cell.data_type = "s"
                elif isinstance(cell.value, datetime.datetime):
                    cell.number_format = moment
                elif isinstance(cell.value, datetime.date):
                    cell.number_format = day
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


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
