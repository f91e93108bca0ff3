"""The demo funds behind `manage.py demo_funds`: market development funds over the demo channel,
written through the funds services, with requests and claims in every state.

What it shows:
- "Co-op EMEA <year>", a budget fund for the running year for the four European regions, that
  pays half of an activity's cost, with an allocation for every distributor it is for (by tier);
- "Co-op accrual <last year>", an accrual fund for the gold and platinum tiers: 3 % of the
  revenue each reported last year, accrued by `fund_accrue` from the demo's own revenue;
- requests and claims in every status across a dozen distributors, with realistic activities
  (trade show stands, digital campaigns, demo equipment, training days, printed catalogues),
  in French for the French-speaking distributors: submitted, approved (in full, in part with
  a reason, a claim due soon and reminded), rejected with a reason (before and after an
  approval), cancelled (before and after one), expired, claimed with proof files waiting for a
  decision, claims approved (in full, in part) not yet paid, rejected, and paid (which adds to
  the distributor's market funds investment);
- the partner login `partner` (adriatica) finds an approved activity to claim, a request
  waiting for the manager and a paid claim.

How dates and states are made. Activities lie in the past months and the coming weeks, and
every act is dated on its own day (submitted, decided, claimed, paid), but the demo loads now
and the services read the clock: `request_submit` refuses an activity that started before
today, `claim_submit` one that has not ended. Three ways were open: move the clock (not in a
demo: `time_machine` is for tests), add a `today` argument to the services (a back door into
rules that guard real money), or write the rows the clock forbids and have a test replay them
through the services. The demo takes the third, as narrowly as it can:

- every act runs through its service at load time (approvals, rejections, cancellations,
  claims with their proof files through the services' storage, claim decisions, payments with
  their real past `paid_on`), except one: the submission of a request for an activity that has
  already started, written as `request_submit` writes it (`submit_started`: the row, its
  history, the manager's notice);
- what an act records as its time (submitted_at, decided_at, uploaded_at, its history rows and
  notices) is then set to the act's day (`dated`): only times move, never a status or amount;
- the expiry is the daily job's own (`services.funds_daily`, at the real today): the expired
  request's claim deadline passed weeks ago, so the job finds it as it would on any night, and
  it also reminds the partner of a claim due within two weeks.

tests/funds/test_demo.py replays the whole recorded history of the demo fund (every request and
claim, act by act, at the time each is dated) through the services on a copy of the fund, the
clock moved to each act's time, and checks it ends in the same rows, amounts, deadlines and
balances: a state the services could not produce would fail it.

A second run finds the demo budget fund and does nothing.
"""

import datetime
import struct
import time
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from distributors.models import Distributor, Investment, Region, Tier
from drm.errors import ValidationFailed
from notifications.kinds import Delivery
from notifications.models import Notification, NotificationPreference

from . import notices, services
from .models import ActivityType, Allocation, Claim, Fund, FundRequest, ProofFile

MANAGER = "manager"
PARTNER_DISTRIBUTOR = "adriatica"
BUDGET_NAME = "Co-op EMEA"
EMEA = ("Central Europe", "Western Europe", "Southern Europe", "Nordics")
# What each tier may draw from the budget fund, in the reporting currency.
BUDGET_BY_TIER = {
    "platinum": Decimal(40000),
    "gold": Decimal(25000),
    "silver": Decimal(15000),
    "bronze": Decimal(8000),
}
ACCRUAL_TIERS = ("platinum", "gold")
ACCRUAL_PERCENT = Decimal("3.00")
COST_SHARE = Decimal("50.00")
DAY = datetime.timedelta(days=1)

# The hour of the day each act is dated at (acts of one story fall on different days).
HOURS = {
    "fund": (8, 30),
    "submit": (9, 10),
    "approve": (14, 30),
    "reject": (15, 5),
    "cancel": (11, 0),
    "claim": (10, 20),
    "approve_claim": (16, 0),
    "reject_claim": (16, 10),
    "pay": (11, 30),
}


