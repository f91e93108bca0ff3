"""The demo leads behind `manage.py demo_leads`: two years of a channel, simulated, bulk-written.

The simulation plays every lead's life forward in time order (one heap of pending acts) with the
real routing rules (`leads.routing.Router`) over the demo distributors, and records what the
services would have written: one LeadEvent per move, a RoutingDecision per hand-over, rejections
with their exclusions, expiries re-routed or escalated, qualifications against the criteria
version current at the time, opportunities, wins and losses, deal registrations. Then everything
is written with bulk_create, in short transactions under a staging reference (STAGING), and
published at once with the rollups recounted from the events: a load that stops halfway shows
nothing of itself as the demo's, and the next run clears what it staged.

The stories it tells (who is who):
- FAST, bavaria-fluid, answers within an hour or two and qualifies and wins more than its peers;
- SLOW, schwarzwald, sits on its leads: many pass their deadline, are taken back by the deadline
  job and handed to another distributor (or escalated where there is none);
- WRONG_TERRITORY, polder, sells in the Netherlands only, but its record wrongly names two German
  territories (distributors.demo), so routing offers it German leads that it rejects as
  "not_in_territory";
- the "LinkedIn giveaway" campaign brought mostly junk, rejected as "no_need" or "spam";
- Austria, Poland and Brazil have one active distributor each: their expired leads escalate.

Every demo lead's external reference starts with PREFIX: that is how a second run finds them.
"""

import datetime
import heapq
import itertools
import math
import random
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Max, Min, OuterRef, Subquery
from django.db.models.functions import Substr
from django.utils import timezone

from distributors.demo import COUNTRIES, EUR_PER_UNIT, MANAGERS, PRODUCT_LINES
from distributors.models import Distributor, ProductLine
from drm.errors import ValidationFailed
from identity.models import Membership

from . import rollups
from .models import (
    CriteriaAcknowledgement,
    CriteriaVersion,
    Criterion,
    DealRegistration,
    Lead,
    LeadEvent,
    LeadExclusion,
    LeadQualification,
    LeadRejection,
    LeadSource,
    LostReason,
    Material,
    MaterialFeedback,
    RoutingDecision,
)
from .routing import Context, Router, candidates_load
from .services import PARTNER_SOURCE, partner_source

SEED = 20240603
LEADS = 20_000
DAYS = 730
PREFIX = "demo-"
# A lead being written carries STAGING before its reference, until the load publishes it.
STAGING = "staging-"
# Rows per transaction when the leads are written.
CHUNK = 2000

FAST = "bavaria-fluid"
SLOW = "schwarzwald"
WRONG_TERRITORY = "polder"
# The country the wrong-territory distributor really serves.
WRONG_TERRITORY_HOME = "NL"

UTC = datetime.UTC
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
# The deadline job's beat (settings: LEAD_DEADLINE_CHECK_MINUTES).
JOB_MINUTES = 5
# The deadline job has not run for the last hours of the demo (no beat under `make run`), so a
# few leads are overdue when the portal opens.
JOB_QUIET = datetime.timedelta(hours=30)
# A lead that bounced this many times is closed by the manager.
MAX_HANDOVERS = 5
# Deal registrations: approved, declined, waiting for a decision (the most recent ones).
REGISTRATIONS = (15, 7, 8)
CENT = Decimal("0.01")

# Hours from UTC of a country's working day (no daylight saving: a demo).
OFFSETS = {
    "AT": 1, "CH": 1, "DE": 1, "PL": 1, "FR": 1, "NL": 1, "ES": 1, "IT": 1, "SE": 1,
    "GB": 0, "US": -6, "CA": -5, "BR": -3, "AU": 10, "JP": 9,
}  # fmt: skip
# Where leads come from (weights), and for trade-fair leads.
COUNTRY_WEIGHTS = {
    "DE": 15, "US": 18, "FR": 7, "GB": 7, "IT": 7, "ES": 5, "NL": 4, "CH": 3, "AT": 3,
    "SE": 3, "PL": 3, "CA": 4, "BR": 3, "AU": 4, "JP": 6,
}  # fmt: skip
FAIR_COUNTRY_WEIGHTS = {
    "DE": 30, "AT": 5, "CH": 5, "NL": 6, "FR": 8, "IT": 8, "PL": 6, "SE": 4, "GB": 6,
    "ES": 5, "US": 8, "JP": 4, "CA": 2, "BR": 1, "AU": 2,
}  # fmt: skip
# Leads a month, relative: spring and autumn are busy, August and Christmas quiet.
SEASON = {1: 0.95, 2: 1.0, 3: 1.1, 4: 1.15, 5: 1.1, 6: 1.0, 7: 0.85, 8: 0.62, 9: 1.1, 10: 1.15,
          11: 1.1, 12: 0.72}  # fmt: skip
WEEKDAY = (1.0, 1.05, 1.0, 0.95, 0.85, 0.25, 0.2)
# When web leads arrive (local hour).
HOURS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 13, 10, 12, 13, 12, 10, 8, 6, 5, 4, 3, 2, 1)
# Product lines leads ask about most (by code).
LINE_POPULARITY = {
    "pumps": 16, "valves": 12, "drives": 10, "motors": 10, "flow-meters": 9, "controllers": 7,
    "level-sensors": 7, "pressure-sensors": 7, "dosing-pumps": 6, "filtration": 6,
    "actuators": 5, "spare-parts": 5,
}  # fmt: skip
# Typical quantity a lead asks for, by product line (the value is quantity × unit price).
TYPICAL_UNITS = {"spare-parts": 80, "pressure-sensors": 40, "level-sensors": 30, "valves": 25}


# --- the lead sources ------------------------------------------------------------------------


@dataclass
class SourcePlan:
    code: str
    name: str
    kind: str
    share: float
    # how its leads arrive: "form" (new, qualified by a manager), "api" (MQL from the marketing
    # tool), "desk" (MQL, assigned by hand), "import" (files, routed on import or by a manager)
    arrival: str
    quality: float  # multiplies the chances to qualify, convert and win
    junk: float  # share of leads that are no lead at all
    junk_reasons: tuple = (("no_need", 5), ("bad_contact", 3), ("spam", 2))
    lines: tuple = ()  # ((product line code, weight), ...); empty: any, by popularity
    valued: float = 0.6  # share with an estimated value
    score: tuple = (45, 85)
    fair_countries: bool = False
    route_on_import: bool = True
    batches: tuple = ()  # [(import time, weight, topic line)]
    id: int | None = None  # the stored LeadSource


# What French readers see of the demo's lead sources (by code; the fairs by their prefix).
SOURCES_FR = {
    "website": "Formulaire de contact du site web",
    "google-ads-pumps": "Google Ads – pompes",
    "sales-desk": "Appels entrants – service commercial",
    "newsletter-utilities": "Lettre d'information – eau et services publics",
    "linkedin-giveaway": "Jeu-concours LinkedIn – kit de démarrage capteurs",
    "partner-webinar": "Webinaire partenaires",
}


def source_name_fr(source):
    if source.code.startswith("hannover-messe-"):
        return source.name.replace("Hannover Messe", "Salon de Hanovre")
    return SOURCES_FR.get(source.code, "")


def _monday_on_or_after(day):
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def _at(day, hour, offset=1, minute=0):
    """The UTC moment of `hour`:`minute` local time on `day` in a country `offset` hours east."""
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - (
        offset * HOUR
    )


def sources_plan(now):
    """The demo's lead sources, with their import batches dated relative to `now`."""
    start = now - DAYS * DAY
    sources = [
        SourcePlan("website", "Website contact form", "channel", 0.24, "form", 1.0, 0.06,
                   valued=0.65, score=(50, 85)),
        SourcePlan("google-ads-pumps", "Google Ads – pumps", "campaign", 0.22, "api", 0.85, 0.16,
                   junk_reasons=(("no_need", 5), ("bad_contact", 3), ("duplicate", 2)),
                   lines=(("pumps", 8), ("dosing-pumps", 1)), valued=0.4, score=(40, 75)),
        SourcePlan("sales-desk", "Inbound calls – sales desk", "channel", 0.09, "desk", 1.2,
                   0.03, lines=(("spare-parts", 3), ("pumps", 2), ("valves", 2), ("motors", 1)),
                   valued=0.8, score=(65, 92)),
        SourcePlan("newsletter-utilities", "Newsletter – water & utilities", "campaign", 0.15,
                   "import", 0.95, 0.1, junk_reasons=(("no_need", 7), ("bad_contact", 3)),
                   lines=(("level-sensors", 3), ("flow-meters", 3), ("pressure-sensors", 2),
                          ("valves", 2), ("pumps", 2)), valued=0.45, score=(45, 75)),
        SourcePlan("linkedin-giveaway", "LinkedIn giveaway – sensor starter kit", "campaign",
                   0.06, "import", 0.5, 0.82,
                   junk_reasons=(("no_need", 55), ("spam", 35), ("bad_contact", 10)),
                   lines=(("level-sensors", 3), ("pressure-sensors", 3)), valued=0.1,
                   score=(10, 45), route_on_import=False),
    ]  # fmt: skip
    newsletter, giveaway = sources[3], sources[4]
    # The newsletter goes out on the second Tuesday of the month; its leads come two days later.
    month = datetime.date(start.year, start.month, 1)
    batches = []
    while True:
        second_tuesday = _monday_on_or_after(month) + datetime.timedelta(days=8)
        when = _at(second_tuesday + datetime.timedelta(days=2), 10, minute=20)
        if when >= now:
            break
        if when > start:
            batches.append((when, 1.0, None))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    newsletter.batches = tuple(batches)
    # The giveaway ran for three months about a year ago, imported every Monday.
    first = _monday_on_or_after((now - 400 * DAY).date())
    giveaway.batches = tuple(
        (_at(first + datetime.timedelta(weeks=week), 11, minute=5), 1.0, None) for week in range(13)
    )
    # Hannover Messe, in April: the stand's leads are imported in three batches after the fair.
    fairs = []
    for year in range(start.year, now.year + 1):
        friday = _monday_on_or_after(datetime.date(year, 4, 15)) + datetime.timedelta(days=4)
        batches = [
            (_at(friday + datetime.timedelta(days=days), 9, minute=40), weight, None)
            for days, weight in ((4, 0.5), (11, 0.3), (18, 0.2))
        ]
        batches = [batch for batch in batches if start < batch[0] < now - HOUR]
        if batches:
            fairs.append((year, tuple(batches)))
    for year, batches in fairs:
        sources.append(
            SourcePlan(f"hannover-messe-{year}", f"Hannover Messe {year}", "campaign",
                       0.14 / len(fairs), "import", 1.3, 0.03,
                       lines=(("drives", 3), ("motors", 3), ("controllers", 2), ("pumps", 2),
                              ("valves", 1), ("actuators", 1)),
                       valued=0.85, score=(70, 96), fair_countries=True, batches=batches)
        )  # fmt: skip
    # A partner webinar every six weeks; the last one ("ask the experts", every product line) had
    # its leads imported 40 minutes ago, so partners find fresh leads waiting.
    topics = (None, "pumps", "drives", "flow-meters", "filtration", "controllers", "dosing-pumps")
    last = now - datetime.timedelta(minutes=40)
    webinar_batches = []
    for number in range(40):
        when = last - number * 42 * DAY
        if when <= start:
            break
        webinar_batches.append((when, 1.0, topics[number % len(topics)]))
    sources.append(
        SourcePlan("partner-webinar", "Partner webinar", "campaign", 0.10, "import", 1.15, 0.05,
                   valued=0.6, score=(60, 90), batches=tuple(reversed(webinar_batches)))
    )  # fmt: skip
    return sources


