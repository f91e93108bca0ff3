"""The nightly prune of the SAML responses seen (the replay memory)."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from sso.models import SamlAssertionSeen
from sso.tasks import saml_seen_prune

pytestmark = pytest.mark.django_db


def test_the_prune_forgets_responses_seen_more_than_a_day_ago_and_keeps_the_recent(
    time_machine,
):
    time_machine.move_to(timezone.now() - datetime.timedelta(days=2))
    SamlAssertionSeen.objects.create(response_id="_old")
    time_machine.move_to(timezone.now() + datetime.timedelta(days=2))
    SamlAssertionSeen.objects.create(response_id="_new")
    assert saml_seen_prune() == 1
    assert list(SamlAssertionSeen.objects.values_list("response_id", flat=True)) == ["_new"]
    assert saml_seen_prune() == 0


def test_the_prune_is_on_the_nightly_schedule():
    assert settings.CELERY_BEAT_SCHEDULE["sso-saml-seen-prune"]["task"] == (
        "sso.tasks.saml_seen_prune"
    )
