"""factory_boy factories for every model the tests build."""

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from distributors.models import (
    CustomerCategory,
    Distributor,
    ExchangeRate,
    Investment,
    ProductLine,
    RevenueRecord,
    Territory,
    Tier,
)
from distributors.services import revenue_reprice
from identity.access import CHANNEL_MANAGERS
from identity.models import Membership
from notifications.models import Notification

PASSWORD = "s3cret-Passw0rd!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ManagerFactory(UserFactory):
    @factory.post_generation
    def managers_group(obj, create, extracted, **kwargs):
        if create:
            group, _ = Group.objects.get_or_create(name=CHANNEL_MANAGERS)
            obj.groups.add(group)


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"tier-{n}")
    name = factory.LazyAttribute(lambda t: t.code.title())
    rank = factory.Sequence(lambda n: n + 1)


class TerritoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Territory

    code = factory.Sequence(lambda n: f"terr-{n}")
    name = factory.Sequence(lambda n: f"Territory {n}")
    country = "DE"
    region = "Europe"


class ProductLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductLine
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"line-{n}")
    name = factory.LazyAttribute(lambda p: p.code.replace("-", " ").title())


class CustomerCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerCategory
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"cat-{n}")
    name = factory.LazyAttribute(lambda c: c.code.title())


class DistributorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Distributor

    code = factory.Sequence(lambda n: f"dist-{n:03d}")
    name = factory.Sequence(lambda n: f"Distributor {n:03d} GmbH")
    country = "DE"
    region = "Europe"
    currency = "EUR"
    tier = factory.SubFactory(TierFactory)
    status = Distributor.Status.ACTIVE
    contract_start = datetime.date(2024, 1, 1)
    contract_end = datetime.date(2027, 12, 31)
    market_potential = Decimal("1000000.00")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    distributor = factory.SubFactory(DistributorFactory)
    role = Membership.Role.ADMIN


class RepricingFactory(factory.django.DjangoModelFactory):
    """Rows that change pricing are priced as the services would (revenue_reprice)."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        obj = super()._create(model_class, *args, **kwargs)
        revenue_reprice(currency=obj.currency, since=obj.month)
        obj.refresh_from_db()
        return obj


class ExchangeRateFactory(RepricingFactory):
    class Meta:
        model = ExchangeRate

    currency = "USD"
    month = datetime.date(2026, 1, 1)
    rate = Decimal("0.90")


class RevenueRecordFactory(RepricingFactory):
    class Meta:
        model = RevenueRecord

    distributor = factory.SubFactory(DistributorFactory)
    month = datetime.date(2026, 1, 1)
    product_line = factory.SubFactory(ProductLineFactory)
    currency = factory.LazyAttribute(lambda record: record.distributor.currency)
    amount = Decimal("1000.00")
    units = 10
    margin = Decimal("250.00")


class InvestmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Investment

    distributor = factory.SubFactory(DistributorFactory)
    date = datetime.date(2026, 1, 15)
    kind = Investment.Kind.MARKET_FUNDS
    amount = Decimal("5000.00")
    value = Decimal("5000.00")


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = "import_finished"
    subject = factory.Sequence(lambda n: f"Notice {n}")
    body = "Something happened."
    link = "/imports/"

    @factory.post_generation
    def pending_acts(notification, create, keys, **kwargs):
        """`pending_acts=["goal:1:answer"]`: what it asks its reader to do."""
        for key in keys or ():
            notification.acts.create(key=key)


class LeadSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.LeadSource"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"campaign-{n}")
    name = factory.LazyAttribute(lambda s: s.code.replace("-", " ").title())
    kind = "campaign"


class LeadFactory(factory.django.DjangoModelFactory):
    """A lead in the pool (MQL) unless told; owned statuses need a distributor."""

    class Meta:
        model = "leads.Lead"

    source = factory.SubFactory(LeadSourceFactory)
    external_ref = factory.Sequence(lambda n: f"ref-{n:05d}")
    company = factory.Sequence(lambda n: f"Company {n} SARL")
    contact_name = "Jeanne Martin"
    contact_email = factory.Sequence(lambda n: f"buyer{n}@company{n}.example")
    contact_phone = "+33 1 23 45 67 89"
    country = "DE"
    status = "mql"


class MaterialFactory(factory.django.DjangoModelFactory):
    """A catalogue item with a link, for every product line and every stage, shown to partners."""

    class Meta:
        model = "leads.Material"

    title = factory.Sequence(lambda n: f"Brochure {n:03d}")
    description = "What the customer needs to know."
    kind = "material"
    stage = "any"
    url = factory.Sequence(lambda n: f"https://example.com/brochure-{n}.pdf")
    is_active = True


class MaterialFeedbackFactory(factory.django.DjangoModelFactory):
    """A partner user's rating; `by` must be a member of `distributor`."""

    class Meta:
        model = "leads.MaterialFeedback"

    material = factory.SubFactory(MaterialFactory)
    distributor = factory.SubFactory(DistributorFactory)
    by = factory.SubFactory(UserFactory)
    stage = factory.LazyAttribute(lambda feedback: feedback.material.stage)
    rating = 4
    comment = ""
    at = factory.LazyFunction(timezone.now)