# --- the people behind the companies -----------------------------------------------------------


@dataclass
class CountryNames:
    first: tuple
    last: tuple
    cities: tuple
    companies: tuple  # patterns with {last} and {city}
    tld: str
    phone: str
    postcode: str  # pattern: 9 a digit, A a letter


NAMES = {
    "DE": CountryNames(
        ("Anna", "Jonas", "Katrin", "Michael", "Sabine", "Thomas", "Julia", "Stefan", "Andrea",
         "Markus"),
        ("Müller", "Schmidt", "Weber", "Hoffmann", "Becker", "Wagner", "Krüger", "Hartmann",
         "Lehmann", "Vogel", "Schäfer", "Keller"),
        ("Augsburg", "Bremen", "Dortmund", "Hannover", "Leipzig", "Münster", "Nürnberg",
         "Stuttgart", "Ulm", "Kassel", "Duisburg", "Regensburg", "Hamburg", "Köln"),
        ("{last} Verfahrenstechnik GmbH", "{last} Anlagenbau GmbH", "Stadtwerke {city}",
         "Brauerei {last}", "{last} Lebensmitteltechnik GmbH & Co. KG", "{last} Maschinenbau GmbH",
         "{last} & {last2} Anlagenbau GmbH",
         "{last} + {last2} Antriebstechnik GmbH",
         "Klärwerk {city}", "{last} Kunststofftechnik GmbH", "{city}er Chemie AG",
         "{last} Papierfabrik GmbH"),
        "de", "+49", "99999",
    ),
    "AT": CountryNames(
        ("Lukas", "Lena", "Florian", "Sarah", "Johanna", "Martin", "Elisabeth", "Georg"),
        ("Gruber", "Huber", "Bauer", "Pichler", "Steiner", "Moser", "Mayer", "Hofer"),
        ("Linz", "Graz", "Salzburg", "Innsbruck", "Wien", "Klagenfurt", "Wels"),
        ("{last} Anlagentechnik GmbH", "{last} & {last2} GmbH", "Stadtwerke {city}",
         "{last} Holzindustrie GmbH",
         "Brauerei {last}", "{last} Metallbau GmbH", "Molkerei {city}"),
        "at", "+43", "9999",
    ),
    "CH": CountryNames(
        ("Luca", "Laura", "Nicolas", "Sandra", "Reto", "Martina", "Céline", "Urs"),
        ("Meier", "Keller", "Brunner", "Baumann", "Frei", "Favre", "Rochat", "Widmer"),
        ("Basel", "Zürich", "Bern", "Luzern", "Winterthur", "Lausanne", "Fribourg", "Sion"),
        ("{last} Verfahrenstechnik AG", "{last} + {last2} AG", "{last} Pharma AG",
         "{last} Lebensmittel AG",
         "Services industriels de {city}", "{last} Chemie AG", "{last} Horlogerie SA"),
        "ch", "+41", "9999",
    ),
    "FR": CountryNames(
        ("Camille", "Julien", "Sophie", "Nicolas", "Claire", "Thomas", "Émilie", "Pierre",
         "Isabelle", "Antoine"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Fournier",
         "Roux", "Garnier"),
        ("Lyon", "Nantes", "Rennes", "Lille", "Toulouse", "Bordeaux", "Rouen", "Grenoble",
         "Marseille", "Reims", "Angers"),
        ("{last} Industrie SAS", "{last} et {last2} SA", "Laiterie {last}",
         "Régie des eaux de {city}",
         "{last} Agroalimentaire SA", "Papeterie de {city}", "{last} Chimie SAS",
         "Brasserie {last}", "{last} Process SARL"),
        "fr", "+33", "99999",
    ),
    "GB": CountryNames(
        ("Oliver", "Emma", "James", "Sophie", "Harry", "Charlotte", "George", "Amelia",
         "Fiona", "Callum"),
        ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomson", "Robertson",
         "Walker", "Campbell"),
        ("Leeds", "Bristol", "Glasgow", "Aberdeen", "Sheffield", "Manchester", "Birmingham",
         "Dundee", "Cardiff", "Norwich"),
        ("{last} Process Engineering Ltd", "{last} & {last2} Ltd", "{city} Water Services",
         "{last} & Sons Brewery Ltd",
         "{last} Food Ingredients plc", "{city} Chemicals Ltd", "{last} Paper Mills Ltd",
         "{last} Distillers Ltd"),
        "co.uk", "+44", "AA9 9AA",
    ),
    "NL": CountryNames(
        ("Daan", "Sanne", "Bram", "Lotte", "Jeroen", "Femke", "Thijs", "Eva"),
        ("de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Mulder"),
        ("Rotterdam", "Eindhoven", "Utrecht", "Groningen", "Zwolle", "Breda", "Tilburg"),
        ("{last} Procestechniek B.V.", "{last} & {last2} B.V.", "Waterschap {city}",
         "Zuivelfabriek {city}",
         "{last} Food Processing B.V.", "{last} Tuinbouwtechniek B.V."),
        "nl", "+31", "9999 AA",
    ),
    "ES": CountryNames(
        ("Javier", "Lucía", "Carlos", "Marta", "Pablo", "Elena", "Sergio", "Nuria"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Navarro"),
        ("Madrid", "Valencia", "Zaragoza", "Alicante", "Castellón", "Murcia", "Toledo"),
        ("{last} Industrial S.L.", "{last} y {last2} S.A.", "Aguas de {city} S.A.",
         "Conservas {last} S.A.",
         "Química {city} S.L.", "Bodegas {last}", "Cerámicas {last} S.A."),
        "es", "+34", "99999",
    ),
    "IT": CountryNames(
        ("Marco", "Giulia", "Luca", "Francesca", "Andrea", "Chiara", "Matteo", "Elena"),
        ("Rossi", "Bianchi", "Colombo", "Ferrari", "Esposito", "Romano", "Greco", "Conti",
         "Ricci", "Marino"),
        ("Milano", "Bergamo", "Brescia", "Torino", "Bologna", "Napoli", "Bari", "Palermo",
         "Catania", "Verona"),
        ("{last} Impianti S.r.l.", "{last} & {last2} S.p.A.", "Caseificio {last}",
         "Acque di {city} S.p.A.",
         "{last} Meccanica S.r.l.", "Cartiera di {city}", "{last} Alimentari S.p.A.",
         "Chimica {city} S.r.l."),
        "it", "+39", "99999",
    ),
    "SE": CountryNames(
        ("Erik", "Anna", "Lars", "Karin", "Johan", "Maria", "Oskar", "Linnea"),
        ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Lindqvist"),
        ("Göteborg", "Malmö", "Umeå", "Luleå", "Sundsvall", "Västerås", "Jönköping"),
        ("{last} Processteknik AB", "{last} & {last2} AB", "{city} Energi AB", "{city} Vatten AB",
         "{last} Pappersbruk AB", "{last} Livsmedel AB"),
        "se", "+46", "999 99",
    ),
    "PL": CountryNames(
        ("Piotr", "Anna", "Tomasz", "Katarzyna", "Michał", "Agnieszka", "Paweł", "Magdalena"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński"),
        ("Gdańsk", "Kraków", "Katowice", "Poznań", "Wrocław", "Łódź", "Szczecin", "Rzeszów"),
        ("{last} Technika Sp. z o.o.", "{last} i {last2} S.A.", "Wodociągi {city}", "Browar {city}",
         "Zakłady Chemiczne {city} S.A.", "{last} Przemysł Sp. z o.o."),
        "pl", "+48", "99-999",
    ),
    "US": CountryNames(
        ("Michael", "Jennifer", "David", "Sarah", "Robert", "Emily", "Daniel", "Ashley",
         "Kevin", "Megan"),
        ("Johnson", "Williams", "Miller", "Davis", "Anderson", "Thompson", "Martinez", "Clark",
         "Lewis", "Walker"),
        ("Chicago", "Houston", "Detroit", "Phoenix", "Portland", "Boston", "Pittsburgh",
         "Milwaukee", "Dallas", "Seattle", "Denver", "Atlanta"),
        ("{last} Process Systems Inc.", "{last} & {last2} Inc.", "{city} Water Utility",
         "{last} Food Processing LLC",
         "{city} Chemical Co.", "{last} Brewing Company", "{last} Industrial Services LLC",
         "{city} Paper Corp."),
        "com", "+1", "99999",
    ),
    "CA": CountryNames(
        ("Liam", "Olivia", "Noah", "Emma", "Ethan", "Chloé", "Mathieu", "Hannah"),
        ("Tremblay", "Roy", "Gagnon", "MacDonald", "Campbell", "Wilson", "Côté", "Fraser"),
        ("Toronto", "Montréal", "Calgary", "Edmonton", "Hamilton", "Winnipeg", "Québec"),
        ("{last} Process Equipment Ltd", "{last} & {last2} Ltd", "{city} Water Works",
         "{last} Foods Inc.",
         "{city} Pulp & Paper Ltd", "{last} Mining Services Inc."),
        "ca", "+1", "A9A 9A9",
    ),
    "BR": CountryNames(
        ("João", "Maria", "Pedro", "Ana", "Lucas", "Juliana", "Rafael", "Camila"),
        ("Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Almeida", "Ferreira"),
        ("São Paulo", "Campinas", "Santos", "Belo Horizonte", "Curitiba", "Manaus", "Belém"),
        ("{last} Indústria Ltda", "{last} & {last2} S.A.", "Usina {last}", "Saneamento {city} S.A.",
         "{last} Alimentos Ltda", "Papel {city} S.A."),
        "com.br", "+55", "99999-999",
    ),
    "AU": CountryNames(
        ("Jack", "Chloe", "William", "Olivia", "Thomas", "Mia", "Lachlan", "Isla"),
        ("Smith", "Brown", "Wilson", "Taylor", "Kelly", "Ryan", "Nguyen", "Murphy"),
        ("Sydney", "Brisbane", "Perth", "Newcastle", "Darwin", "Townsville", "Melbourne"),
        ("{last} Process Solutions Pty Ltd", "{last} & {last2} Pty Ltd", "{city} Water Corporation",
         "{last} Mining Services Pty Ltd", "{last} Winery", "{city} Food Co. Pty Ltd"),
        "com.au", "+61", "9999",
    ),
    "JP": CountryNames(
        ("Hiroshi", "Yuki", "Takashi", "Yoko", "Kenji", "Akiko", "Daisuke", "Emi"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura"),
        ("Osaka", "Kobe", "Kyoto", "Sendai", "Yokohama", "Nagoya", "Chiba", "Morioka"),
        ("{last} Kogyo K.K.", "{last} {last2} Shoji K.K.", "{city} Water Works Bureau",
         "{last} Chemical Co., Ltd.",
         "{city} Food Industries Co., Ltd.", "{last} Seisakusho Co., Ltd."),
        "co.jp", "+81", "999-9999",
    ),
}  # fmt: skip
GENERIC_MAIL = ("gmail.com", "outlook.com", "yahoo.com", "hotmail.com")
LEGAL_WORDS = {
    "gmbh", "co", "kg", "ag", "sa", "sas", "sarl", "ltd", "plc", "bv", "sl", "spa", "srl",
    "ab", "sp", "z", "oo", "inc", "llc", "corp", "kk", "pty", "ltda", "company", "the", "de",
    "of", "and", "s", "a", "r", "l", "p", "b", "v", "k",
}  # fmt: skip


def _ascii(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text):
    words = "".join(c if c.isalnum() else " " for c in _ascii(text).lower()).split()
    return "-".join(word for word in words if word not in LEGAL_WORDS)[:24].strip("-")


def _postcode(rng, pattern):
    letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
    return "".join(
        str(rng.randint(1 if i == 0 else 0, 9))
        if c == "9"
        else rng.choice(letters)
        if c == "A"
        else c
        for i, c in enumerate(pattern)
    )


@dataclass
class Company:
    name: str
    country: str
    city: str
    domain: str
    postcode: str


# --- who the distributors are -------------------------------------------------------------------


@dataclass
class Profile:
    """How a distributor treats the leads it is handed."""

    answer_hours: float  # median time to accept or reject
    spread: float  # lognormal sigma of that time
    silence: float  # share of leads it never answers
    reject: float  # share of (genuine) leads it rejects
    dql: float  # accepted → DQL
    opportunity: float  # DQL → opportunity
    win: float  # opportunity → won
    pace: float  # multiplies how long each later stage takes
    weekends: bool = True  # answers on weekends too (the slow ones wait for Monday)


TIER_PROFILES = {
    "platinum": Profile(4, 0.8, 0.02, 0.10, 0.50, 0.55, 0.40, 1.0),
    "gold": Profile(7, 0.8, 0.03, 0.12, 0.45, 0.50, 0.37, 1.1),
    "silver": Profile(10, 0.8, 0.04, 0.14, 0.40, 0.48, 0.33, 1.2),
    "bronze": Profile(14, 0.9, 0.06, 0.15, 0.35, 0.45, 0.30, 1.3),
}
STORY_PROFILES = {
    FAST: Profile(1.5, 0.8, 0.01, 0.07, 0.68, 0.66, 0.52, 0.7, weekends=True),
    "great-lakes": Profile(3, 0.9, 0.02, 0.08, 0.60, 0.60, 0.47, 0.8, weekends=True),
    "adriatica": Profile(4, 0.9, 0.03, 0.10, 0.56, 0.56, 0.43, 0.9),
    SLOW: Profile(40, 1.1, 0.30, 0.12, 0.30, 0.40, 0.24, 1.6, weekends=False),
    "gulf-coast": Profile(26, 1.0, 0.18, 0.12, 0.36, 0.45, 0.30, 1.4, weekends=False),
    "sicilia": Profile(30, 1.0, 0.25, 0.15, 0.30, 0.40, 0.25, 1.5, weekends=False),
    "wisla": Profile(24, 1.0, 0.12, 0.14, 0.38, 0.45, 0.30, 1.3, weekends=False),
    "alpen-technik": Profile(12, 0.8, 0.04, 0.12, 0.42, 0.48, 0.33, 1.2),
    WRONG_TERRITORY: Profile(20, 0.9, 0.08, 0.15, 0.33, 0.42, 0.28, 1.4),
}


def distributor_profile(code, tier, status, seed):
    if code in STORY_PROFILES:
        return STORY_PROFILES[code]
    rng = random.Random(f"{seed}:profile:{code}")
    base = TIER_PROFILES.get(tier, TIER_PROFILES["bronze"])
    slow = 1.8 if status == Distributor.Status.PROBATION else 1.0
    return Profile(
        answer_hours=base.answer_hours * slow * rng.uniform(0.7, 1.4),
        spread=base.spread,
        silence=min(0.5, base.silence * slow * rng.uniform(0.6, 1.5)),
        reject=base.reject * rng.uniform(0.7, 1.3),
        dql=base.dql * rng.uniform(0.85, 1.15) / (1.2 if slow > 1 else 1.0),
        opportunity=base.opportunity * rng.uniform(0.85, 1.15),
        win=base.win * rng.uniform(0.85, 1.15),
        pace=base.pace * rng.uniform(0.85, 1.2),
        weekends=status != Distributor.Status.PROBATION,
    )


# --- what people write ----------------------------------------------------------------------

# A distributor's own reasons to reject a genuine lead (weights).
REJECT_REASONS = (
    ("no_budget", 28), ("already_customer", 16), ("no_need", 14), ("duplicate", 10),
    ("competitor", 6), ("bad_contact", 8), ("not_in_territory", 6), ("other", 12),
)  # fmt: skip
# Rating of the lead's quality (1–5) given with each reason.
REJECT_RATINGS = {
    "spam": (1, 1), "bad_contact": (1, 2), "no_need": (1, 3), "competitor": (1, 2),
    "no_budget": (2, 4), "duplicate": (2, 3), "already_customer": (3, 4),
    "not_in_territory": (3, 5), "other": (2, 4),
}  # fmt: skip
REJECT_TEXTS = {
    "not_in_territory": (
        ("Customer site is outside our territory.", "Not our area – please route to the "
         "colleagues who cover {city}.", "Postcode {postcode} is far outside the area we cover."),
        ("Le site du client est hors de notre secteur.", "{city} n'est pas dans notre zone."),
    ),
    "no_budget": (
        ("Spoke to the buyer: no budget before next year.", "Project on hold, budget frozen.",
         "Only collecting prices for next year's budget."),
        ("Pas de budget avant l'an prochain.", "Projet gelé, budget non validé."),
    ),
    "no_need": (
        ("They only wanted the free kit.", "No project behind it – a student's thesis.",
         "Already solved it internally.", "Wanted a brochure, no purchase planned."),
        ("Aucun projet derrière la demande.", "Voulait seulement la documentation."),
    ),
    "spam": (("Fake contact details, looks like a bot entry.", "Nonsense entry."),
             ("Coordonnées fantaisistes.",)),
    "bad_contact": (
        ("Phone number does not exist and the e-mail bounced.", "Nobody by that name there."),
        ("Numéro inexistant, e-mail en erreur.",),
    ),
    "duplicate": (("Already in our CRM, we are quoting them.", "Same request came in last week."),
                  ("Déjà en cours chez nous.",)),
    "already_customer": (
        ("Existing customer, handled by their key account.", "They buy from us already."),
        ("Client existant, suivi par notre commercial.",),
    ),
    "competitor": (("This is a competitor fishing for prices.",),
                   ("C'est un concurrent qui cherche nos prix.",)),
    "other": (
        ("Customer insists on buying direct from the manufacturer.",
         "Export project, delivery outside our country.",
         "Contractor will buy through their own framework agreement."),
        ("Le client veut acheter en direct chez le fabricant.",
         "Projet export, livraison hors de France."),
    ),
}  # fmt: skip
LOSS_REASONS = {
    "accepted": (("not_qualified", 50), ("no_decision", 20), ("timing", 20), ("competitor", 10)),
    "dql": (("price", 25), ("no_decision", 25), ("timing", 20), ("competitor", 20),
            ("product_fit", 10)),
    "opportunity": (("price", 35), ("competitor", 35), ("no_decision", 15), ("timing", 10),
                    ("product_fit", 5)),
}  # fmt: skip
LOSS_NOTES = {
    "price": ("Competitor was 15 % cheaper.", "Budget cut, went for the cheapest offer."),
    "competitor": ("Went with the incumbent supplier.", "Lost to a local competitor."),
    "no_decision": ("Customer stopped answering.", "Decision postponed indefinitely."),
    "timing": ("Project moved to next year.", "Plant shutdown postponed."),
    "not_qualified": ("No real project behind the request.", "Too small for a visit."),
    "product_fit": ("Needed ATEX certification we cannot offer.", "Flow range too large."),
}
POOL_LOSS_NOTES = (
    "Junk: closed after the distributor's feedback.",
    "No distributor can serve it.",
    "Nobody took it after several hand-overs.",
)
DECLINE_NOTES = (
    "Already an open lead with another distributor.",
    "Key account served directly by the manufacturer.",
    "Registered after our own lead was handed over.",
    "Outside your territory.",
)
APPROVAL_NOTE = "Approved: new project, no overlap."
# What French-speaking distributors write, and what their manager writes to them (same order).
LOSS_NOTES_FR = {
    "price": ("Concurrent moins cher de 15 %.", "Budget réduit, offre la moins chère retenue."),
    "competitor": ("Le fournisseur en place a été retenu.", "Perdu face à un concurrent local."),
    "no_decision": ("Le client ne répond plus.", "Décision reportée sine die."),
    "timing": ("Projet reporté à l'an prochain.", "Arrêt d'usine reporté."),
    "not_qualified": ("Pas de vrai projet derrière la demande.", "Trop petit pour une visite."),
    "product_fit": (
        "Certification ATEX demandée, que nous ne pouvons pas fournir.",
        "Plage de débit trop grande.",
    ),
}
DECLINE_NOTES_FR = (
    "Il existe déjà un lead ouvert chez un autre distributeur.",
    "Compte clé servi directement par le fabricant.",
    "Enregistré après la remise de notre propre lead.",
    "En dehors de votre territoire.",
)
APPROVAL_NOTE_FR = "Approuvé : nouveau projet, sans recouvrement."

# --- criteria and materials ---------------------------------------------------------------

CRITERIA_V1 = (
    ("budget", "Budget confirmed", "Budget confirmé", True),
    ("need", "Need confirmed by the customer", "Besoin confirmé par le client", True),
    ("timeline", "Purchase planned within 6 months", "Achat prévu sous 6 mois", True),
    ("decision-maker", "Decision maker identified", "Décideur identifié", True),
    ("installed-base", "Already uses our products", "Utilise déjà nos produits", False),
)
CRITERIA_V2_ADDS = (
    "application-data",
    "Application data confirmed (medium, flow, pressure)",
    "Données d'application confirmées (fluide, débit, pression)",
    True,
)

MEDIA = "https://media.drm-demo.example/"
# title, kind, product line, stage, description, {stage: mean rating}
MATERIALS = (
    ("Centrifugal pump selection guide", "material", "pumps", "accepted",
     "Sizing tables and a step-by-step selection of the right pump for a duty point.",
     {"accepted": 4.6, "dql": 4.2}),
    ("Pump efficiency ROI calculator", "material", "pumps", "dql",
     "Spreadsheet that turns a customer's running hours into savings and payback.",
     {"dql": 4.5, "opportunity": 3.1}),
    ("Company brochure 2025", "material", None, "any",
     "Sixteen pages on the company, its plants and its product range.",
     {"any": 2.6, "assigned": 3.2, "opportunity": 1.8}),
    ("Dosing pump product sheet", "product", "dosing-pumps", "assigned",
     "Two-page datasheet of the dosing pump range.", {"assigned": 3.7}),
    ("Brewery energy case study – variable speed drives", "material", "drives", "opportunity",
     "How a brewery cut its pumping energy by 38 % with our drives.",
     {"opportunity": 4.7, "dql": 4.0}),
    ("Flow meter application checklist", "material", "flow-meters", "accepted",
     "The questions to ask before offering a flow meter.", {"accepted": 3.9}),
    ("Smart level sensor launch offer", "promotion", "level-sensors", "opportunity",
     "Launch price and a free commissioning visit for the first 200 units.",
     {"opportunity": 3.4}),
    ("Valve spring promotion – 10 % off", "promotion", "valves", "opportunity",
     "Ten percent off industrial valves ordered before the end of the quarter.",
     {"opportunity": 2.4}),
    ("Filtration systems technical catalogue", "product", "filtration", "dql",
     "Full catalogue with dimensions, materials and spare parts.", {"dql": 3.5}),
    ("Motor replacement programme", "promotion", "motors", "dql",
     "Trade-in bonus for replacing IE1/IE2 motors with IE4.", {"dql": 4.1, "opportunity": 4.4}),
    ("Pressure sensor datasheet pack", "product", "pressure-sensors", "assigned",
     "Datasheets, certificates and 3D models of the pressure sensors.", {"assigned": 3.0}),
    ("Qualification call script", "material", None, "accepted",
     "A ten-minute call script that walks through the DQL checklist.",
     {"accepted": 4.4, "assigned": 3.6}),
    ("Trade-in bonus 2024 (ended)", "promotion", "pumps", "opportunity",
     "Last year's pump trade-in campaign.", {"opportunity": 2.9}),
)  # fmt: skip
# The items published in French too, for French-speaking partners (who alone rate them).
FRENCH_MATERIALS = (
    ("Guide de sélection des pompes centrifuges", "material", "pumps", "accepted",
     "Tableaux de dimensionnement et choix pas à pas de la pompe adaptée à un point de "
     "fonctionnement.", {"accepted": 4.7, "dql": 4.3}),
    ("Brochure de l'entreprise 2025", "material", None, "any",
     "Seize pages sur l'entreprise, ses usines et sa gamme de produits.",
     {"any": 3.4, "assigned": 3.6}),
    ("Script d'appel de qualification", "material", None, "accepted",
     "Un script d'appel de dix minutes qui parcourt la liste de contrôle DQL.",
     {"accepted": 4.5}),
    ("Programme de remplacement des moteurs", "promotion", "motors", "dql",
     "Prime de reprise pour le remplacement des moteurs IE1/IE2 par des moteurs IE4.",
     {"dql": 4.2, "opportunity": 4.4}),
)  # fmt: skip
FRENCH_TITLES = {title for title, *_ in FRENCH_MATERIALS}
MATERIALS = MATERIALS + FRENCH_MATERIALS
# (English, French) comments by how the item was rated.
MATERIAL_COMMENTS = {
    "good": (("Exactly what the customer needed.", "Used it in every visit this month.",
              "Helped us close the deal.", "Clear and convincing."),
             ("Très utile en rendez-vous client.", "Exactement ce qu'il fallait au client.")),
    "mixed": (("Useful, but too long.", "Good content, needs a version in our language.",
               "OK for a first contact."),
              ("Utile, mais trop long.", "Correct pour un premier contact.")),
    "bad": (("Outdated prices.", "Too generic, customers do not read it.",
             "Not helpful at this stage."),
            ("Trop générique.", "Prix périmés.")),
}  # fmt: skip


# --- the simulation ----------------------------------------------------------------------------


class LeadSim:
    """One lead's state as the simulation moves it; `pk` is the routing context's key."""

    __slots__ = (
        "pk", "source", "ref", "company", "contact_name", "contact_email", "contact_phone",
        "country", "region", "postcode", "product_line_id", "estimated_value", "currency",
        "mql_score", "junk", "quality", "status", "distributor", "owner", "assigned_at",
        "accept_deadline", "escalated_at", "opportunity_value", "expected_close", "won_value",
        "lost_reason", "closed_at", "handovers", "arrival", "registration",
    )  # fmt: skip

    def __init__(self, pk):
        self.pk = pk
        self.region = ""
        self.status = ""
        self.distributor = self.owner = self.assigned_at = self.accept_deadline = None
        self.escalated_at = self.opportunity_value = self.expected_close = None
        self.won_value = self.closed_at = None
        self.lost_reason = ""
        self.handovers = 0
        self.registration = None


@dataclass
class Actor:
    user_id: int
    offset: int
    index: int


@dataclass
class Dist:
    id: int
    code: str
    name: str
    country: str
    currency: str
    tier: str
    accept_hours: int
    language: str
    partner: int | None
    manager: Actor
    profile: Profile
    contract_start: datetime.date | None


class Simulation:
    """Plays the channel forward from `now - DAYS` to `now`; the results are plain rows."""

    def __init__(self, *, world, leads, seed, now):
        self.world = world
        self.rng = random.Random(seed)
        self.seed = seed
        self.now = now
        self.start = now - DAYS * DAY
        self.job_last_run = now - JOB_QUIET
        self.count = leads
        self.heap = []
        self.sequence = itertools.count()
        self.leads = []
        self.events = []  # [at, lead, from, to, distributor, by, cause, reason, note, waited, late]
        self.decisions = []  # (lead, at, by, mode, distributor, explanation)
        self.rejections = []  # (lead, distributor, rating, reason, contacted, text, by, at)
        self.exclusions = []  # (lead, distributor, cause, at)
        self.qualifications = []  # (lead, version, answers, by, at)
        self.registrations = []  # (lead, distributor, by, at, status, decided_by, at, note)
        self.router = Router(world.candidates, Context(excluded={}))
        self.companies = {}

    # --- time

    def office(self, moment, offset, *, start=8, end=18, weekends=False):
        """The first moment at or after `moment` within working hours, local time."""
        local = moment + offset * HOUR
        moved = False
        for _ in range(8):
            if not weekends and local.weekday() >= 5:
                local = (local + (7 - local.weekday()) * DAY).replace(
                    hour=start, minute=0, second=0, microsecond=0
                )
            elif local.hour < start:
                local = local.replace(hour=start, minute=0, second=0, microsecond=0)
            elif local.hour >= end:
                local = (local + DAY).replace(hour=start, minute=0, second=0, microsecond=0)
            else:
                break
            moved = True
        if moved:
            local += datetime.timedelta(minutes=self.rng.uniform(0, 150))
        return local - offset * HOUR

    def session(self, moment, manager):
        """The manager's next routing session (9:00 and 14:00 local, weekdays): every lead
        routed in one session shares its moment, as a bulk action would."""
        local = moment + manager.offset * HOUR
        day = local.date()
        for _ in range(10):
            if day.weekday() < 5:
                for slot, hour in enumerate((9, 14)):
                    minute = (day.toordinal() * 7 + slot * 17 + manager.index * 11) % 40
                    at = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                    if at >= local:
                        return at - manager.offset * HOUR
            day += DAY
        return moment  # unreachable: a weekday comes within ten days

    @staticmethod
    def tick(deadline):
        """When the deadline job (every JOB_MINUTES) first sees the lead overdue."""
        step = JOB_MINUTES * 60
        seconds = (math.floor(deadline.timestamp() / step) + 1) * step
        return datetime.datetime.fromtimestamp(seconds + 7, tz=UTC)

    def push(self, at, lead, action, data=None):
        heapq.heappush(self.heap, (at, next(self.sequence), lead.pk, action, data))

    def days(self, median, spread=0.6):
        return median * math.exp(self.rng.gauss(0, spread)) * DAY

    # --- writing the moves, as the services do

    def event(self, lead, to, at, *, by=None, cause="", reason="", note="", answer=False):
        waited, late = None, False
        if answer and lead.assigned_at:
            waited = max(0.0, (at - lead.assigned_at).total_seconds() / 3600)
            late = bool(lead.accept_deadline and at > lead.accept_deadline)
        row = [at, lead.pk, lead.status, to, lead.distributor, by, cause, reason, note]
        self.events.append([*row, waited, late])
        lead.status = to

    def opened(self, distributor_id, count):
        candidate = self.world.candidates.get(distributor_id)
        if candidate is not None:
            candidate.open_leads += count

    def hand_over(self, lead, dist, at, *, by, cause):
        lead.distributor = dist.id
        self.event(lead, "assigned", at, by=by, cause=cause)
        lead.owner = None
        lead.assigned_at = at
        lead.accept_deadline = at + dist.accept_hours * HOUR
        lead.escalated_at = None
        lead.handovers += 1
        self.opened(dist.id, 1)

    def back_to_pool(self, lead, at, *, by, cause, reason="", note="", answer=True):
        self.opened(lead.distributor, -1)
        self.event(lead, "mql", at, by=by, cause=cause, reason=reason, note=note, answer=answer)
        lead.distributor = lead.owner = lead.assigned_at = lead.accept_deadline = None

    def close(self, lead, to, at, *, by, cause="", reason="", note=""):
        if lead.status in Lead.OWNED:
            self.opened(lead.distributor, -1)
        self.event(lead, to, at, by=by, cause=cause, reason=reason, note=note)
        lead.closed_at = at
        if to == "lost":
            lead.lost_reason = reason
            if cause != LeadEvent.Cause.DECLINED:
                lead.escalated_at = None

    def decide(self, lead, at, *, by, mode, distributor, explanation):
        self.decisions.append((lead.pk, at, by, mode, distributor, explanation))

    # --- choosing

    def pick(self, weighted):
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def chance(self, probability):
        return self.rng.random() < probability

    # --- the leads

    def companies_of(self, country):
        """A pool of companies per country: big customers come back with new requests."""
        if country not in self.companies:
            names = NAMES[country]
            size = max(20, int(self.count * COUNTRY_WEIGHTS[country] / 92 / 2.5))
            pool, seen = [], set()
            for _ in range(size * 3):
                city = self.rng.choice(names.cities)
                last, other = self.rng.sample(names.last, 2)
                name = self.rng.choice(names.companies).format(last=last, last2=other, city=city)
                if name in seen:
                    continue
                seen.add(name)
                domain = f"{_slug(name) or 'mail'}.{names.tld}"
                pool.append(
                    Company(name, country, city, domain, _postcode(self.rng, names.postcode))
                )
                if len(pool) >= size:
                    break
            self.companies[country] = pool
        return self.companies[country]

    def new_lead(self, source, at, batch_topic=None, *, country=None, countries=None):
        lead = LeadSim(len(self.leads) + 1)
        self.leads.append(lead)
        lead.source = source
        lead.arrival = at
        weights = countries or (FAIR_COUNTRY_WEIGHTS if source.fair_countries else COUNTRY_WEIGHTS)
        lead.country = country or self.pick(weights.items())
        pool = self.companies_of(lead.country)
        # Zipf-like: the first companies of the pool ask more often.
        company = pool[min(len(pool) - 1, int(len(pool) * self.rng.random() ** 1.15))]
        self.describe(lead, company)
        lead.product_line_id = self.product_line(source, lead.country, batch_topic)
        lead.junk = self.chance(source.junk)
        lead.quality = source.quality * self.rng.uniform(0.75, 1.25)
        low, high = source.score
        lead.mql_score = self.rng.randint(low, high) if not lead.junk else self.rng.randint(5, 40)
        self.value(lead, source.valued)
        return lead

    def describe(self, lead, company):
        names = NAMES[company.country]
        first, last = self.rng.choice(names.first), self.rng.choice(names.last)
        lead.company = company.name
        lead.contact_name = f"{first} {last}"
        domain = company.domain if self.rng.random() > 0.08 else self.rng.choice(GENERIC_MAIL)
        local = ".".join(_slug(part) or "x" for part in (first, last)).replace("-", "")
        lead.contact_email = f"{local}@{domain}"
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(9))
        lead.contact_phone = f"{names.phone} {digits[:3]} {digits[3:6]} {digits[6:]}"
        lead.postcode = company.postcode

    def product_line(self, source, country, topic):
        lines = self.world.lines
        if topic and self.chance(0.7):
            code = topic
        elif source.lines and self.chance(0.9):
            code = self.pick(source.lines)
        elif self.chance(0.12):
            return None
        else:
            code = self.pick(LINE_POPULARITY.items())
        carried = self.world.carried.get(country, set())
        if lines[code] not in carried and carried and self.chance(0.85):
            # Marketing mostly targets what the country's distributors sell.
            code = self.pick([(c, w) for c, w in LINE_POPULARITY.items() if lines[c] in carried])
        return lines[code]

    def value(self, lead, valued):
        lead.currency = ""
        lead.estimated_value = None
        if not self.chance(valued):
            return
        code = self.world.line_codes.get(lead.product_line_id, "pumps")
        units = TYPICAL_UNITS.get(code, 12) * math.exp(self.rng.gauss(0, 0.9))
        currency = COUNTRIES[lead.country][1]
        amount = self.world.prices[code] * units / EUR_PER_UNIT[currency]
        lead.estimated_value = _round_money(amount)
        lead.currency = currency

    def arrivals(self, sources):
        """Every lead's arrival: steady sources over the days, the others by import batch."""
        counts = _split(self.count, [source.share for source in sources])
        day_weights = []
        for day in range(DAYS):
            date = (self.start + day * DAY).date()
            growth = 1.15 ** (day / 365)
            day_weights.append(SEASON[date.month] * WEEKDAY[date.weekday()] * growth)
        plans = []
        for source, count in zip(sources, counts, strict=True):
            if source.batches:
                last_batch = source.code == "partner-webinar"
                weights = [weight for _, weight, _ in source.batches]
                if last_batch:
                    # The fresh import: large enough for every partner to find leads waiting.
                    fresh = max(120, round(count * 0.08))
                    count = max(0, count - fresh)
                    when, _, topic = source.batches[-1]
                    plans.extend((when, source, topic, True, None) for _ in range(fresh))
                    weights[-1] = 0
                if count and sum(weights):
                    chosen = self.rng.choices(range(len(weights)), weights=weights, k=count)
                    for index in chosen:
                        when, _, topic = source.batches[index]
                        plans.append((when, source, topic, False, None))
                continue
            window = list(day_weights)
            if source.code == "google-ads-pumps":
                for day in range(min(DAYS, 120)):  # the campaign started 20 months ago
                    window[day] = 0
            for day in self.rng.choices(range(DAYS), weights=window, k=count):
                date = (self.start + day * DAY).date()
                country = self.pick(COUNTRY_WEIGHTS.items())
                hour = self.rng.choices(range(24), weights=HOURS)[0]
                at = _at(date, hour, OFFSETS[country], self.rng.randint(0, 59))
                at += datetime.timedelta(seconds=self.rng.randint(0, 59))
                if at >= self.now:
                    at = self.now - self.rng.uniform(0.2, 20) * HOUR
                plans.append((at, source, None, False, country))
        plans.sort(key=lambda plan: (plan[0], plan[1].code))
        spread = self.world.spread_weights
        for at, source, topic, fresh, country in plans:
            lead = self.new_lead(
                source, at, topic, country=country, countries=spread if fresh else None
            )
            self.push(at, lead, "arrive")

    # --- the acts, in time order

    def run(self, sources):
        self.arrivals(sources)
        self.plan_registrations()
        while self.heap:
            at, _, pk, action, data = heapq.heappop(self.heap)
            if at > self.now:
                break  # everything left is in the future: those leads wait where they are
            getattr(self, f"on_{action}")(self.leads[pk - 1], at, data)
        self.top_up(next(source for source in sources if source.arrival == "desk"))

    def top_up(self, desk):
        """Every active partner login opens on at least one lead waiting for its answer (the
        sales desk has just handed one to each that has none), and the slow distributor sits
        on a couple that are overdue, whatever the number of leads asked for."""
        waiting = Counter(lead.distributor for lead in self.leads if lead.status == "assigned")
        for dist in self.world.routable:
            if not waiting[dist.id] and dist.partner is not None:
                self.desk_lead(desk, dist, self.now - self.rng.uniform(0.5, 3) * HOUR)
        slow = next((d for d in self.world.routable if d.code == SLOW), None)
        if slow is None:
            return
        overdue = sum(
            1
            for lead in self.leads
            if lead.status == "assigned"
            and lead.distributor == slow.id
            and lead.accept_deadline < self.now
        )
        for _ in range(max(0, 2 - overdue)):
            # Overdue since after the deadline job's last run, so still with it.
            late = self.rng.uniform(2, JOB_QUIET / HOUR - 4)
            self.desk_lead(desk, slow, self.now - (slow.accept_hours + late) * HOUR)

    def desk_lead(self, desk, dist, assigned_at):
        at = assigned_at - self.rng.uniform(0.3, 1.2) * HOUR
        lead = self.new_lead(desk, at, country=dist.country)
        lead.junk = False
        lead.ref = f"{PREFIX}{desk.code}-{lead.pk:06d}"
        manager = self.manager_of(lead)
        self.event(lead, "mql", at, by=manager.user_id)
        self.assign(lead, dist, assigned_at, manager, answer=False)

    def manager_of(self, lead):
        return self.world.managers[COUNTRIES[lead.country][0]]

    def on_arrive(self, lead, at, data):
        source, manager = lead.source, self.manager_of(lead)
        number = lead.pk
        lead.ref = f"{PREFIX}{source.code}-{number:06d}"
        if source.arrival == "form":
            self.event(lead, "new", at, by=manager.user_id)
            self.push(self.session(at, manager), lead, "qualify")
        elif source.arrival == "api":
            self.event(lead, "mql", at, by=manager.user_id)
            self.push(self.session(at, manager), lead, "route", "auto")
        elif source.arrival == "desk":
            self.event(lead, "mql", at, by=manager.user_id)
            later = self.office(at + self.rng.uniform(0.1, 2) * HOUR, manager.offset)
            self.push(later, lead, "assign")
        else:
            self.event(lead, "mql", at, cause=LeadEvent.Cause.IMPORTED)
            if source.route_on_import:
                # The import routes its leads once they are committed, a moment later.
                self.push(at + 3 * datetime.timedelta(seconds=1), lead, "route", "import")
            else:
                self.push(self.session(at, manager), lead, "route", "auto")

    def on_qualify(self, lead, at, data):
        """A manager reads the web form: not a lead (lost), or MQL and routed at once."""
        manager = self.manager_of(lead)
        if self.chance(0.12):
            note = self.rng.choice(("Job application.", "Private household.", "Student enquiry."))
            self.close(lead, "lost", at, by=manager.user_id, reason="not_qualified", note=note)
            return
        self.event(lead, "mql", at, by=manager.user_id)
        self.route(lead, at, mode="auto", by=manager.user_id)

    def on_route(self, lead, at, mode):
        by = None if mode in ("import", "deadline") else self.manager_of(lead).user_id
        self.route(lead, at, mode=mode, by=by)

    def route(self, lead, at, *, mode, by):
        decision = self.router.route(lead)
        dist = self.world.dists.get(decision.distributor_id)
        self.decide(
            lead, at, by=by, mode=mode, distributor=decision.distributor_id,
            explanation=decision.explanation,
        )  # fmt: skip
        if dist is None:
            if mode == "deadline":
                return None
            manager = self.manager_of(lead)
            self.push(self.session(at + 4 * HOUR, manager), lead, "pool", "unroutable")
            return None
        self.hand_over(lead, dist, at, by=by, cause=LeadEvent.Cause.ROUTED)
        self.await_answer(lead, dist, at)
        return dist

    def on_assign(self, lead, at, data):
        """The sales desk hands the caller's lead to the distributor it thinks best."""
        manager = self.manager_of(lead)
        decision = self.router.route(lead)
        dist = self.world.dists.get(decision.distributor_id) or self.neighbour(lead)
        if dist is None:
            self.push(self.session(at, manager), lead, "pool", "unroutable")
            return
        self.assign(lead, dist, at, manager)

    def assign(self, lead, dist, at, manager, *, answer=True):
        explanation = {"chosen": dist.code, "why": "manual", "rules": [], "candidates": []}
        self.hand_over(lead, dist, at, by=manager.user_id, cause=LeadEvent.Cause.MANUAL)
        self.decide(
            lead, at, by=manager.user_id, mode="manual", distributor=dist.id,
            explanation=explanation,
        )  # fmt: skip
        if answer:
            self.await_answer(lead, dist, at)

    def neighbour(self, lead):
        """A manager's pick when the rules find nobody: an active distributor of the same
        region that has not had the lead, preferably one carrying its product line."""
        region = COUNTRIES[lead.country][0]
        excluded = self.router.context.excluded.get(lead.pk, {})
        options = [
            dist
            for dist in self.world.routable
            if COUNTRIES[dist.country][0] == region and dist.id not in excluded
        ]
        carrying = [
            dist
            for dist in options
            if lead.product_line_id in self.world.candidates[dist.id].product_lines
        ]
        options = carrying or options
        return self.rng.choice(options) if options else None

    def await_answer(self, lead, dist, at):
        """Decide now when (and whether) the distributor answers, or the deadline job acts."""
        profile = dist.profile
        tick = self.tick(lead.accept_deadline)
        answer = None
        if not self.chance(profile.silence):
            hours = profile.answer_hours * math.exp(self.rng.gauss(0, profile.spread))
            answer = at + max(0.05, hours) * HOUR
            offset = OFFSETS[dist.country]
            answer = self.office(answer, offset, start=7, end=21, weekends=profile.weekends)
        if answer is not None and (answer <= tick or tick > self.job_last_run):
            self.push(answer, lead, "answer", lead.handovers)
        elif tick <= self.job_last_run:
            self.push(tick, lead, "expire", lead.handovers)
        # else: nobody answers and the job has not run since: the lead is overdue.

    def on_answer(self, lead, at, handover):
        if lead.status != "assigned" or lead.handovers != handover:
            return
        dist = self.world.dists[lead.distributor]
        source = lead.source
        reason = None
        if dist.code == WRONG_TERRITORY and lead.country != WRONG_TERRITORY_HOME:
            if self.chance(0.93):
                reason = "not_in_territory"
        elif lead.junk:
            if self.chance(0.9):
                reason = self.pick(source.junk_reasons)
        elif self.chance(dist.profile.reject):
            reason = self.pick(REJECT_REASONS)
        if reason:
            self.reject(lead, dist, at, reason)
        else:
            self.event(lead, "accepted", at, by=dist.partner, answer=True)
            lead.owner = lead.owner or dist.partner
            self.push(self.stage_end(lead, dist, at, 6), lead, "progress")

    def reject(self, lead, dist, at, reason):
        low, high = REJECT_RATINGS[reason]
        rating = self.rng.randint(low, high)
        if dist.code == WRONG_TERRITORY and reason == "not_in_territory":
            rating = self.rng.randint(3, 5)  # a good lead, just not theirs
        contacted = reason in ("no_budget", "no_need", "already_customer") and self.chance(0.7)
        text = ""
        if reason == "other" or self.chance(0.6):
            english, french = REJECT_TEXTS[reason]
            texts = french if dist.language == "fr" and self.chance(0.85) else english
            text = self.rng.choice(texts).format(
                city=self.company_city(lead), postcode=lead.postcode or "?"
            )
        if dist.code == WRONG_TERRITORY and reason == "not_in_territory":
            text = f"We only serve the Netherlands; {self.company_city(lead)} is in Germany."
        self.rejections.append(
            (lead.pk, dist.id, rating, reason, contacted, text, dist.partner, at)
        )
        self.exclude(lead, dist.id, "rejected", at)
        self.back_to_pool(lead, at, by=dist.partner, cause="rejected", reason=reason, note=text)
        manager = self.manager_of(lead)
        later = self.session(at + self.rng.uniform(0, 30) * HOUR, manager)
        self.push(later, lead, "pool", reason)

    def company_city(self, lead):
        for company in self.companies.get(lead.country, ()):
            if company.name == lead.company:
                return company.city
        return lead.country

    def exclude(self, lead, distributor_id, cause, at):
        excluded = self.router.context.excluded.setdefault(lead.pk, {})
        if distributor_id not in excluded:
            excluded[distributor_id] = cause
            self.exclusions.append((lead.pk, distributor_id, cause, at))

    def on_expire(self, lead, at, handover):
        """The deadline job: take the lead back, route it to the next candidate or escalate."""
        if lead.status != "assigned" or lead.handovers != handover:
            return
        old = lead.distributor
        self.exclude(lead, old, "expired", at)
        self.back_to_pool(lead, at, by=None, cause="expired")
        if self.route(lead, at, mode="deadline", by=None) is None:
            self.events[-1][6] = LeadEvent.Cause.ESCALATED
            lead.escalated_at = at
            # Escalations wait for a manager's time: a few are always open.
            manager = self.manager_of(lead)
            later = self.session(at + self.rng.uniform(0, 168) * HOUR, manager)
            self.push(later, lead, "pool", "escalated")

    def on_pool(self, lead, at, why):
        """A manager deals with a lead back in the pool: closes it, re-routes or hands it on."""
        if lead.status != "mql":
            return
        manager = self.manager_of(lead)
        junk = why in ("spam", "no_need", "bad_contact", "duplicate", "already_customer",
                       "competitor")  # fmt: skip
        if lead.handovers >= MAX_HANDOVERS or (junk and self.chance(0.85)):
            note = POOL_LOSS_NOTES[0] if junk else POOL_LOSS_NOTES[2]
            reason = "not_qualified" if junk else "no_decision"
            self.close(lead, "lost", at, by=manager.user_id, reason=reason, note=note)
        elif why in ("escalated", "unroutable"):
            dist = self.neighbour(lead) if self.chance(0.75) else None
            if dist is None:
                self.close(
                    lead, "lost", at, by=manager.user_id, reason="no_decision",
                    note=POOL_LOSS_NOTES[1],
                )  # fmt: skip
            else:
                self.assign(lead, dist, at, manager)
        else:
            self.route(lead, at, mode="auto", by=manager.user_id)

    def stage_end(self, lead, dist, at, median_days):
        later = at + self.days(median_days * dist.profile.pace)
        return self.office(later, OFFSETS[dist.country])

    def on_progress(self, lead, at, data):
        dist = self.world.dists[lead.distributor]
        profile, quality = dist.profile, lead.quality
        if lead.status == "accepted":
            if lead.junk or not self.chance(min(0.95, profile.dql * quality)):
                self.lose(lead, dist, at)
                return
            version = self.world.version_at(at)
            if version is None:  # no checklist yet: qualified once the first is published
                first = self.world.versions[0][0]
                self.push(
                    self.office(first + self.days(4), OFFSETS[dist.country]), lead, "progress"
                )
                return
            version_id, items = version
            answers = {code: True if required else self.chance(0.4) for code, required in items}
            self.event(lead, "dql", at, by=dist.partner)
            self.qualifications.append((lead.pk, version_id, answers, dist.partner, at))
            self.push(self.stage_end(lead, dist, at, 16), lead, "progress")
        elif lead.status == "dql":
            if not self.chance(min(0.95, profile.opportunity * quality)):
                self.lose(lead, dist, at)
                return
            self.event(lead, "opportunity", at, by=dist.partner)
            if not lead.currency:
                # As lead_convert does: a lead valued without a currency takes its
                # distributor's, and the distributor values it in that currency.
                lead.currency = dist.currency
            base = lead.estimated_value or _round_money(
                self.world.prices[self.world.line_codes.get(lead.product_line_id, "pumps")]
                * 15
                * math.exp(self.rng.gauss(0, 0.8))
                / EUR_PER_UNIT[lead.currency]
            )
            lead.opportunity_value = _round_money(float(base) * self.rng.uniform(0.7, 1.6))
            close = at + self.days(70 * profile.pace, 0.5)
            lead.expected_close = close.date()
            if self.chance(min(0.95, profile.win * quality)):
                when = close + self.rng.gauss(0, 12) * DAY
                when = max(when, at + 5 * DAY)
                self.push(self.office(when, OFFSETS[dist.country]), lead, "win")
            else:
                self.push(self.stage_end(lead, dist, at, 35), lead, "progress")
        elif lead.status == "opportunity":
            self.lose(lead, dist, at)

    def lose(self, lead, dist, at):
        reason = self.pick(LOSS_REASONS[lead.status])
        notes = LOSS_NOTES_FR if dist.language == "fr" else LOSS_NOTES
        note = self.rng.choice(notes[reason]) if self.chance(0.4) else ""
        self.close(lead, "lost", at, by=dist.partner, reason=reason, note=note)

    def on_win(self, lead, at, data):
        dist = self.world.dists[lead.distributor]
        lead.won_value = _round_money(float(lead.opportunity_value) * self.rng.uniform(0.85, 1.05))
        self.close(lead, "won", at, by=dist.partner)

    # --- deal registrations

    def plan_registrations(self):
        """Deals partners registered themselves; the newest wait for a decision, and some of
        those look like a lead the manufacturer has already (same company or e-mail domain)."""
        approved, declined, pending = REGISTRATIONS
        registering = [dist for dist in self.world.routable if dist.partner]
        weights = [3 if dist.profile.dql >= 0.5 else 1 for dist in registering]
        plans = []
        for number in range(approved + declined + pending):
            if number >= approved + declined:
                at = self.now - self.rng.uniform(0.3, 12) * DAY
                outcome = "pending"
            else:
                at = self.start + self.rng.uniform(30, DAYS - 14) * DAY
                outcome = "approved" if number < approved else "declined"
            dist = self.rng.choices(registering, weights=weights)[0]
            at = self.office(at, OFFSETS[dist.country])
            if at >= self.now:
                at = self.now - self.rng.uniform(1, 6) * HOUR
            plans.append((at, dist, outcome))
        plans.sort(key=lambda plan: plan[0])
        source = self.world.partner_source
        lookalikes = 0
        for at, dist, outcome in plans:
            lead = LeadSim(len(self.leads) + 1)
            self.leads.append(lead)
            lead.source = source
            lead.arrival = at
            lead.country = dist.country
            twin = None
            if outcome == "pending" and lookalikes < 4:
                earlier = [
                    other
                    for other in self.leads
                    if other.source is not source
                    and other.country == dist.country
                    and other.arrival < at - 3 * DAY
                ]
                if earlier:
                    twin = self.rng.choice(earlier[-400:])
                    lookalikes += 1
            if twin is not None:
                self.describe(lead, self.company_like(twin, exact=lookalikes % 2 == 1))
            else:
                pool = self.companies_of(lead.country)
                company = pool[self.rng.randrange(len(pool))]
                self.describe(lead, company)
            lead.product_line_id = self.product_line(source, lead.country, None)
            lead.junk = False
            lead.quality = 1.4
            lead.mql_score = 0
            self.value(lead, 0.9)
            lead.registration = (dist, outcome)
            self.push(at, lead, "register")

    def company_like(self, twin, *, exact):
        """The same company as `twin`, or a site of it reached at the same e-mail domain."""
        domain = twin.contact_email.rsplit("@", 1)[-1]
        if domain in GENERIC_MAIL:
            domain = f"{_slug(twin.company) or 'mail'}.{NAMES[twin.country].tld}"
        name = twin.company if exact else f"{twin.company} – {self.rng.choice(('plant', 'site'))} 2"
        return Company(name, twin.country, "", domain, twin.postcode)

    def on_register(self, lead, at, data):
        dist, outcome = lead.registration
        stamp = at.strftime("%Y%m%d%H%M%S%f")
        lead.ref = f"{PREFIX}reg-{dist.code}-{stamp}"
        lead.distributor = dist.id  # the event names the registering distributor
        self.event(lead, "new", at, by=dist.partner, cause=LeadEvent.Cause.REGISTERED)
        lead.distributor = None
        if outcome != "pending":
            later = self.office(at + self.rng.uniform(2, 60) * HOUR, dist.manager.offset)
            self.push(later, lead, outcome)
        else:
            self.registrations.append(
                [lead.pk, dist.id, dist.partner, at, "pending", None, None, ""]
            )

    def on_approved(self, lead, at, data):
        dist, _ = lead.registration
        manager = dist.manager.user_id
        self.event(lead, "mql", at, by=manager, cause=LeadEvent.Cause.APPROVED)
        self.hand_over(lead, dist, at, by=manager, cause=LeadEvent.Cause.APPROVED)
        self.event(lead, "accepted", at, by=manager, cause=LeadEvent.Cause.APPROVED, answer=True)
        lead.owner = dist.partner
        approval = APPROVAL_NOTE_FR if dist.language == "fr" else APPROVAL_NOTE
        note = approval if self.chance(0.5) else ""
        self.registrations.append(
            [lead.pk, dist.id, dist.partner, lead.arrival, "approved", manager, at, note]
        )
        self.push(self.stage_end(lead, dist, at, 5), lead, "progress")

    def on_declined(self, lead, at, data):
        dist, _ = lead.registration
        manager = dist.manager.user_id
        note = self.rng.choice(DECLINE_NOTES_FR if dist.language == "fr" else DECLINE_NOTES)
        self.close(
            lead, "lost", at, by=manager, cause=LeadEvent.Cause.DECLINED,
            reason=LostReason.REGISTRATION_DECLINED, note=note,
        )  # fmt: skip
        self.registrations.append(
            [lead.pk, dist.id, dist.partner, lead.arrival, "declined", manager, at, note]
        )


def _split(total, shares):
    """`total` split in proportion to `shares` (largest remainders), summing to `total`."""
    raw = [total * share / sum(shares) for share in shares]
    counts = [int(value) for value in raw]
    for index in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True):
        if sum(counts) >= total:
            break
        counts[index] += 1
    return counts


