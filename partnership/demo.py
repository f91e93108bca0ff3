"""The demo partner programme behind `manage.py demo_programme`: a catalogue of courses and
certifications, two years of completions by the demo's partner people, and two versions of the
partner agreement with their acceptances, written through the partnership services.

What it shows (dates are counted back from the real today):
- three certifications: "Certified pump installer" (24 months), "Certified drives engineer"
  (12 months) and "Safety on site" (which does not expire), named in English and French;
- seven courses in English or French, on product lines, with links to the (fictitious) LMS, one
  taken out of the catalogue;
- for `adriatica` (the `partner` login) and `atlantique` (`partner-atlantique`, French) a small
  team: the partner admin and three reps each (no password: they cannot log in), with
  certificates valid, expiring within 60 days (so "Certificates to renew" shows on their home
  page) and expired, and one renewed;
- for every other distributor, its partner admin passes one to three courses at dates spread
  over the two years, so the certificates page, the record's section and the goals' "trainings
  completed" metric have something to read.

- the partner agreement: version 1 published fourteen months ago and accepted by every partner
  admin within a few weeks; version 2 (new fees for market development funds) published ten days
  ago, accepted by about half of the distributors, `atlantique` among them; `adriatica` has not
  accepted it yet, so "Partner agreement to accept" heads the `partner` login's home page.

- onboarding: one journey of eight steps ("New distributor"), started by applications; the
  step "First training passed" opens access. Journeys in every step: `tatra` started three days
  ago (only its approval done), `desert-sw` twelve days ago (the manufacturer's credit check
  overdue), `coral-coast` forty-five days ago (everything up to its first training, now overdue:
  no lead reaches it); `baltic-flow`, approved from an application eighty days ago, passed its
  training (so it is active) and waits for its first revenue report and first lead. Two
  applications wait for a decision (one from Peru, one from Sweden) and one was declined with its
  reason. The onboarding distributors' admins have passed no course (so their gate stays shut).

A second run finds the demo catalogue and does nothing; --replace deletes the demo's
completions, courses, certifications, reps, agreement, journeys and applicants and loads them
again.
"""

import datetime
import random
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from distributors.models import Distributor, ProductLine
from drm.errors import ValidationFailed
from identity.models import Membership

from . import services
from .models import (
    AgreementAcceptance,
    AgreementVersion,
    Application,
    Certification,
    Completion,
    Course,
    Journey,
    Onboarding,
)

