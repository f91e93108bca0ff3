"""/api/v1/courses/, certifications/, completions/ and certificates/: the catalogue every portal
user reads and the manufacturer writes; completions pushed by the manufacturer for anyone or by
a partner admin for its own team; a partner sees its own people's completions and certificates,
nothing of another distributor's."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnership import services
from partnership.models import Certification, Completion, Course
from tests import factories
from tests.funds import files
from tests.funds.api import client_for, refused, results, route

pytestmark = pytest.mark.django_db

COURSES = route("course-list")
CERTIFICATIONS = route("certification-list")
COMPLETIONS = route("completion-list")
CERTIFICATES = route("certificate-list")


def record(user, course, by, day, **over):
    return services.completion_record(user=user, course=course, completed_on=day, by=by, **over)


@pytest.fixture
def passed(today, manager, course, plain_course, rep, partner, outsider):
    """acme's rep passed both courses, acme's admin the certifying one; rival's admin too."""
    day = today - datetime.timedelta(days=30)
    return {
        "rep": record(rep, course, manager, day, score=80),
        "rep_plain": record(rep, plain_course, manager, day),
        "partner": record(partner, course, manager, day - datetime.timedelta(days=400)),
        "outsider": record(outsider, course, manager, day),
    }


def push(client, **body):
    return client.post(COMPLETIONS, body, format="json")


# --- the catalogue -----------------------------------------------------------------------------


def test_every_portal_user_reads_the_catalogue_a_partner_only_the_courses_in_it(
    manager, partner, colleague, outsider, course, plain_course
):
    services.course_save(
        by=manager,
        code="old",
        title="Out of the catalogue",
        language="en",
        duration_minutes=10,
        url="https://lms.example.test/old",
        active=False,
    )
    assert [row["code"] for row in results(client_for(manager).get(COURSES))] == [
        "intro",
        "old",
        "pumps-101",
    ]
    for user in (partner, colleague, outsider):
        rows = results(client_for(user).get(COURSES))
        assert [row["code"] for row in rows] == ["intro", "pumps-101"]
    old = Course.objects.get(code="old")
    refused(client_for(partner).get(route("course-detail", old.pk)), 404)
    row = client_for(partner).get(route("course-detail", course.pk)).json()
    assert row["certification"] == "installer"
    assert row["url"] == "https://lms.example.test/pumps-101"
    assert row["material"] is None


def test_the_courses_filter_with_the_pages_filterset(manager, course, plain_course):
    client = client_for(manager)
    assert [r["code"] for r in results(client.get(COURSES, {"certification": "INSTALLER"}))] == [
        "pumps-101"
    ]
    assert [r["code"] for r in results(client.get(COURSES, {"language": "fr"}))] == ["intro"]
    assert [r["code"] for r in results(client.get(COURSES, {"q": "range"}))] == ["intro"]
    refused(client.get(COURSES, {"certification": "nope"}), 400, "certification")


def test_passed_by_counts_only_the_people_the_caller_may_see(
    manager, partner, outsider, course, passed
):
    def passed_by(user):
        rows = results(client_for(user).get(COURSES, {"certification": "installer"}))
        return rows[0]["passed_by"]

    assert (passed_by(manager), passed_by(partner), passed_by(outsider)) == (3, 2, 1)


