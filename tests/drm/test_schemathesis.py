"""Schemathesis against the served OpenAPI schema, once per persona.

The schema is the one /api/schema/ serves (a test holds the two equal); every operation in it is
fuzzed in-process through the WSGI application with each persona's token: anonymous, logged in
without a role, channel manager, partner admin, partner rep. Positive and negative data, a fixed
number of examples per operation, derived from a fixed seed so that CI sends the same requests
every run. Each example runs in a savepoint rolled back after its checks, with an empty cache, so
writes are exercised (a partner really rejects a lead, a manager really deletes revenue) and
never change the world the next example sees; half the examples name objects that exist.

The five checks: no 5xx (`not_a_server_error`), every status code is documented
(`status_code_conformance`), every documented body matches its schema
(`response_schema_conformance`), what the schema calls invalid is refused with a 4xx
(`negative_data_rejection`), and an operation that needs a token refuses a request without one
(`ignored_auth`).

Deeper, slower runs: SCHEMATHESIS_MAX_EXAMPLES=100 and SCHEMATHESIS_COVERAGE=1 (schemathesis's
coverage phase: every boundary and every kind of invalid value of every parameter, ~100 requests
an operation and persona).
"""

import datetime
import json
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from distributors.models import Distributor
from funds import services as fund_services
from goals.models import Amendment
from incentives import services as incentive_services
from leads import services as lead_services
from leads.models import CriteriaVersion, Criterion, Lead
from partnership import services as partnership_services
from scoring import services as scoring_services
from tests import factories
from tiers import services as tier_services
from tiers.models import TierReview
from webhooks import services as webhook_services

User = get_user_model()

ROLES = ("manager", "partner", "rep")
NO_ROLE = ("anonymous", "nobody")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
# Path parameters that name objects of the world (filled when it is built).
REAL = {}
# A fixed seed and no example database: the same cases every run, on every machine. Failing
# examples are reported as found (no shrinking): a CI run stays bounded even when it fails.
CONFIG = {
    "seed": 20261129,
    "generation": {
        "mode": "all",
        "max-examples": int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "10")),
        "deterministic": True,
        "database": "none",
        "no-shrink": True,
    },
    "phases": {
        "coverage": {"enabled": os.environ.get("SCHEMATHESIS_COVERAGE") == "1"},
        "stateful": {"enabled": False},
    },
}


