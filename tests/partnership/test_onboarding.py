"""Onboarding journeys: steps defined once, a distributor's way through them (ticked, a file, or
checked by the portal from figures it holds), the access a journey opens, the public
application and its decision, and the notices of steps coming due."""

import datetime

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from distributors.models import Distributor
from distributors.services import distributor_save
from drm.errors import NotAllowed, ValidationFailed
from identity.models import Membership
from leads.routing import candidates_load
from notifications.models import Notification
from partnership import services
from partnership.journeys import CHECKS
from partnership.models import Application, JourneyStep, Onboarding, StepProgress
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _journey(manager, *, for_applications=True):
    journey = services.journey_save(
        by=manager,
        name="New distributor",
        name_fr="Nouveau distributeur",
        for_applications=for_applications,
    )
    steps = [
        ("Application approved", "manufacturer", 2, "check", "application_approved", False),
        ("Credit check", "manufacturer", 5, "tick", "", False),
        ("Signed company registration", "partner", 10, "file", "", False),
        ("First training passed", "partner", 30, "check", "first_training_passed", True),
        ("First revenue reported", "partner", 60, "check", "first_revenue_reported", False),
    ]
    for title, side, days, evidence, check, opens in steps:
        services.journey_step_save(
            by=manager,
            journey=journey,
            title=title,
            side=side,
            due_days=days,
            evidence=evidence,
            portal_check=check,
            opens_access=opens,
        )
    return journey


@pytest.fixture
def journey(manager):
    return _journey(manager)


@pytest.fixture(autouse=True)
def entry_tier(db):
    """The lowest tier: where an applicant starts."""
    return factories.TierFactory(code="entry", name="Entry", rank=9)


@pytest.fixture
def newcomer(db):
    return factories.DistributorFactory(
        code="newco", name="Newco Pumps", status=Distributor.Status.ONBOARDING
    )


@pytest.fixture
def newcomer_admin(newcomer):
    return factories.MembershipFactory(
        user=factories.UserFactory(username="newco-admin"), distributor=newcomer, role="admin"
    ).user


def _progress(onboarding, title):
    return onboarding.progress.select_related("step").get(step__title=title)


def test_a_journey_starts_with_each_step_due_its_offset_after_today(manager, journey, newcomer):
    onboarding = services.onboarding_start(
        by=manager, distributor=newcomer, journey=journey, today=datetime.date(2026, 3, 1)
    )
    dues = [p.due_on for p in onboarding.progress.order_by("step__position")]
    assert dues == [
        datetime.date(2026, 3, 3),
        datetime.date(2026, 3, 6),
        datetime.date(2026, 3, 11),
        datetime.date(2026, 3, 31),
        datetime.date(2026, 4, 30),
    ]


def test_only_the_manufacturer_defines_journeys_and_a_step_names_its_check(manager, partner):
    with pytest.raises(NotAllowed):
        services.journey_save(by=partner, name="Mine")
    journey = services.journey_save(by=manager, name="Short")
    with pytest.raises(ValidationFailed) as refused:
        services.journey_step_save(
            by=manager,
            journey=journey,
            title="Revenue",
            side="partner",
            due_days=5,
            evidence="check",
            portal_check="",
        )
    assert refused.value.field == "portal_check"
    with pytest.raises(ValidationFailed) as refused:
        services.journey_step_save(
            by=manager,
            journey=journey,
            title="Tick",
            side="partner",
            due_days=5,
            evidence="tick",
            portal_check="first_revenue_reported",
        )
    assert refused.value.field == "portal_check"
    with pytest.raises(ValidationFailed) as refused:
        services.journey_step_save(
            by=manager, journey=journey, title="Tick", side="both", due_days=5, evidence="tick"
        )
    assert refused.value.field == "side"
    assert not journey.steps.exists()


def test_one_journey_is_started_by_applications_and_one_step_opens_access(manager, journey):
    other = services.journey_save(by=manager, name="Fast track", for_applications=True)
    journey.refresh_from_db()
    assert other.for_applications and not journey.for_applications
    gate = journey.steps.get(opens_access=True)
    services.journey_step_save(
        by=manager,
        journey=journey,
        step=journey.steps.get(title="Credit check"),
        title="Credit check",
        side="manufacturer",
        due_days=5,
        evidence="tick",
        opens_access=True,
    )
    gate.refresh_from_db()
    assert not gate.opens_access
    assert journey.steps.get(opens_access=True).title == "Credit check"


