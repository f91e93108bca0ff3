"""The demo channel behind `manage.py demo_data`: believable data, safely re-runnable.

Every row is matched on its natural key, and every figure comes from a generator seeded with that
key and the calendar month, so a second run adds nothing twice and rewrites no history.
"""

import datetime
import math
import random
import time
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from drm.errors import ValidationFailed
from identity.access import CHANNEL_MANAGERS, MANUFACTURER_ADMINS
from identity.models import Membership, UserProfile

from .models import (
    CustomerCategory,
    Distributor,
    ExchangeRate,
    Investment,
    ProductLine,
    Region,
    RevenueRecord,
    Territory,
    Tier,
)
from .services import revenue_reprice

SEED = 20240601
DEMO_PASSWORD = "drm-demo"  # noqa: S105 - the published password of the demo logins
MONTHS = 48
# Growth is measured from a fixed month so that a figure never depends on the day of the run.
GROWTH_ANCHOR = 2025 * 12 + 5
CENT = Decimal("0.01")

# code, name, rank, hours to accept a lead, lead weight (routing shares leads in proportion)
TIERS = [
    ("platinum", "Platinum", 1, 24, 4),
    ("gold", "Gold", 2, 48, 3),
    ("silver", "Silver", 3, 48, 2),
    ("bronze", "Bronze", 4, 72, 1),
]
# Monthly revenue of a typical distributor of the tier, in EUR.
TIER_BASE_EUR = {"platinum": 420_000, "gold": 190_000, "silver": 85_000, "bronze": 32_000}
TIER_LINES = {"platinum": (9, 12), "gold": (7, 10), "silver": (5, 8), "bronze": (3, 6)}
TIER_LEADS = {"platinum": (20, 60), "gold": (10, 35), "silver": (4, 20), "bronze": (1, 10)}

# code, name, unit price in EUR
PRODUCT_LINES = [
    ("actuators", "Actuators", 650),
    ("controllers", "Process controllers", 2100),
    ("dosing-pumps", "Dosing pumps", 950),
    ("drives", "Variable speed drives", 1500),
    ("filtration", "Filtration systems", 1300),
    ("flow-meters", "Flow meters", 1200),
    ("level-sensors", "Level sensors", 310),
    ("motors", "Electric motors", 900),
    ("pressure-sensors", "Pressure sensors", 240),
    ("pumps", "Centrifugal pumps", 1800),
    ("spare-parts", "Spare parts & service kits", 45),
    ("valves", "Industrial valves", 420),
]
CUSTOMER_CATEGORIES = [
    ("contractors", "Installers & contractors"),
    ("industry", "Process industry"),
    ("oem", "OEMs"),
    ("public", "Public sector"),
    ("utilities", "Water & energy utilities"),
]

# What French readers see of the reference data above (the English name where none is given).
TIERS_FR = {"platinum": "Platine", "gold": "Or", "silver": "Argent", "bronze": "Bronze"}
PRODUCT_LINES_FR = {
    "actuators": "Actionneurs",
    "controllers": "Régulateurs de procédé",
    "dosing-pumps": "Pompes doseuses",
    "drives": "Variateurs de vitesse",
    "filtration": "Systèmes de filtration",
    "flow-meters": "Débitmètres",
    "level-sensors": "Capteurs de niveau",
    "motors": "Moteurs électriques",
    "pressure-sensors": "Capteurs de pression",
    "pumps": "Pompes centrifuges",
    "spare-parts": "Pièces détachées et kits d'entretien",
    "valves": "Vannes industrielles",
}
CUSTOMER_CATEGORIES_FR = {
    "contractors": "Installateurs et entreprises",
    "industry": "Industrie de procédés",
    "oem": "Constructeurs (OEM)",
    "public": "Secteur public",
    "utilities": "Services d'eau et d'énergie",
}

