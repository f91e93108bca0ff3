"""Reading uploaded CSV and XLSX files in bounded chunks of stripped strings.

`read_chunks` yields `(row_numbers, frame)` pairs: a frame of at most `chunk_rows` rows whose
columns carry normalised header names, and the spreadsheet row number of each row (row 1 holds
the headers). Memory stays bounded by the chunk size, whatever the file's size.

Hostile files are refused with a message that names what is wrong (and the row and column when
there is one) before anything is staged: a file whose content is not what its name says, a
workbook that would unpack to far more than its size, more columns, longer lines or longer
values than any real import has. Formulas are never evaluated: a workbook's formula cell reads
as the result Excel stored with it, a CSV cell is text whatever it starts with.
"""

import codecs
import csv
import io
import math
import re
import unicodedata
import zipfile
from decimal import Decimal

import pandas as pd
from django.utils.translation import gettext as _

from drm.errors import ValidationFailed

from .checks import TYPED_NUMBER

FIRST_DATA_ROW = 2
SNIFF_BYTES = 64 * 1024
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHEET_PART = re.compile(r"^xl/worksheets/sheet\d+\.xml$")
CONTENT_TYPES_MAX_BYTES = 1 << 20


def normalise_header(name):
    """'Product line', 'product-line ' → 'product_line'; accents dropped ('Unités' → 'unites')."""
    folded = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", folded.strip().lower()).strip("_")


# A row whose first cell starts with this is a comment (a template's example row): skipped.
COMMENT = "#"


# What a mislabelled upload usually is, by its first bytes.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"%PDF-", "pdf"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),
    (b"\x1f\x8b", "gzip"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
)
SIGNATURE_BYTES = max(len(magic) for magic, _kind in SIGNATURES)


def _content_names():
    return {
        "png": _("a PNG image"),
        "jpeg": _("a JPEG image"),
        "gif": _("a GIF image"),
        "pdf": _("a PDF document"),
        "xls": _("an Excel 97-2003 (.xls) workbook or another old Office file"),
        "zip": _("a zip archive (an .xlsx workbook or another Office file)"),
        "gzip": _("a gzip archive"),
        "rar": _("a RAR archive"),
        "7z": _("a 7-Zip archive"),
    }


def refuse(message):
    raise ValidationFailed(message, field="file")


def sniff(head):
    """What the first bytes of a file say it is: a SIGNATURES kind, or None (text, perhaps)."""
    for magic, kind in SIGNATURES:
        if head.startswith(magic):
            return kind
    return None


def check_content(name, head):
    """Refuse a file whose first bytes contradict its name (a PNG renamed .csv, say)."""
    kind = file_kind(name)
    found = sniff(head)
    if kind == "csv" and found:
        hint = (
            _("If it is an Excel workbook, save it as .xlsx.")
            if found in ("zip", "xls")
            else _("Upload a .csv or .xlsx file.")
        )
        refuse(
            _("“%(name)s” is %(what)s, not a CSV text file. %(hint)s")
            % {"name": name, "what": _content_names()[found], "hint": hint}
        )
    if kind == "xlsx" and found != "zip":
        if found == "xls":
            refuse(
                _(
                    "“%(name)s” is an Excel 97-2003 workbook, not an .xlsx one. Open it in Excel "
                    "and save it as “Excel Workbook (.xlsx)”."
                )
                % {"name": name}
            )
        what = _content_names()[found] if found else _("text or an unknown format")
        refuse(
            _("“%(name)s” is %(what)s, not an Excel .xlsx workbook.") % {"name": name, "what": what}
        )


def file_kind(name):
    lower = (name or "").lower()
    if lower.endswith(".csv"):
        return "csv"
    if lower.endswith(".xlsx"):
        return "xlsx"
    refuse(_("Upload a .csv or .xlsx file."))


def read_chunks(
    name,
    stream,
    *,
    chunk_rows,
    max_rows,
    max_unpacked_bytes,
    max_ratio,
    max_columns=100,
    max_line_bytes=64 * 1024,
    max_cell_chars=10_000,
    max_part_bytes=100 << 20,
    comment_rows=None,
):
    """Chunks of the file `name` read from the seekable binary `stream`.

    Rows blank in every cell and rows whose first cell starts with COMMENT are left out (they
    keep their numbers); the numbers of the comment rows are appended to `comment_rows` when it
    is a list. A file of headers only yields one chunk without rows (its headers are checked).
    """
    kind = file_kind(name)
    stream.seek(0, io.SEEK_END)
    if stream.tell() == 0:
        refuse(_("The file is empty."))
    stream.seek(0)
    check_content(name, stream.read(SIGNATURE_BYTES))
    stream.seek(0)
    if kind == "csv":
        chunks = csv_chunks(
            stream,
            chunk_rows=chunk_rows,
            max_columns=max_columns,
            max_line_bytes=max_line_bytes,
        )
    else:
        chunks = xlsx_chunks(
            stream,
            chunk_rows=chunk_rows,
            max_unpacked_bytes=max_unpacked_bytes,
            max_ratio=max_ratio,
            max_columns=max_columns,
            max_part_bytes=max_part_bytes,
        )
    seen = 0
    empty = None
    for rows, frame in chunks:
        seen = int(rows.iloc[-1]) - FIRST_DATA_ROW + 1 if len(rows) else seen
        if seen > max_rows:
            refuse(
                _("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": f"{max_rows:,}"}
            )
        # Rows blank in every cell are spreadsheet noise, not data (they keep their numbers).
        filled = (frame != "").any(axis=1)
        if len(frame.columns):
            comment = frame.iloc[:, 0].str.startswith(COMMENT)
            if comment.any():
                if comment_rows is not None:
                    comment_rows.extend(int(n) for n in rows[comment])
                filled &= ~comment
        if not filled.all():
            frame, rows = frame[filled], rows[filled]
        if len(frame):
            check_cell_sizes(rows, frame, max_cell_chars=max_cell_chars)
            empty = False
            yield rows, frame
        elif empty is None:
            empty = (rows, frame)
    if empty:
        yield empty


