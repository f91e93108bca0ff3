"""The route guard: every route and every method it answers has a row saying what each persona gets.

The methods a route answers are read from its view (method decorators, a viewset's actions, a
class's handlers); a route, or a method on a route, without a row fails the suite. Rows check more
than status codes: lists, pages and exports are read for whose rows they hold; a write that is not
allowed is re-read from the database, every table of it; where the status cannot tell yes from no
(a commit that redirects either way, a token endpoint that answers 400 to everyone) the row judges
the effect. Every method a route does not take is sent to it: 405 (or the refusal the persona
gets anyway), nothing changed; each persona sends one of them per route, in turn, so that every
method is sent on every route and every persona sends every method over the routes. Every filter
of every list and export is sent the other distributor's code and id: the caller's own rows or
none, and a count that matches them.

Both distributors own objects: acme (partner, rep and colleague) and rival (the outsider), so a
list that leaked would show the other's codes. API rows run with a session and with a DRF token.
Adding a route means one Row per method it takes in ROWS (`each_method` for a form), and for a
route with arguments its URL in URLS; a list with filters also gets a Listing in LISTINGS. A route
of a family (FAMILIES: views that answer every persona alike for one reason they share, such as
the SCIM endpoints' bearer token) goes into its `family(...)` list instead: a test fails while a
route with the family's reason is missing from it.

A row is one test: each persona (on the API, with a session and then with a token) sends the
request in turn, each in a savepoint rolled back after its checks, with an empty cache; the test
lists every persona answered otherwise than the row says.
"""

import contextlib
import datetime
import functools
import io
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urlencode

import django_filters
import openpyxl
import pytest
import time_machine
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.paginator import Page
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from drf_spectacular.generators import SchemaGenerator
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from distributors.filters import DistributorFilter
from distributors.forms import PartnerUserFilterForm
from distributors.models import (
    Distributor,
    ExchangeRate,
    ImportBatch,
    Region,
    RevenueRecord,
    Territory,
    Tier,
)
from drm.periods import add_months
from funds import services as funds_services
from funds.filters import BalanceFilter, RequestFilter
from funds.models import Allocation, Claim, Fund, FundRequest
from goals.filters import ReviewFilter, StepFilter
from goals.forms import GoalFilterForm
from goals.models import (
    ActionStep,
    Activity,
    Amendment,
    BonusBand,
    Goal,
    Landmark,
    LandmarkReview,
)
from goals.serializers import GoalQuerySerializer
from identity.models import UserProfile
from incentives import services as incentive_services
from incentives.filters import EntryFilter, ProgrammeFilter, StandingFilter
from incentives.forms import StatementForm
from incentives.models import Entry, Programme, Settlement, Standing
from incentives.serializers import StatementQuerySerializer
from leads import services as lead_services
from leads.api.leads import FunnelQuery
from leads.filters import LeadFilter, RegistrationFilter
from leads.forms import InboxFilterForm, MaterialFilterForm
from leads.models import (
    CriteriaAcknowledgement,
    CriteriaVersion,
    Criterion,
    DealRegistration,
    Lead,
    Material,
    MaterialFeedback,
    RoutingDecision,
)
from leads.views.analytics import AnalyticsForm
from notifications.forms import NotificationFilterForm
from notifications.kinds import kind_list
from notifications.models import Notification, NotificationPreference
from partnership import services as partnership_services
from partnership.filters import CertificateFilter, CompletionFilter, CourseFilter
from partnership.models import (
    AgreementAcceptance,
    AgreementVersion,
    Application,
    Certification,
    Completion,
    Course,
    Journey,
    JourneyStep,
    Onboarding,
    StepProgress,
)
from partnership.views.onboarding import APPLY_SALT
from scim import api as scim_api
from scim import services as scim_services
from scim.models import Token as ScimToken
from scoring import services as scoring_services
from scoring.forms import RankingFilterForm
from scoring.metrics import metric_list as scoring_metric_list
from scoring.models import ScoringModel, ScoringRun
from scoring.serializers import ScorecardQuerySerializer
from sso import services as sso_services
from sso.models import IdentityProvider
from tests import factories
from tests.conftest import fresh_cache
from tests.funds import files as funds_files
from tests.funds.factories import AccrualFundFactory, FundFactory, ImpactEstimateFactory
from tests.goals.rows import bands_data, landmarks_data
from tests.sso.saml_idp import _key_and_certificate as saml_key_and_certificate
from tiers import services as tier_services
from tiers.filters import ReviewFilter as TierReviewFilter
from tiers.models import TierRequirement, TierReview
from webhooks import services as webhook_services
from webhooks.models import Delivery as WebhookDelivery
from webhooks.models import Subscription as WebhookSubscription

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
STAFF = ("manager", "admin")
ACME = ("partner", "rep", "colleague")
PERSONAS = ("anonymous", "nobody", *STAFF, *ACME, "outsider")
# The distributors whose objects each persona may see.
SCOPE = {
    "anonymous": set(),
    "nobody": set(),
    **dict.fromkeys(STAFF, {"acme", "rival"}),
    **dict.fromkeys(ACME, {"acme"}),
    "outsider": {"rival"},
}
NEW_PASSWORD = "An0ther-Passw0rd!"

# Routes the method probe leaves alone, with the reason. Keep this short.
EXEMPT = {
    "admin:": (
        "Django's AdminSite sends anyone who is not active staff to its login before a view runs; "
        "its ~140 generated routes need object ids and forms to probe as the superuser. ROWS "
        "check the entrance (index, a changelist, a change form) for every persona, and "
        "test_no_admin_route_lets_in_a_partner_... reads and posts every model route as a partner "
        "and a role-less user (both staff-flagged) and as a channel manager."
    ),
}


# --- the world: two distributors that both own things ------------------------------------------


FROZEN_NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


def build_world(today):
    tier = factories.TierFactory(code="gold")
    acme = factories.DistributorFactory(code="acme", name="Acme Industrial Supply", tier=tier)
    rival = factories.DistributorFactory(code="rival", name="Rival Trading", tier=tier)

    def member(username, distributor, role):
        user = factories.UserFactory(username=username)
        factories.MembershipFactory(user=user, distributor=distributor, role=role)
        return user

    users = {
        "nobody": factories.UserFactory(username="nobody-test"),
        "manager": factories.ManagerFactory(username="manager-test"),
        "admin": factories.UserFactory(username="admin-test", is_staff=True, is_superuser=True),
        "partner": member("partner-test", acme, "admin"),  # uploaded acme's batch
        "rep": member("rep-test", acme, "rep"),
        "colleague": member("colleague-test", acme, "admin"),  # owns nothing personally
        "outsider": member("outsider-test", rival, "admin"),  # rival's admin
    }
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    month = add_months(today, -1)
    owned = {}
    for owner, uploader in ((acme, users["partner"]), (rival, users["outsider"])):
        code = owner.code
        territory = factories.TerritoryFactory(code=f"terr-{code}", name=f"Territory of {code}")
        owner.territories.add(territory)
        owner.product_lines.add(pumps)
        owned[code] = SimpleNamespace(
            distributor=owner,
            territory=territory,
            revenue=factories.RevenueRecordFactory(
                distributor=owner, product_line=pumps, month=month
            ),
            investment=factories.InvestmentFactory(
                distributor=owner, date=month, note=f"note-{code}"
            ),
            batch=ImportBatch.objects.create(
                kind="revenue",
                filename=f"{code}-figures.csv",
                content=f"distributor,month,product_line,amount\n{code},{month:%Y-%m},pumps,1\n".encode(),
                uploaded_by=uploader,
                distributor=owner,
                status=ImportBatch.Status.VALIDATED,
                total_rows=1,
            ),
        )
    rate = factories.ExchangeRateFactory(currency="USD", month=month)
    leads = build_leads(users, owned, today)
    goals = build_goals(users, owned, today)
    funds = build_funds(users, owned, today)
    scoring = build_scoring(today)
    incentives = build_incentives(users, owned, today)
    training = build_training(users, owned, today)
    agreement = build_agreement(users, owned)
    onboarding = build_onboarding(users, owned, today)
    tier_proposals = build_tiers(users, owned, today, tier)
    webhooks = build_webhooks(users, owned)
    sso = build_sso(users, owned)
    scim_tokens = build_scim(users, owned)
    # Everyone has one unread notification: an inbox that leaked would show another's subject.
    notices = {
        persona: factories.NotificationFactory(
            recipient=user, subject=f"notice-for-{user.username}", link="/imports/"
        )
        for persona, user in users.items()
    }
    return SimpleNamespace(
        owned=owned,
        users=users,
        sessions=sessions_of(users),
        tokens={persona: Token.objects.create(user=user).key for persona, user in users.items()},
        today=today,
        rate=rate,
        tier=tier,
        notices=notices,
        **leads,
        **goals,
        **funds,
        **scoring,
        **incentives,
        **training,
        **agreement,
        **onboarding,
        **tier_proposals,
        **webhooks,
        **sso,
        **scim_tokens,
    )


def sessions_of(users):
    """Each persona logged in once, for the whole module: a test sends the session's cookie.

    (Logging in for each of thousands of requests would cost more than the requests.)
    """
    sessions = {}
    for persona, user in users.items():
        client = Client()
        client.force_login(user)
        sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return sessions


def build_leads(users, owned, today):
    """Each distributor has a lead at every stage and a pending registration; one lead waits in
    the pool. Made by the services, so events, rollups and notices exist as in real life."""
    version = CriteriaVersion.objects.create(number=1, published_at=timezone.now())
    Criterion.objects.create(version=version, code="budget", label="Budget confirmed")
    # The draft of the next version adds an item.
    draft = CriteriaVersion.objects.create(number=2)
    Criterion.objects.create(version=draft, position=1, code="budget", label="Budget confirmed")
    draft_item = Criterion.objects.create(
        version=draft, position=2, code="maker", label="Decision maker known"
    )
    source = factories.LeadSourceFactory(code="fair", name="Spring fair")
    manager = users["manager"]
    pool = factories.LeadFactory(source=source, company="Pool lead SA", country="DE")
    rival_rep = factories.UserFactory(username="rival-rep")
    factories.MembershipFactory(user=rival_rep, distributor=owned["rival"].distributor, role="rep")
    lead_ids = {}
    for code, partner in (("acme", users["partner"]), ("rival", users["outsider"])):
        o = owned[code]

        def lead(stage, code=code, o=o, partner=partner):
            made = factories.LeadFactory(
                source=source,
                company=f"{code} {stage} lead",
                contact_email=f"buyer@{stage}-{code}.example",
                country="DE",
            )
            lead_services.lead_assign(lead=made, distributor=o.distributor, by=manager)
            if stage != "offered":
                lead_services.lead_accept(lead=made, by=partner)
            return Lead.objects.get(pk=made.pk)

        o.offered = lead("offered")
        o.lead = lead("accepted")
        o.dql_lead = lead_services.lead_qualify(
            lead=lead("dql"), by=partner, answers={"budget": True}
        )
        qualified = lead_services.lead_qualify(
            lead=lead("opportunity"), by=partner, answers={"budget": True}
        )
        o.opp_lead = lead_services.lead_convert(
            lead=qualified,
            by=partner,
            value="5000",
            expected_close=today + datetime.timedelta(days=30),
        )
        o.registration = lead_services.deal_register(
            by=partner, company=f"{code} registered deal", country="DE"
        )
        o.hand_to = users["rep"] if code == "acme" else rival_rep
        lead_ids[code] = {o.offered.pk, o.lead.pk, o.dql_lead.pk, o.opp_lead.pk}
    # The catalogue: one item with a file (served by the portal), each distributor's feedback.
    material = Material.objects.create(
        title="Pump sizing guide",
        kind="material",
        stage="any",
        file=SimpleUploadedFile("sizing.pdf", b"%PDF-1.4 sizing guide"),
    )
    for code, partner in (("acme", users["partner"]), ("rival", users["outsider"])):
        owned[code].feedback = lead_services.material_rate(
            material=material, by=partner, rating=4, comment=f"comment-by-{code}"
        )
    return {
        "pool": pool,
        "source": source,
        "lead_ids": lead_ids,
        "material": material,
        "draft_item": draft_item,
    }


def build_goals(users, owned, today):
    """Each distributor has an active goal (landmarks, a bonus band, a missed review awaiting its
    accounting, a step, an amendment the manufacturer proposed), a draft, and a proposal of the
    manufacturer awaiting its answer; the manufacturer has a draft team goal and logged a visit."""
    manager = users["manager"]
    now = timezone.now()
    for code in ("acme", "rival"):
        o = owned[code]
        pumps = o.distributor.product_lines.get(code="pumps")
        o.goal = factories.goal_with_landmarks(
            distributor=o.distributor,
            product_line=pumps,
            subtitle=f"goal-of-{code}",
            status="active",
            manufacturer_accepted_by=manager,
            manufacturer_accepted_at=now,
        )
        factories.BonusBandFactory(goal=o.goal)
        first, second = o.goal.landmarks.order_by("date")[:2]
        # Accounted for by the manager, waiting for the partner admin's acknowledgement.
        o.review = LandmarkReview.objects.create(
            landmark=first,
            goal=o.goal,
            opened_at=now,
            expected=first.expected,
            actual=0,
            outcome="missed",
            status="accounted",
            cause="market",
            explanation=f"explained-for-{code}",
            accounted_by=manager,
            accounted_at=now,
        )
        o.ok_review = LandmarkReview.objects.create(
            landmark=second,
            goal=o.goal,
            opened_at=now,
            expected=second.expected,
            actual=second.expected,
            outcome="on_track",
        )
        o.step = ActionStep.objects.create(
            goal=o.goal, what=f"step-of-{code}", due=today + datetime.timedelta(days=10)
        )
        o.amended_goal = factories.goal_with_landmarks(
            distributor=o.distributor,
            subtitle=f"amended-of-{code}",
            status="active",
            quarters=(20000,),
        )
        o.amendment = Amendment.objects.create(
            goal=o.amended_goal,
            changes={
                "target": "130000.00",
                "landmarks": [["2026-03-31", "20000.00"], ["2026-12-31", "130000.00"]],
            },
            previous={
                "target": "120000.00",
                "landmarks": [["2026-03-31", "20000.00"], ["2026-12-31", "120000.00"]],
            },
            reason="A bigger market",
            proposed_by=manager,
            proposed_by_side="manufacturer",
            proposed_at=now,
        )
        o.draft_goal = factories.goal_with_landmarks(
            distributor=o.distributor, subtitle=f"draft-of-{code}", quarters=(25000,)
        )
        o.proposed_goal = factories.goal_with_landmarks(
            distributor=o.distributor,
            subtitle=f"proposal-to-{code}",
            quarters=(20000,),
            status="proposed",
            proposed_by_side="manufacturer",
            manufacturer_accepted_by=manager,
            manufacturer_accepted_at=now,
        )
    team_goal = factories.GoalFactory(
        level="team",
        distributor=None,
        owner=manager,
        subtitle="team-goal-of-the-channel",
        target=2_000_000,
        baseline=1_800_000,
    )
    activity = factories.ActivityFactory(
        manager=manager, distributor=owned["acme"].distributor, note="activity-with-acme"
    )
    return {"team_goal": team_goal, "activity": activity}


def build_funds(users, owned, today):
    """A budget fund allocated to both distributors, each with a request submitted, one
    approved whose activity is over (to claim), one claimed with a proof file (to decide) and
    one whose claim is approved (to pay); and an accrual fund not accrued yet. Made by the
    services (the approved activity submitted a month ago, when it was still ahead)."""
    manager = users["manager"]
    fund = FundFactory(name="Co-op 2026", name_fr="Coop 2026")
    accrual_fund = AccrualFundFactory(name="Accrual 2026", period_end=datetime.date(2026, 12, 31))
    month_ago = FROZEN_NOW - datetime.timedelta(days=45)
    for code, partner in (("acme", users["partner"]), ("rival", users["outsider"])):
        o = owned[code]
        funds_services.allocation_set(
            fund=fund, distributor=o.distributor, amount=Decimal("20000"), by=manager
        )

        def ask(title, start, end, partner=partner):
            return funds_services.request_submit(
                by=partner, fund=fund, activity_type="trade_show", title=title,
                start=start, end=end, planned_cost=Decimal("2000"),
            )  # fmt: skip

        with time_machine.travel(month_ago, tick=False):
            past = [
                funds_services.request_approve(
                    request=ask(f"{kind}-activity-of-{code}", month_ago.date(), month_ago.date()),
                    by=manager,
                )
                for kind in ("approved", "claimed", "paid")
            ]
        o.fund_approved, claimed, to_pay = past
        o.fund_submitted = ask(f"submitted-activity-of-{code}", today, today)
        o.fund_claim, o.fund_claim_approved = (
            funds_services.claim_submit(
                by=partner,
                request=made,
                actual_cost=Decimal("1500"),
                files=[SimpleUploadedFile(f"invoice-{code}.pdf", funds_files.PDF)],
            )
            for made in (claimed, to_pay)
        )
        funds_services.claim_approve(claim=o.fund_claim_approved, by=manager)
        o.fund_proof = o.fund_claim.proofs.get()
        # What an activity of the distributor bought, as the nightly job stores it.
        o.impact = ImpactEstimateFactory(subject_id=o.fund_approved.pk, distributor=o.distributor)
    return {"fund": fund, "accrual_fund": accrual_fund}


def build_incentives(users, owned, today):
    """A programme open to both distributors, paid quarterly, and one that ended last month, both
    accrued (their standings and ledgers); a programme for each distributor alone, not accrued
    yet; and each distributor's achieved goal with a bonus to pay. Made by the services."""
    manager = users["manager"]
    tiers = [("0", "1"), ("100000", "2")]
    programme = incentive_services.programme_create(
        by=manager, name="Volume rebate 2026", basis="revenue", schedule="quarterly",
        period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31),
        tiers=tiers,
    )  # fmt: skip
    last_month = add_months(today, -1).replace(day=1)
    ended = incentive_services.programme_create(
        by=manager, name="Spring push", basis="revenue", period_start=last_month,
        period_end=today.replace(day=1) - datetime.timedelta(days=1), tiers=tiers,
    )  # fmt: skip
    for made in (programme, ended):
        incentive_services.programme_accrue(programme=made, by=manager)
    for index, code in enumerate(("acme", "rival"), start=1):
        o = owned[code]
        o.programme = incentive_services.programme_create(
            by=manager, name=f"Named rebate {index}", basis="units", tiers=tiers,
            period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2026, 12, 31),
            distributors=[o.distributor],
        )  # fmt: skip
        o.bonus_goal = factories.GoalFactory(
            distributor=o.distributor, status="achieved", payout=Decimal("1500")
        )
    return {"programme": programme, "ended_programme": ended}


def build_training(users, owned, today):
    """The catalogue: a certification and a course giving it, with a material file; each
    distributor's rep passed the course a month ago (acme's rep, rival's rep). Made by the
    services."""
    manager = users["manager"]
    certification = partnership_services.certification_save(
        by=manager, code="installer", name="Certified installer", validity_months=12
    )
    course = partnership_services.course_save(
        by=manager, code="pumps-101", title="Pump installation", language="en",
        duration_minutes=90, url="https://lms.example.test/pumps-101",
        material=SimpleUploadedFile("pump-guide.pdf", funds_files.PDF),
        certification=certification,
    )  # fmt: skip
    for o in owned.values():
        o.learner = o.hand_to
        o.completion = partnership_services.completion_record(
            user=o.learner,
            course=course,
            completed_on=today - datetime.timedelta(days=30),
            by=manager,
            today=today,
        )
    return {"course": course, "certification": certification}


def build_agreement(users, owned):
    """The partner agreement: version 1, accepted by each distributor's admin (acme's partner,
    rival's outsider), then version 2, the current one, that neither has accepted yet. Made by
    the services."""
    manager = users["manager"]
    old = partnership_services.agreement_publish(
        by=manager, title="Distribution agreement", body="The terms of version 1."
    )
    for o, admin in ((owned["acme"], users["partner"]), (owned["rival"], users["outsider"])):
        o.acceptance = partnership_services.agreement_accept(version=old, by=admin)
    current = partnership_services.agreement_publish(
        by=manager, title="Distribution agreement", body="The terms of version 2.", summary="Fees"
    )
    return {"agreement": current, "old_agreement": old}


def build_onboarding(users, owned, today):
    """An onboarding journey (the manufacturer's tick, the partner's file, a portal check that
    opens access, the partner's tick), each distributor taken through it (access open, a file
    sent by its admin, its partner tick and the manufacturer's tick to do), a distributor
    onboarding without a journey and an applicant from the public form. Made by the services."""
    manager = users["manager"]
    journey = partnership_services.journey_save(
        by=manager, name="New distributor", for_applications=True
    )
    steps = {
        key: partnership_services.journey_step_save(
            by=manager, journey=journey, title=title, side=side, due_days=days,
            evidence=evidence, portal_check=check, opens_access=opens,
        )
        for key, title, side, days, evidence, check, opens in (
            ("tick", "Credit check", "manufacturer", 5, "tick", "", False),
            ("file", "Company registration", "partner", 10, "file", "", False),
            ("gate", "Approved", "manufacturer", 1, "check", "application_approved", True),
            ("kickoff", "Kick-off call", "partner", 30, "tick", "", False),
        )
    }  # fmt: skip
    admins = {"acme": users["partner"], "rival": users["outsider"]}
    for code, o in owned.items():
        Distributor.objects.filter(pk=o.distributor.pk).update(status="onboarding")
        onboarding = partnership_services.onboarding_start(
            by=manager,
            distributor=Distributor.objects.get(pk=o.distributor.pk),
            journey=journey,
            today=today,
        )
        partnership_services.onboardings_refresh(distributor_ids=[o.distributor.pk])
        o.step_file = onboarding.progress.get(step=steps["file"])
        partnership_services.step_complete(
            by=admins[code],
            progress=o.step_file,
            evidence_file=SimpleUploadedFile(f"registration-{code}.pdf", funds_files.PDF),
        )
        o.step_partner = onboarding.progress.get(step=steps["kickoff"])
        o.step_manufacturer = onboarding.progress.get(step=steps["tick"])
        o.onboarding = onboarding
        o.distributor.refresh_from_db()
    waiting = factories.DistributorFactory(
        code="waiting", name="Waiting Onboarding Ltd", status="onboarding"
    )
    application = partnership_services.application_submit(
        company="Nordic Flow AB", country="SE", contact_name="Astrid Lind",
        email="astrid@nordicflow.example", now=timezone.now(),
    )  # fmt: skip
    return {
        "journey": journey,
        "journey_step": steps["tick"],
        "waiting": waiting,
        "application": application,
    }


