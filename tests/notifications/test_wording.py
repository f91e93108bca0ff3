"""Every notice kind, sent through the real notice functions in English and in French, says
each thing once: no sentence (or clause) of its subject and body, nor of the e-mail made of
them, comes twice."""

import datetime
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone, translation

from distributors import services as distributors_services
from distributors.models import ImportBatch
from funds import services as funds_services
from goals import notices as goals_notices
from goals import services as goals_services
from incentives import services as incentives_services
from leads import notices as leads_notices
from leads import services as leads_services
from notifications.kinds import kind_list
from notifications.models import Notification
from partnership import notices as partnership_notices
from partnership import services as partnership_services
from scim import notices as scim_notices
from scim import services as scim_services
from tests import factories
from tests.goals.test_services import terms
from tests.placeholders import placeholders
from tiers import services as tiers_services
from webhooks import notices as webhooks_notices
from webhooks import services as webhooks_services

# The e-mail's template, a kind's registry and this test must agree: a kind added to the
# registry without a scenario here fails the completeness check below.
pytestmark = pytest.mark.django_db(transaction=True)

READER_LANGUAGE = {"value": "en"}


def reader_language(user):
    return READER_LANGUAGE["value"]


# Sentence and clause ends: . ! ? ; and line breaks (not the dot of "v2.1" or "1.5").
CLAUSE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def clauses(text):
    found = []
    for part in CLAUSE_END.split(text):
        words = re.sub(r"[^\w%]+", " ", part.lower()).split()
        if len(words) >= 2:  # "Why:" or a lone figure is not a sentence
            found.append(" ".join(words))
    return found


def repeated(text):
    return [clause for clause, n in Counter(clauses(text)).items() if n > 1]


def test_clauses_are_compared_without_case_or_punctuation():
    text = "3 error(s) found; nothing was imported. 3 error(s) in 9 row(s); Nothing was imported."
    assert repeated(text) == ["nothing was imported"]
    assert repeated("Accept it.\nWhy: it is good. Accept it, or not.") == []


@pytest.fixture
def language(request, settings, tmp_path):
    settings.NOTIFICATIONS_LANGUAGE = f"{__name__}.reader_language"
    settings.MEDIA_ROOT = tmp_path  # the proof file of a fund claim
    settings.CELERY_TASK_ALWAYS_EAGER = True
    READER_LANGUAGE["value"] = request.param
    yield request.param
    READER_LANGUAGE["value"] = "en"


