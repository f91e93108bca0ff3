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

from drm.formats import DATE_TIME, SHORT_DATE, spreadsheet_format

# What follows the apostrophe an export puts before a text a spreadsheet would run as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def quote(text):
    """The text as an export writes it: an apostrophe before a value a spreadsheet would run as
    a formula (OWASP "CSV injection"), and before one that is such a value behind apostrophes
    already, so that `ingest.spec.unquote` gives every text back as it was."""
    if text.lstrip("'").startswith(FORMULA_STARTS):
        return "'" + text
    return text


def neutralise(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Numbers stay numbers: only text is at risk (OWASP "CSV injection"). The imports read a
    value so quoted back as it was (`quote` here, `ingest.spec.unquote`).
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
