"""Free text on goals has limits: a description, why it matters, the SMART warnings' reason, a
closing reason, an amendment's reason and amended description, a review's explanation, a
corrective action, an activity note. Over the limit: the service, the API and the page each
refuse it naming the field, and nothing is saved."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from drm.errors import ValidationFailed
from drm.limits import text_limit
from goals import services
from goals.models import (
    ACKNOWLEDGEMENT_MAX_LENGTH,
    ActionStep,
    Activity,
    Amendment,
    Goal,
    LandmarkReview,
    Proposal,
)
from goals.services import Terms
from tests import factories
from tests.goals import terms_data

pytestmark = pytest.mark.django_db

D = Decimal
FIVE_MEGABYTES = 5 * 1024 * 1024


def too_long(limit):
    return "x" * (limit + 1)


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def stored():
    """Everything these writes could have changed."""
    return (
        list(Goal.objects.order_by("pk").values_list("description", "exciting", "closed_reason")),
        list(Goal.objects.values_list("status", "target", "smart_acknowledgements")),
        Proposal.objects.count(),
        Amendment.objects.count(),
        list(LandmarkReview.objects.values_list("status", "explanation")),
        ActionStep.objects.count(),
        Activity.objects.count(),
    )


def goal_fields(distributor, pumps, **over):
    return terms_data.goal_fields(
        distributor, pumps, **{"subtitle": "The Bavarian pump plan", **over}
    )


@pytest.fixture
def agreed(distributor, pumps, manager, partner):
    return factories.agreed_goal(manager, partner, distributor=distributor, product_line=pumps)


@pytest.fixture
def review(agreed):
    return factories.LandmarkReviewFactory(landmark=agreed.landmarks.order_by("date").first())


# --- the service: the rule ---------------------------------------------------------------------


SERVICE_CASES = {
    "description": lambda w: services.goal_create(
        by=w.partner,
        terms=Terms(
            fields=goal_fields(
                w.distributor, w.pumps, description=too_long(text_limit(Goal, "description"))
            )
        ),
    ),
    "exciting": lambda w: services.goal_create(
        by=w.partner,
        terms=Terms(
            fields=goal_fields(
                w.distributor, w.pumps, exciting=too_long(text_limit(Goal, "exciting"))
            )
        ),
    ),
    # Margin from 20 to 40 %: the SMART check warns, the reason is kept with the goal.
    "acknowledgement": lambda w: services.goal_create(
        by=w.partner,
        terms=Terms(
            fields=goal_fields(
                w.distributor, w.pumps, metric="margin_pct", target=D("40"), baseline=D("20")
            ),
            acknowledgement=too_long(ACKNOWLEDGEMENT_MAX_LENGTH),
        ),
    ),
    "reason (counter-proposal)": lambda w: services.goal_counter(
        goal=w.proposed,
        by=w.manager,
        terms=Terms(
            fields={"target": D("125000")},
            landmark_rule="linear",
            reason=too_long(text_limit(Proposal, "reason")),
        ),
    ),
    "reason (closing)": lambda w: services.goal_close(
        goal=w.agreed, by=w.manager, reason=too_long(text_limit(Goal, "closed_reason"))
    ),
    "reason (amendment)": lambda w: services.amendment_propose(
        goal=w.agreed,
        by=w.partner,
        fields={"target": D("110000")},
        reason=too_long(text_limit(Amendment, "reason")),
    ),
    "description (amended)": lambda w: services.amendment_propose(
        goal=w.agreed,
        by=w.partner,
        fields={"description": too_long(text_limit(Goal, "description"))},
        reason="Clearer wording.",
    ),
    "explanation": lambda w: services.review_account(
        review=w.review,
        by=w.partner,
        cause="market",
        explanation=too_long(text_limit(LandmarkReview, "explanation")),
    ),
    "actions": lambda w: services.review_account(
        review=w.review,
        by=w.partner,
        cause="market",
        explanation="A slow spring.",
        actions=[(too_long(text_limit(ActionStep, "what")), None, datetime.date(2026, 7, 1))],
    ),
    "what": lambda w: services.step_add(
        goal=w.agreed,
        by=w.partner,
        what=too_long(text_limit(ActionStep, "what")),
        owner=None,
        due=datetime.date(2026, 7, 1),
    ),
    "note": lambda w: services.activity_record(
        by=w.manager,
        kind="visit",
        distributor=w.distributor,
        date=datetime.date(2026, 6, 1),
        note=too_long(text_limit(Activity, "note")),
    ),
}


@pytest.fixture
def proposed(today, distributor, pumps, partner):
    """A distributor goal the partner admin proposed: the manager's to answer."""
    terms = Terms(fields=goal_fields(distributor, pumps), reason="The spring order book.")
    goal = services.goal_create(by=partner, terms=terms)
    return services.goal_propose(goal=goal, by=partner)


@pytest.fixture
def everything(today, distributor, pumps, manager, partner, agreed, review, proposed):
    from types import SimpleNamespace

    return SimpleNamespace(
        distributor=distributor,
        pumps=pumps,
        manager=manager,
        partner=partner,
        agreed=agreed,
        review=review,
        proposed=proposed,
    )


@pytest.mark.parametrize("case", SERVICE_CASES, ids=list(SERVICE_CASES))
def test_the_service_refuses_text_over_its_limit_naming_the_field(everything, case):
    before = stored()

    with pytest.raises(ValidationFailed) as refused:
        SERVICE_CASES[case](everything)

    assert refused.value.field == case.split(" ")[0]
    assert (
        ": at most " in refused.value.message and "characters (you wrote" in refused.value.message
    )
    assert stored() == before


