"""Downloadable templates of a kind of import, written from its column definitions.

- CSV: the headers, then two comment rows (their first cell starts with `readers.COMMENT`, so the
  reader skips them): a note, and an example row with a value in every column.
- XLSX: the headers alone on the first sheet (the one the reader reads), and a second sheet that
  explains each column: whether it is required, its meaning, format and an example.

Either one, uploaded as it is downloaded, checks cleanly with no row to import.
"""

import csv
import io

from django.utils.translation import gettext as _

from .readers import COMMENT


def _read_columns(spec):
    return [column for column in spec.columns if not column.ignored]


def csv_template(spec):
    """The CSV template of `spec` as text, notes in the active language."""
    columns = _read_columns(spec)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([column.name for column in columns])
    note = _(
        "Rows whose first cell starts with %(mark)s are skipped. The next row is an example: "
        "replace these two rows with your own, one per line."
    ) % {"mark": COMMENT}
    writer.writerow([f"{COMMENT} {note}"] + [""] * (len(columns) - 1))
    example = [str(column.example) for column in columns]
    example[0] = f"{COMMENT} {example[0]}"
    writer.writerow(example)
    return buffer.getvalue()


def xlsx_template(spec, *, codes_url=""):
    """The XLSX template of `spec` as bytes: headers on the first sheet, a guide on the second."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    columns = _read_columns(spec)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Data")[:31]
    sheet.append([column.name for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(column.name) + 4)

    guide = workbook.create_sheet(_("Columns")[:31])
    guide.append([_("Column"), _("Required"), _("Meaning"), _("Format"), _("Example")])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for column in columns:
        fmt = str(column.format_text)
        if column.choices:
            fmt += " " + ", ".join(f"{value} ({label})" for value, label in column.choices)
        guide.append(
            [
                column.name,
                _("yes") if column.required else _("no"),
                str(column.meaning),
                fmt,
                str(column.example),
            ]
        )
    guide.append([])
    guide.append([_("Only the first sheet is read; this one may stay.")])
    if codes_url:
        guide.append([_("The codes a file may use are listed on %(url)s") % {"url": codes_url}])
    for letter, width in zip("ABCDE", (22, 10, 60, 60, 24), strict=True):
        guide.column_dimensions[letter].width = width
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