def build_tiers(users, owned, today, gold):
    """A tier below gold and a requirement gold asks that neither distributor meets: with no
    grace period, the requalification proposes each a downgrade. Made by the services."""
    silver = factories.TierFactory(code="route-silver", rank=gold.rank + 100)
    requirement = tier_services.requirement_save(
        by=users["manager"], tier=gold, key="revenue_12m", threshold="1000000000"
    )
    with override_settings(TIER_DOWNGRADE_GRACE_DAYS=0):
        tier_services.tiers_requalify(as_of=today, notify=False)
    for o in owned.values():
        o.tier_review = TierReview.objects.get(distributor=o.distributor, status="proposed")
    return {"lower_tier": silver, "tier_requirement": requirement}


def build_webhooks(users, owned):
    """Each distributor's admin keeps a subscription with one delivery (a test event); the
    manufacturer keeps the channel's. Nothing is sent: the test's transaction never commits."""
    world = {}
    for code, keeper in (("acme", users["partner"]), ("rival", users["outsider"])):
        o = owned[code]
        o.webhook = webhook_services.subscription_create(
            by=keeper, url=f"https://hooks-{code}.example/in", events=["goal.agreed"]
        )
        o.webhook_delivery = webhook_services.subscription_test(subscription=o.webhook, by=keeper)
    world["channel_webhook"] = webhook_services.subscription_create(
        by=users["manager"], url="https://hooks-channel.example/in", events=["goal.agreed"]
    )
    world["channel_webhook_delivery"] = webhook_services.subscription_test(
        subscription=world["channel_webhook"], by=users["manager"]
    )
    return world


def sso_provider_data(name):
    return {
        "name": name,
        "protocol": IdentityProvider.Protocol.OIDC,
        "is_active": True,
        "issuer": "https://idp.example/o",
        "client_id": "portal",
        "client_secret": f"secret-of-{name}",
        "authorization_endpoint": "https://idp.example/o/authorize/",
        "token_endpoint": "https://idp.example/o/token/",
        "jwks_uri": "https://idp.example/o/jwks/",
    }


def build_sso(users, owned):
    """Each distributor's admin keeps its company sign-in; the manufacturer keeps its own."""
    for code, keeper in (("acme", users["partner"]), ("rival", users["outsider"])):
        o = owned[code]
        o.sso_provider = sso_services.provider_save(
            by=keeper,
            distributor=o.distributor,
            data=sso_provider_data(f"sign-in of {code}"),
            domains=[f"{code}-idp.example"],
        )
    staff = sso_services.provider_save(
        by=users["manager"], data=sso_provider_data("sign-in of maker"), domains=["maker.example"]
    )
    _key, certificate = saml_key_and_certificate(Path(tempfile.mkdtemp(prefix="drm-routes-saml-")))
    saml = sso_services.provider_save(
        by=users["manager"],
        data={
            "name": "SAML sign-in of maker",
            "protocol": IdentityProvider.Protocol.SAML,
            "is_active": True,
            "entity_id": "https://idp.maker.example/metadata",
            "sso_url": "https://idp.maker.example/sso",
            "certificate": certificate.read_text(),
        },
        domains=["saml.maker.example"],
    )
    return {"staff_sso_provider": staff, "staff_saml_provider": saml}


def build_scim(users, owned):
    """Each distributor's admin keeps a provisioning token; the manufacturer admin the staff's."""
    for code, keeper in (("acme", users["partner"]), ("rival", users["outsider"])):
        owned[code].scim_token, _secret = scim_services.token_create(by=keeper)
    return {"staff_scim_token": scim_services.token_create(by=users["admin"])[0]}


def build_scoring(today):
    """A published scoring run ranks both distributors (the world's revenue, leads and goals)."""
    run = scoring_services.scoring_run_trigger(as_of=today)
    scoring_services.scoring_run_execute(run.pk)
    return {"scoring_run": run}


def schema_generated_once():
    """The API schema is served public (drf-spectacular's SERVE_PUBLIC): the same whoever asks,
    and a second and a half to generate. The guard's rows ask who gets it; it is generated for
    the first who does (its content is tests/drm/test_openapi*'s to judge)."""
    generate = SchemaGenerator.get_schema
    generated = {}

    def get_schema(self, request=None, public=False):
        if not public:
            return generate(self, request=request, public=public)
        if self.api_version not in generated:
            generated[self.api_version] = generate(self, request=request, public=public)
        return generated[self.api_version]

    return mock.patch.object(SchemaGenerator, "get_schema", get_schema)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per module in a transaction rolled back at its end, like setUpTestData.

    Each test runs in a savepoint on top, so its writes vanish before the next one. One frozen
    clock for the data and the code under test.
    """
    clock = time_machine.travel(FROZEN_NOW, tick=False)
    media = override_settings(MEDIA_ROOT=tempfile.mkdtemp(prefix="drm-routes-media-"))
    with clock, media, schema_generated_once(), django_db_blocker.unblock(), transaction.atomic():
        try:
            world = build_world(timezone.localdate())
            # Every test starts from this state (its writes are rolled back): read it once.
            world.state = database_state()
            world.effects = {}
            yield world
        finally:
            transaction.set_rollback(True)


# --- expectations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: frozenset
    check: Callable | None = None  # check(ctx) asserts on content or on the database
    writes: bool = False  # True: the row's effect must change; otherwise it must not


def expect(value):
    if isinstance(value, Expect):
        return value
    return Expect(frozenset(value if isinstance(value, tuple) else (value,)))


def got(status, check=None):
    """A read (or a write that must not change anything) answered with `status`."""
    return Expect(frozenset((status,)), check)


def writes(status, check=None):
    """An allowed write: the row's effect must differ afterwards."""
    return Expect(frozenset((status,)), check, writes=True)


def who(*, anonymous, nobody, staff, acme, outsider, **one):
    """Expectations per persona; `staff` and `acme` cover their group, `one` overrides a persona."""
    table = {
        "anonymous": anonymous,
        "nobody": nobody,
        **dict.fromkeys(STAFF, staff),
        **dict.fromkeys(ACME, acme),
        "outsider": outsider,
        **one,
    }
    return {persona: expect(value) for persona, value in table.items()}


def to(path):
    def check(ctx):
        assert ctx.response["Location"].startswith(path), ctx.response["Location"]

    return check


TO_LOGIN = got(302, to("/accounts/login/"))
TO_ADMIN_LOGIN = got(302, to("/admin/login/"))


def page(staff, acme=None, outsider=None, *, nobody=403, anonymous=TO_LOGIN, **one):
    """A portal page; partners get what staff get unless told; `one` overrides a persona."""
    acme = staff if acme is None else acme
    outsider = acme if outsider is None else outsider
    return who(anonymous=anonymous, nobody=nobody, staff=staff, acme=acme, outsider=outsider, **one)


def staff_page(staff=200):
    return page(staff, 403, 403)


def api(staff, acme=None, outsider=None, *, nobody=403, anonymous=401, **one):
    """An API route: the same shape as a page, but 401 for the anonymous."""
    return page(staff, acme, outsider, nobody=nobody, anonymous=anonymous, **one)


def everyone(value, **one):
    return who(anonymous=value, nobody=value, staff=value, acme=value, outsider=value, **one)


def mine_or_other(owner, *, own, other):
    """acme's personas and the outsider swap places depending on whose object the URL names."""
    return (own, other) if owner == "acme" else (other, own)


