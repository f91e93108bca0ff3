"""The revenue/investment import pipeline: checks, all-or-nothing commit, idempotent re-import."""

import datetime
import io
from decimal import Decimal

import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distributors import services
from distributors.models import Distributor, ImportBatch, Investment, RevenueRecord
from drm.errors import NotAllowed, ValidationFailed
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(db):
    return [factories.ProductLineFactory(code="pumps"), factories.ProductLineFactory(code="valves")]


@pytest.fixture
def category(db):
    return factories.CustomerCategoryFactory(code="oem")


def upload(user, content, name="figures.csv", kind="revenue"):
    """Upload and check synchronously (Celery is eager in tests); return the fresh batch."""
    if isinstance(content, str):
        content = content.encode("utf-8")
    batch = services.import_batch_create(
        user=user, kind=kind, uploaded_file=SimpleUploadedFile(name, content)
    )
    services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def commit(batch, user):
    services.import_batch_request_commit(batch=batch, by=user)
    services.import_batch_commit(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


GOOD = (
    "distributor,month,product_line,amount,units,margin,customer_category\n"
    "acme,2026-01,pumps,1000.50,10,200,oem\n"
    "acme,2026-01,valves,500,5,100,\n"
    "rival,2026-02,pumps,700,7,70,\n"
)


def test_a_clean_file_is_previewed_without_writing_anything(
    manager, distributor, other_distributor, lines, category
):
    batch = upload(manager, GOOD)
    assert batch.status == ImportBatch.Status.VALIDATED
    assert batch.total_rows == 3
    assert batch.created_rows == 3
    assert batch.preview[0]["distributor"] == "acme"
    assert batch.preview[0]["customer_category"] == "oem"
    assert RevenueRecord.objects.count() == 0


def test_committing_writes_every_row(manager, distributor, other_distributor, lines, category):
    batch = commit(upload(manager, GOOD), manager)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert RevenueRecord.objects.count() == 3
    record = RevenueRecord.objects.get(distributor=distributor, product_line=lines[0])
    assert record.amount == Decimal("1000.50")
    assert record.customer_category.code == "oem"
    assert record.month == datetime.date(2026, 1, 1)


def test_reimporting_the_same_file_replaces_figures_without_duplicates(
    manager, distributor, other_distributor, lines, category
):
    commit(upload(manager, GOOD), manager)
    changed = GOOD.replace("1000.50", "1111.00")
    batch = upload(manager, changed)
    # One row changes a stored figure; the two others repeat theirs (unchanged).
    assert (batch.total_rows, batch.created_rows, batch.updated_rows) == (3, 0, 1)
    assert "0 new, 1 change stored figures, 2 unchanged" in batch.message
    commit(batch, manager)
    assert batch.message == "Imported 3 rows: 0 new, 1 replaced, 2 unchanged."
    assert RevenueRecord.objects.count() == 3
    assert RevenueRecord.objects.get(
        distributor=distributor, product_line=lines[0]
    ).amount == Decimal("1111.00")


def test_semicolon_separated_csv_with_a_bom_is_read(manager, distributor, lines):
    content = "\ufeffdistributor;month;product_line;amount\nacme;2026-03;pumps;12,50\n"
    batch = upload(manager, content)
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    commit(batch, manager)
    assert RevenueRecord.objects.get().amount == Decimal("12.50")


def test_an_xlsx_file_is_imported(manager, distributor, lines):
    frame = pd.DataFrame(
        [{"Distributor": "acme", "Month": "2026-04", "Product line": "valves", "Amount": 99.5}]
    )
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False)
    batch = commit(upload(manager, buffer.getvalue(), name="figures.xlsx"), manager)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert RevenueRecord.objects.get().amount == Decimal("99.50")


@pytest.mark.parametrize(
    ("content", "row", "column", "fragment"),
    [
        ("acme,2026-13,pumps,10", 2, "month", "'2026-13' is not a month"),
        ("acme,,pumps,10", 2, "month", "is required"),
        ("acme,2026-01,pumps,-10", 2, "amount", "is negative"),
        ("acme,2026-01,pumps,ten", 2, "amount", "'ten' is not a number"),
        ("ghost,2026-01,pumps,10", 2, "distributor", "unknown distributor code 'ghost'"),
        ("acme,2026-01,hoses,10", 2, "product_line", "unknown product line 'hoses'"),
    ],
)
def test_a_bad_row_is_named_and_nothing_is_imported(
    manager, distributor, lines, content, row, column, fragment
):
    good_row = "acme,2026-02,pumps,10"
    batch = upload(manager, f"distributor,month,product_line,amount\n{good_row}\n{content}\n")
    assert batch.status == ImportBatch.Status.INVALID
    assert {"row": row + 1, "column": column} == {k: batch.errors[0][k] for k in ("row", "column")}
    assert fragment in batch.errors[0]["message"]
    assert RevenueRecord.objects.count() == 0
    with pytest.raises(ValidationFailed):
        services.import_batch_request_commit(batch=batch, by=manager)


