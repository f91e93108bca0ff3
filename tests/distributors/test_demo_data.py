"""The demo_data command: a believable channel, loaded twice without a single duplicate."""

import datetime
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Max, Min
from django.test import override_settings
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
from identity.access import CHANNEL_MANAGERS, MANUFACTURER_ADMINS, Role, user_role
from identity.models import Membership

pytestmark = pytest.mark.django_db

PASSWORD = "drm-demo"
MODELS = [
    Tier,
    ProductLine,
    CustomerCategory,
    Territory,
    Distributor,
    Distributor.territories.through,
    Distributor.product_lines.through,
    Membership,
    ExchangeRate,
    RevenueRecord,
    Investment,
    Group,
    get_user_model(),
    get_user_model().groups.through,
]


# 44 logins are checked; the real hasher would spend most of the run on PBKDF2.
def fast_hashing():
    return override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


def load(*args):
    out = StringIO()
    call_command("demo_data", "--quiet", *args, stdout=out)
    return out.getvalue()


def row_counts():
    return {model._meta.label: model.objects.count() for model in MODELS}


def last_month():
    today = timezone.localdate()
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


@fast_hashing()
def test_running_demo_data_twice_adds_no_rows_and_keeps_every_figure():
    load()
    first_counts = row_counts()
    first_revenue = sorted(
        RevenueRecord.objects.values_list(
            "distributor__code", "month", "product_line__code", "customer_category__code", "amount"
        )
    )

    load()

    assert row_counts() == first_counts
    assert (
        sorted(
            RevenueRecord.objects.values_list(
                "distributor__code",
                "month",
                "product_line__code",
                "customer_category__code",
                "amount",
            )
        )
        == first_revenue
    )


