import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from partnership import services
from partnership.models import Completion, Course
from tests import factories

pytestmark = pytest.mark.django_db


def _rows(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_every_portal_user_reads_the_catalogue(login, colleague, course, plain_course):
    response = login(colleague).get(reverse("partnership:courses"))
    assert response.status_code == 200
    assert b"Pump installation" in response.content
    assert b'id="new-course"' not in response.content
    assert b'id="record-completion"' not in response.content  # a rep records nothing


def test_the_catalogue_filters_by_language_and_refuses_a_bad_filter(
    login, manager, course, plain_course
):
    client = login(manager)
    response = client.get(reverse("partnership:courses"), {"language": "fr"})
    assert b"Meet the range" in response.content
    assert b"Pump installation" not in response.content
    bad = client.get(reverse("partnership:courses"), {"certification": "nope"})
    assert bad.status_code == 400
    assert b"Pump installation" not in bad.content


def test_a_partner_admin_records_its_reps_completion_from_the_page(
    login, partner, rep, course, today
):
    client = login(partner)
    page = client.get(reverse("partnership:completion-create"), {"course": course.pk})
    assert page.status_code == 200
    assert b"Rita Rep" in page.content
    response = client.post(
        reverse("partnership:completion-create"),
        {"user": rep.pk, "course": course.pk, "completed_on": today.isoformat(), "score": "92"},
    )
    assert response.status_code == 302
    completion = Completion.objects.get()
    assert (completion.user, completion.score, completion.recorded_by) == (rep, 92, partner)
    listing = client.get(reverse("partnership:certificates"))
    assert b"Rita Rep" in listing.content and b'data-status="valid"' in listing.content


def test_a_partner_admin_cannot_pick_another_distributors_person(
    login, partner, outsider, course, today
):
    response = login(partner).post(
        reverse("partnership:completion-create"),
        {"user": outsider.pk, "course": course.pk, "completed_on": today.isoformat()},
    )
    assert response.status_code == 400
    assert not Completion.objects.exists()


def test_the_manufacturer_names_a_partner_user_by_username(login, manager, rep, course, today):
    client = login(manager)
    response = client.post(
        reverse("partnership:completion-create"),
        {"user": "nobody-here", "course": course.pk, "completed_on": today.isoformat()},
    )
    assert response.status_code == 400
    assert b"No partner user has this username or e-mail." in response.content
    response = client.post(
        reverse("partnership:completion-create"),
        {"user": "REP-TEST", "course": course.pk, "completed_on": today.isoformat()},
    )
    assert response.status_code == 302
    assert Completion.objects.get().user == rep


def test_a_rep_may_not_record(login, colleague):
    assert login(colleague).get(reverse("partnership:completion-create")).status_code == 403


def test_a_partner_sees_and_exports_only_its_own_completions(
    login, manager, partner, rep, outsider, course, today
):
    services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    services.completion_record(user=outsider, course=course, completed_on=today, by=manager)
    client = login(partner)
    page = client.get(reverse("partnership:completions"))
    assert b"Rita Rep" in page.content and b"outsider-test" not in page.content
    rows = _rows(client.get(reverse("partnership:completions-export")))
    assert [row[3] for row in rows[1:]] == ["rep-test"]
    certificates = _rows(client.get(reverse("partnership:certificates-export")))
    assert [row[2] for row in certificates[1:]] == ["rep-test"]
    # Another distributor's code answers like an unknown one.
    probe = client.get(reverse("partnership:completions"), {"distributor": "rival"})
    assert probe.status_code == 400


def test_certificates_filter_by_status(login, manager, rep, colleague, course, today):
    services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    services.completion_record(
        user=colleague,
        course=course,
        completed_on=today - datetime.timedelta(days=330),
        by=manager,
    )
    client = login(manager)
    expiring = _rows(client.get(reverse("partnership:certificates-export"), {"status": "expiring"}))
    assert [row[2] for row in expiring[1:]] == ["colleague-test"]
    valid = _rows(client.get(reverse("partnership:certificates-export"), {"status": "valid"}))
    assert [row[2] for row in valid[1:]] == ["rep-test"]


def test_a_partner_admin_takes_a_completion_back(login, manager, partner, rep, course, today):
    completion = services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    response = login(partner).post(reverse("partnership:completion-delete", args=[completion.pk]))
    assert response.status_code == 302
    assert not Completion.objects.exists()


def test_the_manufacturer_creates_a_course_with_its_material(login, manager, certification):
    client = login(manager)
    response = client.post(
        reverse("partnership:course-create"),
        {
            "code": "safety",
            "title": "Safety first",
            "language": "en",
            "duration_minutes": "45",
            "certification": certification.pk,
            "active": "on",
            "material": SimpleUploadedFile("safety.pdf", b"%PDF-1.4 safety"),
        },
    )
    assert response.status_code == 302, response.content
    course = Course.objects.get(code="safety")
    download = client.get(reverse("partnership:course-material", args=[course.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_course_taken_out_of_the_catalogue_is_hidden_from_partners(
    login, manager, partner, course
):
    course.active = False
    course.save()
    assert login(partner).get(reverse("partnership:course", args=[course.pk])).status_code == 404
    assert login(manager).get(reverse("partnership:course", args=[course.pk])).status_code == 200


def test_the_record_shows_certified_people_and_what_ends_soon(
    login, manager, partner, rep, colleague, course, distributor, today
):
    services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    services.completion_record(
        user=colleague,
        course=course,
        completed_on=today - datetime.timedelta(days=330),
        by=manager,
    )
    page = login(manager).get(reverse("distributors:detail", args=[distributor.code]))
    assert b'id="section-training"' in page.content
    assert b"2 people certified today" in page.content
    mine = login(partner).get(reverse("distributors:mine"))
    assert b"Certificates to renew" in mine.content


def test_a_leads_page_shows_the_training_on_its_product_line(
    login, manager, partner, rep, course, plain_course, distributor, today
):
    from distributors.models import ProductLine

    pumps = ProductLine.objects.create(code="pumps", name="Centrifugal pumps")
    course.product_lines.set([pumps])
    plain_course.product_lines.set([ProductLine.objects.create(code="valves", name="Valves")])
    services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    lead = factories.LeadFactory(distributor=distributor, product_line=pumps, status="accepted")
    page = login(partner).get(reverse("leads:detail", args=[lead.pk]))
    assert b'id="training-panel"' in page.content
    assert b"Pump installation" in page.content
    assert b"Meet the range" not in page.content  # another product line's course
    assert b"1 person of the distributor certified" in page.content
    materials = login(partner).get(reverse("leads:materials"), {"product_line": "pumps"})
    assert b"Training on Centrifugal pumps" in materials.content
