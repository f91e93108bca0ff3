"""The demo goals behind `manage.py demo_goals`: a year of goals over the demo channel, written
through the services (the SMART check, co-setting, amendments, reviews and the daily job).

Every figure comes from the demo's own revenue: a goal's baseline is its scope's revenue of the
year before (or of the twelve months before it starts), its target 5–20 % above. What it shows:
- two team goals of `manager` for the running year: channel revenue, set top-down and behind,
  and the revenue of the product line that grows best, set bottom-up from the distributor goals
  aligned under it, and ahead;
- distributor goals in every status: next year's in negotiation (draft, proposed both ways,
  counter-proposed) or agreed, this year's active, last year's achieved or missed (settled by the
  daily job with their bonus), one closed;
- the partner's distributor (`adriatica`): goals it proposed, the manager countered and it
  accepted, with bonus bands (fixed, and % of the revenue above target): its contract annex;
- twelve-month goals that started six months ago, whose reviews tell the review stories (on
  track, missed and waiting for an accounting, accounted and waiting for the distributor's
  acknowledgement, closed with corrective actions, opened early at risk), an accepted amendment,
  action steps done, open and overdue;
- the manager's support goals (visits, one-to-ones, trainings) and the activity log they count.

A second run finds the team goals and does nothing.
"""

import datetime
import random
import time
from collections import defaultdict
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone, translation

from distributors.models import Distributor, RevenueRecord
from drm.errors import ValidationFailed
from drm.formats import month_range, year_month
from drm.periods import add_months, month_start
from notifications.kinds import Delivery
from notifications.models import NotificationPreference

from . import notices, services
from .models import ActionStep, Activity, BonusBand, Cause, Goal, LandmarkReview, TeamBasis
from .services import Terms

SEED = 20240605
MANAGER = "manager"
TEAM_DESCRIPTION = "The channel team's plan for the year, agreed at the kick-off meeting."
ACKNOWLEDGEMENT = "Agreed at the annual business review; the plan behind it is in the minutes."
# What both sides write to a French-speaking distributor: its goals, reviews, steps and the
# manager's notes of their meetings are in French, so that its contract annex is French in
# content, not only in labels.
FRENCH = {
    ACKNOWLEDGEMENT: (
        "Convenu lors de la revue d'affaires annuelle ; le plan qui le sous-tend figure au "
        "compte rendu."
    ),
    "Growth we can both plan stock and people for.": (
        "Une croissance pour laquelle nous pouvons prévoir, ensemble, le stock et les équipes."
    ),
    "Visit: stock review and the pipeline of open projects.": (
        "Visite : revue du stock et du portefeuille de projets ouverts."
    ),
    "One-to-one with the managing director: the quarter's figures.": (
        "Entretien individuel avec le directeur général : les chiffres du trimestre."
    ),
    "Product training for the sales team.": "Formation produits pour l'équipe commerciale.",
    "Call: lead follow-up.": "Appel : suivi des leads.",
    "Two of our biggest customers froze their investment budgets for next year: 4 % is what "
    "our order book supports.": (
        "Deux de nos plus gros clients ont gelé leurs budgets d'investissement pour l'an "
        "prochain : notre carnet de commandes justifie 4 %."
    ),
    "A competitor cut prices by 15 % on our two biggest tenders.": (
        "Un concurrent a baissé ses prix de 15 % sur nos deux plus gros appels d'offres."
    ),
    "Offer the project price list to the top 20 installers": (
        "Proposer la liste de prix projets aux 20 premiers installateurs"
    ),
    "Joint visit to the two lost accounts": "Visite conjointe des deux comptes perdus",
    "Two months of back orders on the main pump range after the plant move.": (
        "Deux mois de commandes en souffrance sur la gamme de pompes principale après le "
        "déménagement de l'usine."
    ),
    "Weekly back-order call until the backlog is cleared": (
        "Point hebdomadaire sur les commandes en souffrance jusqu'à résorption du retard"
    ),
    "The biggest customer moved its purchasing to its German parent.": (
        "Le plus gros client a transféré ses achats à sa maison mère allemande."
    ),
    "Train the two new sales reps on the range": (
        "Former les deux nouveaux commerciaux à la gamme"
    ),
    "Stock the fast movers in the southern warehouse": (
        "Stocker les références à forte rotation dans l'entrepôt du sud"
    ),
    "Quarterly pipeline review with the sales director": (
        "Revue trimestrielle du portefeuille avec le directeur commercial"
    ),
    "The new plant opens a month later than planned.": (
        "La nouvelle usine ouvre un mois plus tard que prévu."
    ),
}


