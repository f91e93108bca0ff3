"""The LMS import: completions from a CSV or XLSX export, checked on the shared import engine,
published all or nothing for the users' distributors with the certificate's end, imported again
without a duplicate (the score updated), and the manufacturer's alone."""

import datetime
import io

import openpyxl
import pandas as pd
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from distributors import services as import_services
from distributors.models import ImportBatch
from drm.errors import NotAllowed
from partnership.imports import CompletionSpec, _expiry
from partnership.models import Certification, Completion

pytestmark = pytest.mark.django_db

HEADER = "user,course,completed_on,score\n"


def upload(user, content, *, name="lms.csv"):
    if isinstance(content, str):
        content = content.encode("utf-8")
    batch = import_services.import_batch_create(
        user=user, kind="completion", uploaded_file=SimpleUploadedFile(name, content)
    )
    import_services.import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def commit(batch, user):
    assert batch.status == ImportBatch.Status.VALIDATED, batch.errors
    import_services.import_batch_request_commit(batch=batch, by=user)
    import_services.import_batch_commit(batch_id=batch.pk)
    batch.refresh_from_db()
    return batch


def stored():
    return sorted(
        Completion.objects.values_list(
            "user__username",
            "distributor__code",
            "course__code",
            "completed_on",
            "expires_on",
            "score",
            "source",
            "recorded_by__username",
        )
    )


def workbook(rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["User", "Course", "Completed on", "Score"])  # headers as people write them
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD = (
    HEADER + "REP-TEST,PUMPS-101,2026-01-31,88\n"  # any case; a certificate of 12 months
    "partner-test@example.com,intro,15/06/2026,\n"  # an e-mail; a course certifying nothing
)
EXPECTED = [
    (
        "partner-test",
        "acme",
        "intro",
        datetime.date(2026, 6, 15),
        None,
        None,
        "import",
        "manager-test",
    ),
    (
        "rep-test",
        "acme",
        "pumps-101",
        datetime.date(2026, 1, 31),
        datetime.date(2027, 1, 30),
        88,
        "import",
        "manager-test",
    ),
]


def test_a_checked_file_publishes_completions_for_the_users_distributor_with_their_expiry(
    manager, partner, rep, course, plain_course, today
):
    batch = upload(manager, GOOD)
    assert "2 rows ready: 2 new" in batch.message
    assert batch.preview[0] | {"status": "new"} == {
        "row": 2,
        "user": "rep-test",
        "course": "pumps-101",
        "completed_on": "2026-01-31",
        "score": 88,
        "status": "new",
        "old": {},
    }
    assert not Completion.objects.exists()  # nothing until committed

    batch = commit(batch, manager)

    assert batch.status == ImportBatch.Status.COMMITTED
    assert stored() == EXPECTED


def test_an_xlsx_export_with_date_and_number_cells_publishes_the_same(
    manager, partner, rep, course, plain_course, today
):
    content = workbook(
        [
            ["rep-test", "pumps-101", datetime.datetime(2026, 1, 31), 88],
            ["Partner-Test@Example.com", "INTRO", datetime.date(2026, 6, 15), None],
        ]
    )
    commit(upload(manager, content, name="lms.xlsx"), manager)
    assert stored() == EXPECTED


def test_bad_rows_are_named_by_row_and_column_and_nothing_is_published(
    manager, partner, rep, course, plain_course, today
):
    content = (
        GOOD
        + "nobody,pumps-101,2026-05-01,50\n"  # row 4: no such user
        + "manager-test,pumps-101,2026-05-01,50\n"  # row 5: staff, not a partner user
        + "rep-test,no-such-course,2026-05-01,50\n"  # row 6
        + "rep-test,pumps-101,2026-06-16,50\n"  # row 7: tomorrow
        + "rep-test,intro,2026-05-01,101\n"  # row 8
        + ",,,5\n"  # row 9: the required ones blank
        + "rep-test,intro,31/02/2026,-1\n"  # row 10: no such day, a negative score
    )
    batch = upload(manager, content)

    assert batch.status == ImportBatch.Status.INVALID
    errors = {(e["row"], e["column"]): e["message"] for e in batch.errors}
    assert errors[(4, "user")] == "'nobody' is not the username or e-mail of a partner user"
    assert errors[(5, "user")] == "'manager-test' is not the username or e-mail of a partner user"
    assert errors[(6, "course")] == "unknown course 'no-such-course'"
    assert errors[(7, "completed_on")].startswith("'2026-06-16' is in the future")
    assert errors[(8, "score")] == "'101' is too large (at most 100)"
    assert {(9, "user"), (9, "course"), (9, "completed_on")} <= set(errors)
    assert {(10, "completed_on"), (10, "score")} <= set(errors)
    assert {row for row, _column in errors} == {4, 5, 6, 7, 8, 9, 10}
    assert "nothing was imported" in batch.message
    with pytest.raises(Exception):  # noqa: B017, PT011 - a refused batch cannot be committed
        import_services.import_batch_request_commit(batch=batch, by=manager)
    assert not Completion.objects.exists()