MANAGER = "manager"
TEAMS = ("adriatica", "atlantique")
REP_NAMES = {
    "adriatica": (("Giulia", "Bianchi"), ("Marco", "Esposito"), ("Sara", "Romano")),
    "atlantique": (("Claire", "Martin"), ("Hugo", "Bernard"), ("Léa", "Dubois")),
}
REP_PREFIX = "demo-rep-"
LMS = "https://learning.demo.drm.example/courses/"
CERTIFICATIONS = (
    # code, name, name_fr, passing, passing_fr, months, product lines
    (
        "pump-installer",
        "Certified pump installer",
        "Installateur de pompes certifié",
        "Sizes, installs and commissions centrifugal pumps; passed the practical test.",
        "Dimensionne, installe et met en service les pompes centrifuges ; a réussi l'épreuve "
        "pratique.",
        24,
        ("pumps",),
    ),
    (
        "drives-engineer",
        "Certified drives engineer",
        "Ingénieur variateurs certifié",
        "Configures variable speed drives and diagnoses their faults.",
        "Paramètre les variateurs de vitesse et diagnostique leurs défauts.",
        12,
        ("drives",),
    ),
    (
        "site-safety",
        "Safety on site",
        "Sécurité sur site",
        "Knows the safety rules of an installation site.",
        "Connaît les règles de sécurité d'un chantier d'installation.",
        None,
        (),
    ),
)
COURSES = (
    # code, title, language, minutes, certification, product lines, active
    (
        "pumps-101",
        "Centrifugal pumps: installation and commissioning",
        "en",
        240,
        "pump-installer",
        ("pumps",),
        True,
    ),
    (
        "pompes-101",
        "Pompes centrifuges : installation et mise en service",
        "fr",
        240,
        "pump-installer",
        ("pumps",),
        True,
    ),
    (
        "drives-201",
        "Variable speed drives: set-up and diagnosis",
        "en",
        180,
        "drives-engineer",
        ("drives",),
        True,
    ),
    ("safety-1", "Safety on an installation site", "en", 60, "site-safety", (), True),
    ("dosing-intro", "Dosing pumps for water treatment", "en", 45, None, ("dosing-pumps",), True),
    ("valves-fr", "Les vannes industrielles en pratique", "fr", 90, None, ("valves",), True),
    ("pumps-2019", "Pump range 2019 (replaced)", "en", 60, None, ("pumps",), False),
)
DAY = datetime.timedelta(days=1)
AGREEMENT_TITLE = "Distribution agreement"
AGREEMENT_TITLE_FR = "Contrat de distribution"
AGREEMENT = (
    "1. Territory. The distributor sells the manufacturer's products in the territories its "
    "profile lists.\n\n2. Reporting. The distributor reports its revenue by product line each "
    "month, by the 10th of the next.\n\n3. Leads. A lead handed over is accepted or declined "
    "before its deadline.\n\n4. Training. The distributor keeps at least one certified person "
    "per product line it sells.\n\n5. Term. The agreement runs with the contract dates of the "
    "distributor's profile."
)
AGREEMENT_FR = (
    "1. Territoire. Le distributeur vend les produits du fabricant dans les territoires de son "
    "profil.\n\n2. Déclarations. Le distributeur déclare son chiffre d'affaires par gamme chaque "
    "mois, avant le 10 du mois suivant.\n\n3. Leads. Un lead transmis est accepté ou refusé "
    "avant son échéance.\n\n4. Formation. Le distributeur garde au moins une personne certifiée "
    "par gamme qu'il vend.\n\n5. Durée. Le contrat court selon les dates de contrat du profil "
    "du distributeur."
)
FEES = (
    "\n\n6. Market development funds. A claim is paid within 30 days of its approval; the "
    "manufacturer's share is set per fund."
)
FEES_FR = (
    "\n\n6. Fonds de développement marketing. Une demande de remboursement est payée dans les 30 "
    "jours suivant son approbation ; la part du fabricant est fixée par fonds."
)
# Of the distributors, those that accepted version 2 already (besides atlantique): one in two.
SECOND_VERSION_LEFT = ("adriatica",)