def send_every_kind(today, manager, partner, outsider, distributor, other_distributor):
    """Each notice function, with what the services give it."""
    distributor.account_manager = manager
    distributor.save()
    pumps = factories.ProductLineFactory(code="pumps", name="Pumps")
    distributor.product_lines.add(pumps)
    factories.ExchangeRateFactory(currency="EUR", month=datetime.date(2024, 1, 1), rate=1)

    # Goals: proposed, countered, agreed, amended, amendment decided.
    goal = goals_services.goal_create(by=manager, terms=terms(distributor, pumps))
    goals_services.goal_propose(goal=goal, by=manager)
    goals_services.goal_counter(
        goal=goal,
        by=partner,
        terms=terms(distributor, pumps, target=Decimal("115000"), reason="Softer market."),
    )
    goals_services.goal_accept(goal=goal, by=manager)
    amendment = goals_services.amendment_propose(
        goal=goal, by=manager, fields={"target": Decimal("130000")}, reason="Strong market."
    )
    goals_services.amendment_reject(amendment=amendment, by=partner)
    # Reviews, goals at risk, overdue steps.
    missed = factories.goal_with_landmarks(
        distributor=distributor, product_line=pumps, status="active"
    )
    goals_services.reviews_open_due(today=today)
    goals_notices.goals_at_risk_notify([missed])
    factories.ActionStepFactory(goal=missed, owner=partner, due=today - datetime.timedelta(days=1))
    goals_services.steps_overdue_notify(today=today)

    # Leads: one and two assigned, taken back, escalated; deals registered and decided;
    # criteria published.
    leads_services.lead_assign(lead=factories.LeadFactory(), distributor=distributor, by=manager)
    leads_services.leads_bulk_assign(
        lead_ids=[factories.LeadFactory().pk, factories.LeadFactory().pk],
        distributor=distributor,
        by=manager,
    )
    leads_notices.leads_taken_back_notify({distributor.pk: 1, other_distributor.pk: 2})
    leads_notices.leads_escalated_notify({distributor.pk: [factories.LeadFactory().pk]})
    for company, decide in (("Port", "approve"), ("Quai", "decline")):
        registration = leads_services.deal_register(
            by=partner, company=f"Brasserie du {company}", country="fr"
        )
        if decide == "approve":
            leads_services.deal_approve(registration=registration, by=manager, note="Welcome.")
        else:
            leads_services.deal_decline(
                registration=registration, by=manager, note="It duplicates an earlier lead."
            )
    draft = leads_services.criteria_draft(by=manager)
    leads_services.criterion_save(
        criterion=draft.items.model(version=draft, code="budget", label="Budget"), by=manager
    )
    leads_services.criteria_publish(version=draft, by=manager)

    # Imports: checked, committed, with errors, failed (the services' own messages).
    def upload(content):
        return distributors_services.import_batch_create(
            user=partner,
            kind="revenue",
            uploaded_file=SimpleUploadedFile("june.csv", content.encode()),
        )

    good = upload("distributor,month,product_line,amount\nacme,2026-05,pumps,10\n")
    distributors_services.import_batch_request_commit(batch=good, by=partner)
    upload("distributor,month,product_line,amount\nacme,2026-05,nope,x\nacme,2026-05,x,1\n")
    stuck = ImportBatch.objects.create(
        kind="revenue", filename="july.csv", uploaded_by=partner, status="validating"
    )
    ImportBatch.objects.filter(pk=stuck.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=1)
    )
    distributors_services.import_batches_expire()

    # Funds: a request to decide, approved in part, its claim due soon, claimed, approved,
    # paid.
    fund = funds_services.fund_create(
        by=manager,
        name="Co-op 2026",
        name_fr="Coop 2026",
        kind="budget",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
        expires_on=datetime.date(2027, 3, 31),
    )
    funds_services.allocation_set(
        fund=fund, distributor=distributor, amount=Decimal("10000"), by=manager
    )
    request = funds_services.request_submit(
        by=partner,
        fund=fund,
        activity_type="event",
        title="Open house",
        start=today,
        end=today,
        planned_cost=Decimal("4000"),
    )
    funds_services.request_approve(
        request=request, by=manager, amount=Decimal("1500"), reason="A shared stand."
    )
    funds_services.requests_claim_due_notify(
        today=request.claim_deadline - datetime.timedelta(days=3)
    )
    claim = funds_services.claim_submit(
        by=partner,
        request=request,
        actual_cost=Decimal("3000"),
        files=[SimpleUploadedFile("invoice.pdf", b"%PDF-1.7\n%%EOF\n")],
    )
    funds_services.claim_approve(claim=claim, by=manager)
    funds_services.claim_pay(claim=claim, by=manager, reference="SEPA-1", paid_on=today)

    # Incentives: a programme opened to the distributor, its first quarter's advance paid, and a
    # goal bonus paid.
    programme = incentives_services.programme_create(
        by=manager,
        name="Volume rebate 2026",
        name_fr="Remise sur volume 2026",
        basis="revenue",
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
        tiers=[("0", "2")],
        schedule="quarterly",
        distributors=[distributor],
    )
    factories.RevenueRecordFactory(
        distributor=distributor, month=datetime.date(2026, 1, 1), amount=Decimal("20000")
    )
    incentives_services.programme_advance(
        programme=programme,
        through=datetime.date(2026, 3, 31),
        by=manager,
        reference="ADV-Q1",
        paid_on=today,
    )
    bonus_goal = factories.GoalFactory(
        distributor=distributor, status="achieved", payout=Decimal("2500.00")
    )
    incentives_services.bonus_pay(goal=bonus_goal, by=manager, reference="BON-1", paid_on=today)

    # A contract coming up for renewal, told to its account manager.
    distributor.account_manager = manager
    distributor.contract_start = datetime.date(2024, 1, 1)
    distributor.contract_end = today + datetime.timedelta(days=20)
    distributor.save()
    distributors_services.contract_renewals_notify(today=today)

    # Training: a certificate about to expire; the partner agreement: a version to accept.
    certification = partnership_services.certification_save(
        by=manager, code="installer", name="Certified installer", validity_months=12
    )
    course = partnership_services.course_save(
        by=manager,
        code="pumps-101",
        title="Pump installation",
        language="en",
        duration_minutes=60,
        url="https://lms.example.test/pumps-101",
        certification=certification,
    )
    partnership_services.completion_record(
        user=partner, course=course, completed_on=today - datetime.timedelta(days=340), by=manager
    )
    partnership_services.certificates_expiring_notify(today=today)
    version = partnership_services.agreement_publish(
        by=manager, title="Distribution agreement", body="Terms."
    )
    partnership_notices.agreement_published_notify(version.pk, by_id=manager.pk)

    # Onboarding: an application received, a step coming due, access opened by the journey.
    journey = partnership_services.journey_save(by=manager, name="New distributor")
    partnership_services.journey_step_save(
        by=manager, journey=journey, title="Kick-off call", side="partner", due_days=2,
        evidence="tick", opens_access=True,
    )  # fmt: skip
    application = partnership_services.application_submit(
        company="Nordic Flow AB", country="SE", contact_name="Astrid Lind",
        email="astrid@nordicflow.example",
    )  # fmt: skip
    partnership_notices.application_received_notify(application.pk)
    newcomer = factories.DistributorFactory(status="onboarding", account_manager=manager)
    factories.MembershipFactory(distributor=newcomer, role="admin")
    onboarding = partnership_services.onboarding_start(
        by=manager, distributor=newcomer, journey=journey, today=today
    )
    partnership_services.steps_due_notify(today=today)
    partnership_services.step_complete(by=manager, progress=onboarding.progress.get())
    # Tiers: a requirement the distributor does not meet and, with no grace period, a downgrade
    # proposed to its account manager.
    factories.TierFactory(code="lower", rank=distributor.tier.rank + 100)
    tiers_services.requirement_save(
        by=manager, tier=distributor.tier, key="certified_reps", threshold="5"
    )
    with override_settings(TIER_DOWNGRADE_GRACE_DAYS=0):
        tiers_services.tiers_requalify(as_of=today)
    # Webhooks: a partner's subscription disabled after a run of failures (last: no event
    # after it reaches the subscription).
    subscription = webhooks_services.subscription_create(
        by=partner, url="https://hooks.acme.example/in", events=["goal.agreed"]
    )
    subscription.failure_streak = 20
    webhooks_notices.subscription_disabled_notify(subscription)
    # Provisioning: a token of the partner's distributor made and revoked (told by another).
    token, _secret = scim_services.token_create(by=partner)
    for created in (True, False):
        scim_notices.token_changed_notify(token, created=created, by=manager)