# --- proof files: small real ones, made in memory ---------------------------------------------


def _pdf_text(text):
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("cp1252")


def pdf_bytes(lines):
    """A one-page A4 PDF (Helvetica, WinAnsi: French accents print) with `lines` of text."""
    text = b"BT /F1 12 Tf 16 TL 60 780 Td " + b" ".join(
        b"(" + _pdf_text(line) + b") Tj T*" for line in lines
    )
    stream = text + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def png_bytes(width=64, height=40, colour=(24, 92, 160)):
    """A small RGB PNG: a stand's colour band over a light floor (a "photo" of the stand)."""

    def chunk(tag, data):
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    floor = bytes((230, 230, 225)) * width
    band = bytes(colour) * width
    rows = b"".join(b"\x00" + (band if y < height * 3 // 5 else floor) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


# --- the stories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    """One act of a story, `day` days from today (negative: in the past), with its inputs."""

    name: str
    day: int
    amount: str | None = None  # approve, approve_claim: less than asked (with `reason`)
    reason: str = ""
    cost: str | None = None  # claim: the actual cost
    leads: int = 0
    revenue: str = "0"
    files: tuple = ()  # claim: (file name, "pdf" or "png", lines of the PDF)
    reference: str = ""  # pay


@dataclass(frozen=True)
class Story:
    """One activity of one distributor, from its request to its end."""

    code: str
    kind: str
    title: str
    description: str
    start: int  # days from today
    days: int
    cost: str
    leads: int
    revenue: str
    acts: tuple = field(default_factory=tuple)


def stories():
    """Every demo activity. Offsets are days from today; the claim window (FUNDS_CLAIM_DAYS
    after the end) places the expired request and the one due soon."""
    claim_days = settings.FUNDS_CLAIM_DAYS
    year = timezone.localdate().year
    T = ActivityType
    return [
        # --- adriatica, the `partner` login: paid, to claim, waiting for the manager
        Story(
            "adriatica",
            T.TRAINING,
            "Pump sizing training day for installers",
            "A day at our Padua branch for 30 installers: sizing, commissioning and the new "
            "process controllers, with the manufacturer's application engineer.",
            start=-48,
            days=1,
            cost="3600.00",
            leads=8,
            revenue="20000.00",
            acts=(
                Act("submit", -75),
                Act("approve", -70),
                Act(
                    "claim",
                    -45,
                    cost="3350.00",
                    leads=9,
                    revenue="24000.00",
                    files=(
                        (
                            "invoice-training-venue.pdf",
                            "pdf",
                            ("Villa Ca' Sette, Padua", "Room and lunch, 30 people: EUR 3,350.00"),
                        ),
                        ("training-day.png", "png", ()),
                    ),
                ),
                Act("approve_claim", -38),
                Act("pay", -31, reference=f"MDF-{year}-0147"),
            ),
        ),
        Story(
            "adriatica",
            T.DIGITAL,
            "LinkedIn and Google Ads campaign: dosing pumps",
            "Four weeks of sponsored posts and search ads for water treatment plants in "
            "northern Italy, landing on our dosing pump pages.",
            start=-38,
            days=28,
            cost="6000.00",
            leads=40,
            revenue="60000.00",
            acts=(Act("submit", -52), Act("approve", -47)),
        ),
        Story(
            "adriatica",
            T.TRADE_SHOW,
            "Stand at SAVE Verona (automation and instrumentation fair)",
            "A 24 m² stand with the new variable speed drives running on a demo skid; two of "
            "our engineers on the stand both days.",
            start=18,
            days=2,
            cost="9000.00",
            leads=60,
            revenue="90000.00",
            acts=(Act("submit", -2),),
        ),
        # --- claims waiting for the manager, with proof files
        Story(
            "loire",
            T.TRADE_SHOW,
            "Stand au salon Global Industrie, Lyon",
            "Un stand de 36 m² avec la nouvelle gamme de pompes centrifuges en démonstration ; "
            "quatre commerciaux et un technicien présents pendant les quatre jours.",
            start=-16,
            days=4,
            cost="14000.00",
            leads=80,
            revenue="150000.00",
            acts=(
                Act("submit", -60),
                Act("approve", -55),
                Act(
                    "claim",
                    -4,
                    cost="13200.00",
                    leads=74,
                    revenue="128000.00",
                    files=(
                        (
                            "facture-stand-global-industrie.pdf",
                            "pdf",
                            (
                                "Facture n° GI-2291 : stand de 36 m² (Eurexpo Lyon)",
                                "Montant : 13 200,00 € HT",
                            ),
                        ),
                        ("photo-stand-lyon.png", "png", ()),
                    ),
                ),
            ),
        ),
        Story(
            "lombardia",
            T.DIGITAL,
            "Email and webinar series for OEM customers",
            "Three webinars on controller retrofits for machine builders, announced by email to "
            "our 4,000 OEM contacts, with the recordings on our site.",
            start=-35,
            days=21,
            cost="8000.00",
            leads=50,
            revenue="80000.00",
            acts=(
                Act("submit", -50),
                Act("approve", -44),
                Act(
                    "claim",
                    -2,
                    cost="7600.00",
                    leads=46,
                    revenue="52000.00",
                    files=(
                        (
                            "invoice-webinar-platform.pdf",
                            "pdf",
                            ("Webinar platform and email send-outs", "Total: EUR 7,600.00"),
                        ),
                        ("webinar-attendance.png", "png", ()),
                    ),
                ),
            ),
        ),
        # --- claims decided: approved (in full, in part), rejected; paid
        Story(
            "atlantique",
            T.TRAINING,
            "Journée de formation des installateurs à Nantes",
            "Une journée pour 25 installateurs de l'Ouest : dimensionnement, mise en service et "
            "maintenance des pompes doseuses, avec l'ingénieur d'application du fabricant.",
            start=-30,
            days=1,
            cost="2800.00",
            leads=6,
            revenue="15000.00",
            acts=(
                Act("submit", -58),
                Act("approve", -54),
                Act(
                    "claim",
                    -26,
                    cost="2650.00",
                    leads=7,
                    revenue="18000.00",
                    files=(
                        (
                            "facture-salle-nantes.pdf",
                            "pdf",
                            ("Location de salle et déjeuner, 25 personnes", "Total : 2 650,00 €"),
                        ),
                    ),
                ),
                Act("approve_claim", -6),
            ),
        ),
        Story(
            "pennine",
            T.DIGITAL,
            "Google Ads campaign: spare parts and service kits",
            "Four weeks of search ads for maintenance managers in England and Wales, on our "
            "spare parts and service kit pages.",
            start=-50,
            days=28,
            cost="5000.00",
            leads=30,
            revenue="40000.00",
            acts=(
                Act("submit", -64),
                Act("approve", -60),
                Act(
                    "claim",
                    -20,
                    cost="4900.00",
                    leads=27,
                    revenue="31000.00",
                    files=(
                        (
                            "invoice-search-agency.pdf",
                            "pdf",
                            ("Search campaign, 4 weeks", "Media and fees: GBP 4,190.00"),
                        ),
                    ),
                ),
                Act(
                    "approve_claim",
                    -9,
                    amount="1900.00",
                    reason="About €1,100 of the spend went on keywords for other brands' "
                    "products, which co-op does not cover; the rest is approved.",
                ),
            ),
        ),
        Story(
            "delta-techniek",
            T.TRADE_SHOW,
            "Stand at Aqua Nederland, Gorinchem",
            "A stand at the water technology fair with our filtration systems and flow meters.",
            start=-40,
            days=3,
            cost="9000.00",
            leads=45,
            revenue="70000.00",
            acts=(
                Act("submit", -62),
                Act("approve", -57),
                Act(
                    "claim",
                    -33,
                    cost="8800.00",
                    leads=20,
                    revenue="12000.00",
                    files=(
                        (
                            "invoice-stand.pdf",
                            "pdf",
                            ("Stand construction, Evenementenhal Gorinchem", "EUR 8,800.00"),
                        ),
                        ("stand-photo.png", "png", ()),
                    ),
                ),
                Act(
                    "reject_claim",
                    -15,
                    reason="The invoice is addressed to another company and the photos show "
                    "none of our products on the stand.",
                ),
            ),
        ),
        Story(
            "provence",
            T.PRINT,
            "Catalogue imprimé de la gamme pompes (2 000 exemplaires)",
            "Un catalogue de 48 pages de nos pompes et vannes, distribué aux installateurs et "
            "aux bureaux d'études de la région.",
            start=-58,
            days=5,
            cost="3000.00",
            leads=10,
            revenue="20000.00",
            acts=(
                Act("submit", -80),
                Act("approve", -76),
                Act(
                    "claim",
                    -50,
                    cost="2900.00",
                    leads=12,
                    revenue="16000.00",
                    files=(
                        (
                            "facture-imprimerie.pdf",
                            "pdf",
                            ("Impression de 2 000 catalogues, 48 pages", "Total : 2 900,00 €"),
                        ),
                    ),
                ),
                Act("approve_claim", -44),
                Act("pay", -36, reference=f"MDF-{year}-0139"),
            ),
        ),
        Story(
            "nordwerk",
            T.DEMO_EQUIPMENT,
            "Demo units of the new flow meters for field visits",
            "Four demo units in a carrying case for our sales engineers' visits to water "
            "utilities in northern Germany.",
            start=-52,
            days=14,
            cost="8000.00",
            leads=25,
            revenue="65000.00",
            acts=(
                Act("submit", -70),
                Act("approve", -66),
                Act(
                    "claim",
                    -35,
                    cost="7800.00",
                    leads=22,
                    revenue="48000.00",
                    files=(
                        (
                            "invoice-demo-units.pdf",
                            "pdf",
                            ("4 flow meter demo units with case", "EUR 7,800.00"),
                        ),
                        ("demo-case.png", "png", ()),
                    ),
                ),
                Act("approve_claim", -30),
                Act("pay", -24, reference=f"MDF-{year}-0151"),
            ),
        ),
        # --- approved, not claimed: one due soon (the daily job reminds), one expired
        Story(
            "gota-teknik",
            T.TRADE_SHOW,
            "Stand at the Elmia Subcontractor fair, Jönköping",
            "A shared stand with two machine builders, showing our actuators on their machines.",
            start=-(claim_days - 9) - 2,
            days=3,
            cost="6400.00",
            leads=35,
            revenue="45000.00",
            acts=(Act("submit", -(claim_days + 20)), Act("approve", -(claim_days + 15))),
        ),
        Story(
            "helvetia",
            T.DEMO_EQUIPMENT,
            "Demo pump skid at the Zurich branch",
            "A working skid of centrifugal pumps and drives for customer visits to the branch.",
            start=-(claim_days + 25),
            days=8,
            cost="7000.00",
            leads=15,
            revenue="50000.00",
            acts=(Act("submit", -(claim_days + 45)), Act("approve", -(claim_days + 40))),
        ),
        # --- coming weeks: waiting, approved (in full, in part), rejected, cancelled
        Story(
            "loire",
            T.DIGITAL,
            "Campagne LinkedIn : variateurs de vitesse",
            "Trois semaines de publications sponsorisées auprès des responsables de maintenance "
            "de l'industrie agroalimentaire du Nord de la France.",
            start=9,
            days=21,
            cost="5000.00",
            leads=30,
            revenue="40000.00",
            acts=(Act("submit", -1),),
        ),
        Story(
            "schwarzwald",
            T.TRAINING,
            "Service training day for the Freiburg branch",
            "A day of hands-on service training on the new drives for our six field technicians.",
            start=14,
            days=1,
            cost="2400.00",
            leads=0,
            revenue="0",
            acts=(Act("submit", -3),),
        ),
        Story(
            "iberia",
            T.TRAINING,
            "Training day for Madrid installers: commissioning the new controllers",
            "A day at our Madrid warehouse for 20 installers, with a commissioning workshop.",
            start=12,
            days=1,
            cost="3200.00",
            leads=10,
            revenue="25000.00",
            acts=(Act("submit", -9), Act("approve", -6)),
        ),
        Story(
            "lombardia",
            T.PRINT,
            "Product catalogue, Italian edition (5,000 copies)",
            "A 64-page catalogue of the whole range for installers and OEMs in Lombardy.",
            start=10,
            days=10,
            cost="12000.00",
            leads=20,
            revenue="60000.00",
            acts=(
                Act("submit", -8),
                Act(
                    "approve",
                    -4,
                    amount="4000.00",
                    reason="A third of the catalogue's pages show other brands' products: the "
                    "fund pays its share of the pages of ours.",
                ),
            ),
        ),
        Story(
            "bavaria-fluid",
            T.DIGITAL,
            "Instagram giveaway: win a dosing pump",
            "A prize draw among installers who follow our account and share the post.",
            start=6,
            days=14,
            cost="4000.00",
            leads=50,
            revenue="10000.00",
            acts=(
                Act("submit", -7),
                Act(
                    "reject",
                    -5,
                    reason="Giveaways of our products are not eligible for co-op; the same "
                    "campaign without the prize draw is welcome.",
                ),
            ),
        ),
        Story(
            "provence",
            T.TRADE_SHOW,
            "Stand au salon Pollutec, Lyon",
            "Un stand de 18 m² pour présenter nos systèmes de filtration aux collectivités.",
            start=20,
            days=4,
            cost="12000.00",
            leads=40,
            revenue="60000.00",
            acts=(
                Act("submit", -6),
                Act(
                    "reject",
                    -3,
                    reason="Le fabricant a déjà un stand à Pollutec cette année : nous vous "
                    "invitons à y exposer avec nous, sans frais pour vous.",
                ),
            ),
        ),
        Story(
            "wisla",
            T.TRADE_SHOW,
            "Stand at the Gdańsk water technology fair",
            "A stand with our pumps and valves for the water utilities of Pomerania.",
            start=25,
            days=3,
            cost="7000.00",
            leads=30,
            revenue="40000.00",
            acts=(
                Act("submit", -20),
                Act("approve", -16),
                Act(
                    "reject",
                    -3,
                    reason="The organiser moved the fair to next spring, out of this year's "
                    "fund: please ask again from next year's.",
                ),
            ),
        ),
        Story(
            "rheinland",
            T.TRADE_SHOW,
            "Stand at the Essen water and energy fair",
            "A stand with the new pump range, shared with our service team.",
            start=20,
            days=3,
            cost="10000.00",
            leads=50,
            revenue="90000.00",
            acts=(Act("submit", -10), Act("cancel", -4)),
        ),
        Story(
            "thames-valley",
            T.DIGITAL,
            "Email campaign: level sensors for water utilities",
            "Three email send-outs to our utility contacts with a sensor selection guide.",
            start=15,
            days=21,
            cost="3000.00",
            leads=15,
            revenue="20000.00",
            acts=(Act("submit", -12), Act("approve", -8), Act("cancel", -2)),
        ),
    ]


# --- writing -----------------------------------------------------------------------------------

NOTICE_KINDS = (
    notices.REQUEST_SUBMITTED,
    notices.REQUEST_DECIDED,
    notices.CLAIM_DUE,
    notices.CLAIM_SUBMITTED,
    notices.CLAIM_DECIDED,
    notices.CLAIM_PAID,
)
# The times each act records, by model (history rows carry some of them too).
STAMPED = {
    Fund: ("created_at",),
    Allocation: ("created_at", "updated_at"),
    FundRequest: ("submitted_at", "decided_at"),
    Claim: ("submitted_at", "decided_at"),
    ProofFile: ("uploaded_at",),
}
HISTORIES = (Fund, Allocation, FundRequest, Claim)


@contextmanager
def in_app_only():
    """The demo tells months of acts at once: their notices go to the inboxes, not out as
    e-mails. Inside the load's transaction, everyone without a choice of their own for the
    funds' notices reads them in the portal only; the choices made up here go before commit."""
    users = get_user_model().objects.values_list("pk", flat=True)
    slugs = [kind.slug for kind in NOTICE_KINDS]
    chosen = set(
        NotificationPreference.objects.filter(kind__in=slugs).values_list("user_id", "kind")
    )
    made = NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user_id=user, kind=slug, delivery=Delivery.IN_APP)
            for user in users
            for slug in slugs
            if (user, slug) not in chosen
        ]
    )
    try:
        yield
    finally:
        NotificationPreference.objects.filter(pk__in=[p.pk for p in made]).delete()


