"""Reading uploaded CSV and XLSX files in bounded chunks of stripped strings.

`read_chunks` yields `(row_numbers, frame)` pairs: a frame of at most `chunk_rows` rows whose
columns carry normalised header names, and the spreadsheet row number of each row (row 1 holds
the headers). Memory stays bounded by the chunk size, whatever the file's size.
"""

import codecs
import csv
import io
import re
import zipfile

import pandas as pd
from django.utils.translation import gettext as _

from drm.errors import ValidationFailed

from .checks import TYPED_NUMBER

FIRST_DATA_ROW = 2
SNIFF_BYTES = 64 * 1024


def normalise_header(name):
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def refuse(message):
    raise ValidationFailed(message, field="file")


def file_kind(name):
    lower = (name or "").lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    refuse(_("Upload a .csv or .xlsx file."))


def read_chunks(name, stream, *, chunk_rows, max_rows, max_unpacked_bytes, max_ratio):
    """Chunks of the file `name` read from the seekable binary `stream`."""
    kind = file_kind(name)
    stream.seek(0, io.SEEK_END)
    if stream.tell() == 0:
        refuse(_("The file is empty."))
    stream.seek(0)
    if kind == "csv":
        chunks = csv_chunks(stream, chunk_rows=chunk_rows)
    else:
        chunks = xlsx_chunks(
            stream,
            chunk_rows=chunk_rows,
            max_unpacked_bytes=max_unpacked_bytes,
            max_ratio=max_ratio,
        )
    seen = 0
    for rows, frame in chunks:
        seen = int(rows.iloc[-1]) - FIRST_DATA_ROW + 1 if len(rows) else seen
        if seen > max_rows:
            refuse(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": f"{max_rows:,}"}
            )
        # Rows blank in every cell are spreadsheet noise, not data (they keep their numbers).
        filled = (frame != "").any(axis=1)
        if not filled.all():
            frame, rows = frame[filled], rows[filled]
        if len(frame):
            yield rows, frame


def check_utf8(stream):
    """Refuse a file that is not UTF-8 text, naming the line and byte of the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = line = 0
    while block := stream.read(1 << 20):
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            position = offset + exc.start
            line += block[: exc.start].count(b"\n")
            refuse(
                _(
                    "The file is not UTF-8 text (bad byte on line %(line)d, byte %(position)d). "
                    "Save it as 'CSV UTF-8' and upload it again."
                )
                % {"line": line + 1, "position": position}
            )
        if b"\x00" in block:
            refuse(_("The file is not a text CSV file."))
        offset += len(block)
        line += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        refuse(_("The file is not UTF-8 text (it ends in the middle of a character)."))
    stream.seek(0)


def csv_chunks(stream, *, chunk_rows):
    check_utf8(stream)
    head = stream.read(SNIFF_BYTES).decode("utf-8-sig", errors="ignore")
    stream.seek(0)
    first_line = head.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    try:
        reader = pd.read_csv(
            stream,
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            encoding="utf-8-sig",
            chunksize=chunk_rows,
        )
        columns = None
        for frame in reader:
            if columns is None:
                columns = [normalise_header(c) for c in frame.columns]
            frame.columns = columns
            frame = frame.apply(lambda col: col.str.strip())
            rows = pd.Series(frame.index.to_numpy() + FIRST_DATA_ROW, index=frame.index)
            yield rows, frame
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            refuse(_("The file is empty."))
        # The parser's own words (its internals, bits of the file) stay in the log: the caller
        # logs them with the batch id (the exception's __cause__).
        raise ValidationFailed(
            _(
                "The CSV file cannot be read: its rows are not all split into the same columns "
                "(a stray quote or separator?). Save it again as CSV UTF-8 and upload it."
            ),
            field="file",
        ) from exc


def check_zip(stream, *, max_unpacked_bytes, max_ratio):
    """Refuse an XLSX that would unpack to far more than its size, before unpacking anything."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        refuse(_("The file is not a readable Excel .xlsx workbook."))
    total = 0
    for info in archive.infolist():
        total += info.file_size
        if info.file_size > max(info.compress_size, 1) * max_ratio and info.file_size > 1 << 20:
            refuse(
                _(
                    "The workbook unpacks to %(ratio)d times its size; files like this are "
                    "refused. Save it again from Excel, or upload a CSV."
                )
                % {"ratio": info.file_size // max(info.compress_size, 1)}
            )
    if total > max_unpacked_bytes:
        refuse(
            _("The workbook unpacks to %(size)s MB; the limit is %(limit)s MB. Upload a CSV.")
            % {"size": total // (1 << 20), "limit": max_unpacked_bytes // (1 << 20)}
        )
    stream.seek(0)


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return TYPED_NUMBER + str(value)
    if isinstance(value, float):
        # A number cell: canonical digits, no separators, so no convention can misread it.
        text = format(value, ".10f").rstrip("0").rstrip(".")
        return TYPED_NUMBER + text
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return text.removesuffix(" 00:00:00")
    return str(value).strip().replace(TYPED_NUMBER, "")


def xlsx_chunks(stream, *, chunk_rows, max_unpacked_bytes, max_ratio):
    from openpyxl import load_workbook

    check_zip(stream, max_unpacked_bytes=max_unpacked_bytes, max_ratio=max_ratio)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        refuse(_("The file is not a readable Excel .xlsx workbook."))
    if header is None:
        refuse(_("The file is empty."))
    columns = [normalise_header("" if c is None else c) for c in header]
    while columns and columns[-1] == "":
        columns.pop()
    width = len(columns)
    number = FIRST_DATA_ROW
    buffer, rows = [], []
    try:
        for line in lines:
            cells = [_cell_text(v) for v in line[:width]]
            cells += [""] * (width - len(cells))
            buffer.append(cells)
            rows.append(number)
            number += 1
            if len(buffer) >= chunk_rows:
                yield _xlsx_frame(buffer, rows, columns)
                buffer, rows = [], []
    except ValidationFailed:
        raise
    except Exception:  # noqa: BLE001
        refuse(_("The file is not a readable Excel .xlsx workbook."))
    if buffer:
        yield _xlsx_frame(buffer, rows, columns)
    workbook.close()


def _xlsx_frame(buffer, rows, columns):
    frame = pd.DataFrame(buffer, columns=columns, dtype="str")
    return pd.Series(rows, index=frame.index), frame