class CriteriaVersionFactory(factory.django.DjangoModelFactory):
    """A published version of the DQL checklist unless `published_at=None` (a draft)."""

    class Meta:
        model = "leads.CriteriaVersion"
        django_get_or_create = ("number",)

    number = factory.Sequence(lambda n: n + 1)
    notes = ""
    published_at = factory.LazyFunction(timezone.now)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "leads.Criterion"

    version = factory.SubFactory(CriteriaVersionFactory)
    position = factory.Sequence(lambda n: n + 1)
    code = factory.Sequence(lambda n: f"criterion-{n}")
    label = factory.Sequence(lambda n: f"Criterion {n}")
    label_fr = factory.Sequence(lambda n: f"Critère {n}")
    required = True


def criteria_version_with_items(number=1, items=None, **fields):
    """A published version with the usual checklist (two required items, one optional), in
    English and French, unless `items` [(code, label, label_fr, required)] says otherwise."""
    items = items or [
        ("budget", "Budget confirmed", "Budget confirmé", True),
        ("timeline", "Purchase within 6 months", "Achat sous 6 mois", True),
        ("authority", "Decision maker met", "Décideur rencontré", False),
    ]
    version = CriteriaVersionFactory(number=number, **fields)
    for position, (code, label, label_fr, required) in enumerate(items, 1):
        CriterionFactory(
            version=version,
            position=position,
            code=code,
            label=label,
            label_fr=label_fr,
            required=required,
        )
    return version


# --- goals -------------------------------------------------------------------------------------


class GoalFactory(factory.django.DjangoModelFactory):
    """A distributor revenue goal for 2026 in draft, with a baseline for 2025 (no landmarks:
    use `goal_with_landmarks` or the services for those)."""

    class Meta:
        model = "goals.Goal"

    level = "distributor"
    distributor = factory.SubFactory(DistributorFactory)
    subtitle = "Pumps through the Bavarian dealers"
    description = "Revenue through the Bavarian dealers over 2026."
    metric = "revenue"
    baseline = Decimal("100000.00")
    baseline_start = datetime.date(2025, 1, 1)
    baseline_end = datetime.date(2025, 12, 31)
    target = Decimal("120000.00")
    unit = "EUR"
    start = datetime.date(2026, 1, 1)
    due = datetime.date(2026, 12, 31)
    status = "draft"


def team_plan(**fields):
    """A team goal of the channel aligning distributor goals under it, with no baseline of its
    own: a plan to share between distributors (goals.allocation)."""
    return GoalFactory(
        **{
            "level": "team",
            "distributor": None,
            "team_basis": "aligned",
            "baseline": None,
            "baseline_start": None,
            "baseline_end": None,
            **fields,
        }
    )


class LandmarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.Landmark"

    goal = factory.SubFactory(GoalFactory)
    date = datetime.date(2026, 3, 31)
    expected = Decimal("30000.00")


class BonusBandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.BonusBand"

    goal = factory.SubFactory(GoalFactory)
    threshold = Decimal("100.00")
    kind = "fixed"
    amount = Decimal("5000.00")


class ActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.Activity"

    kind = "visit"
    manager = factory.SubFactory(ManagerFactory)
    distributor = factory.SubFactory(DistributorFactory)
    date = datetime.date(2026, 2, 10)


def goal_with_landmarks(quarters=(30000, 60000, 90000), **fields):
    """A goal with landmarks set by hand at the ends of the first quarters (cumulative expected
    values) and, as the terms require, the target on the due date."""
    fields.setdefault("landmark_rule", "manual")
    goal = GoalFactory(**fields)
    for index, value in enumerate(quarters):
        following = datetime.date(goal.start.year, 3 * (index + 1) % 12 + 1, 1)
        quarter_end = following - datetime.timedelta(days=1)
        if quarter_end < goal.due:
            LandmarkFactory(goal=goal, date=quarter_end, expected=Decimal(value))
    if goal.target is not None:
        LandmarkFactory(goal=goal, date=goal.due, expected=goal.target)
    return goal


def agreed_goal(manager, partner, **fields):
    """A distributor goal agreed by both sides (who and when recorded), active from January."""

    now = timezone.now()
    goal = goal_with_landmarks(
        status="active",
        proposed_by_side="partner",
        manufacturer_accepted_by=manager,
        manufacturer_accepted_at=now,
        partner_accepted_by=partner,
        partner_accepted_at=now,
        **fields,
    )
    BonusBandFactory(goal=goal, threshold=Decimal("100.00"), amount=Decimal("5000.00"))
    BonusBandFactory(
        goal=goal, threshold=Decimal("110.00"), kind="percent_above", amount=Decimal("10.00")
    )
    return goal


class LandmarkReviewFactory(factory.django.DjangoModelFactory):
    """A missed landmark's review, open (as the daily job opens it)."""

    class Meta:
        model = "goals.LandmarkReview"

    landmark = factory.SubFactory(LandmarkFactory)
    goal = factory.LazyAttribute(lambda r: r.landmark.goal)
    opened_at = factory.LazyFunction(timezone.now)
    expected = factory.LazyAttribute(lambda r: r.landmark.expected)
    actual = Decimal("15000.00")
    outcome = "missed"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Its next act stored, as the services store it when they open a review.
        review = super()._create(model_class, *args, **kwargs)
        from goals.services import reviews_next_act_refresh

        reviews_next_act_refresh([review.pk])
        review.refresh_from_db(fields=["next_act", "next_side"])
        return review


class ActionStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "goals.ActionStep"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A corrective action answers for its review: the review's next act changes with it.
        step = super()._create(model_class, *args, **kwargs)
        if step.review_id:
            from goals.services import reviews_next_act_refresh

            reviews_next_act_refresh([step.review_id])
        return step

    goal = factory.SubFactory(GoalFactory)
    what = "Call every pump dealer"
    due = datetime.date(2026, 7, 31)
