"""Reference data in the reader's language: a French name edited where the row is edited, shown
alike on the pages, in the export, the filters and the API; an empty one falls back to English."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from distributors import selectors
from distributors.models import Region, Territory, Tier
from distributors.regions import region_display, region_written
from tests import factories

pytestmark = pytest.mark.django_db

FR = {"HTTP_ACCEPT_LANGUAGE": "fr"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def named(distributor):
    """acme in Western Europe, gold tier, west territory and pumps: each named in both
    languages."""
    tier = distributor.tier
    tier.name, tier.name_fr = "Gold", "Or"
    tier.save()
    west = factories.TerritoryFactory(
        code="fr-west", name="Western France", name_fr="Ouest de la France", region="Western Europe"
    )
    pumps = factories.ProductLineFactory(
        code="pumps", name="Centrifugal pumps", name_fr="Pompes centrifuges"
    )
    distributor.region = "Western Europe"
    distributor.save()
    distributor.territories.add(west)
    distributor.product_lines.add(pumps)
    Region.objects.create(name="Western Europe", name_fr="Europe de l'Ouest")
    return {"tier": tier, "territory": west, "line": pumps}


def test_the_display_name_reads_the_active_language_and_falls_back_to_english(db):
    line = factories.ProductLineFactory(code="valves", name="Valves", name_fr="")
    tier = factories.TierFactory(code="platinum", name="Platinum", name_fr="Platine")
    with translation.override("fr"):
        assert tier.display_name == str(tier) == "Platine"
        assert line.display_name == "Valves"  # no French name: the English one
    with translation.override("en"):
        assert tier.display_name == str(tier) == "Platinum"
    assert tier.name_en == "Platinum" and tier.french_name == "Platine"
    assert line.french_name == "Valves"


def test_a_region_reads_in_french_only_for_french_readers_and_in_any_case(db):
    Region.objects.create(name="Western Europe", name_fr="Europe de l'Ouest")
    assert region_display("western europe", "fr") == "Europe de l'Ouest"
    assert region_display("Western Europe", "en") == "Western Europe"
    assert region_display("Nordics", "fr") == "Nordics"  # no French name given
    assert region_display("", "fr") == ""
    assert region_written("europe de l'ouest") == "Western Europe"
    assert region_written("Somewhere") == "Somewhere"


def test_a_region_given_a_french_name_reads_in_french_at_once_in_a_long_running_job(db):
    region = Region.objects.create(name="Nordics", name_fr="")
    assert region_display("Nordics", "fr") == "Nordics"  # read, and kept for a minute
    region.name_fr = "Pays nordiques"
    region.save()
    assert region_display("Nordics", "fr") == "Pays nordiques"
    region.delete()
    assert region_display("Nordics", "fr") == "Nordics"


def test_the_tier_form_edits_the_french_name(login, manager, distributor):
    tier = distributor.tier
    response = login(manager).post(
        reverse("distributors:tier-edit", args=[tier.code]),
        {"code": tier.code, "name": "Gold", "name_fr": "Or", "rank": tier.rank},
    )
    assert response.status_code == 302
    tier.refresh_from_db()
    assert (tier.name, tier.name_fr) == ("Gold", "Or")
    page = login(manager).get(reverse("distributors:tiers")).content.decode()
    assert "<td>Or</td>" in page


def test_the_territory_form_edits_the_french_name(login, manager):
    response = login(manager).post(
        reverse("distributors:territory-create"),
        {
            "code": "fr-west",
            "name": "Western France",
            "name_fr": "Ouest de la France",
            "country": "FR",
            "region": "Western Europe",
        },
    )
    assert response.status_code == 302
    assert Territory.objects.get(code="fr-west").name_fr == "Ouest de la France"


def test_the_regions_page_lists_the_regions_in_use_and_saves_their_french_names(
    login, manager, distributor
):
    distributor.region = "Western Europe"
    distributor.save()
    factories.TerritoryFactory(region="western europe")
    client = login(manager)
    page = client.get(reverse("distributors:regions"))
    assert page.status_code == 200
    [line] = page.context["lines"]
    assert line[1]["distributors"] == 1 and line[1]["territories"] == 1
    response = client.post(
        reverse("distributors:regions"),
        {
            "regions-TOTAL_FORMS": "1",
            "regions-INITIAL_FORMS": "1",
            "regions-0-name": "Western Europe",
            "regions-0-name_fr": "Europe de l'Ouest",
        },
    )
    assert response.status_code == 302
    assert Region.objects.get().name_fr == "Europe de l'Ouest"
    detail = client.get(reverse("distributors:detail", args=["acme"]), **FR).content.decode()
    assert "Europe de l&#x27;Ouest" in detail


def test_a_too_long_french_region_name_is_refused_and_changes_nothing(login, manager, distributor):
    response = login(manager).post(
        reverse("distributors:regions"),
        {
            "regions-TOTAL_FORMS": "1",
            "regions-INITIAL_FORMS": "1",
            "regions-0-name": "Europe",
            "regions-0-name_fr": "x" * 121,
        },
    )
    assert response.status_code == 200
    assert "120" in response.content.decode()
    assert not Region.objects.exists()


def test_a_partner_cannot_open_the_regions_page(login, partner):
    assert login(partner).get(reverse("distributors:regions")).status_code == 403


def csv_row(response, code):
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    return next(row for row in rows if code in row.values())


@pytest.mark.parametrize(
    ("headers", "language", "tier", "region", "territory", "line"),
    [
        (EN, "en", "Gold", "Western Europe", "Western France", "Centrifugal pumps"),
        (FR, "fr", "Or", "Europe de l'Ouest", "Ouest de la France", "Pompes centrifuges"),
    ],
)
def test_page_export_filter_and_api_name_the_reference_data_alike(
    login, token_client, manager, named, headers, language, tier, region, territory, line
):
    client = login(manager)
    # The distributor's record.
    record = client.get(reverse("distributors:detail", args=["acme"]), **headers)
    assert record.context["distributor"].tier.display_name == tier
    text = record.content.decode().replace("&#x27;", "'")
    for name in (tier, region, territory, line):
        assert name in text, name
    # The list, its filter's region choice and its export.
    listing = client.get(reverse("distributors:list") + "?scope=all", **headers)
    choices = dict(listing.context["form"].fields["region"].choices)
    assert choices["Western Europe"] == region
    export = client.get(reverse("distributors:export") + "?scope=all&format=csv", **headers)
    row = csv_row(export, "acme")
    with translation.override(language):
        assert row[translation.gettext("tier")] == tier
        assert row[translation.gettext("region")] == region
    # The API, in the language the request asks for.
    api = token_client(manager)
    body = api.get("/api/v1/distributors/acme/", **headers).json()
    assert (body["tier_name"], body["region_name"]) == (tier, region)
    assert body["region"] == "Western Europe"  # the text filters match
    body = api.get("/api/v1/territories/fr-west/", **headers).json()
    assert body["name"] == territory
    assert (body["name_en"], body["name_fr"]) == ("Western France", "Ouest de la France")
    assert body["region_name"] == region
    body = api.get("/api/v1/product-lines/pumps/", **headers).json()
    assert (body["name"], body["name_en"], body["name_fr"]) == (
        line,
        "Centrifugal pumps",
        "Pompes centrifuges",
    )


def test_the_revenue_page_names_product_lines_in_the_readers_language(
    login, manager, named, distributor, today
):
    factories.RevenueRecordFactory(
        distributor=distributor, product_line=named["line"], month=today.replace(month=5, day=1)
    )
    page = login(manager).get(reverse("distributors:revenue", args=["acme"]), **FR)
    assert "<td>Pompes centrifuges</td>" in page.content.decode()
    for language, name in (("fr", "Pompes centrifuges"), ("en", "Centrifugal pumps")):
        with translation.override(language):
            chart = selectors.revenue_chart(distributor=distributor)
        assert [dataset["label"] for dataset in chart["datasets"]] == [name]


def test_the_tier_admin_edits_the_french_name(login, admin_user, distributor):
    tier = Tier.objects.get()
    page = login(admin_user).get(reverse("admin:distributors_tier_change", args=[tier.pk]))
    assert "name_fr" in page.context["adminform"].form.fields
    page = login(admin_user).get(reverse("admin:distributors_region_add"))
    assert page.status_code == 200
