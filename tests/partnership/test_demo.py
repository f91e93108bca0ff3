"""The demo partner programme loads through the services, tells its stories, and is re-runnable."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from partnership.models import (
    AgreementAcceptance,
    AgreementVersion,
    Application,
    Completion,
    Course,
    Onboarding,
)
from partnership.selectors import certificate_list, certificates_read

pytestmark = pytest.mark.django_db


def test_the_demo_programme_shows_every_state(django_user_model):
    today = timezone.localdate()  # the demo counts back from the real today
    call_command("demo_data", "--quiet", stdout=StringIO())
    call_command("demo_programme", "--quiet", stdout=StringIO())
    manager = django_user_model.objects.get(username="manager")
    statuses = {
        row["status"] for row in certificates_read(certificate_list(visible_to=manager), today)
    }
    assert statuses == {"valid", "expiring", "expired"}
    assert Course.objects.filter(active=False).exists()
    current = AgreementVersion.objects.get(number=2)
    accepted = set(
        AgreementAcceptance.objects.filter(version=current).values_list(
            "distributor__code", flat=True
        )
    )
    assert "atlantique" in accepted and "adriatica" not in accepted
    # Onboarding journeys in every step, applications to decide and one declined.
    onboardings = {o.distributor.code: o for o in Onboarding.objects.select_related("distributor")}
    assert {"tatra", "desert-sw", "coral-coast", "baltic-flow-uab"} <= set(onboardings)
    coral = onboardings["coral-coast"]
    gate = coral.progress.get(step__opens_access=True)
    assert gate.done_at is None and gate.due_on < today  # overdue: no lead reaches it
    assert coral.distributor.status == "onboarding"
    baltic = onboardings["baltic-flow-uab"]
    assert baltic.distributor.status == "active" and baltic.completed_at is None
    assert baltic.progress.filter(done_at__isnull=True).count() == 2
    decisions = sorted(Application.objects.values_list("decision", flat=True))
    assert decisions == ["", "", "approved", "declined"]
    completions = Completion.objects.count()
    call_command("demo_programme", "--quiet", stdout=StringIO())  # a second run: nothing
    assert Completion.objects.count() == completions
    call_command("demo_programme", "--quiet", "--replace", stdout=StringIO())
    assert Completion.objects.count() == completions
    assert AgreementVersion.objects.count() == 2
    assert Onboarding.objects.count() == len(onboardings)