class DemoProgramme:
    def __init__(self, write=print):
        self.write = write

    def load(self, *, replace=False, quiet=False, force=False):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load demo training under production settings; pass --force to seed "
                "a staging site on purpose."
            )
        self.manager = get_user_model().objects.filter(username=MANAGER).first()
        if self.manager is None or not Distributor.objects.filter(code=TEAMS[0]).exists():
            raise ValidationFailed("The demo channel is missing: run `manage.py demo_data` first.")
        started = time.monotonic()
        codes = [row[0] for row in COURSES]
        if Course.objects.filter(code__in=codes).exists():
            if not replace:
                self.write("The demo training is loaded already; nothing to do.")
                return None
            self.delete()
        self.today = timezone.localdate()
        self.rng = random.Random(21)  # noqa: S311 - demo data, not a secret
        with transaction.atomic():
            certifications = self.load_catalogue()
            count = self.load_completions(certifications)
            accepted = self.load_agreement()
            onboardings = self.load_journeys()
        message = (
            f"Demo partner programme: {len(CERTIFICATIONS)} certifications, {len(COURSES)} "
            f"courses, {count} completions, 2 agreement versions, {accepted} acceptances and "
            f"{onboardings} onboarding journeys in "
            f"{time.monotonic() - started:.1f} s"
        )
        self.write(message)
        return count

    def delete(self):
        with transaction.atomic():
            Completion.objects.filter(course__code__in=[row[0] for row in COURSES]).delete()
            Course.objects.filter(code__in=[row[0] for row in COURSES]).delete()
            Certification.objects.filter(code__in=[row[0] for row in CERTIFICATIONS]).delete()
            AgreementAcceptance.objects.all().delete()
            AgreementVersion.objects.all().delete()
            Distributor.objects.filter(application__isnull=False).delete()
            Onboarding.objects.all().delete()
            Journey.objects.all().delete()
            get_user_model().objects.filter(username__startswith=REP_PREFIX).delete()

    def load_catalogue(self):
        lines = ProductLine.objects.in_bulk(field_name="code")
        certifications = {}
        for code, name, name_fr, passing, passing_fr, months, on in CERTIFICATIONS:
            certifications[code] = services.certification_save(
                by=self.manager,
                code=code,
                name=name,
                name_fr=name_fr,
                passing=passing,
                passing_fr=passing_fr,
                validity_months=months,
                product_lines=[lines[line] for line in on if line in lines],
            )
        for code, title, language, minutes, certification, on, active in COURSES:
            services.course_save(
                by=self.manager,
                code=code,
                title=title,
                language=language,
                duration_minutes=minutes,
                url=f"{LMS}{code}",
                certification=certifications.get(certification),
                product_lines=[lines[line] for line in on if line in lines],
                active=active,
            )
        return certifications

    def team(self, distributor):
        """The distributor's partner admin and its demo reps (made here: no password)."""
        User = get_user_model()
        people = [m.user for m in distributor.memberships.select_related("user")]
        for index, (first, last) in enumerate(REP_NAMES[distributor.code], start=1):
            username = f"{REP_PREFIX}{distributor.code}-{index}"
            user = User(
                username=username,
                email=f"{username}@demo.drm.example",
                first_name=first,
                last_name=last,
            )
            user.set_unusable_password()
            user.save()
            Membership.objects.create(user=user, distributor=distributor, role="rep")
            people.append(user)
        return people

    def record(self, user, code, day):
        day = min(day, self.today)
        course = Course.objects.get(code=code)
        try:
            services.completion_record(
                user=user,
                course=course,
                completed_on=day,
                by=self.manager,
                score=self.rng.randint(70, 100),
                source=self.rng.choice(
                    [Completion.Source.PORTAL, Completion.Source.IMPORT, Completion.Source.API]
                ),
                today=self.today,
            )
        except ValidationFailed:
            return 0  # the same course the same day: once
        return 1

    def load_completions(self, certifications):
        count = 0
        today = self.today
        for code in TEAMS:
            distributor = Distributor.objects.get(code=code)
            french = distributor.language == "fr" or code == "atlantique"
            pumps = "pompes-101" if french else "pumps-101"
            admin, first, second, third = self.team(distributor)[:4]
            # Valid for long: passed two months ago (24 months).
            count += self.record(admin, pumps, today - 60 * DAY)
            count += self.record(admin, "safety-1", today - 400 * DAY)
            # Expiring within 60 days: 12 months less three weeks ago.
            count += self.record(first, "drives-201", today - 344 * DAY)
            count += self.record(first, "dosing-intro", today - 30 * DAY)
            # Expired, then renewed.
            count += self.record(second, pumps, today - 760 * DAY)
            count += self.record(second, pumps, today - 20 * DAY)
            # Expired, not renewed: 24 months and a month ago.
            count += self.record(third, pumps, today - 760 * DAY)
            count += self.record(third, "valves-fr", today - 100 * DAY)
        others = (
            Membership.objects.filter(role="admin")
            .exclude(distributor__code__in=TEAMS)
            # Onboarding distributors have passed nothing yet: their journey's gate stays shut.
            .exclude(distributor__status=Distributor.Status.ONBOARDING)
            .select_related("user")
            .order_by("distributor__code")
        )
        choices = [row[0] for row in COURSES if row[6]]
        for membership in others:
            for code in self.rng.sample(choices, self.rng.randint(1, 3)):
                count += self.record(membership.user, code, today - self.rng.randint(5, 700) * DAY)
        return count

    def load_agreement(self):
        """Version 1, accepted by every partner admin; version 2, ten days old, by one in two
        (atlantique among them, adriatica not). Dated after the acts, as the other demos do."""
        now = timezone.now()
        admins = list(
            Membership.objects.filter(role="admin")
            .exclude(user__username__startswith=REP_PREFIX)
            .select_related("user", "distributor")
            .order_by("distributor__code")
        )
        first = services.agreement_publish(
            by=self.manager,
            title=AGREEMENT_TITLE,
            title_fr=AGREEMENT_TITLE_FR,
            body=AGREEMENT,
            body_fr=AGREEMENT_FR,
        )
        accepted = 0
        for index, membership in enumerate(admins):
            acceptance = services.agreement_accept(version=first, by=membership.user)
            AgreementAcceptance.objects.filter(pk=acceptance.pk).update(
                accepted_at=now - datetime.timedelta(days=420 - index % 30)
            )
            accepted += 1
        AgreementVersion.objects.filter(pk=first.pk).update(
            published_at=now - datetime.timedelta(days=425)
        )
        second = services.agreement_publish(
            by=self.manager,
            title=AGREEMENT_TITLE,
            title_fr=AGREEMENT_TITLE_FR,
            body=AGREEMENT + FEES,
            body_fr=AGREEMENT_FR + FEES_FR,
            summary="A new article 6: how market development fund claims are paid.",
            summary_fr="Un nouvel article 6 : comment sont payées les demandes sur les fonds de "
            "développement marketing.",
        )
        for index, membership in enumerate(admins):
            code = membership.distributor.code
            if code in SECOND_VERSION_LEFT or (code != "atlantique" and index % 2):
                continue
            acceptance = services.agreement_accept(version=second, by=membership.user)
            AgreementAcceptance.objects.filter(pk=acceptance.pk).update(
                accepted_at=now - datetime.timedelta(days=9 - index % 8, hours=index % 7)
            )
            accepted += 1
        AgreementVersion.objects.filter(pk=second.pk).update(
            published_at=now - datetime.timedelta(days=10)
        )
        return accepted

    def load_journeys(self):
        """The journey, three onboarding distributors at different steps, an applicant approved
        eighty days ago who is now active, two applications to decide and one declined."""
        now = timezone.now()
        journey = services.journey_save(
            by=self.manager,
            name="New distributor",
            name_fr="Nouveau distributeur",
            for_applications=True,
        )
        steps = {}
        for key, title, title_fr, side, days, evidence, check, opens in JOURNEY:
            steps[key] = services.journey_step_save(
                by=self.manager,
                journey=journey,
                title=title,
                title_fr=title_fr,
                side=side,
                due_days=days,
                evidence=evidence,
                portal_check=check,
                opens_access=opens,
            )
        started = 0
        for code, days_ago, done in ONBOARDING:
            distributor = Distributor.objects.filter(code=code, status="onboarding").first()
            if distributor is None:
                continue
            onboarding = services.onboarding_start(
                by=self.manager,
                distributor=distributor,
                journey=journey,
                today=self.today - datetime.timedelta(days=days_ago),
            )
            self._do(onboarding, steps, done, days_ago)
            started += 1
        # An applicant approved eighty days ago, trained since: active, two steps left.
        application = services.application_submit(
            company="Baltic Flow UAB",
            country="LT",
            contact_name="Rūta Kazlauskienė",
            email="ruta@balticflow.demo.drm.example",
            website="https://balticflow.demo.drm.example",
            message="Pumps and valves for district heating in the Baltic states since 2009.",
            product_lines=list(ProductLine.objects.filter(code__in=("pumps", "valves"))),
            now=now - datetime.timedelta(days=80),
        )
        services.application_decide(
            by=self.manager,
            application=application,
            approve=True,
            reason="A strong district-heating base; no distributor in the Baltics yet.",
        )
        Application.objects.filter(pk=application.pk).update(
            decided_at=now - datetime.timedelta(days=78)
        )
        baltic = Distributor.objects.get(pk=application.distributor_id)
        admin = self._partner_admin(baltic, "ruta.baltic", "Rūta", "Kazlauskienė")
        services.onboardings_refresh(distributor_ids=[baltic.pk])
        self._do(baltic.onboarding, steps, ("credit", "registration"), 80)
        services.agreement_accept(version=services.agreement_current(), by=admin)
        self.record(admin, "pumps-101", self.today - 50 * DAY)
        started += 1
        for company, country, contact, email, days_ago, message in APPLICANTS:
            application = services.application_submit(
                company=company,
                country=country,
                contact_name=contact,
                email=email,
                message=message,
                product_lines=list(ProductLine.objects.filter(code="pumps")),
                now=now - datetime.timedelta(days=days_ago),
            )
            started += 1
        declined = services.application_submit(
            company="Quick Resell Trading Ltd",
            country="GB",
            contact_name="Tom Price",
            email="tom@quickresell.demo.drm.example",
            message="We resell anything online, worldwide.",
            now=now - datetime.timedelta(days=20),
        )
        services.application_decide(
            by=self.manager,
            application=declined,
            approve=False,
            reason="We appoint distributors who install and service the products in their "
            "territory; online resale worldwide is not a channel we open.",
        )
        self._date_checks()
        services.steps_due_notify(today=self.today)
        return started

    def _date_checks(self):
        """The portal marks a checked step done within half an hour of its figure; the demo
        loads in one go, so it dates each a day or two before the step's due day (never later
        than now), as if the figure had come in then."""
        from .models import StepProgress

        now = timezone.now()
        checked = StepProgress.objects.filter(
            step__evidence="check", done_at__isnull=False
        ).select_related("onboarding", "step")
        for progress in checked:
            day = progress.onboarding.started_on + datetime.timedelta(
                days=max(progress.step.due_days - 2, 0)
            )
            when = min(
                now,
                timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 30))),
            )
            StepProgress.objects.filter(pk=progress.pk).update(done_at=when)

    def _do(self, onboarding, steps, done, days_ago):
        """Mark the steps `done` (keys of JOURNEY) on their due days, as their owners did."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        services.onboardings_refresh(distributor_ids=[onboarding.distributor_id])
        for key in done:
            progress = onboarding.progress.select_related("step").get(step=steps[key])
            if progress.done_at:
                continue
            when = timezone.now() - datetime.timedelta(
                days=max(days_ago - progress.step.due_days + 1, 0)
            )
            by = self.manager
            evidence = None
            if progress.step.side == "partner":
                admin = (
                    Membership.objects.filter(
                        distributor_id=onboarding.distributor_id, role="admin"
                    )
                    .select_related("user")
                    .first()
                )
                if admin is None:
                    continue
                by = admin.user
            if progress.step.evidence == "file":
                evidence = SimpleUploadedFile("company-registration.pdf", REGISTRATION_PDF)
            services.step_complete(by=by, progress=progress, evidence_file=evidence, now=when)

    def _partner_admin(self, distributor, username, first, last):
        """The distributor's partner admin, made here (no password: it cannot log in)."""
        user = get_user_model()(
            username=f"{REP_PREFIX}{username}",
            email=f"{username}@demo.drm.example",
            first_name=first,
            last_name=last,
        )
        user.set_unusable_password()
        user.save()
        Membership.objects.create(user=user, distributor=distributor, role="admin")
        return user