# --- content checks ----------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def text_of(response):
    if response["Content-Type"].startswith(XLSX):
        book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        cells = (
            cell for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
        return "\n".join(str(cell) for cell in cells if cell is not None)
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def code_and_name(o):
    return [o.distributor.code, o.distributor.name]


def profile(o):
    return [o.distributor.name, o.territory.name, o.investment.note]


def batch_file(o):
    return [o.batch.filename]


def profile_and_uploads(o):
    return profile(o) + batch_file(o)


def shows(markers, *, whose="scope"):
    """The body holds `markers` of each visible distributor and neither code nor name of another.

    `whose` is "scope" (everything the caller may see) or "owner" (the object in the URL).
    """

    def check(ctx):
        visible = SCOPE[ctx.persona] if whose == "scope" else {ctx.owner}
        text = text_of(ctx.response)
        for code, o in ctx.world.owned.items():
            if code in visible:
                for marker in markers(o):
                    assert marker in text, f"{marker!r} missing"
            else:
                for marker in code_and_name(o):
                    assert marker not in text, f"{marker!r} leaked to {ctx.persona}"

    return check


def lists(key, ident, *, staff_also=()):
    """A JSON list holds exactly the rows of the caller's scope (for the manufacturer's staff,
    also `staff_also`: rows of the world no partner persona owns)."""

    def check(ctx):
        got_ids = {row[key] for row in ctx.response.json()["results"]}
        want = {ident(o) for code, o in ctx.world.owned.items() if code in SCOPE[ctx.persona]}
        if ctx.persona in STAFF:
            want |= set(staff_also)
        assert got_ids == want

    return check


def holds(key, ident):
    """A JSON list holds the object of each distributor in the caller's scope and none of
    another's (rows of nobody's, shared by all, may be there too), and no other's code or name."""

    def check(ctx):
        got_ids = {row[key] for row in ctx.response.json()["results"]}
        for code, o in ctx.world.owned.items():
            assert (ident(o) in got_ids) == (code in SCOPE[ctx.persona]), (code, got_ids)
        shows(lambda o: [])(ctx)

    return check


def is_owners(key, ident):
    def check(ctx):
        assert ctx.response.json()[key] == ident(ctx.world.owned[ctx.owner])

    return check


def template_for_caller(ctx):
    """The template holds the headers and a made-up example: no distributor's code, not even
    the caller's (a workbook: its headers, and its guide to the columns)."""
    text = text_of(ctx.response)
    assert text.startswith("distributor")
    for code in ctx.world.owned:
        assert code not in text, (code, text)


def own_notices_only(ctx):
    text = text_of(ctx.response)
    for persona, notice in ctx.world.notices.items():
        if persona == ctx.persona:
            assert notice.subject in text, f"{notice.subject!r} missing"
        else:
            assert notice.subject not in text, f"{notice.subject!r} leaked to {ctx.persona}"


def logged_out(ctx):
    assert "_auth_user_id" not in ctx.client.session


def own_password_changed(ctx):
    # A fresh instance: the world's users outlive this test's savepoint.
    user = get_user_model().objects.get(pk=ctx.world.users[ctx.persona].pk)
    assert user.check_password(NEW_PASSWORD)


def upload_belongs_to_caller(ctx):
    batch = ImportBatch.objects.select_related("distributor").get(filename="upload.csv")
    if ctx.persona in STAFF:
        assert batch.distributor is None
    else:
        assert {batch.distributor.code} == SCOPE[ctx.persona]


# --- effects: state re-read from the database before and after a write -------------------------


def distributor_row(world, o):
    row = Distributor.objects.filter(pk=o.distributor.pk).values().get()
    row["territories"] = sorted(o.distributor.territories.values_list("code", flat=True))
    return row


def distributor_codes(world, o):
    return sorted(Distributor.objects.values_list("code", flat=True))


def batches(world, o):
    return sorted(ImportBatch.objects.values_list("pk", "status", "processed_rows"))


def revenue_of_owner(world, o):
    return list(RevenueRecord.objects.filter(distributor=o.distributor).values())


def languages(world, o):
    return sorted(UserProfile.objects.values_list("user__username", "language"))


def two_factor_apps(world, o):
    return sorted(TOTPDevice.objects.filter(confirmed=True).values_list("user__username", "key"))


def exchange_rates(world, o):
    return sorted(ExchangeRate.objects.values_list("currency", "month", "rate"))


def user_states(world, o):
    return sorted(get_user_model().objects.values_list("username", "is_active"))


def tier_rows(world, o):
    return sorted(Tier.objects.values_list("code", "name", "rank"))


def territory_rows(world, o):
    return sorted(Territory.objects.values_list("code", "name", "country"))


def region_rows(world, o):
    return sorted(Region.objects.values_list("name", "name_fr"))


def tokens(world, o):
    return sorted(Token.objects.values_list("user_id", "key", "created"))


def passwords(world, o):
    return sorted(get_user_model().objects.values_list("username", "password"))


def notice_reads(world, o):
    return sorted(Notification.objects.values_list("pk", "read_at"))


def preference_rows(world, o):
    return sorted(NotificationPreference.objects.values_list("user_id", "kind", "delivery"))


def lead_state(pick):
    def effect(world, o):
        lead = pick(world, o)
        return (
            Lead.objects.filter(pk=lead.pk)
            .values("status", "distributor_id", "owner_id", "updated_at")
            .get()
        )

    return effect


offered_state = lead_state(lambda w, o: o.offered)
accepted_state = lead_state(lambda w, o: o.lead)
dql_state = lead_state(lambda w, o: o.dql_lead)
opportunity_state = lead_state(lambda w, o: o.opp_lead)
pool_state = lead_state(lambda w, o: w.pool)


def goal_state(pick):
    def effect(world, o):
        goal = pick(world, o)
        row = Goal.objects.filter(pk=goal.pk).values().get()
        row["landmarks"] = list(Landmark.objects.filter(goal=goal).values_list("date", "expected"))
        row["bands"] = list(BonusBand.objects.filter(goal=goal).values_list("threshold", "amount"))
        row["steps"] = list(ActionStep.objects.filter(goal=goal).values_list("what", "status"))
        row["amendments"] = list(
            Amendment.objects.filter(goal=goal).values_list("status", "changes")
        )
        return row

    return effect


active_goal_state = goal_state(lambda w, o: o.goal)
draft_goal_state = goal_state(lambda w, o: o.draft_goal)
proposed_goal_state = goal_state(lambda w, o: o.proposed_goal)
amended_goal_state = goal_state(lambda w, o: o.amended_goal)
team_goal_state = goal_state(lambda w, o: w.team_goal)


def webhook_rows(world, o):
    return sorted(
        WebhookSubscription.objects.values_list("pk", "url", "events", "active", "secret")
    )


def webhook_deliveries(world, o):
    return sorted(WebhookDelivery.objects.values_list("pk", "message_id", "subscription_id"))


def scim_tokens(world, o):
    return sorted(ScimToken.objects.values_list("pk", "revoked_at", "digest"))


def scim_users(world, o):
    return sorted(get_user_model().objects.values_list("pk", "username", "is_active"))


def scim_token_form(world, o):
    return {"description": "Okta"}


def webhook_body(world, o):
    return {"url": "https://hooks.example/new", "events": ["lead.accepted"], "active": True}


def webhook_form(world, o):
    return {"url": "https://hooks.example/new", "events": ["lead.accepted"], "active": "on"}


def sso_rows(world, o):
    return sorted(
        IdentityProvider.objects.values_list(
            "pk", "name", "distributor_id", "is_active", "client_secret", "admin_values"
        )
    )


def sso_form(world, o):
    return {
        **sso_provider_data("a new sign-in"),
        "is_active": "on",
        "scopes": "openid email",
        "email_claim": "email",
        "role_claim": "groups",
        "domains": "new-idp.example",
    }


def sso_edit_form(world, o):
    return {**sso_form(world, o), "name": "renamed sign-in", "domains": "edited-idp.example"}


def sso_names(o):
    return [o.sso_provider.name]


def webhooks_listed(key, ident):
    """A JSON list of subscriptions or deliveries: the channel's for the manufacturer's staff,
    the caller's own distributor's for a partner admin; never another's."""

    def check(ctx):
        got_ids = {row[key] for row in ctx.response.json()["results"]}
        if ctx.persona in STAFF:
            want = {ident(ctx.world, None)}
        else:
            want = {
                ident(ctx.world, o)
                for code, o in ctx.world.owned.items()
                if code in SCOPE[ctx.persona]
            }
        assert got_ids == want

    return check


def fund_count(world, o):
    return Fund.objects.count()


def fund_form_body(world, o):
    return {
        "name": "Spring co-op",
        "kind": "budget",
        "period_start": "2026-07-01",
        "period_end": "2026-09-30",
        "expires_on": "2026-12-31",
        "cost_share_percent": "50",
    }


def allocations_of(name):
    def effect(world, o):
        fund = getattr(world, name)
        return sorted(Allocation.objects.filter(fund=fund).values_list("distributor_id", "amount"))

    return effect


def request_state(name):
    def effect(world, o):
        made = getattr(o, name)
        row = FundRequest.objects.filter(pk=made.pk).values("status", "approved_amount").get()
        row["claims"] = Claim.objects.filter(request=made).count()
        return row

    return effect


def claim_state(name):
    def effect(world, o):
        claim = getattr(o, name)
        return Claim.objects.filter(pk=claim.pk).values("status", "paid_on").get()

    return effect


def programme_count(world, o):
    return Programme.objects.count()


def programme_body(world, o):
    return {
        "name": "Route guard rebate",
        "basis": "revenue",
        "period_start": "2026-07-01",
        "period_end": "2026-12-31",
        "tiers": [{"threshold": "0", "rate": "1"}],
    }


def programme_form_body(world, o):
    return {
        "name": "Route guard rebate",
        "kind": "rebate",
        "basis": "revenue",
        "period_start": "2026-07-01",
        "period_end": "2026-12-31",
        "method": "retroactive",
        "schedule": "at_end",
        "advance_percent": "100",
        "tiers-TOTAL_FORMS": "5",
        "tiers-INITIAL_FORMS": "0",
        "tiers-0-threshold": "0",
        "tiers-0-rate": "1",
    }


def owners_standings(world, o):
    return sorted(
        Standing.objects.filter(programme=o.programme).values_list("distributor_id", "earned")
    )


def settlements(world, o):
    return sorted(Settlement.objects.values_list("programme_id", "kind", "through"))


def bonus_payments(world, o):
    return sorted(Entry.objects.filter(kind="bonus_payment").values_list("goal_id", "amount"))


def tier_requirement_rows(world, o):
    return list(TierRequirement.objects.values_list("tier_id", "key", "threshold").order_by("pk"))


def tier_review_state(world, o):
    review = TierReview.objects.get(pk=o.tier_review.pk)
    return (review.status, review.distributor.tier_id)


def course_rows(world, o):
    return sorted(Course.objects.values_list("code", "title", "active", "url", "certification_id"))


def certification_rows(world, o):
    return sorted(Certification.objects.values_list("code", "name", "validity_months"))


def completion_rows(world, o):
    return sorted(Completion.objects.values_list("pk", "user_id", "course_id", "completed_on"))


def course_form_body(world, o):
    return {
        "code": "route-course",
        "title": "Route guard course",
        "language": "en",
        "duration_minutes": "30",
        "url": "https://lms.example.test/route",
        "active": "on",
    }


def course_json(world, o):
    return {
        "code": "route-course",
        "title": "Route guard course",
        "language": "en",
        "duration_minutes": 30,
        "url": "https://lms.example.test/route",
        "certification": "installer",
    }


def course_change_json(world, o):
    return {**course_json(world, o), "code": "pumps-101", "title": "Pump installation v2"}


def certification_json(world, o):
    return {"code": "route-cert", "name": "Route guard certificate", "validity_months": 12}


def own_learners_only(ctx):
    """The completions and certificates of the caller's scope, by their learner's name, and
    none of another distributor's."""
    text = text_of(ctx.response)
    for code, o in ctx.world.owned.items():
        if code in SCOPE[ctx.persona]:
            assert o.learner.username in text, f"{o.learner.username!r} missing"
        else:
            assert o.learner.username not in text, f"{o.learner.username!r} leaked to {ctx.persona}"
    shows(lambda o: [])(ctx)


def agreement_versions(world, o):
    return sorted(AgreementVersion.objects.values_list("number", "title", "body"))


def acceptance_rows(world, o):
    return sorted(AgreementAcceptance.objects.values_list("version_id", "distributor_id"))


def agreement_json(world, o):
    return {"title": "Route guard agreement", "body": "The terms of version 3."}


def journey_rows(world, o):
    return sorted(Journey.objects.values_list("name", "for_applications"))


def step_rows(world, o):
    return sorted(JourneyStep.objects.values_list("pk", "title", "due_days", "position"))


def onboarding_rows(world, o):
    return sorted(Onboarding.objects.values_list("distributor_id", "journey_id"))


def progress_rows(world, o):
    return sorted(
        (pk, str(done_at), note)
        for pk, done_at, note in StepProgress.objects.values_list("pk", "done_at", "note")
    )


def application_rows(world, o):
    return sorted(Application.objects.values_list("pk", "decision", "reason"))


def apply_json(world, o):
    """The public form as a person sends it, a minute after the page was served."""
    started = signing.TimestampSigner(salt=APPLY_SALT).sign(str(timezone.now().timestamp() - 60))
    return {
        "company": "Route Guard Pumps",
        "country": "DE",
        "contact_name": "Rita Guard",
        "email": "rita@routeguard.example",
        "fax": "",
        "started": started,
    }


def own_journey_only(ctx):
    """A partner's onboarding page holds its own distributor's file, none of another's."""
    text = text_of(ctx.response)
    for code in ctx.world.owned:
        name = f"registration-{code}.pdf"
        if code in SCOPE[ctx.persona]:
            assert name in text, f"{name!r} missing"
        else:
            assert name not in text, f"{name!r} leaked to {ctx.persona}"


def holds_standing(ctx):
    """A partner's standing names its own distributor and nothing of another's."""
    body = ctx.response.json()
    assert body["distributor"] in SCOPE[ctx.persona], body
    shows(lambda o: [])(ctx)


def own_acceptances_only(ctx):
    """The manufacturer reads every distributor's standing; a partner its own distributor's
    acceptances (who accepted), none of another's."""
    if ctx.persona in STAFF:
        shows(code_and_name)(ctx)
        return
    text = text_of(ctx.response)
    for code, o in ctx.world.owned.items():
        name = o.acceptance.accepted_by_name
        if code in SCOPE[ctx.persona]:
            assert name in text, f"{name!r} missing"
        else:
            assert name not in text, f"{name!r} leaked to {ctx.persona}"
    shows(lambda o: [])(ctx)


def goal_count(world, o):
    return Goal.objects.count()


def review_state(pick):
    def effect(world, o):
        review = pick(world, o)
        row = LandmarkReview.objects.filter(pk=review.pk).values().get()
        row["actions"] = list(ActionStep.objects.filter(review=review).values_list("what"))
        return row

    return effect


missed_review_state = review_state(lambda w, o: o.review)
ok_review_state = review_state(lambda w, o: o.ok_review)


def plan_children(world, o):
    return list(world.team_goal.children.values_list("distributor_id", "target", "status"))


def activity_rows(world, o):
    return list(Activity.objects.values_list("kind", "note"))


def goal_terms_body(world, o):
    """A fine distributor goal of the caller's own distributor (acme's for the manufacturer)."""
    return {
        "level": "distributor",
        "distributor": o.distributor.code,
        "subtitle": "Route guard goal of 50,000 EUR",
        "metric": "revenue",
        "baseline": "40000",
        "baseline_start": "2025-01-01",
        "baseline_end": "2025-12-31",
        "target": "50000",
        "start": "2026-07-01",
        "due": "2026-12-31",
    }


def goal_form_body(world, o):
    """The goal form as a browser posts it (codes for the distributor, landmark rows)."""
    body = {
        key: value
        for key, value in goal_terms_body(world, o).items()
        if key not in ("baseline_start", "baseline_end")
    }
    return {
        **body,
        "baseline_start": "2025-01-01",
        "baseline_end": "2025-12-31",
        "landmark_rule": "manual",
        **landmarks_data(("2026-09-30", "25000")),
        **bands_data(),
        "acknowledgement": "",
    }


def amendment_form_body(world, o):
    goal = o.goal
    return {
        "subtitle": goal.subtitle,
        "description": goal.description,
        "target": "125000",
        "start": goal.start.isoformat(),
        "due": goal.due.isoformat(),
        "exciting": "",
        "landmark_rule": "linear",
        **landmarks_data(),
        **bands_data(),
        "reason": "A new customer",
    }


def account_form_body(world, o):
    return {
        "cause": "pricing",
        "explanation": "A competitor cut its prices",
        "actions-TOTAL_FORMS": "1",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "10",
        "actions-0-what": "Price review",
        "actions-0-due": "2026-07-31",
    }


def scoring_runs(world, o):
    return list(ScoringRun.objects.values_list("pk", "status"))


def scoring_models(world, o):
    return list(ScoringModel.objects.values_list("version", flat=True))


def weights_body(world, o):
    return {
        **{metric.key: "1" for metric in scoring_metric_list()},
        "rate_estimate": "shrunk",
        "note": "flat weights",
    }


def lead_count(world, o):
    return Lead.objects.count()


def routing_decisions(world, o):
    return RoutingDecision.objects.count()


def registration_rows(world, o):
    return sorted(DealRegistration.objects.values_list("pk", "status"))


def criteria_rows(world, o):
    return sorted(
        Criterion.objects.values_list("version__number", "code", "label", "position", "required")
    )


def publications(world, o):
    return sorted(CriteriaVersion.objects.values_list("number", "published_at"))


def acknowledgements(world, o):
    return sorted(CriteriaAcknowledgement.objects.values_list("version__number", "distributor_id"))


def material_rows(world, o):
    return sorted(Material.objects.values_list("pk", "title", "is_active", "url"))


def feedback_rows(world, o):
    return sorted(MaterialFeedback.objects.values_list("by_id", "stage", "rating", "lead_id"))


def own_feedback_only(ctx):
    """The item's feedback: the manufacturer reads every distributor's, a partner its own."""
    text = text_of(ctx.response)
    for code in ctx.world.owned:
        comment = f"comment-by-{code}"
        if code in SCOPE[ctx.persona]:
            assert comment in text, f"{comment!r} missing"
        else:
            assert comment not in text, f"{comment!r} leaked to {ctx.persona}"


def no_other_feedback(ctx):
    """No other distributor's comment reaches a partner."""
    text = text_of(ctx.response)
    for code in set(ctx.world.owned) - SCOPE[ctx.persona]:
        if ctx.persona not in STAFF:
            assert f"comment-by-{code}" not in text, f"{code}'s comment leaked to {ctx.persona}"


def leads_of_scope(ctx):
    """A JSON list of leads holds exactly the caller's: the pool and the registered deals
    (no distributor yet) for the manufacturer only."""
    got_ids = {row["id"] for row in ctx.response.json()["results"]}
    want = set()
    for code in SCOPE[ctx.persona]:
        want |= ctx.world.lead_ids[code]
    if ctx.persona in STAFF:
        want |= {ctx.world.pool.pk}
        want |= {o.registration.lead_id for o in ctx.world.owned.values()}
    assert got_ids == want


def outcome_result(ctx, expected):
    """The push's one item: applied, or refused as not found (as a lead that does not exist)."""
    (item,) = ctx.response.json()["results"]
    assert (item.get("code") or item["result"]) == expected, item


def own_funnel(ctx):
    body = ctx.response.json()
    if ctx.persona in STAFF:
        assert body["distributor"] is None
    else:
        (code,) = SCOPE[ctx.persona]
        assert body["distributor"] == code
        text = ctx.response.content.decode()
        for other in set(ctx.world.owned) - {code}:
            assert other not in text and ctx.world.owned[other].distributor.name not in text


# --- request bodies ----------------------------------------------------------------------------


def distributor_form(world, o):
    d = o.distributor
    return {
        "name": f"{d.name} renamed",
        "country": d.country,
        "region": d.region,
        "currency": d.currency,
        "tier": d.tier.pk,
        "status": d.status,
        "contract_start": d.contract_start.isoformat(),
        "contract_end": d.contract_end.isoformat(),
        "market_potential": "1",
    }


def new_distributor_form(world, o):
    return {**distributor_form(world, o), "code": "newco", "name": "New Co", "status": "onboarding"}


def distributor_json(world, o):
    d = o.distributor
    return {
        "code": d.code,
        "name": f"{d.name} renamed",
        "country": d.country,
        "region": d.region,
        "currency": d.currency,
        "tier": d.tier.code,
        "status": d.status,
    }


def new_distributor_json(world, o):
    return {**distributor_json(world, o), "code": "newco", "name": "New Co", "status": "onboarding"}


def revenue_push(world, o):
    row = {
        "distributor": o.distributor.code,
        "month": f"{o.revenue.month:%Y-%m}",
        "product_line": "pumps",
        "amount": "4242.00",
    }
    return {"rows": [row]}


def lead_upload(world, o):
    content = "source,external_ref,company,country\nfair,IMP-1,Imported SA,DE\n"
    return {"file": SimpleUploadedFile("mqls.csv", content.encode()), "route": "on"}


def new_lead_json(world, o):
    return {"source": "fair", "external_ref": "NEW-1", "company": "New lead SA", "country": "DE"}


def other_code(world, o):
    return "rival" if o.distributor.code == "acme" else "acme"


def upload(world, o):
    content = f"distributor,month,product_line,amount\nacme,{world.today:%Y-%m},pumps,5\n"
    return {"kind": "revenue", "file": SimpleUploadedFile("upload.csv", content.encode())}


def completion_upload(world, o):
    content = f"user,course,completed_on,score\nrep-test,pumps-101,{world.today:%Y-%m-%d},90\n"
    return {"kind": "completion", "file": SimpleUploadedFile("upload.csv", content.encode())}


# --- the routes and the methods their views take ------------------------------------------


def url_patterns(patterns=None, namespace=""):
    """(route name, URLPattern) of every route the resolver knows, namespaces included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or str(pattern.pattern)
            yield f"{namespace}{name}", pattern


def route_names():
    return (name for name, _pattern in url_patterns())


def view_methods(view):
    """The methods among METHODS that a view answers, read from the view itself.

    `require_http_methods` (and `require_GET`, `require_POST`, `require_safe`) keep their list in
    the closure of the function they wrap; a DRF viewset route knows its actions; a DRF APIView or
    a Django class-based view answers the methods it has a handler for. A plain function answers
    every method.
    """
    methods = set(METHODS)
    layer = view
    while layer is not None:
        code = getattr(layer, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = layer.__closure__[code.co_freevars.index("request_method_list")]
            methods &= {method.upper() for method in cell.cell_contents}
        layer = getattr(layer, "__wrapped__", None)
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    actions = getattr(view, "actions", None)
    if actions:
        methods &= {method.upper() for method in actions}
    elif view_class is not None:
        methods &= {
            method.upper() for method in view_class.http_method_names if hasattr(view_class, method)
        }
    return methods


def exempt(route):
    return any(route.startswith(prefix) for prefix in EXEMPT)


# The first pattern of a name wins, as in reverse().
PATTERNS = dict(reversed(list(url_patterns())))
ACCEPTED = {
    route: view_methods(pattern.callback)
    for route, pattern in PATTERNS.items()
    if not exempt(route)
}
PROBED = sorted(ACCEPTED)


def url_builder(route):
    """Its entry in URLS, or for a route that takes no arguments its plain reverse()."""
    if route in URLS:
        return URLS[route]
    pattern = PATTERNS.get(route)
    if pattern is not None and not pattern.pattern.regex.groups:
        return by(route)
    return None


def each_method(route, expected, **row):
    """One row per method the route takes, all with the same expectations: for a form a persona
    may open, an empty POST is a form error that changes nothing (every table is re-read)."""
    return [Row(route, method, expected, **row) for method in sorted(ACCEPTED[route])]


# --- the table ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    who: dict
    owner: str | None = None  # whose object the URL names
    query: str = ""  # appended to the URL
    variant: str = ""  # tells two rows of one route and method apart
    body: Callable | None = None  # body(world, owned) for writes
    effect: Callable | None = None  # effect(world, owned): state that only an allowed write moves
    url: Callable | None = field(default=None, repr=False)
    # Tables a write that is not allowed may still touch, each with its reason in a comment (a
    # counter of wrong codes, say); every other table must be left as it was.
    touches: tuple = ()
    # A key of FAMILIES: the row's route and method answer every persona alike for that family's
    # reason, so that the family's sample personas stand for all (see `family`).
    family: str = ""

    @property
    def name(self):
        owner = f" {self.owner}'s" if self.owner else ""
        variant = f" {self.variant}" if self.variant else ""
        return f"{self.route} {self.method}{owner}{variant}{self.query}"

    @property
    def is_api(self):
        return self.route.startswith("api:") or self.route in ("schema", "swagger-ui")


def by(route, *args):
    """URL builder for objects of acme (the probe) or of a row's owner."""
    return lambda world, o: reverse(route, args=[arg(o) for arg in args])


URLS = {
    "home": by("home"),
    "login": by("login"),
    "logout": by("logout"),
    "password_change": by("password_change"),
    "password_change_done": by("password_change_done"),
    "distributors:list": by("distributors:list"),
    "distributors:export": by("distributors:export"),
    "distributors:create": by("distributors:create"),
    "distributors:detail": by("distributors:detail", lambda o: o.distributor.code),
    "distributors:edit": by("distributors:edit", lambda o: o.distributor.code),
    "distributors:mine": by("distributors:mine"),
    "distributors:pick": by("distributors:pick"),
    "distributors:imports": by("distributors:imports"),
    "distributors:import-create": by("distributors:import-create"),
    "distributors:import-detail": by("distributors:import-detail", lambda o: o.batch.pk),
    "distributors:import-status": by("distributors:import-status", lambda o: o.batch.pk),
    "distributors:import-commit": by("distributors:import-commit", lambda o: o.batch.pk),
    "distributors:import-template": by("distributors:import-template", lambda o: "revenue"),
    "distributors:import-template-xlsx": by(
        "distributors:import-template-xlsx", lambda o: "revenue"
    ),
    "distributors:import-codes": by("distributors:import-codes"),
    "distributors:import-errors": by("distributors:import-errors", lambda o: o.batch.pk),
    "distributors:my-revenue": by("distributors:my-revenue"),
    "distributors:revenue": by("distributors:revenue", lambda o: o.distributor.code),
    "distributors:exchange-rates": by("distributors:exchange-rates"),
    "distributors:exchange-rate-delete": lambda w, o: reverse(
        "distributors:exchange-rate-delete", args=[w.rate.pk]
    ),
    "distributors:users": by("distributors:users"),
    "distributors:user-invite": by("distributors:user-invite"),
    "distributors:user-deactivate": lambda w, o: reverse(
        "distributors:user-deactivate", args=[w.users["rep"].pk]
    ),
    "identity:profile": by("identity:profile"),
    "identity:language": by("identity:language"),
    "identity:two-factor": by("identity:two-factor"),
    "identity:two-factor-off": by("identity:two-factor-off"),
    "identity:two-factor-verify": by("identity:two-factor-verify"),
    "distributors:tiers": by("distributors:tiers"),
    "distributors:tier-create": by("distributors:tier-create"),
    "distributors:tier-edit": by("distributors:tier-edit", lambda o: o.distributor.tier.code),
    "distributors:tier-delete": by("distributors:tier-delete", lambda o: o.distributor.tier.code),
    "distributors:territories": by("distributors:territories"),
    "distributors:regions": by("distributors:regions"),
    "distributors:territory-create": by("distributors:territory-create"),
    "distributors:territory-edit": by("distributors:territory-edit", lambda o: o.territory.code),
    "distributors:territory-delete": by(
        "distributors:territory-delete", lambda o: o.territory.code
    ),
    "password_reset_confirm": lambda w, o: reverse(
        "password_reset_confirm", args=["MQ", "not-a-token"]
    ),
    "password_reset_complete": by("password_reset_complete"),
    "password_reset": by("password_reset"),
    "password_reset_done": by("password_reset_done"),
    "notifications:inbox": by("notifications:inbox"),
    "notifications:open": lambda w, o: reverse(
        "notifications:open", args=[w.notices["partner"].pk]
    ),
    "notifications:read-all": by("notifications:read-all"),
    "notifications:preferences": by("notifications:preferences"),
    "leads:list": by("leads:list"),
    "leads:export": by("leads:export"),
    "leads:create": by("leads:create"),
    "leads:bulk": by("leads:bulk"),
    "leads:import": by("leads:import"),
    "leads:inbox": by("leads:inbox"),
    "leads:detail": by("leads:detail", lambda o: o.lead.pk),
    "leads:assign": by("leads:assign", lambda o: o.offered.pk),
    "leads:route": lambda w, o: reverse("leads:route", args=[w.pool.pk]),
    "leads:accept": by("leads:accept", lambda o: o.offered.pk),
    "leads:reject": by("leads:reject", lambda o: o.offered.pk),
    "leads:qualify": by("leads:qualify", lambda o: o.lead.pk),
    "leads:convert": by("leads:convert", lambda o: o.dql_lead.pk),
    "leads:win": by("leads:win", lambda o: o.opp_lead.pk),
    "leads:lose": by("leads:lose", lambda o: o.lead.pk),
    "leads:hand": by("leads:hand", lambda o: o.lead.pk),
    "leads:register": by("leads:register"),
    "leads:registrations": by("leads:registrations"),
    "leads:registration-decide": by("leads:registration-decide", lambda o: o.registration.pk),
    "leads:analytics": by("leads:analytics"),
    "leads:criteria": by("leads:criteria"),
    "leads:criterion-add": by("leads:criterion-add"),
    "leads:criterion-edit": lambda w, o: reverse("leads:criterion-edit", args=[w.draft_item.pk]),
    "leads:criterion-delete": lambda w, o: reverse(
        "leads:criterion-delete", args=[w.draft_item.pk]
    ),
    "leads:criteria-publish": by("leads:criteria-publish"),
    "leads:criteria-acknowledge": lambda w, o: reverse("leads:criteria-acknowledge", args=[1]),
    "api:qualification-criteria-list": by("api:qualification-criteria-list"),
    "api:qualification-criteria-detail": lambda w, o: reverse(
        "api:qualification-criteria-detail", args=[1]
    ),
    "api:qualification-criteria-acknowledge": lambda w, o: reverse(
        "api:qualification-criteria-acknowledge", args=[1]
    ),
    "leads:materials": by("leads:materials"),
    "leads:material-create": by("leads:material-create"),
    "leads:material-detail": lambda w, o: reverse("leads:material-detail", args=[w.material.pk]),
    "leads:material-edit": lambda w, o: reverse("leads:material-edit", args=[w.material.pk]),
    "leads:material-rate": lambda w, o: reverse("leads:material-rate", args=[w.material.pk]),
    "leads:material-file": lambda w, o: reverse("leads:material-file", args=[w.material.pk]),
    "api:material-list": by("api:material-list"),
    "api:material-detail": lambda w, o: reverse("api:material-detail", args=[w.material.pk]),
    "api:material-rate": lambda w, o: reverse("api:material-rate", args=[w.material.pk]),
    "api:lead-list": by("api:lead-list"),
    "api:lead-detail": by("api:lead-detail", lambda o: o.lead.pk),
    "api:lead-history": by("api:lead-history", lambda o: o.lead.pk),
    "api:lead-bulk": by("api:lead-bulk"),
    "api:lead-outcomes": by("api:lead-outcomes"),
    "api:lead-assign": by("api:lead-assign", lambda o: o.offered.pk),
    "api:lead-route": lambda w, o: reverse("api:lead-route", args=[w.pool.pk]),
    "api:lead-accept": by("api:lead-accept", lambda o: o.offered.pk),
    "api:lead-reject": by("api:lead-reject", lambda o: o.offered.pk),
    "api:lead-qualify": by("api:lead-qualify", lambda o: o.lead.pk),
    "api:lead-convert": by("api:lead-convert", lambda o: o.dql_lead.pk),
    "api:lead-win": by("api:lead-win", lambda o: o.opp_lead.pk),
    "api:lead-lose": by("api:lead-lose", lambda o: o.lead.pk),
    "api:lead-source-list": by("api:lead-source-list"),
    "api:lead-source-detail": by("api:lead-source-detail", lambda o: "fair"),
    "api:funnel": by("api:funnel"),
    "goals:list": by("goals:list"),
    "goals:export": by("goals:export"),
    "goals:create": by("goals:create"),
    "goals:check": by("goals:check"),
    "goals:landmarks-suggest": by("goals:landmarks-suggest"),
    "goals:detail": by("goals:detail", lambda o: o.goal.pk),
    "goals:edit": by("goals:edit", lambda o: o.draft_goal.pk),
    "goals:propose": by("goals:propose", lambda o: o.draft_goal.pk),
    "goals:accept": by("goals:accept", lambda o: o.proposed_goal.pk),
    "goals:activate": lambda w, o: reverse("goals:activate", args=[w.team_goal.pk]),
    "goals:plan": lambda w, o: reverse("goals:plan", args=[w.team_goal.pk]),
    "goals:plan-apply": lambda w, o: reverse("goals:plan-apply", args=[w.team_goal.pk]),
    "goals:plan-export": lambda w, o: reverse("goals:plan-export", args=[w.team_goal.pk]),
    "goals:close": by("goals:close", lambda o: o.goal.pk),
    "goals:amend": by("goals:amend", lambda o: o.goal.pk),
    "goals:amendment-accept": by("goals:amendment-accept", lambda o: o.amendment.pk),
    "goals:amendment-reject": by("goals:amendment-reject", lambda o: o.amendment.pk),
    "goals:step-add": by("goals:step-add", lambda o: o.goal.pk),
    "goals:step-status": by("goals:step-status", lambda o: o.step.pk),
    "goals:reviews": by("goals:reviews"),
    "goals:steps": by("goals:steps"),
    "goals:review": by("goals:review", lambda o: o.review.pk),
    "goals:review-account": by("goals:review-account", lambda o: o.review.pk),
    "goals:review-acknowledge": by("goals:review-acknowledge", lambda o: o.review.pk),
    "goals:review-close": by("goals:review-close", lambda o: o.ok_review.pk),
    "goals:quarterly": by("goals:quarterly", lambda o: o.distributor.code),
    "goals:activities": by("goals:activities"),
    "goals:annex": by("goals:annex", lambda o: o.distributor.code, lambda o: 2026),
    "funds:detail": lambda w, o: reverse("funds:detail", args=[w.fund.pk]),
    "api:fund-detail": lambda w, o: reverse("api:fund-detail", args=[w.fund.pk]),
    "api:fund-accrue": lambda w, o: reverse("api:fund-accrue", args=[w.accrual_fund.pk]),
    "api:fund-allocation": lambda w, o: reverse(
        "api:fund-allocation", args=[w.fund.pk, o.distributor.code]
    ),
    "api:fund-request-detail": by("api:fund-request-detail", lambda o: o.fund_submitted.pk),
    "api:fund-request-approve": by("api:fund-request-approve", lambda o: o.fund_submitted.pk),
    "api:fund-request-reject": by("api:fund-request-reject", lambda o: o.fund_submitted.pk),
    "api:fund-request-cancel": by("api:fund-request-cancel", lambda o: o.fund_submitted.pk),
    "api:fund-request-claim": by("api:fund-request-claim", lambda o: o.fund_approved.pk),
    "api:fund-claim-detail": by("api:fund-claim-detail", lambda o: o.fund_claim.pk),
    "api:impact-estimate-detail": by("api:impact-estimate-detail", lambda o: o.impact.pk),
    "api:fund-claim-approve": by("api:fund-claim-approve", lambda o: o.fund_claim.pk),
    "api:fund-claim-reject": by("api:fund-claim-reject", lambda o: o.fund_claim.pk),
    "api:fund-claim-pay": by("api:fund-claim-pay", lambda o: o.fund_claim_approved.pk),
    "api:fund-claim-proof": by(
        "api:fund-claim-proof", lambda o: o.fund_claim.pk, lambda o: o.fund_proof.pk
    ),
    "incentives:list": by("incentives:list"),
    "incentives:create": by("incentives:create"),
    "incentives:statement": by("incentives:statement"),
    "incentives:ledger-export": by("incentives:ledger-export"),
    "incentives:bonus-pay": by("incentives:bonus-pay", lambda o: o.bonus_goal.pk),
    "incentives:detail": by("incentives:detail", lambda o: o.programme.pk),
    "incentives:standings-export": lambda w, o: reverse(
        "incentives:standings-export", args=[w.programme.pk]
    ),
    "incentives:accrue": by("incentives:accrue", lambda o: o.programme.pk),
    "incentives:advance": lambda w, o: reverse("incentives:advance", args=[w.programme.pk]),
    "incentives:true-up": lambda w, o: reverse("incentives:true-up", args=[w.ended_programme.pk]),
    "api:programme-detail": by("api:programme-detail", lambda o: o.programme.pk),
    "api:programme-accrue": by("api:programme-accrue", lambda o: o.programme.pk),
    "api:programme-advance": lambda w, o: reverse("api:programme-advance", args=[w.programme.pk]),
    "api:programme-true-up": lambda w, o: reverse(
        "api:programme-true-up", args=[w.ended_programme.pk]
    ),
    "api:programme-standings": lambda w, o: reverse(
        "api:programme-standings", args=[w.programme.pk]
    ),
    "partnership:course": lambda w, o: reverse("partnership:course", args=[w.course.pk]),
    "partnership:course-edit": lambda w, o: reverse("partnership:course-edit", args=[w.course.pk]),
    "partnership:course-material": lambda w, o: reverse(
        "partnership:course-material", args=[w.course.pk]
    ),
    "partnership:certification-edit": lambda w, o: reverse(
        "partnership:certification-edit", args=[w.certification.pk]
    ),
    "partnership:completion-delete": by("partnership:completion-delete", lambda o: o.completion.pk),
    "tiers:requirement-delete": lambda w, o: reverse(
        "tiers:requirement-delete", args=[w.tier_requirement.pk]
    ),
    "tiers:proposal": by("tiers:proposal", lambda o: o.tier_review.pk),
    "tiers:history": by("tiers:history", lambda o: o.distributor.code),
    "api:tier-requirement-detail": lambda w, o: reverse(
        "api:tier-requirement-detail", args=[w.tier_requirement.pk]
    ),
    "api:tier-proposal-detail": by("api:tier-proposal-detail", lambda o: o.tier_review.pk),
    "api:tier-proposal-confirm": by("api:tier-proposal-confirm", lambda o: o.tier_review.pk),
    "api:tier-proposal-override": by("api:tier-proposal-override", lambda o: o.tier_review.pk),
    "sso:detail": by("sso:detail", lambda o: o.sso_provider.pk),
    "sso:deactivate": by("sso:deactivate", lambda o: o.sso_provider.pk),
    "sso:mine-detail": by("sso:mine-detail", lambda o: o.sso_provider.pk),
    "sso:mine-deactivate": by("sso:mine-deactivate", lambda o: o.sso_provider.pk),
    "sso:start": by("sso:start", lambda o: o.sso_provider.pk),
    "sso:saml-acs": lambda w, o: reverse("sso:saml-acs", args=[w.staff_saml_provider.pk]),
    "sso:saml-metadata": lambda w, o: reverse("sso:saml-metadata", args=[w.staff_saml_provider.pk]),
    "webhooks:detail": lambda w, o: reverse("webhooks:detail", args=[w.channel_webhook.pk]),
    "webhooks:rotate": lambda w, o: reverse("webhooks:rotate", args=[w.channel_webhook.pk]),
    "webhooks:test": lambda w, o: reverse("webhooks:test", args=[w.channel_webhook.pk]),
    "webhooks:delete": lambda w, o: reverse("webhooks:delete", args=[w.channel_webhook.pk]),
    "webhooks:send-again": lambda w, o: reverse(
        "webhooks:send-again", args=[w.channel_webhook_delivery.pk]
    ),
    "webhooks:mine-detail": by("webhooks:mine-detail", lambda o: o.webhook.pk),
    "scim:mine-revoke": by("scim:mine-revoke", lambda o: o.scim_token.pk),
    "scim:staff-revoke": lambda w, o: reverse("scim:staff-revoke", args=[w.staff_scim_token.pk]),
    "scim:resource-type": lambda w, o: reverse("scim:resource-type", args=["User"]),
    "scim:schema": lambda w, o: reverse(
        "scim:schema", args=["urn:ietf:params:scim:schemas:core:2.0:User"]
    ),
    "scim:user": lambda w, o: reverse("scim:user", args=[w.users["colleague"].pk]),
    "scim:group": lambda w, o: reverse("scim:group", args=["partner_admin"]),
    "scim:not-found": lambda w, o: reverse("scim:not-found", args=["Nothing"]),
    "webhooks:mine-rotate": by("webhooks:mine-rotate", lambda o: o.webhook.pk),
    "webhooks:mine-test": by("webhooks:mine-test", lambda o: o.webhook.pk),
    "webhooks:mine-delete": by("webhooks:mine-delete", lambda o: o.webhook.pk),
    "webhooks:mine-send-again": by("webhooks:mine-send-again", lambda o: o.webhook_delivery.pk),
    "api:webhook-subscription-detail": by(
        "api:webhook-subscription-detail", lambda o: o.webhook.pk
    ),
    "api:webhook-subscription-rotate-secret": by(
        "api:webhook-subscription-rotate-secret", lambda o: o.webhook.pk
    ),
    "api:webhook-subscription-test": by("api:webhook-subscription-test", lambda o: o.webhook.pk),
    "api:webhook-delivery-detail": by(
        "api:webhook-delivery-detail", lambda o: o.webhook_delivery.pk
    ),
    "api:webhook-delivery-send-again": by(
        "api:webhook-delivery-send-again", lambda o: o.webhook_delivery.pk
    ),
    "api:course-detail": lambda w, o: reverse("api:course-detail", args=[w.course.pk]),
    "api:course-material": lambda w, o: reverse("api:course-material", args=[w.course.pk]),
    "api:certification-detail": lambda w, o: reverse(
        "api:certification-detail", args=[w.certification.pk]
    ),
    "api:completion-detail": by("api:completion-detail", lambda o: o.completion.pk),
    "partnership:agreement-version": lambda w, o: reverse(
        "partnership:agreement-version", args=[w.old_agreement.number]
    ),
    "api:agreement-version-detail": lambda w, o: reverse(
        "api:agreement-version-detail", args=[w.old_agreement.number]
    ),
    "api:agreement-acceptance-detail": by(
        "api:agreement-acceptance-detail", lambda o: o.acceptance.pk
    ),
    "partnership:onboarding": by("partnership:onboarding", lambda o: o.distributor.code),
    "partnership:onboarding-start": lambda w, o: reverse(
        "partnership:onboarding-start", args=[w.waiting.code]
    ),
    "partnership:application-decide": lambda w, o: reverse(
        "partnership:application-decide", args=[w.application.distributor.code]
    ),
    "partnership:journey": lambda w, o: reverse("partnership:journey", args=[w.journey.pk]),
    "partnership:step-edit": lambda w, o: reverse(
        "partnership:step-edit", args=[w.journey_step.pk]
    ),
    "partnership:step-delete": lambda w, o: reverse(
        "partnership:step-delete", args=[w.journey_step.pk]
    ),
    "partnership:step-done": by("partnership:step-done", lambda o: o.step_partner.pk),
    "partnership:step-reopen": by("partnership:step-reopen", lambda o: o.step_file.pk),
    "partnership:step-evidence": by("partnership:step-evidence", lambda o: o.step_file.pk),
    "api:journey-detail": lambda w, o: reverse("api:journey-detail", args=[w.journey.pk]),
    "api:onboarding-detail": by("api:onboarding-detail", lambda o: o.onboarding.pk),
    "api:onboarding-step-done": by("api:onboarding-step-done", lambda o: o.step_partner.pk),
    "api:application-detail": lambda w, o: reverse(
        "api:application-detail", args=[w.application.pk]
    ),
    "api:application-decide": lambda w, o: reverse(
        "api:application-decide", args=[w.application.pk]
    ),
    "funds:allocate": lambda w, o: reverse("funds:allocate", args=[w.fund.pk]),
    "funds:accrue": lambda w, o: reverse("funds:accrue", args=[w.accrual_fund.pk]),
    "funds:request": by("funds:request", lambda o: o.fund_submitted.pk),
    "funds:request-decide": by("funds:request-decide", lambda o: o.fund_submitted.pk),
    "funds:request-cancel": by("funds:request-cancel", lambda o: o.fund_submitted.pk),
    "funds:claim-submit": by("funds:claim-submit", lambda o: o.fund_approved.pk),
    "funds:claim-decide": by("funds:claim-decide", lambda o: o.fund_claim.pk),
    "funds:claim-pay": by("funds:claim-pay", lambda o: o.fund_claim_approved.pk),
    "funds:proof": by("funds:proof", lambda o: o.fund_proof.pk),
    "scoring:dashboard": by("scoring:dashboard"),
    "scoring:rankings": by("scoring:rankings"),
    "scoring:rankings-export": by("scoring:rankings-export"),
    "scoring:scorecard": by("scoring:scorecard", lambda o: o.distributor.code),
    "scoring:mine": by("scoring:mine"),
    "scoring:runs": by("scoring:runs"),
    "scoring:run-trigger": by("scoring:run-trigger"),
    "scoring:run-progress": lambda w, o: reverse("scoring:run-progress", args=[w.scoring_run.pk]),
    "scoring:weights": by("scoring:weights"),
    "scoring:resources": by("scoring:resources"),
    "api:scorecard-list": by("api:scorecard-list"),
    "api:scorecard-detail": by("api:scorecard-detail", lambda o: o.distributor.code),
    "api:scorecard-history": by("api:scorecard-history", lambda o: o.distributor.code),
    "api:scoring-run-list": by("api:scoring-run-list"),
    "api:scoring-run-detail": lambda w, o: reverse(
        "api:scoring-run-detail", args=[w.scoring_run.pk]
    ),
    "api:goal-list": by("api:goal-list"),
    "api:goal-check": by("api:goal-check"),
    "api:goal-detail": by("api:goal-detail", lambda o: o.goal.pk),
    "api:goal-propose": by("api:goal-propose", lambda o: o.draft_goal.pk),
    "api:goal-counter": by("api:goal-counter", lambda o: o.proposed_goal.pk),
    "api:goal-accept": by("api:goal-accept", lambda o: o.proposed_goal.pk),
    "api:goal-activate": lambda w, o: reverse("api:goal-activate", args=[w.team_goal.pk]),
    "api:goal-plan": lambda w, o: reverse("api:goal-plan", args=[w.team_goal.pk]),
    "api:goal-close": by("api:goal-close", lambda o: o.goal.pk),
    "api:goal-amend": by("api:goal-amend", lambda o: o.goal.pk),
    "api:goal-amendments": by("api:goal-amendments", lambda o: o.amended_goal.pk),
    "api:goal-landmarks": by("api:goal-landmarks", lambda o: o.draft_goal.pk),
    "api:goal-amendment-detail": by("api:goal-amendment-detail", lambda o: o.amendment.pk),
    "api:goal-amendment-accept": by("api:goal-amendment-accept", lambda o: o.amendment.pk),
    "api:goal-amendment-reject": by("api:goal-amendment-reject", lambda o: o.amendment.pk),
    "api:landmark-review-list": by("api:landmark-review-list"),
    "api:landmark-review-detail": by("api:landmark-review-detail", lambda o: o.review.pk),
    "api:landmark-review-account": by("api:landmark-review-account", lambda o: o.review.pk),
    "api:landmark-review-acknowledge": by("api:landmark-review-acknowledge", lambda o: o.review.pk),
    "api:landmark-review-close": by("api:landmark-review-close", lambda o: o.ok_review.pk),
    "api:activity-list": by("api:activity-list"),
    "api:distributor-annex": lambda w, o: (
        reverse("api:distributor-annex", args=[o.distributor.code]) + "?year=2026"
    ),
    "api:token": by("api:token"),
    "api:api-root": by("api:api-root"),
    "api:distributor-list": by("api:distributor-list"),
    "api:distributor-detail": by("api:distributor-detail", lambda o: o.distributor.code),
    "api:distributor-history": by("api:distributor-history", lambda o: o.distributor.code),
    "api:territory-list": by("api:territory-list"),
    "api:territory-detail": by("api:territory-detail", lambda o: o.territory.code),
    "api:product-line-list": by("api:product-line-list"),
    "api:product-line-detail": by("api:product-line-detail", lambda o: "pumps"),
    "api:revenue-list": by("api:revenue-list"),
    "api:revenue-detail": by("api:revenue-detail", lambda o: o.revenue.pk),
    "api:investment-list": by("api:investment-list"),
    "api:investment-detail": by("api:investment-detail", lambda o: o.investment.pk),
    "schema": by("schema"),
    "swagger-ui": by("swagger-ui"),
    "healthz": by("healthz"),
    "favicon": by("favicon"),
    "admin:index": by("admin:index"),
    "admin:distributors_distributor_changelist": by("admin:distributors_distributor_changelist"),
    "admin:distributors_distributor_change": by(
        "admin:distributors_distributor_change", lambda o: o.distributor.pk
    ),
}


def each_owner(route, method, *, staff, own, other, nobody, anonymous, rep=None, **row):
    """One row for acme's object and one for rival's: a partner gets `own` or `other`.

    `rep`: what acme's rep gets on acme's own object when it differs from its admins.
    """
    for owner in ("acme", "rival"):
        acme, outsider = mine_or_other(owner, own=own, other=other)
        one = {"rep": rep} if rep is not None and owner == "acme" else {}
        expected = who(
            anonymous=anonymous, nobody=nobody, staff=staff, acme=acme, outsider=outsider, **one
        )
        yield Row(route, method, expected, owner=owner, **row)


def keeper_rows(route, method, **row):
    """each_owner for what only a distributor's admins keep: its rep gets 403 on any object."""
    for made in each_owner(route, method, **row):
        yield replace(made, who={**made.who, "rep": expect(403)})


def api_detail(route, key, ident):
    check = got(200, is_owners(key, ident))
    return each_owner(route, "GET", staff=check, own=check, other=404, nobody=403, anonymous=401)


def api_detail_list(route, ident):
    """A list nested under an object: staff and the owner read it, another partner gets 404."""
    return each_owner(route, "GET", staff=200, own=200, other=404, nobody=403, anonymous=401)


def page_detail(route, check):
    ok = got(200, check)
    return each_owner(route, "GET", staff=ok, own=ok, other=404, nobody=403, anonymous=TO_LOGIN)


ADMIN_ONLY = everyone(TO_ADMIN_LOGIN, admin=200)


@dataclass(frozen=True)
class Family:
    """Routes whose views answer every persona alike for one reason that their view shares.

    `holds(view)` reads the reason off a route's view; `sample`: the personas that send each
    member's rows (the family's first row is sent by every persona, as any row).
    """

    reason: str
    holds: Callable
    sample: tuple


def scim_bearer_first(view):
    view_class = getattr(view, "view_class", None)
    return (
        view_class is not None
        and issubclass(view_class, scim_api.ScimView)
        and view_class.dispatch is scim_api.ScimView.dispatch
    )


FAMILIES = {
    "scim-bearer": Family(
        "ScimView.dispatch answers 401 before the view, unless the request carries a "
        "provisioning token (Authorization: Bearer): sessions and DRF tokens open nothing",
        scim_bearer_first,
        # The superuser's session, had it opened anything, and no one at all.
        ("admin", "anonymous"),
    ),
}


def family(name, members, expected, **row):
    """Rows of a family's routes and methods, all with the same expectations: the first is sent
    by every persona, the others by the family's sample (the reason makes the persona
    irrelevant; test_each_family_member_has_the_familys_reason holds every member to it, and
    test_every_route_with_a_familys_reason_is_in_it keeps the family whole)."""
    (route, method), *others = members
    yield Row(route, method, expected, **row)
    for route, method in others:
        yield Row(route, method, expected, family=name, **row)


ROWS = [
    # --- accounts ---
    Row(
        "home",
        "GET",
        page(got(302, to("/dashboard/")), got(302, to("/my/")), got(302, to("/my/"))),
    ),
    Row("login", "GET", everyone(200)),
    Row(
        "login",
        "POST",
        everyone(200),
        body=lambda w, o: {"username": "partner-test", "password": "wrong"},
    ),
    Row("logout", "POST", everyone(got(302, logged_out))),
    Row("password_change", "GET", page(200, nobody=200)),
    Row(
        "password_change",
        "POST",
        page(writes(302, own_password_changed), nobody=writes(302, own_password_changed)),
        body=lambda w, o: {
            "old_password": factories.PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        effect=passwords,
    ),
    Row("password_change_done", "GET", page(200, nobody=200)),
    # --- manager pages ---
    Row("distributors:list", "GET", staff_page(got(200, shows(code_and_name)))),
    # The pickers' search: the distributors in sight, by code or name, and none other.
    Row("distributors:pick", "GET", page(got(200, shows(code_and_name)))),
    Row(
        "distributors:pick",
        "GET",
        page(got(200, shows(code_and_name))),
        query="?q=a&status=active&status=probation&status=onboarding",
    ),
    # "All distributors" widens a channel manager's default "mine" list: still staff only.
    Row(
        "distributors:list",
        "GET",
        staff_page(got(200, shows(code_and_name))),
        query="?scope=all",
    ),
    Row(
        "distributors:export",
        "GET",
        staff_page(got(200, shows(code_and_name))),
        query="?scope=all",
    ),
    Row("distributors:export", "GET", staff_page(got(200, shows(code_and_name)))),
    Row(
        "distributors:export",
        "GET",
        staff_page(got(200, shows(code_and_name))),
        query="?format=xlsx",
    ),
    Row("distributors:create", "GET", staff_page()),
    Row(
        "distributors:create",
        "POST",
        staff_page(writes(302, to("/distributors/newco/"))),
        body=new_distributor_form,
        effect=distributor_codes,
    ),
    *page_detail("distributors:detail", shows(profile, whose="owner")),
    Row("distributors:edit", "GET", staff_page(), owner="acme"),
    *(
        Row(
            "distributors:edit",
            "POST",
            staff_page(writes(302)),
            owner=owner,
            body=distributor_form,
            effect=distributor_row,
        )
        for owner in ("acme", "rival")
    ),
    # --- the partner's own page ---
    Row("distributors:mine", "GET", page(403, got(200, shows(profile_and_uploads)))),
    # --- imports ---
    Row("distributors:imports", "GET", page(got(200, shows(batch_file)))),
    Row("distributors:import-create", "GET", page(200)),
    Row(
        "distributors:import-create",
        "POST",
        page(writes(302, upload_belongs_to_caller)),
        body=upload,
        effect=batches,
    ),
    # Training completions from an LMS export are the manufacturer's: a partner's form refuses
    # the kind (the page answers, nothing is stored), and `?kind=` preselects nothing for it.
    Row("distributors:import-create", "GET", page(200), query="?kind=completion"),
    Row(
        "distributors:import-create",
        "POST",
        page(writes(302, upload_belongs_to_caller), 200),
        body=completion_upload,
        effect=batches,
        variant="completion",
    ),
    *page_detail("distributors:import-detail", shows(batch_file, whose="owner")),
    *page_detail("distributors:import-status", shows(lambda o: [], whose="owner")),
    # Redirects whether or not the batch moved: the effect decides.
    *each_owner(
        "distributors:import-commit",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        effect=batches,
    ),
    Row("distributors:import-template", "GET", page(got(200, template_for_caller))),
    Row(
        "distributors:import-template",
        "GET",
        staff_page(),
        url=lambda w, o: reverse("distributors:import-template", args=["investment"]),
        variant="investment",
    ),
    Row("distributors:import-template-xlsx", "GET", page(got(200, template_for_caller))),
    Row(
        "distributors:import-template-xlsx",
        "GET",
        staff_page(),
        url=lambda w, o: reverse("distributors:import-template-xlsx", args=["investment"]),
        variant="investment",
    ),
    *(
        Row(
            route,
            "GET",
            staff_page(),
            url=lambda w, o, route=route: reverse(route, args=["completion"]),
            variant="completion",
        )
        for route in ("distributors:import-template", "distributors:import-template-xlsx")
    ),
    # The codes a file may use: a partner's own distributor and territories, nobody else's.
    Row(
        "distributors:import-codes",
        "GET",
        page(got(200, shows(lambda o: [o.distributor.code, o.distributor.name, o.territory.code]))),
    ),
    # --- figures pages ---
    *page_detail("distributors:import-errors", shows(lambda o: [], whose="owner")),
    Row(
        "distributors:my-revenue",
        "GET",
        page(404, got(200, shows(lambda o: [o.distributor.name]))),
    ),
    Row(
        "distributors:my-revenue",
        "GET",
        page(404, got(200, shows(lambda o: []))),
        query="?format=csv",
    ),
    *page_detail("distributors:revenue", shows(lambda o: [o.distributor.name], whose="owner")),
    *each_owner(
        "distributors:revenue",
        "GET",
        staff=got(200, shows(lambda o: [], whose="owner")),
        own=got(200, shows(lambda o: [], whose="owner")),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        query="?format=xlsx",
    ),
    Row("distributors:exchange-rates", "GET", staff_page()),
    Row(
        "distributors:exchange-rates",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"currency": "GBP", "month": f"{w.today:%Y-%m}", "rate": "1.15"},
        effect=exchange_rates,
    ),
    Row(
        "distributors:exchange-rate-delete",
        "POST",
        staff_page(writes(302)),
        effect=exchange_rates,
    ),
    # --- the user's own settings ---
    Row("identity:profile", "GET", page(200, nobody=200)),
    Row(
        "identity:profile",
        "POST",
        page(writes(302), nobody=writes(302)),
        body=lambda w, o: {"language": "fr"},
        effect=languages,
    ),
    # Everyone may switch; only a logged-in user's choice is saved (visitors get a cookie).
    Row(
        "identity:language",
        "POST",
        {**everyone(writes(302)), "anonymous": got(302)},
        body=lambda w, o: {"language": "fr", "next": "/"},
        effect=languages,
    ),
    # --- two-factor authentication: anyone logged in sets up an app for itself; no persona has
    # one, so a code confirms nothing, switches nothing off and leaves the code step at once ---
    Row("identity:two-factor", "GET", page(200, nobody=200)),
    Row(
        "identity:two-factor",
        "POST",
        page(400, nobody=400),
        body=lambda w, o: {"code": "123456"},
        effect=two_factor_apps,
        # The page shown again with the error keeps a pending (unconfirmed) key for the user,
        # so that the QR code it shows stays the same: a row of its own, never a confirmed app.
        touches=("otp_totp_totpdevice",),
    ),
    Row(
        "identity:two-factor-off",
        "POST",
        page(400, nobody=400),
        body=lambda w, o: {"code": "123456"},
        effect=two_factor_apps,
        # The page shown again with the error keeps a pending (unconfirmed) key for the user,
        # so that the QR code it shows stays the same: a row of its own, never a confirmed app.
        touches=("otp_totp_totpdevice",),
    ),
    Row("identity:two-factor-verify", "GET", page(got(302, to("/")), nobody=got(302, to("/")))),
    Row(
        "identity:two-factor-verify",
        "POST",
        page(got(302, to("/")), nobody=got(302, to("/"))),
        body=lambda w, o: {"code": "123456"},
    ),
    # --- reference data ---
    Row("distributors:tiers", "GET", staff_page()),
    Row("distributors:tier-create", "GET", staff_page()),
    Row(
        "distributors:tier-create",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"code": "bronze", "name": "Bronze", "rank": 9},
        effect=tier_rows,
    ),
    Row("distributors:tier-edit", "GET", staff_page()),
    Row(
        "distributors:tier-edit",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"code": "gold", "name": "Gold renamed", "rank": w.tier.rank},
        effect=tier_rows,
    ),
    # In use by both distributors: refused with a message, nothing changes for anyone.
    Row("distributors:tier-delete", "POST", staff_page(got(302)), effect=tier_rows),
    Row("distributors:territories", "GET", staff_page(got(200, shows(lambda o: [])))),
    Row("distributors:territory-create", "GET", staff_page()),
    Row(
        "distributors:territory-create",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"code": "south", "name": "South", "country": "FR", "region": ""},
        effect=territory_rows,
    ),
    Row("distributors:territory-edit", "GET", staff_page(), owner="acme"),
    Row(
        "distributors:territory-edit",
        "POST",
        staff_page(writes(302)),
        owner="acme",
        body=lambda w, o: {
            "code": o.territory.code,
            "name": "Renamed",
            "country": "DE",
            "region": "",
        },
        effect=territory_rows,
    ),
    Row(
        "distributors:territory-delete",
        "POST",
        staff_page(got(302)),
        owner="acme",
        effect=territory_rows,
    ),
    Row("distributors:regions", "GET", staff_page()),
    Row(
        "distributors:regions",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {
            "regions-TOTAL_FORMS": "1",
            "regions-INITIAL_FORMS": "1",
            "regions-0-name": "Europe",
            "regions-0-name_fr": "Europe (fr)",
        },
        effect=region_rows,
    ),
    # --- partner users: partner admins manage their own distributor's, reps nothing ---
    Row(
        "distributors:users",
        "GET",
        page(got(200, shows(lambda o: [])), rep=403),
    ),
    Row("distributors:user-invite", "GET", page(200, rep=403)),
    Row(
        "distributors:user-invite",
        "POST",
        page(writes(302), rep=403),
        body=lambda w, o: {
            "email": "new.rep@example.com",
            "first_name": "New",
            "last_name": "Rep",
            "distributor": "acme",
            "role": "rep",
        },
        effect=user_states,
    ),
    # acme's rep: its admins and the manufacturer may switch it off; rival's admin cannot see it.
    Row(
        "distributors:user-deactivate",
        "POST",
        page(writes(302), writes(302), 404, rep=403),
        effect=user_states,
    ),
    Row("password_reset_confirm", "GET", everyone(200)),
    Row(
        "password_reset_confirm",
        "POST",
        everyone(200),
        body=lambda w, o: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        effect=passwords,
    ),
    Row("password_reset_complete", "GET", everyone(200)),
    # Forgotten password: one answer for every address, known or not, throttled or not.
    Row("password_reset", "GET", everyone(200)),
    Row(
        "password_reset",
        "POST",
        everyone(got(302, to("/accounts/password/reset/done/"))),
        body=lambda w, o: {"email": "partner-test@example.com"},
        effect=passwords,
    ),
    Row("password_reset_done", "GET", everyone(200)),
    # --- notifications: each user's own, whatever the role ---
    Row("notifications:inbox", "GET", page(got(200, own_notices_only))),
    # The partner's notification: its recipient opens it, everyone else is told it does not exist.
    Row(
        "notifications:open",
        "POST",
        page(404, partner=writes(302, to("/imports/"))),
        effect=notice_reads,
    ),
    Row(
        "notifications:read-all",
        "POST",
        page(writes(302, to("/notifications/"))),
        effect=notice_reads,
    ),
    Row("notifications:preferences", "GET", page(200)),
    Row(
        "notifications:preferences",
        "POST",
        page(writes(302, to("/notifications/preferences/"))),
        body=lambda w, o: {
            **{kind.slug: kind.default_delivery for kind in kind_list()},
            "import_finished": "digest",
            "import_failed": "in_app",
        },
        effect=preference_rows,
    ),
    # --- API ---
    # Answers 400 to everyone here (wrong password): only "no token was made" tells it right.
    Row(
        "api:token",
        "POST",
        everyone(400),
        body=lambda w, o: {"username": "partner-test", "password": "wrong"},
        effect=tokens,
    ),
    Row("api:api-root", "GET", api(200, nobody=200)),
    Row(
        "api:distributor-list",
        "GET",
        # The staff also list the onboarding distributor without a journey and the applicant.
        api(
            got(
                200,
                lists(
                    "code", lambda o: o.distributor.code, staff_also=("waiting", "nordic-flow-ab")
                ),
            )
        ),
    ),
    Row(
        "api:distributor-list",
        "POST",
        api(writes(201), 403),
        body=new_distributor_json,
        effect=distributor_codes,
    ),
    *api_detail("api:distributor-detail", "code", lambda o: o.distributor.code),
    *(
        Row(
            "api:distributor-detail",
            method,
            api(writes(200), 403),
            owner=owner,
            body=distributor_json,
            effect=distributor_row,
        )
        for method in ("PUT", "PATCH")
        for owner in ("acme", "rival")
    ),
    # The history of the distributor in the URL: its name, its territory added, nobody else's.
    *each_owner(
        "api:distributor-history",
        "GET",
        staff=got(200, shows(lambda o: [o.distributor.name, o.territory.name], whose="owner")),
        own=got(200, shows(lambda o: [o.distributor.name, o.territory.name], whose="owner")),
        other=404,
        nobody=403,
        anonymous=401,
    ),
    Row(
        "api:territory-list",
        "GET",
        api(got(200, lists("code", lambda o: o.territory.code))),
    ),
    *api_detail("api:territory-detail", "code", lambda o: o.territory.code),
    Row("api:product-line-list", "GET", api(200)),
    Row("api:product-line-detail", "GET", api(200)),
    Row(
        "api:revenue-list",
        "GET",
        api(got(200, lists("id", lambda o: o.revenue.pk))),
    ),
    # Partners send figures for their own distributor only; the other's rows are a 400.
    *each_owner(
        "api:revenue-list",
        "POST",
        staff=writes(200),
        own=writes(200),
        other=400,
        nobody=403,
        anonymous=401,
        body=revenue_push,
        effect=revenue_of_owner,
    ),
    *api_detail("api:revenue-detail", "id", lambda o: o.revenue.pk),
    # Managers delete a row (and the deletion is recorded); partners never.
    *each_owner(
        "api:revenue-detail",
        "DELETE",
        staff=writes(204),
        own=403,
        other=403,
        nobody=403,
        anonymous=401,
        effect=revenue_of_owner,
    ),
    Row(
        "api:investment-list",
        "GET",
        api(got(200, lists("id", lambda o: o.investment.pk))),
    ),
    *api_detail("api:investment-detail", "id", lambda o: o.investment.pk),
    Row("schema", "GET", api(200)),
    Row("swagger-ui", "GET", api(200)),
    # --- leads: the manager's desk ---
    Row("leads:list", "GET", staff_page(got(200, shows(lambda o: [o.lead.company])))),
    Row(
        "leads:list",
        "GET",
        staff_page(got(200, shows(lambda o: [o.dql_lead.company]))),
        query="?status=dql",
    ),
    Row("leads:export", "GET", staff_page(got(200, shows(lambda o: [o.lead.contact_email])))),
    Row(
        "leads:export",
        "GET",
        staff_page(got(200, shows(lambda o: [o.lead.company]))),
        query="?format=xlsx",
    ),
    Row("leads:create", "GET", staff_page()),
    Row(
        "leads:create",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {
            "source": w.source.pk,
            "external_ref": "FORM-1",
            "company": "Form lead SA",
            "country": "DE",
            "status": "mql",
            "mql_score": "50",
        },
        effect=lead_count,
    ),
    Row(
        "leads:bulk",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"action": "assign", "distributor": "acme", "leads": [w.pool.pk]},
        effect=pool_state,
    ),
    Row("leads:import", "GET", staff_page()),
    Row("leads:import", "POST", staff_page(writes(302)), body=lead_upload, effect=batches),
    *each_owner(
        "leads:assign",
        "POST",
        staff=writes(302),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"distributor": other_code(w, o)},
        effect=offered_state,
    ),
    Row("leads:route", "POST", staff_page(writes(302)), effect=routing_decisions),
    # --- leads: the partner's side (a lead of another distributor does not exist) ---
    Row(
        "leads:inbox",
        "GET",
        page(403, got(200, shows(lambda o: [o.offered.company, o.opp_lead.company]))),
    ),
    Row(
        "leads:inbox",
        "GET",
        page(403, got(200, shows(lambda o: [o.lead.contact_email]))),
        query="?format=csv",
    ),
    *page_detail("leads:detail", shows(lambda o: [o.lead.company], whose="owner")),
    *each_owner(
        "leads:accept",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        effect=offered_state,
    ),
    *each_owner(
        "leads:reject",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"rating": "2", "reason": "no_need"},
        effect=offered_state,
    ),
    *each_owner(
        "leads:qualify",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        body=lambda w, o: {"c_budget": "on"},
        effect=accepted_state,
    ),
    *each_owner(
        "leads:convert",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        body=lambda w, o: {
            "value": "8000",
            "expected_close": (w.today + datetime.timedelta(days=60)).isoformat(),
        },
        effect=dql_state,
    ),
    *each_owner(
        "leads:win",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        body=lambda w, o: {"value": "7500"},
        effect=opportunity_state,
    ),
    *each_owner(
        "leads:lose",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        body=lambda w, o: {"reason": "price"},
        effect=accepted_state,
    ),
    # Only a partner admin hands a lead to a rep.
    *(
        Row(
            "leads:hand",
            "POST",
            who(
                anonymous=TO_LOGIN,
                nobody=403,
                staff=403,
                acme=writes(302) if owner == "acme" else 404,
                outsider=writes(302) if owner == "rival" else 404,
                rep=403 if owner == "acme" else 404,
            ),
            owner=owner,
            body=lambda w, o: {"owner": o.hand_to.pk},
            effect=accepted_state,
        )
        for owner in ("acme", "rival")
    ),
    Row("leads:register", "GET", page(403, 200)),
    Row(
        "leads:register",
        "POST",
        page(403, writes(302)),
        body=lambda w, o: {"company": "Found it myself", "country": "DE"},
        effect=registration_rows,
    ),
    Row(
        "leads:registrations",
        "GET",
        page(got(200, shows(lambda o: [o.registration.lead.company]))),
    ),
    *each_owner(
        "leads:registration-decide",
        "POST",
        staff=writes(302),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"decision": "approve"},
        effect=registration_rows,
    ),
    Row("leads:analytics", "GET", page(got(200, shows(lambda o: [])))),
    # A partner naming a distributor is sent to its own figures (the URL says what it shows).
    Row(
        "leads:analytics",
        "GET",
        page(got(200, shows(lambda o: [])), got(302, to("/leads/analytics/"))),
        query="?distributor=rival",
    ),
    # --- the qualification criteria: managers edit and publish, partner admins acknowledge ---
    Row("leads:criteria", "GET", page(got(200, shows(lambda o: [])))),
    Row(
        "leads:criterion-add",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"code": "need", "label": "Need confirmed", "required": "on"},
        effect=criteria_rows,
    ),
    Row("leads:criterion-edit", "GET", staff_page()),
    Row(
        "leads:criterion-edit",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"code": "maker", "label": "Decision maker met", "position": "2"},
        effect=criteria_rows,
    ),
    Row("leads:criterion-delete", "POST", staff_page(writes(302)), effect=criteria_rows),
    Row(
        "leads:criteria-publish",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"number": "2", "notes": "Decision maker added"},
        effect=publications,
    ),
    Row(
        "leads:criteria-acknowledge",
        "POST",
        page(403, writes(302), rep=403),
        effect=acknowledgements,
    ),
    Row("api:qualification-criteria-list", "GET", api(200)),
    Row("api:qualification-criteria-detail", "GET", api(200)),
    Row(
        "api:qualification-criteria-acknowledge",
        "POST",
        {**api(403, writes(200)), "rep": expect(403)},
        effect=acknowledgements,
    ),
    # --- the catalogue of materials ---
    Row("leads:materials", "GET", page(got(200, shows(lambda o: [])))),
    Row("leads:material-create", "GET", staff_page()),
    Row(
        "leads:material-create",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {
            "title": "Promo leaflet",
            "kind": "promotion",
            "stage": "any",
            "url": "https://example.com/promo",
            "is_active": "on",
        },
        effect=material_rows,
    ),
    Row("leads:material-edit", "GET", staff_page()),
    Row(
        "leads:material-edit",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {
            "title": "Pump sizing guide v2",
            "kind": "material",
            "stage": "any",
            "url": "https://example.com/sizing",
            "is_active": "on",
        },
        effect=material_rows,
    ),
    Row("leads:material-detail", "GET", page(got(200, own_feedback_only))),
    Row(
        "leads:material-rate",
        "POST",
        page(403, writes(302)),
        body=lambda w, o: {"rating": "2", "comment": "Too long"},
        effect=feedback_rows,
    ),
    # Rated from a lead: only from a lead of the partner's own distributor.
    *each_owner(
        "leads:material-rate",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        variant="from a lead",
        body=lambda w, o: {"rating": "5", "lead": o.lead.pk},
        effect=feedback_rows,
    ),
    Row("leads:material-file", "GET", page(200)),
    Row("api:material-list", "GET", api(200)),
    Row("api:material-detail", "GET", api(got(200, no_other_feedback))),
    Row(
        "api:material-rate",
        "POST",
        api(403, writes(200)),
        body=lambda w, o: {"rating": 3, "comment": "Fine"},
        effect=feedback_rows,
    ),
    *each_owner(
        "api:material-rate",
        "POST",
        staff=403,
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        variant="from a lead",
        body=lambda w, o: {"rating": 5, "lead": o.lead.pk},
        effect=feedback_rows,
    ),
    # --- leads API ---
    Row("api:lead-list", "GET", api(got(200, leads_of_scope))),
    Row("api:lead-list", "GET", api(got(200, leads_of_scope)), query="?page_size=500"),
    Row(
        "api:lead-list",
        "POST",
        api(writes(201), 403),
        body=new_lead_json,
        effect=lead_count,
    ),
    *api_detail("api:lead-detail", "id", lambda o: o.lead.pk),
    # The lead's changes: its company and status, never another distributor.
    *each_owner(
        "api:lead-history",
        "GET",
        staff=got(200, shows(lambda o: [o.lead.company], whose="owner")),
        own=got(200, shows(lambda o: [o.lead.company], whose="owner")),
        other=404,
        nobody=403,
        anonymous=401,
    ),
    Row(
        "api:lead-bulk",
        "POST",
        api(writes(200), 403),
        body=lambda w, o: {"rows": [new_lead_json(w, o)]},
        effect=lead_count,
    ),
    *each_owner(
        "api:lead-assign",
        "POST",
        staff=writes(200),
        own=403,
        other=403,
        nobody=403,
        anonymous=401,
        body=lambda w, o: {"distributor": other_code(w, o)},
        effect=offered_state,
    ),
    Row("api:lead-route", "POST", api(writes(200), 403), effect=routing_decisions),
    *(
        row
        for route, pick, body in (
            ("api:lead-accept", offered_state, None),
            ("api:lead-reject", offered_state, {"rating": 2, "reason": "no_need"}),
            ("api:lead-qualify", accepted_state, {"answers": {"budget": True}}),
            ("api:lead-convert", dql_state, {"value": "8000", "expected_close": "2026-09-01"}),
            ("api:lead-win", opportunity_state, {"value": "7500"}),
            ("api:lead-lose", accepted_state, {"reason": "price"}),
        )
        for row in each_owner(
            route,
            "POST",
            staff=403,
            own=writes(200),
            other=404,
            nobody=403,
            anonymous=401,
            # acme's accepted leads are worked by the partner admin who accepted them.
            rep=403 if pick is not offered_state else writes(200),
            body=(lambda w, o, body=body: body) if body else None,
            effect=pick,
        )
    ),
    # A CRM's outcome push: the caller's own leads move; another distributor's lead is answered
    # "not found" item by item (200) and nothing changes; managers may not push (403).
    *each_owner(
        "api:lead-outcomes",
        "POST",
        staff=403,
        own=writes(200, lambda ctx: outcome_result(ctx, "applied")),
        other=got(200, lambda ctx: outcome_result(ctx, "not_found")),
        nobody=403,
        anonymous=401,
        body=lambda w, o: {
            "outcomes": [{"lead": o.offered.pk, "stage": "accepted", "event_id": "crm-1"}]
        },
        effect=offered_state,
    ),
    Row("api:lead-source-list", "GET", api(200)),
    Row("api:lead-source-detail", "GET", api(200)),
    Row("api:funnel", "GET", api(got(200, own_funnel))),
    Row("api:funnel", "GET", api(got(200, own_funnel)), query="?from=2026-01&to=2026-06"),
    # --- funds: pages (another distributor's request, claim or proof does not exist) ---
    Row("funds:list", "GET", page(got(200, shows(lambda o: [])))),
    Row("funds:create", "GET", staff_page()),
    Row(
        "funds:create",
        "POST",
        page(writes(302), 403, 403),
        body=fund_form_body,
        effect=fund_count,
    ),
    Row("funds:detail", "GET", page(got(200, shows(lambda o: [o.distributor.name])))),
    Row(
        "funds:allocate",
        "POST",
        page(writes(302), 403, 403),
        body=lambda w, o: {"distributor": o.distributor.code, "amount": "25000"},
        effect=allocations_of("fund"),
    ),
    Row("funds:accrue", "POST", page(writes(302), 403, 403), effect=allocations_of("accrual_fund")),
    Row("funds:balances-export", "GET", page(got(200, shows(lambda o: [o.distributor.code])))),
    Row(
        "funds:balances-export",
        "GET",
        page(got(200, shows(lambda o: [o.distributor.code]))),
        query="?format=xlsx",
    ),
    Row("funds:requests", "GET", page(got(200, shows(lambda o: [o.fund_submitted.title])))),
    Row(
        "funds:requests-export",
        "GET",
        page(got(200, shows(lambda o: [o.fund_submitted.title]))),
    ),
    Row(
        "funds:requests-export",
        "GET",
        page(got(200, shows(lambda o: [o.fund_submitted.title]))),
        query="?format=xlsx",
    ),
    Row("funds:request-create", "GET", page(403, 200, 200)),
    Row(
        "funds:request-create",
        "POST",
        page(403, writes(302), writes(302)),
        body=lambda w, o: {
            "fund": w.fund.pk,
            "activity_type": "event",
            "title": "Open day",
            "start": "2026-07-01",
            "end": "2026-07-01",
            "planned_cost": "800",
        },  # fmt: skip
        effect=lambda w, o: FundRequest.objects.count(),
    ),
    *page_detail("funds:request", shows(lambda o: [o.fund_submitted.title], whose="owner")),
    *each_owner(
        "funds:request-decide",
        "POST",
        staff=writes(302),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"decision": "approve"},
        effect=request_state("fund_submitted"),
    ),
    *each_owner(
        "funds:request-cancel",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        effect=request_state("fund_submitted"),
    ),
    *each_owner(
        "funds:claim-submit",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {
            "actual_cost": "1800",
            "files": SimpleUploadedFile("invoice.pdf", funds_files.PDF),
        },
        effect=request_state("fund_approved"),
    ),
    *each_owner(
        "funds:claim-decide",
        "POST",
        staff=writes(302),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"claim-decision": "reject", "claim-reason": "No invoice for the stand."},
        effect=claim_state("fund_claim"),
    ),
    *each_owner(
        "funds:claim-pay",
        "POST",
        staff=writes(302),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"reference": "SEPA-1", "paid_on": "2026-06-15"},
        effect=claim_state("fund_claim_approved"),
    ),
    *each_owner(
        "funds:proof",
        "GET",
        staff=200,
        own=200,
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
    ),
    # --- goals: pages (another distributor's goal, review, step or annex does not exist) ---
    Row(
        "goals:list",
        "GET",
        page(got(200, shows(lambda o: [o.goal.subtitle, o.draft_goal.subtitle]))),
    ),
    Row(
        "goals:export",
        "GET",
        page(got(200, shows(lambda o: [o.goal.subtitle]))),
        query="?format=xlsx",
    ),
    Row("goals:export", "GET", page(got(200, shows(lambda o: [o.goal.subtitle])))),
    Row("goals:create", "GET", page(200, rep=403)),
    Row(
        "goals:create",
        "POST",
        page(writes(302), rep=403),
        body=goal_form_body,
        effect=goal_count,
    ),
    Row("goals:check", "POST", page(200, rep=403), body=goal_form_body, effect=goal_count),
    Row(
        "goals:landmarks-suggest",
        "POST",
        page(200, rep=403),
        body=goal_form_body,
        effect=goal_count,
    ),
    *page_detail("goals:detail", shows(lambda o: [o.goal.subtitle], whose="owner")),
    *each_owner(
        "goals:edit",
        "GET",
        staff=200,
        own=200,
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
    ),
    *each_owner(
        "goals:edit",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        body=lambda w, o: {**goal_form_body(w, o), "distributor": o.distributor.code},
        effect=draft_goal_state,
    ),
    *each_owner(
        "goals:propose",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        effect=draft_goal_state,
    ),
    *each_owner(
        "goals:accept",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        effect=proposed_goal_state,
    ),
    Row("goals:activate", "POST", page(writes(302), 404, 404), effect=team_goal_state),
    Row("goals:plan", "GET", staff_page()),
    Row("goals:plan-apply", "POST", staff_page(writes(302)), effect=plan_children),
    Row("goals:plan-export", "GET", staff_page()),
    *each_owner(
        "goals:close",
        "POST",
        staff=writes(302),
        own=403,
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"reason": "Replaced by a new plan"},
        effect=active_goal_state,
    ),
    *each_owner(
        "goals:amend",
        "GET",
        staff=200,
        own=200,
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
    ),
    *each_owner(
        "goals:amend",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        body=amendment_form_body,
        effect=active_goal_state,
    ),
    *each_owner(
        "goals:amendment-accept",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        effect=amended_goal_state,
    ),
    *each_owner(
        "goals:amendment-reject",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        effect=amended_goal_state,
    ),
    # Reps work the steps too.
    *each_owner(
        "goals:step-add",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"what": "Visit the ten largest dealers", "due": "2026-08-31"},
        effect=active_goal_state,
    ),
    *each_owner(
        "goals:step-status",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"status": "done"},
        effect=active_goal_state,
    ),
    Row("goals:reviews", "GET", page(got(200, shows(lambda o: [o.goal.subtitle])))),
    # A rep sees the steps it owns only (the world's steps have no owner).
    Row(
        "goals:steps",
        "GET",
        page(got(200, shows(lambda o: [f"step-of-{o.distributor.code}"])), rep=got(200)),
    ),
    *page_detail("goals:review", shows(lambda o: [o.review.explanation], whose="owner")),
    *each_owner(
        "goals:review-account",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        body=account_form_body,
        effect=missed_review_state,
    ),
    *each_owner(
        "goals:review-acknowledge",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        effect=missed_review_state,
    ),
    *each_owner(
        "goals:review-close",
        "POST",
        staff=writes(302),
        own=403,
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        effect=ok_review_state,
    ),
    *page_detail("goals:quarterly", shows(lambda o: [o.goal.subtitle], whose="owner")),
    Row("goals:activities", "GET", staff_page()),
    Row(
        "goals:activities",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"kind": "visit", "distributor": "acme", "date": "2026-06-10"},
        effect=activity_rows,
    ),
    *each_owner(
        "goals:annex",
        "GET",
        staff=200,
        own=200,
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
    ),
    # --- scoring: the manufacturer's pages; a partner sees its own scorecard only ---
    Row("scoring:dashboard", "GET", staff_page()),
    Row("scoring:rankings", "GET", staff_page(got(200, shows(lambda o: [o.distributor.name])))),
    Row(
        "scoring:rankings-export",
        "GET",
        staff_page(got(200, shows(lambda o: [o.distributor.code]))),
        query="?format=xlsx",
    ),
    Row(
        "scoring:rankings-export",
        "GET",
        staff_page(got(200, shows(lambda o: [o.distributor.code]))),
        query="?format=csv",
    ),
    *page_detail("scoring:scorecard", shows(lambda o: [o.distributor.name], whose="owner")),
    Row(
        "scoring:mine",
        "GET",
        page(
            403,
            got(302, to("/scoring/distributors/acme/")),
            got(302, to("/scoring/distributors/rival/")),
        ),
    ),
    Row("scoring:runs", "GET", staff_page()),
    Row("scoring:run-trigger", "POST", staff_page(writes(302)), effect=scoring_runs),
    Row(
        "scoring:run-trigger",
        "POST",
        staff_page(writes(302)),
        variant="back-dated",
        body=lambda w, o: {"as_of": f"{w.today:%Y-%m}-01"},
        effect=scoring_runs,
    ),
    Row("scoring:run-progress", "GET", staff_page()),
    Row("scoring:weights", "GET", staff_page()),
    Row(
        "scoring:weights",
        "POST",
        staff_page(writes(302)),
        body=weights_body,
        effect=scoring_models,
    ),
    Row("scoring:resources", "GET", staff_page()),
    # --- scoring over the API ---
    Row(
        "api:scorecard-list",
        "GET",
        api(got(200, lists("distributor", lambda o: o.distributor.code))),
    ),
    *api_detail("api:scorecard-detail", "distributor", lambda o: o.distributor.code),
    *api_detail_list("api:scorecard-history", lambda o: None),
    Row("api:scoring-run-list", "GET", api(200, 403, 403)),
    Row("api:scoring-run-list", "POST", api(writes(202), 403, 403), effect=scoring_runs),
    Row(
        "api:scoring-run-list",
        "POST",
        api(writes(202), 403, 403),
        variant="back-dated",
        body=lambda w, o: {"as_of": f"{w.today:%Y-%m}-01"},
        effect=scoring_runs,
    ),
    Row("api:scoring-run-detail", "GET", api(200, 403, 403)),
    # --- funds over the API ---
    Row("api:fund-list", "GET", api(200)),
    Row(
        "api:fund-list",
        "POST",
        api(writes(201), 403, 403),
        body=fund_form_body,
        effect=fund_count,
    ),
    Row("api:fund-detail", "GET", api(200)),
    Row(
        "api:fund-accrue", "POST", api(writes(200), 403, 403), effect=allocations_of("accrual_fund")
    ),
    *each_owner(
        "api:fund-allocation",
        "PUT",
        staff=writes(200),
        own=403,
        other=403,  # refused before the code is looked up: the same answer for any code
        nobody=403,
        anonymous=401,
        body=lambda w, o: {"amount": "30000"},
        effect=allocations_of("fund"),
    ),
    Row("api:fund-balance-list", "GET", api(got(200, shows(lambda o: [o.distributor.code])))),
    Row(
        "api:fund-request-list",
        "GET",
        api(got(200, shows(lambda o: [o.fund_submitted.title]))),
    ),
    Row(
        "api:fund-request-list",
        "POST",
        api(403, writes(201), writes(201)),
        body=lambda w, o: {
            "fund": w.fund.pk,
            "activity_type": "event",
            "title": "Open day",
            "start": "2026-07-01",
            "end": "2026-07-01",
            "planned_cost": "800",
        },  # fmt: skip
        effect=lambda w, o: FundRequest.objects.count(),
    ),
    *api_detail("api:fund-request-detail", "title", lambda o: o.fund_submitted.title),
    Row(
        "api:impact-estimate-list",
        "GET",
        api(got(200, shows(lambda o: [o.distributor.code]))),
    ),
    *api_detail("api:impact-estimate-detail", "id", lambda o: o.impact.pk),
    *each_owner(
        "api:fund-request-approve",
        "POST",
        staff=writes(200),
        own=403,
        other=404,
        nobody=403,
        anonymous=401,
        body=lambda w, o: {"amount": "500", "reason": "A part only"},
        effect=request_state("fund_submitted"),
    ),
    *each_owner(
        "api:fund-request-reject",
        "POST",
        staff=writes(200),
        own=403,
        other=404,
        nobody=403,
        anonymous=401,
        body=lambda w, o: {"reason": "Not this year"},
        effect=request_state("fund_submitted"),
    ),
    *each_owner(
        "api:fund-request-cancel",
        "POST",
        staff=403,
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        effect=request_state("fund_submitted"),
    ),
    *each_owner(
        "api:fund-request-claim",
        "POST",
        staff=403,
        own=writes(201),
        other=404,
        nobody=403,
        anonymous=401,
        body=lambda w, o: {
            "actual_cost": "1800",
            "files": SimpleUploadedFile("invoice.pdf", funds_files.PDF),
        },
        effect=request_state("fund_approved"),
    ),
    Row("api:fund-claim-list", "GET", api(got(200, shows(lambda o: [o.distributor.code])))),
    *api_detail("api:fund-claim-detail", "id", lambda o: o.fund_claim.pk),
    *each_owner(
        "api:fund-claim-approve",
        "POST",
        staff=writes(200),
        own=403,
        other=404,
        nobody=403,
        anonymous=401,
        effect=claim_state("fund_claim"),
    ),
    *each_owner(
        "api:fund-claim-reject",
        "POST",
        staff=writes(200),
        own=403,
        other=404,
        nobody=403,
        anonymous=401,
        body=lambda w, o: {"reason": "No invoice for the stand"},
        effect=claim_state("fund_claim"),
    ),
    *each_owner(
        "api:fund-claim-pay",
        "POST",
        staff=writes(200),
        own=403,
        other=404,
        nobody=403,
        anonymous=401,
        body=lambda w, o: {"reference": "SEPA-1", "paid_on": "2026-06-15"},
        effect=claim_state("fund_claim_approved"),
    ),
    *each_owner(
        "api:fund-claim-proof",
        "GET",
        staff=200,
        own=200,
        other=404,
        nobody=403,
        anonymous=401,
    ),
    # --- incentives: pages (another distributor's programme does not exist) ---
    Row("incentives:list", "GET", page(got(200, shows(lambda o: [])))),
    Row("incentives:create", "GET", staff_page()),
    Row(
        "incentives:create",
        "POST",
        page(writes(302), 403, 403),
        body=programme_form_body,
        effect=programme_count,
    ),
    *page_detail("incentives:detail", shows(lambda o: [o.programme.name], whose="owner")),
    # The programme open to all: each partner sees its own standing, never the other's.
    Row(
        "incentives:detail",
        "GET",
        page(got(200, shows(code_and_name))),
        variant="open to all",
        url=lambda w, o: reverse("incentives:detail", args=[w.programme.pk]),
    ),
    Row("incentives:standings-export", "GET", page(got(200, shows(code_and_name)))),
    Row(
        "incentives:standings-export",
        "GET",
        page(got(200, shows(code_and_name))),
        query="?format=xlsx",
    ),
    *each_owner(
        "incentives:accrue",
        "POST",
        staff=writes(302),
        own=403,
        other=403,  # refused before the programme is looked up: the same answer for any id
        nobody=403,
        anonymous=TO_LOGIN,
        effect=owners_standings,
    ),
    Row(
        "incentives:advance",
        "POST",
        page(writes(302), 403, 403),
        body=lambda w, o: {"through": "2026-03-31", "reference": "ADV-Q1", "paid_on": "2026-04-10"},
        effect=settlements,
    ),
    Row(
        "incentives:true-up",
        "POST",
        page(writes(302), 403, 403),
        body=lambda w, o: {"true_up-reference": "TU-1", "true_up-paid_on": f"{w.today}"},
        effect=settlements,
    ),
    # The manager first picks whose statement; a partner reads its own, whatever it asks.
    Row("incentives:statement", "GET", page(200, got(200, shows(code_and_name)))),
    *each_owner(
        "incentives:statement",
        "GET",
        staff=got(200, shows(code_and_name, whose="owner")),
        own=got(302, to("/incentives/earnings/")),  # a partner's own: the parameter dropped
        other=got(302, to("/incentives/earnings/")),
        nobody=403,
        anonymous=TO_LOGIN,
        variant="named",
        url=lambda w, o: f"{reverse('incentives:statement')}?distributor={o.distributor.code}",
    ),
    Row("incentives:ledger-export", "GET", page(got(200, shows(lambda o: [o.distributor.code])))),
    Row(
        "incentives:ledger-export",
        "GET",
        page(got(200, shows(lambda o: [o.distributor.code]))),
        query="?format=xlsx",
    ),
    *each_owner(
        "incentives:bonus-pay",
        "POST",
        staff=writes(302),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {
            f"bonus-{o.bonus_goal.pk}-reference": "BON-1",
            f"bonus-{o.bonus_goal.pk}-paid_on": f"{w.today}",
        },
        effect=bonus_payments,
    ),
    # --- incentives over the API (another distributor's programme does not exist) ---
    Row("api:programme-list", "GET", api(got(200, holds("id", lambda o: o.programme.pk)))),
    Row(
        "api:programme-list",
        "POST",
        api(writes(201), 403, 403),
        body=programme_body,
        effect=programme_count,
    ),
    *api_detail("api:programme-detail", "id", lambda o: o.programme.pk),
    Row(
        "api:programme-detail",
        "GET",
        api(200),
        variant="open to all",
        url=lambda w, o: reverse("api:programme-detail", args=[w.programme.pk]),
    ),
    *each_owner(
        "api:programme-accrue",
        "POST",
        staff=writes(200),
        own=403,
        other=403,  # refused before the programme is looked up: the same answer for any id
        nobody=403,
        anonymous=401,
        effect=owners_standings,
    ),
    Row(
        "api:programme-advance",
        "POST",
        api(writes(201), 403, 403),
        body=lambda w, o: {"through": "2026-03-31", "reference": "ADV-Q1", "paid_on": "2026-04-10"},
        effect=settlements,
    ),
    Row(
        "api:programme-true-up",
        "POST",
        api(writes(201), 403, 403),
        body=lambda w, o: {"reference": "TU-1", "paid_on": f"{w.today}"},
        effect=settlements,
    ),
    # The programme open to all: each partner reads its own standing, never the other's.
    Row("api:programme-standings", "GET", api(got(200, shows(code_and_name)))),
    *each_owner(
        "api:programme-standings",
        "GET",
        staff=200,
        own=200,
        other=404,
        nobody=403,
        anonymous=401,
        variant="named",
        url=lambda w, o: reverse("api:programme-standings", args=[o.programme.pk]),
    ),
    Row("api:earning-list", "GET", api(got(200, shows(lambda o: [o.distributor.code])))),
    # A partner's own statement by default; the manufacturer names the distributor.
    Row("api:earning-statement", "GET", api(400, got(200, shows(code_and_name)))),
    *each_owner(
        "api:earning-statement",
        "GET",
        staff=got(200, shows(code_and_name, whose="owner")),
        own=got(200, shows(code_and_name, whose="owner")),
        other=400,  # another's code answers like an unknown one
        nobody=403,
        anonymous=401,
        url=lambda w, o: f"{reverse('api:earning-statement')}?distributor={o.distributor.code}",
    ),
    *each_owner(
        "api:bonus-payment-list",
        "POST",
        staff=writes(201),
        own=403,
        other=403,
        nobody=403,
        anonymous=401,
        body=lambda w, o: {"goal": o.bonus_goal.pk, "reference": "BON-1", "paid_on": f"{w.today}"},
        effect=bonus_payments,
    ),
    # --- training: pages (the catalogue is everyone's; completions and certificates each
    # distributor's own; another distributor's completion does not exist) ---
    Row("partnership:courses", "GET", page(got(200, shows(lambda o: [])))),
    Row("partnership:course-create", "GET", staff_page()),
    Row(
        "partnership:course-create",
        "POST",
        staff_page(writes(302)),
        body=course_form_body,
        effect=course_rows,
    ),
    Row("partnership:course", "GET", page(got(200, own_learners_only))),
    Row("partnership:course-edit", "GET", staff_page()),
    Row(
        "partnership:course-edit",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {
            **course_form_body(w, o),
            "code": "pumps-101",
            "certification": w.certification.pk,
        },
        effect=course_rows,
    ),
    Row("partnership:course-material", "GET", page(200)),
    Row("partnership:certifications", "GET", page(200)),
    Row("partnership:certification-create", "GET", staff_page()),
    Row(
        "partnership:certification-create",
        "POST",
        staff_page(writes(302)),
        body=certification_json,
        effect=certification_rows,
    ),
    Row("partnership:certification-edit", "GET", staff_page()),
    Row(
        "partnership:certification-edit",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"code": "installer", "name": "Installer v2", "validity_months": "24"},
        effect=certification_rows,
    ),
    Row("partnership:completions", "GET", page(got(200, own_learners_only))),
    Row("partnership:completions-export", "GET", page(got(200, own_learners_only))),
    Row(
        "partnership:completions-export",
        "GET",
        page(got(200, own_learners_only)),
        query="?format=xlsx",
    ),
    # Recording: the manufacturer names anyone by username, a partner admin picks one of its team
    # (by id): each form refuses the other's shape; another distributor's person is unknown. A
    # rep may not record at all (403 whoever it names).
    Row("partnership:completion-create", "GET", page(200, rep=403)),
    *(
        replace(row, who={**row.who, "rep": expect(403)})
        for variant, staff, own, user in (
            ("by username", writes(302), 400, lambda o: o.learner.username),
            ("picked", 400, writes(302), lambda o: o.learner.pk),
        )
        for row in each_owner(
            "partnership:completion-create",
            "POST",
            staff=staff,
            own=own,
            other=400,
            nobody=403,
            anonymous=TO_LOGIN,
            variant=variant,
            body=lambda w, o, user=user: {
                "user": user(o),
                "course": w.course.pk,
                "completed_on": f"{w.today}",
            },
            effect=completion_rows,
        )
    ),
    *each_owner(
        "partnership:completion-delete",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        effect=completion_rows,
    ),
    Row("partnership:certificates", "GET", page(got(200, own_learners_only))),
    Row("partnership:certificates-export", "GET", page(got(200, own_learners_only))),
    Row(
        "partnership:certificates-export",
        "GET",
        page(got(200, own_learners_only)),
        query="?format=xlsx",
    ),
    # --- training over the API ---
    Row("api:course-list", "GET", api(200)),
    Row(
        "api:course-list",
        "POST",
        api(writes(201), 403, 403),
        body=course_json,
        effect=course_rows,
    ),
    Row("api:course-detail", "GET", api(200)),
    Row(
        "api:course-detail",
        "PUT",
        api(writes(200), 403, 403),
        body=course_change_json,
        effect=course_rows,
    ),
    Row("api:course-material", "GET", api(200)),
    Row("api:certification-list", "GET", api(200)),
    Row(
        "api:certification-list",
        "POST",
        api(writes(201), 403, 403),
        body=certification_json,
        effect=certification_rows,
    ),
    Row("api:certification-detail", "GET", api(200)),
    Row(
        "api:certification-detail",
        "PUT",
        api(writes(200), 403, 403),
        body=lambda w, o: {"code": "installer", "name": "Installer v2", "validity_months": 24},
        effect=certification_rows,
    ),
    Row(
        "api:completion-list",
        "GET",
        api(got(200, lists("id", lambda o: o.completion.pk))),
    ),
    # Pushed for the owner's rep: another distributor's person answers like an unknown one.
    *each_owner(
        "api:completion-list",
        "POST",
        staff=writes(201),
        own=writes(201),
        other=400,
        nobody=403,
        anonymous=401,
        rep=403,
        body=lambda w, o: {
            "username": o.learner.username,
            "course": "pumps-101",
            "completed_on": f"{w.today}",
            "score": 75,
        },
        effect=completion_rows,
    ),
    *api_detail("api:completion-detail", "id", lambda o: o.completion.pk),
    *each_owner(
        "api:completion-detail",
        "DELETE",
        staff=writes(204),
        own=writes(204),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        effect=completion_rows,
    ),
    Row("api:certificate-list", "GET", api(got(200, own_learners_only))),
    # --- the partner agreement: the manufacturer publishes, each distributor's partner admin
    # accepts the current version (version 2, which neither has accepted), a partner sees its own
    # distributor's acceptances only ---
    Row("partnership:agreement", "GET", page(got(200, own_acceptances_only))),
    Row(
        "partnership:agreement",
        "GET",
        page(got(200, shows(lambda o: []))),
        query="?status=pending&q=a",
    ),
    # The manufacturer's filter: a partner's page has none to refuse.
    Row("partnership:agreement", "GET", page(400, 200), query="?status=nope"),
    Row("partnership:agreement-publish", "GET", staff_page()),
    Row(
        "partnership:agreement-publish",
        "POST",
        staff_page(writes(302)),
        body=agreement_json,
        effect=agreement_versions,
    ),
    Row(
        "partnership:agreement-accept",
        "POST",
        page(403, writes(302), rep=403),
        body=lambda w, o: {"version": w.agreement.pk, "confirm": "on"},
        effect=acceptance_rows,
    ),
    Row(
        "partnership:agreement-accept",
        "POST",
        page(403, got(302), rep=403),
        variant="older version",
        body=lambda w, o: {"version": w.old_agreement.pk, "confirm": "on"},
        effect=acceptance_rows,
    ),
    # --- onboarding: the manufacturer's journeys and onboardings, a partner its own journey (its
    # admin does its partner-side steps), and the public application form, which answers
    # everyone alike and never names a distributor ---
    Row("partnership:onboardings", "GET", staff_page()),
    Row("partnership:onboardings", "GET", staff_page(400), query="?state=nope"),
    Row("partnership:onboardings-export", "GET", staff_page()),
    Row("partnership:onboardings-export", "GET", staff_page(), query="?format=xlsx"),
    Row("partnership:journeys", "GET", staff_page()),
    Row("partnership:journey-create", "GET", staff_page()),
    Row(
        "partnership:journey-create",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"name": "Route guard journey"},
        effect=journey_rows,
    ),
    Row("partnership:journey", "GET", staff_page()),
    Row(
        "partnership:journey",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {
            "add_step": "1",
            "title": "Route guard step",
            "side": "partner",
            "due_days": "3",
            "evidence": "tick",
            "portal_check": "",
        },
        effect=step_rows,
    ),
    Row("partnership:step-edit", "GET", staff_page()),
    Row(
        "partnership:step-edit",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {
            "title": "Credit check v2",
            "side": "manufacturer",
            "due_days": "6",
            "evidence": "tick",
            "portal_check": "",
        },
        effect=step_rows,
    ),
    Row("partnership:step-delete", "POST", staff_page(writes(302)), effect=step_rows),
    *each_owner(
        "partnership:onboarding",
        "GET",
        staff=got(200, shows(code_and_name, whose="owner")),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
    ),
    Row(
        "partnership:onboarding",
        "GET",
        staff_page(),
        variant="applicant",
        url=lambda w, o: reverse("partnership:onboarding", args=[w.application.distributor.code]),
    ),
    Row(
        "partnership:onboarding-start",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"journey": w.journey.pk},
        effect=onboarding_rows,
    ),
    Row(
        "partnership:application-decide",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"decision": "declined", "reason": "The zone is covered."},
        effect=application_rows,
    ),
    *each_owner(
        "partnership:step-done",
        "POST",
        staff=writes(302),
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        rep=403,
        body=lambda w, o: {"note": "Route guard"},
        effect=progress_rows,
    ),
    *each_owner(
        "partnership:step-reopen",
        "POST",
        staff=writes(302),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
        effect=progress_rows,
    ),
    *each_owner(
        "partnership:step-evidence",
        "GET",
        staff=200,
        own=200,
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
    ),
    Row("partnership:my-onboarding", "GET", page(403, got(200, own_journey_only))),
    Row("partnership:apply", "GET", everyone(200)),
    Row(
        "partnership:apply",
        "POST",
        everyone(writes(302, to("/apply/thanks/"))),
        body=apply_json,
        effect=application_rows,
    ),
    Row(
        "partnership:apply",
        "POST",
        everyone(got(302, to("/apply/thanks/"))),
        variant="robot",
        body=lambda w, o: {**apply_json(w, o), "fax": "+49 30 1234"},
        effect=application_rows,
    ),
    Row(
        "partnership:apply",
        "POST",
        everyone(400),
        variant="bad e-mail",
        body=lambda w, o: {**apply_json(w, o), "email": "rita@"},
        effect=application_rows,
    ),
    Row("partnership:apply-thanks", "GET", everyone(200)),
    Row("api:journey-list", "GET", api(200, 403, 403)),
    Row("api:journey-detail", "GET", api(200, 403, 403)),
    Row("api:onboarding-list", "GET", api(got(200, holds("id", lambda o: o.onboarding.pk)))),
    *api_detail("api:onboarding-detail", "id", lambda o: o.onboarding.pk),
    *each_owner(
        "api:onboarding-step-done",
        "POST",
        staff=writes(200),
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        body=lambda w, o: {"note": "Route guard"},
        effect=progress_rows,
    ),
    Row("api:application-list", "GET", api(200, 403, 403)),
    Row("api:application-detail", "GET", api(200, 403, 403)),
    Row(
        "api:application-decide",
        "POST",
        api(writes(200), 403, 403),
        body=lambda w, o: {"decision": "declined", "reason": "The zone is covered."},
        effect=application_rows,
    ),
    Row("partnership:agreement-version", "GET", page(200)),
    Row("api:agreement-version-list", "GET", api(200)),
    Row(
        "api:agreement-version-list",
        "POST",
        api(writes(201), 403, 403),
        body=agreement_json,
        effect=agreement_versions,
    ),
    Row("api:agreement-version-detail", "GET", api(200)),
    Row(
        "api:agreement-acceptance-list",
        "GET",
        api(got(200, lists("id", lambda o: o.acceptance.pk))),
    ),
    Row(
        "api:agreement-acceptance-list",
        "POST",
        api(403, writes(201), rep=403),
        body=lambda w, o: {"version": w.agreement.number},
        effect=acceptance_rows,
    ),
    Row(
        "api:agreement-acceptance-list",
        "POST",
        api(403, 400, rep=403),
        variant="older version",
        body=lambda w, o: {"version": w.old_agreement.number},
        effect=acceptance_rows,
    ),
    *api_detail("api:agreement-acceptance-detail", "id", lambda o: o.acceptance.pk),
    Row(
        "api:agreement-standing-list",
        "GET",
        api(got(200, holds("distributor", lambda o: o.distributor.code)), 403, 403),
    ),
    # --- tiers: the manager sets requirements and decides the proposals (each distributor has
    # one, a downgrade); a partner reads the requirements, its own proposals and its standing ---
    Row("tiers:overview", "GET", staff_page()),
    Row(
        "tiers:requirement-save",
        "POST",
        staff_page(writes(302)),
        body=lambda w, o: {"tier": w.tier.pk, "key": "growth", "threshold": "5"},
        effect=tier_requirement_rows,
    ),
    Row(
        "tiers:requirement-delete",
        "POST",
        staff_page(writes(302)),
        effect=tier_requirement_rows,
    ),
    Row("tiers:proposals", "GET", staff_page()),
    Row("tiers:proposals-export", "GET", staff_page()),
    Row("tiers:proposals-export", "GET", staff_page(), query="?format=xlsx"),
    *each_owner(
        "tiers:proposal",
        "GET",
        staff=200,
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
    ),
    *each_owner(
        "tiers:proposal",
        "POST",
        staff=writes(302),
        own=403,
        other=403,
        nobody=403,
        anonymous=TO_LOGIN,
        body=lambda w, o: {"decision": "confirm"},
        effect=tier_review_state,
    ),
    *each_owner(
        "tiers:history", "GET", staff=200, own=403, other=403, nobody=403, anonymous=TO_LOGIN
    ),
    Row("tiers:mine", "GET", page(403, got(200, shows(lambda o: [o.distributor.name])))),
    Row("api:tier-requirement-list", "GET", api(200)),
    Row(
        "api:tier-requirement-list",
        "POST",
        api(writes(201), 403, 403),
        body=lambda w, o: {"tier": "gold", "key": "growth", "threshold": "5.00"},
        effect=tier_requirement_rows,
    ),
    Row("api:tier-requirement-detail", "GET", api(200)),
    Row(
        "api:tier-requirement-detail",
        "DELETE",
        api(writes(204), 403, 403),
        effect=tier_requirement_rows,
    ),
    Row(
        "api:tier-proposal-list",
        "GET",
        api(got(200, lists("id", lambda o: o.tier_review.pk))),
    ),
    *api_detail("api:tier-proposal-detail", "id", lambda o: o.tier_review.pk),
    *(
        row
        for route, body in (
            ("api:tier-proposal-confirm", {}),
            ("api:tier-proposal-override", {"reason": "Kept: a new territory"}),
        )
        for row in each_owner(
            route,
            "POST",
            staff=writes(200),
            own=403,
            other=404,
            nobody=403,
            anonymous=401,
            body=lambda w, o, body=body: body,
            effect=tier_review_state,
        )
    ),
    Row("api:tier-standing", "GET", api(403, got(200, holds_standing))),
    # --- single sign-on: the login page's company sign-in and the protocol's callback are open
    # to all (they sign no one in without the provider); the manufacturer keeps every provider,
    # a partner admin its own distributor's (a rep: 403; another distributor's: 404) ---
    Row(
        "sso:company",
        "POST",
        everyone(got(302, to("/sso/"))),
        body=lambda w, o: {"company_email": "someone@acme-idp.example"},
    ),
    Row("sso:start", "GET", everyone(got(302, to("https://idp.example/o/authorize/")))),
    Row("sso:oidc-callback", "GET", everyone(got(302, to("/accounts/login/")))),
    Row("sso:saml-acs", "POST", everyone(got(302, to("/accounts/login/")))),
    Row("sso:saml-metadata", "GET", everyone(200)),
    Row("sso:list", "GET", staff_page(got(200, shows(sso_names)))),
    Row("sso:new", "GET", staff_page()),
    Row("sso:new", "POST", staff_page(writes(302)), body=sso_form, effect=sso_rows),
    Row("sso:detail", "GET", staff_page(got(200, shows(sso_names, whose="owner"))), owner="acme"),
    Row("sso:detail", "POST", staff_page(writes(302)), body=sso_edit_form, effect=sso_rows),
    Row("sso:deactivate", "POST", staff_page(writes(302)), effect=sso_rows),
    Row("sso:mine-list", "GET", page(403, got(200, shows(sso_names)), rep=403)),
    Row("sso:mine-new", "GET", page(403, 200, 200, rep=403)),
    Row(
        "sso:mine-new",
        "POST",
        page(403, writes(302), writes(302), rep=403),
        body=sso_form,
        effect=sso_rows,
    ),
    *keeper_rows(
        "sso:mine-detail",
        "GET",
        staff=403,
        own=got(200, shows(sso_names, whose="owner")),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
    ),
    *(
        row
        for route, body in (("sso:mine-detail", sso_edit_form), ("sso:mine-deactivate", None))
        for row in keeper_rows(
            route,
            "POST",
            staff=403,
            own=writes(302),
            other=404,
            nobody=403,
            anonymous=TO_LOGIN,
            body=body,
            effect=sso_rows,
        )
    ),
    # --- provisioning (SCIM): a partner admin keeps its distributor's tokens, a manufacturer
    # admin the staff's (a channel manager: 403); the SCIM endpoints open to a provisioning token
    # only: a session (or a DRF token) gets 401, whoever's it is ---
    Row("scim:mine", "GET", page(403, 200, 200, rep=403)),
    Row(
        "scim:mine",
        "POST",
        page(403, writes(200), writes(200), rep=403),
        body=scim_token_form,
        effect=scim_tokens,
    ),
    *keeper_rows(
        "scim:mine-revoke",
        "POST",
        staff=403,
        own=writes(302),
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
        effect=scim_tokens,
    ),
    Row("scim:staff", "GET", page(403, 403, 403, admin=200)),
    Row(
        "scim:staff",
        "POST",
        page(403, 403, 403, admin=writes(200)),
        body=scim_token_form,
        effect=scim_tokens,
    ),
    Row("scim:staff-revoke", "POST", page(403, 403, 403, admin=writes(302)), effect=scim_tokens),
    *family(
        "scim-bearer",
        [
            (route, method)
            for route, methods in (
                ("scim:users", ("POST", "GET")),
                ("scim:service-provider-config", ("GET",)),
                ("scim:resource-types", ("GET",)),
                ("scim:resource-type", ("GET",)),
                ("scim:schemas", ("GET",)),
                ("scim:schema", ("GET",)),
                ("scim:users-search", ("POST",)),
                ("scim:search", ("POST",)),
                ("scim:user", ("GET", "PUT", "PATCH", "DELETE")),
                ("scim:groups", ("GET", "POST")),
                ("scim:groups-search", ("POST",)),
                ("scim:group", ("GET", "PUT", "PATCH", "DELETE")),
                ("scim:not-found", ("GET", "POST", "PUT", "PATCH", "DELETE")),
            )
            for method in methods
        ],
        everyone(401),
        effect=scim_users,
    ),
    # --- webhooks: the manufacturer keeps the channel's subscriptions, a partner admin its
    # distributor's (a rep: 403; another distributor's: 404; staff never see a partner's) ---
    Row("webhooks:list", "GET", staff_page()),
    Row("webhooks:new", "GET", staff_page()),
    Row("webhooks:new", "POST", staff_page(writes(200)), body=webhook_form, effect=webhook_rows),
    Row("webhooks:detail", "GET", staff_page()),
    Row("webhooks:detail", "POST", staff_page(writes(302)), body=webhook_form, effect=webhook_rows),
    Row("webhooks:rotate", "POST", staff_page(writes(200)), effect=webhook_rows),
    Row("webhooks:test", "POST", staff_page(writes(302)), effect=webhook_deliveries),
    Row("webhooks:delete", "POST", staff_page(writes(302)), effect=webhook_rows),
    Row("webhooks:send-again", "POST", staff_page(writes(302)), effect=webhook_deliveries),
    Row("webhooks:mine-list", "GET", page(403, 200, 200, rep=403)),
    Row("webhooks:mine-new", "GET", page(403, 200, 200, rep=403)),
    Row(
        "webhooks:mine-new",
        "POST",
        page(403, writes(200), writes(200), rep=403),
        body=webhook_form,
        effect=webhook_rows,
    ),
    *keeper_rows(
        "webhooks:mine-detail",
        "GET",
        staff=403,
        own=200,
        other=404,
        nobody=403,
        anonymous=TO_LOGIN,
    ),
    *(
        row
        for route, status, effect, body in (
            ("webhooks:mine-detail", 302, webhook_rows, webhook_form),
            ("webhooks:mine-rotate", 200, webhook_rows, None),
            ("webhooks:mine-test", 302, webhook_deliveries, None),
            ("webhooks:mine-delete", 302, webhook_rows, None),
            ("webhooks:mine-send-again", 302, webhook_deliveries, None),
        )
        for row in keeper_rows(
            route,
            "POST",
            staff=403,
            own=writes(status),
            other=404,
            nobody=403,
            anonymous=TO_LOGIN,
            body=body,
            effect=effect,
        )
    ),
    Row(
        "api:webhook-subscription-list",
        "GET",
        api(
            got(
                200, webhooks_listed("id", lambda w, o: o.webhook.pk if o else w.channel_webhook.pk)
            ),
            rep=403,
        ),
    ),
    Row(
        "api:webhook-subscription-list",
        "POST",
        api(writes(201), rep=403),
        body=webhook_body,
        effect=webhook_rows,
    ),
    *keeper_rows(
        "api:webhook-subscription-detail",
        "GET",
        staff=404,
        own=got(200, is_owners("id", lambda o: o.webhook.pk)),
        other=404,
        nobody=403,
        anonymous=401,
    ),
    *(
        row
        for route, method, status, effect, body in (
            ("api:webhook-subscription-detail", "PUT", 200, webhook_rows, webhook_body),
            ("api:webhook-subscription-detail", "DELETE", 204, webhook_rows, None),
            ("api:webhook-subscription-rotate-secret", "POST", 200, webhook_rows, None),
            ("api:webhook-subscription-test", "POST", 202, webhook_deliveries, None),
            ("api:webhook-delivery-send-again", "POST", 202, webhook_deliveries, None),
        )
        for row in keeper_rows(
            route,
            method,
            staff=404,
            own=writes(status),
            other=404,
            nobody=403,
            anonymous=401,
            body=body,
            effect=effect,
        )
    ),
    Row(
        "api:webhook-delivery-list",
        "GET",
        api(
            got(
                200,
                webhooks_listed(
                    "id",
                    lambda w, o: o.webhook_delivery.pk if o else w.channel_webhook_delivery.pk,
                ),
            ),
            rep=403,
        ),
    ),
    *keeper_rows(
        "api:webhook-delivery-detail",
        "GET",
        staff=404,
        own=got(200, is_owners("id", lambda o: o.webhook_delivery.pk)),
        other=404,
        nobody=403,
        anonymous=401,
    ),
    Row("api:webhook-events", "GET", api(200, rep=403)),
    # --- goals over the API ---
    Row(
        "api:goal-list",
        "GET",
        api(got(200, shows(lambda o: [o.goal.subtitle, o.draft_goal.subtitle]))),
    ),
    Row(
        "api:goal-list",
        "POST",
        api(writes(201), writes(201), 400, rep=403),
        body=goal_terms_body,
        effect=goal_count,
    ),
    Row(
        "api:goal-check",
        "POST",
        api(200),
        body=lambda w, o: {"subtitle": "Be number one", "metric": "revenue"},
        effect=goal_count,
    ),
    *api_detail("api:goal-detail", "subtitle", lambda o: o.goal.subtitle),
    *each_owner(
        "api:goal-detail",
        "PATCH",
        staff=writes(200),
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        url=lambda w, o: reverse("api:goal-detail", args=[o.draft_goal.pk]),
        body=lambda w, o: {
            "target": "101000",
            "landmark_rule": "linear",
            "distributor": other_code(w, o),
        },
        effect=draft_goal_state,
    ),
    *each_owner(
        "api:goal-propose",
        "POST",
        staff=writes(200),
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        effect=draft_goal_state,
    ),
    *each_owner(
        "api:goal-counter",
        "POST",
        staff=403,
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        body=lambda w, o: {
            "target": "95000",
            "landmark_rule": "linear",
            "reason": "A smaller order book",
        },
        effect=proposed_goal_state,
    ),
    *each_owner(
        "api:goal-accept",
        "POST",
        staff=403,
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        effect=proposed_goal_state,
    ),
    Row(
        "api:goal-activate",
        "POST",
        api(writes(200), 404, 404),
        effect=team_goal_state,
    ),
    # A team goal is internal: a partner does not see it, nor its plan.
    Row("api:goal-plan", "GET", api(200, 404, 404)),
    *each_owner(
        "api:goal-close",
        "POST",
        staff=writes(200),
        own=403,
        other=404,
        nobody=403,
        anonymous=401,
        body=lambda w, o: {"reason": "Replaced by a new plan"},
        effect=active_goal_state,
    ),
    *each_owner(
        "api:goal-amend",
        "POST",
        staff=writes(201),
        own=writes(201),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        body=lambda w, o: {
            "target": "125000",
            "landmark_rule": "linear",
            "reason": "A new customer",
        },
        effect=active_goal_state,
    ),
    *api_detail_list("api:goal-amendments", lambda o: o.amendment.pk),
    *api_detail_list("api:goal-landmarks", lambda o: None),
    *each_owner(
        "api:goal-landmarks",
        "PUT",
        staff=writes(200),
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        body=lambda w, o: {"landmarks": [{"date": "2026-09-30", "expected": "70000"}]},
        effect=draft_goal_state,
    ),
    *api_detail("api:goal-amendment-detail", "id", lambda o: o.amendment.pk),
    *each_owner(
        "api:goal-amendment-accept",
        "POST",
        staff=403,
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        effect=amended_goal_state,
    ),
    *each_owner(
        "api:goal-amendment-reject",
        "POST",
        staff=writes(200),
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        effect=amended_goal_state,
    ),
    Row(
        "api:landmark-review-list",
        "GET",
        api(got(200, shows(lambda o: [o.review.explanation]))),
    ),
    *api_detail("api:landmark-review-detail", "id", lambda o: o.review.pk),
    *each_owner(
        "api:landmark-review-account",
        "POST",
        staff=writes(200),
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        body=lambda w, o: {
            "cause": "pricing",
            "explanation": "A competitor cut its prices",
            "actions": [{"what": "Price review", "owner": None, "due": "2026-07-31"}],
        },
        effect=missed_review_state,
    ),
    *each_owner(
        "api:landmark-review-acknowledge",
        "POST",
        staff=403,
        own=writes(200),
        other=404,
        nobody=403,
        anonymous=401,
        rep=403,
        effect=missed_review_state,
    ),
    *each_owner(
        "api:landmark-review-close",
        "POST",
        staff=writes(200),
        own=403,
        other=404,
        nobody=403,
        anonymous=401,
        effect=ok_review_state,
    ),
    Row("api:activity-list", "GET", api(200, 403, 403)),
    Row(
        "api:activity-list",
        "POST",
        api(writes(201), 403, 403),
        body=lambda w, o: {"kind": "visit", "distributor": "acme", "date": "2026-06-10"},
        effect=activity_rows,
    ),
    *each_owner(
        "api:distributor-annex",
        "GET",
        staff=200,
        own=200,
        other=404,
        nobody=403,
        anonymous=401,
    ),
    # --- operations and the admin site ---
    Row("healthz", "GET", everyone(200)),
    Row("favicon", "GET", everyone(got(301, to("/static/favicon.ico")))),
    Row("admin:index", "GET", ADMIN_ONLY),
    Row("admin:distributors_distributor_changelist", "GET", ADMIN_ONLY),
    Row("admin:distributors_distributor_change", "GET", ADMIN_ONLY, owner="acme"),
    # An empty form: even the superuser's attempt changes nothing; the others never reach it.
    Row(
        "admin:distributors_distributor_change",
        "POST",
        everyone(TO_ADMIN_LOGIN, admin=200),
        owner="acme",
        body=lambda w, o: {},
        effect=distributor_row,
    ),
]