def _round_money(amount):
    """Three significant figures, as people quote: 12,300.00; 4,560,000.00."""
    amount = max(float(amount), 10.0)
    digits = 2 - int(math.floor(math.log10(amount)))
    return Decimal(str(round(amount, digits))).quantize(CENT)


# --- the world the simulation reads ------------------------------------------------------------


class World:
    """The demo's distributors, partner logins, managers, lines and criteria, loaded once."""

    def __init__(self, *, seed, versions, partner_source_obj):
        User = get_user_model()
        managers = dict(
            User.objects.filter(username__in=[row[0] for row in MANAGERS]).values_list(
                "username", "id"
            )
        )
        if len(managers) < len(MANAGERS):
            raise ValidationFailed("Load the demo channel first: manage.py demo_data")
        self.managers = {}
        offsets = {"manager": 1, "manager-americas": -5, "manager-apac": 9}
        regions = {region for region, _ in COUNTRIES.values()}
        for index, (username, _, _, managed) in enumerate(MANAGERS):
            actor = Actor(managers[username], offsets.get(username, 1), index)
            for region in managed or ():
                self.managers[region] = actor
        fallback = Actor(managers[MANAGERS[0][0]], 1, 0)
        for region in regions:
            self.managers.setdefault(region, fallback)
        self.candidates = candidates_load()
        # The demo leads a --replace run removes when it publishes do not count as open: the
        # simulation plays the world without them, as it did before they were written.
        replaced = Counter(
            demo_leads().filter(status__in=Lead.OWNED).values_list("distributor_id", flat=True)
        )
        for candidate in self.candidates.values():
            candidate.open_leads -= replaced[candidate.id]
        partners = {}
        memberships = Membership.objects.filter(role=Membership.Role.ADMIN).order_by("user_id")
        for distributor_id, user_id in memberships.values_list("distributor_id", "user_id"):
            partners.setdefault(distributor_id, user_id)
        self.dists = {}
        distributors = Distributor.objects.select_related("tier").order_by("code")
        manager_by_user = {actor.user_id: actor for actor in self.managers.values()}
        for d in distributors:
            region_manager = self.managers.get(d.region, fallback)
            manager = manager_by_user.get(d.account_manager_id, region_manager)
            self.dists[d.pk] = Dist(
                id=d.pk, code=d.code, name=d.name, country=d.country, currency=d.currency,
                tier=d.tier.code,
                accept_hours=d.tier.accept_hours, language=d.language,
                partner=partners.get(d.pk), manager=manager,
                profile=distributor_profile(d.code, d.tier.code, d.status, seed),
                contract_start=d.contract_start,
            )  # fmt: skip
        if not any(d.code == FAST for d in self.dists.values()):
            raise ValidationFailed("Load the demo channel first: manage.py demo_data")
        active = (Distributor.Status.ACTIVE, Distributor.Status.PROBATION)
        self.routable = [
            self.dists[c.id]
            for c in sorted(self.candidates.values(), key=lambda c: c.code)
            if c.status in active and c.id in self.dists
        ]
        self.carried = defaultdict(set)
        per_country = Counter()
        for dist in self.routable:
            per_country[dist.country] += 1
            self.carried[dist.country] |= self.candidates[dist.id].product_lines
        # The fresh import reaches every partner: countries weighted by their distributors.
        self.spread_weights = {
            country: per_country.get(country, 0) + (1 if country in COUNTRY_WEIGHTS else 0)
            for country in COUNTRY_WEIGHTS
        }
        lines = dict(ProductLine.objects.values_list("code", "id"))
        self.lines = lines
        self.line_codes = {pk: code for code, pk in lines.items()}
        self.prices = {code: price for code, _, price in PRODUCT_LINES}
        self.versions = versions  # [(published_at, version id, [(code, required)])]
        self.partner_source = SourcePlan(
            PARTNER_SOURCE, "", "partner", 0, "registration", 1.4, 0.0, valued=0.9,
            id=partner_source_obj.pk,
        )  # fmt: skip

    def version_at(self, at):
        current = None
        for published_at, version_id, items in self.versions:
            if published_at <= at:
                current = (version_id, items)
        return current