COUNTRIES = {
    "AT": ("Central Europe", "EUR"),
    "CH": ("Central Europe", "CHF"),
    "DE": ("Central Europe", "EUR"),
    "PL": ("Central Europe", "PLN"),
    "FR": ("Western Europe", "EUR"),
    "GB": ("Western Europe", "GBP"),
    "NL": ("Western Europe", "EUR"),
    "ES": ("Southern Europe", "EUR"),
    "IT": ("Southern Europe", "EUR"),
    "SE": ("Nordics", "SEK"),
    "CA": ("North America", "CAD"),
    "US": ("North America", "USD"),
    "BR": ("Latin America", "BRL"),
    "AU": ("Asia Pacific", "AUD"),
    "JP": ("Asia Pacific", "JPY"),
}
REGIONS_FR = {
    "Central Europe": "Europe centrale",
    "Western Europe": "Europe de l'Ouest",
    "Southern Europe": "Europe du Sud",
    "Nordics": "Pays nordiques",
    "North America": "Amérique du Nord",
    "Latin America": "Amérique latine",
    "Asia Pacific": "Asie-Pacifique",
}
SOUTHERN_HEMISPHERE = {"AU", "BR"}
# Roughly what one unit was worth in EUR; demo rates wander around these.
EUR_PER_UNIT = {
    "EUR": 1.0,
    "USD": 0.92,
    "GBP": 1.17,
    "CHF": 1.05,
    "SEK": 0.087,
    "PLN": 0.232,
    "JPY": 0.0061,
    "BRL": 0.17,
    "AUD": 0.60,
    "CAD": 0.67,
}

# The territory's country is its code's prefix.
TERRITORIES = {
    "at": "Austria",
    "au-east": "Eastern Australia",
    "au-north": "Northern Australia",
    "au-west": "Western Australia",
    "br-north": "Northern Brazil",
    "br-southeast": "Southeast Brazil",
    "ca-east": "Eastern Canada",
    "ca-west": "Western Canada",
    "ch-german": "German-speaking Switzerland",
    "ch-romandy": "Romandy",
    "de-east": "Eastern Germany",
    "de-north": "Northern Germany",
    "de-south": "Southern Germany",
    "de-west": "Western Germany",
    "es-centre": "Central Spain",
    "es-east": "Eastern Spain",
    "fr-north": "Northern France",
    "fr-south": "Southern France",
    "fr-west": "Western France",
    "gb-england": "England & Wales",
    "gb-scotland": "Scotland",
    "it-north": "Northern Italy",
    "it-south": "Southern Italy",
    "jp-kansai": "Kansai",
    "jp-kanto": "Kanto",
    "jp-tohoku": "Tohoku",
    "nl": "Netherlands",
    "pl-north": "Northern Poland",
    "pl-south": "Southern Poland",
    "se-north": "Northern Sweden",
    "se-south": "Southern Sweden",
    "us-midwest": "US Midwest",
    "us-northeast": "US Northeast",
    "us-south": "US South",
    "us-southwest": "US Southwest",
    "us-west": "US West",
}
TERRITORIES_FR = {
    "at": "Autriche",
    "au-east": "Est de l'Australie",
    "au-north": "Nord de l'Australie",
    "au-west": "Ouest de l'Australie",
    "br-north": "Nord du Brésil",
    "br-southeast": "Sud-Est du Brésil",
    "ca-east": "Est du Canada",
    "ca-west": "Ouest du Canada",
    "ch-german": "Suisse alémanique",
    "ch-romandy": "Suisse romande",
    "de-east": "Est de l'Allemagne",
    "de-north": "Nord de l'Allemagne",
    "de-south": "Sud de l'Allemagne",
    "de-west": "Ouest de l'Allemagne",
    "es-centre": "Centre de l'Espagne",
    "es-east": "Est de l'Espagne",
    "fr-north": "Nord de la France",
    "fr-south": "Sud de la France",
    "fr-west": "Ouest de la France",
    "gb-england": "Angleterre et pays de Galles",
    "gb-scotland": "Écosse",
    "it-north": "Italie du Nord",
    "it-south": "Italie du Sud",
    "jp-kansai": "Kansai",
    "jp-kanto": "Kantō",
    "jp-tohoku": "Tōhoku",
    "nl": "Pays-Bas",
    "pl-north": "Nord de la Pologne",
    "pl-south": "Sud de la Pologne",
    "se-north": "Nord de la Suède",
    "se-south": "Sud de la Suède",
    "us-midwest": "Midwest des États-Unis",
    "us-northeast": "Nord-Est des États-Unis",
    "us-south": "Sud des États-Unis",
    "us-southwest": "Sud-Ouest des États-Unis",
    "us-west": "Ouest des États-Unis",
}

