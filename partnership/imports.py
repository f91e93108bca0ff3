"""The LMS import: training completions from a learning platform's CSV/XLSX export, on the
shared import engine (manufacturer only).

Rows name a partner user (username or e-mail) and a course (code), with the day it was passed
and the test's score. Each completion counts for the user's distributor of the day it is
imported and runs until the course's certification expires, by the rule of
`Certification.expiry_after`. A row whose user, course and day are stored already is the same
completion: it rewrites the stored score with the file's (a blank score keeps the stored one)
and nothing else, so an LMS export can be imported again and again.
"""

import pandas as pd
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from distributors.imports import CodeList, register, register_codes
from distributors.models import Distributor, ImportBatch
from identity.models import Membership
from ingest import checks
from ingest.spec import CODE, DATE, INTEGER, Column, Spec

from .models import Completion, Course


def _expiry(days, months):
    """Vectorised `Certification.expiry_after`: `days` (datetime64) plus `months` (a Series of
    whole months, NA: it does not expire) on the same day of the month or the month's last,
    minus one day; NaT where it does not expire."""
    ends = pd.Series(pd.NaT, index=days.index, dtype="datetime64[ns]")
    for validity in months.dropna().unique():
        rows = (months == validity).fillna(False) & days.notna()
        if rows.any():
            # DateOffset(months=) keeps the day or falls back to the month's last (31 Jan → Feb).
            ends[rows] = days[rows] + pd.DateOffset(months=int(validity)) - pd.Timedelta(days=1)
    return ends


EXPORTED = gettext_lazy(
    "Written by the completion export; ignored on import (a completion imported again is the "
    "same one)."
)