def says(distributor, text):
    """`text` as it is written to `distributor`: in French to a French-speaking one."""
    if distributor is not None and distributor.language == "fr":
        return FRENCH[text]
    return text


# Guaranteed stories: a distributor on probation misses, a rising one is on track.
FALLING = ("polder", "sicilia", "prairie")
PARTNER_DISTRIBUTOR = "adriatica"
# Bonus bands of the annex: a fixed amount at the target, a share of the revenue above 105 %.
DAY = datetime.timedelta(days=1)
THOUSAND = Decimal(1000)


def _month_fr(day):
    """`janvier 2026`: a month as a French text writes it (the SMART check reads it)."""
    with translation.override("fr"):
        return year_month(day)


def year_end(year):
    return datetime.date(year, 12, 31)


def month_end(month):
    return add_months(month, 1) - DAY


def rounded(value, step=None):
    """A target a person would write: to the thousand (to the hundred under 100,000)."""
    value = Decimal(value)
    step = step or (THOUSAND if value >= 100_000 else Decimal(100))
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


class Revenue:
    """The demo's revenue in the reporting currency, summed once by distributor, month, line."""

    def __init__(self):
        # {distributor id: {(month, line id): amount}}, and the same for the margin
        self.rows = defaultdict(lambda: defaultdict(Decimal))
        self.margin = defaultdict(lambda: defaultdict(Decimal))
        rows = (
            RevenueRecord.objects.filter(rate__isnull=False)
            .values_list("distributor_id", "month", "product_line_id")
            .annotate(amount=Sum("reporting_amount"), margin=Sum(F("margin") * F("rate")))
            .order_by()
        )
        for distributor_id, month, line_id, amount, margin in rows:
            self.rows[distributor_id][(month, line_id)] += amount or 0
            self.margin[distributor_id][(month, line_id)] += margin or 0

    def total(self, first, last, *, distributor=None, line=None, margin=False):
        """The sum over the months `first`…`last` (first days) of a distributor or the channel,
        of one product line or all."""
        source = self.margin if margin else self.rows
        scopes = [source[distributor.pk]] if distributor else list(source.values())
        return sum(
            (
                amount
                for rows in scopes
                for (month, line_id), amount in rows.items()
                if first <= month <= last and (line is None or line_id == line.pk)
            ),
            Decimal(0),
        )

    def months(self, first, last, *, distributor):
        """How many months of `first`…`last` the distributor reported."""
        return len({m for m, _line in self.rows[distributor.pk] if first <= m <= last})


NOTICE_KINDS = (
    notices.GOAL_PROPOSED,
    notices.GOAL_AGREED,
    notices.AMENDMENT,
    notices.REVIEW_OPENED,
    notices.GOAL_AT_RISK,
    notices.STEP_OVERDUE,
)


@contextmanager
def in_app_only():
    """The demo replays a year: its notices go to the inboxes, not out as hundreds of e-mails.

    Inside the load's transaction, everyone without a choice of their own for the goals'
    notices reads them in the portal only; the choices made up here are gone before commit.
    """
    users = get_user_model().objects.values_list("pk", flat=True)
    chosen = set(
        NotificationPreference.objects.filter(
            kind__in=[kind.slug for kind in NOTICE_KINDS]
        ).values_list("user_id", "kind")
    )
    made = [
        NotificationPreference(user_id=user, kind=kind.slug, delivery=Delivery.IN_APP)
        for user in users
        for kind in NOTICE_KINDS
        if (user, kind.slug) not in chosen
    ]
    made = NotificationPreference.objects.bulk_create(made)
    try:
        yield
    finally:
        NotificationPreference.objects.filter(pk__in=[p.pk for p in made]).delete()


