"""The demo tiers load through the services, propose tier changes both ways, tell the partner
login what it takes for the next tier, and are re-runnable."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from distributors.models import Distributor
from tiers.models import TierRequirement, TierReview
from tiers.selectors import standing

pytestmark = pytest.mark.django_db


def test_the_demo_tiers_propose_upgrades_and_downgrades():
    call_command("demo_data", "--quiet", stdout=StringIO())
    call_command("demo_programme", "--quiet", stdout=StringIO())
    call_command("demo_tiers", "--quiet", stdout=StringIO())
    proposed = TierReview.objects.filter(status="proposed")
    assert {"up", "down"} <= set(proposed.values_list("direction", flat=True))
    adriatica = Distributor.objects.get(code="adriatica")
    sentence = standing(distributor=adriatica, as_of=timezone.localdate()).sentence
    assert (
        sentence.startswith("To reach Platinum:")
        and "the current partner agreement accepted" in sentence
    )
    requirements, reviews = TierRequirement.objects.count(), TierReview.objects.count()
    call_command("demo_tiers", "--quiet", stdout=StringIO())  # a second run: nothing
    assert (TierRequirement.objects.count(), TierReview.objects.count()) == (requirements, reviews)
    call_command("demo_tiers", "--quiet", "--replace", stdout=StringIO())
    assert TierRequirement.objects.count() == requirements
    assert TierReview.objects.filter(status="proposed").count() == proposed.count()
