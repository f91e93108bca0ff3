"""The onboarding pages and API: the manager's list and journey editor, one distributor's
journey, the partner's own, the public application form (spam trap, timing, rate limit) and
the decision; exports and the API read the same rows."""

import csv
import datetime
import io

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from distributors.models import Distributor
from partnership import services
from partnership.models import Application, Journey, JourneyStep
from partnership.views.onboarding import APPLY_SALT
from tests import factories

from .test_onboarding import PDF, _journey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def entry_tier(db):
    return factories.TierFactory(code="entry", name="Entry", rank=9)


@pytest.fixture
def journey(manager):
    return _journey(manager)


@pytest.fixture
def onboarding(manager, journey, distributor):
    """acme (the partner's distributor) onboarding on the journey."""
    Distributor.objects.filter(pk=distributor.pk).update(status="onboarding")
    distributor.refresh_from_db()
    return services.onboarding_start(by=manager, distributor=distributor, journey=journey)


def _started(seconds_ago=60):
    value = str(timezone.now().timestamp() - seconds_ago)
    return signing.TimestampSigner(salt=APPLY_SALT).sign(value)


def _form(**changes):
    data = {
        "company": "Nordic Flow AB",
        "country": "SE",
        "contact_name": "Astrid Lind",
        "email": "astrid@nordicflow.example",
        "phone": "",
        "website": "",
        "message": "",
        "fax": "",
        "started": _started(),
    }
    data.update(changes)
    return data


def test_the_public_form_needs_no_account_and_creates_an_applicant(client, journey):
    page = client.get(reverse("partnership:apply"))
    assert page.status_code == 200 and 'name="fax"' in page.content.decode()
    answer = client.post(reverse("partnership:apply"), _form())
    assert answer.status_code == 302 and answer["Location"] == reverse("partnership:apply-thanks")
    application = Application.objects.get()
    assert application.distributor.status == "applicant"
    assert application.distributor.onboarding.journey == journey


def test_the_public_form_names_the_wrong_field_and_creates_nothing(client, journey):
    answer = client.post(reverse("partnership:apply"), _form(email="astrid@", country="XX"))
    assert answer.status_code == 400
    assert set(answer.context["form"].errors) == {"email", "country"}
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    "changes", [{"fax": "+1 555 0100"}, {"started": None}, {"started": "forged"}]
)
def test_a_bot_is_thanked_and_nothing_is_recorded(client, journey, changes):
    if changes.get("started") is None and "started" in changes:
        changes = {"started": _started(seconds_ago=0)}  # sent back at once
    answer = client.post(reverse("partnership:apply"), _form(**changes))
    assert answer.status_code == 302 and answer["Location"] == reverse("partnership:apply-thanks")
    assert not Application.objects.exists()


def test_too_many_applications_from_one_address_are_refused(client, journey, settings):
    settings.APPLICATION_RATE = 2
    for n in range(2):
        assert (
            client.post(reverse("partnership:apply"), _form(company=f"Co {n}")).status_code == 302
        )
    refused = client.post(reverse("partnership:apply"), _form(company="Co 3"))
    assert refused.status_code == 429
    assert Application.objects.count() == 2


def test_the_public_form_never_names_another_distributor(client, distributor, journey):
    page = client.post(reverse("partnership:apply"), _form(company=distributor.name))
    assert page.status_code == 302
    thanks = client.get(page["Location"]).content.decode()
    assert distributor.name not in thanks and distributor.code not in thanks


def test_the_manager_decides_on_the_application_page(client, manager, journey):
    application = services.application_submit(
        company="Nordic Flow AB", country="SE", contact_name="Astrid Lind",
        email="astrid@nordicflow.example",
    )  # fmt: skip
    client.force_login(manager)
    url = reverse("partnership:onboarding", args=[application.distributor.code])
    page = client.get(url).content.decode()
    assert 'id="decision-form"' in page and "Astrid Lind" in page
    decide = reverse("partnership:application-decide", args=[application.distributor.code])
    refused = client.post(decide, {"decision": "declined", "reason": ""})
    assert refused.status_code == 400
    assert "the applicant reads it" in refused.content.decode()
    answer = client.post(decide, {"decision": "approved", "invite_contact": "on"})
    assert answer.status_code == 302
    distributor = Distributor.objects.get(pk=application.distributor_id)
    assert distributor.status == "onboarding"
    assert distributor.memberships.get().user.email == "astrid@nordicflow.example"


def test_the_list_shows_whose_move_it_is_and_the_export_agrees(
    client, manager, onboarding, distributor
):
    client.force_login(manager)
    page = client.get(reverse("partnership:onboardings"), {"waiting_on": "manufacturer"})
    assert page.status_code == 200
    rows = list(page.context["page"].object_list)
    assert [row.distributor.code for row in rows] == [distributor.code]
    assert rows[0].next_display == "Application approved" and rows[0].done == 0
    export = client.get(reverse("partnership:onboardings-export"), {"waiting_on": "manufacturer"})
    table = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert table[1][0] == distributor.code
    header = table[0]
    assert table[1][header.index("Next step")] == "Application approved"
    assert table[1][header.index("Steps done")] == "0"
    assert client.get(reverse("partnership:onboardings"), {"state": "nope"}).status_code == 400