def test_a_partner_admin_does_its_partner_steps_and_a_file_is_checked_by_its_content(
    manager, journey, newcomer, newcomer_admin, partner
):
    onboarding = services.onboarding_start(by=manager, distributor=newcomer, journey=journey)
    registration = _progress(onboarding, "Signed company registration")
    with pytest.raises(NotAllowed):  # another distributor's admin
        services.step_complete(by=partner, progress=registration)
    with pytest.raises(NotAllowed):  # the manufacturer's step
        services.step_complete(by=newcomer_admin, progress=_progress(onboarding, "Credit check"))
    with pytest.raises(ValidationFailed) as refused:
        services.step_complete(by=newcomer_admin, progress=registration)
    assert refused.value.field == "evidence"
    fake = SimpleUploadedFile("registration.pdf", b"MZ not a pdf at all")
    with pytest.raises(ValidationFailed) as refused:
        services.step_complete(by=newcomer_admin, progress=registration, evidence_file=fake)
    assert refused.value.field == "evidence"
    registration.refresh_from_db()
    assert registration.done_at is None
    services.step_complete(
        by=newcomer_admin,
        progress=registration,
        evidence_file=SimpleUploadedFile("registration.pdf", PDF),
        note="Extract of 2 March",
    )
    registration.refresh_from_db()
    assert registration.done_by == newcomer_admin and registration.evidence_name.endswith(".pdf")
    with pytest.raises(ValidationFailed):
        services.step_complete(by=manager, progress=registration)


def test_a_rep_reads_but_does_not_do_steps(manager, journey, newcomer):
    rep = factories.MembershipFactory(
        user=factories.UserFactory(username="newco-rep"), distributor=newcomer, role="rep"
    ).user
    onboarding = services.onboarding_start(by=manager, distributor=newcomer, journey=journey)
    with pytest.raises(NotAllowed):
        services.step_complete(
            by=rep,
            progress=_progress(onboarding, "Signed company registration"),
            evidence_file=SimpleUploadedFile("r.pdf", PDF),
        )


def test_nobody_ticks_a_step_the_portal_checks(manager, journey, newcomer):
    onboarding = services.onboarding_start(by=manager, distributor=newcomer, journey=journey)
    with pytest.raises(ValidationFailed) as refused:
        services.step_complete(by=manager, progress=_progress(onboarding, "First revenue reported"))
    assert "first revenue reported" in refused.value.message


def test_portal_checks_mark_steps_done_from_the_figures_and_open_access(
    manager, journey, newcomer, newcomer_admin
):
    """No lead before "first training passed": the distributor stays onboarding (routing skips
    it) and cannot be made active by hand; the completion opens access."""
    onboarding = services.onboarding_start(by=manager, distributor=newcomer, journey=journey)
    assert services.onboardings_refresh() == 1  # approved already: not an applicant
    assert candidates_load(ids=[newcomer.pk])[newcomer.pk].status == "onboarding"
    newcomer.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        distributor_save(distributor=newcomer, by=manager, changed_status="active")
    assert refused.value.field == "status" and "First training passed" in refused.value.message
    certification = services.certification_save(
        by=manager, code="basics", name="Basics", passing="Knows the range", validity_months=12
    )
    course = services.course_save(
        by=manager,
        code="b-101",
        title="Basics",
        language="en",
        duration_minutes=30,
        url="https://lms.example.test/b",
        certification=certification,
    )
    services.completion_record(
        user=newcomer_admin, course=course, completed_on=datetime.date.today(), by=manager
    )
    newcomer.refresh_from_db()
    assert newcomer.status == Distributor.Status.ACTIVE  # recording it refreshed the checks
    assert _progress(onboarding, "First training passed").done_at is not None
    assert _progress(onboarding, "First revenue reported").done_at is None
    assert Notification.objects.filter(
        recipient=newcomer_admin, kind="onboarding_access_opened"
    ).exists()
    assert services.onboardings_refresh() == 0  # idempotent
    factories.RevenueRecordFactory(distributor=newcomer)
    assert services.onboardings_refresh() == 1
    onboarding.refresh_from_db()
    assert onboarding.completed_at is None  # the manufacturer's credit check is still to do
    services.step_complete(by=manager, progress=_progress(onboarding, "Credit check"))
    services.step_complete(
        by=newcomer_admin,
        progress=_progress(onboarding, "Signed company registration"),
        evidence_file=SimpleUploadedFile("r.pdf", PDF),
    )
    onboarding.refresh_from_db()
    assert onboarding.completed_at is not None


