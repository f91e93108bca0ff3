"""The import engine end to end: separators, future months, limits, errors, bombs, races."""

import datetime
import io
import json
import os
import subprocess
import sys
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distributors import services
from distributors.models import ImportBatch, RevenueRecord
from drm import periods
from tests import factories
from tests.workers import ROOT, database_url

HEADER = "distributor,month,product_line,amount\n"

pytestmark = pytest.mark.django_db


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps")


def upload(user, content, name="figures.csv", number_format="auto"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    batch = services.import_batch_create(
        user=user,
        kind="revenue",
        uploaded_file=SimpleUploadedFile(name, content),
        number_format=number_format,
    )
    services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def commit(batch, user):
    services.import_batch_request_commit(batch=batch, by=user)
    services.import_batch_commit(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def test_1_250_in_a_point_file_is_one_thousand_two_hundred_and_fifty(manager, distributor, pumps):
    batch = upload(manager, HEADER + 'acme,2026-01,pumps,"1,250"\nacme,2026-02,pumps,"3,400.50"\n')
    assert batch.status == ImportBatch.Status.VALIDATED
    assert batch.number_format_used == "point"
    commit(batch, manager)
    assert RevenueRecord.objects.get(month=datetime.date(2026, 1, 1)).amount == Decimal("1250.00")


def test_1_250_declared_as_comma_decimals_is_one_and_a_quarter(manager, distributor, pumps):
    batch = upload(manager, HEADER + 'acme,2026-01,pumps,"1,250"\n', number_format="comma")
    commit(batch, manager)
    assert RevenueRecord.objects.get().amount == Decimal("1.25")


def test_1_250_alone_is_refused_instead_of_guessed(manager, distributor, pumps):
    batch = upload(manager, HEADER + 'acme,2026-01,pumps,"1,250"\n')
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[0]["row"] == 2
    assert "could be read two ways" in batch.errors[0]["message"]
    assert RevenueRecord.objects.count() == 0


def test_the_preview_page_says_how_numbers_were_read(login, manager, distributor, pumps):
    batch = upload(manager, HEADER + 'acme,2026-01,pumps,"1.234,50"\n')
    page = login(manager).get(reverse("distributors:import-detail", args=[batch.pk]))
    assert b'id="import-number-format"' in page.content
    assert b"1.234,56" in page.content
    assert batch.preview[0]["amount"] == "1234.50"


def test_a_future_month_is_refused(manager, distributor, pumps):
    next_month = periods.add_months(periods.current_month(), 1)
    batch = upload(manager, HEADER + f"acme,{next_month:%Y-%m},pumps,10\n")
    assert batch.status == ImportBatch.Status.INVALID
    assert "in the future" in batch.errors[0]["message"]


def test_values_at_the_column_limits_are_stored_and_beyond_them_refused(
    manager, distributor, pumps
):
    header = "distributor,month,product_line,amount,units,margin\n"
    batch = upload(manager, header + "acme,2026-01,pumps,99999999999999.99,2147483647,0\n")
    commit(batch, manager)
    record = RevenueRecord.objects.get()
    assert record.amount == Decimal("99999999999999.99")
    assert record.units == 2147483647
    refused = upload(
        manager,
        header
        + "acme,2026-02,pumps,100000000000000,1,0\n"
        + "acme,2026-03,pumps,10,2147483648,0\n"
        + "acme,2026-04,pumps,10,1,11\n",
    )
    assert [(e["row"], e["column"]) for e in refused.errors] == [
        (2, "amount"),
        (3, "units"),
        (4, "margin"),
    ]


def test_every_error_is_downloadable_not_only_the_first_200(login, manager, distributor, pumps):
    rows = "".join(f"acme,2026-01,pumps,bad{n}\n" for n in range(300))
    batch = upload(manager, HEADER + rows)
    assert batch.error_count == 300
    assert len(batch.errors) == 200
    response = login(manager).get(reverse("distributors:import-errors", args=[batch.pk]))
    lines = response.content.decode().splitlines()
    assert lines[0] == "row,column,message"
    assert len(lines) == 301
    assert "bad299" in lines[-1]


def test_another_partner_cannot_download_the_errors(login, partner, outsider, distributor, pumps):
    batch = upload(partner, HEADER + "acme,2026-01,pumps,bad\n")
    response = login(outsider).get(reverse("distributors:import-errors", args=[batch.pk]))
    assert response.status_code == 404


def test_a_row_cap_refuses_longer_files(manager, distributor, pumps, settings):
    settings.IMPORT_MAX_ROWS = 3
    rows = "".join(f"acme,2026-{m:02d},pumps,1\n" for m in range(1, 6))
    batch = upload(manager, HEADER + rows)
    assert batch.status == ImportBatch.Status.INVALID
    assert "more than 3 rows" in batch.message


def test_spreadsheet_number_cells_are_numbers_whatever_the_declared_format(
    manager, distributor, pumps
):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["distributor", "month", "product_line", "amount"])
    sheet.append(["acme", "2026-01", "pumps", 1250.5])
    buffer = io.BytesIO()
    book.save(buffer)
    batch = upload(manager, buffer.getvalue(), name="f.xlsx", number_format="comma")
    commit(batch, manager)
    assert RevenueRecord.objects.get().amount == Decimal("1250.50")


def test_a_workbook_that_unpacks_to_far_more_than_its_size_is_refused(manager, distributor):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (50 * 1024 * 1024))
    assert len(buffer.getvalue()) < 200_000
    batch = upload(manager, buffer.getvalue(), name="bomb.xlsx")
    assert batch.status == ImportBatch.Status.INVALID
    assert "unpacks to" in batch.message