ACTIVE = Distributor.Status.ACTIVE
ONBOARDING = Distributor.Status.ONBOARDING
PROBATION = Distributor.Status.PROBATION
TERMINATED = Distributor.Status.TERMINATED

# code, name, country, territories, tier, status
DISTRIBUTORS = [
    ("adriatica", "Adriatica Forniture S.p.A.", "IT", ["it-north", "it-south"], "gold", ACTIVE),
    ("alpen-technik", "Alpen Technik GmbH", "AT", ["at"], "silver", ACTIVE),
    ("amazonia", "Amazônia Industrial Ltda", "BR", ["br-north"], "bronze", TERMINATED),
    ("appalachian", "Appalachian Fluid Power LLC", "US", ["us-northeast"], "silver", ACTIVE),
    ("atlantique", "Atlantique Process SA", "FR", ["fr-west"], "silver", ACTIVE),
    ("bavaria-fluid", "Bavaria Fluid Systems GmbH", "DE", ["de-south"], "platinum", ACTIVE),
    ("caledonian", "Caledonian Process Ltd", "GB", ["gb-scotland"], "bronze", ACTIVE),
    ("coral-coast", "Coral Coast Automation Pty Ltd", "AU", ["au-north"], "bronze", ONBOARDING),
    ("delta-techniek", "Delta Techniek B.V.", "NL", ["nl"], "gold", ACTIVE),
    ("desert-sw", "Desert Southwest Automation Inc.", "US", ["us-southwest"], "bronze", ONBOARDING),
    ("elbe-automation", "Elbe Automation KG", "DE", ["de-east"], "silver", ACTIVE),
    ("gota-teknik", "Göta Teknik AB", "SE", ["se-south"], "silver", ACTIVE),
    ("great-lakes", "Great Lakes Industrial Supply Inc.", "US", ["us-midwest"], "platinum", ACTIVE),
    ("gulf-coast", "Gulf Coast Process Equipment LLC", "US", ["us-south"], "gold", ACTIVE),
    ("helvetia", "Helvetia Präzision AG", "CH", ["ch-german"], "gold", ACTIVE),
    ("iberia", "Iberia Suministros S.L.", "ES", ["es-centre"], "gold", ACTIVE),
    ("kansai-kiki", "Kansai Kiki K.K.", "JP", ["jp-kansai", "jp-kanto"], "platinum", ACTIVE),
    ("leman-automation", "Léman Automation SA", "CH", ["ch-romandy"], "silver", ACTIVE),
    ("levante", "Levante Industrial S.A.", "ES", ["es-east"], "silver", ACTIVE),
    ("loire", "Loire Équipements SAS", "FR", ["fr-north"], "gold", ACTIVE),
    ("lombardia", "Lombardia Tecnica S.r.l.", "IT", ["it-north"], "platinum", ACTIVE),
    ("maple-leaf", "Maple Leaf Industrial Ltd", "CA", ["ca-east"], "gold", ACTIVE),
    ("new-england", "New England Motion Co.", "US", ["us-northeast"], "silver", ACTIVE),
    ("nordwerk", "Nordwerk Handels GmbH", "DE", ["de-north"], "gold", ACTIVE),
    ("norrland", "Norrland Industri AB", "SE", ["se-north"], "bronze", ACTIVE),
    ("outback", "Outback Pumps & Valves Pty Ltd", "AU", ["au-west"], "silver", ACTIVE),
    ("pacific-nw", "Pacific Northwest Controls Inc.", "US", ["us-west"], "gold", ACTIVE),
    ("paulista", "Paulista Equipamentos Ltda", "BR", ["br-southeast"], "silver", ACTIVE),
    ("pennine", "Pennine Industrial Supplies Ltd", "GB", ["gb-england"], "gold", ACTIVE),
    # Wrong on purpose: Polder sells in the Netherlands only, but its record also names two German
    # territories, so routing offers it German leads that it rejects as "not in our territory"
    # (the leads demo, leads/demo.py, tells that story).
    ("polder", "Polder Pompen B.V.", "NL", ["nl", "de-north", "de-west"], "bronze", PROBATION),
    ("prairie", "Prairie Process Solutions Inc.", "CA", ["ca-west"], "bronze", PROBATION),
    ("provence", "Provence Industrie SARL", "FR", ["fr-south"], "bronze", ACTIVE),
    ("rheinland", "Rheinland Industrietechnik GmbH", "DE", ["de-west"], "platinum", ACTIVE),
    ("schwarzwald", "Schwarzwald Antriebe GmbH", "DE", ["de-south"], "silver", ACTIVE),
    ("sicilia", "Sicilia Impianti S.r.l.", "IT", ["it-south"], "bronze", PROBATION),
    ("southern-cross", "Southern Cross Industrial Pty Ltd", "AU", ["au-east"], "gold", ACTIVE),
    ("tatra", "Tatra Przemysł Sp. z o.o.", "PL", ["pl-south"], "bronze", ONBOARDING),
    ("thames-valley", "Thames Valley Controls Ltd", "GB", ["gb-england"], "silver", ACTIVE),
    ("tohoku-seiki", "Tohoku Seiki Co., Ltd.", "JP", ["jp-tohoku"], "silver", ACTIVE),
    ("wisla", "Wisła Technika Sp. z o.o.", "PL", ["pl-north"], "silver", ACTIVE),
]

