"""Reading hostile files: each is refused with a message naming what is wrong, in bounded memory."""

import io
import re
import time
import tracemalloc
import zipfile

import pytest
from openpyxl import Workbook

from drm.errors import ValidationFailed
from ingest.readers import read_chunks

LIMITS = {
    "chunk_rows": 1000,
    "max_rows": 10_000,
    "max_unpacked_bytes": 64 << 20,
    "max_ratio": 100,
    "max_columns": 20,
    "max_line_bytes": 4096,
    "max_cell_chars": 1000,
}
HEADER = ["distributor", "month", "product_line", "amount"]


def read(name, content, **limits):
    chunks = read_chunks(name, io.BytesIO(content), **{**LIMITS, **limits})
    return [(list(rows), frame.to_dict("records")) for rows, frame in chunks]


def refusal(name, content, **limits):
    with pytest.raises(ValidationFailed) as error:
        read(name, content, **limits)
    assert error.value.field == "file"
    return error.value.message


def workbook(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rewrite(xlsx, name, change):
    """The workbook with one of its parts changed by `change(bytes) -> bytes`."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            target.writestr(info.filename, change(data) if info.filename == name else data)
    return buffer.getvalue()


def test_a_clean_csv_and_a_clean_workbook_read_the_same():
    csv = b"distributor,month,product_line,amount\nacme,2026-01,pumps,10\n"
    xlsx = workbook([["acme", "2026-01", "pumps", "10"]])
    assert read("f.csv", csv) == read("f.xlsx", xlsx)


@pytest.mark.parametrize(
    ("head", "what"),
    [
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"\xff\xd8\xff\xe0", "a JPEG image"),
        (b"%PDF-1.7\n", "a PDF document"),
        (b"PK\x03\x04", "a zip archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97-2003"),
    ],
)
def test_a_binary_file_renamed_csv_is_refused_naming_what_it_is(head, what):
    message = refusal("figures.csv", head + bytes(range(256)) * 4)
    assert "“figures.csv” is" in message
    assert what in message
    assert "not a CSV text file" in message


def test_a_csv_renamed_xlsx_is_refused_as_not_a_workbook():
    message = refusal("figures.xlsx", b"distributor,month\nacme,2026-01\n")
    assert message == "“figures.xlsx” is text or an unknown format, not an Excel .xlsx workbook."


def test_an_old_xls_workbook_is_refused_with_the_way_to_save_it():
    message = refusal("figures.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    assert "Excel 97-2003" in message
    assert "Excel Workbook (.xlsx)" in message


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "not an Excel .xlsx workbook" in refusal("figures.xlsx", buffer.getvalue())


def zip_bomb(unpacked_bytes):
    """A real workbook carrying one more part of zeros: megabytes that unpack to far more."""
    source = zipfile.ZipFile(io.BytesIO(workbook([["acme", "2026-01", "pumps", "1"]])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/media/padding.bin", "w") as part:
            block = b"\0" * (1 << 20)
            for _ in range(unpacked_bytes >> 20):
                part.write(block)
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_before_anything_is_unpacked():
    bomb = zip_bomb(256 << 20)
    assert len(bomb) < 1 << 20
    tracemalloc.start()
    try:
        message = refusal("bomb.xlsx", bomb, max_unpacked_bytes=1 << 30)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert re.search(r"unpacks to \d+ times its size", message)
    assert peak < 8 << 20  # 256 MiB of zeros were never decompressed


def test_a_workbook_unpacking_past_the_total_limit_is_refused():
    xlsx = workbook([["acme", "2026-01", "pumps", str(n)] for n in range(2000)])
    message = refusal("big.xlsx", xlsx, max_unpacked_bytes=50_000)
    assert message.startswith("The workbook unpacks to")
    assert "Upload a CSV." in message


def test_a_workbook_that_claims_16384_columns_and_a_million_rows_reads_only_its_cells():
    xlsx = rewrite(
        workbook([["acme", "2026-01", "pumps", "1"]]),
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
    )
    started = time.monotonic()
    chunks = read("claims.xlsx", xlsx)
    assert time.monotonic() - started < 5
    assert chunks == [([2], [{"distributor": "acme", "month": "2026-01", "product_line": "pumps",
                              "amount": "1"}])]  # fmt: skip


def test_a_header_with_too_many_columns_is_refused_in_either_format():
    wide = [f"c{n}" for n in range(21)]
    assert "21 columns; at most 20" in refusal("wide.csv", (",".join(wide) + "\n1\n").encode())
    assert "21 columns; at most 20" in refusal("wide.xlsx", workbook([["1"]], header=wide))


def test_a_huge_line_is_refused_naming_it():
    content = ",".join(HEADER) + "\nacme,2026-01,pumps,1\nacme,2026-01,pumps," + "9" * 5000
    message = refusal("huge.csv", content.encode())
    assert message.startswith("Line 3 is longer than 4,096 bytes")


def test_a_huge_line_split_across_read_blocks_is_still_seen():
    content = ",".join(HEADER) + "\n" + "x" * ((1 << 20) + 10) + "\n"
    message = refusal("huge.csv", content.encode(), max_line_bytes=(1 << 20))
    assert message.startswith("Line 2 is longer than")


def test_a_huge_cell_is_refused_naming_its_row_and_column():
    xlsx = workbook([["acme", "2026-01", "pumps", "1"], ["acme", "2026-02", "p" * 1001, "1"]])
    message = refusal("huge.xlsx", xlsx)
    assert message.startswith("Row 3, column product_line: the value is 1,001 characters long")
    quoted = '"' + "multi\nline " * 200 + '"'
    csv = ",".join(HEADER) + f"\nacme,2026-01,{quoted},1\n"
    message = refusal("huge.csv", csv.encode())
    assert message.startswith("Row 2, column product_line: the value is 2,199 characters")


def test_rows_with_one_value_too_many_are_refused_instead_of_shifted():
    content = ",".join(HEADER) + "\nx,acme,2026-01,pumps,1\nx,acme,2026-02,pumps,2\n"
    message = refusal("shifted.csv", content.encode())
    assert message.startswith("Row 2 has more values than the header has columns")


def test_one_row_with_too_many_values_is_refused_naming_its_line():
    content = ",".join(HEADER) + "\nacme,2026-01,pumps,1\nacme,2026-02,pumps,2,3,4\n"
    message = refusal("ragged.csv", content.encode())
    assert message.startswith("Line 3 has 6 values but the header has 4 columns")


def test_a_formula_cell_is_never_evaluated():
    xlsx = workbook([["acme", "2026-01", "pumps", "=1+1"], ["acme", '=HYPERLINK("x")', "p", 2]])
    [(rows, records)] = read("formulas.xlsx", xlsx)
    # No result stored with the formulas (openpyxl writes none): blank, never computed.
    assert records[0]["amount"] == ""
    assert records[1]["month"] == ""


def test_formula_text_in_a_csv_stays_text():
    content = ",".join(HEADER) + '\nacme,2026-01,"=HYPERLINK(""http://x"")",1\n'
    [(rows, records)] = read("text.csv", content.encode())
    assert records[0]["product_line"] == '=HYPERLINK("http://x")'


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("pümps".encode("latin-1"), "not UTF-8 text (bad byte on line 2, byte 52)"),
        ("pumps".encode("utf-16"), "not UTF-8 text (bad byte on line 1, byte 0)"),
    ],
)
def test_a_file_that_is_not_utf8_is_refused_naming_the_line_and_byte(content, fragment):
    csv = (",".join(HEADER) + "\nacme,2026-01,").encode() + content + b",1\n"
    if content.startswith(b"\xff\xfe"):
        csv = content
    assert fragment in refusal("latin.csv", csv)


@pytest.mark.parametrize("name", ["empty.csv", "empty.xlsx"])
def test_an_empty_file_is_refused(name):
    assert refusal(name, b"") == "The file is empty."


def test_a_header_only_file_yields_one_chunk_without_rows_for_its_headers_to_be_checked():
    for name, content in (
        ("header.csv", (",".join(HEADER) + "\n").encode()),
        ("header.xlsx", workbook([])),
    ):
        chunks = list(read_chunks(name, io.BytesIO(content), **LIMITS))
        assert len(chunks) == 1
        rows, frame = chunks[0]
        assert list(rows) == [] and frame.empty
        assert list(frame.columns) == HEADER


@pytest.mark.parametrize("name", ["rows.csv", "rows.xlsx"])
def test_a_row_whose_first_cell_starts_with_a_hash_is_a_comment_skipped_with_its_number(name):
    rows = [
        ["# an example follows", "", "", ""],
        ["#acme", "2026-01", "pumps", "10"],
        ["acme", "2026-02", "pumps", "#5"],
    ]
    if name.endswith(".csv"):
        content = "\n".join(",".join(row) for row in [HEADER, *rows]).encode() + b"\n"
    else:
        content = workbook(rows)
    comments = []
    chunks = list(read_chunks(name, io.BytesIO(content), **LIMITS, comment_rows=comments))
    assert comments == [2, 3]
    assert [list(rows) for rows, _frame in chunks] == [[4]]
    assert chunks[0][1].iloc[0]["amount"] == "#5"  # only the first cell makes a comment


def excel_workbook(rows, header=HEADER):
    """A workbook as Excel writes it: every text in xl/sharedStrings.xml, cells pointing to it.

    (openpyxl writes its texts inline, so the shared strings part is built here.)
    """
    strings, sheet_rows = [], []
    for number, row in enumerate([header, *rows], start=1):
        cells = []
        for column, value in enumerate(row):
            ref = f"{chr(65 + column)}{number}"
            if isinstance(value, str):
                strings.append(value)
                cells.append(f'<c r="{ref}" t="s"><v>{len(strings) - 1}</v></c>')
            else:
                cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        sheet_rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{office}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{office}.sharedStrings+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{relationships}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{relationships}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{relationships}/worksheet" '
            'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{relationships}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>{"".join(sheet_rows)}</sheetData></worksheet>'
        ),
        "xl/sharedStrings.xml": (
            f'<sst xmlns="{main}">'
            + "".join(f"<si><t>{text}</t></si>" for text in strings)
            + "</sst>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_a_workbook_written_as_excel_writes_it_reads_its_shared_strings():
    chunks = read("excel.xlsx", excel_workbook([["acme", "2026-01", "pumps", 10]]))
    assert chunks[0][1][0]["product_line"] == "pumps"


def test_shared_strings_past_the_part_limit_are_refused_before_they_are_read():
    xlsx = excel_workbook([["acme", "2026-01", f"line {n}", 1] for n in range(2000)])
    message = refusal("texts.xlsx", xlsx, max_part_bytes=20_000)
    assert message.startswith("The workbook's part xl/sharedStrings.xml unpacks to")


def test_a_big_sheet_is_streamed_and_not_held_to_the_part_limit():
    xlsx = excel_workbook([[1, 2, 3, n] for n in range(2000)])
    assert zipfile.ZipFile(io.BytesIO(xlsx)).getinfo("xl/worksheets/sheet1.xml").file_size > 20_000
    chunks = read("numbers.xlsx", xlsx, max_part_bytes=20_000)
    assert sum(len(records) for _rows, records in chunks) == 2000


def test_a_sheet_the_workbook_does_not_declare_is_held_to_the_part_limit():
    xlsx = rewrite(
        excel_workbook([[1, 2, 3, n] for n in range(2000)]),
        "[Content_Types].xml",
        lambda xml: re.sub(rb'<Override PartName="/xl/worksheets/sheet1.xml"[^>]*/>', b"", xml),
    )
    message = refusal("undeclared.xlsx", xlsx, max_part_bytes=20_000)
    assert message.startswith("The workbook's part xl/worksheets/sheet1.xml unpacks to")


def test_a_workbook_with_an_entity_expansion_bomb_is_refused():
    laughs = (
        b'<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
    )
    xlsx = rewrite(
        excel_workbook([["acme", "2026-01", "pumps", 1]]),
        "xl/sharedStrings.xml",
        lambda xml: laughs + xml.replace(b"acme", b"&c;"),
    )
    assert refusal("laughs.xlsx", xlsx) == "The file is not a readable Excel .xlsx workbook."


@pytest.mark.parametrize("length", [10, 11])
@pytest.mark.parametrize("before", [0, 1, 5, 50])
def test_a_line_of_exactly_the_limit_passes_and_one_byte_more_is_refused(length, before):
    content = b"a\n" + b"y\n" * before + b"x" * length + b"\n" + b"z\n"
    if length <= 10:
        chunks = read("edge.csv", content, max_line_bytes=10)
        assert sum(len(records) for _rows, records in chunks) == before + 2
    else:
        message = refusal("edge.csv", content, max_line_bytes=10)
        assert message.startswith(f"Line {before + 2} is longer than 10 bytes")


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (1234567.89, "1234567.89"),  # not 1234567.8899999999: a money figure reads as written
        (0.1 + 0.2, "0.3"),  # a formula's result, to the 15 digits a spreadsheet keeps
        (12000.0, "12000"),
        (0.00001, "0.00001"),
        (99999999999.99, "99999999999.99"),
    ],
)
def test_a_workbooks_number_cell_reads_as_its_shortest_digits(number, text):
    [(_rows, records)] = read("numbers.xlsx", workbook([["acme", "2026-01", "pumps", number]]))
    assert records[0]["amount"] == "\x01" + text


def test_headers_are_read_without_case_spaces_or_accents():
    from ingest.readers import normalise_header

    assert normalise_header(" Unités ") == "unites"
    assert normalise_header("Catégorie client") == "categorie_client"
    assert normalise_header("Product-Line") == "product_line"