REGISTRATION_PDF = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
)
# key, title, French title, side, due (days), evidence, portal check, opens access
JOURNEY = (
    ("approved", "Application approved", "Candidature approuvée", "manufacturer", 2, "check",
     "application_approved", False),
    ("credit", "Credit check", "Contrôle de solvabilité", "manufacturer", 7, "tick", "", False),
    ("agreement", "Partner agreement accepted", "Contrat partenaire accepté", "partner", 14,
     "check", "agreement_accepted", False),
    ("registration", "Company registration uploaded", "Extrait d'immatriculation envoyé",
     "partner", 14, "file", "", False),
    ("users", "Portal users invited", "Utilisateurs du portail invités", "manufacturer", 10,
     "check", "portal_users_invited", False),
    ("training", "First training passed", "Première formation réussie", "partner", 30, "check",
     "first_training_passed", True),
    ("revenue", "First revenue reported", "Premier chiffre d'affaires déclaré", "partner", 60,
     "check", "first_revenue_reported", False),
    ("lead", "First lead accepted", "Premier lead accepté", "partner", 90, "check",
     "first_lead_accepted", False),
)  # fmt: skip
# code, started (days ago), steps done by hand
ONBOARDING = (
    ("tatra", 3, ()),
    ("desert-sw", 12, ()),
    ("coral-coast", 45, ("credit", "registration")),
)
# company, country, contact, e-mail, sent (days ago), about
APPLICANTS = (
    ("Andes Bombas S.A.C.", "PE", "Lucía Quispe", "lucia@andesbombas.demo.drm.example", 4,
     "Mining and water utilities in Peru; 14 engineers, service workshop in Arequipa."),
    ("Nordic Flow AB", "SE", "Astrid Lind", "astrid@nordicflow.demo.drm.example", 1,
     "District heating and process water in northern Sweden."),
)  # fmt: skip
