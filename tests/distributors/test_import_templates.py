"""The downloadable templates: uploaded as they are downloaded they check cleanly with no row to
import; the CSV's example row is marked as one and skipped, and is a valid row once unmarked;
the workbook's second sheet explains each column."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distributors import services
from distributors.imports import SPECS
from distributors.models import ImportBatch, Investment, RevenueRecord
from drm.errors import ValidationFailed
from identity.models import UserProfile
from leads.models import Lead
from partnership.models import Completion, Course
from tests import factories

pytestmark = pytest.mark.django_db

CASES = [("partner", "revenue"), ("manager", "revenue"), ("manager", "investment")]
CASES += [("manager", "lead"), ("manager", "completion")]


def download(client, kind, file_format):
    route = "distributors:import-template" + ("-xlsx" if file_format == "xlsx" else "")
    response = client.get(reverse(route, args=[kind]))
    assert response.status_code == 200
    assert f'filename="{kind}-template.{file_format}"' in response["Content-Disposition"]
    return response.content


def checked(user, kind, name, content):
    batch = services.import_batch_create(
        user=user, kind=kind, uploaded_file=SimpleUploadedFile(name, content)
    )
    services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def nothing_stored():
    return not (
        RevenueRecord.objects.exists()
        or Investment.objects.exists()
        or Lead.objects.exists()
        or Completion.objects.exists()
    )


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
@pytest.mark.parametrize(("persona", "kind"), CASES)
def test_a_template_uploaded_as_downloaded_checks_cleanly_with_no_row_to_import(
    request, login, persona, kind, file_format
):
    user = request.getfixturevalue(persona)
    content = download(login(user), kind, file_format)

    batch = checked(user, kind, f"template.{file_format}", content)

    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert (batch.total_rows, batch.error_count, batch.errors) == (0, 0, [])
    expected = "The file holds no row to import."
    if file_format == "csv":
        expected += " 2 rows starting with # skipped (rows 2, 3)."
    assert batch.message == expected
    page = login(user).get(reverse("distributors:import-detail", args=[batch.pk]))
    html = page.content.decode()
    assert 'id="import-empty"' in html and 'id="commit-button"' not in html
    with pytest.raises(ValidationFailed):
        services.import_batch_request_commit(batch=batch, by=user)
    assert nothing_stored()


@pytest.fixture
def examples_exist(db):
    """The reference data the templates' examples name."""
    factories.DistributorFactory(code="atlantique")
    factories.ProductLineFactory(code="pumps")
    factories.CustomerCategoryFactory(code="oem")
    factories.LeadSourceFactory(code="website")
    factories.MembershipFactory(
        user=factories.UserFactory(username="claire", email="claire.martin@example.com"),
        distributor=factories.DistributorFactory(code="acme"),
    )
    Course.objects.create(code="pumps-101", title="Pumps", language="en", duration_minutes=60)


@pytest.mark.parametrize("kind", ["revenue", "investment", "lead", "completion"])
def test_the_csv_example_row_is_a_valid_row_once_its_mark_is_removed(
    login, manager, examples_exist, kind
):
    lines = download(login(manager), kind, "csv").decode().splitlines()
    assert lines[1].startswith('"# ') and lines[2].startswith("# ")
    header = lines[0].split(",")
    assert header == [c.name for c in SPECS[kind].columns if not c.ignored]
    unmarked = "\n".join([lines[0], lines[2].removeprefix("# ")]) + "\n"

    batch = checked(manager, kind, "example.csv", unmarked.encode())

    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert (batch.total_rows, batch.created_rows) == (1, 1)
    # Every column of the example holds a value.
    assert all(value != "" for value in next(iter(batch.preview)).values())


def test_the_workbook_template_explains_each_column_on_its_second_sheet(login, manager):
    book = openpyxl.load_workbook(io.BytesIO(download(login(manager), "revenue", "xlsx")))
    data, guide = book.worksheets
    columns = [c for c in SPECS["revenue"].columns if not c.ignored]
    assert [cell.value for cell in data[1]] == [c.name for c in columns]
    assert data.max_row == 1
    rows = list(guide.iter_rows(values_only=True))
    assert rows[0] == ("Column", "Required", "Meaning", "Format", "Example")
    explained = {row[0]: row[1:] for row in rows[1 : len(columns) + 1]}
    assert explained["amount"] == (
        "yes",
        "Net sales of the month, in the row's currency.",
        str(SPECS["revenue"].column("amount").format_text),
        "12000.00",
    )
    assert explained["customer_category"][0] == "no"
    assert any("/imports/codes/" in str(row[0]) for row in rows[len(columns) + 1 :] if row[0])


def test_a_french_reader_downloads_templates_explained_in_french(login, partner):
    UserProfile.objects.create(user=partner, language="fr")
    client = login(partner)
    lines = download(client, "revenue", "csv").decode().splitlines()
    assert lines[0].startswith("distributor,month,")  # the names every language reads
    assert "sont ignorées" in lines[1]
    book = openpyxl.load_workbook(io.BytesIO(download(client, "revenue", "xlsx")))
    guide = book.worksheets[1]
    assert guide.title == "Colonnes"
    assert next(guide.iter_rows(values_only=True))[0] == "Colonne"


def test_rows_added_under_the_example_keep_their_numbers_in_errors_and_nothing_is_written(
    login, partner, distributor
):
    factories.ProductLineFactory(code="pumps")
    template = download(login(partner), "revenue", "csv").decode()
    filled = template + "acme,2026-01,pumps,,,100,,\nacme,2026-02,pumps,,,ten,,\n"

    batch = checked(partner, "revenue", "filled.csv", filled.encode())

    assert batch.status == ImportBatch.Status.INVALID
    assert [(e["row"], e["column"]) for e in batch.errors] == [(5, "amount")]
    assert "'ten' is not a number" in batch.errors[0]["message"]
    assert nothing_stored()