def test_a_row_repeated_in_the_same_file_is_an_error(manager, distributor, lines):
    batch = upload(
        manager,
        "distributor,month,product_line,amount\nacme,2026-01,pumps,1\nacme,2026-01,pumps,2\n",
    )
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["row"] == 3
    assert "repeats the figures of row 2" in batch.errors[0]["message"]


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("distributor,month,amount\nacme,2026-01,1\n", "missing column: product_line"),
        (
            "distributor,month,product_line,amount,colour\nacme,2026-01,pumps,1,red\n",
            "unknown column: colour",
        ),
        (
            "distributor,month,product_line,amount\nacme,2026-01,pümps,1\n".encode("latin-1"),
            "not UTF-8",
        ),
    ],
)
def test_a_bad_file_gets_one_clear_error_and_nothing_is_imported(
    manager, distributor, lines, content, fragment
):
    batch = upload(manager, content)
    assert batch.status == ImportBatch.Status.INVALID
    assert fragment in batch.message
    assert batch.errors[0]["row"] is None
    assert RevenueRecord.objects.count() == 0


def test_a_corrupt_xlsx_is_refused(manager, distributor, lines):
    batch = upload(manager, b"PK\x03\x04 this is not a workbook", name="broken.xlsx")
    assert batch.status == ImportBatch.Status.INVALID
    assert "not a readable Excel" in batch.message


def test_a_file_over_the_size_limit_is_refused_before_it_is_stored(manager, settings):
    settings.IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationFailed) as error:
        upload(manager, "x" * 101)
    assert error.value.field == "file"
    assert "limit" in error.value.message
    assert ImportBatch.objects.count() == 0


def test_a_file_that_is_not_csv_or_xlsx_is_refused(manager):
    with pytest.raises(ValidationFailed) as error:
        upload(manager, "hello", name="figures.pdf")
    assert error.value.field == "file"
    assert ImportBatch.objects.count() == 0


def test_an_empty_file_is_refused(manager):
    with pytest.raises(ValidationFailed):
        upload(manager, b"")


def test_partner_cannot_upload_figures_for_another_distributor(partner, other_distributor, lines):
    batch = upload(
        partner,
        "distributor,month,product_line,amount\nacme,2026-01,pumps,1\nrival,2026-01,pumps,2\n",
    )
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors == [
        {
            "row": 3,
            "column": "distributor",
            "message": "'rival' is not your distributor code (yours is acme)",
        }
    ]
    assert RevenueRecord.objects.count() == 0


def test_partner_cannot_upload_investments(partner):
    with pytest.raises(NotAllowed):
        upload(partner, "distributor,date,kind,amount,value\n", kind="investment")


def test_outsider_cannot_commit_a_partners_batch(partner, outsider, lines):
    batch = upload(partner, "distributor,month,product_line,amount\nacme,2026-01,pumps,1\n")
    with pytest.raises(NotAllowed):
        services.import_batch_request_commit(batch=batch, by=outsider)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED


def test_user_without_a_role_cannot_upload(nobody):
    with pytest.raises(NotAllowed):
        upload(nobody, "distributor,month,product_line,amount\n")


def test_investments_are_imported_and_upserted_on_distributor_date_and_kind(manager, distributor):
    content = (
        "distributor,date,kind,amount,value,note\n"
        "acme,2026-01-15,market_funds,5000,5000,Spring\n"
        "acme,2026-01-15,training_days,3,2400,\n"
    )
    commit(upload(manager, content, kind="investment"), manager)
    commit(upload(manager, content.replace("2400", "2600"), kind="investment"), manager)
    assert Investment.objects.count() == 2
    assert Investment.objects.get(kind="training_days").value == Decimal("2600")


