"""The demo incentives behind `manage.py demo_incentives`: rebate and incentive programmes over
the demo channel's revenue, written through the incentives services, whose ledger tells two
years of accruals, advances, restatements, a true-up and goal bonuses.

What it shows (last year and this year are the calendar's; the demo's today is the real one):
- "Volume rebate <last year>", for every distributor: 1 %, 2 % or 3 % of the year's revenue by
  retroactive tiers whose thresholds are read off the demo's own revenue (last year's median
  and top sixth, to one significant digit), a quarterly advance of 80 % of what is accrued for
  the first three quarters, and the true-up in January: positive for most, negative for
  `atlantique`, whose September report came with one amount a hundred times too large (its
  decimal point lost), which swelled its third advance and was corrected after it (a
  restatement: the true-up recovers the overpaid advance); `adriatica`'s May report first
  counted a project order later cancelled, restated before the second advance;
- "Growth bonus <this year>", for the gold and silver tiers: 1 % of the revenue from +5 %
  against last year, 2 % from +10 %, the advances of the quarters over, accrued to date (the
  services read growth to date against the whole baseline year, so these advances pay nothing
  until a distributor's revenue of the year passes last year's);
- "Dosing pumps SPIFF <year>", a SPIFF in the European regions from the 15th of the month before
  last to the 15th of last month: an amount per unit by incremental tiers, up to a cap;
  accrued, waiting to be paid;
- "Drives launch partners <this year>": an amount per variable speed drive for three named
  distributors (`adriatica`, `atlantique`, `delta-techniek`), paid after the year;
- goal bonuses: of demo_goals' achieved goals with a bonus, all but the last paid.

How dates are made. A month's revenue is reported by the 10th of the next; the nightly accrual
counts it the night after. demo_data writes 24 months of revenue at once, so the load holds
back the months not yet reported at each act: inside its transaction their rows are set aside
(their month 5,000 years ahead, out of every programme's period) and each month is put back on
its report day (`Reports`); at commit the revenue is row for row what demo_data wrote (the two
rows the stories change are pushed back to their figures: only their updated_at tells). Every
act runs through its service, in the order of its day: `programme_create`, `programme_accrue`
as the nightly job calls it (with the night's date), `programme_advance` and
`programme_true_up` with their past `paid_on`, `bonus_pay`, and
`distributors.services.revenue_push` for the reports the stories change and their corrections.
The times an act records (created_at, accrued_at, updated_at, history rows) are then set to its
day (`dated`), as the funds demo does. An act planned after today happens today, and an advance
for a quarter not over yet is not paid.

tests/incentives/test_demo.py checks that the revenue is untouched, that the standings are
what a fresh accrual of copies of the programmes measures, and that the advances are what the
services pay on the revenue as it stood. A second run finds the demo programmes and does
nothing; --replace deletes them (and the demo's bonus payments) and loads them again.
"""

import dataclasses
import datetime
import time
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.urls import reverse
from django.utils import timezone

from distributors.models import Distributor, ProductLine, Region, RevenueRecord, Tier
from distributors.services import revenue_push
from drm.errors import ValidationFailed
from drm.periods import add_months, month_start
from goals.models import Goal
from notifications.kinds import Delivery
from notifications.models import Notification, NotificationPreference

from . import notices, selectors, services
from .models import Entry, PayoutTier, Programme, Settlement, Standing, quarter_ends

MANAGER = "manager"
PARTNER_DISTRIBUTOR = "adriatica"
FRENCH_DISTRIBUTOR = "atlantique"
LAUNCH_PARTNERS = ("adriatica", "atlantique", "delta-techniek")
LAUNCH_LINE = "drives"
SPIFF_LINE = "dosing-pumps"
EUROPE = ("Central Europe", "Western Europe", "Southern Europe", "Nordics")
GROWTH_TIERS = ("gold", "silver")
ADVANCE_PERCENT = Decimal("80.00")
# What the demo's programmes are called: a second run finds them, --replace deletes them.
VOLUME, GROWTH, SPIFF, LAUNCH = (
    "Volume rebate ",
    "Growth bonus ",
    "Dosing pumps SPIFF ",
    "Drives launch partners ",
)
BONUS_REFERENCE = "BONUS-"
# A month's revenue is in by this day of the next month; the nightly accrual counts it after.
REPORTED_DAY = 10
# Rows of the months not reported yet wait this many years ahead, out of every period.
ASIDE_YEARS = 5000
DAY = datetime.timedelta(days=1)
# The time of day each kind of act is dated at.
HOURS = {
    "night": (5, 30),  # the beat's programmes-accrue
    "report": (7, 0),
    "push": (8, 40),
    "create": (9, 0),
    "correct": (10, 15),
    "pay": (11, 30),
}
PEOPLE = ("create", "correct", "pay")