# --- the loader ------------------------------------------------------------------------------


class DemoLeads:
    """Loads the demo leads; `write` receives progress and the summary."""

    def __init__(self, write=print):
        self.write = write

    def load(self, *, leads=LEADS, seed=SEED, replace=False, quiet=False, force=False, now=None):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load demo leads under production settings; pass --force to seed a "
                "staging site on purpose."
            )
        if leads < 100:
            raise ValidationFailed("Ask for at least 100 leads.")
        self.quiet = quiet
        self.started = time.monotonic()
        # A load that stopped halfway left staged leads nobody sees as the demo's: clear them.
        if staged := staged_leads().count():
            leads_delete(STAGING)
            self.step(f"removed {staged} leads a load that stopped halfway had staged")
        existing = demo_leads().count()
        if existing and not replace:
            self.write(
                f"The demo leads are loaded already ({existing} leads); nothing to do "
                "(--replace generates them again)."
            )
            return None
        # Whole minutes: two runs in the same minute with the same seed write the same data.
        now = (now or timezone.now()).replace(second=0, microsecond=0)
        with transaction.atomic():
            sources = sources_plan(now)
            source_ids = self.load_sources(sources)
            for source in sources:
                source.id = source_ids[source.code]
            versions = self.load_criteria(now)
            world = World(seed=seed, versions=versions, partner_source_obj=partner_source())
            self.load_acknowledgements(world, versions, now, seed)
        simulation = Simulation(world=world, leads=leads, seed=seed, now=now)
        simulation.run(sources)
        self.step(f"simulated {len(simulation.leads)} leads, {len(simulation.events)} events")
        # Written in short transactions under the staging prefix, so a log-in or a click while
        # the demo loads waits for one chunk, not for the whole load (SQLite has one writer).
        pks = self.write_leads(simulation)
        self.step("leads, events, routing decisions, rejections and qualifications staged")
        # Published at once: the earlier demo leads (--replace) give way to the staged ones, and
        # the rollups are recounted, in one transaction.
        with transaction.atomic():
            if existing:
                leads_delete(PREFIX)
                self.step(f"removed the {existing} earlier demo leads")
            staged_leads().update(external_ref=Substr("external_ref", len(STAGING) + 1))
            self.load_materials(world, simulation, pks, now, seed)
            rows = rollups.rollups_rebuild()
            self.step(f"published; {rows} rollup rows recounted from the events")
        summary = demo_summary(simulation)
        summary["seconds"] = time.monotonic() - self.started
        if not quiet:
            self.print_summary(summary)
        else:
            self.write(
                f"Demo leads: {summary['leads']} leads, {summary['events']} events "
                f"in {summary['seconds']:.1f}s."
            )
        return summary

    def step(self, message):
        if not self.quiet:
            self.write(f"[{time.monotonic() - self.started:5.1f}s] {message}")

    # --- reference rows

    def load_sources(self, sources):
        ids = {}
        for source in sources:
            row, _ = LeadSource.objects.update_or_create(
                code=source.code,
                defaults={
                    "name": source.name,
                    "name_fr": source_name_fr(source),
                    "kind": source.kind,
                },
            )
            ids[source.code] = row.pk
        return ids

    def load_criteria(self, now):
        """v1 published 20 months ago, v2 (one more item) 6 months ago; as the services keep
        them: a published version is never edited, so a re-run rewrites only its own two."""
        manager = get_user_model().objects.filter(username="manager").first()
        plans = (
            (1, now - 608 * DAY, CRITERIA_V1, "The first agreed definition of a DQL."),
            (
                2,
                now - 182 * DAY,
                (*CRITERIA_V1, CRITERIA_V2_ADDS),
                "Adds the application data check: too many DQLs failed on sizing.",
            ),
        )
        versions = []
        for number, published_at, items, notes in plans:
            version, _ = CriteriaVersion.objects.update_or_create(
                number=number,
                defaults={
                    "notes": notes,
                    "created_by": manager,
                    "published_at": published_at,
                    "published_by": manager,
                },
            )
            CriteriaVersion.objects.filter(pk=version.pk).update(created_at=published_at - 9 * DAY)
            version.items.all().delete()
            Criterion.objects.bulk_create(
                Criterion(
                    version=version,
                    position=position,
                    code=code,
                    label=label,
                    label_fr=label_fr,
                    required=required,
                )  # fmt: skip
                for position, (code, label, label_fr, required) in enumerate(items, start=1)
            )
            versions.append(
                (published_at, version.pk, [(code, required) for code, _, _, required in items])
            )
        self.step("criteria v1 and v2 published")
        return versions

    def load_acknowledgements(self, world, versions, now, seed):
        """Most distributors acknowledged each version; the slow, the wrong-territory one and
        a few others never acknowledged v2."""
        rng = random.Random(f"{seed}:acknowledgements")
        skip_v2 = {SLOW, WRONG_TERRITORY, "sicilia", "gulf-coast", "prairie"}
        version_ids = [version_id for _, version_id, _ in versions]
        CriteriaAcknowledgement.objects.filter(version_id__in=version_ids).delete()
        rows = []
        for dist in sorted(world.dists.values(), key=lambda d: d.code):
            if dist.partner is None:
                continue
            for number, (published_at, version_id, _) in enumerate(versions, start=1):
                if number == 2 and (dist.code in skip_v2 or rng.random() < 0.1):
                    continue
                if number == 1 and rng.random() < 0.05:
                    continue
                start = published_at
                if dist.contract_start:
                    joined = datetime.datetime.combine(
                        dist.contract_start, datetime.time(9), tzinfo=UTC
                    )
                    if number == 1 and joined > published_at + 30 * DAY:
                        continue  # joined after v2 came; v1 was never theirs
                    start = max(start, joined)
                at = start + (math.exp(rng.gauss(math.log(6), 0.8)) + 0.2) * DAY
                # Only the current version can be acknowledged: not v1 once v2 is out.
                replaced = versions[number][0] if number < len(versions) else now
                if at < replaced:
                    rows.append(
                        CriteriaAcknowledgement(
                            version_id=version_id, distributor_id=dist.id, by_id=dist.partner, at=at
                        )
                    )
        CriteriaAcknowledgement.objects.bulk_create(rows)
        self.step(f"{len(rows)} criteria acknowledgements")

    # --- the bulk write

    def write_leads(self, simulation):
        leads = simulation.leads
        rows = []
        for lead in leads:
            rows.append(
                Lead(
                    source_id=lead.source.id,
                    external_ref=STAGING + lead.ref,
                    company=lead.company,
                    contact_name=lead.contact_name,
                    contact_email=lead.contact_email,
                    contact_phone=lead.contact_phone,
                    country=lead.country,
                    region=lead.region,
                    postcode=lead.postcode,
                    product_line_id=lead.product_line_id,
                    estimated_value=lead.estimated_value,
                    currency=lead.currency,
                    mql_score=lead.mql_score,
                    status=lead.status,
                    distributor_id=lead.distributor,
                    owner_id=lead.owner,
                    assigned_at=lead.assigned_at,
                    accept_deadline=lead.accept_deadline,
                    escalated_at=lead.escalated_at,
                    opportunity_value=lead.opportunity_value,
                    expected_close=lead.expected_close,
                    won_value=lead.won_value,
                    lost_reason=lead.lost_reason,
                    closed_at=lead.closed_at,
                )
            )
        in_chunks(Lead, rows)
        pks = [row.pk for row in rows]
        if None in pks:  # a backend that returns no ids from a bulk insert
            by_ref = dict(staged_leads().values_list("external_ref", "pk"))
            pks = [by_ref[STAGING + lead.ref] for lead in leads]
        pk = {lead.pk: pks[index] for index, lead in enumerate(leads)}
        in_chunks(
            LeadEvent,
            (
                LeadEvent(
                    lead_id=pk[lead], at=at, from_status=from_status, to_status=to_status,
                    distributor_id=distributor, by_id=by, cause=cause, reason=reason, note=note,
                    waited_hours=waited, late=late,
                )  # fmt: skip
                # In time order (ids follow time); a lead's events at one moment keep their order.
                for (at, lead, from_status, to_status, distributor, by, cause, reason, note,
                     waited, late) in sorted(simulation.events, key=lambda row: row[0])
            ),
        )  # fmt: skip
        in_chunks(
            RoutingDecision,
            (
                RoutingDecision(
                    lead_id=pk[lead],
                    at=at,
                    by_id=by,
                    mode=mode,
                    distributor_id=distributor,
                    explanation=explanation,
                )  # fmt: skip
                for lead, at, by, mode, distributor, explanation in simulation.decisions
            ),
        )
        in_chunks(
            LeadRejection,
            (
                LeadRejection(
                    lead_id=pk[lead],
                    distributor_id=distributor,
                    rating=rating,
                    reason=reason,
                    contacted=contacted,
                    text=text,
                    by_id=by,
                    at=at,
                )  # fmt: skip
                for lead, distributor, rating, reason, contacted, text, by, at in (
                    simulation.rejections
                )
            ),
        )
        in_chunks(
            LeadExclusion,
            (
                LeadExclusion(lead_id=pk[lead], distributor_id=distributor, cause=cause, at=at)
                for lead, distributor, cause, at in simulation.exclusions
            ),
        )
        in_chunks(
            LeadQualification,
            (
                LeadQualification(
                    lead_id=pk[lead],
                    version_id=version,
                    answers=answers,
                    passed=True,
                    by_id=by,
                    at=at,
                )  # fmt: skip
                for lead, version, answers, by, at in simulation.qualifications
            ),
        )
        in_chunks(
            DealRegistration,
            (
                DealRegistration(
                    lead_id=pk[lead],
                    distributor_id=distributor,
                    registered_by_id=by,
                    registered_at=at,
                    status=status,
                    decided_by_id=decided_by,
                    decided_at=decided_at,
                    decision_note=note,
                )  # fmt: skip
                for lead, distributor, by, at, status, decided_by, decided_at, note in (
                    simulation.registrations
                )
            ),
        )
        if connection.vendor == "postgresql":
            # Fresh tables have no statistics yet: plan the updates and the recount on real ones.
            tables = [model._meta.db_table for model in (Lead, LeadEvent, LeadRejection)]
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {', '.join(map(connection.ops.quote_name, tables))}")
        # bulk_create stamps created_at and updated_at with the clock: a lead was created at its
        # first event and last changed at its last (aggregates over the lead's events, which
        # the lead_id index finds).
        events = LeadEvent.objects.filter(lead=OuterRef("pk")).order_by().values("lead")
        for chunk in batched(sorted(pks), CHUNK):
            with transaction.atomic():
                Lead.objects.filter(pk__in=chunk).update(
                    created_at=Subquery(events.annotate(first=Min("at")).values("first")),
                    updated_at=Subquery(events.annotate(last=Max("at")).values("last")),
                )
        return pk

    # --- materials

    def load_materials(self, world, simulation, pks, now, seed):
        """The catalogue (links) and partner users' ratings: some items are clearly liked at
        one stage and not at another."""
        rng = random.Random(f"{seed}:materials")
        materials = []
        for number, (title, kind, line, stage, description, _) in enumerate(MATERIALS):
            language = "fr" if title in FRENCH_TITLES else "en"
            url = f"{MEDIA}{_slug(title) or number}"
            material, _ = Material.objects.update_or_create(
                url=url,
                defaults={
                    "title": title,
                    "description": description,
                    "kind": kind,
                    "product_line_id": world.lines.get(line) if line else None,
                    "stage": stage,
                    "is_active": "(ended)" not in title,
                    "language": language,
                },
            )
            created = now - (700 - number * 37) * DAY
            Material.objects.filter(pk=material.pk).update(created_at=created)
            materials.append((material, created))
        MaterialFeedback.objects.filter(material__in=[m for m, _ in materials]).delete()
        # Open leads per distributor and stage, to rate an item from a lead now and then.
        open_leads = defaultdict(list)
        for lead in simulation.leads:
            if lead.status in Lead.OWNED:
                open_leads[(lead.distributor, lead.status)].append(lead)
        raters = [dist for dist in world.routable if dist.partner]
        rows = []
        for (material, created), (*_, means) in zip(materials, MATERIALS, strict=True):
            for stage, mean in means.items():
                for dist in raters:
                    if material.title in FRENCH_TITLES and dist.language != "fr":
                        continue
                    if rng.random() > 0.45:
                        continue
                    rating = max(1, min(5, round(rng.gauss(mean, 0.75))))
                    lead = None
                    if stage != material.stage or rng.random() < 0.3:
                        candidates = open_leads.get((dist.id, stage))
                        if candidates:
                            lead = rng.choice(candidates)
                        elif stage != material.stage:
                            continue  # rated at another stage only from a lead at that stage
                    band = "good" if rating >= 4 else "mixed" if rating == 3 else "bad"
                    english, french = MATERIAL_COMMENTS[band]
                    texts = french if dist.language == "fr" else english
                    comment = rng.choice(texts) if rng.random() < 0.4 else ""
                    start = max(created, lead.assigned_at or created) if lead else created
                    at = start + (now - start) * rng.random()
                    rows.append(
                        MaterialFeedback(
                            material=material,
                            distributor_id=dist.id,
                            by_id=dist.partner,
                            lead_id=pks[lead.pk] if lead else None,
                            stage=stage,
                            rating=rating,
                            comment=comment,
                            at=at,
                        )  # fmt: skip
                    )
        MaterialFeedback.objects.bulk_create(rows)
        self.step(f"{len(materials)} catalogue items, {len(rows)} ratings")

    # --- the end

    def print_summary(self, summary):
        statuses = ", ".join(f"{status} {n}" for status, n in summary["statuses"].items())
        lines = [
            f"Demo leads: {summary['leads']} leads, {summary['events']} events, "
            f"{summary['registrations']} deal registrations in {summary['seconds']:.1f}s",
            f"  now: {statuses}",
            "  who is who (share of handed-over leads accepted on time):",
        ]
        for role, code in (("fast", FAST), ("slow", SLOW), ("wrong territories", WRONG_TERRITORY)):
            figures = summary["distributors"].get(code, {})
            lines.append(
                f"    {role:<18} partner-{code:<14} accepted on time "
                f"{figures.get('on_time', 0):.0%}, rejected {figures.get('rejected', 0):.0%}"
                f" ({figures.get('not_in_territory', 0):.0%} of them not in territory), "
                f"{figures.get('waiting', 0)} waiting now"
            )
        lines.append(
            f"  partner ({summary['partner_code']}) has {summary['partner_waiting']} leads waiting"
        )
        self.write("\n".join(lines))