def test_an_unknown_investment_kind_is_named(manager, distributor):
    batch = upload(
        manager,
        "distributor,date,kind,amount,value\nacme,2026-01-15,yachts,1,1\n",
        kind="investment",
    )
    assert batch.errors[0]["column"] == "kind"
    assert "'yachts' is not one of" in batch.errors[0]["message"]


def test_a_commit_that_crashes_halfway_writes_nothing(
    manager, distributor, lines, settings, monkeypatch
):
    settings.IMPORT_CHUNK_ROWS = 2
    rows = "".join(f"acme,2026-{m:02d},pumps,{m}\n" for m in range(1, 7))
    batch = upload(manager, "distributor,month,product_line,amount\n" + rows)
    services.import_batch_request_commit(batch=batch, by=manager)
    real_publish = services.publish
    written = []

    def crash_after_writing(*args, **kwargs):
        written.append(real_publish(*args, **kwargs))
        assert RevenueRecord.objects.count() == 6  # inside the transaction, all rows are in
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "publish", crash_after_writing)
    from distributors.tasks import import_batch_commit_task

    result = import_batch_commit_task.apply(args=[batch.pk])
    assert isinstance(result.result, RuntimeError)
    batch.refresh_from_db()
    assert written == [(6, 0)]
    assert RevenueRecord.objects.count() == 0
    assert batch.status == ImportBatch.Status.FAILED
    assert "nothing was written" in batch.message
    assert "disk full" not in batch.message


def test_a_redelivered_commit_does_not_write_twice(manager, distributor, lines):
    batch = commit(
        upload(manager, "distributor,month,product_line,amount\nacme,2026-01,pumps,1\n"), manager
    )
    services.import_batch_commit(batch_id=batch.pk)
    assert RevenueRecord.objects.count() == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED


def test_stale_uncommitted_uploads_expire(manager, distributor, lines, settings):
    from django.utils import timezone

    settings.IMPORT_EXPIRE_HOURS = 1
    old = upload(manager, "distributor,month,product_line,amount\nacme,2026-01,pumps,1\n")
    done = commit(
        upload(manager, "distributor,month,product_line,amount\nacme,2026-02,pumps,1\n"), manager
    )
    ImportBatch.objects.update(created_at=timezone.now() - datetime.timedelta(hours=2))
    stage = services._stage(old)
    assert stage.exists()
    assert services.import_batches_expire() == 1
    old.refresh_from_db()
    done.refresh_from_db()
    assert old.status == ImportBatch.Status.EXPIRED
    assert old.content is None
    assert not stage.exists()
    assert done.status == ImportBatch.Status.COMMITTED
    assert done.content is None  # dropped at commit
    assert RevenueRecord.objects.count() == 1


def test_distributor_save_refuses_partners(partner, distributor):
    distributor.name = "Renamed by partner"
    with pytest.raises(NotAllowed):
        services.distributor_save(distributor=distributor, by=partner)


def test_distributor_save_follows_the_status_transitions(manager, distributor):
    services.distributor_save(distributor=distributor, by=manager, changed_status="probation")
    distributor.refresh_from_db()
    assert distributor.status == "probation"
    services.distributor_save(distributor=distributor, by=manager, changed_status="terminated")
    with pytest.raises(ValidationFailed) as error:
        services.distributor_save(distributor=distributor, by=manager, changed_status="active")
    assert error.value.field == "status"


def test_distributor_save_keeps_the_code_it_was_created_with(manager, distributor):
    distributor.code = "acme-renamed"
    with pytest.raises(ValidationFailed) as error:
        services.distributor_save(distributor=distributor, by=manager)
    assert error.value.field == "code"
    assert Distributor.objects.filter(code="acme", pk=distributor.pk).exists()


def test_progress_reads_rows_checked_from_the_batch(manager):
    batch = ImportBatch(
        uploaded_by=manager, total_rows=200, processed_rows=50, status=ImportBatch.Status.VALIDATING
    )
    assert services.import_batch_progress(batch=batch) == (50, 200, 25)


def test_progress_of_a_commit_has_no_steps_to_count(manager):
    # The commit is one INSERT … ON CONFLICT: the page shows it running, not a made-up percent.
    batch = ImportBatch(
        uploaded_by=manager, total_rows=10, processed_rows=0, status=ImportBatch.Status.COMMITTING
    )
    assert services.import_batch_progress(batch=batch) == (0, 10, None)
