"""What an uploader reads about a refused file is plain and translatable; the raw error of the
reader goes to the log, with the batch id."""

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from distributors import services
from distributors.models import ImportBatch

pytestmark = pytest.mark.django_db

# A quote opened on the third line and never closed: pandas' C parser says so in its own words.
BROKEN = b'distributor,month,product_line,amount\nacme,2026-01,pumps,1\nacme,"2026-02,pumps,1\n'
# The third line has more fields than the header.
RAGGED = b"distributor,month,product_line,amount\nacme,2026-01,pumps,1\nacme,2026-02,pumps,1,2,3\n"


def checked(user, content):
    batch = services.import_batch_create(
        user=user, kind="revenue", uploaded_file=SimpleUploadedFile("f.csv", content)
    )
    services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def test_an_unreadable_csv_gets_a_plain_message_and_the_details_go_to_the_log(
    partner, distributor, caplog
):
    with caplog.at_level(logging.WARNING, logger="distributors.services"):
        batch = checked(partner, BROKEN)

    assert batch.status == ImportBatch.Status.INVALID
    assert batch.message.startswith("The CSV file cannot be read:")
    for raw in ("Error tokenizing", "C error", "Expected", "saw"):
        assert raw not in batch.message
        assert all(raw not in error["message"] for error in batch.errors)
    logged = [r.getMessage() for r in caplog.records if r.name == "distributors.services"]
    assert any(f"import {batch.pk}:" in line and "Error tokenizing" in line for line in logged)


def test_a_ragged_line_is_named_in_plain_words(partner, distributor):
    batch = checked(partner, RAGGED)
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.message == (
        "Line 3 has 6 values but the header has 4 columns; check the separators and quotes."
    )