# --- running a row -----------------------------------------------------------------------------


def is_api_route(route):
    return route.startswith("api:") or route in ("schema", "swagger-ui")


def vias(is_api, persona):
    """API routes are called with a session and with a DRF token; pages with a session."""
    return ("session", "token") if is_api and persona != "anonymous" else ("session",)


def callers(row):
    """(persona, via) of everyone a row is sent by: API routes with a session and with a token;
    a family member's row, by its family's sample."""
    for persona in FAMILIES[row.family].sample if row.family else PERSONAS:
        for via in vias(row.is_api, persona):
            yield persona, via


def caller_label(persona, via):
    return persona if via == "session" else f"{persona} with token"


@functools.cache
def shared_handler():
    """One request handler for every client: each new one would build the middleware again."""
    return APIClient().handler


def client_for(world, persona, via):
    client = APIClient()
    client.handler = shared_handler()
    if persona == "anonymous":
        return client
    if via == "token":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[persona]}")
    else:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    return client


def send(client, method, url, body=None, is_api=False):
    if method == "GET":
        return client.get(url)
    # An API body that carries a file goes as a form, as a client uploading it sends it.
    uploads = is_api and any(hasattr(value, "read") for value in (body or {}).values())
    form = uploads or not is_api
    return getattr(client, method.lower())(url, body, format="multipart" if form else "json")