def test_the_manufacturer_adds_a_certification_and_a_course_that_gives_it(manager, db):
    pumps = factories.ProductLineFactory(code="pumps")
    client = client_for(manager)
    response = client.post(
        CERTIFICATIONS,
        {"code": "service", "name": "Service technician", "validity_months": 24,
         "product_lines": ["PUMPS"]},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["product_lines"] == ["pumps"]
    assert response.json()["validity_months"] == 24
    response = client.post(
        COURSES,
        {"code": "svc-1", "title": "Servicing", "language": "en", "duration_minutes": 45,
         "url": "https://lms.example.test/svc-1", "certification": "service"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    course = Course.objects.get(code="svc-1")
    assert course.certification.code == "service" and course.active
    assert response.json()["id"] == course.pk and response.json()["passed_by"] == 0
    response = client.put(
        route("course-detail", course.pk),
        {"code": "svc-1", "title": "Servicing pumps", "language": "en", "duration_minutes": 60,
         "url": "https://lms.example.test/svc-1", "product_lines": ["pumps"], "active": False},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    course.refresh_from_db()
    assert (course.title, course.certification, course.active) == ("Servicing pumps", None, False)
    assert list(course.product_lines.all()) == [pumps]


def test_a_partner_cannot_write_the_catalogue(partner, course, certification):
    client = client_for(partner)
    body = {"code": "x", "title": "X", "language": "en", "duration_minutes": 5, "url": ""}
    refused(client.post(COURSES, body, format="json"), 403)
    refused(client.put(route("course-detail", course.pk), body, format="json"), 403)
    refused(client.post(CERTIFICATIONS, {"code": "x", "name": "X"}, format="json"), 403)
    assert Course.objects.count() == 1 and Certification.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "PUMPS-101"}, "code"),  # taken, in any case
        ({"code": "with space"}, "code"),
        ({"url": ""}, "url"),  # no way to take it
        ({"url": "not a link"}, "url"),
        ({"language": "de"}, "language"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"certification": "nope"}, "certification"),
        ({"product_lines": ["nope"]}, "product_lines"),
    ],
)
def test_a_course_the_rules_refuse_is_a_400_naming_the_field(manager, course, body, field):
    payload = {"code": "new", "title": "New", "language": "en", "duration_minutes": 5,
               "url": "https://lms.example.test/new", **body}  # fmt: skip
    refused(client_for(manager).post(COURSES, payload, format="json"), 400, field)
    assert Course.objects.count() == 1


def test_a_certification_the_rules_refuse_is_a_400_naming_the_field(manager, certification):
    client = client_for(manager)
    refused(
        client.post(CERTIFICATIONS, {"code": "Installer", "name": "Again"}, format="json"),
        400,
        "code",
    )
    refused(
        client.post(
            CERTIFICATIONS, {"code": "new", "name": "New", "validity_months": 0}, format="json"
        ),
        400,
        "validity_months",
    )
    refused(client.post(CERTIFICATIONS, {"code": "new", "name": " "}, format="json"), 400, "name")
    assert Certification.objects.count() == 1