@contextmanager
def dated(moment):
    """The acts inside run now, through the services; the times they record (their own
    timestamps, their history rows, the notices they leave or close) are then set to `moment`,
    the day the story dates them. Statuses and amounts are the services' own."""
    started = timezone.now()
    marks = {
        model: model.history.aggregate(mark=Max("history_id"))["mark"] or 0 for model in HISTORIES
    }
    notice_mark = Notification.objects.aggregate(mark=Max("pk"))["mark"] or 0
    yield
    for model, names in STAMPED.items():
        history = getattr(model, "history", None)
        kept = {f.name for f in history.model._meta.fields} if history is not None else set()
        for name in names:
            model.objects.filter(**{f"{name}__gte": started}).update(**{name: moment})
            if name in kept:
                history.filter(**{f"{name}__gte": started}).update(**{name: moment})
    for model, mark in marks.items():
        model.history.filter(history_id__gt=mark).update(history_date=moment)
    Notification.objects.filter(pk__gt=notice_mark).update(created_at=moment)
    Notification.objects.filter(done_at__gte=started).update(done_at=moment)


def submit_started(
    *, by, allocation, activity_type, title, description, start, end, cost, leads, revenue
):
    """A request for an activity that has already started, as `services.request_submit`
    writes it when it is asked in time (the row, its history, the manager's notice):
    request_submit refuses a start before today, and the demo loads after the start.
    tests/funds/test_demo.py submits each again through request_submit on the day it is
    dated, and finds the same row."""
    fund = allocation.fund
    request = FundRequest(
        allocation=allocation,
        activity_type=activity_type,
        title=title,
        description=description,
        start=start,
        end=end,
        planned_cost=Decimal(cost),
        requested_amount=fund.share_of(cost),
        expected_leads=leads,
        expected_revenue=Decimal(revenue),
        submitted_by=by,
        submitted_at=timezone.now(),
        claim_deadline=end + datetime.timedelta(days=settings.FUNDS_CLAIM_DAYS),
    )
    request._history_user = by
    request.save()
    notices.request_submitted_notify(request, by=by)
    return request