def test_the_partner_admin_does_its_step_with_a_file_and_the_rep_only_reads(
    client, partner, colleague, onboarding
):
    client.force_login(colleague)
    page = client.get(reverse("partnership:my-onboarding")).content.decode()
    assert "Signed company registration" in page and "step-done-form" not in page
    client.force_login(partner)
    page = client.get(reverse("partnership:my-onboarding")).content.decode()
    assert "step-done-form" in page
    progress = onboarding.progress.get(step__title="Signed company registration")
    answer = client.post(
        reverse("partnership:step-done", args=[progress.pk]),
        {"note": "Extract", "evidence": SimpleUploadedFile("extract.pdf", PDF)},
    )
    assert answer.status_code == 302
    progress.refresh_from_db()
    assert progress.done_by == partner
    download = client.get(reverse("partnership:step-evidence", args=[progress.pk]))
    assert b"".join(download.streaming_content) == PDF


def test_the_home_page_and_the_record_say_what_the_journey_waits_for(
    client, manager, partner, onboarding, distributor
):
    client.force_login(partner)
    home = client.get(reverse("distributors:mine")).content.decode()
    assert "Onboarding steps to do" in home and 'id="section-onboarding"' in home
    client.force_login(manager)
    record = client.get(reverse("distributors:detail", args=[distributor.code])).content.decode()
    assert 'id="record-onboarding"' in record and "0 of 5 steps done" in record


def test_the_journey_editor_adds_and_edits_steps(client, manager):
    client.force_login(manager)
    answer = client.post(reverse("partnership:journey-create"), {"name": "Fast track"})
    journey = Journey.objects.get(name="Fast track")
    assert answer["Location"] == reverse("partnership:journey", args=[journey.pk])
    bad = client.post(
        answer["Location"],
        {"add_step": "1", "title": "Revenue", "side": "partner", "due_days": "30",
         "evidence": "check", "portal_check": ""},
    )  # fmt: skip
    assert bad.status_code == 400 and "portal checks" in bad.content.decode()
    client.post(
        answer["Location"],
        {"add_step": "1", "title": "Revenue", "side": "partner", "due_days": "30",
         "evidence": "check", "portal_check": "first_revenue_reported"},
    )  # fmt: skip
    step = JourneyStep.objects.get(journey=journey)
    assert step.portal_check == "first_revenue_reported" and step.position == 1


def test_the_api_reads_onboardings_in_scope_and_does_a_step(
    api_client, manager, partner, outsider, onboarding
):
    api_client.force_authenticate(outsider)
    assert api_client.get("/api/v1/onboardings/").json()["results"] == []
    api_client.force_authenticate(partner)
    body = api_client.get("/api/v1/onboardings/").json()["results"]
    assert [row["distributor"] for row in body] == ["acme"]
    assert len(body[0]["progress"]) == 5
    credit = onboarding.progress.get(step__title="Credit check")
    assert api_client.post(f"/api/v1/onboarding-steps/{credit.pk}/done/").status_code == 403
    api_client.force_authenticate(manager)
    answer = api_client.post(f"/api/v1/onboarding-steps/{credit.pk}/done/", {"note": "OK"})
    assert answer.status_code == 200 and answer.json()["done_by"] == manager.username
    again = api_client.post(f"/api/v1/onboarding-steps/{credit.pk}/done/")
    assert again.status_code == 400


def test_the_api_decides_applications_for_the_manufacturer_only(
    api_client, manager, partner, journey
):
    application = services.application_submit(
        company="Nordic Flow AB", country="SE", contact_name="Astrid Lind",
        email="astrid@nordicflow.example",
    )  # fmt: skip
    api_client.force_authenticate(partner)
    assert api_client.get("/api/v1/applications/").status_code == 403
    api_client.force_authenticate(manager)
    url = f"/api/v1/applications/{application.pk}/decide/"
    refused = api_client.post(url, {"decision": "declined"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()["error"]["fields"]
    answer = api_client.post(url, {"decision": "declined", "reason": "Covered"}, format="json")
    assert answer.status_code == 200 and answer.json()["decision"] == "declined"


def test_steps_due_dates_follow_the_start(manager, journey, distributor):
    Distributor.objects.filter(pk=distributor.pk).update(status="onboarding")
    distributor.refresh_from_db()
    onboarding = services.onboarding_start(
        by=manager, distributor=distributor, journey=journey, today=datetime.date(2026, 1, 31)
    )
    assert onboarding.progress.order_by("due_on").first().due_on == datetime.date(2026, 2, 2)