def test_demo_data_refuses_production_settings_unless_forced():
    with override_settings(SETTINGS_MODULE="drm.settings_production"):
        with pytest.raises(CommandError, match="--force"):
            load()
        load("--force")

    assert Distributor.objects.exists()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once for the read-only tests below, rolled back after the module."""
    with django_db_blocker.unblock(), fast_hashing(), transaction.atomic():
        output = load()
        yield output
        transaction.set_rollback(True)


def login(username, rf):
    # django-axes needs the request; this is the path the login form takes.
    return authenticate(rf.post("/accounts/login/"), username=username, password=PASSWORD)


@fast_hashing()
def test_the_printed_demo_logins_authenticate_after_a_second_run(demo, rf):
    output = load()

    assert f"password: {PASSWORD}" in output
    for username in ("admin", "manager", "manager-americas", "manager-apac", "partner"):
        assert f"\n  {username} " in output
        assert login(username, rf) is not None, username
    assert "partner-<code>" in output
    for code in Distributor.objects.order_by("code").values_list("code", flat=True)[1:]:
        assert login(f"partner-{code}", rf) is not None, code


def test_admin_is_a_superuser_in_the_manufacturer_admins_group(demo):
    admin = get_user_model().objects.get(username="admin")

    assert admin.is_superuser and admin.is_staff
    assert admin.groups.filter(name=MANUFACTURER_ADMINS).exists()
    assert user_role(admin) == Role.ADMIN


def test_manager_is_a_channel_manager_looking_after_many_distributors(demo):
    manager = get_user_model().objects.get(username="manager")

    assert manager.groups.filter(name=CHANNEL_MANAGERS).exists()
    assert user_role(manager) == Role.MANAGER
    assert manager.managed_distributors.count() >= 20


def test_partner_is_admin_of_the_first_distributor_and_every_other_has_its_own_partner(demo):
    first, *others = Distributor.objects.order_by("code")
    partner = Membership.objects.get(user__username="partner")

    assert partner.distributor == first
    assert partner.role == Membership.Role.ADMIN
    for distributor in others:
        membership = Membership.objects.get(user__username=f"partner-{distributor.code}")
        assert membership.distributor == distributor
    assert Membership.objects.count() == Distributor.objects.count()


def test_the_demo_channel_spans_tiers_statuses_regions_and_currencies(demo):
    assert list(Tier.objects.values_list("code", "rank")) == [
        ("platinum", 1),
        ("gold", 2),
        ("silver", 3),
        ("bronze", 4),
    ]
    assert Distributor.objects.count() >= 35
    assert ProductLine.objects.count() >= 10
    assert CustomerCategory.objects.count() >= 5
    assert Distributor.objects.values("country").distinct().count() >= 15
    assert Distributor.objects.values("region").distinct().count() >= 4
    assert {"EUR", "USD", "GBP", "CHF", "SEK", "PLN", "JPY", "BRL", "AUD", "CAD"} <= set(
        Distributor.objects.values_list("currency", flat=True)
    )
    statuses = dict(
        Distributor.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    )
    assert statuses["terminated"] == 1
    assert statuses["onboarding"] >= 1 and statuses["probation"] >= 1
    assert statuses["active"] > Distributor.objects.count() / 2
    assert not Distributor.objects.filter(account_manager=None).exists()
    assert not Distributor.objects.filter(market_potential=None).exists()
    assert not Distributor.objects.filter(territories=None).exists()
    assert not Distributor.objects.filter(product_lines=None).exists()


def test_every_foreign_currency_has_a_rate_for_each_of_the_48_months(demo, settings):
    currencies = set(Distributor.objects.values_list("currency", flat=True)) - {
        settings.REPORTING_CURRENCY
    }
    counts = dict(
        ExchangeRate.objects.values_list("currency").annotate(n=Count("id")).order_by("currency")
    )

    for currency in currencies:
        assert counts.get(currency) == 48, currency
    assert settings.REPORTING_CURRENCY not in counts


def test_revenue_covers_48_months_ending_last_month_with_some_customer_categories(demo):
    span = RevenueRecord.objects.aggregate(first=Min("month"), last=Max("month"))
    months = RevenueRecord.objects.values("month").distinct().count()

    assert span["last"] == last_month()
    assert months == 48
    assert RevenueRecord.objects.filter(customer_category__isnull=False).exists()
    assert RevenueRecord.objects.filter(customer_category__isnull=True).exists()
    assert not RevenueRecord.objects.filter(amount__lte=0).exists()


def test_the_terminated_distributor_reports_nothing_after_its_contract_ended(demo):
    terminated = Distributor.objects.get(status=Distributor.Status.TERMINATED)

    assert terminated.contract_end < last_month()
    assert not terminated.revenue.filter(month__gt=terminated.contract_end).exists()
    assert terminated.revenue.exists()


def test_investments_include_every_kind(demo):
    kinds = set(Investment.objects.values_list("kind", flat=True))

    assert kinds == set(Investment.Kind.values)


def test_partners_of_french_distributors_see_the_portal_in_french(demo, client):
    from identity.access import user_language

    for code in ("atlantique", "loire"):
        user = get_user_model().objects.get(username=f"partner-{code}")
        assert user_language(user) == "fr"
        assert Distributor.objects.get(code=code).language == "fr"
    client.force_login(get_user_model().objects.get(username="partner-loire"))
    page = client.get("/my/", HTTP_ACCEPT_LANGUAGE="en")
    assert b'<html lang="fr" ' in page.content
    assert b"Chiffre d'affaires par mois" in page.content


def test_partners_of_us_distributors_read_dates_month_first(demo, client):
    user = get_user_model().objects.get(username="partner-great-lakes")
    assert Distributor.objects.get(code="great-lakes").language == "en-us"
    client.force_login(user)
    page = client.get("/my/", HTTP_ACCEPT_LANGUAGE="en-GB")
    assert b'<html lang="en-us" data-format-locale="en-US"' in page.content


def test_the_demo_reference_data_has_french_names_that_french_partners_read(demo, client):
    from distributors.models import CustomerCategory, ProductLine, Region, Territory, Tier

    for model in (Tier, ProductLine, CustomerCategory, Territory):
        assert not model.objects.filter(name_fr="").exists(), model
    regions = set(Distributor.objects.values_list("region", flat=True))
    assert regions <= set(Region.objects.exclude(name_fr="").values_list("name", flat=True))
    client.force_login(get_user_model().objects.get(username="partner-loire"))
    page = client.get("/my/").content.decode()
    # Loire is a gold distributor of Western Europe covering the north of France.
    assert "Europe de l&#x27;Ouest" in page and "Nord de la France" in page
    assert "Western Europe" not in page and "Northern France" not in page