def test_the_material_is_served_to_whoever_sees_the_course(
    manager, partner, course, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    services.course_save(
        by=manager,
        course=course,
        code=course.code,
        title=course.title,
        language=course.language,
        duration_minutes=course.duration_minutes,
        material=SimpleUploadedFile("guide.pdf", files.PDF),
    )
    row = client_for(partner).get(route("course-detail", course.pk)).json()
    assert row["material"] == route("course-material", course.pk)
    response = client_for(partner).get(row["material"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.PDF
    assert "attachment" in response["Content-Disposition"]


def test_a_course_without_material_has_none_to_download(partner, course):
    refused(client_for(partner).get(route("course-material", course.pk)), 404)


# --- completions -------------------------------------------------------------------------------


def test_a_partner_lists_its_own_peoples_completions_and_the_outsider_none_of_acmes(
    manager, partner, colleague, outsider, passed
):
    everyone = {row["id"] for row in results(client_for(manager).get(COMPLETIONS))}
    assert everyone == {completion.pk for completion in passed.values()}
    acmes = {passed["rep"].pk, passed["rep_plain"].pk, passed["partner"].pk}
    for user in (partner, colleague):
        rows = results(client_for(user).get(COMPLETIONS))
        assert {row["id"] for row in rows} == acmes
        assert {row["distributor"] for row in rows} == {"acme"}
        refused(client_for(user).get(route("completion-detail", passed["outsider"].pk)), 404)
        refused(client_for(user).get(COMPLETIONS, {"distributor": "rival"}), 400, "distributor")
    rows = results(client_for(outsider).get(COMPLETIONS))
    assert [row["id"] for row in rows] == [passed["outsider"].pk]
    refused(client_for(outsider).get(route("completion-detail", passed["rep"].pk)), 404)


def test_a_completion_reads_its_person_course_and_certificate(partner, passed):
    row = client_for(partner).get(route("completion-detail", passed["rep"].pk)).json()
    assert row == {
        "id": passed["rep"].pk,
        "username": "rep-test",
        "person": "Rita Rep",
        "distributor": "acme",
        "course": "pumps-101",
        "course_title": "Pump installation",
        "certification": "installer",
        "completed_on": "2026-05-16",
        "expires_on": "2027-05-15",
        "status": "valid",
        "score": 80,
        "source": "portal",
        "recorded_by": "manager-test",
        "created_at": row["created_at"],
    }
    plain = client_for(partner).get(route("completion-detail", passed["rep_plain"].pk)).json()
    assert (plain["certification"], plain["expires_on"], plain["status"]) == (None, None, "")


def test_the_completions_filter_with_the_pages_filterset(manager, passed):
    client = client_for(manager)

    def found(**query):
        return {row["id"] for row in results(client.get(COMPLETIONS, query))}

    assert found(distributor="RIVAL") == {passed["outsider"].pk}
    assert found(course="intro") == {passed["rep_plain"].pk}
    assert found(person="rita") == {passed["rep"].pk, passed["rep_plain"].pk}
    assert found(completed_to="2025-12-31") == {passed["partner"].pk}
    assert found(source="api") == set()
    refused(client.get(COMPLETIONS, {"completed_from": "soon"}), 400, "completed_from")


def test_a_partner_admin_pushes_a_completion_for_its_rep(today, partner, rep, course):
    response = push(
        client_for(partner), username="REP-TEST", course="Pumps-101", completed_on="2026-06-01",
        score=91,
    )  # fmt: skip

    assert response.status_code == 201, response.content
    completion = Completion.objects.get()
    assert (completion.user, completion.distributor.code, completion.source) == (
        rep,
        "acme",
        Completion.Source.API,
    )
    assert (completion.score, completion.recorded_by, completion.expires_on) == (
        91,
        partner,
        datetime.date(2027, 5, 31),
    )
    body = response.json()
    assert (body["id"], body["source"], body["status"]) == (completion.pk, "api", "valid")


def test_the_manufacturer_names_any_partner_user_by_e_mail(today, manager, outsider, course):
    response = push(
        client_for(manager), username=outsider.email.upper(), course="pumps-101",
        completed_on="2026-06-15",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    assert response.json()["distributor"] == "rival"
    assert response.json()["score"] is None


def test_another_distributors_user_answers_like_an_unknown_one_and_nothing_is_recorded(
    today, partner, outsider, course
):
    client = client_for(partner)
    theirs = refused(
        push(client, username=outsider.username, course="pumps-101", completed_on="2026-06-01"),
        400,
        "username",
    )
    unknown = refused(
        push(client, username="nobody-at-all", course="pumps-101", completed_on="2026-06-01"),
        400,
        "username",
    )
    assert theirs == unknown
    assert not Completion.objects.exists()


def test_a_rep_cannot_push_a_completion(today, colleague, rep, course):
    response = push(
        client_for(colleague), username=rep.username, course="pumps-101", completed_on="2026-06-01"
    )
    refused(response, 403)
    assert not Completion.objects.exists()


def test_the_manufacturer_cannot_record_a_completion_for_its_own_staff(today, manager, course):
    staff = factories.ManagerFactory(username="staff-too")
    response = push(
        client_for(manager), username=staff.username, course="pumps-101", completed_on="2026-06-01"
    )
    refused(response, 400, "username")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"completed_on": "2026-06-16"}, "completed_on"),  # in the future
        ({"completed_on": "16/06/2026"}, "completed_on"),
        ({"course": "nope"}, "course"),
        ({"course": "old"}, "course"),  # out of the catalogue: a partner does not see it
        ({"score": 101}, "score"),
        ({"username": ""}, "username"),
        ({"username": 12}, "username"),
    ],
)
def test_a_completion_the_rules_refuse_is_a_400_naming_the_field(
    today, manager, partner, rep, course, body, field
):
    Course.objects.create(
        code="old", title="Old", language="en", duration_minutes=5, url="https://x.test", active=0
    )
    payload = {"username": rep.username, "course": "pumps-101", "completed_on": "2026-06-01"}
    refused(push(client_for(partner), **{**payload, **body}), 400, field)
    assert not Completion.objects.exists()


def test_the_same_course_passed_twice_the_same_day_is_a_400(today, partner, rep, course):
    body = {"username": rep.username, "course": "pumps-101", "completed_on": "2026-06-01"}
    assert push(client_for(partner), **body).status_code == 201
    refused(push(client_for(partner), **body), 400, "completed_on")
    assert Completion.objects.count() == 1