def test_refreshing_costs_one_query_per_check_whatever_the_onboardings(
    manager, journey, django_assert_max_num_queries
):
    for _n in range(12):
        services.onboarding_start(
            by=manager,
            distributor=factories.DistributorFactory(status=Distributor.Status.ONBOARDING),
            journey=journey,
        )
    services.onboardings_refresh()  # marks "application approved" for all twelve
    # The pending steps, then one query per check named (training, revenue): no per-row query.
    with django_assert_max_num_queries(3):
        assert services.onboardings_refresh() == 0


def test_a_new_step_joins_open_onboardings_and_a_done_step_cannot_be_removed(
    manager, journey, newcomer
):
    onboarding = services.onboarding_start(
        by=manager, distributor=newcomer, journey=journey, today=datetime.date(2026, 3, 1)
    )
    step = services.journey_step_save(
        by=manager,
        journey=journey,
        title="Portal users invited",
        side="manufacturer",
        due_days=3,
        evidence="check",
        portal_check="portal_users_invited",
    )
    added = onboarding.progress.get(step=step)
    assert added.due_on == datetime.date(2026, 3, 4)
    services.step_complete(by=manager, progress=_progress(onboarding, "Credit check"))
    with pytest.raises(ValidationFailed):
        services.journey_step_delete(by=manager, step=journey.steps.get(title="Credit check"))
    services.journey_step_delete(by=manager, step=step)
    assert not StepProgress.objects.filter(step_id=step.pk).exists()


def test_reopening_a_step_takes_its_file_back(
    django_capture_on_commit_callbacks, manager, journey, newcomer, newcomer_admin
):
    onboarding = services.onboarding_start(by=manager, distributor=newcomer, journey=journey)
    registration = _progress(onboarding, "Signed company registration")
    services.step_complete(
        by=newcomer_admin, progress=registration, evidence_file=SimpleUploadedFile("r.pdf", PDF)
    )
    with pytest.raises(NotAllowed):
        services.step_reopen(by=newcomer_admin, progress=registration)
    registration.refresh_from_db()
    stored = registration.evidence_file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.step_reopen(by=manager, progress=registration)
    registration.refresh_from_db()
    assert registration.done_at is None and not registration.evidence_file
    assert not default_storage.exists(stored)


def _apply(**changes):
    data = {
        "company": "Nordic Flow AB",
        "country": "SE",
        "contact_name": "Astrid Lind",
        "email": "astrid@nordicflow.example",
        "phone": "+46 8 123 456",
        "website": "https://nordicflow.example",
        "message": "Pumps for district heating.",
        "language": "en",
    }
    data.update(changes)
    return services.application_submit(**data)


def test_an_application_creates_an_applicant_on_the_journey_and_tells_the_managers(
    django_capture_on_commit_callbacks, manager, journey
):
    with django_capture_on_commit_callbacks(execute=True):
        application = _apply()
    distributor = application.distributor
    assert distributor.status == Distributor.Status.APPLICANT
    assert distributor.code == "nordic-flow-ab" and distributor.currency == "SEK"
    assert distributor.tier.code == "entry"  # the lowest tier
    assert distributor.onboarding.journey == journey
    assert Notification.objects.filter(recipient=manager, kind="application_received").exists()
    # The same company twice gets its own code; nothing tells it the first exists.
    assert _apply().distributor.code == "nordic-flow-ab-2"


@pytest.mark.parametrize(
    "field, value",
    [
        ("company", " "),
        ("country", "XX"),
        ("country", "AQ"),  # no currency
        ("email", "astrid@"),
        ("phone", "call me"),
        ("website", "javascript:alert(1)"),
        ("contact_name", ""),
    ],
)
def test_a_bad_application_names_its_field_and_creates_nothing(journey, field, value):
    with pytest.raises(ValidationFailed) as refused:
        _apply(**{field: value})
    assert refused.value.field == field
    assert not Distributor.objects.filter(status="applicant").exists()
    assert not Application.objects.exists()


def test_an_applicant_leaves_that_status_only_by_the_decision(manager, journey):
    distributor = _apply().distributor
    with pytest.raises(ValidationFailed) as refused:
        distributor_save(distributor=distributor, by=manager, changed_status="onboarding")
    assert refused.value.field == "status"