def build_world():
    """Two distributors that own something of every kind the API serves, the personas' users."""
    tier = factories.TierFactory(code="gold")
    acme = factories.DistributorFactory(code="acme", name="Acme Industrial Supply", tier=tier)
    rival = factories.DistributorFactory(code="rival", name="Rival Trading", tier=tier)
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    manager = factories.ManagerFactory(username="manager-test")

    def member(username, distributor, role):
        user = factories.UserFactory(username=username)
        factories.MembershipFactory(user=user, distributor=distributor, role=role)
        return user

    users = {
        "nobody": factories.UserFactory(username="nobody-test"),
        "manager": manager,
        "partner": member("partner-test", acme, "admin"),
        "rep": member("rep-test", acme, "rep"),
        "outsider": member("outsider-test", rival, "admin"),
    }
    today = timezone.localdate()
    month = today.replace(day=1) - datetime.timedelta(days=1)
    factories.ExchangeRateFactory(currency="USD", month=month.replace(day=1))
    version = CriteriaVersion.objects.create(number=1, published_at=timezone.now())
    Criterion.objects.create(version=version, code="budget", label="Budget confirmed")
    source = factories.LeadSourceFactory(code="fair", name="Spring fair")
    material = factories.MaterialFactory()
    ids = set()
    for owner, partner in ((acme, users["partner"]), (rival, users["outsider"])):
        territory = factories.TerritoryFactory(code=f"terr-{owner.code}")
        owner.territories.add(territory)
        owner.product_lines.add(pumps)
        ids.add(
            factories.RevenueRecordFactory(
                distributor=owner, product_line=pumps, month=month.replace(day=1)
            ).pk
        )
        ids.add(factories.InvestmentFactory(distributor=owner, date=month).pk)
        # A lead at each stage a partner acts on: offered, accepted, qualified, an opportunity.
        for stage in ("offered", "accepted", "dql", "opportunity"):
            lead = factories.LeadFactory(source=source, company=f"{owner.code} {stage}")
            lead_services.lead_assign(lead=lead, distributor=owner, by=manager)
            if stage != "offered":
                lead_services.lead_accept(lead=Lead.objects.get(pk=lead.pk), by=partner)
            if stage in ("dql", "opportunity"):
                lead_services.lead_qualify(
                    lead=Lead.objects.get(pk=lead.pk), by=partner, answers={"budget": True}
                )
            if stage == "opportunity":
                lead_services.lead_convert(
                    lead=Lead.objects.get(pk=lead.pk),
                    by=partner,
                    value="5000",
                    expected_close=today + datetime.timedelta(days=30),
                )
            ids.add(lead.pk)
        goal = factories.goal_with_landmarks(
            distributor=owner,
            product_line=pumps,
            status="active",
            manufacturer_accepted_by=manager,
            manufacturer_accepted_at=timezone.now(),
        )
        draft = factories.goal_with_landmarks(distributor=owner, quarters=(25000,))
        landmark = goal.landmarks.order_by("date").first()
        review = factories.LandmarkReviewFactory(landmark=landmark, goal=goal, actual=0)
        amendment = Amendment.objects.create(
            goal=goal,
            changes={"target": "130000.00"},
            reason="A bigger market",
            proposed_by=manager,
            proposed_by_side="manufacturer",
            proposed_at=timezone.now(),
        )
        ids |= {goal.pk, draft.pk, review.pk, amendment.pk}
    ids.add(factories.LeadFactory(source=source, company="Pool lead").pk)
    factories.ActivityFactory(manager=manager, distributor=acme)
    # A fund with both distributors' allocations, a request submitted and one approved each
    # (claims carry files: none here, so that the fuzzed calls write none either).
    fund = fund_services.fund_create(
        by=manager,
        name="Co-op",
        kind="budget",
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
        expires_on=today.replace(month=12, day=31),
    )
    ids.add(fund.pk)
    for owner, partner in ((acme, users["partner"]), (rival, users["outsider"])):
        fund_services.allocation_set(fund=fund, distributor=owner, amount="10000", by=manager)
        for title in ("Waiting", "Approved"):
            fund_request = fund_services.request_submit(
                by=partner,
                fund=fund,
                activity_type="event",
                title=title,
                start=today,
                end=today,
                planned_cost="1000",
            )
            if title == "Approved":
                fund_services.request_approve(request=fund_request, by=manager)
            ids.add(fund_request.pk)
    # A programme open to both distributors, paid quarterly, accrued (standings and ledger), and
    # each one's achieved goal with a bonus to pay.
    programme = incentive_services.programme_create(
        by=manager,
        name="Rebate",
        basis="revenue",
        schedule="quarterly",
        period_start=today.replace(month=1, day=1),
        period_end=today.replace(month=12, day=31),
        tiers=[("0", "1"), ("100000", "2")],
    )
    incentive_services.programme_accrue(programme=programme, by=manager)
    ids.add(programme.pk)
    for owner in (acme, rival):
        factories.GoalFactory(distributor=owner, status="achieved", payout="1500")
    # The training catalogue: a certification, a course giving it (a link, no material file) and
    # each distributor's completion of it.
    certification = partnership_services.certification_save(
        by=manager, code="installer", name="Certified installer", validity_months=12
    )
    course = partnership_services.course_save(
        by=manager,
        code="pumps-101",
        title="Pump installation",
        language="en",
        duration_minutes=90,
        url="https://lms.example.test/pumps-101",
        certification=certification,
    )
    ids |= {certification.pk, course.pk}
    for learner in (users["rep"], users["outsider"]):
        completion = partnership_services.completion_record(
            user=learner, course=course, completed_on=today, by=manager
        )
        ids.add(completion.pk)
    # The partner agreement: version 1 accepted by both distributors' admins, version 2 current
    # and accepted by neither (a partner admin's acceptance goes through).
    agreement = partnership_services.agreement_publish(by=manager, title="Agreement", body="v1")
    for admin in (users["partner"], users["outsider"]):
        ids.add(partnership_services.agreement_accept(version=agreement, by=admin).pk)
    partnership_services.agreement_publish(by=manager, title="Agreement", body="v2")
    # Onboarding: a journey (a partner tick, a partner file, a portal check opening access), both
    # distributors through it (access open again), and an application to decide.
    journey = partnership_services.journey_save(by=manager, name="New", for_applications=True)
    for title, evidence, check in (
        ("Kick-off", "tick", ""),
        ("Registration", "file", ""),
        ("Approved", "check", "application_approved"),
    ):
        partnership_services.journey_step_save(
            by=manager, journey=journey, title=title, side="partner", due_days=3,
            evidence=evidence, portal_check=check, opens_access=evidence == "check",
        )  # fmt: skip
    ids.add(journey.pk)
    for owner in (acme, rival):
        Distributor.objects.filter(pk=owner.pk).update(status="onboarding")
        onboarding = partnership_services.onboarding_start(
            by=manager, distributor=Distributor.objects.get(pk=owner.pk), journey=journey
        )
        partnership_services.onboardings_refresh(distributor_ids=[owner.pk])
        ids.add(onboarding.pk)
        ids |= set(onboarding.progress.values_list("pk", flat=True))
    application = partnership_services.application_submit(
        company="Nordic Flow AB", country="SE", contact_name="Astrid Lind",
        email="astrid@nordicflow.example",
    )  # fmt: skip
    ids.add(application.pk)
    # Tiers: a tier below gold and a requirement neither distributor meets; with no grace period
    # each is proposed a downgrade (a manager's confirm or override goes through).
    lower = factories.TierFactory(code="lower", rank=acme.tier.rank + 100)
    requirement = tier_services.requirement_save(
        by=manager, tier=acme.tier, key="revenue_12m", threshold="1000000000"
    )
    with override_settings(TIER_DOWNGRADE_GRACE_DAYS=0):
        tier_services.tiers_requalify(as_of=today, notify=False)
    ids |= {requirement.pk, lower.pk, *TierReview.objects.values_list("pk", flat=True)}
    # Webhooks: acme's admin and the manufacturer each keep a subscription with a delivery.
    for keeper in (users["partner"], manager):
        subscription = webhook_services.subscription_create(
            by=keeper, url="https://hooks.example/in", events=["lead.accepted"]
        )
        delivery = webhook_services.subscription_test(subscription=subscription, by=keeper)
        ids |= {subscription.pk, delivery.pk}
    run = scoring_services.scoring_run_trigger(as_of=today)
    scoring_services.scoring_run_execute(run.pk)
    tokens = {name: Token.objects.create(user=user).key for name, user in users.items()}
    REAL.update(
        {
            "code": ["acme", "rival", "gold", "lower", "pumps", "terr-acme", "terr-rival", "fair"],
            "number": [version.number, 2],
            "id": sorted(ids | {material.pk, run.pk}),
        }
    )
    return tokens


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)