# username, first name, last name, regions managed (None: the rest)
MANAGERS = [
    ("manager", "Maria", "Keller", None),
    ("manager-americas", "James", "Carter", {"North America", "Latin America"}),
    ("manager-apac", "Aiko", "Tanaka", {"Asia Pacific"}),
]

# Investment kinds: value of one unit of the kind in EUR (market funds are money already).
UNIT_VALUE_EUR = {
    Investment.Kind.LEADS_SUPPLIED: 75,
    Investment.Kind.MANAGER_HOURS: 95,
    Investment.Kind.TRAINING_DAYS: 850,
    Investment.Kind.DEMO_UNITS: 1900,
}


# --- calendar and currencies --------------------------------------------------------------


def month_index(day):
    return day.year * 12 + day.month - 1


def month_date(index):
    return datetime.date(index // 12, index % 12 + 1, 1)


def add_years(day, years):
    return day.replace(year=day.year + years)


def eur_per_unit(currency, index):
    """A smooth, deterministic wander around the currency's usual value, by calendar month."""
    rng = random.Random(f"{SEED}:fx:{currency}")
    slow, slow_period = rng.uniform(0.02, 0.06), rng.uniform(14, 30)
    fast, fast_period = rng.uniform(0.005, 0.02), rng.uniform(4, 8)
    phase_slow, phase_fast = rng.uniform(0, 2 * math.pi), rng.uniform(0, 2 * math.pi)
    wobble = slow * math.sin(2 * math.pi * index / slow_period + phase_slow) + fast * math.sin(
        2 * math.pi * index / fast_period + phase_fast
    )
    return EUR_PER_UNIT[currency] * (1 + wobble) if currency != "EUR" else 1.0


def money(value):
    return Decimal(str(round(value, 2))).quantize(CENT)


# --- the plan: what one distributor looks like --------------------------------------------


# Distributors in these countries prefer French, or US English (its dates month first), for
# e-mails, documents and their partners' pages; the others the channel's English.
FRENCH_SPEAKING = {"FR": "fr"}
LANGUAGES_BY_COUNTRY = {**FRENCH_SPEAKING, "US": "en-us"}


class DistributorPlan:
    """Everything random about one demo distributor, drawn from a generator seeded by its code."""

    def __init__(self, code, name, country, territories, tier, status, *, last_month):
        rng = random.Random(f"{SEED}:{code}")
        self.code, self.name, self.country = code, name, country
        self.territories, self.tier, self.status = territories, tier, status
        self.region, self.currency = COUNTRIES[country]
        self.base_eur = TIER_BASE_EUR[tier] * rng.uniform(0.7, 1.35)
        growth_range = {
            ACTIVE: {"platinum": (0.02, 0.16), "gold": (0.0, 0.2)}.get(tier, (-0.06, 0.25)),
            PROBATION: (-0.28, -0.1),
            TERMINATED: (-0.4, -0.2),
            ONBOARDING: (0.0, 0.1),
        }[status]
        self.growth = rng.uniform(*growth_range)
        if status == ACTIVE and rng.random() < 0.15:
            self.growth += 0.15  # a few rising stars
        self.amplitude = rng.uniform(0.04, 0.22)
        self.peak = rng.choice([4, 5, 6, 9, 10])
        if country in SOUTHERN_HEMISPHERE:
            self.peak = (self.peak + 6 - 1) % 12 + 1
        self.margin_rate = rng.uniform(0.18, 0.34)
        count = rng.randint(*TIER_LINES[tier])
        lines = sorted(rng.sample([code for code, _, _ in PRODUCT_LINES], count))
        self.line_weights = _weights(rng, lines)
        self.category_weights = None
        if rng.random() < 0.35:
            categories = sorted(
                rng.sample([code for code, _ in CUSTOMER_CATEGORIES], rng.randint(2, 4))
            )
            self.category_weights = _weights(rng, categories)
        last = month_index(last_month)
        if status == ONBOARDING:
            self.contract_start = month_date(last - rng.randint(1, 4))
            self.contract_end = add_years(self.contract_start, 3) - datetime.timedelta(days=1)
        elif status == TERMINATED:
            self.contract_start = datetime.date(rng.randint(2014, 2019), rng.randint(1, 12), 1)
            self.contract_end = month_date(last - 7) - datetime.timedelta(days=1)
        else:
            self.contract_start = datetime.date(rng.randint(2012, 2022), rng.randint(1, 12), 1)
            term = rng.choice([3, 5])
            end = add_years(self.contract_start, term)
            while end <= last_month:
                end = add_years(end, term)
            self.contract_end = end - datetime.timedelta(days=1)
        potential_eur = self.base_eur * 12 * rng.uniform(2.5, 6.0)
        self.market_potential_eur = round(potential_eur, -3)

    def active_in(self, index):
        return month_index(self.contract_start) <= index <= month_index(self.contract_end)

    def level_eur(self, index):
        """Total monthly revenue in EUR: trend × season × ramp-up or wind-down."""
        level = self.base_eur * (1 + self.growth) ** ((index - GROWTH_ANCHOR) / 12)
        month = index % 12 + 1
        level *= 1 + self.amplitude * math.cos(2 * math.pi * (month - self.peak) / 12)
        if self.region.endswith("Europe") or self.region == "Nordics":
            level *= {8: 0.78, 12: 0.86}.get(month, 1.0)  # summer holidays, Christmas
        elif self.country == "JP" and month == 3:
            level *= 1.25  # fiscal year end
        elif self.country == "US" and month == 12:
            level *= 1.12  # budget flush
        if self.status == ONBOARDING:
            level *= min(1.0, (index - month_index(self.contract_start) + 1) / 6)
        elif self.status == TERMINATED:
            months_left = month_index(self.contract_end) - index
            level *= min(1.0, (months_left + 1) / 5)
        return level


def _weights(rng, keys):
    raw = {key: rng.uniform(0.3, 1.0) ** 2 for key in keys}
    total = sum(raw.values())
    return {key: value / total for key, value in raw.items()}


# --- writing ------------------------------------------------------------------------------


def upsert(model, rows, *, key, fields, existing):
    """Create missing rows and update changed ones, matching `rows` to `existing` on `key`.

    Returns (created, updated) counts. `existing` is a queryset that covers every key in rows.
    """
    current = {}
    for values in existing.values_list("pk", *key, *fields):
        current[tuple(values[1 : 1 + len(key)])] = (values[0], tuple(values[1 + len(key) :]))
    to_create, to_update = [], []
    has_updated_at = any(field.name == "updated_at" for field in model._meta.concrete_fields)
    now = timezone.now()
    for row in rows:
        found = current.get(tuple(getattr(row, name) for name in key))
        if found is None:
            to_create.append(row)
        elif found[1] != tuple(getattr(row, name) for name in fields):
            row.pk = found[0]
            if has_updated_at:
                row.updated_at = now
            to_update.append(row)
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        update_fields = [*fields, "updated_at"] if has_updated_at else list(fields)
        update_fields = [name.removesuffix("_id") for name in update_fields]
        model.objects.bulk_update(to_update, update_fields, batch_size=500)
    return len(to_create), len(to_update)


class DemoLoader:
    """Loads the demo channel; `write` receives each line of progress and the login list."""

    def __init__(self, write=print):
        self.write = write

    def load(self, *, quiet=False, force=False, verbosity=1):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load demo logins with a published password under production "
                "settings; pass --force to seed a staging site on purpose."
            )
        reporting = settings.REPORTING_CURRENCY
        if reporting not in EUR_PER_UNIT:
            raise ValidationFailed(
                f"demo_data has no exchange rates for REPORTING_CURRENCY={reporting}; "
                f"use one of {', '.join(sorted(EUR_PER_UNIT))}."
            )
        self.verbose = verbosity > 0 and not quiet
        self.started = time.monotonic()
        today = timezone.localdate()
        self.last_month = month_date(month_index(today) - 1)
        self.months = [
            month_index(self.last_month) - offset for offset in range(MONTHS - 1, -1, -1)
        ]
        self.reporting = reporting
        plans = [DistributorPlan(*row, last_month=self.last_month) for row in DISTRIBUTORS]
        with transaction.atomic():
            self.load_reference_data()
            users = self.load_users(plans)
            distributors = self.load_distributors(plans, users)
            self.load_memberships(plans, distributors, users)
            self.load_exchange_rates()
            self.load_revenue(plans, distributors)
            self.load_investments(plans, distributors)
        if verbosity > 0:
            self.print_logins(plans, distributors)

    def step(self, message):
        if self.verbose:
            self.write(f"[{time.monotonic() - self.started:5.1f}s] {message}")

    # --- reference data

    def load_reference_data(self):
        for code, name, rank, accept_hours, lead_weight in TIERS:
            Tier.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "name_fr": TIERS_FR.get(code, ""),
                    "rank": rank,
                    "accept_hours": accept_hours,
                    "lead_weight": lead_weight,
                },
            )
        self.product_lines = {}
        for code, name, _ in PRODUCT_LINES:
            line, _ = ProductLine.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "name_fr": PRODUCT_LINES_FR.get(code, ""),
                    "is_active": True,
                },
            )
            self.product_lines[code] = line
        self.categories = {}
        for code, name in CUSTOMER_CATEGORIES:
            self.categories[code], _ = CustomerCategory.objects.update_or_create(
                code=code, defaults={"name": name, "name_fr": CUSTOMER_CATEGORIES_FR.get(code, "")}
            )
        self.territories = {}
        for code, name in TERRITORIES.items():
            country = code.split("-")[0].upper()
            self.territories[code], _ = Territory.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "name_fr": TERRITORIES_FR.get(code, ""),
                    "country": country,
                    "region": COUNTRIES[country][0],
                },
            )
        for name, name_fr in REGIONS_FR.items():
            Region.objects.update_or_create(name=name, defaults={"name_fr": name_fr})
        self.step(
            f"{len(TIERS)} tiers, {len(PRODUCT_LINES)} product lines, "
            f"{len(CUSTOMER_CATEGORIES)} customer categories, {len(TERRITORIES)} territories, "
            f"{len(REGIONS_FR)} regions (names in English and French)"
        )

    # --- people

    def load_users(self, plans):
        """Create or reset the demo logins; the password is hashed once, not once per user."""
        password = make_password(DEMO_PASSWORD)
        wanted = [
            {
                "username": "admin",
                "first_name": "Alex",
                "last_name": "Morgan",
                "is_staff": True,
                "is_superuser": True,
            },
            *(
                {"username": username, "first_name": first, "last_name": last}
                for username, first, last, _ in MANAGERS
            ),
            {"username": "partner", "first_name": "Paolo", "last_name": "Ricci"},
            *(
                {
                    "username": f"partner-{plan.code}",
                    "first_name": "Partner",
                    "last_name": plan.name,
                }
                for plan in plans[1:]
            ),
        ]
        User = get_user_model()
        existing = User.objects.in_bulk([row["username"] for row in wanted], field_name="username")
        fields = ["email", "first_name", "last_name", "is_staff", "is_superuser", "is_active"]
        to_create, to_update = [], []
        for row in wanted:
            values = {
                "email": f"{row['username']}@demo.drm.example",
                "is_staff": False,
                "is_superuser": False,
                "is_active": True,
                **row,
            }
            user = existing.get(row["username"])
            if user is None:
                to_create.append(User(password=password, **values))
            else:
                for name, value in values.items():
                    setattr(user, name, value)
                user.password = password
                to_update.append(user)
        User.objects.bulk_create(to_create)
        User.objects.bulk_update(to_update, [*fields, "password"])
        users = User.objects.in_bulk([row["username"] for row in wanted], field_name="username")
        admins, _ = Group.objects.get_or_create(name=MANUFACTURER_ADMINS)
        managers, _ = Group.objects.get_or_create(name=CHANNEL_MANAGERS)
        admins.user_set.add(users["admin"])
        managers.user_set.add(*(users[username] for username, *_ in MANAGERS))
        self.step(f"{len(users)} demo logins ({len(to_create)} new)")
        return users

    def manager_for(self, plan, users):
        for username, _, _, regions in MANAGERS:
            if regions and plan.region in regions:
                return users[username]
        return users[MANAGERS[0][0]]

    # --- distributors

    def load_distributors(self, plans, users):
        tiers = {tier.code: tier for tier in Tier.objects.all()}
        rate = eur_per_unit(self.reporting, month_index(self.last_month))
        distributors = {}
        for plan in plans:
            distributor, _ = Distributor.objects.update_or_create(
                code=plan.code,
                defaults={
                    "name": plan.name,
                    "country": plan.country,
                    "region": plan.region,
                    "currency": plan.currency,
                    "tier": tiers[plan.tier],
                    "status": plan.status,
                    "contract_start": plan.contract_start,
                    "contract_end": plan.contract_end,
                    "account_manager": self.manager_for(plan, users),
                    "market_potential": money(round(plan.market_potential_eur / rate, -3)),
                    "language": LANGUAGES_BY_COUNTRY.get(plan.country, "en"),
                },
            )
            distributor.territories.set([self.territories[code] for code in plan.territories])
            distributor.product_lines.set([self.product_lines[code] for code in plan.line_weights])
            distributors[plan.code] = distributor
        self.step(f"{len(distributors)} distributors in {len(COUNTRIES)} countries")
        return distributors

    def load_memberships(self, plans, distributors, users):
        # The first distributor by code gets the short `partner` login.
        first, *others = sorted(plans, key=lambda plan: plan.code)
        pairs = [("partner", first.code)] + [(f"partner-{p.code}", p.code) for p in others]
        rows = [
            Membership(
                user=users[username],
                distributor=distributors[code],
                role=Membership.Role.ADMIN,
            )
            for username, code in pairs
        ]
        created, updated = upsert(
            Membership,
            rows,
            key=("user_id",),
            fields=("distributor_id", "role"),
            existing=Membership.objects.filter(user__in=[row.user for row in rows]),
        )
        # Partners of French-speaking (or US) distributors see the portal in their language (and
        # dates) from their first login.
        for row in rows:
            if row.distributor.language != "en":
                UserProfile.objects.update_or_create(
                    user=row.user, defaults={"language": row.distributor.language}
                )
        self.step(f"{len(rows)} partner memberships ({created} new, {updated} changed)")

    # --- figures

    def load_exchange_rates(self):
        currencies = sorted(currency for currency in EUR_PER_UNIT if currency != self.reporting)
        rows = []
        for currency in currencies:
            for index in self.months:
                rate = eur_per_unit(currency, index) / eur_per_unit(self.reporting, index)
                rows.append(
                    ExchangeRate(
                        currency=currency,
                        month=month_date(index),
                        rate=Decimal(f"{rate:.8f}"),
                    )
                )
        created, updated = upsert(
            ExchangeRate,
            rows,
            key=("currency", "month"),
            fields=("rate",),
            existing=ExchangeRate.objects.filter(
                currency__in=currencies, month__gte=month_date(self.months[0])
            ),
        )
        self.step(
            f"{len(rows)} exchange rates to {self.reporting} ({created} new, {updated} changed)"
        )

    def load_revenue(self, plans, distributors):
        rows = []
        unit_price = {code: price for code, _, price in PRODUCT_LINES}
        for plan in plans:
            distributor = distributors[plan.code]
            categories = plan.category_weights or {None: 1.0}
            for index in self.months:
                if not plan.active_in(index):
                    continue
                level = plan.level_eur(index)
                to_local = 1 / eur_per_unit(plan.currency, index)
                for line, line_weight in plan.line_weights.items():
                    for category, category_weight in categories.items():
                        noise = random.Random(f"{SEED}:{plan.code}:{index}:{line}:{category}")
                        factor = max(0.4, noise.gauss(1.0, 0.09))
                        if noise.random() < 0.03:
                            factor *= 1.6  # a big project order
                        amount_eur = level * line_weight * category_weight * factor
                        margin = plan.margin_rate + noise.uniform(-0.04, 0.04)
                        rows.append(
                            RevenueRecord(
                                distributor=distributor,
                                month=month_date(index),
                                product_line=self.product_lines[line],
                                customer_category=self.categories.get(category),
                                currency=distributor.currency,
                                amount=money(amount_eur * to_local),
                                units=max(1, round(amount_eur / unit_price[line])),
                                margin=money(amount_eur * to_local * margin),
                            )
                        )
        created, updated = upsert(
            RevenueRecord,
            rows,
            key=("distributor_id", "month", "product_line_id", "customer_category_id"),
            fields=("currency", "amount", "units", "margin"),
            existing=RevenueRecord.objects.filter(
                distributor__in=distributors.values(), month__gte=month_date(self.months[0])
            ),
        )
        # Price every row with the rates just loaded (the demo writes rows directly).
        revenue_reprice()
        self.step(f"{len(rows)} revenue records ({created} new, {updated} changed)")

    def load_investments(self, plans, distributors):
        rows = []
        Kind = Investment.Kind
        for plan in plans:
            distributor = distributors[plan.code]
            for index in self.months:
                if not plan.active_in(index):
                    continue
                rng = random.Random(f"{SEED}:{plan.code}:{index}:investments")
                month = month_date(index)
                to_reporting = 1 / eur_per_unit(self.reporting, index)
                needs_care = plan.status in (ONBOARDING, PROBATION)
                quantities = {
                    (Kind.LEADS_SUPPLIED, 1): rng.randint(*TIER_LEADS[plan.tier]),
                    (Kind.MANAGER_HOURS, 28): rng.randint(4, 24) + (16 if needs_care else 0),
                }
                if rng.random() < (0.8 if plan.status == ONBOARDING else 0.3):
                    quantities[(Kind.TRAINING_DAYS, 15)] = rng.randint(1, 4)
                if rng.random() < (0.5 if plan.status == ONBOARDING else 0.12):
                    quantities[(Kind.DEMO_UNITS, 10)] = rng.randint(1, 5)
                funded = plan.tier != "bronze" or rng.random() < 0.5
                if month.month in (1, 4, 7, 10) and funded:
                    funds = plan.level_eur(index) * 3 * rng.uniform(0.01, 0.04) * to_reporting
                    quantities[(Kind.MARKET_FUNDS, 5)] = round(funds, -2) or 100
                for (kind, day), quantity in quantities.items():
                    if kind == Kind.MARKET_FUNDS:
                        value = quantity
                    else:
                        value = quantity * UNIT_VALUE_EUR[kind] * to_reporting
                    rows.append(
                        Investment(
                            distributor=distributor,
                            date=month.replace(day=day),
                            kind=kind,
                            amount=money(quantity),
                            value=money(value),
                            # The distributor's own words: a French distributor's notes in French.
                            note="Données de démonstration"
                            if plan.country in FRENCH_SPEAKING
                            else "Demo data",
                        )
                    )
        created, updated = upsert(
            Investment,
            rows,
            key=("distributor_id", "date", "kind"),
            fields=("amount", "value", "note"),
            existing=Investment.objects.filter(
                distributor__in=distributors.values(), date__gte=month_date(self.months[0])
            ),
        )
        self.step(f"{len(rows)} investments ({created} new, {updated} changed)")

    # --- the end

    def print_logins(self, plans, distributors):
        first, second = sorted(plan.code for plan in plans)[:2]
        europe = sum(1 for d in distributors.values() if d.account_manager.username == "manager")
        lines = [
            "",
            f"Demo logins (password: {DEMO_PASSWORD})",
            "  admin             manufacturer admin, superuser (also /admin/)",
            f"  manager           channel manager, account manager of {europe} distributors",
            "  manager-americas  channel manager for North and Latin America",
            "  manager-apac      channel manager for Asia Pacific",
            f"  partner           partner admin of {first} ({distributors[first].name})",
            f"  partner-<code>    partner admin of every other distributor, e.g. partner-{second}",
            "",
        ]
        if self.verbose:
            self.step("done")
        self.write("\n".join(lines))