def check_columns_count(count, *, max_columns):
    if count > max_columns:
        refuse(
            _("The header row has %(count)s columns; at most %(max)s are read.")
            % {"count": f"{count:,}", "max": max_columns}
        )


def check_cell_sizes(rows, frame, *, max_cell_chars):
    """Refuse a value longer than any column holds, naming its row and column."""
    for column in frame.columns:
        too_long = frame[column].str.len() > max_cell_chars
        if too_long.any():
            first = too_long.to_numpy().argmax()
            refuse(
                _(
                    "Row %(row)d, column %(column)s: the value is %(length)s characters long; "
                    "at most %(max)s are read."
                )
                % {
                    "row": int(rows.iloc[first]),
                    "column": column,
                    "length": f"{len(frame[column].iloc[first]):,}",
                    "max": f"{max_cell_chars:,}",
                }
            )


def check_utf8(stream, *, max_line_bytes=None):
    """Refuse a file that is not UTF-8 text, naming the line and byte of the first bad byte.

    With `max_line_bytes`, also refuse a line longer than that (naming it): one huge row would
    otherwise become one huge value or thousands of columns.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = line = 0
    current = 0  # bytes of the line that runs on from the previous block
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
        if max_line_bytes:
            current = _check_lines(block, current, line, max_line_bytes)
        offset += len(block)
        line += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        refuse(_("The file is not UTF-8 text (it ends in the middle of a character)."))
    stream.seek(0)


def _check_lines(block, current, line, max_line_bytes):
    """The length of the line still open at the end of `block`; refuses one that is too long.

    Jumps from line start to the last newline within reach instead of splitting every line:
    the lines in between are shorter than the limit anyway.
    """
    start = -current  # where the open line began, relative to this block
    while True:
        reach = start + max_line_bytes + 1
        newline = block.rfind(b"\n", max(start, 0), reach)
        if newline >= 0:
            start = newline + 1
            continue
        if reach <= len(block):
            refuse(
                _(
                    "Line %(line)d is longer than %(max)s bytes; no row of an import is that "
                    "long. Check that the file is the one you meant to upload."
                )
                % {
                    "line": line + block.count(b"\n", 0, max(start, 0)) + 1,
                    "max": f"{max_line_bytes:,}",
                }
            )
        return len(block) - start


def csv_chunks(stream, *, chunk_rows, max_columns=100, max_line_bytes=None):
    check_utf8(stream, max_line_bytes=max_line_bytes)
    head = stream.read(SNIFF_BYTES).decode("utf-8-sig", errors="ignore")
    stream.seek(0)
    first_line = head.split("\n", 1)[0]
    try:
        delimiter = csv.Sniffer().sniff(first_line, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    header = next(csv.reader([first_line.rstrip("\r")], delimiter=delimiter), [])
    check_columns_count(len(header), max_columns=max_columns)
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
                if not isinstance(frame.index, pd.RangeIndex):
                    # pandas reads rows one value longer than the header as an index column,
                    # which would shift every value one column to the right.
                    refuse(
                        _(
                            "Row %(row)d has more values than the header has columns; "
                            "check the separators and quotes."
                        )
                        % {"row": FIRST_DATA_ROW}
                    )
                columns = [normalise_header(c) for c in frame.columns]
            frame.columns = columns
            frame = frame.apply(lambda col: col.str.strip())
            rows = pd.Series(frame.index.to_numpy() + FIRST_DATA_ROW, index=frame.index)
            yield rows, frame
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        if isinstance(exc, pd.errors.EmptyDataError):
            refuse(_("The file is empty."))
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        counts = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", detail)
        if counts:
            expected, line, seen = (int(n) for n in counts.groups())
            refuse(
                _(
                    "Line %(line)d has %(seen)d values but the header has %(expected)d columns; "
                    "check the separators and quotes."
                )
                % {"line": line, "seen": seen, "expected": expected}
            )
        # The parser's own words (its internals, bits of the file) stay in the log: the caller
        # logs them with the batch id (the exception's __cause__).
        raise ValidationFailed(
            _(
                "The CSV file cannot be read: its rows are not all split into the same columns "
                "(a stray quote or separator?). Save it again as CSV UTF-8 and upload it."
            ),
            field="file",
        ) from exc


def check_zip(stream, *, max_unpacked_bytes, max_ratio, max_part_bytes=None):
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
    if "xl/workbook.xml" not in archive.namelist():
        refuse(_("The file is a zip archive but not an Excel .xlsx workbook."))
    if max_part_bytes:
        check_whole_parts(archive, max_part_bytes=max_part_bytes)
    stream.seek(0)


def _sheet_parts(archive):
    """The parts [Content_Types].xml declares as worksheets: the only ones read streaming."""
    import defusedxml.ElementTree as ElementTree  # entity expansion and DTDs refused

    try:
        info = archive.getinfo("[Content_Types].xml")
    except KeyError:
        refuse(_("The file is not a readable Excel .xlsx workbook."))
    if info.file_size > CONTENT_TYPES_MAX_BYTES:
        refuse(_("The file is not a readable Excel .xlsx workbook."))
    try:
        root = ElementTree.fromstring(archive.read(info))
    except Exception:  # noqa: BLE001 - a malformed or hostile XML part, whatever the error
        refuse(_("The file is not a readable Excel .xlsx workbook."))
    return {
        element.get("PartName", "").lstrip("/")
        for element in root
        if element.tag.endswith("}Override") and element.get("ContentType") == WORKSHEET_TYPE
    }


def check_whole_parts(archive, *, max_part_bytes):
    """Refuse a part that openpyxl would read whole (shared strings, styles…) past the limit.

    Sheets are read a row at a time, but the shared strings (every distinct text of the
    workbook) and the other parts are loaded whole, at several times their size in memory.
    Only a part under xl/worksheets/ that the workbook declares as a worksheet is exempt.
    """
    sheets = {name for name in _sheet_parts(archive) if SHEET_PART.match(name)}
    for info in archive.infolist():
        if info.filename not in sheets and info.file_size > max_part_bytes:
            refuse(
                _(
                    "The workbook's part %(part)s unpacks to %(size)s MB; parts other than "
                    "the sheets are read whole, at most %(limit)s MB. Save the sheet as CSV "
                    "and upload that."
                )
                % {
                    "part": info.filename,
                    "size": info.file_size // (1 << 20),
                    "limit": max_part_bytes // (1 << 20),
                }
            )


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return TYPED_NUMBER + str(value)
    if isinstance(value, float):
        # A number cell: canonical digits, no separators, so no convention can misread it. The
        # shortest digits that are this float (1234567.89, not 1234567.8899999999), or its 15
        # significant digits, all a spreadsheet keeps (0.1 + 0.2 is 0.3, not 0.30000000000000004).
        if not math.isfinite(value):
            return str(value)
        text = repr(value)
        if len(text.split("e")[0].replace("-", "").replace(".", "").lstrip("0")) > 15:
            text = format(value, ".15g")
        text = format(Decimal(text), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return TYPED_NUMBER + text
    if hasattr(value, "isoformat"):
        text = value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
        return text.removesuffix(" 00:00:00")
    return str(value).strip().replace(TYPED_NUMBER, "")


def xlsx_chunks(
    stream, *, chunk_rows, max_unpacked_bytes, max_ratio, max_columns=100, max_part_bytes=None
):
    from openpyxl import load_workbook

    check_zip(
        stream,
        max_unpacked_bytes=max_unpacked_bytes,
        max_ratio=max_ratio,
        max_part_bytes=max_part_bytes,
    )
    try:
        # read_only streams the sheet; data_only reads a formula cell as the result Excel stored
        # with it (openpyxl never evaluates a formula; one stored without a result reads blank).
        workbook = load_workbook(stream, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The sheet's own claim of its size is not trusted: a wrong one would cut rows off, a
        # huge one would pad every row to 16,384 columns.
        sheet.reset_dimensions()
        header = next(sheet.iter_rows(max_row=1, values_only=True), None)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        refuse(_("The file is not a readable Excel .xlsx workbook."))
    if header is None:
        refuse(_("The file is empty."))
    columns = [normalise_header("" if c is None else c) for c in header]
    while columns and columns[-1] == "":
        columns.pop()
    check_columns_count(len(columns), max_columns=max_columns)
    width = len(columns)
    # Only the header's columns: a sheet that claims 16,384 columns is not padded to them.
    lines = sheet.iter_rows(min_row=FIRST_DATA_ROW, max_col=max(width, 1), values_only=True)
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
    if buffer or number == FIRST_DATA_ROW:
        yield _xlsx_frame(buffer, rows, columns)  # a sheet of headers only: one empty chunk
    workbook.close()


def _xlsx_frame(buffer, rows, columns):
    frame = pd.DataFrame(buffer, columns=columns, dtype="str")
    return pd.Series(rows, index=frame.index), frame