def test_text_at_its_limit_is_kept_whole(everything):
    text = "x" * text_limit(LandmarkReview, "explanation")
    services.review_account(
        review=everything.review, by=everything.partner, cause="market", explanation=text
    )
    assert LandmarkReview.objects.get().explanation == text


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("en", "Why it matters: at most 2,000 characters (you wrote 5,242,880)."),
        (
            "fr",
            "Pourquoi c'est motivant : 2\xa0000 caractères au plus "
            "(vous en avez écrit 5\xa0242\xa0880).",
        ),
    ],
)
def test_five_megabytes_of_why_it_matters_are_refused_in_a_sentence(
    today, distributor, pumps, partner, language, message
):
    terms = Terms(fields=goal_fields(distributor, pumps, exciting="x" * FIVE_MEGABYTES))

    with translation.override(language), pytest.raises(ValidationFailed) as refused:
        services.goal_create(by=partner, terms=terms)

    assert refused.value.message == message
    assert not Goal.objects.exists()


# --- the API -----------------------------------------------------------------------------------


def api_cases(w):
    """(who, method, url, body, the field named)."""
    goal, review = w.agreed, w.review
    return [
        (
            w.manager,
            "post",
            reverse("api:goal-list"),
            {
                "level": "team",
                "subtitle": "The channel plan",
                "metric": "revenue",
                "target": "5000000",
                "start": "2026-01-01",
                "due": "2026-12-31",
                "exciting": "x" * FIVE_MEGABYTES,
            },
            "exciting",
        ),
        (
            w.manager,
            "post",
            reverse("api:goal-list"),
            {"level": "team", "subtitle": "Grow", "acknowledgement": too_long(2000)},
            "acknowledgement",
        ),
        (
            w.manager,
            "post",
            reverse("api:goal-close", args=[goal.pk]),
            {"reason": too_long(text_limit(Goal, "closed_reason"))},
            "reason",
        ),
        (
            w.partner,
            "post",
            reverse("api:goal-amend", args=[goal.pk]),
            {"target": "110000", "reason": too_long(text_limit(Amendment, "reason"))},
            "reason",
        ),
        (
            w.partner,
            "post",
            reverse("api:goal-amend", args=[goal.pk]),
            {"description": too_long(text_limit(Goal, "description")), "reason": "Wording."},
            "description",
        ),
        (
            w.partner,
            "post",
            reverse("api:landmark-review-account", args=[review.pk]),
            {
                "cause": "market",
                "explanation": too_long(text_limit(LandmarkReview, "explanation")),
            },
            "explanation",
        ),
        (
            w.manager,
            "post",
            reverse("api:activity-list"),
            {"kind": "visit", "date": "2026-06-01", "note": too_long(text_limit(Activity, "note"))},
            "note",
        ),
    ]


def test_the_api_refuses_text_over_its_limit_naming_the_field(everything):
    for who, method, url, body, field in api_cases(everything):
        before = stored()
        response = getattr(client_for(who), method)(url, body, format="json")
        assert response.status_code == 400, (url, field, response.content[:300])
        assert field in response.json()["error"]["fields"], (url, response.json())
        assert stored() == before, url


# --- the pages ---------------------------------------------------------------------------------


def test_the_goal_form_refuses_a_description_over_its_limit(login, manager, today, pumps):
    data = {
        "level": "distributor",
        "distributor": "acme",
        "subtitle": "The Bavarian pump plan",
        "description": too_long(text_limit(Goal, "description")),
        "metric": "revenue",
        "product_line": pumps.pk,
        "target": "120000",
        "start": "2026-01-01",
        "due": "2026-12-31",
        "exciting": "x" * FIVE_MEGABYTES,
        "acknowledgement": too_long(ACKNOWLEDGEMENT_MAX_LENGTH),
    }
    response = login(manager).post(reverse("goals:create"), data)

    assert response.status_code == 400
    assert {"description", "exciting", "acknowledgement"} <= set(response.context["form"].errors)
    assert not Goal.objects.exists()


def test_the_pages_refuse_text_over_its_limit_naming_the_field(login, everything):
    goal, review = everything.agreed, everything.review
    cases = [
        (
            everything.manager,
            reverse("goals:close", args=[goal.pk]),
            {"reason": too_long(text_limit(Goal, "closed_reason"))},
            "close_form",
            "reason",
        ),
        (
            everything.partner,
            reverse("goals:amend", args=[goal.pk]),
            {
                "subtitle": goal.subtitle,
                "target": "110000",
                "start": "2026-01-01",
                "due": "2026-12-31",
                "reason": too_long(text_limit(Amendment, "reason")),
            },
            "form",
            "reason",
        ),
        (
            everything.partner,
            reverse("goals:review-account", args=[review.pk]),
            {
                "cause": "market",
                "explanation": too_long(text_limit(LandmarkReview, "explanation")),
                "actions-TOTAL_FORMS": "0",
                "actions-INITIAL_FORMS": "0",
            },
            "account_form",
            "explanation",
        ),
        (
            everything.manager,
            reverse("goals:activities"),
            {"kind": "visit", "date": "2026-06-01", "note": too_long(text_limit(Activity, "note"))},
            "form",
            "note",
        ),
    ]
    for who, url, data, form, field in cases:
        before = stored()
        response = login(who).post(url, data)
        assert response.status_code == 400, url
        assert field in response.context[form].errors, (url, response.context[form].errors)
        assert stored() == before, url