def test_a_partner_admin_takes_back_its_teams_completion_and_nobody_elses(
    partner, colleague, outsider, passed
):
    mine = route("completion-detail", passed["rep"].pk)
    refused(client_for(colleague).delete(mine), 403)
    refused(client_for(outsider).delete(mine), 404)
    assert Completion.objects.filter(pk=passed["rep"].pk).exists()
    assert client_for(partner).delete(mine).status_code == 204
    assert not Completion.objects.filter(pk=passed["rep"].pk).exists()
    refused(client_for(partner).delete(route("completion-detail", passed["outsider"].pk)), 404)
    assert Completion.objects.count() == 3


def test_nobody_without_a_role_reads_nothing(nobody, passed):
    for url in (COURSES, CERTIFICATIONS, COMPLETIONS, CERTIFICATES):
        refused(client_for(nobody).get(url), 403)


def test_the_completions_list_does_not_grow_in_queries_with_its_rows(
    today, manager, partner, distributor, other_distributor, course, plain_course
):
    day = today - datetime.timedelta(days=1)

    def people(count):
        for index in range(count):
            where = distributor if index % 2 else other_distributor
            user = factories.MembershipFactory(distributor=where, role="rep").user
            record(user, course, manager, day)
            record(user, plain_course, manager, day)

    for user in (manager, partner):
        Completion.objects.all().delete()
        client = client_for(user)
        people(2)
        client.get(COMPLETIONS)
        with CaptureQueriesContext(connection) as few:
            results(client.get(COMPLETIONS))
        people(6)
        with CaptureQueriesContext(connection) as many:
            rows = results(client.get(COMPLETIONS))
        assert len(rows) >= 8
        assert len(many.captured_queries) == len(few.captured_queries)


# --- certificates ------------------------------------------------------------------------------


def test_a_partner_reads_its_own_peoples_certificates_and_the_outsider_none_of_acmes(
    manager, partner, colleague, outsider, passed
):
    rows = results(client_for(manager).get(CERTIFICATES))
    assert sorted((row["username"], row["distributor"]) for row in rows) == [
        ("outsider-test", "rival"),
        ("partner-test", "acme"),
        ("rep-test", "acme"),
    ]
    for user in (partner, colleague):
        rows = results(client_for(user).get(CERTIFICATES))
        assert {row["username"] for row in rows} == {"partner-test", "rep-test"}
        refused(client_for(user).get(CERTIFICATES, {"distributor": "rival"}), 400, "distributor")
    rows = results(client_for(outsider).get(CERTIFICATES))
    assert [row["username"] for row in rows] == ["outsider-test"]


def test_a_certificate_reads_its_end_and_status(partner, passed):
    rows = results(client_for(partner).get(CERTIFICATES))
    assert rows == [
        {
            "username": "partner-test",
            "person": "partner-test",
            "distributor": "acme",
            "certification": "installer",
            "certification_name": "Certified installer",
            "last_passed": "2025-04-11",
            "ends": "2026-04-10",
            "status": "expired",
        },
        {
            "username": "rep-test",
            "person": "Rita Rep",
            "distributor": "acme",
            "certification": "installer",
            "certification_name": "Certified installer",
            "last_passed": "2026-05-16",
            "ends": "2027-05-15",
            "status": "valid",
        },
    ]


def test_a_certification_that_does_not_expire_ends_null(today, manager, partner, rep):
    forever = services.certification_save(by=manager, code="forever", name="For ever")
    course = services.course_save(
        by=manager, code="f", title="F", language="en", duration_minutes=5,
        url="https://lms.example.test/f", certification=forever,
    )  # fmt: skip
    record(rep, course, manager, today)
    (row,) = results(client_for(partner).get(CERTIFICATES))
    assert (row["ends"], row["status"]) == (None, "valid")


def test_the_certificates_filter_with_the_pages_filterset(manager, passed):
    client = client_for(manager)

    def found(**query):
        return sorted(row["username"] for row in results(client.get(CERTIFICATES, query)))

    assert found(status="expired") == ["partner-test"]
    assert found(status="valid") == ["outsider-test", "rep-test"]
    assert found(distributor="rival", certification="INSTALLER") == ["outsider-test"]
    refused(client.get(CERTIFICATES, {"status": "lost"}), 400, "status")
