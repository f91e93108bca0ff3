import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from drm.errors import NotAllowed, ValidationFailed
from partnership import services
from partnership.models import Completion, add_months_to_day, certificate_status

pytestmark = pytest.mark.django_db


def test_a_certificate_runs_for_the_validity_from_the_day_passed(manager, rep, course, today):
    completion = services.completion_record(
        user=rep, course=course, completed_on=datetime.date(2026, 1, 31), by=manager
    )
    assert completion.distributor == rep.membership.distributor
    # 12 months from 31 January: valid through 30 January of the next year.
    assert completion.expires_on == datetime.date(2027, 1, 30)
    assert completion.status(today) == "valid"


def test_a_course_that_certifies_nothing_has_no_end(manager, rep, plain_course, today):
    completion = services.completion_record(
        user=rep, course=plain_course, completed_on=today, by=manager
    )
    assert completion.expires_on is None
    assert completion.status(today) == ""


def test_month_arithmetic_keeps_the_day_or_takes_the_months_last():
    assert add_months_to_day(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months_to_day(datetime.date(2024, 1, 31), 1) == datetime.date(2024, 2, 29)
    assert add_months_to_day(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)


def test_the_status_reads_the_end_against_today():
    today = datetime.date(2026, 6, 15)
    assert certificate_status(None, today) == "valid"
    assert certificate_status(today - datetime.timedelta(days=1), today) == "expired"
    assert certificate_status(today, today) == "expiring"
    assert certificate_status(today + datetime.timedelta(days=60), today) == "expiring"
    assert certificate_status(today + datetime.timedelta(days=61), today) == "valid"


def test_a_partner_admin_records_for_its_own_team(partner, rep, course, today):
    completion = services.completion_record(
        user=rep, course=course, completed_on=today, by=partner, score=87
    )
    assert completion.recorded_by == partner
    assert completion.score == 87


def test_a_partner_admin_cannot_record_for_another_distributors_people(
    outsider, rep, course, today
):
    with pytest.raises(ValidationFailed) as refused:
        services.completion_record(user=rep, course=course, completed_on=today, by=outsider)
    assert refused.value.field == "user"
    assert not Completion.objects.exists()


def test_a_rep_cannot_record_completions(colleague, rep, course, today):
    with pytest.raises(NotAllowed):
        services.completion_record(user=rep, course=course, completed_on=today, by=colleague)


def test_completions_are_for_partner_people_only(manager, course, today):
    with pytest.raises(ValidationFailed) as refused:
        services.completion_record(user=manager, course=course, completed_on=today, by=manager)
    assert refused.value.field == "user"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"completed_on": datetime.date(2026, 6, 16)}, "completed_on"),
        ({"completed_on": "2026-06-01"}, "completed_on"),
        ({"score": 101}, "score"),
        ({"score": -1}, "score"),
        ({"course": None}, "course"),
    ],
)
def test_bad_input_names_its_field_and_records_nothing(manager, rep, course, today, changes, field):
    values = {"user": rep, "course": course, "completed_on": today, "by": manager, **changes}
    with pytest.raises(ValidationFailed) as refused:
        services.completion_record(**values)
    assert refused.value.field == field
    assert not Completion.objects.exists()


def test_the_same_course_the_same_day_is_recorded_once(manager, rep, course, today):
    services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    with pytest.raises(ValidationFailed) as refused:
        services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    assert refused.value.field == "completed_on"
    assert Completion.objects.count() == 1


def test_a_course_needs_a_link_or_a_material(manager):
    with pytest.raises(ValidationFailed) as refused:
        services.course_save(by=manager, code="x", title="X", language="en", duration_minutes=10)
    assert refused.value.field == "url"


def test_a_material_must_be_the_file_it_claims_to_be(manager):
    fake = SimpleUploadedFile("slides.pdf", b"not a pdf at all")
    with pytest.raises(ValidationFailed) as refused:
        services.course_save(
            by=manager, code="x", title="X", language="en", duration_minutes=10, material=fake
        )
    assert refused.value.field == "material"
    real = SimpleUploadedFile("slides.pdf", b"%PDF-1.4 a real enough pdf")
    course = services.course_save(
        by=manager, code="x", title="X", language="en", duration_minutes=10, material=real
    )
    assert course.material.name.endswith(".pdf")


def test_codes_are_unique_in_any_case(manager, course):
    with pytest.raises(ValidationFailed) as refused:
        services.course_save(
            by=manager,
            code="PUMPS-101",
            title="Again",
            language="en",
            duration_minutes=10,
            url="https://lms.example.test/x",
        )
    assert refused.value.field == "code"


def test_only_the_manufacturer_keeps_the_catalogue(partner):
    with pytest.raises(NotAllowed):
        services.certification_save(by=partner, code="x", name="X")


def test_a_partner_admin_takes_back_only_its_own_teams_completion(
    partner, outsider, manager, rep, course, today
):
    completion = services.completion_record(user=rep, course=course, completed_on=today, by=manager)
    with pytest.raises(NotAllowed):
        services.completion_delete(completion=completion, by=outsider)
    services.completion_delete(completion=completion, by=partner)
    assert not Completion.objects.exists()
