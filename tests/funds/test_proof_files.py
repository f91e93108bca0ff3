"""Proof files of a claim: PDF, JPEG, PNG, CSV and XLSX, told by their content and not only by
their name, no larger than FUNDS_PROOF_MAX_BYTES, let through by the scan hook when one is
set; every refusal names the file and stores nothing. Stored under a per-distributor path
with a random name."""

import io
import zipfile
from decimal import Decimal

import pytest

from drm.errors import ValidationFailed
from funds import services
from funds.models import ProofFile
from tests.funds import files
from tests.funds.conftest import AFTER
from tests.funds.state import refused

pytestmark = pytest.mark.django_db

D = Decimal
SCANNED = []


def refuse_eicar(upload):
    """A scan hook: refuses a file carrying the EICAR test signature; records what it saw."""
    content = upload.read()
    SCANNED.append(content)
    return b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" not in content


def scanner_down(upload):
    raise ConnectionError("clamd is not answering")


@pytest.fixture
def claim_with(approved, partner, travel):
    """claim_with(uploads): claim an approved request with these files."""
    request = approved()
    travel(AFTER)

    def claim(uploads):
        return services.claim_submit(
            by=partner, request=request, actual_cost=D("3000"), files=uploads
        )

    return claim


@pytest.mark.parametrize(
    ("upload", "content_type"),
    [
        (files.pdf, "application/pdf"),
        (files.png, "image/png"),
        (files.jpeg, "image/jpeg"),
        (lambda: files.jpeg("stand.JPEG"), "image/jpeg"),
        (files.csv, "text/csv"),
        (
            lambda: files.upload("liste.csv", "nom;société\nÉlise;Zoé\n".encode("cp1252")),
            "text/csv",
        ),
        (files.xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_each_allowed_type_is_taken_with_the_type_its_content_shows(
    claim_with, upload, content_type
):
    claim = claim_with([upload()])

    [proof] = claim.proofs.all()
    assert proof.content_type == content_type  # not the browser's word for it
    assert proof.size == proof.file.size > 0


def test_a_claim_keeps_every_file_under_its_distributor_with_a_random_name(claim_with, distributor):
    claim = claim_with([files.pdf("invoice.pdf"), files.pdf("invoice.pdf"), files.png()])

    proofs = list(claim.proofs.all())
    names = [proof.file.name for proof in proofs]
    assert [proof.original_name for proof in proofs] == ["invoice.pdf", "invoice.pdf", "stand.png"]
    assert len(set(names)) == 3
    for name in names:
        assert name.startswith(f"funds/proofs/{distributor.pk}/")
        assert "invoice" not in name and "stand" not in name
    assert proofs[0].file.read() == files.PDF


def zip_of(name):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("upload", "match"),
    [
        (files.upload("invoice.pdf", b"<html><body>Invoice</body></html>"), "invoice.pdf"),
        (files.upload("photo.png", files.PDF), "photo.png"),
        (files.upload("photo.jpg", files.PNG), "photo.jpg"),
        (files.upload("costs.xlsx", zip_of("word/document.xml")), "costs.xlsx"),
        (files.upload("costs.xlsx", b"PK\x03\x04 not really a zip"), "costs.xlsx"),
        (files.upload("attendees.csv", b"MZ\x90\x00\x03\x00\x00\x00"), "attendees.csv"),
        (files.upload("attendees.csv", files.PDF + b"\x00"), "attendees.csv"),
        (files.upload("setup.exe", b"MZ\x90\x00"), "setup.exe"),
        (files.upload("report.docx", zip_of("word/document.xml")), "report.docx"),
        (files.upload("no-extension", files.PDF), "no-extension"),
        (files.upload("empty.pdf", b""), "empty.pdf"),
    ],
)
def test_a_file_whose_content_or_type_is_not_allowed_is_refused_by_name(claim_with, upload, match):
    with refused(ValidationFailed, field="files", match=match):
        claim_with([files.pdf(), upload])


def test_a_file_exactly_at_the_limit_is_taken(claim_with, settings):
    settings.FUNDS_PROOF_MAX_BYTES = len(files.PDF)
    claim_with([files.pdf("exactly-the-limit.pdf")])  # at the limit: taken


def test_a_file_one_byte_past_the_limit_is_refused_naming_its_size_and_the_limit(
    claim_with, settings
):
    settings.FUNDS_PROOF_MAX_BYTES = len(files.PDF) - 1

    with refused(ValidationFailed, field="files") as raised:
        claim_with([files.pdf("big-invoice.pdf")])
    assert (
        raised.value.message
        == "“big-invoice.pdf” is 77\xa0bytes; a proof file is at most 76\xa0bytes."
    )


def test_the_default_limit_is_ten_mebibytes(settings):
    from django.conf import settings as live

    assert live.FUNDS_PROOF_MAX_BYTES == 10 * 1024 * 1024


def test_the_scan_hook_sees_each_file_from_its_start_and_refuses_what_it_flags(
    claim_with, settings
):
    settings.FUNDS_PROOF_SCAN = "tests.funds.test_proof_files.refuse_eicar"
    SCANNED.clear()
    infected = files.upload(
        "eicar.pdf", files.PDF + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE", "application/pdf"
    )

    with refused(ValidationFailed, field="files", match="“eicar.pdf” was refused by the virus"):
        claim_with([files.pdf(), infected])
    assert SCANNED[0] == files.PDF

    claim = claim_with([files.pdf()])
    assert claim.proofs.get().file.read() == files.PDF  # scanned, then stored whole


def test_a_scanner_that_fails_refuses_the_file(claim_with, settings):
    settings.FUNDS_PROOF_SCAN = "tests.funds.test_proof_files.scanner_down"

    with refused(ValidationFailed, field="files", match="invoice.pdf"):
        claim_with([files.pdf()])


def test_no_scan_hook_scans_nothing(claim_with, settings):
    settings.FUNDS_PROOF_SCAN = ""
    SCANNED.clear()

    claim_with([files.pdf()])

    assert SCANNED == []


def test_one_bad_file_among_good_ones_stores_none_of_them(claim_with):
    with refused(ValidationFailed, field="files", match="fake.png"):
        claim_with([files.pdf(), files.csv(), files.upload("fake.png", b"GIF89a")])

    assert not ProofFile.objects.exists()


def test_proof_files_are_scoped_like_their_claim(claim_with, partner, outsider, manager):
    claim_with([files.pdf()])

    assert ProofFile.objects.visible_to(partner).count() == 1
    assert ProofFile.objects.visible_to(manager).count() == 1
    assert not ProofFile.objects.visible_to(outsider).exists()