@pytest.mark.parametrize("language", ["en", "fr"], indirect=True)
def test_no_notice_says_the_same_sentence_twice(
    language, today, manager, partner, outsider, distributor, other_distributor
):
    send_every_kind(today, manager, partner, outsider, distributor, other_distributor)

    sent = list(Notification.objects.select_related("recipient"))
    assert {n.kind for n in sent} == {kind.slug for kind in kind_list()}
    problems = []
    for notice in sent:
        found = repeated(f"{notice.subject}\n{notice.body}")
        with translation.override(language):
            mail = render_to_string(
                "notifications/email/notification.txt",
                {"user": notice.recipient, "notification": notice, "link": "https://x/"},
            )
        found += repeated(mail)
        if found:
            problems.append((notice.kind, notice.subject, notice.body, found))
    assert problems == []
    # A count of one reads in the singular; a decision in the reader's language.
    said = {n.kind: n for n in sent if not n.subject[0].isdigit()}
    expected = {
        "en": {
            "step_overdue": "Mark it done, or agree on a new date.",
            "lead_escalated": "assign it by hand or close it.",
            "goal_amendment": "Your amendment was rejected: ",
        },
        "fr": {
            "step_overdue": "Marquez-la comme terminée, ou convenez d'une nouvelle date.",
            "lead_escalated": "attribuez-le manuellement ou clôturez-le.",
            "goal_amendment": "Votre avenant a été refusé : ",
        },
    }[language]
    decided = expected.pop("goal_amendment")
    assert Notification.objects.filter(kind="goal_amendment", subject__startswith=decided).exists()
    for kind, words in expected.items():
        assert words in said[kind].body, (kind, said[kind].body)


@pytest.mark.parametrize("language", ["en", "fr"], indirect=True)
def test_no_notice_nor_its_e_mail_leaves_a_placeholder(
    language, today, manager, partner, outsider, distributor, other_distributor
):
    """Every kind, as the notice functions send it: its subject and body, its e-mail (text and
    HTML) and the digest listing it, in the reader's language, with every placeholder filled."""
    send_every_kind(today, manager, partner, outsider, distributor, other_distributor)

    sent = list(Notification.objects.select_related("recipient"))
    assert {n.kind for n in sent} == {kind.slug for kind in kind_list()}
    texts = []
    with translation.override(language):
        for notice in sent:
            context = {"user": notice.recipient, "notification": notice, "link": "https://x/"}
            texts += [notice.subject, notice.body]
            texts += [
                render_to_string(f"notifications/email/notification.{kind}", context)
                for kind in ("txt", "html")
            ]
        items = [(notice, "https://x/") for notice in sent]
        texts += [
            render_to_string(
                f"notifications/email/digest.{kind}",
                {"user": partner, "items": items, "inbox": "https://x/n/"},
            )
            for kind in ("txt", "html")
        ]
    found = [(hit, text[:80]) for text in texts for hit in placeholders(text)]
    assert found == []
