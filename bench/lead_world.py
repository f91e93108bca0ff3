"""A believable channel of distributors and leads, generated inside Postgres for the lead bench.

Every size follows `scale`: 10,000 distributors and 10,000,000 leads at 1. Rows are made by
set-based `INSERT … SELECT` over `generate_series`, never by Python loops over rows. Randomness
comes from `hashint8extended(n, k)`, so a world is the same on every run.

Each lead gets a legal life, as the services would have written it: imported as MQL → routed to a
distributor of its country → (rejected, with a LeadRejection and an exclusion, or let expire, then
routed to another one; or escalated back to the pool) → accepted → DQL → opportunity → won or
lost, each step with its time, distributor, cause, reason, waited hours and lateness. Steps after
`now` have not happened yet, so recent leads are still in the pool or waiting for an answer. The
rollups are then rebuilt by `leads.rollups.rollups_rebuild()`. A lead's values are in its
country's currency, and every currency has a monthly exchange rate over the world's two years.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

COUNTRIES = (  # (code, currency, name), most leads first
    ("DE", "EUR", "Germany"),
    ("FR", "EUR", "France"),
    ("GB", "GBP", "United Kingdom"),
    ("US", "USD", "United States"),
    ("IT", "EUR", "Italy"),
    ("ES", "EUR", "Spain"),
    ("NL", "EUR", "Netherlands"),
    ("PL", "PLN", "Poland"),
    ("BE", "EUR", "Belgium"),
    ("SE", "SEK", "Sweden"),
    ("AT", "EUR", "Austria"),
    ("CH", "CHF", "Switzerland"),
    ("CA", "CAD", "Canada"),
    ("DK", "DKK", "Denmark"),
    ("CZ", "CZK", "Czechia"),
    ("NO", "NOK", "Norway"),
    ("FI", "EUR", "Finland"),
    ("PT", "EUR", "Portugal"),
    ("IE", "EUR", "Ireland"),
    ("JP", "JPY", "Japan"),
)
# Roughly what one unit was worth in EUR: the world's monthly exchange rates wander around these,
# so that every won value, in its lead's currency, has a rate for its month (as a portal whose
# manager keeps the rates would).
EUR_PER_UNIT = {
    "EUR": 1.0,
    "GBP": 1.17,
    "USD": 0.92,
    "PLN": 0.232,
    "SEK": 0.087,
    "CHF": 1.05,
    "CAD": 0.67,
    "DKK": 0.134,
    "CZK": 0.040,
    "NOK": 0.086,
    "JPY": 0.0061,
}
# Months of rates back from the running month: the leads' 730 days and one month more.
RATE_MONTHS = 26
REGIONS = ("North", "South", "East", "West")
SOURCES = (  # (code, name, kind), most leads first
    ("web-form", "Website contact form", "channel"),
    ("trade-fair", "Trade fair", "campaign"),
    ("webinar", "Webinar", "campaign"),
    ("search-ads", "Search ads", "channel"),
    ("demo-request", "Demo request", "channel"),
    ("linkedin", "LinkedIn campaign", "campaign"),
    ("newsletter", "Newsletter", "channel"),
    ("price-request", "Price request", "channel"),
    ("white-paper", "White paper download", "campaign"),
    ("chat", "Website chat", "channel"),
    ("referral", "Customer referral", "channel"),
    ("roadshow", "Roadshow", "campaign"),
    ("catalogue", "Catalogue request", "channel"),
    ("trial", "Product trial", "campaign"),
    ("marketplace", "Marketplace", "channel"),
    ("cold-call", "Call centre", "campaign"),
    ("social", "Social media", "channel"),
    ("print-ad", "Trade press ad", "campaign"),
    ("partner-event", "Partner event", "campaign"),
    ("affiliate", "Affiliate sites", "channel"),
)
# (code, name, accept hours, lead weight, share of a country's distributors), biggest first
TIERS = (
    ("platinum", "Platinum", 24, 3, 0.05),
    ("gold", "Gold", 48, 2, 0.20),
    ("silver", "Silver", 48, 1, 0.40),
    ("bronze", "Bronze", 72, 1, 0.35),
)
LINES = 10
# Rejection reasons, most frequent first ("other" comes with a comment, as the service demands).
REJECTIONS = (
    "no_need",
    "no_budget",
    "not_in_territory",
    "bad_contact",
    "duplicate",
    "already_customer",
    "competitor",
    "spam",
    "other",
)
COMPANY_WORDS = (
    "Nordic",
    "Alpine",
    "Baltic",
    "Central",
    "Atlas",
    "Delta",
    "Apex",
    "Summit",
    "Harbor",
    "Meridian",
    "Pioneer",
    "Vertex",
    "Granite",
    "Silver",
    "Cedar",
    "Falcon",
    "Orion",
    "Zenith",
    "Horizon",
    "Keystone",
)
COMPANY_NOUNS = (
    "Tools",
    "Machines",
    "Foods",
    "Logistics",
    "Engineering",
    "Automation",
    "Plastics",
    "Metals",
    "Systems",
    "Supplies",
    "Packaging",
    "Energy",
    "Textiles",
    "Labs",
    "Construction",
    "Motors",
    "Electronics",
    "Pharma",
    "Farms",
    "Hotels",
)
COMPANY_FORMS = ("GmbH", "SARL", "Ltd", "Inc.", "S.p.A.", "S.L.", "B.V.", "AB")
FIRST_NAMES = (
    "Anna",
    "Marie",
    "Lukas",
    "Sophie",
    "Jonas",
    "Emma",
    "Paul",
    "Lea",
    "Hugo",
    "Chloe",
    "Oliver",
    "Amelia",
    "Marco",
    "Giulia",
    "Lucia",
    "Pablo",
    "Daan",
    "Julia",
    "Piotr",
    "Maja",
)
LAST_NAMES = (
    "Muller",
    "Martin",
    "Smith",
    "Rossi",
    "Garcia",
    "Jansen",
    "Nowak",
    "Peeters",
    "Berg",
    "Gruber",
    "Meier",
    "Brown",
    "Jensen",
    "Novak",
    "Hansen",
    "Virtanen",
    "Silva",
    "Murphy",
    "Sato",
    "Schmidt",
)


@dataclass
class World:
    distributors: int = 0
    leads: int = 0
    events: int = 0
    rejections: int = 0
    rollup_rows: int = 0
    exchange_rates: int = 0
    partners: int = 0
    timings: dict = field(default_factory=dict)
    big_distributor_code: str = ""
    big_partner_username: str = ""


def sizes(scale):
    """(distributors, leads): 10,000 and 10,000,000 at scale 1; a whole number per country."""
    per_country = max(2, round(10_000 * scale / len(COUNTRIES)))
    return per_country * len(COUNTRIES), max(1000, round(10_000_000 * scale))


def _array(values):
    return "ARRAY[" + ", ".join(str(int(v)) for v in values) + "]::bigint[]"


def _texts(values):
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _u(k, n="n"):
    """A uniform number in [0, 1) drawn from the row number `n` (stream k)."""
    return f"((hashint8extended({n}, {k}) & 2147483647)::float8 / 2147483648.0)"


def _execute(cursor, sql, params=None):
    cursor.execute(sql, params or [])
    return cursor.rowcount


def _reference_data(cursor, now):
    """Tiers, product lines, lead sources, territories: (tier ids, line ids, source ids)."""
    from distributors.models import ProductLine, Territory, Tier
    from leads.models import LeadSource

    tiers = []
    for code, name, hours, weight, _share in TIERS:
        tier = Tier.objects.filter(code=code).first()
        if tier is None:
            rank = (Tier.objects.order_by("-rank").values_list("rank", flat=True).first() or 0) + 1
            tier = Tier.objects.create(
                code=code, name=name, rank=rank, accept_hours=hours, lead_weight=weight
            )
        else:
            Tier.objects.filter(pk=tier.pk).update(accept_hours=hours, lead_weight=weight)
        tiers.append(tier.pk)
    lines = [
        ProductLine.objects.get_or_create(code=f"line-{i}", defaults={"name": f"Line {i}"})[0].pk
        for i in range(LINES)
    ]
    sources = [
        LeadSource.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0].pk
        for code, name, kind in SOURCES
    ]
    territory = connection.ops.quote_name(Territory._meta.db_table)
    _execute(
        cursor,
        f"""
        INSERT INTO {territory} (code, name, name_fr, country, region, updated_at)
        SELECT lower(c.code) || '-' || lower(r.region), c.name || ' ' || r.region, '', c.code,
            r.region, %s
        FROM unnest({_texts([c[0] for c in COUNTRIES])}, {_texts([c[2] for c in COUNTRIES])})
            AS c(code, name)
        CROSS JOIN unnest({_texts(REGIONS)}) AS r(region)
        ON CONFLICT (code) DO NOTHING
        """,  # noqa: S608 - constants of this module
        [now],
    )
    return tiers, lines, sources


def _exchange_rates(cursor, *, now):
    """A rate a month for every currency of the world but the reporting one, from before the
    first lead to the running month (existing rates are kept)."""
    from django.conf import settings

    from distributors.models import ExchangeRate

    reporting = settings.REPORTING_CURRENCY
    if reporting not in EUR_PER_UNIT:
        return 0
    currencies = [c for c in EUR_PER_UNIT if c != reporting]
    bases = ", ".join(f"{EUR_PER_UNIT[c] / EUR_PER_UNIT[reporting]!r}" for c in currencies)
    table = connection.ops.quote_name(ExchangeRate._meta.db_table)
    return _execute(
        cursor,
        f"""
        INSERT INTO {table} (currency, month, rate, updated_at)
        SELECT c.currency,
            (date_trunc('month', %(now)s::timestamptz AT TIME ZONE %(tz)s)
                - interval '1 month' * m)::date,
            round((c.base * (1 + 0.03 * sin(m + length(c.currency) * ascii(c.currency))))
                ::numeric, 8),
            %(now)s
        FROM unnest({_texts(currencies)}, ARRAY[{bases}]::float8[]) AS c(currency, base)
        CROSS JOIN generate_series(0, {RATE_MONTHS - 1}) AS m
        ON CONFLICT (currency, month) DO NOTHING
        """,  # noqa: S608 - constants of this module
        {"now": now, "tz": settings.TIME_ZONE},
    )


def _distributors(cursor, *, per_country, tiers, lines, now):
    """Distributors `L00000`…, their territories, product lines, and partner users for a sample
    (every tenth distributor of a country has a partner admin; the two biggest also a rep)."""
    from distributors.models import Distributor, Territory
    from identity.models import Membership

    count = per_country * len(COUNTRIES)
    table = connection.ops.quote_name(Distributor._meta.db_table)
    # The biggest distributors of a country (small k) sit in the top tiers.
    bounds, total = [], 0.0
    for *_rest, share in TIERS:
        total += share
        bounds.append(total)
    tier_case = " ".join(
        f"WHEN (i / {len(COUNTRIES)})::float8 / {per_country} < {bound} THEN {tier}"
        for bound, tier in zip(bounds[:-1], tiers[:-1], strict=True)
    )
    _execute(
        cursor,
        f"""
        INSERT INTO {table} (code, name, country, region, currency, status, contract_start,
            contract_end, market_potential, created_at, updated_at, tier_id, language)
        SELECT 'L' || lpad(i::text, 5, '0'),
            ({_texts(COMPANY_WORDS)})[1 + mod(i * 7, {len(COMPANY_WORDS)})] || ' '
                || ({_texts(COMPANY_NOUNS)})[1 + mod(i / 3, {len(COMPANY_NOUNS)})]
                || ' Distribution ' || i,
            ({_texts([c[0] for c in COUNTRIES])})[1 + mod(i, {len(COUNTRIES)})],
            ({_texts(REGIONS)})[1 + mod(i / {len(COUNTRIES)}, {len(REGIONS)})],
            ({_texts([c[1] for c in COUNTRIES])})[1 + mod(i, {len(COUNTRIES)})],
            CASE WHEN {_u(1, "i")} < 0.06 THEN 'probation' ELSE 'active' END,
            date '2021-01-01' + mod(i, 700)::int, NULL,
            round((50000 + 5000000 * power({_u(2, "i")}, 3))::numeric, -3),
            %s, %s,
            CASE {tier_case} ELSE {tiers[-1]} END,
            'en'
        FROM generate_series(0, {count - 1}) AS i
        ON CONFLICT (code) DO NOTHING
        """,  # noqa: S608 - numbers and constants only
        [now, now],
    )
    cursor.execute("DROP TABLE IF EXISTS bench_world_distributor")
    cursor.execute(
        f"""
        CREATE UNLOGGED TABLE bench_world_distributor AS
        SELECT substr(d.code, 2)::int AS idx, d.id, t.accept_hours AS hours, NULL::int AS member
        FROM {table} d JOIN distributors_tier t ON t.id = d.tier_id
        WHERE d.code ~ '^L[0-9]{{5}}$' AND substr(d.code, 2)::int < {count}
        """  # noqa: S608
    )
    cursor.execute("CREATE UNIQUE INDEX ON bench_world_distributor (idx)")
    territory = connection.ops.quote_name(Territory._meta.db_table)
    # A distributor covers its region; the bigger quarter of a country also the next region.
    _execute(
        cursor,
        f"""
        INSERT INTO {connection.ops.quote_name(Distributor.territories.through._meta.db_table)}
            (distributor_id, territory_id)
        SELECT w.id, t.id
        FROM bench_world_distributor w
        CROSS JOIN generate_series(0, 1) AS extra
        JOIN {table} d ON d.id = w.id
        JOIN {territory} t ON t.country = d.country
            AND t.region = ({_texts(REGIONS)})[1 + mod(w.idx / {len(COUNTRIES)} + extra,
                {len(REGIONS)})]
        WHERE extra = 0 OR w.idx / {len(COUNTRIES)} < {max(1, per_country // 4)}
        ON CONFLICT DO NOTHING
        """,  # noqa: S608
    )
    _execute(
        cursor,
        f"""
        INSERT INTO {connection.ops.quote_name(Distributor.product_lines.through._meta.db_table)}
            (distributor_id, productline_id)
        SELECT w.id, ({_array(lines)})[1 + mod(w.idx + step, {len(lines)})]
        FROM bench_world_distributor w CROSS JOIN generate_series(0, 5) AS step
        WHERE step < 3 + mod(w.idx, 4)
        ON CONFLICT DO NOTHING
        """,  # noqa: S608
    )
    # Partner users: one unusable password hash for all (they are logged in by the bench).
    password = make_password(None)
    _execute(
        cursor,
        f"""
        INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, email,
            is_staff, is_active, date_joined)
        SELECT %s, false, p.role || '-' || lower(d.code),
            ({_texts(FIRST_NAMES)})[1 + mod(w.idx + p.n, {len(FIRST_NAMES)})],
            ({_texts(LAST_NAMES)})[1 + mod(w.idx * 3 + p.n, {len(LAST_NAMES)})],
            p.role || '-' || lower(d.code) || '@partners.example', false, true, %s
        FROM bench_world_distributor w
        JOIN {table} d ON d.id = w.id
        CROSS JOIN (VALUES (0, 'partner'), (1, 'rep')) AS p(n, role)
        WHERE mod(w.idx / {len(COUNTRIES)}, 10) = 0
            AND (p.role = 'partner' OR w.idx / {len(COUNTRIES)} < 2)
        ON CONFLICT (username) DO NOTHING
        """,  # noqa: S608
        [password, now],
    )
    membership = connection.ops.quote_name(Membership._meta.db_table)
    partners = _execute(
        cursor,
        f"""
        INSERT INTO {membership} (role, created_at, updated_at, distributor_id, user_id)
        SELECT CASE WHEN u.username LIKE 'partner-%%' THEN 'admin' ELSE 'rep' END, %s, %s,
            w.id, u.id
        FROM bench_world_distributor w
        JOIN {table} d ON d.id = w.id
        JOIN auth_user u ON u.username IN ('partner-' || lower(d.code), 'rep-' || lower(d.code))
        ON CONFLICT (user_id) DO NOTHING
        """,  # noqa: S608
        [now, now],
    )
    # The partner admin accepts and works the leads of its distributor.
    cursor.execute(
        f"""
        UPDATE bench_world_distributor w SET member = m.user_id
        FROM {membership} m JOIN auth_user u ON u.id = m.user_id
        WHERE m.distributor_id = w.id AND m.role = 'admin'
        """  # noqa: S608
    )
    cursor.execute("ANALYZE bench_world_distributor")
    return count, partners


def _plan(cursor, *, leads, per_country, lines, sources, base_id, now):
    """One row per lead: its attributes and the time of every step of its life (NULL: never)."""
    nc = len(COUNTRIES)
    lost_after_accept = _texts(["not_qualified", "no_decision", "timing"])
    lost_after_dql = _texts(["no_decision", "timing", "product_fit", "price"])
    lost_after_opportunity = _texts(["price", "competitor", "no_decision", "timing", "price"])
    cursor.execute("DROP TABLE IF EXISTS bench_lead_plan")
    happened = [
        "created",
        "pool_lost_at",
        "a1_at",
        "det_at",
        "a2_at",
        "acc_at",
        "dql_at",
        "opp_at",
        "won_at",
        "lost_at",
    ]
    last_at = (
        "GREATEST("
        + ", ".join(f"CASE WHEN {column} <= %(now)s THEN {column} END" for column in happened)
        + ")"
    )
    cursor.execute(
        f"""
        CREATE UNLOGGED TABLE bench_lead_plan AS
        WITH g AS MATERIALIZED (
            SELECT n, {base_id} + n + 1 AS id,
                %(now)s::timestamptz - interval '730 days' * (({leads} - n)::float8 / {leads})
                    AS created,
                floor({len(sources)} * power({_u(1)}, 1.7))::int AS src,
                floor({nc} * power({_u(2)}, 1.5))::int AS c,
                floor({len(REGIONS)} * {_u(3)})::int AS reg,
                CASE WHEN {_u(4)} < 0.05 THEN NULL ELSE floor({LINES} * {_u(5)})::int END AS pl,
                round((500 + 99500 * power({_u(6)}, 3))::numeric, 0) AS value,
                floor({per_country} * power({_u(7)}, 3))::int AS k1,
                floor({per_country} * power({_u(8)}, 3))::int AS k2,
                floor({nc} * power({_u(2)}, 1.5))::int
                    + {nc} * floor({per_country} * power({_u(7)}, 3))::int AS i1,
                {_u(9)} AS u_pool, {_u(10)} AS u_route, {_u(11)} AS u_detour,
                {_u(12)} AS u_wait, {_u(13)} AS u_reason, {_u(14)} AS u_rating,
                {_u(15)} AS u_back, {_u(16)} AS u_accept, {_u(17)} AS u_dql,
                {_u(18)} AS u_dql_at, {_u(19)} AS u_opp, {_u(20)} AS u_opp_at,
                {_u(21)} AS u_close, {_u(22)} AS u_close_at, {_u(23)} AS u_money
            FROM generate_series(0::bigint, {leads - 1}) AS n
        ),
        holders AS (
            SELECT g.*, d1.id AS d1, d1.hours AS h1, d1.member AS m1,
                d2.id AS d2, d2.hours AS h2, d2.member AS m2,
                CASE WHEN u_pool < 0.02 THEN created + interval '1 hour' * (24 + 240 * u_route)
                    END AS pool_lost_at,
                CASE WHEN u_pool >= 0.02 THEN created + interval '1 hour' * (
                    CASE WHEN u_route < 0.02 THEN 24 + 120 * u_wait ELSE 0.05 + 4 * u_wait END)
                    END AS a1_at,
                CASE WHEN u_pool < 0.02 THEN NULL
                    WHEN u_detour < 0.15 THEN 'rejected'
                    WHEN u_detour < 0.195 THEN 'expired'
                    WHEN u_detour < 0.2 THEN 'escalated' END AS detour
            FROM g
            JOIN bench_world_distributor d1 ON d1.idx = g.i1
            JOIN bench_world_distributor d2 ON d2.idx = g.c + {nc} * (
                CASE WHEN g.k2 = g.k1 THEN mod(g.k1 + 1, {per_country}) ELSE g.k2 END)
        ),
        detours AS (
            SELECT h.*,
                CASE WHEN detour = 'rejected' THEN h1 * 1.2 * power(u_wait, 1.5)
                    WHEN detour IS NOT NULL THEN h1 + 0.25 * u_wait END AS det_waited
            FROM holders h
        ),
        answers AS (
            SELECT d.*,
                a1_at + interval '1 hour' * det_waited AS det_at,
                CASE WHEN detour = 'rejected' THEN
                    a1_at + interval '1 hour' * (det_waited + 0.5 + 48 * u_back)
                    WHEN detour = 'expired' THEN a1_at + interval '1 hour' * det_waited
                    END AS a2_at,
                CASE WHEN detour IN ('rejected', 'expired') THEN d2 ELSE d1 END AS d,
                CASE WHEN detour IN ('rejected', 'expired') THEN h2 ELSE h1 END AS h,
                CASE WHEN detour IN ('rejected', 'expired') THEN m2 ELSE m1 END AS m
            FROM detours d
        ),
        accepted AS (
            SELECT a.*,
                h * 1.25 * power(u_accept, 1.5) AS acc_waited,
                CASE WHEN a1_at IS NOT NULL AND detour IS DISTINCT FROM 'escalated' THEN
                    COALESCE(a2_at, a1_at) + interval '1 hour' * h * 1.25 * power(u_accept, 1.5)
                    END AS acc_at
            FROM answers a
        ),
        qualified AS (
            SELECT a.*,
                CASE WHEN u_dql < 0.55 THEN acc_at + interval '1 day' * (1 + 19 * u_dql_at)
                    END AS dql_at
            FROM accepted a
        ),
        opportunities AS (
            SELECT q.*,
                CASE WHEN u_opp < 0.6 THEN dql_at + interval '1 day' * (3 + 27 * u_opp_at)
                    END AS opp_at
            FROM qualified q
        ),
        closed AS (
            SELECT o.*,
                CASE WHEN opp_at IS NOT NULL AND u_close < 0.4
                    THEN opp_at + interval '1 day' * (14 + 76 * u_close_at) END AS won_at,
                CASE
                    WHEN opp_at IS NOT NULL THEN CASE WHEN u_close >= 0.4 AND u_close < 0.85
                        THEN opp_at + interval '1 day' * (14 + 76 * u_close_at) END
                    WHEN dql_at IS NOT NULL THEN CASE WHEN u_opp >= 0.6 AND u_opp < 0.8
                        THEN dql_at + interval '1 day' * (10 + 50 * u_opp_at) END
                    WHEN acc_at IS NOT NULL THEN CASE WHEN u_dql >= 0.55 AND u_dql < 0.8
                        THEN acc_at + interval '1 day' * (5 + 55 * u_dql_at) END
                END AS lost_at,
                CASE WHEN opp_at IS NOT NULL THEN 'opportunity'
                    WHEN dql_at IS NOT NULL THEN 'dql' ELSE 'accepted' END AS lost_from,
                CASE WHEN opp_at IS NOT NULL
                        THEN ({lost_after_opportunity})[1 + floor(5 * u_reason)::int]
                    WHEN dql_at IS NOT NULL THEN ({lost_after_dql})[1 + floor(4 * u_reason)::int]
                    ELSE ({lost_after_accept})[1 + floor(3 * u_reason)::int] END AS lost_reason,
                ({_texts(REJECTIONS)})[1 + floor({len(REJECTIONS)} * power(u_reason, 1.4))::int]
                    AS reject_reason,
                1 + floor(4.999 * power(u_rating, 1.5))::int AS rating
            FROM opportunities o
        ),
        now_status AS (
            SELECT c.*,
                CASE
                    WHEN pool_lost_at IS NOT NULL THEN
                        CASE WHEN pool_lost_at <= %(now)s THEN 'lost' ELSE 'mql' END
                    WHEN won_at <= %(now)s THEN 'won'
                    WHEN lost_at <= %(now)s THEN 'lost'
                    WHEN opp_at <= %(now)s THEN 'opportunity'
                    WHEN dql_at <= %(now)s THEN 'dql'
                    WHEN acc_at <= %(now)s THEN 'accepted'
                    WHEN a2_at <= %(now)s THEN 'assigned'
                    WHEN det_at <= %(now)s THEN 'mql'
                    WHEN a1_at <= %(now)s THEN 'assigned'
                    ELSE 'mql'
                END AS status,
                {last_at} AS last_at,
                a2_at <= %(now)s AS second_hand
            FROM closed c
        )
        -- What has happened by now: the holder and its deadline, the hand-over.
        SELECT s.*,
            CASE WHEN status IN ('accepted', 'dql', 'opportunity', 'won')
                    OR (status = 'lost' AND pool_lost_at IS NULL) THEN d
                WHEN status = 'assigned' THEN CASE WHEN second_hand THEN d ELSE d1 END
                END AS holder,
            CASE WHEN second_hand THEN h ELSE h1 END AS holder_hours,
            CASE WHEN second_hand THEN a2_at ELSE a1_at END AS handed_at
        FROM now_status s
        """,  # noqa: S608 - numbers and constants only
        {"now": now},
    )


def _leads(cursor, *, now, lines, sources):
    from leads.models import Lead

    table = connection.ops.quote_name(Lead._meta.db_table)
    currency = _texts([c[1] for c in COUNTRIES])
    return _execute(
        cursor,
        f"""
        INSERT INTO {table} (id, external_ref, company, contact_name, contact_email,
            contact_phone, country, region, postcode, estimated_value, currency, mql_score,
            status, assigned_at, accept_deadline, created_at, updated_at, distributor_id,
            owner_id, product_line_id, source_id, closed_at, escalated_at, expected_close,
            lost_reason, opportunity_value, won_value)
        SELECT p.id, 'MQL-' || lpad(p.n::text, 9, '0'),
            ({_texts(COMPANY_WORDS)})[1 + mod(p.n, {len(COMPANY_WORDS)})::int] || ' '
                || ({_texts(COMPANY_NOUNS)})[1 + mod(p.n / 20, {len(COMPANY_NOUNS)})::int] || ' '
                || ({_texts(COMPANY_FORMS)})[1 + mod(p.c, {len(COMPANY_FORMS)})] || ' '
                || mod(p.n, 9973),
            ({_texts(FIRST_NAMES)})[1 + mod(p.n / 7, {len(FIRST_NAMES)})::int] || ' '
                || ({_texts(LAST_NAMES)})[1 + mod(p.n / 3, {len(LAST_NAMES)})::int],
            lower(({_texts(FIRST_NAMES)})[1 + mod(p.n / 7, {len(FIRST_NAMES)})::int]) || '.'
                || lower(({_texts(LAST_NAMES)})[1 + mod(p.n / 3, {len(LAST_NAMES)})::int])
                || '@company' || mod(p.n, 9973) || '.example',
            '+' || (30 + p.c) || ' ' || lpad(mod(p.n * 7919, 100000000)::text, 8, '0'),
            ({_texts([c[0] for c in COUNTRIES])})[1 + p.c],
            ({_texts(REGIONS)})[1 + p.reg],
            lpad(mod(p.n * 7907, 99999)::text, 5, '0'),
            p.value, ({currency})[1 + p.c], 40 + mod(p.n * 31, 61),
            p.status,
            CASE WHEN p.holder IS NOT NULL THEN p.handed_at END,
            CASE WHEN p.holder IS NOT NULL
                THEN p.handed_at + interval '1 hour' * p.holder_hours END,
            p.created, p.last_at,
            p.holder,
            CASE WHEN p.status IN ('accepted', 'dql', 'opportunity', 'won')
                OR (p.status = 'lost' AND p.holder IS NOT NULL) THEN p.m END,
            ({_array(lines)})[1 + p.pl],
            ({_array(sources)})[1 + p.src],
            CASE WHEN p.status IN ('won', 'lost') THEN p.last_at END,
            CASE WHEN p.status = 'mql' AND p.detour = 'escalated' AND p.det_at <= %(now)s
                THEN p.det_at END,
            CASE WHEN p.opp_at <= %(now)s
                THEN (p.opp_at + interval '1 day' * (30 + 90 * p.u_money))::date END,
            CASE WHEN p.status = 'lost' THEN
                CASE WHEN p.holder IS NULL THEN 'not_qualified' ELSE p.lost_reason END
                ELSE '' END,
            CASE WHEN p.opp_at <= %(now)s
                THEN round((p.value * (0.5 + 1.5 * p.u_money))::numeric, 2) END,
            CASE WHEN p.status = 'won'
                THEN round(
                    (p.value * (0.5 + 1.5 * p.u_money) * (0.8 + 0.3 * p.u_close_at))::numeric, 2)
                END
        FROM bench_lead_plan p
        """,  # noqa: S608
        {"now": now},
    )


def _events(cursor, *, now, manager_id):
    from leads.models import LeadEvent

    table = connection.ops.quote_name(LeadEvent._meta.db_table)
    manager = "NULL::int" if manager_id is None else str(int(manager_id))
    return _execute(
        cursor,
        f"""
        INSERT INTO {table} (lead_id, at, from_status, to_status, note, cause, reason, late,
            waited_hours, distributor_id, by_id)
        SELECT p.id, v.at, v.from_status, v.to_status, v.note, v.cause, v.reason, v.late,
            v.waited, v.distributor, v.by
        FROM bench_lead_plan p
        CROSS JOIN LATERAL (VALUES
            (p.created, '', 'mql', '', 'imported', '', false, NULL::float8, NULL::bigint,
                NULL::int),
            (p.pool_lost_at, 'mql', 'lost', '', '', 'not_qualified', false, NULL, NULL,
                {manager}),
            (p.a1_at, 'mql', 'assigned', '', 'routed', '', false, NULL, p.d1, NULL),
            (p.det_at, 'assigned', 'mql',
                CASE WHEN p.detour = 'rejected' AND p.reject_reason = 'other'
                    THEN 'Buys direct from the manufacturer' ELSE '' END,
                p.detour, CASE WHEN p.detour = 'rejected' THEN p.reject_reason ELSE '' END,
                p.det_waited > p.h1, p.det_waited, p.d1,
                CASE WHEN p.detour = 'rejected' THEN p.m1 END),
            (p.a2_at, 'mql', 'assigned', '', 'routed', '', false, NULL, p.d2, NULL),
            (p.acc_at, 'assigned', 'accepted', '', '', '', p.acc_waited > p.h, p.acc_waited,
                p.d, p.m),
            (p.dql_at, 'accepted', 'dql', '', '', '', false, NULL, p.d, p.m),
            (p.opp_at, 'dql', 'opportunity', '', '', '', false, NULL, p.d, p.m),
            (p.won_at, 'opportunity', 'won', '', '', '', false, NULL, p.d, p.m),
            (p.lost_at, p.lost_from, 'lost', '', '', p.lost_reason, false, NULL, p.d, p.m)
        ) AS v(at, from_status, to_status, note, cause, reason, late, waited, distributor, by)
        WHERE v.at <= %(now)s
        """,  # noqa: S608
        {"now": now},
    )


def _rejections(cursor, *, now):
    from leads.models import LeadExclusion, LeadRejection

    rejection = connection.ops.quote_name(LeadRejection._meta.db_table)
    exclusion = connection.ops.quote_name(LeadExclusion._meta.db_table)
    count = _execute(
        cursor,
        f"""
        INSERT INTO {rejection} (rating, reason, contacted, text, at, by_id, distributor_id,
            lead_id)
        SELECT p.rating, p.reject_reason, p.u_rating < 0.3,
            CASE WHEN p.reject_reason = 'other' THEN 'Buys direct from the manufacturer'
                ELSE '' END,
            p.det_at, p.m1, p.d1, p.id
        FROM bench_lead_plan p
        WHERE p.detour = 'rejected' AND p.det_at <= %(now)s
        """,  # noqa: S608
        {"now": now},
    )
    _execute(
        cursor,
        f"""
        INSERT INTO {exclusion} (cause, at, distributor_id, lead_id)
        SELECT CASE WHEN p.detour = 'rejected' THEN 'rejected' ELSE 'expired' END,
            p.det_at, p.d1, p.id
        FROM bench_lead_plan p
        WHERE p.detour IS NOT NULL AND p.det_at <= %(now)s
        """,  # noqa: S608
        {"now": now},
    )
    return count


class _Unindexed:
    """Drop the tables' secondary indexes and foreign keys for a bulk load; put them back after
    (foreign keys validated). Building an index once is far cheaper than keeping it per row."""

    def __init__(self, cursor, tables):
        self.cursor = cursor
        self.tables = list(tables)

    def __enter__(self):
        cursor = self.cursor
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%s)
            """,
            [self.tables],
        )
        self.foreign_keys = cursor.fetchall()
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                AND NOT EXISTS (SELECT 1 FROM pg_constraint c
                    WHERE c.conindid = (quote_ident(i.schemaname) || '.'
                        || quote_ident(i.indexname))::regclass)
            """,
            [self.tables],
        )
        self.indexes = cursor.fetchall()
        # Check the rows written so far now: a table with pending checks cannot be altered.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table, name, _definition in self.foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in self.indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        return self

    def __exit__(self, *exc):
        if exc[0] is not None:
            return False
        for _name, definition in self.indexes:
            self.cursor.execute(definition)
        for table, name, definition in self.foreign_keys:
            self.cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        return False


def world_build(*, scale, now=None, manager_id=None, bulk=True, log=print):
    """Generate the channel at `scale` and rebuild the rollups; returns a World of counts and
    timings (seconds). `bulk` drops and rebuilds the lead tables' secondary indexes and foreign
    keys around the load, then VACUUM ANALYZEs them (outside any transaction: the bench)."""
    from distributors.models import Distributor
    from leads import rollups
    from leads.models import Lead, LeadEvent, LeadExclusion, LeadRejection, LeadRollup

    now = now or timezone.now()
    distributors, leads = sizes(scale)
    per_country = distributors // len(COUNTRIES)
    world = World()
    timings = world.timings
    start = time.perf_counter()
    lead_tables = [
        Lead._meta.db_table,
        LeadEvent._meta.db_table,
        LeadRejection._meta.db_table,
        LeadExclusion._meta.db_table,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            raise RuntimeError("the lead world is generated by Postgres")
        # Memory for this session's sorts and index builds only; the server's settings stay.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cursor.execute("SET LOCAL jit = off")
        tiers, lines, sources = _reference_data(cursor, now)
        world.exchange_rates = _exchange_rates(cursor, now=now)
        world.distributors, world.partners = _distributors(
            cursor, per_country=per_country, tiers=tiers, lines=lines, now=now
        )
        cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {Lead._meta.db_table}")  # noqa: S608
        base_id = cursor.fetchone()[0]
        timings["distributors"] = time.perf_counter() - start
        step = time.perf_counter()
        _plan(
            cursor,
            leads=leads,
            per_country=per_country,
            lines=lines,
            sources=sources,
            base_id=base_id,
            now=now,
        )
        timings["plan"] = time.perf_counter() - step
        step = time.perf_counter()
        unindexed = _Unindexed(cursor, lead_tables) if bulk else None
        if unindexed:
            unindexed.__enter__()
        world.leads = _leads(cursor, now=now, lines=lines, sources=sources)
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{Lead._meta.db_table}', 'id'), "  # noqa: S608
            f"(SELECT max(id) FROM {Lead._meta.db_table}))"
        )
        timings["leads"] = time.perf_counter() - step
        step = time.perf_counter()
        world.events = _events(cursor, now=now, manager_id=manager_id)
        timings["events"] = time.perf_counter() - step
        step = time.perf_counter()
        world.rejections = _rejections(cursor, now=now)
        timings["rejections"] = time.perf_counter() - step
        if unindexed:
            step = time.perf_counter()
            unindexed.__exit__(None, None, None)
            timings["indexes"] = time.perf_counter() - step
        cursor.execute("DROP TABLE bench_lead_plan")
        cursor.execute(
            "SELECT d.code, u.username FROM bench_world_distributor w "  # noqa: S608
            f"JOIN {Distributor._meta.db_table} d ON d.id = w.id "
            "JOIN auth_user u ON u.id = w.member ORDER BY w.idx LIMIT 1"
        )
        world.big_distributor_code, world.big_partner_username = cursor.fetchone()
        cursor.execute("DROP TABLE bench_world_distributor")
    step = time.perf_counter()
    with connection.cursor() as cursor:
        tables = [*lead_tables, "distributors_distributor", "auth_user"]
        for table in tables:
            cursor.execute(f"{'VACUUM ANALYZE' if bulk else 'ANALYZE'} {table}")
    timings["analyze"] = time.perf_counter() - step
    step = time.perf_counter()
    world.rollup_rows = rollups.rollups_rebuild()
    timings["rollups"] = time.perf_counter() - step
    with connection.cursor() as cursor:
        cursor.execute(f"{'VACUUM ANALYZE' if bulk else 'ANALYZE'} {LeadRollup._meta.db_table}")
    timings["total"] = time.perf_counter() - start
    log(
        f"world    {world.distributors:,} distributors ({world.partners:,} partner users), "
        f"{world.leads:,} leads, {world.events:,} events, {world.rejections:,} rejections, "
        f"{world.rollup_rows:,} rollup rows in {timings['total']:.1f} s "
        f"(distributors {timings['distributors']:.1f}, plan {timings['plan']:.1f}, "
        f"leads {timings['leads']:.1f}, events {timings['events']:.1f}, "
        f"rejections {timings['rejections']:.1f}, indexes and keys "
        f"{timings.get('indexes', 0):.1f}, vacuum/analyze {timings['analyze']:.1f}, "
        f"rollups_rebuild {timings['rollups']:.1f})"
    )
    return world


def world_now():
    """A clock for the world: now, to the second."""
    return timezone.now().replace(microsecond=0) - datetime.timedelta(seconds=1)
