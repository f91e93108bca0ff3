"""A catalogue item's language: on a lead, the reader's language (and items in none) first, the
others after, marked with their language; the catalogue filters by it; its form offers it."""

import pytest
from django.urls import reverse

from identity.models import UserProfile
from leads import selectors
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(db):
    return {
        "en": factories.MaterialFactory(title="A company brochure", stage="any", language="en"),
        "fr": factories.MaterialFactory(
            title="Brochure de l'entreprise", stage="any", language="fr"
        ),
        "none": factories.MaterialFactory(title="Drawings", stage="any", language=""),
    }


@pytest.fixture
def lead(distributor):
    return factories.LeadFactory(status="accepted", distributor=distributor)


def test_the_readers_language_and_items_in_none_come_first(items, lead):
    french = list(selectors.materials_for_lead(lead=lead, language="fr"))
    english = list(selectors.materials_for_lead(lead=lead, language="en-us"))
    anyone = list(selectors.materials_for_lead(lead=lead))

    assert french[-1] == items["en"] and set(french[:2]) == {items["fr"], items["none"]}
    assert english[-1] == items["fr"] and set(english[:2]) == {items["en"], items["none"]}
    assert anyone == sorted(anyone, key=lambda item: (item.kind, item.title))


def test_a_french_partner_sees_the_english_item_marked_as_english(items, lead, login, partner):
    UserProfile.objects.create(user=partner, language="fr")

    html = login(partner).get(reverse("leads:detail", args=[lead.pk])).content.decode()

    english = html.split(f'id="lead-material-{items["en"].pk}"')[1].split("</li>")[0]
    french = html.split(f'id="lead-material-{items["fr"].pk}"')[1].split("</li>")[0]
    assert 'lang="en"' in english and "material-language" in english and "Anglais" in english
    assert 'lang="fr"' in french and "material-language" not in french
    assert html.index(f'id="lead-material-{items["fr"].pk}"') < html.index(
        f'id="lead-material-{items["en"].pk}"'
    )


def test_the_catalogue_filters_by_language(items, login, manager):
    page = login(manager).get(reverse("leads:materials"), {"language": "fr"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Brochure de l&#x27;entreprise" in html
    assert "A company brochure" not in html and "Drawings" not in html


def test_the_form_offers_the_languages_each_marked_in_its_own(login, manager):
    html = login(manager).get(reverse("leads:material-create")).content.decode()

    assert '<option value="en" lang="en">English</option>' in html
    assert '<option value="fr" lang="fr">Français</option>' in html


def test_your_settings_name_each_language_in_its_own(login, partner):
    html = login(partner).get(reverse("identity:profile")).content.decode()

    assert 'value="fr" lang="fr"' in html and 'value="en" lang="en"' in html


def test_a_new_item_is_saved_with_its_language(login, manager):
    from leads.models import Material

    page = login(manager).post(
        reverse("leads:material-create"),
        {
            "title": "Guide de sélection",
            "kind": "material",
            "stage": "any",
            "language": "fr",
            "url": "https://media.example/guide",
            "is_active": "on",
        },
    )

    assert page.status_code == 302, page.content.decode()[:3000]
    assert Material.objects.get(title="Guide de sélection").language == "fr"