@pytest.fixture
def in_process_requests():
    """Keep Django from closing the test's connection at the end of each in-process request,
    as its own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def served_document():
    """What /api/schema/ serves: drf-spectacular's generator, run as its view runs it."""
    return SchemaGenerator().get_schema(request=None, public=True)


def load_schema():
    # Loaded at import, where the database is out of reach: the pytest plugin makes one test per
    # operation from it. test_the_fuzzed_schema_is_the_served_one holds it to the served copy.
    loaded = schemathesis.openapi.from_dict(
        json.loads(json.dumps(served_document(), cls=DjangoJSONEncoder)),
        config=schemathesis.Config.from_dict(CONFIG),
    )
    loaded.app = get_wsgi_application()
    return loaded


schema = load_schema()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    # Half the cases name objects that exist, so that writes reach their services.
    known = {name: REAL[name] for name in path_parameters or () if name in REAL}
    if not known:
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        st.fixed_dictionaries(
            {name: st.sampled_from(values) for name, values in known.items()}
        ).map(lambda chosen: {**path_parameters, **chosen}),
    )


@pytest.mark.services
def test_the_fuzzed_schema_is_the_served_one(world, db, token_client):
    response = token_client(User.objects.get(username="manager-test")).get(
        "/api/schema/", {"format": "json"}
    )
    assert response.status_code == 200
    assert json.loads(response.content) == schema.raw_schema


def call_and_validate(case, world, persona):
    headers = {"Authorization": f"Token {world[persona]}"} if persona in world else {}
    for alias in django_settings.CACHES:  # throttles count from zero for each example
        caches[alias].clear()
    with transaction.atomic():
        case.call_and_validate(headers=headers, checks=CHECKS)
        transaction.set_rollback(True)


# Each example runs in its own savepoint with an empty cache: in effect, the `db` fixture is reset
# between examples, which the health check cannot see.
FIXTURES_RESET = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.services
@pytest.mark.parametrize("persona", ROLES)
@schema.parametrize()
@FIXTURES_RESET
def test_api_answers_as_its_schema_says(case, persona, world, db, in_process_requests):
    call_and_validate(case, world, persona)


@pytest.mark.services
@pytest.mark.parametrize("persona", NO_ROLE)
@schema.parametrize()
# Refused before the view reads its input: a few examples each are enough.
@settings(FIXTURES_RESET, max_examples=4)
def test_api_refuses_callers_without_a_role_as_its_schema_says(
    case, persona, world, db, in_process_requests
):
    call_and_validate(case, world, persona)