# What a refused request may still write: its session, and django-axes' record of a failed login.
UNWATCHED_TABLES = ("django_session", "axes_")


@functools.cache
def database_state_query():
    with connection.cursor() as cursor:
        tables = sorted(
            table
            for table in connection.introspection.table_names(cursor)
            if not table.startswith(UNWATCHED_TABLES)
        )
    quote = connection.ops.quote_name
    # Table names come from the database's own catalogue, quoted: nothing from outside.
    each = "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {} t)"
    columns = ", ".join(each.format(quote(table)) for table in tables)
    return tables, f"SELECT {columns}"


def database_state(tables=None):
    """Every row of every table (or of `tables`), one hash per table, in one query."""
    every, query = database_state_query()
    if tables is not None:
        quote = connection.ops.quote_name
        each = "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {} t)"
        query = "SELECT " + ", ".join(each.format(quote(table)) for table in tables)
        every = tables
    if not every:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(query)
        return dict(zip(every, cursor.fetchone(), strict=True))


def changed_tables(before, after):
    return sorted(table for table in before if before[table] != after[table])


def write_counts():
    """How many rows each table has had inserted, updated or deleted in this transaction so far.

    Postgres keeps these per transaction and never counts them back, not even when a savepoint is
    rolled back; every change of a table's rows moves its count. Reading them costs a millisecond,
    hashing every row of every table forty: the tables whose count has not moved are left out of
    the hashing, and the answer is the same.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables "
            "WHERE schemaname = current_schema()"
        )
        return dict(cursor.fetchall())


def changed_since(state, counts):
    """The tables whose rows differ from `state` (database_state()'s hashes), where `counts`
    (write_counts()) was read while the database was in that state."""
    moved = [
        table
        for table, count in write_counts().items()
        if table in state and count != counts.get(table, 0)
    ]
    return changed_tables({table: state[table] for table in moved}, database_state(sorted(moved)))


def effect_at_start(world, row):
    """The row's effect read in the world as every test finds it: once per effect and owner."""
    key = (row.effect, row.owner)
    if key not in world.effects:
        world.effects[key] = row.effect(world, world.owned[row.owner or "acme"])
    return world.effects[key]


@contextlib.contextmanager
def as_a_test_of_its_own():
    """What the autouse fixtures of tests/conftest.py and pytest-django give each test: an empty
    cache, the default language, an empty outbox, and a savepoint rolled back at the end."""
    fresh_cache()
    translation.deactivate()
    mail.outbox = []
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_route_answers_each_persona_as_its_row_says(world, row):
    """Each persona (API: with a session, then with a token) sends the row's request in turn, each
    as a test of its own (`as_a_test_of_its_own`); every persona that is not answered as the row
    says is reported, not only the first."""
    wrong = []
    for persona, via in callers(row):
        try:
            with as_a_test_of_its_own():
                answer_as_row_says(world, row, persona, via)
        except Exception as error:  # noqa: BLE001 (each persona's failure is reported)
            detail = f"{type(error).__name__}: {error}" if str(error) else repr(error)
            wrong.append(f"[{caller_label(persona, via)}] {detail}")
    assert not wrong, f"{row.name}:\n" + "\n".join(wrong)


def answer_as_row_says(world, row, persona, via):
    expected = row.who[persona]
    owned = world.owned[row.owner or "acme"]
    url = (row.url or url_builder(row.route))(world, owned) + row.query
    client = client_for(world, persona, via)
    before = effect_at_start(world, row) if row.effect else None
    # A write that is not allowed is re-read table by table, whether or not the row names an effect.
    watched = row.method != "GET" and not expected.writes
    counts = write_counts() if watched else None

    response = send(
        client, row.method, url, row.body(world, owned) if row.body else None, row.is_api
    )

    assert response.status_code in expected.status, response.content[:300]
    if row.effect:
        after = row.effect(world, owned)
        if expected.writes:
            assert after != before, "an allowed write changed nothing"
        else:
            assert after == before, "a refused write changed the database"
    if watched:
        changed = [
            table for table in changed_since(world.state, counts) if table not in row.touches
        ]
        assert not changed, f"a write that is not allowed changed {changed}"
    if expected.check:
        expected.check(
            SimpleNamespace(
                response=response, world=world, persona=persona, owner=row.owner, client=client
            )
        )


# --- completeness: every route, every method -------------------------------------------------


def test_every_route_has_a_url_to_probe():
    """Routes with arguments need a URL in URLS (which objects to name); the others have theirs."""
    missing = [route for route in PROBED if url_builder(route) is None]
    assert not missing, f"routes without a URL in URLS (tests/drm/test_routes.py): {missing}"


def test_no_row_describes_a_route_that_is_gone():
    routes = set(route_names())
    assert not sorted((set(URLS) | {row.route for row in ROWS}) - routes)


def test_every_row_names_every_persona():
    incomplete = [row.name for row in ROWS if set(row.who) != set(PERSONAS)]
    assert not incomplete


def test_each_family_member_has_the_familys_reason():
    """A family's sample stands for every persona only while the member's view has the reason."""
    strays = [
        row.name
        for row in ROWS
        if row.family and not FAMILIES[row.family].holds(PATTERNS[row.route].callback)
    ]
    assert not strays, f"rows of a family whose view no longer has its reason: {strays}"


def test_every_route_with_a_familys_reason_is_in_it():
    """Every route and method with a family's reason has its rows in that family (the family's
    first row, sent by every persona, included): none is left out, none sent twice."""
    for name, kin in FAMILIES.items():
        with_reason = {
            (route, method)
            for route in PROBED
            if kin.holds(PATTERNS[route].callback)
            for method in ACCEPTED[route]
        }
        members = [row for row in ROWS if row.family == name]
        first = {(row.route, row.method) for row in ROWS if not row.family} & with_reason
        assert len(first) == 1, f"{name}: one row stands for the family, not {sorted(first)}"
        rowed = {(row.route, row.method) for row in members} | first
        assert rowed == with_reason, f"{name}: {sorted(with_reason ^ rowed)}"
        assert len(members) + 1 == len(with_reason), f"{name}: a member has two rows"


def test_each_exemption_still_matches_a_route():
    routes = list(route_names())
    assert all(any(route.startswith(prefix) for route in routes) for prefix in EXEMPT)


def test_the_method_reading_sees_the_decorators_and_the_viewsets():
    """The completeness guard is only as good as `view_methods`: a few routes it must read right."""
    assert ACCEPTED["distributors:list"] == {"GET"}  # require_safe
    assert ACCEPTED["distributors:edit"] == {"GET", "POST"}  # require_http_methods
    assert ACCEPTED["leads:accept"] == {"POST"}  # require_POST
    assert ACCEPTED["login"] == {"GET", "POST"}  # a decorated class-based view
    assert ACCEPTED["logout"] == {"POST"}  # Django's LogoutView
    assert ACCEPTED["api:distributor-detail"] == {"GET", "PUT", "PATCH"}  # a router's actions
    assert ACCEPTED["api:goal-landmarks"] == {"GET", "PUT"}  # an @action
    assert ACCEPTED["api:token"] == {"POST"}  # an APIView
    assert ACCEPTED["api:funnel"] == {"GET"}


@pytest.mark.parametrize("route", PROBED)
def test_every_method_a_route_accepts_has_a_row(route):
    """The methods each view declares (decorators, viewset actions, handlers) all have rows."""
    rowed = {row.method for row in ROWS if row.route == route}
    unguarded = sorted(ACCEPTED[route] - rowed)
    assert not unguarded, f"{route} accepts {unguarded} but has no row for it"
    stale = sorted(rowed - ACCEPTED[route])
    assert not stale, f"{route} does not accept {stale} but a row expects it to"


# --- the methods a route does not take: 405, or a refusal before that, and nothing changes ----


LOGIN_PAGES = {TO_LOGIN: "/accounts/login/", TO_ADMIN_LOGIN: "/admin/login/"}


def refusals(route, method, persona):
    """What `persona` may get for a `method` that `route` does not take: 405, or the refusal its
    rows give it on that route before the method is looked at (401, 403, 404, a login page).

    Rows about acme's objects only: the probe's URL names acme's. On the API, DRF checks
    permissions before the method, and writes need a manufacturer role (`IsPortalUser`): anyone
    else's write is a 403 there, the manufacturer's a 405.
    """
    statuses, logins = {405}, set()
    if is_api_route(route) and method != "GET" and persona not in STAFF:
        statuses.add(403)
    for row in rows_by_route().get(route, ()):
        if row.owner not in (None, "acme"):
            continue
        expected = row.who[persona]
        if expected in LOGIN_PAGES:
            logins.add(LOGIN_PAGES[expected])
        elif not expected.writes:
            statuses |= expected.status & {401, 403, 404}
    return statuses, logins


@functools.cache
def rows_by_route():
    by_route = {}
    for row in ROWS:
        by_route.setdefault(row.route, []).append(row)
    return by_route


def refused_as(response, statuses, logins):
    if response.status_code == 302:
        return any(response["Location"].startswith(login) for login in logins)
    return response.status_code in statuses


# The six people of the matrix: the superuser and a second partner admin of acme add nothing
# before the method is looked at.
SWEPT = ("anonymous", "nobody", "manager", "partner", "rep", "outsider")


def refused_methods(route):
    return sorted(set(METHODS) - ACCEPTED[route])


def refused_sends(route, turn):
    """(method, persona) pairs sent to `route`, the `turn`-th of the routes swept: every method
    and every persona at least once, each persona on the method after the previous route's, so
    that over the routes every persona sends every method. A view answers a method it does not
    take before it looks at who sends it; the refusals that depend on the persona (a login page,
    DRF's permission check) come from the persona's rows, which the pairs all reach."""
    methods = refused_methods(route)
    count = max(len(methods), len(SWEPT))
    return [
        (methods[(turn + index) % len(methods)], SWEPT[index % len(SWEPT)])
        for index in range(count)
    ]


SWEPT_ROUTES = [route for route in PROBED if refused_methods(route)]


def test_over_the_routes_every_persona_sends_every_method_a_route_does_not_take():
    sent = {pair for turn, route in enumerate(SWEPT_ROUTES) for pair in refused_sends(route, turn)}
    refused = {method for route in SWEPT_ROUTES for method in refused_methods(route)}
    assert sent == {(method, persona) for method in refused for persona in SWEPT}
    for turn, route in enumerate(SWEPT_ROUTES):
        pairs = refused_sends(route, turn)
        assert {method for method, _ in pairs} == set(refused_methods(route)), route
        assert {persona for _, persona in pairs} == set(SWEPT), route


@pytest.mark.django_db
@pytest.mark.parametrize(("turn", "route"), list(enumerate(SWEPT_ROUTES)), ids=SWEPT_ROUTES)
def test_a_method_a_route_does_not_take_is_refused_for_everyone_and_changes_nothing(
    world, turn, route
):
    """Every persona (with a session, and with a token on the API) sends one of the methods the
    route does not take, and every such method is sent (refused_sends)."""
    url = url_builder(route)(world, world.owned["acme"])
    is_api = is_api_route(route)
    counts = write_counts()
    wrong = []
    for method, persona in refused_sends(route, turn):
        statuses, logins = refusals(route, method, persona)
        for via in vias(is_api, persona):
            response = send(client_for(world, persona, via), method, url, {}, is_api)
            if not refused_as(response, statuses, logins):
                answer = response.get("Location", response.status_code)
                wrong.append(f"{method} as {persona} ({via}): {answer}")
    assert not wrong, f"{route} answered a method it does not take: {wrong}"
    changed = changed_since(world.state, counts)
    assert not changed, f"a method {route} does not take changed {changed}"


# --- the Django admin: its entrance turns away everyone but the manufacturer's staff ----------


def admin_urls():
    """A URL for each route of the admin site's models (an id the guard never gets to read)."""
    for route, pattern in url_patterns():
        if route.startswith("admin:") and pattern.name and pattern.name.count("_") >= 2:
            yield route, reverse(route, args=["1"] * len(pattern.pattern.converters))


@pytest.mark.django_db
def test_no_admin_route_lets_in_a_partner_or_a_user_without_a_role_even_with_the_staff_flag(
    world,
):
    """Every model's changelist, add, change, delete and history, and the user's password form,
    read and posted: the admin's login page, and nothing changes."""
    get_user_model().objects.filter(
        pk__in=[world.users["partner"].pk, world.users["nobody"].pk]
    ).update(is_staff=True)
    before = database_state()
    wrong = []
    urls = list(admin_urls())
    assert len(urls) > 50, urls
    for route, url in urls:
        for persona in ("partner", "nobody", "manager"):
            client = client_for(world, persona, "session")
            for method in ("GET", "POST"):
                response = send(client, method, url, {})
                if not refused_as(response, set(), {"/admin/login/"}):
                    wrong.append(f"{method} {route} as {persona}: {response.status_code}")
    assert not wrong, wrong
    changed = changed_tables(before, database_state())
    assert not changed, f"the admin changed {changed} for someone it should not let in"


# --- lists and exports never leak through a filter ---------------------------------------------


@dataclass(frozen=True)
class Listing:
    """A list, a page of rows or an export, and where its filter parameters are declared.

    `filters`: FilterSets, forms or serializers (their fields are read, so a new filter is covered
    the day it is declared) or plain parameter names a view reads itself.
    """

    route: str
    filters: tuple = ()
    query: str = ""

    @property
    def name(self):
        return f"{self.route}{self.query}"


# Every list tries these too: the names a hand-written view would most likely read.
USUAL_FILTERS = ("distributor", "q", "search")


def filter_names(source):
    if isinstance(source, str):
        return {source}
    if issubclass(source, django_filters.FilterSet):
        names = set()
        for name, each in source.base_filters.items():
            suffixes = getattr(each.field_class.widget, "suffixes", None)
            names |= {f"{name}_{suffix}" for suffix in suffixes} if suffixes else {name}
        return names
    if issubclass(source, forms.BaseForm):
        return set(source.base_fields)
    return set(source._declared_fields)  # a DRF serializer of query parameters


def api_lists():
    """Every API route that answers GET with a viewset's `list`, and its FilterSet and search."""
    for route, pattern in url_patterns():
        actions = getattr(pattern.callback, "actions", None) or {}
        if actions.get("get") != "list":
            continue
        viewset = pattern.callback.cls
        filters = [viewset.filterset_class] if getattr(viewset, "filterset_class", None) else []
        if getattr(viewset, "search_fields", None):
            filters.append("search")
        yield Listing(route, (*filters, *LIST_FILTERS.get(route, ())))


# Lists whose parameters a view or a query serializer reads (API lists are found on their own).
LIST_FILTERS = {
    "api:goal-list": (GoalQuerySerializer,),
    "api:scorecard-list": (ScorecardQuerySerializer, "ordering"),
}

LISTINGS = [
    *api_lists(),
    Listing("api:scorecard-list", (ScorecardQuerySerializer, "ordering"), "?format=csv"),
    Listing("api:funnel", (FunnelQuery,)),
    Listing("api:programme-standings", (StandingFilter,)),
    Listing("incentives:list", (ProgrammeFilter,)),
    # The programme page's standings read the filters of their export (the open programme).
    Listing("incentives:standings-export", (StandingFilter,)),
    Listing("incentives:standings-export", (StandingFilter,), "?format=xlsx"),
    Listing("incentives:statement", (EntryFilter, StatementForm)),
    Listing("incentives:ledger-export", (EntryFilter,)),
    Listing("incentives:ledger-export", (EntryFilter,), "?format=xlsx"),
    Listing("api:earning-statement", (StatementQuerySerializer,)),
    Listing("distributors:list", (DistributorFilter,)),
    Listing("distributors:export", (DistributorFilter,)),
    Listing("distributors:export", (DistributorFilter,), "?format=xlsx"),
    Listing("distributors:users", (PartnerUserFilterForm,)),
    Listing("distributors:imports"),
    Listing("distributors:import-codes", ("distributors_page", "territories_page")),
    Listing("distributors:territories"),
    Listing("distributors:my-revenue"),
    Listing("distributors:my-revenue", (), "?format=csv"),
    Listing("leads:list", (LeadFilter,)),
    Listing("leads:export", (LeadFilter,)),
    Listing("leads:export", (LeadFilter,), "?format=xlsx"),
    Listing("leads:inbox", (InboxFilterForm,)),
    Listing("leads:inbox", (InboxFilterForm,), "?format=csv"),
    Listing("leads:inbox", (InboxFilterForm,), "?format=xlsx"),
    Listing("leads:registrations", (RegistrationFilter,)),
    Listing("leads:materials", (MaterialFilterForm,)),
    Listing("leads:analytics", (AnalyticsForm,)),
    Listing("goals:list", (GoalFilterForm,)),
    Listing("goals:export", (GoalFilterForm,)),
    Listing("goals:export", (GoalFilterForm,), "?format=xlsx"),
    Listing("goals:reviews", (ReviewFilter,)),
    Listing("goals:steps", (StepFilter,)),
    Listing("goals:activities"),
    Listing("scoring:rankings", (RankingFilterForm,)),
    Listing("funds:list"),
    Listing("funds:requests", (RequestFilter,)),
    Listing("funds:requests-export", (RequestFilter,)),
    Listing("funds:requests-export", (RequestFilter,), "?format=xlsx"),
    Listing("funds:balances-export", (BalanceFilter,)),
    Listing("funds:balances-export", (BalanceFilter,), "?format=xlsx"),
    Listing("funds:detail"),
    Listing("scoring:rankings-export", (RankingFilterForm,), "?format=csv"),
    Listing("scoring:rankings-export", (RankingFilterForm,), "?format=xlsx"),
    Listing("scoring:runs"),
    Listing("notifications:inbox", (NotificationFilterForm,)),
    Listing("partnership:courses", (CourseFilter,)),
    Listing("partnership:completions", (CompletionFilter,)),
    Listing("partnership:completions-export", (CompletionFilter,)),
    Listing("partnership:completions-export", (CompletionFilter,), "?format=xlsx"),
    Listing("partnership:certificates", (CertificateFilter,)),
    Listing("partnership:certificates-export", (CertificateFilter,)),
    Listing("partnership:certificates-export", (CertificateFilter,), "?format=xlsx"),
    Listing("tiers:proposals", (TierReviewFilter,)),
    Listing("tiers:proposals-export", (TierReviewFilter,)),
    Listing("tiers:proposals-export", (TierReviewFilter,), "?format=xlsx"),
]
# The partner admins of both distributors: each passes the other's code and id.
PROBERS = {"partner": "rival", "outsider": "acme"}
PROBERS_OWN = {"partner": "acme", "outsider": "rival"}
# Filters that name an object rather than a distributor get the other's object too.
OBJECT_FILTERS = {
    "goal": lambda o: o.goal.pk,
    "lead": lambda o: o.lead.pk,
    "territory": lambda o: o.territory.code,
}


def probe_values(name, o):
    """The other distributor's code and id, and its object when the filter names one."""
    values = [o.distributor.code, o.distributor.pk]
    if name in OBJECT_FILTERS:
        values.append(OBJECT_FILTERS[name](o))
    return [str(value) for value in values]


def leak_markers(o):
    """Strings only the rows of `o`'s distributor hold (never a filter value echoed back)."""
    code = o.distributor.code
    return [
        o.distributor.name,
        o.territory.name,
        o.batch.filename,
        o.investment.note,
        o.review.explanation,
        o.goal.subtitle,
        o.draft_goal.subtitle,
        o.lead.company,
        o.offered.company,
        o.registration.lead.company,
        f"comment-by-{code}",
        f"step-of-{code}",
    ]


def rows_of(response):
    """(the text of the rows, how many rows, the count the answer gives or None)."""
    kind = response["Content-Type"]
    if kind.startswith("application/json"):
        body = response.json()
        rows = body.get("results", body) if isinstance(body, dict) else body
        count = body.get("count") if isinstance(body, dict) and not body.get("next") else None
        return json.dumps(rows), (len(rows) if isinstance(rows, list) else None), count
    if kind.startswith("text/html"):
        page = response.context.get("page") if response.context is not None else None
        if isinstance(page, Page) and page.paginator.num_pages == 1:
            return text_of(response), len(page.object_list), page.paginator.count
        return text_of(response), None, None
    text = text_of(response)  # CSV or XLSX: no filter value is echoed in an export
    return text, None, None


def leaks(response, *, persona, other, world):
    """What of `other`'s rows the answer shows to `persona`."""
    text, listed, count = rows_of(response)
    found = [marker for marker in leak_markers(world.owned[other]) if marker in text]
    # Outside a page (which echoes the filter), a whole value equal to the code is a leak too: a
    # JSON string or a cell of an export.
    whole = f'"{other}"' in text or re.search(rf"(^|[,\n]){other}([,\r\n]|$)", text, re.M)
    if whole and not response["Content-Type"].startswith("text/html"):
        found.append(other)
    if count is not None and listed is not None and count != listed:
        found.append(f"count {count} for {listed} rows")
    page = response.context.get("page") if response.context is not None else None
    if isinstance(page, Page):
        own = world.owned[PROBERS_OWN[persona]].distributor.pk
        for item in page.object_list:
            whose = getattr(item, "distributor_id", None)
            if isinstance(item, Distributor):
                whose = item.pk
            if whose not in (None, own):
                found.append(f"{item!r} of distributor {whose}")
    return found


def refused_to(persona, route):
    """True when the rows say `persona` may not GET `route` at all."""
    return all(
        row.who[persona].status <= {401, 403, 404} or row.who[persona] in LOGIN_PAGES
        for row in ROWS
        if row.route == route and row.method == "GET" and row.owner in (None, "acme")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("listing", LISTINGS, ids=lambda listing: listing.name)
def test_a_partner_filtering_by_another_distributor_gets_only_its_own_rows(world, listing):
    """Each filter in turn names the other distributor by code, then by id: the answer is the
    partner's own rows or none (an error is none), its count is the rows it lists, never a 500.

    Where the partner may not open the list at all, one request with every filter is refused.
    """
    url = url_builder(listing.route)(world, world.owned["acme"])
    names = sorted(set(USUAL_FILTERS).union(*(filter_names(f) for f in listing.filters)))
    wrong = []
    for persona, other in PROBERS.items():
        o = world.owned[other]
        client = client_for(world, persona, "token" if is_api_route(listing.route) else "session")
        refused = refused_to(persona, listing.route)
        queries = (
            [{name: other for name in names}]
            if refused
            else [{name: value} for name in names for value in probe_values(name, o)]
        )
        for params in queries:
            query = (listing.query + "&" if listing.query else "?") + urlencode(params)
            response = client.get(url + query)
            status = response.status_code
            if refused:
                to_login = status == 302 and "/login/" in response["Location"]
                if status not in (401, 403, 404) and not to_login:
                    wrong.append(f"{persona} {query}: {status}, not refused")
                continue
            if status not in (200, 302, 400):
                wrong.append(f"{persona} {query}: {status}")
                continue
            if status == 302:
                continue
            found = leaks(response, persona=persona, other=other, world=world)
            if found:
                wrong.append(f"{persona} {query}: {found}")
    assert not wrong, wrong
