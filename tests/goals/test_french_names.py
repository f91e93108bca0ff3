"""A goal's scope named in the reader's language, alike on its page, in the API, the contract
annex PDF and the e-mail to a French partner; "de" elided before a name that asks for it."""

import io

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from goals import notices
from goals.annex import annex_pdf
from tests import factories

pytestmark = pytest.mark.django_db


def text_of(pdf):
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def goal(manager, partner, distributor):
    line = factories.ProductLineFactory(
        code="pumps", name="Centrifugal pumps", name_fr="Pompes centrifuges"
    )
    category = factories.CustomerCategoryFactory(
        code="contractors", name="Contractors", name_fr="Installateurs"
    )
    distributor.product_lines.add(line)
    distributor.account_manager = manager
    distributor.save()
    return factories.agreed_goal(
        manager, partner, distributor=distributor, product_line=line, customer_category=category
    )


def title_in(language, goal):
    with translation.override(language):
        return str(goal.title)


def test_the_title_names_the_scope_in_the_readers_language_with_its_elision(goal):
    english, french = title_in("en", goal), title_in("fr", goal)
    assert "Centrifugal pumps" in english and "Contractors" in english
    assert "Pompes centrifuges" in french and "auprès d'Installateurs" in french
    assert "auprès de Installateurs" not in french


@pytest.mark.parametrize("language", ["en", "fr"])
def test_page_api_and_annex_write_the_same_title(
    login, token_client, manager, goal, distributor, language
):
    title = title_in(language, goal)
    page = login(manager).get(
        reverse("goals:detail", args=[goal.pk]), HTTP_ACCEPT_LANGUAGE=language
    )
    assert title in page.content.decode().replace("&#x27;", "'")
    body = (
        token_client(manager).get(f"/api/v1/goals/{goal.pk}/", HTTP_ACCEPT_LANGUAGE=language).json()
    )
    assert body["title"] == title
    distributor.language = language
    distributor.save()
    text = text_of(annex_pdf(distributor=distributor, year=2026))
    scope = "Pompes centrifuges, Installateurs" if language == "fr" else "Centrifugal pumps, "
    assert scope in text
    assert title.split(" ")[0] in text


def test_the_e_mail_to_a_french_partner_names_the_scope_in_french(
    goal, manager, partner, distributor, django_capture_on_commit_callbacks
):
    partner.email = "partner@example.com"
    partner.save()
    distributor.language = "fr"
    distributor.save()
    with django_capture_on_commit_callbacks(execute=True):
        notices.goal_agreed_notify(goal, by=manager)
    [message] = [m for m in mail.outbox if "partner@example.com" in m.to]
    assert title_in("fr", goal) in message.subject
    assert "Pompes centrifuges" in message.subject and "Centrifugal" not in message.subject
