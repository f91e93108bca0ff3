"""`manage.py scoring_run`: the recompute at once, in the process (the demo runs it)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from scoring import services
from scoring.models import ScoringRun
from scoring.services import latest_run


@pytest.mark.django_db
def test_the_command_publishes_a_run_as_of_the_date_given(channel):
    out = StringIO()
    call_command("scoring_run", "--as-of", "2026-06-15", stdout=out)
    run = latest_run()
    assert run is not None and str(run.as_of) == "2026-06-15"
    assert "Published" in out.getvalue() and "3 distributors ranked" in out.getvalue()


@pytest.mark.django_db
def test_the_command_refuses_a_bad_date_and_a_run_under_way(channel):
    with pytest.raises(CommandError):
        call_command("scoring_run", "--as-of", "June")
    services.scoring_run_create()  # queued, as a worker would find it
    with pytest.raises(CommandError, match="already under way"):
        call_command("scoring_run", "--quiet")
    assert not ScoringRun.objects.filter(status="published").exists()


@pytest.mark.django_db
def test_the_command_refuses_a_day_before_the_data(channel):
    with pytest.raises(CommandError, match="1 January 2025"):
        call_command("scoring_run", "--as-of", "1900-01-01")
    assert not ScoringRun.objects.exists()
