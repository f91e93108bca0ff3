"""Hostile uploads to the revenue and MQL imports: one clear error each, and nothing written."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook

from distributors import services
from distributors.models import ImportBatch, RevenueRecord
from drm.errors import ValidationFailed
from leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db

HEADERS = {
    "revenue": ["distributor", "month", "product_line", "amount"],
    "lead": ["source", "external_ref", "company", "country"],
}
GOOD_ROWS = {
    "revenue": ["acme", "2026-01", "pumps", "10"],
    "lead": ["fair", "R-1", "Company 1", "de"],
}


@pytest.fixture
def world(distributor):
    factories.ProductLineFactory(code="pumps")
    factories.LeadSourceFactory(code="fair")


def stage_tables():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'ingest_stage_%%'")
        return {row[0] for row in cursor.fetchall()}


@pytest.fixture(autouse=True)
def _stages_before():
    """The stage tables left by the tests that ran before in this database (a job killed on
    purpose elsewhere may leave one until its clean-up runs): not this test's doing."""
    global STAGES_BEFORE
    STAGES_BEFORE = stage_tables()


STAGES_BEFORE = set()


def nothing_written():
    staged = stage_tables() - STAGES_BEFORE
    return not staged and not RevenueRecord.objects.exists() and not Lead.objects.exists()


def create(user, kind, name, content):
    return services.import_batch_create(
        user=user, kind=kind, uploaded_file=SimpleUploadedFile(name, content)
    )


def checked(user, kind, name, content):
    batch = create(user, kind, name, content)
    services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def csv_file(kind, *rows):
    lines = [",".join(HEADERS[kind]), *(",".join(row) for row in rows)]
    return ("\n".join(lines) + "\n").encode()


def xlsx_file(kind, *rows, extra_columns=0):
    book = Workbook()
    book.active.append(HEADERS[kind] + [f"extra{n}" for n in range(extra_columns)])
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb(kind):
    source = zipfile.ZipFile(io.BytesIO(xlsx_file(kind, GOOD_ROWS[kind])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info.filename))
        with target.open("xl/media/padding.bin", "w") as part:
            for _ in range(64):
                part.write(b"\0" * (1 << 20))
    return buffer.getvalue()


KINDS = pytest.mark.parametrize("kind", ["revenue", "lead"])


@KINDS
@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("figures.csv", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "“figures.csv” is a PNG image"),
        ("figures.csv", b"PK\x03\x04\x14\0\0\0", "If it is an Excel workbook, save it as .xlsx."),
        ("figures.xlsx", b"distributor,month\n", "“figures.xlsx” is text or an unknown format"),
        ("figures.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", "Excel 97-2003 workbook"),
        ("figures.txt", b"distributor,month\n", "Upload a .csv or .xlsx file."),
        ("figures.csv", b"", "The file is empty."),
    ],
)
def test_a_mislabelled_or_empty_file_is_refused_on_the_form_and_not_stored(
    manager, world, kind, name, content, fragment
):
    with pytest.raises(ValidationFailed) as error:
        create(manager, kind, name, content)
    assert error.value.field == "file"
    assert fragment in error.value.message
    assert not ImportBatch.objects.exists()
    assert nothing_written()


@KINDS
@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("bomb.xlsx", zip_bomb, "times its size"),
        (
            "wide.csv",
            lambda kind: csv_file(kind) + b",".join([b"x"] * 200),
            "Row 2 has more values than the header has columns",
        ),
        (
            "wide.xlsx",
            lambda kind: xlsx_file(kind, GOOD_ROWS[kind], extra_columns=200),
            "The header row has 204 columns; at most 100 are read.",
        ),
        (
            "long.csv",
            lambda kind: csv_file(kind, [*GOOD_ROWS[kind][:3], "9" * 70_000]),
            "Line 2 is longer than 65,536 bytes",
        ),
        (
            "long.xlsx",
            lambda kind: xlsx_file(kind, [*GOOD_ROWS[kind][:2], "x" * 20_000, "1"]),
            "Row 2, column",
        ),
        (
            "latin1.csv",
            lambda kind: csv_file(kind, GOOD_ROWS[kind]) + "Zürich".encode("latin-1"),
            "not UTF-8 text (bad byte on line 3",
        ),
    ],
)
def test_a_hostile_file_gets_one_clear_error_and_nothing_is_written(
    manager, world, kind, name, content, fragment
):
    batch = checked(manager, kind, name, content(kind))
    assert batch.status == ImportBatch.Status.INVALID
    assert fragment in batch.message
    assert nothing_written()


@KINDS
def test_a_formula_cell_without_a_stored_result_is_a_blank_named_by_row_and_column(
    manager, world, kind
):
    row = [*GOOD_ROWS[kind][:2], '=CONCATENATE("a","b")', GOOD_ROWS[kind][3]]
    batch = checked(manager, kind, "formula.xlsx", xlsx_file(kind, row))
    assert batch.status == ImportBatch.Status.INVALID
    error = batch.errors[0]
    assert (error["row"], error["column"]) == (2, HEADERS[kind][2])
    assert nothing_written()


def test_formula_text_in_a_csv_is_stored_as_text_and_exported_harmless(login, manager, world):
    company = '=HYPERLINK("http://evil.example","Click")'
    content = csv_file("lead", ["fair", "R-1", '"' + company.replace('"', '""') + '"', "de"])
    batch = checked(manager, "lead", "mqls.csv", content)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    services.import_batch_request_commit(batch=batch, by=manager)
    services.import_batch_commit(batch_id=batch.pk)
    assert Lead.objects.get().company == company
    exported = b"".join(login(manager).get(reverse("leads:export")).streaming_content).decode()
    assert "'=HYPERLINK" in exported
    assert ",=HYPERLINK" not in exported