def working_day(day):
    """`day`, or the Monday after when it falls on a weekend: people act on working days."""
    return day + (7 - day.weekday()) * DAY if day.weekday() >= 5 else day


def one_digit(value):
    """`value` rounded to one significant digit (1,324,567 → 1,000,000), as a person sets a
    threshold."""
    value = Decimal(value)
    step = Decimal(10) ** value.adjusted()
    return int((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step)


def demo_programmes():
    names = Q()
    for prefix in (VOLUME, GROWTH, SPIFF, LAUNCH):
        names |= Q(name__startswith=prefix)
    return Programme.objects.filter(names)


def french_number(value):
    """A whole number as a French reader groups it: 1 000 000 (narrow no-break spaces)."""
    return f"{value:,}".replace(",", "\u202f")


class Reports:
    """The demo's revenue as the distributors reported it: the rows of `months` are set aside
    (`hold`) and each month comes back on its report day (`report`), so that an accrual or an
    advance on a past day counts what was reported by then. Inside the load's transaction
    only: at commit every month is back."""

    def __init__(self, months):
        self.months = list(months)
        self.waiting = list(months)

    @staticmethod
    def aside(month):
        return month.replace(year=month.year + ASIDE_YEARS)

    def hold(self):
        for month in self.waiting:
            RevenueRecord.objects.filter(month=month).update(month=self.aside(month))

    def report(self, month):
        if month in self.waiting:
            RevenueRecord.objects.filter(month=self.aside(month)).update(month=month)
            self.waiting.remove(month)

    def report_all(self):
        for month in list(self.waiting):
            self.report(month)


NOTICE_KINDS = (notices.PROGRAMME_OPENED, notices.PROGRAMME_PAID, notices.BONUS_PAID)


@contextmanager
def in_app_only():
    """The demo tells two years of payments at once: their notices go to the inboxes, not out
    as e-mails. Inside the load's transaction, everyone without a choice of their own for the
    incentives' notices reads them in the portal only; the choices made up here are gone before
    commit (the programmes opened, a digest's kind, are in the next digest)."""
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


# The times each act records, by model (the programme's history rows carry its own).
STAMPED = {
    Programme: ("created_at", "accrued_at"),
    Standing: ("updated_at",),
    Settlement: ("created_at",),
    Entry: ("created_at",),
}


@contextmanager
def dated(moment):
    """The acts inside run now, through the services; the times they record are then set to
    `moment`, the time the story dates them (the notices they leave too), and what an accrual
    inside counted to its day (an advance and a true-up accrue first, at the clock's date).
    Amounts are the services'."""
    started = timezone.now()
    mark = Programme.history.aggregate(mark=Max("history_id"))["mark"] or 0
    notice_mark = Notification.objects.aggregate(mark=Max("pk"))["mark"] or 0
    yield
    Notification.objects.filter(pk__gt=notice_mark).update(created_at=moment)
    Entry.objects.filter(created_at__gte=started, kind__in=Entry.EARNED).update(
        date=timezone.localdate(moment)
    )
    for model, names in STAMPED.items():
        for name in names:
            model.objects.filter(**{f"{name}__gte": started}).update(**{name: moment})
    Programme.history.filter(history_id__gt=mark).update(history_date=moment)


@dataclasses.dataclass(frozen=True)
class Act:
    """One act of the demo's story on the day planned (`run` receives the day it happens: that
    day, or today for a day still to come)."""

    day: datetime.date
    hour: str
    label: str
    run: Callable


def pushed(row, *, amount, units):
    """`row` as a distributor sends it to the revenue API, with `amount` and `units`."""
    category = row.customer_category
    return {
        "distributor": row.distributor.code,
        "month": f"{row.month:%Y-%m}",
        "product_line": row.product_line.code,
        "customer_category": category.code if category else "",
        "currency": row.currency,
        "amount": f"{amount:.2f}",
        "units": str(units),
        "margin": f"{row.margin:.2f}",
    }


class DemoIncentives:
    """Loads the demo incentives; `write` receives each line of progress and the summary."""

    def __init__(self, write=print):
        self.write = write

    def load(self, *, replace=False, quiet=False, force=False):
        production = str(settings.SETTINGS_MODULE or "").endswith("settings_production")
        if production and not force:
            raise ValidationFailed(
                "Refusing to load demo incentives under production settings; pass --force to "
                "seed a staging site on purpose."
            )
        users = get_user_model().objects
        self.manager = users.filter(username=MANAGER).first()
        if self.manager is None or not Distributor.objects.filter(code=PARTNER_DISTRIBUTOR):
            raise ValidationFailed("The demo channel is missing: run `manage.py demo_data` first.")
        self.quiet = quiet
        self.started = time.monotonic()
        existing = demo_programmes().exists()
        if existing and not replace:
            self.write(
                "The demo incentives are loaded already; nothing to do (--replace loads them "
                "again)."
            )
            return None
        self.today = timezone.localdate()
        self.year = self.today.year
        self.last = self.year - 1
        self.last_month = add_months(month_start(self.today), -1)
        self.distributors = {d.code: d for d in Distributor.objects.all()}
        self.partners = {
            code: users.filter(
                username="partner" if code == PARTNER_DISTRIBUTOR else f"partner-{code}"
            ).first()
            for code in self.distributors
        }
        self.programmes = {}
        with transaction.atomic(), in_app_only():
            if existing:
                self.remove()
            reports = Reports(self.months(datetime.date(self.last, 1, 1), self.last_month))
            acts = self.timeline(reports)
            reports.hold()
            for act in acts:
                day = min(act.day, self.today)
                with dated(self.moment(day, act.hour)):
                    done = act.run(day)
                if isinstance(done, Settlement):
                    self.step(f"{day} {act.label}: {done.entries_count} paid, {done.total:,.2f}")
                elif isinstance(done, Entry):
                    self.step(f"{day} {act.label}: {done.amount:,.2f} {done.currency}")
                elif done is not None:
                    self.step(f"{day} {act.label}")
            reports.report_all()
            with dated(self.moment(self.today, "night")):
                self.night(self.today)  # for the programmes created today too
            self.step(f"{len(acts)} acts, the revenue of {len(reports.months)} months reported")
        summary = self.summary()
        if not quiet:
            for name, figures in summary["programmes"].items():
                self.write(
                    f"  {name:<40} {figures['participants']:>3} distributors, earned "
                    f"{figures['earned']:>12,.2f}, paid {figures['paid']:>12,.2f}"
                )
            for kind, count in summary["entries"].items():
                self.write(f"  {kind:<16} {count}")
        self.write(
            f"Demo incentives: {len(summary['programmes'])} programmes, "
            f"{summary['standings']} standings, {sum(summary['entries'].values())} ledger "
            f"entries, {summary['settlements']} settlements in "
            f"{time.monotonic() - self.started:.1f}s."
        )
        return summary

    def step(self, message):
        if not self.quiet:
            self.write(f"[{time.monotonic() - self.started:5.1f}s] {message}")

    def summary(self):
        programmes = selectors.programme_list(visible_to=self.manager).filter(
            pk__in=demo_programmes().values("pk")
        )
        entries = Entry.objects.filter(
            Q(programme__in=programmes) | Q(reference__startswith=BONUS_REFERENCE)
        )
        entries = Counter(entries.values_list("kind", flat=True))
        return {
            "programmes": {
                p.name: {"participants": p.participants, "earned": p.earned, "paid": p.paid}
                for p in programmes.order_by("period_start", "name")
            },
            "standings": Standing.objects.filter(programme__in=programmes).count(),
            "entries": {kind: entries[kind] for kind in Entry.Kind.values},
            "settlements": Settlement.objects.filter(programme__in=programmes).count(),
        }

    def remove(self):
        """The demo's programmes with their ledger, history and notices, and its bonus
        payments."""
        programmes = list(demo_programmes())
        ids = [programme.pk for programme in programmes]
        told = Q(link__in=[reverse("incentives:detail", args=[pk]) for pk in ids])
        told |= Q(kind=notices.BONUS_PAID.slug, body__contains=BONUS_REFERENCE)
        for name in {n for p in programmes for n in (p.name, p.name_fr) if n}:
            told |= Q(subject__contains=name)
        Notification.objects.filter(told, kind__in=[kind.slug for kind in NOTICE_KINDS]).delete()
        Entry.objects.filter(programme_id__in=ids).delete()
        Settlement.objects.filter(programme_id__in=ids).delete()
        Programme.objects.filter(pk__in=ids).delete()
        Programme.history.filter(id__in=ids).delete()
        PayoutTier.history.filter(programme_id__in=ids).delete()
        Entry.objects.filter(
            kind=Entry.Kind.BONUS_PAYMENT, reference__startswith=BONUS_REFERENCE
        ).delete()
        self.step(f"{len(ids)} demo programmes removed")

    # --- dates

    @staticmethod
    def months(first, last):
        months = []
        while first <= last:
            months.append(first)
            first = add_months(first, 1)
        return months

    def moment(self, day, hour):
        """The time of an act on `day`, never later than now."""
        naive = datetime.datetime.combine(day, datetime.time(*HOURS[hour]))
        return min(timezone.make_aware(naive), timezone.now())

    def timeline(self, reports):
        """Every act, in the order of the day it happens, then of the day and hour planned (acts
        planned after today happen today, in their order)."""
        acts = []
        for month in reports.waiting:
            reported = add_months(month, 1).replace(day=REPORTED_DAY)
            acts.append(
                Act(reported, "report", f"{month:%Y-%m}", lambda _day, m=month: reports.report(m))
            )
            acts.append(Act(reported + DAY, "night", "nightly accrual", self.night))
        acts += self.volume_rebate()
        acts += self.growth_bonus()
        acts += self.launch_partners()
        acts += self.spiff()
        acts += self.bonuses()
        # People create, correct and pay on working days; reports and nights come any day.
        acts = [
            dataclasses.replace(act, day=working_day(act.day)) if act.hour in PEOPLE else act
            for act in acts
        ]
        return sorted(acts, key=lambda act: (min(act.day, self.today), act.day, HOURS[act.hour]))

    # --- the acts

    def night(self, day):
        """The nightly accrual of `day` (services.programmes_accrue's, for the demo's own)."""
        for programme in self.programmes.values():
            if programme.period_start <= day:
                services.programme_accrue(programme=programme, today=day)

    def create(self, key, **fields):
        def run(_day):
            self.programmes[key] = services.programme_create(by=self.manager, **fields)
            return self.programmes[key]

        return run

    def advance(self, key, through, reference):
        def run(day):
            programme = self.programmes.get(key)
            if programme is None or through >= day:
                return None  # the quarter is not over yet
            return services.programme_advance(
                programme=programme,
                through=through,
                by=self.manager,
                reference=reference,
                paid_on=day,
                today=day,
            )

        return run

    def advances(self, key, start, end, prefix):
        """The quarterly advances of a programme, each paid on the 25th of the month after its
        quarter (its revenue is in and accrued by then)."""
        acts = []
        for quarter, through in enumerate(quarter_ends(start, end)[:-1], start=1):
            paid = add_months(month_start(through), 1).replace(day=25)
            reference = f"{prefix}-Q{quarter}"
            acts.append(
                Act(paid, "pay", f"advance {reference}", self.advance(key, through, reference))
            )
        return acts

    def true_up(self, key, reference):
        def run(day):
            programme = self.programmes.get(key)
            if programme is None or not programme.is_over(day):
                return None
            return services.programme_true_up(
                programme=programme,
                by=self.manager,
                reference=reference,
                paid_on=day,
                today=day,
            )

        return run

    def push(self, code, row):
        def run(_day):
            return revenue_push(user=self.partners[code], rows=[row])

        return run

    def largest_row(self, code, month):
        """A distributor's largest revenue row of `month` (read before the months wait)."""
        return (
            RevenueRecord.objects.filter(distributor__code=code, month=month)
            .select_related("distributor", "product_line", "customer_category")
            .order_by("-amount", "pk")
            .first()
        )

    # --- last year's volume rebate

    def thresholds(self):
        """The 2 % and 3 % thresholds, read off the year's revenue of the distributors in the
        programme: its median and its top sixth, to one significant digit, so that they stand in
        each of the three tiers."""
        eligible = Distributor.objects.exclude(status__in=Distributor.OUTSIDE_CHANNEL)
        totals = sorted(
            total
            for total in RevenueRecord.objects.filter(
                month__year=self.last, distributor__in=eligible
            )
            .values("distributor_id")
            .annotate(total=Sum("reporting_amount"))
            .values_list("total", flat=True)
            if total
        )
        if len(totals) < 6:
            raise ValidationFailed(
                f"The demo has too little revenue in {self.last} for the volume rebate: run "
                "`manage.py demo_data` first."
            )
        middle = one_digit(totals[len(totals) // 2])
        top = one_digit(totals[len(totals) * 5 // 6])
        return middle, max(top, middle * 2)

    def volume_rebate(self):
        year = self.last
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        middle, top = self.thresholds()
        key = "volume"
        acts = [
            Act(
                datetime.date(year, 1, 8),
                "create",
                f"{VOLUME}{year} created",
                self.create(
                    key,
                    name=f"{VOLUME}{year}",
                    name_fr=f"Remise sur volume {year}",
                    description=(
                        f"A share of the year's revenue by volume: 1 %, 2 % from {middle:,} of "
                        f"revenue, 3 % from {top:,}, on all of it from the first sale. 80 % of "
                        "what is accrued is advanced after each quarter; the true-up settles the "
                        "year in January."
                    ),
                    description_fr=(
                        f"Une part du chiffre d'affaires de l'année selon le volume : 1 %, 2 % à "
                        f"partir de {french_number(middle)} de chiffre d'affaires, 3 % à partir de "
                        f"{french_number(top)}, sur "
                        "la totalité dès la première vente. 80 % du cumulé est versé en acompte "
                        "après chaque trimestre ; la régularisation solde l'année en janvier."
                    ),
                    basis=Programme.Basis.REVENUE,
                    period_start=start,
                    period_end=end,
                    tiers=[("0", "1"), (str(middle), "2"), (str(top), "3")],
                    schedule=Programme.Schedule.QUARTERLY,
                    advance_percent=ADVANCE_PERCENT,
                ),
            ),
            *self.advances(key, start, end, f"VR{year}"),
            Act(
                datetime.date(year + 1, 1, 30),
                "pay",
                f"true-up VR{year}-TU",
                self.true_up(key, f"VR{year}-TU"),
            ),
        ]
        # adriatica's May report counted a project order that was cancelled before delivery;
        # its corrected report is restated before the second quarter's advance.
        row = self.largest_row(PARTNER_DISTRIBUTOR, datetime.date(year, 5, 1))
        if row is not None and self.partners.get(PARTNER_DISTRIBUTOR):
            order = (row.amount * Decimal("0.8")).quantize(Decimal(-3))
            extra = round(order * row.units / row.amount) if row.amount else 0
            acts += [
                Act(
                    datetime.date(year, 6, REPORTED_DAY),
                    "push",
                    "adriatica's May report, with an order later cancelled",
                    self.push(
                        PARTNER_DISTRIBUTOR,
                        pushed(row, amount=row.amount + order, units=row.units + extra),
                    ),
                ),
                Act(
                    datetime.date(year, 7, 17),
                    "correct",
                    "adriatica's May report corrected",
                    self.push(PARTNER_DISTRIBUTOR, pushed(row, amount=row.amount, units=row.units)),
                ),
                Act(datetime.date(year, 7, 18), "night", "restated", self.night),
            ]
        # atlantique's September report came with one amount keyed without its decimal point,
        # a hundred times too large: the third advance paid on it, the correction came after.
        row = self.largest_row(FRENCH_DISTRIBUTOR, datetime.date(year, 9, 1))
        if row is not None and self.partners.get(FRENCH_DISTRIBUTOR):
            acts += [
                Act(
                    datetime.date(year, 10, REPORTED_DAY),
                    "push",
                    "atlantique's September report, an amount without its decimal point",
                    self.push(
                        FRENCH_DISTRIBUTOR, pushed(row, amount=row.amount * 100, units=row.units)
                    ),
                ),
                Act(
                    datetime.date(year, 10, 28),
                    "correct",
                    "atlantique's September report corrected",
                    self.push(FRENCH_DISTRIBUTOR, pushed(row, amount=row.amount, units=row.units)),
                ),
                Act(datetime.date(year, 10, 29), "night", "restated", self.night),
            ]
        return acts

    # --- this year's programmes

    def growth_bonus(self):
        year = self.year
        start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        key = "growth"
        return [
            # Set once last year's December is in: the baseline is complete.
            Act(
                datetime.date(year, 1, 12),
                "create",
                f"{GROWTH}{year} created",
                self.create(
                    key,
                    name=f"{GROWTH}{year}",
                    name_fr=f"Prime de croissance {year}",
                    description=(
                        f"For growing faster than the market: 1 % of {year}'s revenue for "
                        f"+5 % against {year - 1}, 2 % for +10 %, on all of it. Gold and "
                        "silver distributors; 80 % of what is accrued is advanced quarterly."
                    ),
                    description_fr=(
                        f"Pour croître plus vite que le marché : 1 % du chiffre d'affaires {year} "
                        f"pour +5 % par rapport à {year - 1}, 2 % pour +10 %, sur la totalité. "
                        "Distributeurs or et argent ; 80 % du cumulé est versé en acompte chaque "
                        "trimestre."
                    ),
                    basis=Programme.Basis.GROWTH,
                    period_start=start,
                    period_end=end,
                    baseline_start=datetime.date(year - 1, 1, 1),
                    baseline_end=datetime.date(year - 1, 12, 31),
                    tiers=[("5", "1"), ("10", "2")],
                    schedule=Programme.Schedule.QUARTERLY,
                    advance_percent=ADVANCE_PERCENT,
                    eligible_tiers=Tier.objects.filter(code__in=GROWTH_TIERS),
                ),
            ),
            *self.advances(key, start, end, f"GB{year}"),
        ]

    def launch_partners(self):
        year = self.year
        named = [self.distributors[c] for c in LAUNCH_PARTNERS if c in self.distributors]
        return [
            Act(
                datetime.date(year, 2, 2),
                "create",
                f"{LAUNCH}{year} created",
                self.create(
                    "launch",
                    name=f"{LAUNCH}{year}",
                    name_fr=f"Partenaires de lancement variateurs {year}",
                    description=(
                        "The three distributors launching the new variable speed drives: €10 "
                        "per drive sold in the year, €15 from 150 drives, €20 from 300, on "
                        "every drive. Paid after the year."
                    ),
                    description_fr=(
                        "Les trois distributeurs qui lancent les nouveaux variateurs de vitesse : "
                        "10 € par variateur vendu dans l'année, 15 € à partir de 150 variateurs, "
                        "20 € à partir de 300, sur chaque variateur. Versé après l'année."
                    ),
                    basis=Programme.Basis.UNITS,
                    product_line=ProductLine.objects.filter(code=LAUNCH_LINE).first(),
                    period_start=datetime.date(year, 1, 1),
                    period_end=datetime.date(year, 12, 31),
                    tiers=[("0", "10"), ("150", "15"), ("300", "20")],
                    distributors=named,
                ),
            )
        ]

    def spiff(self):
        """Four weeks and a bit on dosing pumps, ended on the 15th of last month."""
        end = self.last_month.replace(day=15)
        start = add_months(self.last_month, -1).replace(day=15)
        return [
            Act(
                start - 14 * DAY,
                "create",
                f"{SPIFF}{end.year} created",
                self.create(
                    "spiff",
                    name=f"{SPIFF}{end.year}",
                    name_fr=f"SPIFF pompes doseuses {end.year}",
                    kind=Programme.Kind.SPIFF,
                    description=(
                        "A month to put dosing pumps in front of water treatment customers: "
                        "€10 per pump sold, €20 per pump from the 16th, €30 from the 41st, up "
                        "to €800 per distributor."
                    ),
                    description_fr=(
                        "Un mois pour présenter les pompes doseuses aux clients du traitement de "
                        "l'eau : 10 € par pompe vendue, 20 € par pompe à partir de la 16e, 30 € à "
                        "partir de la 41e, jusqu'à 800 € par distributeur."
                    ),
                    basis=Programme.Basis.UNITS,
                    product_line=ProductLine.objects.filter(code=SPIFF_LINE).first(),
                    period_start=start,
                    period_end=end,
                    method=Programme.Method.INCREMENTAL,
                    tiers=[("0", "10"), ("15", "20"), ("40", "30")],
                    cap="800",
                    regions=Region.objects.filter(name__in=EUROPE),
                ),
            )
        ]

    # --- goal bonuses

    def bonuses(self):
        """The achieved goals' bonuses: all but the last paid, a month apart from February."""
        goals = list(
            Goal.objects.filter(
                status=Goal.Status.ACHIEVED, payout__gt=0, distributor__isnull=False
            )
            .select_related("distributor")
            .order_by("due", "distributor__code", "pk")
        )
        paid = Entry.objects.filter(kind=Entry.Kind.BONUS_PAYMENT).values_list("goal_id", flat=True)
        paid = set(paid)
        acts = []
        for index, goal in enumerate(goals[: max(1, len(goals) - 1)]):
            if goal.pk in paid:
                continue
            day = add_months(datetime.date(self.year, 2, 1), index).replace(day=27)
            reference = f"{BONUS_REFERENCE}{goal.due.year}-{goal.pk:05d}"

            def run(on, goal=goal, reference=reference):
                return services.bonus_pay(
                    goal=goal, by=self.manager, reference=reference, paid_on=on
                )

            acts.append(Act(day, "pay", f"bonus of {goal.distributor.code} paid", run))
        return acts