def test_french_headers_read_and_errors_name_the_column_as_the_file_does(
    manager, rep, course, today
):
    batch = upload(manager, "Utilisateur,Cours,Completed on\nrep-test,nope,2026-05-01\n")
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "cours")]


def test_an_email_two_partner_users_share_asks_for_the_username(
    manager, partner, colleague, rep, course, today
):
    partner.email = colleague.email = "team@acme.example"
    partner.save()
    colleague.save()
    batch = upload(manager, HEADER + "team@acme.example,pumps-101,2026-05-01,\n")
    assert batch.errors[0]["column"] == "user"
    assert "several partner users" in batch.errors[0]["message"]


def test_an_inactive_user_is_not_a_partner_user_to_import_for(manager, rep, course, today):
    rep.is_active = False
    rep.save()
    batch = upload(manager, HEADER + "rep-test,pumps-101,2026-05-01,\n")
    assert batch.errors[0]["column"] == "user"


def test_the_same_file_imported_again_duplicates_nothing_and_updates_the_score(
    manager, partner, rep, course, plain_course, today
):
    commit(upload(manager, GOOD), manager)

    again = upload(manager, GOOD)
    assert "0 new, 0 change stored figures, 2 unchanged" in again.message
    again = commit(again, manager)
    assert again.message == "Imported 2 rows: 0 new, 0 replaced, 2 unchanged."
    assert stored() == EXPECTED

    rescored = upload(
        manager,
        HEADER + "rep-test,pumps-101,2026-01-31,\n"  # blank: the stored 88 stays
        "partner-test,intro,2026-06-15,75\n"  # a score where there was none
        "rep-test,pumps-101,2026-02-01,90\n",  # another day: another completion
    )
    assert "1 new, 1 change stored figures, 1 unchanged" in rescored.message
    changed = [row for row in rescored.preview if row["status"] == "changed"]
    assert [(row["user"], row["old"]) for row in changed] == [("partner-test", {"score": ""})]
    commit(rescored, manager)
    scores = dict(Completion.objects.values_list("completed_on", "score"))
    assert scores == {
        datetime.date(2026, 1, 31): 88,
        datetime.date(2026, 6, 15): 75,
        datetime.date(2026, 2, 1): 90,
    }
    assert Completion.objects.count() == 3


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_completion_export_imports_back_as_it_is(
    client, manager, partner, rep, course, plain_course, today, language, fmt
):
    commit(upload(manager, GOOD), manager)
    client.force_login(manager)
    exported = client.get(
        reverse("partnership:completions-export"), {"format": fmt}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert exported.status_code == 200
    if fmt == "csv":
        header = exported.content.decode("utf-8-sig").splitlines()[0]
        assert header.startswith("suivi_le" if language == "fr" else "completed_on")

    again = upload(manager, exported.content, name=f"completions.{fmt}")

    assert again.status == ImportBatch.Status.VALIDATED, again.errors
    assert "0 new, 0 change stored figures, 2 unchanged" in again.message
    commit(again, manager)
    assert stored() == EXPECTED


def test_a_row_repeated_in_the_file_is_an_error(manager, rep, course, today):
    batch = upload(
        manager, HEADER + "rep-test,pumps-101,2026-05-01,\nREP-TEST,pumps-101,01/05/2026,\n"
    )
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors[-1]["row"] == 3


def test_a_partner_cannot_import_completions(partner, rep, course, today):
    with pytest.raises(NotAllowed):
        upload(partner, HEADER + "rep-test,pumps-101,2026-05-01,\n")
    assert not ImportBatch.objects.exists()


@pytest.mark.parametrize("persona", ["partner", "colleague", "outsider"])
def test_a_partner_is_not_offered_the_kind_nor_its_template(request, login, persona):
    client = login(request.getfixturevalue(persona))
    page = client.get(reverse("distributors:import-create"), {"kind": "completion"})
    assert [c[0] for c in page.context["form"].fields["kind"].choices] == ["revenue"]
    assert "columns-completion" not in page.content.decode()
    refused = client.post(
        reverse("distributors:import-create"),
        {"kind": "completion", "file": SimpleUploadedFile("lms.csv", HEADER.encode())},
    )
    assert "kind" in refused.context["form"].errors
    assert not ImportBatch.objects.exists()
    template = client.get(reverse("distributors:import-template", args=["completion"]))
    assert template.status_code == 403


def test_the_manufacturer_imports_from_the_training_page_through_the_upload_page(
    login, manager, partner, rep, course, plain_course, today, django_capture_on_commit_callbacks
):
    client = login(manager)
    training = client.get(reverse("partnership:completions")).content.decode()
    link = reverse("distributors:import-create") + "?kind=completion"
    assert f'href="{link}" id="import-completions"' in training

    page = client.get(link)
    assert page.context["form"]["kind"].value() == "completion"
    html = page.content.decode()
    assert 'id="columns-completion"' in html
    assert reverse("distributors:import-template", args=["completion"]) in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("distributors:import-create"),
            {"kind": "completion", "file": SimpleUploadedFile("lms.csv", GOOD.encode())},
        )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("distributors:import-detail", args=[batch.pk])
    detail = client.get(response["Location"]).content.decode()
    assert 'id="commit-button"' in detail and "pumps-101" in detail
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("distributors:import-commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert stored() == EXPECTED
    listing = client.get(reverse("partnership:completions")).content.decode()
    assert "Imported from an LMS export" in listing


def test_a_partner_admin_sees_no_import_link_on_the_training_page(login, partner):
    html = login(partner).get(reverse("partnership:completions")).content.decode()
    assert 'id="import-completions"' not in html


def test_the_codes_page_lists_the_courses_for_the_manufacturer_only(
    login, manager, partner, course, plain_course
):
    html = login(manager).get(reverse("distributors:import-codes")).content.decode()
    assert 'id="codes-courses"' in html
    assert "<code>pumps-101</code></td><td>Pump installation" in html
    assert (
        'id="codes-courses"'
        not in login(partner).get(reverse("distributors:import-codes")).content.decode()
    )


@pytest.mark.parametrize("months", [1, 6, 12, 13, 120])
def test_the_import_computes_expiry_as_the_certification_does(months):
    days = [
        datetime.date(2024, 1, 31),
        datetime.date(2024, 2, 29),
        datetime.date(2025, 3, 31),
        datetime.date(2025, 8, 31),
        datetime.date(2025, 12, 31),
        datetime.date(2026, 6, 1),
        datetime.date(2026, 6, 15),
    ]
    stamps = pd.Series(pd.to_datetime(days))
    ends = _expiry(stamps, pd.Series([months] * len(days), dtype="Int64"))
    expected = [Certification(validity_months=months).expiry_after(day) for day in days]
    assert [stamp.date() for stamp in ends] == expected


def test_no_validity_means_no_expiry(db):
    ends = _expiry(pd.Series(pd.to_datetime(["2026-01-31"])), pd.Series([None], dtype="Int64"))
    assert ends.isna().all()


def test_the_natural_key_is_the_unique_constraints():
    constraint = next(c for c in Completion._meta.constraints if c.name == "completion_once_a_day")
    assert constraint.fields == ("user", "course", "completed_on")
    assert CompletionSpec.key == ("{t}user_id", "{t}course_id", "{t}completed_on")
    assert (CompletionSpec.required, CompletionSpec.optional) == (
        ("user", "course", "completed_on"),
        ("score",),
    )