def batched(rows, size):
    rows = iter(rows)
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def in_chunks(model, rows):
    """bulk_create, CHUNK rows per transaction."""
    for chunk in batched(rows, CHUNK):
        with transaction.atomic():
            model.objects.bulk_create(chunk)


def demo_leads():
    return Lead.objects.filter(external_ref__startswith=PREFIX)


def staged_leads():
    """Leads a load is writing, or a load that stopped halfway wrote: not the demo's yet."""
    return Lead.objects.filter(external_ref__startswith=STAGING)


def demo_leads_delete():
    leads_delete(PREFIX)


def leads_delete(prefix):
    """Remove the leads whose reference starts with prefix (the demo's own, or staged ones) and
    everything hanging off them (rollups are recounted after). Set-based deletes: the lead
    history's per-row delete signal is bypassed on purpose."""
    ids = Lead.objects.filter(external_ref__startswith=prefix).values("pk")
    MaterialFeedback.objects.filter(lead__in=ids).update(lead=None)
    for model in (
        LeadEvent,
        RoutingDecision,
        LeadRejection,
        LeadExclusion,
        LeadQualification,
        DealRegistration,
    ):
        model.objects.filter(lead__in=ids).delete()
    Lead.history.model.objects.filter(id__in=ids).delete()
    table = connection.ops.quote_name(Lead._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE external_ref LIKE %s", [f"{prefix}%"])  # noqa: S608


def demo_summary(simulation):
    """The figures the command prints, from the simulation it wrote: statuses, and how the
    three story distributors answered."""
    leads = simulation.leads
    codes = {dist.id: dist.code for dist in simulation.world.dists.values()}
    counts = defaultdict(Counter)
    for row in simulation.events:
        code = codes.get(row[4])
        if row[3] == "assigned":
            counts[code]["assigned"] += 1
        elif row[3] == "accepted" and not row[10]:
            counts[code]["on_time"] += 1
        if row[6] == "rejected":
            counts[code]["rejected"] += 1
            counts[code]["territory"] += row[7] == "not_in_territory"
    waiting = Counter(codes[lead.distributor] for lead in leads if lead.status == "assigned")
    figures = {}
    for code in (FAST, SLOW, WRONG_TERRITORY):
        assigned = counts[code]["assigned"] or 1
        figures[code] = {
            "on_time": counts[code]["on_time"] / assigned,
            "rejected": counts[code]["rejected"] / assigned,
            "not_in_territory": counts[code]["territory"] / (counts[code]["rejected"] or 1),
            "waiting": waiting[code],
        }
    first = min(codes.values()) if codes else None
    return {
        "leads": len(leads),
        "events": len(simulation.events),
        "registrations": len(simulation.registrations),
        "statuses": dict(sorted(Counter(lead.status for lead in leads).items())),
        "distributors": figures,
        "partner_waiting": waiting[first],
        "partner_code": first,
    }