class DemoGoals:
    """Loads the demo goals; `write` receives each line of progress and the summary."""

    def __init__(self, write=print):
        self.write = write

    def load(self, *, quiet=False, force=False, today=None):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load demo goals under production settings; pass --force to seed a "
                "staging site on purpose."
            )
        users = get_user_model().objects
        self.manager = users.filter(username=MANAGER).first()
        if self.manager is None or not Distributor.objects.filter(code=PARTNER_DISTRIBUTOR):
            raise ValidationFailed("The demo channel is missing: run `manage.py demo_data` first.")
        self.quiet = quiet
        self.started = time.monotonic()
        if Goal.objects.filter(level=Goal.Level.TEAM, description=TEAM_DESCRIPTION).exists():
            self.write("The demo goals are loaded already; nothing to do.")
            return None
        self.today = today or timezone.localdate()
        self.year = self.today.year
        self.last_month = add_months(month_start(self.today), -1)
        self.rng = random.Random(f"{SEED}:{self.year}")
        self.revenue = Revenue()
        self.distributors = {
            d.code: d
            for d in Distributor.objects.select_related("account_manager", "tier")
            .prefetch_related("product_lines")
            .order_by("code")
        }
        self.partners = {
            code: users.filter(
                username="partner" if code == PARTNER_DISTRIBUTOR else f"partner-{code}"
            ).first()
            for code in self.distributors
        }
        with transaction.atomic(), in_app_only():
            self.load_support()
            self.load_team()
            self.load_annex()
            self.load_past_year()
            self.load_next_year()
            self.load_reviews()
            self.load_closed()
            at_risk = services.goals_at_risk_refresh(today=self.today)
            services.reviews_open_due(today=self.today)
            # As the daily job does: on-track reviews whose figures are final close themselves.
            closed = services.reviews_close_on_track(today=self.today)
            self.step(f"daily job: {at_risk} goals newly at risk, {closed} on-track reviews closed")
        summary = self.summary()
        if not quiet:
            for status, count in summary["statuses"].items():
                self.write(f"  {status:<18} {count}")
        self.write(
            f"Demo goals: {summary['goals']} goals, {summary['reviews']} landmark reviews, "
            f"{summary['steps']} action steps, {summary['activities']} activities "
            f"in {time.monotonic() - self.started:.1f}s."
        )
        return summary

    def step(self, message):
        if not self.quiet:
            self.write(f"[{time.monotonic() - self.started:5.1f}s] {message}")

    def summary(self):
        statuses = defaultdict(int)
        for status in Goal.objects.values_list("status", flat=True):
            statuses[status] += 1
        return {
            "goals": sum(statuses.values()),
            "statuses": {s: statuses[s] for s in Goal.Status.values},
            "reviews": LandmarkReview.objects.count(),
            "steps": ActionStep.objects.count(),
            "activities": Activity.objects.count(),
        }

    # --- helpers

    def acting(self, distributor):
        """The manufacturer's side for `distributor`: its account manager."""
        return distributor.account_manager or self.manager

    def eligible(self, start, due, *, region=None, line=None):
        """Active distributors whose contract covers the goal (and who carry `line`)."""
        found = []
        for distributor in self.distributors.values():
            if distributor.status != Distributor.Status.ACTIVE:
                continue
            if distributor.contract_end and distributor.contract_end < due:
                continue
            if distributor.contract_start and distributor.contract_start > start:
                continue
            if line is not None and line not in distributor.product_lines.all():
                continue
            found.append(distributor)
        return found

    def pace(self, *, distributor=None, line=None):
        """(last year's revenue, this year's at its present pace) of a scope, as the portal's
        early warning counts it: the months reported so far over the days gone."""
        first = datetime.date(self.year - 1, 1, 1)
        baseline = self.revenue.total(
            first, datetime.date(self.year - 1, 12, 1), distributor=distributor, line=line
        )
        so_far = self.revenue.total(
            datetime.date(self.year, 1, 1), self.last_month, distributor=distributor, line=line
        )
        elapsed = (self.today - datetime.date(self.year, 1, 1)).days + 1
        days = (year_end(self.year) - datetime.date(self.year, 1, 1)).days + 1
        running = so_far * days / elapsed if so_far else baseline * Decimal("1.08")
        return baseline, running

    def create(self, by, **fields):
        bands = fields.pop("bands", None)
        landmarks = fields.pop("landmarks", None)
        terms = Terms(
            fields=fields,
            bands=bands,
            landmarks=landmarks,
            acknowledgement=says(fields.get("distributor"), ACKNOWLEDGEMENT),
        )
        return services.goal_create(by=by, terms=terms)

    def agree(self, goal, *, proposer, answerer, counter=None, reason=""):
        """Proposed by one side, accepted by the other (after a counter-proposal, if given,
        with its reason)."""
        services.goal_propose(goal=goal, by=proposer)
        if counter:
            services.goal_counter(
                goal=goal,
                by=answerer,
                terms=Terms(
                    fields=counter,
                    acknowledgement=says(goal.distributor, ACKNOWLEDGEMENT),
                    reason=reason,
                ),
            )
            services.goal_accept(goal=goal, by=proposer)
        else:
            services.goal_accept(goal=goal, by=answerer)
        goal.refresh_from_db()
        return goal

    def revenue_goal(self, distributor, *, start, due, target, line=None, parent=None, **more):
        baseline_start = add_months(start, -12)
        baseline = self.revenue.total(
            baseline_start, add_months(start, -1), distributor=distributor, line=line
        )
        whole_year = (start.month, due.month, due.day) == (1, 12, 31) and start.year == due.year
        if distributor.language == "fr":
            what = f"Chiffre d'affaires « {line.french_name} »" if line else "Chiffre d'affaires"
            span = (
                f"l'année {start.year}"
                if whole_year
                else f"la période de {_month_fr(start)} à {_month_fr(due)}"
            )
            description = (
                f"{what} déclaré par {distributor.name} sur {span}, dans la devise de reporting."
            )
        else:
            what = f"{line.name} revenue" if line else "Revenue"
            span = str(start.year) if whole_year else month_range(start, due)
            description = (
                f"{what} reported by {distributor.name} for {span}, in the reporting currency."
            )
        if "exciting" not in more:
            more["exciting"] = says(distributor, "Growth we can both plan stock and people for.")
        return dict(
            level=Goal.Level.DISTRIBUTOR,
            distributor=distributor,
            parent=parent,
            description=description,
            metric="new_line_revenue" if line else "revenue",
            product_line=line,
            baseline=rounded(baseline, Decimal(100)),
            baseline_start=baseline_start,
            baseline_end=start - DAY,
            target=target,
            start=start,
            due=due,
            **more,
        )

    # --- the manager's support goals and the activity log

    def load_support(self):
        europe = [
            d
            for d in self.distributors.values()
            if d.account_manager_id == self.manager.pk and d.status != "terminated"
        ]
        plan = {"visit": 4, "one_to_one": 2, "training": 1, "call": 6}  # a month, on average
        rows = []
        first = datetime.date(self.year - 1, 1, 1)
        day = first
        while day <= self.today:
            for kind, per_month in plan.items():
                if day.weekday() < 5 and self.rng.random() < per_month / 21:
                    rows.append((kind, self.rng.choice(europe), day))
            day += DAY
        notes = {
            "visit": "Visit: stock review and the pipeline of open projects.",
            "one_to_one": "One-to-one with the managing director: the quarter's figures.",
            "training": "Product training for the sales team.",
            "call": "Call: lead follow-up.",
        }
        for kind, distributor, day in rows:
            services.activity_record(
                by=self.manager,
                kind=kind,
                distributor=distributor,
                date=day,
                note=says(distributor, notes[kind]),
            )
        last_year = defaultdict(int)
        for kind, _distributor, day in rows:
            if day.year == self.year - 1:
                last_year[kind] += 1
        start, due = datetime.date(self.year, 1, 1), year_end(self.year)
        for metric, kind, label in (
            ("visits", "visit", "distributor visits"),
            ("one_to_ones", "one_to_one", "one-to-one meetings"),
            ("trainings", "training", "trainings held"),
        ):
            baseline = Decimal(last_year[kind])
            target = (baseline * Decimal("1.15")).quantize(Decimal(1)) or Decimal(6)
            goal = self.create(
                self.manager,
                level=Goal.Level.SUPPORT,
                description=f"{label.capitalize()} with my European distributors, as logged.",
                metric=metric,
                baseline=baseline,
                baseline_start=datetime.date(self.year - 1, 1, 1),
                baseline_end=year_end(self.year - 1),
                target=target,
                start=start,
                due=due,
                exciting="Distributors who see us sell more.",
            )
            services.goal_activate(goal=goal, by=self.manager)
        self.step(f"3 support goals, {len(rows)} activities")

    # --- team goals and the distributor goals aligned under them

    def load_team(self):
        start, due = datetime.date(self.year, 1, 1), year_end(self.year)
        distributors = [d for d in self.eligible(start, due) if d.code != PARTNER_DISTRIBUTOR]
        # Top-down: the channel's revenue 12 % up; the distributors' targets do not cover it.
        baseline, _running = self.pace()
        target = rounded(baseline * Decimal("1.12"), Decimal(10_000))
        self.revenue_team = self.create(
            self.manager,
            level=Goal.Level.TEAM,
            description=TEAM_DESCRIPTION,
            metric="revenue",
            baseline=rounded(baseline, Decimal(100)),
            baseline_start=datetime.date(self.year - 1, 1, 1),
            baseline_end=year_end(self.year - 1),
            target=target,
            start=start,
            due=due,
            exciting="Twelve per cent more: the plan the board approved.",
        )
        services.goal_activate(goal=self.revenue_team, by=self.manager)
        for distributor in distributors:
            own, _running = self.pace(distributor=distributor)
            if not own:
                continue
            growth = Decimal(self.rng.randint(12, 20)) / 100
            goal = self.create(
                self.acting(distributor),
                **self.revenue_goal(
                    distributor,
                    start=start,
                    due=due,
                    target=rounded(own * (1 + growth)),
                    parent=self.revenue_team,
                ),
            )
            self.agree(goal, proposer=self.acting(distributor), answerer=self.partner(distributor))
        # Bottom-up: the line most distributors are launching fast (its revenue runs 12 % or
        # more above last year's), its target the sum of their own targets, which they beat.
        lines = sorted({line for d in distributors for line in d.product_lines.all()}, key=str)
        best, fast = None, []
        for line in lines:
            launching = []
            for distributor in distributors:
                if line not in distributor.product_lines.all():
                    continue
                base, running = self.pace(distributor=distributor, line=line)
                if base and running >= base * Decimal("1.12"):
                    launching.append((distributor, base, running))
            if len(launching) > len(fast):
                best, fast = line, launching
        self.new_line = best
        children = [
            (
                distributor,
                rounded(min(max(running * Decimal("0.9"), base * Decimal("1.05")), base * 12 / 10)),
            )
            for distributor, base, running in fast
        ]
        team_target = sum((target for _d, target in children), Decimal(0))
        base = sum((base for _d, base, _r in fast), Decimal(0))
        self.line_team = self.create(
            self.manager,
            level=Goal.Level.TEAM,
            team_basis=TeamBasis.ALIGNED,
            description=(
                f"{best.name}: the targets of the distributors launching the line, added up."
            ),
            metric="new_line_revenue",
            product_line=best,
            baseline=rounded(base, Decimal(100)),
            baseline_start=datetime.date(self.year - 1, 1, 1),
            baseline_end=year_end(self.year - 1),
            target=team_target,
            start=start,
            due=due,
            exciting="The line every distributor asked for: let them prove it.",
        )
        services.goal_activate(goal=self.line_team, by=self.manager)
        for distributor, target in children:
            goal = self.create(
                self.acting(distributor),
                **self.revenue_goal(
                    distributor,
                    start=start,
                    due=due,
                    target=target,
                    line=best,
                    parent=self.line_team,
                ),
            )
            self.agree(goal, proposer=self.acting(distributor), answerer=self.partner(distributor))
        self.step(
            f"2 team goals, {len(distributors)} + {len(children)} distributor goals aligned "
            "under them"
        )

    def partner(self, distributor):
        partner = self.partners.get(distributor.code)
        if partner is None:
            raise ValidationFailed(f"No partner admin for {distributor.code}: run demo_data again.")
        return partner

    # --- the partner's annex: proposed by the distributor, countered, accepted, with bonuses

    def load_annex(self):
        distributor = self.distributors[PARTNER_DISTRIBUTOR]
        partner, manager = self.partner(distributor), self.acting(distributor)
        start, due = datetime.date(self.year, 1, 1), year_end(self.year)
        base, _running = self.pace(distributor=distributor)
        offer = rounded(base * Decimal("1.06"))
        goal = self.create(
            partner,
            **self.revenue_goal(
                distributor,
                start=start,
                due=due,
                target=offer,
                parent=self.revenue_team,
                bands=[
                    (100, BonusBand.Kind.FIXED, rounded(base / 100, Decimal(500))),
                    (105, BonusBand.Kind.PERCENT_ABOVE, 3),
                ],
                exciting="Northern Italy's food and beverage plants are investing again.",
            ),
        )
        target = rounded(base * Decimal("1.1"))
        self.agree(
            goal,
            proposer=partner,
            answerer=manager,
            counter={"target": target},
            reason=(
                "Last year's growth came from two one-off projects; the plan asks for 10 % on the "
                "recurring business, as the other distributors of the region."
            ),
        )
        lines = sorted(
            distributor.product_lines.all(),
            key=lambda line: -self.pace(distributor=distributor, line=line)[0],
        )
        line = lines[0]
        line_base, _running = self.pace(distributor=distributor, line=line)
        line_target = rounded(line_base * Decimal("1.08"))
        goal = self.create(
            partner,
            **self.revenue_goal(
                distributor,
                start=start,
                due=due,
                target=line_target,
                line=line,
                bands=[
                    (100, BonusBand.Kind.FIXED, rounded(line_base / 200, Decimal(500))),
                    (110, BonusBand.Kind.PERCENT_ABOVE, 2),
                ],
            ),
        )
        self.agree(goal, proposer=partner, answerer=manager)
        first, last = datetime.date(self.year - 1, 1, 1), datetime.date(self.year - 1, 12, 1)
        revenue = self.revenue.total(first, last, distributor=distributor)
        margin = self.revenue.total(first, last, distributor=distributor, margin=True)
        margin_base = (margin * 100 / revenue).quantize(Decimal("0.1")) if revenue else Decimal(25)
        goal = self.create(
            manager,
            level=Goal.Level.DISTRIBUTOR,
            distributor=distributor,
            description="Gross margin on everything sold, with fewer project discounts.",
            metric="margin_pct",
            baseline=margin_base,
            baseline_start=datetime.date(self.year - 1, 1, 1),
            baseline_end=year_end(self.year - 1),
            target=margin_base + Decimal("1.5"),
            start=start,
            due=due,
            exciting="Margin pays for the service engineers we are hiring.",
            bands=[(100, BonusBand.Kind.FIXED, Decimal(2500))],
        )
        self.agree(goal, proposer=manager, answerer=partner)
        self.step(f"annex of {distributor.code}: 3 goals agreed with bonus bands")

    # --- last year: achieved and missed, settled by the daily job

    def load_past_year(self):
        year = self.year - 1
        start, due = datetime.date(year, 1, 1), year_end(year)
        stories = []
        candidates = self.eligible(start, due)
        falling = [
            self.distributors[c]
            for c in FALLING
            if c in self.distributors
            and not (self.distributors[c].contract_end and self.distributors[c].contract_end < due)
        ]
        figures = {}
        for distributor in {*candidates, *falling}:
            baseline, actual = self.year_before(distributor, year)
            if baseline and actual:
                figures[distributor] = (baseline, actual)
        rising = sorted(
            (d for d in figures if d not in falling),
            key=lambda d: (-figures[d][1] / figures[d][0], d.code),
        )[:3]
        for distributor in rising:
            baseline, actual = figures[distributor]
            target = min(baseline * Decimal("1.08"), actual * Decimal("0.97"))
            stories.append((distributor, baseline, rounded(target)))
        for distributor in falling:
            if distributor in figures:
                baseline, _actual = figures[distributor]
                stories.append((distributor, baseline, rounded(baseline * Decimal("1.05"))))
        for distributor, baseline, target in stories:
            fields = self.revenue_goal(
                distributor,
                start=start,
                due=due,
                target=target,
                bands=[(100, BonusBand.Kind.FIXED, rounded(target / 100, Decimal(500)))],
            )
            fields["baseline"] = rounded(baseline, Decimal(100))
            goal = self.create(self.acting(distributor), **fields)
            self.agree(goal, proposer=self.acting(distributor), answerer=self.partner(distributor))
        settled = services.goals_settle(today=self.today)
        self.step(f"{settled} goals of {year} settled (achieved or missed)")

    def year_before(self, distributor, year):
        """(revenue of `year - 1`, of `year`). The demo's 24 months may reach only the end of
        `year - 1`: its missing months are estimated from `year`'s with the growth measured on
        the months both years have."""
        months = [datetime.date(year - 1, m, 1) for m in range(1, 13)]
        known = [m for m in months if self.revenue.total(m, m, distributor=distributor)]
        actual = self.revenue.total(
            datetime.date(year, 1, 1), datetime.date(year, 12, 1), distributor=distributor
        )
        if not known:
            return None, actual
        before = sum(self.revenue.total(m, m, distributor=distributor) for m in known)
        same = sum(
            self.revenue.total(m.replace(year=year), m.replace(year=year), distributor=distributor)
            for m in known
        )
        if not same:
            return None, actual
        return before * actual / same, actual

    # --- next year: the planning round, in every state of negotiation

    def load_next_year(self):
        year = self.year + 1
        start, due = datetime.date(year, 1, 1), year_end(year)
        candidates = [d for d in self.eligible(start, due) if d.code != PARTNER_DISTRIBUTOR]
        self.rng.shuffle(candidates)
        plan = ["draft", "draft", "proposed", "proposed_by_partner", "counter", "agreed", "agreed"]
        first, last = add_months(self.last_month, -11), self.last_month
        for distributor, story in zip(candidates, plan, strict=False):
            base = self.revenue.total(first, last, distributor=distributor)
            growth = Decimal(self.rng.randint(5, 15)) / 100
            fields = self.revenue_goal(
                distributor, start=start, due=due, target=rounded(base * (1 + growth))
            )
            fields.update(
                baseline=rounded(base, Decimal(100)),
                baseline_start=first,
                baseline_end=month_end(last),
            )
            manager, partner = self.acting(distributor), self.partner(distributor)
            author = partner if story == "proposed_by_partner" else manager
            goal = self.create(author, **fields)
            if story in ("proposed", "proposed_by_partner"):
                services.goal_propose(goal=goal, by=author)
            elif story == "counter":
                services.goal_propose(goal=goal, by=manager)
                services.goal_counter(
                    goal=goal,
                    by=partner,
                    terms=Terms(
                        fields={"target": rounded(base * Decimal("1.04"))},
                        acknowledgement=says(distributor, ACKNOWLEDGEMENT),
                        reason=says(
                            distributor,
                            "Two of our biggest customers froze their investment budgets for "
                            "next year: 4 % is what our order book supports.",
                        ),
                    ),
                )
            elif story == "agreed":
                self.agree(goal, proposer=manager, answerer=partner)
        self.step(f"{min(len(plan), len(candidates))} goals of {year} in negotiation or agreed")

    # --- twelve-month goals that started six months ago: reviews, amendments, steps

    def load_reviews(self):
        start = add_months(month_start(self.today), -6)
        due = month_end(add_months(start, 11))
        candidates = self.eligible(start, due)
        falling = [
            self.distributors[c]
            for c in FALLING
            if c in self.distributors
            and not (self.distributors[c].contract_end and self.distributors[c].contract_end < due)
        ]

        def recent_growth(distributor):
            now = self.revenue.total(start, self.last_month, distributor=distributor)
            before = self.revenue.total(
                add_months(start, -12), add_months(self.last_month, -12), distributor=distributor
            )
            return now / before if before else Decimal(0)

        # The three growing fastest are on track against a modest target; three slow ones and
        # those on probation miss an ambitious one.
        ranked = sorted(
            (d for d in candidates if d.code != PARTNER_DISTRIBUTOR),
            key=lambda d: (-recent_growth(d), d.code),
        )
        strong = ranked[:3]
        picked = strong + ranked[-3:] + falling
        goals = {}
        for distributor in picked:
            base = self.revenue.total(
                add_months(start, -12), add_months(start, -1), distributor=distributor
            )
            growth = Decimal("0.05") if distributor in strong else Decimal("0.2")
            fields = self.revenue_goal(
                distributor, start=start, due=due, target=rounded(base * (1 + growth))
            )
            goal = self.create(self.acting(distributor), **fields)
            goals[distributor.code] = self.agree(
                goal, proposer=self.acting(distributor), answerer=self.partner(distributor)
            )
        opened = services.reviews_open_due(today=self.today)
        reviews = list(
            LandmarkReview.objects.filter(goal__in=goals.values())
            .select_related("goal__distributor", "landmark")
            .order_by("landmark__date", "goal__distributor__code")
        )
        missed = [r for r in reviews if r.outcome == LandmarkReview.Outcome.MISSED]
        if len(missed) < 3:
            raise ValidationFailed(
                "The demo revenue left too few missed landmarks for the stories."
            )
        # Closed: accounted by the distributor's admin (it acknowledges by accounting), with
        # corrective actions, then closed by the manager.
        closed = missed[0]
        distributor = closed.goal.distributor
        services.review_account(
            review=closed,
            by=self.partner(distributor),
            cause=Cause.COMPETITION,
            explanation=says(
                distributor, "A competitor cut prices by 15 % on our two biggest tenders."
            ),
            actions=[
                (
                    says(distributor, "Offer the project price list to the top 20 installers"),
                    self.partner(distributor),
                    self.today - 30 * DAY,
                ),
                (
                    says(distributor, "Joint visit to the two lost accounts"),
                    self.acting(distributor),
                    self.today + 20 * DAY,
                ),
            ],
        )
        services.review_close(review=closed, by=self.acting(distributor))
        # Accounted by the manager: waits for the distributor admin's acknowledgement.
        accounted = next((r for r in missed[1:] if r.goal_id != closed.goal_id), missed[1])
        late = accounted.goal.distributor
        services.review_account(
            review=accounted,
            by=self.acting(late),
            cause=Cause.SUPPLY,
            explanation=says(
                late, "Two months of back orders on the main pump range after the plant move."
            ),
            actions=[
                (
                    says(late, "Weekly back-order call until the backlog is cleared"),
                    self.acting(late),
                    self.today + 14 * DAY,
                )
            ],
        )
        # An amendment both sides accepted: the target follows a lost key account.
        amended = accounted.goal
        new_target = rounded(amended.target * Decimal("0.95"))
        amendment = services.amendment_propose(
            goal=amended,
            by=self.partner(amended.distributor),
            fields={"target": new_target},
            reason=says(
                amended.distributor,
                "The biggest customer moved its purchasing to its German parent.",
            ),
            review=accounted,
        )
        services.amendment_accept(amendment=amendment, by=self.acting(amended.distributor))
        # Action steps: done, open and overdue, on a goal still running.
        running = closed.goal
        partner = self.partner(running.distributor)
        done = services.step_add(
            goal=running,
            by=partner,
            what=says(running.distributor, "Train the two new sales reps on the range"),
            owner=partner,
            due=self.today - 45 * DAY,
        )
        services.step_set_status(step=done, by=partner, status=ActionStep.Status.DONE)
        services.step_add(
            goal=running,
            by=partner,
            what=says(running.distributor, "Stock the fast movers in the southern warehouse"),
            owner=partner,
            due=self.today + 40 * DAY,
        )
        services.step_add(
            goal=running,
            by=self.acting(running.distributor),
            what=says(running.distributor, "Quarterly pipeline review with the sales director"),
            owner=self.acting(running.distributor),
            due=self.today - 10 * DAY,
        )
        # An amendment still on the table, proposed by the manufacturer.
        other = next(
            (
                g
                for g in goals.values()
                if g.pk not in (amended.pk, running.pk) and g.status == Goal.Status.ACTIVE
            ),
            None,
        )
        if other is not None:
            services.amendment_propose(
                goal=other,
                by=self.acting(other.distributor),
                fields={"target": rounded(other.target * Decimal("0.97"))},
                reason=says(other.distributor, "The new plant opens a month later than planned."),
            )
        self.step(f"{len(goals)} twelve-month goals, {opened} reviews opened, stories told")

    # --- a goal withdrawn

    def load_closed(self):
        start, due = datetime.date(self.year, 1, 1), year_end(self.year)
        distributor = next(
            d
            for d in self.distributors.values()
            if d.status == Distributor.Status.PROBATION
            and not (d.contract_end and d.contract_end < due)
        )
        base = self.revenue.total(
            datetime.date(self.year - 1, 1, 1),
            datetime.date(self.year - 1, 12, 1),
            distributor=distributor,
        )
        fields = self.revenue_goal(
            distributor, start=start, due=due, target=rounded(base * Decimal("1.1"))
        )
        goal = self.create(self.acting(distributor), **fields)
        self.agree(goal, proposer=self.acting(distributor), answerer=self.partner(distributor))
        services.goal_close(
            goal=goal,
            by=self.acting(distributor),
            reason="On probation since the spring: replaced by the recovery plan agreed in June.",
        )
        self.step(f"1 goal of {distributor.code} closed")