def proof_uploads(files):
    uploads = []
    for name, kind, lines in files:
        if kind == "pdf":
            uploads.append(SimpleUploadedFile(name, pdf_bytes(lines), "application/pdf"))
        else:
            uploads.append(SimpleUploadedFile(name, png_bytes(), "image/png"))
    return uploads


class DemoFunds:
    """Loads the demo funds; `write` receives each line of progress and the summary."""

    def __init__(self, write=print):
        self.write = write

    def load(self, *, quiet=False, force=False):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load demo funds under production settings; pass --force to seed a "
                "staging site on purpose."
            )
        users = get_user_model().objects
        self.manager = users.filter(username=MANAGER).first()
        if self.manager is None or not Distributor.objects.filter(code=PARTNER_DISTRIBUTOR):
            raise ValidationFailed("The demo channel is missing: run `manage.py demo_data` first.")
        self.quiet = quiet
        self.started = time.monotonic()
        if Fund.objects.filter(name__startswith=BUDGET_NAME).exists():
            self.write("The demo funds are loaded already; nothing to do.")
            return None
        self.today = timezone.localdate()
        self.stories = stories()
        self.distributors = {
            d.code: d for d in Distributor.objects.select_related("account_manager", "tier")
        }
        self.partners = {
            code: users.filter(
                username="partner" if code == PARTNER_DISTRIBUTOR else f"partner-{code}"
            ).first()
            for code in self.distributors
        }
        with transaction.atomic(), in_app_only():
            self.budget = self.load_budget()
            self.accrual = self.load_accrual()
            for story in self.stories:
                self.tell(story)
            self.step(f"{len(self.stories)} activities told")
            done = services.funds_daily()
            self.step(f"daily job: {done['expired']} expired, {done['reminded']} reminded")
        summary = self.summary()
        if not quiet:
            for label, counts in (("requests", "requests"), ("claims", "claims")):
                self.write(f"  {label}:")
                for status, count in summary[counts].items():
                    self.write(f"    {status:<12} {count}")
        self.write(
            f"Demo funds: {summary['funds']} funds, {summary['allocations']} allocations, "
            f"{sum(summary['requests'].values())} requests, {sum(summary['claims'].values())} "
            f"claims in {time.monotonic() - self.started:.1f}s."
        )
        return summary

    def step(self, message):
        if not self.quiet:
            self.write(f"[{time.monotonic() - self.started:5.1f}s] {message}")

    def summary(self):
        requests = Counter(FundRequest.objects.values_list("status", flat=True))
        claims = Counter(Claim.objects.values_list("status", flat=True))
        return {
            "funds": Fund.objects.count(),
            "allocations": Allocation.objects.count(),
            "requests": {s: requests[s] for s in FundRequest.Status.values},
            "claims": {s: claims[s] for s in Claim.Status.values},
        }

    # --- dates

    def day(self, offset):
        return self.today + offset * DAY

    def moment(self, offset, act):
        """`act`'s time on the day `offset` days from today (always before now: offset < 0)."""
        hour, minute = HOURS[act]
        naive = datetime.datetime.combine(self.day(offset), datetime.time(hour, minute))
        return timezone.make_aware(naive)

    def activity(self, story):
        """(start, end) of a story's activity: the coming ones kept within the fund's year."""
        start = self.day(story.start)
        end = start + (story.days - 1) * DAY
        year_end = datetime.date(self.today.year, 12, 31)
        if story.start > 0 and end > year_end:
            end = year_end
            start = max(self.today, end - (story.days - 1) * DAY)
        return start, end

    # --- funds

    def load_budget(self):
        year = self.today.year
        # Early in the year the past stories reach back into the last one: the fund's period
        # starts early enough to hold them.
        first = min(self.activity(story)[0] for story in self.stories)
        start = min(datetime.date(year, 1, 1), first.replace(day=1))
        years = f"{start.year}" if start.year == year else f"{start.year}–{year}"
        earliest = min(act.day for story in self.stories for act in story.acts)
        created = min(self.day(earliest - 14), start - 15 * DAY)
        with dated(self.moment((created - self.today).days, "fund")):
            fund = services.fund_create(
                by=self.manager,
                name=f"{BUDGET_NAME} {years}",
                name_fr=f"Coop EMEA {years}",
                kind=Fund.Kind.BUDGET,
                period_start=start,
                period_end=datetime.date(year, 12, 31),
                expires_on=datetime.date(year + 1, 3, 31),
                cost_share_percent=COST_SHARE,
                regions=Region.objects.filter(name__in=EMEA),
            )
            eligible = list(fund.eligible_distributors().select_related("tier").order_by("code"))
            for distributor in eligible:
                services.allocation_set(
                    fund=fund,
                    distributor=distributor,
                    amount=BUDGET_BY_TIER.get(distributor.tier.code, BUDGET_BY_TIER["bronze"]),
                    by=self.manager,
                )
        self.step(f"{fund.name}: {len(eligible)} allocations by tier")
        return fund

    def load_accrual(self):
        last = self.today.year - 1
        accrued = min(datetime.date(self.today.year, 1, 15), self.day(-1))
        with dated(self.moment((accrued - self.today).days, "fund")):
            fund = services.fund_create(
                by=self.manager,
                name=f"Co-op accrual {last} (3 % of revenue)",
                name_fr=f"Coop cumulée {last} (3 % du chiffre d'affaires)",
                kind=Fund.Kind.ACCRUAL,
                period_start=datetime.date(last, 1, 1),
                period_end=datetime.date(last, 12, 31),
                expires_on=datetime.date(last + 1, 12, 31),
                accrual_percent=ACCRUAL_PERCENT,
                cost_share_percent=COST_SHARE,
                tiers=Tier.objects.filter(code__in=ACCRUAL_TIERS),
            )
            count = services.fund_accrue(fund=fund, by=self.manager)
        self.step(f"{fund.name}: {count} allocations accrued from {last}'s revenue")
        return fund

    # --- one story

    def tell(self, story):
        distributor = self.distributors[story.code]
        partner = self.partners[story.code]
        manager = distributor.account_manager or self.manager
        start, end = self.activity(story)
        request = claim = None
        for act in story.acts:
            with dated(self.moment(act.day, act.name)):
                if act.name == "submit":
                    request = self.submit(story, partner, start, end)
                elif act.name == "approve":
                    request = services.request_approve(
                        request=request, by=manager, amount=act.amount, reason=act.reason
                    )
                elif act.name == "reject":
                    request = services.request_reject(
                        request=request, by=manager, reason=act.reason
                    )
                elif act.name == "cancel":
                    request = services.request_cancel(request=request, by=partner)
                elif act.name == "claim":
                    claim = services.claim_submit(
                        by=partner,
                        request=request,
                        actual_cost=act.cost,
                        files=proof_uploads(act.files),
                        results_leads=act.leads,
                        results_revenue=Decimal(act.revenue),
                    )
                elif act.name == "approve_claim":
                    claim = services.claim_approve(
                        claim=claim, by=manager, amount=act.amount, reason=act.reason
                    )
                elif act.name == "reject_claim":
                    claim = services.claim_reject(claim=claim, by=manager, reason=act.reason)
                elif act.name == "pay":
                    claim = services.claim_pay(
                        claim=claim,
                        by=manager,
                        reference=act.reference,
                        paid_on=self.paid_on(distributor, act.day),
                    )
                else:  # pragma: no cover - a typo in the stories
                    raise ValueError(act.name)

    def submit(self, story, partner, start, end):
        fields = {
            "activity_type": story.kind,
            "title": story.title,
            "description": story.description,
            "start": start,
            "end": end,
        }
        if start >= self.today:
            return services.request_submit(
                by=partner,
                fund=self.budget,
                planned_cost=story.cost,
                expected_leads=story.leads,
                expected_revenue=story.revenue,
                **fields,
            )
        allocation = Allocation.objects.select_related("fund").get(
            fund=self.budget, distributor__code=story.code
        )
        return submit_started(
            by=partner,
            allocation=allocation,
            cost=story.cost,
            leads=story.leads,
            revenue=story.revenue,
            **fields,
        )

    def paid_on(self, distributor, offset):
        """The day paid: one without a market funds investment of demo_data's own (which a
        second `demo_data` would write over), so the payment keeps a row of its own."""
        day = self.day(offset)
        taken = Investment.objects.filter(
            distributor=distributor, kind=Investment.Kind.MARKET_FUNDS
        )
        while taken.filter(date=day).exists():
            day -= DAY
        return day