class CompletionSpec(Spec):
    kind = "completion"
    manufacturer_only = True  # the manufacturer imports its LMS's export
    columns = (
        Column(
            gettext_noop("user"),
            gettext_lazy(
                "Who passed the course: a partner user's username or e-mail. The completion "
                "counts for the user's distributor."
            ),
            gettext_lazy("A username or an e-mail address, in any case."),
            "claire.martin@example.com",
            required=True,
        ),
        Column(
            gettext_noop("course"),
            gettext_lazy("The course passed: its code in the training catalogue."),
            checks.CODE_FORMAT,
            "pumps-101",
            required=True,
            kind=CODE,
            codes="courses",
        ),
        Column(
            gettext_noop("completed_on"),
            gettext_lazy(
                "The day it was passed. The certificate the course gives runs from that day. "
                "A user's course already recorded on that day is not recorded twice: its score "
                "is updated."
            ),
            checks.DAY_FORMAT,
            "2026-03-15",
            required=True,
            kind=DATE,
        ),
        Column(
            gettext_noop("score"),
            gettext_lazy(
                "The score of the course's test, out of 100. Blank: none (a completion imported "
                "again keeps its stored score)."
            ),
            gettext_lazy("A whole number from 0 to 100."),
            "85",
            number=True,
            kind=INTEGER,
        ),
        *(
            Column(name, EXPORTED, ignored=True)
            for name in (
                gettext_noop("distributor"),
                gettext_noop("person"),
                gettext_noop("course_title"),
                gettext_noop("certification"),
                gettext_noop("valid_until"),
                gettext_noop("source"),
            )
        ),
    )
    stage_columns = (
        ("user_id", "integer"),
        ("distributor_id", "integer"),
        ("course_id", "integer"),
        ("completed_on", "date"),
        ("expires_on", "date"),
        ("score", "integer"),
    )
    table = Completion._meta.db_table
    key = ("{t}user_id", "{t}course_id", "{t}completed_on")
    insert_columns = (
        "user_id",
        "distributor_id",
        "course_id",
        "completed_on",
        "expires_on",
        "score",
        "source",
        "recorded_by_id",
        "expiry_notice_for",
        "created_at",
    )
    # A completion imported again is the same one: only its score may change (its distributor
    # and expiry stay those of when it was recorded).
    update_columns = ("score",)
    touched_columns = ()
    compared = ("score",)
    references = (
        ("user_id", get_user_model()._meta.db_table),
        ("distributor_id", Distributor._meta.db_table),
        ("course_id", Course._meta.db_table),
    )

    def __init__(self, context):
        super().__init__(context)
        people = list(
            Membership.objects.filter(user__is_active=True).values_list(
                "user_id", "user__username", "user__email", "distributor_id"
            )
        )
        self.usernames = {pk: username for pk, username, _email, _d in people}
        self.distributor_of = {pk: distributor for pk, _u, _e, distributor in people}
        emails = {}
        for pk, _username, email, _distributor in people:
            if email:
                emails.setdefault(email.lower(), set()).add(pk)
        # A username wins over an e-mail that reads the same; an e-mail two people share names
        # nobody (the API says the same).
        self.shared_emails = {email for email, pks in emails.items() if len(pks) > 1}
        self.people = {email: next(iter(pks)) for email, pks in emails.items() if len(pks) == 1}
        self.people.update({username.lower(): pk for pk, username, _e, _d in people})
        courses = Course.objects.select_related("certification").only(
            "code", "certification__validity_months"
        )
        self.courses = {course.pk: course.code for course in courses}
        self.validity = {
            course.pk: course.certification.validity_months
            for course in courses
            if course.certification is not None
        }

    def parse(self, raw, errors):
        checks.required(raw["user"], "user", errors)
        shared = raw["user"].str.lower().isin(list(self.shared_emails)) & ~raw[
            "user"
        ].str.lower().isin(list(self.people))
        errors.add(
            shared,
            "user",
            checks.about(
                raw["user"], _("is the e-mail of several partner users: give the username")
            ),
        )
        user = checks.code_lookup(
            raw["user"].where(~shared, ""),
            "user",
            errors,
            self.people,
            unknown=_("{value} is not the username or e-mail of a partner user"),
        )
        distributor = user.map(self.distributor_of).astype("Int64")
        checks.required(raw["course"], "course", errors)
        course = checks.code_lookup(
            raw["course"],
            "course",
            errors,
            {code.lower(): pk for pk, code in self.courses.items()},
            unknown=_("unknown course {value}"),
        )
        present = checks.required(raw["completed_on"], "completed_on", errors)
        day = checks.day(
            raw["completed_on"].where(present, ""),
            "completed_on",
            errors,
            latest=self.context.latest_day,
        )
        score = checks.integer(
            raw["score"],
            "score",
            errors,
            number_format=self.context.number_format,
            maximum=100,
        )
        validity = course.map(self.validity).astype("Int64")
        return pd.DataFrame(
            {
                "user_id": user,
                "distributor_id": distributor,
                "course_id": course,
                "completed_on": day,
                "expires_on": _expiry(day, validity),
                "score": score,
            }
        )

    def compare_sql(self, name):
        # A blank score keeps the stored one: it changes nothing.
        return "COALESCE({s}score, {t}score)", "{t}score"

    def select_sql(self, stage, *, now):
        table = connection.ops.quote_name(self.table)
        match = " AND ".join(
            f"{t} = {s}" for t, s in zip(self.key_sql("t"), self.key_sql("s"), strict=True)
        )
        sql = f"""
            SELECT s.user_id, s.distributor_id, s.course_id, s.completed_on, s.expires_on,
                COALESCE(s.score, t.score), %s, %s, NULL, %s
            FROM {stage.qname} s LEFT JOIN {table} t ON {match}
            WHERE true
        """  # noqa: S608
        return sql, [Completion.Source.IMPORT, self._uploader_id(), now]

    def _uploader_id(self):
        """Who recorded them: the file's uploader (the batch being committed), when known."""
        batch_id = self.context.extra.get("batch_id")
        if not batch_id:
            return None
        return (
            ImportBatch.objects.filter(pk=batch_id).values_list("uploaded_by_id", flat=True).first()
        )

    def preview(self, staged):
        return [
            {
                "row": int(row.row_no),
                "user": self.usernames.get(row.user_id, ""),
                "course": self.courses.get(row.course_id, ""),
                "completed_on": pd.Timestamp(row.completed_on).date().isoformat(),
                "score": "" if pd.isna(row.score) else int(row.score),
            }
            for row in staged.itertuples(index=False)
        ]


register(CompletionSpec, upload_page=True)
register_codes(
    CodeList(
        "courses",
        gettext_lazy("Courses"),
        lambda user: (
            Course.objects.only("code", "title").annotate(name=F("title")).order_by("code")
        ),
        manufacturer_only=True,
    )
)
