"""Import pages: upload form, batch page with htmx progress, commit, templates; all scoped."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distributors.models import ImportBatch, RevenueRecord
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "distributor,month,product_line,amount\n"


@pytest.fixture
def pumps(db):
    return factories.ProductLineFactory(code="pumps")


def post_file(client, content, name="report.csv", kind="revenue", capture=None):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content.encode())}
    if capture is None:
        return client.post(reverse("distributors:import-create"), data)
    with capture(execute=True):
        return client.post(reverse("distributors:import-create"), data)


def test_partner_uploads_previews_and_commits_its_revenue_report(
    login, partner, distributor, pumps, django_capture_on_commit_callbacks
):
    client = login(partner)
    response = post_file(
        client, HEADER + "acme,2026-05,pumps,1200\n", capture=django_capture_on_commit_callbacks
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("distributors:import-detail", args=[batch.pk])
    page = client.get(response["Location"])
    assert batch.distributor == distributor
    assert b"import-preview" in page.content
    assert b"commit-button" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("distributors:import-commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert RevenueRecord.objects.get().distributor == distributor


def test_bad_rows_are_listed_on_the_batch_page(
    login, partner, distributor, pumps, django_capture_on_commit_callbacks
):
    client = login(partner)
    response = post_file(
        client, HEADER + "acme,2026-05,pumps,-3\n", capture=django_capture_on_commit_callbacks
    )
    page = client.get(response["Location"])
    assert b"import-errors" in page.content
    assert b"&#x27;-3&#x27; is negative" in page.content
    assert b"commit-button" not in page.content


def test_an_oversized_file_is_refused_on_the_form(login, partner, settings):
    settings.IMPORT_MAX_BYTES = 10
    response = post_file(login(partner), HEADER)
    assert response.status_code == 200
    assert "limit" in response.context["form"].errors["file"][0]
    assert ImportBatch.objects.count() == 0


def test_partner_is_not_offered_investment_imports(login, partner):
    response = login(partner).get(reverse("distributors:import-create"))
    assert [c[0] for c in response.context["form"].fields["kind"].choices] == ["revenue"]
    response = post_file(login(partner), "distributor,date,kind,amount,value\n", kind="investment")
    assert "kind" in response.context["form"].errors
    assert ImportBatch.objects.count() == 0


def test_status_partial_polls_while_running_and_refreshes_when_done(login, manager):
    batch = ImportBatch.objects.create(
        kind="revenue",
        filename="x.csv",
        content=b"",
        uploaded_by=manager,
        total_rows=10,
        processed_rows=4,
        status=ImportBatch.Status.VALIDATING,
    )
    client = login(manager)
    url = reverse("distributors:import-status", args=[batch.pk])
    running = client.get(url, HTTP_HX_REQUEST="true")
    assert b'hx-trigger="every 1s"' in running.content
    assert b"40%" in running.content
    assert "HX-Refresh" not in running
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.VALIDATED)
    done = client.get(url, HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"


def make_batch(user, distributor=None):
    return ImportBatch.objects.create(
        kind="revenue",
        filename="x.csv",
        content=b"",
        uploaded_by=user,
        distributor=distributor,
        status=ImportBatch.Status.VALIDATED,
    )


@pytest.mark.parametrize("name", ["import-detail", "import-status"])
def test_outsider_gets_404_for_a_partners_batch(login, partner, outsider, distributor, name):
    batch = make_batch(partner, distributor)
    assert login(outsider).get(reverse(f"distributors:{name}", args=[batch.pk])).status_code == 404


def test_outsider_cannot_commit_a_partners_batch(login, partner, outsider, distributor):
    batch = make_batch(partner, distributor)
    response = login(outsider).post(reverse("distributors:import-commit", args=[batch.pk]))
    assert response.status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.VALIDATED


def test_colleague_sees_the_partners_batch(login, partner, colleague, distributor):
    batch = make_batch(partner, distributor)
    assert (
        login(colleague).get(reverse("distributors:import-detail", args=[batch.pk])).status_code
        == 200
    )


def test_partner_does_not_see_manager_uploads_in_the_list(login, partner, manager, distributor):
    mine = make_batch(partner, distributor)
    make_batch(manager)
    response = login(partner).get(reverse("distributors:imports"))
    assert [b.pk for b in response.context["page"].object_list] == [mine.pk]


def test_template_download_holds_the_headers_and_an_example_row_marked_as_one(login, partner):
    response = login(partner).get(reverse("distributors:import-template", args=["revenue"]))
    lines = response.content.decode().splitlines()
    assert (
        lines[0] == "distributor,month,product_line,customer_category,currency,amount,units,margin"
    )
    assert lines[2] == "# atlantique,2026-03,pumps,oem,EUR,12000.00,8,3000.00"
    assert all(line.startswith(("#", '"#')) for line in lines[1:])


def test_partner_cannot_download_the_investment_template(login, partner):
    url = reverse("distributors:import-template", args=["investment"])
    assert login(partner).get(url).status_code == 403


def test_unknown_template_is_404(login, manager):
    url = reverse("distributors:import-template", args=["nonsense"])
    assert login(manager).get(url).status_code == 404


def test_import_list_query_count_does_not_grow_with_rows(login, partner, distributor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(partner)
    for _ in range(2):
        make_batch(partner, distributor)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("distributors:imports"))
    for _ in range(15):
        make_batch(partner, distributor)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("distributors:imports"))
    assert len(many) == len(few)
