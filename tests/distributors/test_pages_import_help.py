"""The import pages list every column of a file (required, optional, ignored) with its meaning,
format and an example, read from the spec the parser reads, in the reader's language."""

import pytest
from django.urls import reverse

from distributors.imports import SPECS
from identity.models import UserProfile

pytestmark = pytest.mark.django_db


def column_rows(response, kind):
    """{column name: (group, meaning, format, example)} as the page's help gives them."""
    [help_] = (
        [h for h in response.context["helps"] if h["kind"] == kind]
        if "helps" in (response.context)
        else [response.context["help"]]
    )
    return {
        c.name: (group, c.meaning, c.format, c.example)
        for group, columns in help_["groups"]
        for c in columns
    }


@pytest.mark.parametrize(
    ("user", "url", "kinds"),
    [
        ("partner", "distributors:import-create", ["revenue"]),
        ("manager", "distributors:import-create", ["revenue", "investment", "completion"]),
        ("manager", "leads:import", ["lead"]),
    ],
)
def test_every_column_of_every_kind_is_listed_with_meaning_format_and_example(
    request, login, user, url, kinds
):
    response = login(request.getfixturevalue(user)).get(reverse(url))
    html = response.content.decode()
    assert "Columns: ." not in html
    for kind in kinds:
        spec = SPECS[kind]
        rows = column_rows(response, kind)
        assert sorted(rows) == sorted(c.name for c in spec.columns)
        for column in spec.columns:
            group, meaning, fmt, example = rows[column.name]
            assert meaning and f"<strong><code>{column.name}</code></strong>" in html
            if not column.ignored:
                assert fmt and example, column.name
                assert group == ("Required columns" if column.required else "Optional columns")
            else:
                assert group == "Columns an export writes, ignored on import"
        assert reverse("distributors:import-template", args=[kind]) in html
        assert reverse("distributors:import-template-xlsx", args=[kind]) in html


def test_a_coded_column_links_to_its_codes(login, manager):
    html = login(manager).get(reverse("distributors:import-create")).content.decode()
    codes = reverse("distributors:import-codes")
    for key in ("distributors", "product_lines", "customer_categories", "courses"):
        assert f'href="{codes}#codes-{key}"' in html
    lead_page = login(manager).get(reverse("leads:import")).content.decode()
    assert f'href="{codes}#codes-lead_sources"' in lead_page
    assert f'href="{codes}"' in lead_page


def test_a_partner_is_not_told_of_investment_columns(login, partner):
    response = login(partner).get(reverse("distributors:import-create"))
    assert [h["kind"] for h in response.context["helps"]] == ["revenue"]
    assert "columns-investment" not in response.content.decode()


def test_a_french_reader_reads_the_columns_in_french_with_the_headers_its_exports_write(
    login, partner
):
    UserProfile.objects.create(user=partner, language="fr")
    response = login(partner).get(reverse("distributors:import-create"))
    rows = column_rows(response, "revenue")
    group, meaning, fmt, example = rows["amount"]
    assert group == "Colonnes obligatoires"
    assert meaning == "Ventes nettes du mois, dans la devise de la ligne."
    assert example == "12000.00"
    html = response.content.decode()
    # The French header of a column, as the French export writes it, is accepted too.
    assert "ou <code>montant</code>" in html
    assert "Modèle Excel" in html
