"""The demo_goals command: every status and review story shows, the partner has its annex, and a
second run adds nothing."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from distributors.models import Distributor
from goals import selectors, services
from goals.models import (
    ActionStep,
    Activity,
    Amendment,
    BonusBand,
    Goal,
    Landmark,
    LandmarkReview,
)

pytestmark = pytest.mark.django_db

MODELS = (Goal, Landmark, LandmarkReview, ActionStep, Amendment, BonusBand, Activity)


def counts():
    return {model._meta.label: model.objects.count() for model in MODELS}


@pytest.fixture(autouse=True)
def _clock():
    """The demo is built for the real today: no frozen clock here (see conftest's `_clock`)."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The demo channel, its leads and goals (loaded twice), once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_data", "--quiet", stdout=StringIO())
        call_command("demo_leads", "--leads", "1500", "--quiet", stdout=StringIO())
        first = StringIO()
        call_command("demo_goals", "--quiet", stdout=first)
        loaded = counts()
        second = StringIO()
        call_command("demo_goals", "--quiet", stdout=second)
        yield {"first": first.getvalue(), "second": second.getvalue(), "loaded": loaded}
        transaction.set_rollback(True)


# First in the file: the module's demo world is not loaded yet.
def test_demo_goals_needs_the_demo_channel(db):
    with pytest.raises(CommandError, match="demo_data"):
        call_command("demo_goals", "--quiet", stdout=StringIO())


def test_a_second_run_creates_nothing(world):
    assert "Demo goals:" in world["first"]
    assert "nothing to do" in world["second"]
    assert counts() == world["loaded"]


def test_distributor_goals_exist_in_every_status(world):
    statuses = set(
        Goal.objects.filter(level=Goal.Level.DISTRIBUTOR).values_list("status", flat=True)
    )
    assert statuses == set(Goal.Status.values)
    settled = Goal.objects.filter(status__in=(Goal.Status.ACHIEVED, Goal.Status.MISSED))
    assert not settled.filter(final_actual__isnull=True).exists()
    assert settled.filter(status=Goal.Status.ACHIEVED, payout__gt=0).exists()
    assert Goal.objects.get(status=Goal.Status.CLOSED).closed_reason


def test_team_goals_of_the_year_have_distributor_goals_aligned_under_them(world):
    year = timezone.localdate().year
    teams = Goal.objects.filter(level=Goal.Level.TEAM, due__year=year)
    assert set(teams.values_list("metric", flat=True)) == {"revenue", "new_line_revenue"}
    gaps = []
    for team in teams:
        assert team.status == Goal.Status.ACTIVE
        rollup = selectors.team_rollup(team)
        assert len(rollup.children) >= 3
        # The headline measures what the goal says it adds up, and the roll-up's line of the
        # same name agrees with it.
        headline = selectors.goal_figures([team])[0]
        same = rollup.aligned if team.team_basis == "aligned" else rollup.channel
        assert headline.value == same.value
        gaps.append(str(headline.gap))
    assert set(teams.values_list("team_basis", flat=True)) == {"channel", "aligned"}
    if timezone.localdate().month >= 3:  # the year's figures need a few months to tell
        assert any("behind" in gap for gap in gaps) and any("ahead" in gap for gap in gaps), gaps


def test_targets_are_5_to_20_percent_above_last_years_revenue(world):
    year = timezone.localdate().year
    goals = Goal.objects.filter(
        level=Goal.Level.DISTRIBUTOR, metric="revenue", due__year=year, baseline__gt=0
    )
    assert goals.count() > 20
    for goal in goals:
        assert Decimal("1.04") <= goal.target / goal.baseline <= Decimal("1.21"), goal.title


def test_every_review_story_is_there(world):
    reviews = LandmarkReview.objects
    # On track: closed by the portal once their figures are final (the daily job's rule, run by
    # the demo too), or still open while the figures of their month may change.
    on_track = reviews.filter(outcome="on_track")
    assert on_track.filter(status="closed", closed_by__isnull=True).exists()
    settled = services.reviews_close_on_track(today=timezone.localdate())
    assert settled == 0, "the demo left on-track reviews the daily job would close"
    assert reviews.filter(status="open", outcome="missed").exists()
    assert reviews.filter(status="accounted", acknowledged_at__isnull=True).exists()
    closed = reviews.filter(status="closed").exclude(outcome="on_track").get()
    assert closed.actions.exists() and closed.acknowledged_at
    assert reviews.filter(early=True, outcome="at_risk").exists()
    assert Goal.objects.filter(at_risk=True).exists()


def test_an_accepted_amendment_shows_in_the_goals_history(world):
    amendment = Amendment.objects.get(status=Amendment.Status.ACCEPTED)
    history = services.goal_history(amendment.goal)
    assert any(change.field and "target" in str(change.field).lower() for change in history)
    assert Amendment.objects.filter(status=Amendment.Status.PROPOSED).exists()


def test_action_steps_are_done_open_and_overdue(world):
    today = timezone.localdate()
    steps = ActionStep.objects
    assert steps.filter(status="done").exists()
    assert steps.filter(status="todo", due__gte=today).exists()
    assert steps.filter(status="todo", due__lt=today).exists()


def test_the_manager_has_support_goals_and_an_activity_log(world):
    support = Goal.objects.filter(level=Goal.Level.SUPPORT, owner__username="manager")
    assert set(support.values_list("metric", flat=True)) == {"visits", "one_to_ones", "trainings"}
    assert Activity.objects.filter(manager__username="manager").count() > 50
    for goal in support:
        assert goal.status == Goal.Status.ACTIVE


def test_the_demo_partner_has_an_agreed_annex_with_bonus_bands(world):
    distributor = Distributor.objects.get(memberships__user__username="partner")
    annex = selectors.annex_goals(distributor=distributor, year=timezone.localdate().year)
    assert len(annex) >= 3
    for goal in annex:
        assert goal.manufacturer_accepted_by and goal.partner_accepted_by
        assert goal.bands.exists()
    kinds = {band.kind for goal in annex for band in goal.bands.all()}
    assert kinds == {BonusBand.Kind.FIXED, BonusBand.Kind.PERCENT_ABOVE}


def test_next_years_goals_are_in_negotiation(world):
    next_year = Goal.objects.filter(due__year=timezone.localdate().year + 1)
    assert {"draft", "proposed", "counter_proposed", "agreed"} <= set(
        next_year.values_list("status", flat=True)
    )
    assert next_year.filter(start__gt=datetime.date.today()).exists()


def test_every_demo_goal_holds_its_terms_together(world):
    """The invariants of the terms over the whole demo, written through the services."""
    from goals import formats, terms
    from goals.metrics import metric_get

    goals = Goal.objects.select_related("distributor", "product_line", "territory")
    assert goals.count() > 50
    for goal in goals.prefetch_related("landmarks", "bands"):
        metric = metric_get(goal.metric)
        landmarks = [(lm.date, lm.expected) for lm in goal.landmarks.all()]
        bands = [(b.threshold, b.kind, b.amount) for b in goal.bands.all()]
        assert terms.problems(goal, landmarks, bands) == [], goal.pk
        assert landmarks[-1] == (goal.due, goal.target), goal.pk
        if metric.cumulative:
            assert [v for _d, v in landmarks] == sorted(v for _d, v in landmarks), goal.pk
        assert formats.short_amount(goal, goal.target) in goal.title, goal.pk
        for band in goal.bands.all():
            text = formats.band_text(goal, band)
            assert ("%" in text) == (band.kind == BonusBand.Kind.PERCENT_ABOVE), text
    # Every counter-proposal says why, and what it changed.
    from goals.models import Proposal

    counters = Proposal.objects.filter(kind=Proposal.Kind.COUNTER)
    assert counters.exists()
    for counter in counters:
        assert counter.reason and counter.changes and counter.previous
    # The annex of the partner prints the gross margin goal's fixed bonus in euros.
    distributor = Distributor.objects.get(code="adriatica")
    margin = Goal.objects.get(
        distributor=distributor, metric="margin_pct", due__year=timezone.localdate().year
    )
    assert [formats.band_text(margin, b) for b in margin.bands.all()] == ["€2,500"]
    assert margin.title.startswith("Gross margin of ") and "%" in margin.title


def test_a_french_distributors_goals_and_annex_are_french_in_content(world):
    """Its goals are described, acknowledged and signed in French: the annex reads French
    throughout, not only its labels; its product lines are named in French."""
    import io

    from pypdf import PdfReader

    from goals.annex import annex_pdf
    from goals.models import ActionStep, Activity, LandmarkReview

    year = timezone.localdate().year
    french = Distributor.objects.filter(language="fr")
    assert french.exists()
    goals = Goal.objects.filter(distributor__in=french)
    assert goals.exists()
    for goal in goals:
        assert "Chiffre d'affaires" in goal.description and "reported by" not in goal.description
        assert goal.exciting and "Growth we" not in goal.exciting
    notes = Activity.objects.filter(distributor__in=french).values_list("note", flat=True)
    assert notes and all("Visit:" not in n and "Call:" not in n for n in notes)
    english = ("competitor cut", "back orders", "sales reps", "pipeline review")
    for review in LandmarkReview.objects.filter(goal__distributor__in=french):
        assert not any(word in (review.explanation or "") for word in english)
    for step in ActionStep.objects.filter(goal__distributor__in=french):
        assert not any(word in step.what for word in english)
    distributor = next(d for d in french if selectors.annex_goals(distributor=d, year=year))
    pdf = annex_pdf(distributor=distributor, year=year)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Annexe au contrat" in text and "Chiffre d'affaires" in text
    for english_word in ("reported by", "reporting currency", "Growth we", "Agreed at"):
        assert english_word not in text, english_word
