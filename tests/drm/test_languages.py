"""English and French: the browser's language, a user's own choice, the API, number formats."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from identity.models import UserProfile

pytestmark = pytest.mark.django_db


def test_the_api_answers_in_the_language_the_client_asks_for(client):
    response = client.get(reverse("api:distributor-list"), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code in (401, 403)
    assert response["Content-Language"] == "fr"
    assert "authentification" in response.json()["error"]["message"]


def test_pages_follow_the_browser_until_the_user_chooses(login, partner):
    client = login(partner)
    page = client.get(reverse("distributors:mine"), HTTP_ACCEPT_LANGUAGE="fr")
    assert b'<html lang="fr" ' in page.content
    response = client.post(
        reverse("identity:language"),
        {"language": "en", "next": reverse("distributors:mine")},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("distributors:mine")
    assert UserProfile.objects.get(user=partner).language == "en"
    page = client.get(reverse("distributors:mine"), HTTP_ACCEPT_LANGUAGE="fr")
    assert b'<html lang="en" ' in page.content


def test_the_switcher_refuses_foreign_redirects_and_unknown_languages(client):
    response = client.post(
        reverse("identity:language"), {"language": "fr", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert response.cookies["django_language"].value == "fr"
    assert client.post(reverse("identity:language"), {"language": "xx"}).status_code == 404


def test_the_profile_page_saves_the_language(login, manager):
    client = login(manager)
    assert client.get(reverse("identity:profile")).status_code == 200
    response = client.post(reverse("identity:profile"), {"language": "fr"})
    assert response.status_code == 302
    assert UserProfile.objects.get(user=manager).language == "fr"
    page = client.get(reverse("identity:profile"), HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="fr" ' in page.content


def test_e_mails_use_the_users_language_else_its_distributors(partner, distributor):
    from identity.access import recipient_language

    distributor.language = "fr"
    distributor.save()
    assert recipient_language(partner) == "fr"
    UserProfile.objects.create(user=partner, language="en")
    partner.__dict__.pop("_drm_language", None)
    assert recipient_language(partner) == "en"


@pytest.mark.parametrize(
    ("language", "money", "whole"),
    [
        ("en", "€1,234,567.89", "€1,234,568"),
        ("fr", "1\u202f234\u202f567,89\u00a0€", "1\u202f234\u202f568\u00a0€"),
    ],
)
def test_money_is_written_the_way_each_language_writes_it(language, money, whole):
    from drm.templatetags.money import money as money_filter
    from drm.templatetags.money import whole_money

    with translation.override(language):
        assert money_filter(Decimal("1234567.89"), "EUR") == money
        assert whole_money(Decimal("1234567.89"), "EUR") == whole


def test_a_french_partner_reads_its_revenue_report_in_french(login, partner, distributor):
    from drm import periods
    from tests import factories

    UserProfile.objects.create(user=partner, language="fr")
    factories.RevenueRecordFactory(
        distributor=distributor, month=periods.complete_months(12).last, amount=Decimal("1234.5")
    )
    page = login(partner).get(reverse("distributors:my-revenue")).content.decode()
    assert "Mois non encore déclarés" in page
    assert "1\u202f234,50\u00a0€" in page
    export = login(partner).get(reverse("distributors:my-revenue"), {"format": "csv"})
    assert (
        export.content.decode()
        .splitlines()[0]
        .startswith("distributeur,mois,gamme,categorie_client,devise,montant")
    )


def test_form_errors_come_back_in_french(login, manager):
    UserProfile.objects.create(user=manager, language="fr")
    response = login(manager).post(
        reverse("distributors:exchange-rates"),
        {"currency": "USD", "month": "2026-01", "rate": "-1"},
    )
    assert "Le taux doit être supérieur à 0" in response.content.decode()


def test_a_notification_to_a_partner_speaks_its_distributors_language(partner, distributor):
    from notifications.services import recipient_language

    distributor.language = "fr"
    distributor.save()
    assert recipient_language(partner) == "fr"


def test_a_french_managers_export_has_french_headers(login, manager, distributor):
    UserProfile.objects.create(user=manager, language="fr")
    body = login(manager).get(reverse("distributors:export"), {"scope": "all"}).content.decode()
    assert body.splitlines()[0].startswith("code,nom,pays,région,devise,niveau,statut")


def test_an_import_notice_e_mail_reaches_a_french_partner_in_french(
    partner, distributor, mailoutbox, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from distributors import services

    UserProfile.objects.create(user=partner, language="fr")
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.import_batch_create(
            user=partner,
            kind="revenue",
            uploaded_file=SimpleUploadedFile("f.csv", b"distributor,month\nacme,2026-01\n"),
        )
    batch.refresh_from_db()
    assert batch.status == "invalid"
    subjects = [message.subject for message in mailoutbox]
    assert any("contient des erreurs" in subject for subject in subjects), subjects
