"""The preview before a commit: how many rows are new, change stored figures, or repeat them,
and every row it would replace shown old → new, in the reader's language."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distributors import services
from distributors.models import ImportBatch, Investment, RevenueRecord
from identity.models import UserProfile
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "distributor,month,product_line,amount,margin\n"


def checked(user, content, kind="revenue"):
    batch = services.import_batch_create(
        user=user, kind=kind, uploaded_file=SimpleUploadedFile("figures.csv", content.encode())
    )
    services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


@pytest.fixture
def stored(distributor):
    pumps = factories.ProductLineFactory(code="pumps")
    valves = factories.ProductLineFactory(code="valves")
    for product_line, amount in ((pumps, "12000.00"), (valves, "500.00")):
        factories.RevenueRecordFactory(
            distributor=distributor,
            month=datetime.date(2026, 1, 1),
            product_line=product_line,
            amount=Decimal(amount),
            units=0,
            margin=Decimal("100.00"),
        )


FILE = (
    HEADER + "acme,2026-01,pumps,13500,100\n"  # changes the amount
    "acme,2026-01,valves,500.00,100\n"  # repeats the stored figures
    "acme,2026-02,pumps,700,70\n"  # new
)


def test_the_preview_counts_new_changed_and_unchanged_rows_and_writes_nothing(partner, stored):
    before = list(RevenueRecord.objects.order_by("pk").values())
    batch = checked(partner, FILE)
    assert batch.status == ImportBatch.Status.VALIDATED
    assert (batch.total_rows, batch.created_rows, batch.updated_rows) == (3, 1, 1)
    assert batch.message == ("3 rows ready: 1 new, 1 change stored figures, 1 unchanged.")
    assert [(row["row"], row["status"], row["old"]) for row in batch.preview] == [
        (2, "changed", {"amount": "12000.00"}),
        (3, "unchanged", {}),
        (4, "new", {}),
    ]
    assert list(RevenueRecord.objects.order_by("pk").values()) == before


def test_the_batch_page_shows_each_replaced_figure_old_to_new(login, partner, stored):
    batch = checked(partner, FILE)
    page = login(partner).get(reverse("distributors:import-detail", args=[batch.pk]))
    assert page.context["counts"] == {"new": 1, "changed": 1, "unchanged": 1, "skipped": 0}
    [(row, cells)] = page.context["changes"]
    assert row["row"] == 2
    changed = [(cell.old, cell.text) for cell in cells if cell.changed]
    assert changed == [("€12,000.00", "€13,500.00")]
    html = page.content.decode()
    assert 'id="import-changes"' in html
    assert "€12,000.00</del> → <strong>€13,500.00</strong>" in html
    assert 'id="count-unchanged">1<' in html


def test_a_french_reader_reads_old_and_new_figures_in_french(login, partner, stored):
    UserProfile.objects.create(user=partner, language="fr")
    batch = checked(partner, FILE)
    assert batch.message == (
        "3 lignes à importer — nouvelles : 1, modifiant des chiffres enregistrés : 1, "
        "inchangées : 1."
    )
    page = login(partner).get(reverse("distributors:import-detail", args=[batch.pk]))
    html = page.content.decode()
    assert "12\u202f000,00\u00a0€</del> → <strong>13\u202f500,00\u00a0€</strong>" in html
    assert "janvier 2026" in html


def test_every_row_that_replaces_a_figure_is_shown_beyond_the_first_rows(login, partner, stored):
    # 25 new rows first, then the changed one at row 27: past the 20 rows the preview starts with.
    lines = [f"acme,{2000 + n}-01,pumps,1,0" for n in range(25)]
    batch = checked(partner, HEADER + "\n".join(lines) + "\nacme,2026-01,pumps,9,0\n")
    assert batch.updated_rows == 1
    page = login(partner).get(reverse("distributors:import-detail", args=[batch.pk]))
    assert [row["row"] for row, _cells in page.context["changes"]] == [27]
    assert len(page.context["first_rows"]) == 20


def test_committing_replaces_the_changed_figure_and_leaves_the_unchanged_row_as_it_was(
    partner, stored
):
    unchanged = RevenueRecord.objects.get(product_line__code="valves")
    batch = checked(partner, FILE)
    services.import_batch_request_commit(batch=batch, by=partner)
    services.import_batch_commit(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.created_rows, batch.updated_rows) == (1, 1)
    assert batch.message == "Imported 3 rows: 1 new, 1 replaced, 1 unchanged."
    assert RevenueRecord.objects.get(
        product_line__code="pumps", month=datetime.date(2026, 1, 1)
    ).amount == Decimal("13500.00")
    assert RevenueRecord.objects.get(pk=unchanged.pk).updated_at == unchanged.updated_at


def test_an_investment_preview_shows_the_note_and_value_it_replaces(login, manager, distributor):
    factories.InvestmentFactory(
        distributor=distributor,
        date=datetime.date(2026, 1, 15),
        kind=Investment.Kind.TRAINING_DAYS,
        amount=Decimal("2"),
        value=Decimal("1600.00"),
        note="",
    )
    batch = checked(
        manager,
        "distributor,date,kind,amount,value,note\n"
        "acme,2026-01-15,training_days,2,1800,Pump sizing\n",
        kind="investment",
    )
    assert batch.preview[0]["old"] == {"value": "1600.00", "note": ""}
    page = login(manager).get(reverse("distributors:import-detail", args=[batch.pk]))
    [(_row, cells)] = page.context["changes"]
    assert [(c.old, c.text) for c in cells if c.changed] == [
        ("€1,600.00", "€1,800.00"),
        ("", "Pump sizing"),
    ]


def test_a_lead_import_counts_the_leads_it_would_skip(login, manager):
    source = factories.LeadSourceFactory(code="fair")
    factories.LeadFactory(source=source, external_ref="R-1")
    batch = checked(
        manager,
        "source,external_ref,company,country\nfair,R-1,Known SA,DE\nfair,R-2,New SA,DE\n",
        kind="lead",
    )
    assert (batch.created_rows, batch.updated_rows) == (1, 1)
    assert [(r["row"], r["status"]) for r in batch.preview] == [(2, "skipped"), (3, "new")]
    page = login(manager).get(reverse("distributors:import-detail", args=[batch.pk]))
    assert page.context["counts"] == {"new": 1, "changed": 0, "unchanged": 0, "skipped": 1}
    assert 'id="count-skipped">1<' in page.content.decode()