def test_approving_moves_to_onboarding_invites_the_contact_and_tells_the_applicant(
    django_capture_on_commit_callbacks, manager, journey
):
    application = _apply()
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(
            by=manager, application=application, approve=True, invite_contact=True
        )
    distributor = Distributor.objects.get(pk=application.distributor_id)
    assert distributor.status == Distributor.Status.ONBOARDING
    membership = Membership.objects.get(distributor=distributor)
    assert (membership.user.email, membership.role) == ("astrid@nordicflow.example", "admin")
    approved = _progress(distributor.onboarding, "Application approved")
    assert approved.done_at is not None
    decision = [m for m in mail.outbox if "approved" in m.subject]
    assert decision and decision[0].to == ["astrid@nordicflow.example"]
    with pytest.raises(ValidationFailed):
        services.application_decide(by=manager, application=application, approve=False, reason="x")


def test_declining_needs_a_reason_stops_the_journey_and_tells_it_in_its_language(
    django_capture_on_commit_callbacks, manager, partner, journey
):
    application = _apply(language="fr")
    with pytest.raises(NotAllowed):
        services.application_decide(by=partner, application=application, approve=False, reason="x")
    with pytest.raises(ValidationFailed) as refused:
        services.application_decide(by=manager, application=application, approve=False)
    assert refused.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        services.application_decide(
            by=manager, application=application, approve=False, reason="Zone déjà couverte."
        )
    distributor = Distributor.objects.get(pk=application.distributor_id)
    assert distributor.status == Distributor.Status.DECLINED
    assert Onboarding.objects.get(distributor=distributor).stopped_at is not None
    sent = mail.outbox[-1]
    assert "Zone déjà couverte." in sent.body and "candidature" in sent.subject.lower()


def test_steps_due_are_told_to_their_owners_once_per_due_day(
    manager, journey, newcomer, newcomer_admin
):
    newcomer.account_manager = manager
    newcomer.save()
    start = datetime.date(2026, 3, 1)
    onboarding = services.onboarding_start(
        by=manager, distributor=newcomer, journey=journey, today=start
    )
    told = services.steps_due_notify(today=start + datetime.timedelta(days=3))
    # Day 4: "application approved" (due day 2, overdue), credit check (5) are within 3 days.
    assert told == 2
    assert Notification.objects.filter(recipient=manager, kind="onboarding_step_due").count() == 2
    assert services.steps_due_notify(today=start + datetime.timedelta(days=3)) == 0
    told = services.steps_due_notify(today=start + datetime.timedelta(days=8))
    assert told == 1  # the partner's file (day 10)
    assert (
        Notification.objects.filter(recipient=newcomer_admin, kind="onboarding_step_due").count()
        == 1
    )
    assert onboarding.progress.filter(due_notice_for__isnull=False).count() == 3


def test_every_check_answers_for_a_set_of_distributors(manager):
    ids = [factories.DistributorFactory().pk for _ in range(3)]
    for check in CHECKS.values():
        assert check.done(ids) <= set(ids)


class AdvanceInvariant(TestCase):
    """Whatever steps are done, in any order: the distributor is active exactly when the step
    that opens access is done, and the onboarding complete exactly when every step is."""

    @settings(max_examples=25, deadline=None)
    @given(st.lists(st.integers(min_value=0, max_value=3), unique=True))
    def test_access_and_completion_follow_the_steps_done(self, order):
        manager = factories.ManagerFactory()
        journey = services.journey_save(by=manager, name="J")
        for n in range(4):
            services.journey_step_save(
                by=manager,
                journey=journey,
                title=f"S{n}",
                side="manufacturer",
                due_days=n,
                evidence="tick",
                opens_access=n == 2,
            )
        distributor = factories.DistributorFactory(status=Distributor.Status.ONBOARDING)
        onboarding = services.onboarding_start(by=manager, distributor=distributor, journey=journey)
        for n in order:
            services.step_complete(by=manager, progress=_progress(onboarding, f"S{n}"))
        distributor.refresh_from_db()
        onboarding.refresh_from_db()
        assert (distributor.status == "active") == (2 in order)
        assert (onboarding.completed_at is not None) == (len(order) == 4)


def test_a_journey_without_a_gate_opens_access_when_every_step_is_done(manager, newcomer):
    journey = services.journey_save(by=manager, name="Light")
    step = services.journey_step_save(
        by=manager,
        journey=journey,
        title="Kick-off",
        side="manufacturer",
        due_days=1,
        evidence=JourneyStep.Evidence.TICK,
    )
    onboarding = services.onboarding_start(by=manager, distributor=newcomer, journey=journey)
    with pytest.raises(ValidationFailed):
        distributor_save(distributor=newcomer, by=manager, changed_status="active")
    services.step_complete(by=manager, progress=onboarding.progress.get(step=step))
    newcomer.refresh_from_db()
    assert newcomer.status == "active"