def test_an_oversized_upload_stops_being_stored_while_it_streams(
    login, partner, settings, monkeypatch
):
    from django.core.files.uploadhandler import MemoryFileUploadHandler

    settings.IMPORT_MAX_BYTES = 100_000
    stored = []
    real = MemoryFileUploadHandler.receive_data_chunk

    def counting(self, raw_data, start):
        stored.append(len(raw_data))
        return real(self, raw_data, start)

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", counting)
    big = SimpleUploadedFile("big.csv", b"x" * 3_000_000)
    response = login(partner).post(
        reverse("distributors:import-create"), {"kind": "revenue", "file": big}
    )
    assert response.status_code == 200
    assert "limit" in response.context["form"].errors["file"][0]
    assert ImportBatch.objects.count() == 0
    assert sum(stored) == 0  # refused on Content-Length, before the first byte was kept


def test_a_task_that_cannot_be_queued_fails_the_batch(manager, distributor, pumps, monkeypatch):
    from distributors import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable at redis://10.0.0.1")

    monkeypatch.setattr(tasks.import_batch_validate_task, "delay", broker_down)
    batch = services.import_batch_create(
        user=manager,
        kind="revenue",
        uploaded_file=SimpleUploadedFile("f.csv", (HEADER + "acme,2026-01,pumps,1\n").encode()),
    )
    services._enqueue("validate", batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "could not be queued" in batch.message
    assert "redis" not in batch.message


def test_a_check_whose_retries_run_out_ends_failed(manager, distributor, pumps, monkeypatch):
    from django.db import OperationalError

    from distributors import tasks

    batch = ImportBatch.objects.create(
        kind="revenue", filename="f.csv", content=b"x", uploaded_by=manager
    )

    def database_away(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "import_batch_validate", database_away)
    monkeypatch.setattr(tasks.import_batch_validate_task, "max_retries", 1)
    result = tasks.import_batch_validate_task.apply(args=[batch.pk])
    assert result.failed()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert "nothing was imported" in batch.message
    assert "server closed" not in batch.message


def test_a_job_that_died_is_failed_by_the_expiry_run(manager):
    from django.utils import timezone

    batch = ImportBatch.objects.create(
        kind="revenue",
        filename="f.csv",
        content=b"x",
        uploaded_by=manager,
        status=ImportBatch.Status.COMMITTING,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        updated_at=timezone.now() - datetime.timedelta(hours=3)
    )
    services.import_batches_expire()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED


def test_the_status_fragment_stops_polling_once_the_batch_failed(login, manager):
    batch = ImportBatch.objects.create(
        kind="revenue",
        filename="f.csv",
        uploaded_by=manager,
        status=ImportBatch.Status.FAILED,
        message="The import failed and nothing was written. Try again.",
    )
    response = login(manager).get(
        reverse("distributors:import-status", args=[batch.pk]), HTTP_HX_REQUEST="true"
    )
    assert b"hx-trigger" not in response.content
    assert response["HX-Refresh"] == "true"


def test_commit_drops_the_stored_file_and_the_staged_rows(manager, distributor, pumps):
    batch = upload(manager, HEADER + "acme,2026-01,pumps,1\n")
    stage = services._stage(batch)
    assert stage.exists()
    batch = commit(batch, manager)
    assert batch.content is None
    assert not stage.exists()


# --- concurrency, with real processes on Postgres ---------------------------------------------

RACE = """
import os, sys, json
sys.path.insert(0, {root!r})
os.environ["DJANGO_SETTINGS_MODULE"] = "drm.settings"
import django
django.setup()
from distributors import services
from django.contrib.auth import get_user_model
mode, arg = sys.argv[1], sys.argv[2]
if mode == "commit":
    services.import_batch_commit(batch_id=int(arg))
    print(json.dumps("ok"))
else:
    user = get_user_model().objects.get(username=arg)
    rows = [{{"distributor": "acme", "month": f"2026-{{m:02d}}", "product_line": "pumps",
              "amount": "7"}} for m in range(1, 11)]
    print(json.dumps(services.revenue_push(user=user, rows=rows)))
"""


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_two_processes_importing_the_same_new_keys_neither_fail_nor_duplicate(manager, distributor):
    factories.ProductLineFactory(code="pumps")
    body = HEADER + "".join(f"acme,2026-{m:02d},pumps,{m}\n" for m in range(1, 11))
    batches = []
    for _ in range(2):
        batch = upload(manager, body)
        services.import_batch_request_commit(batch=batch, by=manager)
        batches.append(batch)
    script = RACE.format(root=str(ROOT))
    env = {**os.environ, "DATABASE_URL": database_url(), "CELERY_TASK_ALWAYS_EAGER": "1"}
    commands = [[sys.executable, "-c", script, "commit", str(b.pk)] for b in batches]
    commands.append([sys.executable, "-c", script, "push", manager.username])
    processes = [
        subprocess.Popen(c, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for c in commands
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    for process, (_out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
    assert RevenueRecord.objects.count() == 10
    statuses = set(ImportBatch.objects.values_list("status", flat=True))
    assert statuses == {ImportBatch.Status.COMMITTED}
    created = sum(b.created_rows for b in ImportBatch.objects.all())
    pushed = json.loads(outputs[2][0].strip().splitlines()[-1])
    assert created + pushed[0] == 10  # each key was new exactly once
