"""An export reads back: the revenue report's CSV or XLSX, in either language, uploaded as it is
downloaded, checks without an error and changes nothing; so does the lead export."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distributors import services
from distributors.models import ExchangeRate, ImportBatch, RevenueRecord
from drm import periods
from identity.models import UserProfile
from leads.models import Lead
from tests import factories

pytestmark = pytest.mark.django_db


def checked(user, name, content, kind="revenue"):
    batch = services.import_batch_create(
        user=user, kind=kind, uploaded_file=SimpleUploadedFile(name, content)
    )
    services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def committed(batch, user):
    services.import_batch_request_commit(batch=batch, by=user)
    services.import_batch_commit(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def stored_revenue():
    return sorted(
        RevenueRecord.objects.values_list(
            "distributor__code",
            "month",
            "product_line__code",
            "customer_category__code",
            "currency",
            "amount",
            "units",
            "margin",
            "reporting_amount",
            "updated_at",
        ),
        key=str,
    )


@pytest.fixture
def revenue(distributor, other_distributor):
    """Figures of acme over three months: two product lines, one split by customer category,
    one reported in another currency, a negative-looking code; and a figure of rival."""
    last = periods.complete_months(12).last
    earlier = periods.add_months(last, -1)
    pumps = factories.ProductLineFactory(code="pumps")
    valves = factories.ProductLineFactory(code="valves")
    oem = factories.CustomerCategoryFactory(code="oem")
    public = factories.CustomerCategoryFactory(code="public")
    ExchangeRate.objects.create(currency="USD", month=earlier, rate=Decimal("0.9"))
    for month in (earlier, last):
        factories.RevenueRecordFactory(
            distributor=distributor,
            month=month,
            product_line=pumps,
            customer_category=oem,
            amount=Decimal("12000.00"),
            units=8,
            margin=Decimal("3000.50"),
        )
        factories.RevenueRecordFactory(
            distributor=distributor,
            month=month,
            product_line=pumps,
            customer_category=public,
            amount=Decimal("1234567.89"),
            units=1200,
            margin=Decimal("0.00"),
        )
    factories.RevenueRecordFactory(
        distributor=distributor,
        month=earlier,
        product_line=valves,
        currency="USD",
        amount=Decimal("0.10"),
        units=0,
        margin=Decimal("0.01"),
    )
    factories.RevenueRecordFactory(distributor=other_distributor, month=last, product_line=valves)
    return RevenueRecord.objects.filter(distributor=distributor).count()


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_partners_revenue_export_imports_as_it_is_and_changes_nothing(
    login, partner, revenue, language, file_format
):
    UserProfile.objects.create(user=partner, language=language)
    client = login(partner)
    export = client.get(reverse("distributors:my-revenue"), {"format": file_format})
    assert export.status_code == 200
    before = stored_revenue()

    batch = checked(partner, f"export.{file_format}", export.content)

    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert batch.total_rows == revenue
    assert (batch.created_rows, batch.updated_rows) == (0, 0)
    assert {row["status"] for row in batch.preview} == {"unchanged"}
    page = client.get(reverse("distributors:import-detail", args=[batch.pk]))
    assert page.context["counts"] == {"new": 0, "changed": 0, "skipped": 0, "unchanged": revenue}
    assert page.context["changes"] == []

    batch = committed(batch, partner)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert (batch.created_rows, batch.updated_rows) == (0, 0)
    # Same figures, and not even rewritten: their update stamps are the ones they had.
    assert stored_revenue() == before


def test_a_managers_export_of_one_distributor_imports_as_it_is(login, manager, revenue):
    export = login(manager).get(reverse("distributors:revenue", args=["acme"]), {"format": "csv"})
    header = export.content.decode().splitlines()[0]
    assert header.startswith("distributor,month,product_line,customer_category,currency,amount")
    batch = checked(manager, "acme.csv", export.content)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    assert (batch.total_rows, batch.created_rows, batch.updated_rows) == (revenue, 0, 0)


def test_an_export_edited_in_one_figure_changes_that_figure_only(login, partner, revenue):
    export = login(partner).get(reverse("distributors:my-revenue"), {"format": "csv"})
    lines = export.content.decode().splitlines()
    edited = next(i for i, line in enumerate(lines) if ",12000.00," in line)
    lines[edited] = lines[edited].replace(",12000.00,", ",13500.00,")
    untouched = {
        pk: stamp
        for pk, stamp, amount in RevenueRecord.objects.values_list("pk", "updated_at", "amount")
        if amount != Decimal("12000.00")
    }

    batch = committed(checked(partner, "edited.csv", "\n".join(lines).encode()), partner)

    assert (batch.created_rows, batch.updated_rows) == (0, 1)
    assert RevenueRecord.objects.filter(amount=Decimal("13500.00")).count() == 1
    assert (
        dict(RevenueRecord.objects.filter(pk__in=untouched).values_list("pk", "updated_at"))
        == untouched
    )


def test_the_lead_export_imports_as_it_is_and_every_lead_is_skipped(login, manager):
    source = factories.LeadSourceFactory(code="fair")
    line = factories.ProductLineFactory(code="pumps")
    factories.LeadFactory(source=source, external_ref="R-1", company="=Formula Corp")
    factories.LeadFactory(
        source=source,
        external_ref="-2",
        product_line=line,
        estimated_value=Decimal("25000.50"),
        currency="EUR",
        mql_score=72,
        country="FR",
        region="Bretagne",
    )
    factories.LeadFactory(source=source, external_ref="R-3", contact_email="")
    before = list(Lead.objects.order_by("pk").values())
    client = login(manager)
    for file_format in ("csv", "xlsx"):
        export = client.get(reverse("leads:export"), {"format": file_format})
        assert export.status_code == 200
        content = b"".join(export.streaming_content) if export.streaming else export.content
        batch = checked(manager, f"leads.{file_format}", content, kind="lead")
        assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
        assert (batch.total_rows, batch.created_rows, batch.updated_rows) == (3, 0, 3)
        assert {row["status"] for row in batch.preview} == {"skipped"}
        batch = committed(batch, manager)
        assert batch.created_rows == 0
    assert list(Lead.objects.order_by("pk").values()) == before


def test_a_french_export_with_a_bad_value_is_refused_naming_the_row_and_the_files_column(
    login, partner, revenue
):
    UserProfile.objects.create(user=partner, language="fr")
    export = login(partner).get(reverse("distributors:my-revenue"), {"format": "csv"})
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("distributeur,mois,gamme,categorie_client,devise,montant")
    edited = next(i for i, line in enumerate(lines) if ",12000.00," in line)
    lines[edited] = lines[edited].replace(",12000.00,", ",douze mille,")
    before = stored_revenue()

    batch = checked(partner, "bad.csv", "\n".join(lines).encode())

    assert batch.status == ImportBatch.Status.INVALID
    # Row numbers as a spreadsheet shows them (the headers are row 1); the column as named in
    # the file; the message in the uploader's language.
    assert batch.errors == [
        {
            "row": edited + 1,
            "column": "montant",
            "message": "'douze mille' n'est pas un nombre au format 1,234.56",
        }
    ]
    assert stored_revenue() == before


def test_a_text_an_export_quoted_against_formulas_reads_back_as_it_was(manager, distributor):
    factories.ProductLineFactory(code="pumps")
    source = factories.LeadSourceFactory(code="fair")
    content = (
        b"source,external_ref,company,country\nfair,'-7,'=Formula Corp,DE\nfair,'plain,'Quoted,DE\n"
    )
    committed(checked(manager, "leads.csv", content, kind="lead"), manager)
    assert sorted(Lead.objects.filter(source=source).values_list("external_ref", "company")) == [
        ("'plain", "'Quoted"),
        ("-7", "=Formula Corp"),
    ]
