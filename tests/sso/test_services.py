"""Just-in-time provisioning: linked by (provider, subject), and only ever inside the one
distributor (or the manufacturer's side) that owns the provider."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from identity.access import Role, user_role
from identity.models import Membership
from sso import services
from sso.models import Identity
from sso.services import SignInRefused
from tests import factories

from .factories import provider_make

User = get_user_model()


@pytest.fixture
def acme_idp(distributor):
    return provider_make(name="Acme sign-in", distributor=distributor, domains=["acme.example"])


@pytest.fixture
def rival_idp(other_distributor):
    return provider_make(
        name="Rival sign-in", distributor=other_distributor, domains=["rival.example"]
    )


@pytest.fixture
def staff_idp(db):
    return provider_make(name="Maker sign-in", distributor=None, domains=["maker.example"])


def counts():
    return (User.objects.count(), Membership.objects.count(), Identity.objects.count())


def test_a_new_subject_of_a_distributors_provider_becomes_a_rep_of_that_distributor(acme_idp):
    user = services.identity_sign_in(
        provider=acme_idp, subject="sub-1", email="Ann@acme.example", claims={}
    )
    assert user.username == "ann@acme.example"
    assert user.email == "Ann@acme.example"
    assert not user.has_usable_password()
    assert user.membership.distributor == acme_idp.distributor
    assert user_role(user) == Role.PARTNER_REP
    assert Identity.objects.get(provider=acme_idp, subject="sub-1").user == user


def test_the_admin_value_of_the_role_claim_makes_a_partner_admin(acme_idp):
    user = services.identity_sign_in(
        provider=acme_idp,
        subject="sub-1",
        email="ann@acme.example",
        claims={"groups": ["staff", "portal-admins"]},
    )
    assert user.membership.role == Membership.Role.ADMIN


def test_the_manufacturers_provider_maps_groups_to_admin_and_channel_manager(staff_idp):
    admin = services.identity_sign_in(
        provider=staff_idp,
        subject="a",
        email="boss@maker.example",
        claims={"groups": "portal-admins"},
    )
    manager = services.identity_sign_in(
        provider=staff_idp,
        subject="m",
        email="cm@maker.example",
        claims={"groups": ["channel-managers"]},
    )
    assert user_role(admin) == Role.ADMIN
    assert user_role(manager) == Role.MANAGER
    assert not Membership.objects.filter(user__in=[admin, manager]).exists()


def test_the_manufacturers_provider_refuses_someone_without_a_portal_group(staff_idp):
    before = counts()
    with pytest.raises(SignInRefused, match="no role in the portal"):
        services.identity_sign_in(
            provider=staff_idp, subject="x", email="x@maker.example", claims={"groups": ["sales"]}
        )
    assert counts() == before


def test_an_email_at_another_distributors_domain_is_refused_and_nothing_is_created(
    acme_idp, rival_idp
):
    before = counts()
    with pytest.raises(SignInRefused, match="not at a domain of Acme sign-in"):
        services.identity_sign_in(
            provider=acme_idp,
            subject="forged",
            email="ceo@rival.example",
            claims={"groups": ["portal-admins"]},
        )
    assert counts() == before


def test_the_same_subject_with_a_new_email_is_the_same_user_with_the_email_updated(acme_idp):
    first = services.identity_sign_in(
        provider=acme_idp, subject="sub-1", email="ann@acme.example", claims={}
    )
    again = services.identity_sign_in(
        provider=acme_idp, subject="sub-1", email="ann.smith@acme.example", claims={}
    )
    assert again.pk == first.pk
    again.refresh_from_db()
    assert again.email == "ann.smith@acme.example"
    assert again.username == "ann.smith@acme.example"
    assert User.objects.count() == 1


def test_a_new_email_outside_the_providers_domains_is_refused_and_the_old_one_kept(acme_idp):
    user = services.identity_sign_in(
        provider=acme_idp, subject="sub-1", email="ann@acme.example", claims={}
    )
    with pytest.raises(SignInRefused):
        services.identity_sign_in(
            provider=acme_idp, subject="sub-1", email="ann@rival.example", claims={}
        )
    user.refresh_from_db()
    assert user.email == "ann@acme.example"


def test_a_new_email_that_another_user_has_is_refused(acme_idp, distributor):
    factories.MembershipFactory(
        user=factories.UserFactory(username="bob@acme.example", email="bob@acme.example"),
        distributor=distributor,
    )
    user = services.identity_sign_in(
        provider=acme_idp, subject="sub-1", email="ann@acme.example", claims={}
    )
    with pytest.raises(SignInRefused, match="already used by another account"):
        services.identity_sign_in(
            provider=acme_idp, subject="sub-1", email="BOB@acme.example", claims={}
        )
    user.refresh_from_db()
    assert user.email == "ann@acme.example"


def test_a_second_provider_asserting_the_same_subject_gets_its_own_user(acme_idp, rival_idp):
    first = services.identity_sign_in(
        provider=acme_idp, subject="same-sub", email="ann@acme.example", claims={}
    )
    second = services.identity_sign_in(
        provider=rival_idp, subject="same-sub", email="ann@rival.example", claims={}
    )
    assert second.pk != first.pk
    assert second.membership.distributor == rival_idp.distributor
    first.membership.refresh_from_db()
    assert first.membership.distributor == acme_idp.distributor
    assert Identity.objects.filter(subject="same-sub").count() == 2


def test_an_existing_user_of_another_distributor_with_the_email_is_refused(
    acme_idp, other_distributor
):
    # rival's user carries an address at acme's domain (legitimately or not): acme's provider
    # must not take it over.
    rival_user = factories.MembershipFactory(
        user=factories.UserFactory(username="zed@acme.example", email="zed@acme.example"),
        distributor=other_distributor,
    ).user
    before = counts()
    with pytest.raises(SignInRefused, match="already exists outside your company"):
        services.identity_sign_in(
            provider=acme_idp, subject="z", email="zed@acme.example", claims={}
        )
    assert counts() == before
    assert rival_user.membership.distributor == other_distributor


def test_a_manufacturer_user_with_the_email_is_not_taken_over_by_a_distributors_provider(
    acme_idp,
):
    factories.ManagerFactory(username="cm@acme.example", email="cm@acme.example")
    with pytest.raises(SignInRefused, match="already exists outside your company"):
        services.identity_sign_in(
            provider=acme_idp, subject="z", email="cm@acme.example", claims={}
        )


def test_an_existing_user_of_the_same_distributor_is_linked_on_first_sign_in(acme_idp, distributor):
    local = factories.MembershipFactory(
        user=factories.UserFactory(username="dee@acme.example", email="dee@acme.example"),
        distributor=distributor,
    ).user
    user = services.identity_sign_in(
        provider=acme_idp, subject="d", email="dee@acme.example", claims={}
    )
    assert user.pk == local.pk
    assert Identity.objects.get(provider=acme_idp, subject="d").user == local


def test_a_deactivated_provider_signs_no_one_in(acme_idp):
    acme_idp.is_active = False
    acme_idp.save()
    with pytest.raises(SignInRefused, match="switched off"):
        services.identity_sign_in(provider=acme_idp, subject="s", email="a@acme.example", claims={})


def test_the_login_page_finds_the_provider_by_the_emails_domain(acme_idp, staff_idp):
    assert services.provider_for_email("Someone@ACME.example") == acme_idp
    assert services.provider_for_email("x@maker.example") == staff_idp
    assert services.provider_for_email("x@unknown.example") is None
    assert services.provider_for_email("not-an-email") is None


def test_passwords_close_for_a_distributor_only_when_its_working_provider_says_so(
    acme_idp, partner, outsider, manager
):
    assert services.password_login_allowed(partner)
    acme_idp.password_login_disabled = True
    acme_idp.save()
    assert not services.password_login_allowed(partner)
    assert services.password_login_allowed(outsider)
    assert services.password_login_allowed(manager)
    with override_settings(SSO_STAFF_PASSWORD_LOGIN_DISABLED=True):
        assert not services.password_login_allowed(manager)


CLAIM_KEYS = st.sampled_from(["groups", "distributor", "email", "org", "tenant"])
CLAIM_VALUES = st.one_of(
    st.sampled_from(["acme", "rival", "portal-admins", "channel-managers", "rival.example"]),
    st.text(max_size=8),
    st.lists(st.sampled_from(["acme", "rival", "portal-admins", "channel-managers"]), max_size=3),
)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    subject=st.sampled_from(["s1", "s2", "same-sub"]),
    local=st.text(alphabet="abcxyz", min_size=1, max_size=4),
    domain=st.sampled_from(["acme.example", "rival.example", "maker.example", "other.example"]),
    provider_key=st.sampled_from(["acme", "rival", "staff"]),
    claims=st.dictionaries(CLAIM_KEYS, CLAIM_VALUES, max_size=4),
)
def test_no_claim_ever_attaches_a_user_to_another_distributor_than_the_providers(
    subject, local, domain, provider_key, claims
):
    # Each example in a transaction of its own, rolled back: it leaves nothing for the next.
    with transaction.atomic():
        try:
            _sign_in_and_check(subject, local, domain, provider_key, claims)
        finally:
            transaction.set_rollback(True)


def _sign_in_and_check(subject, local, domain, provider_key, claims):
    acme = factories.DistributorFactory()
    rival = factories.DistributorFactory()
    providers = {
        "acme": provider_make(name="Acme", distributor=acme, domains=["acme.example"]),
        "rival": provider_make(name="Rival", distributor=rival, domains=["rival.example"]),
        "staff": provider_make(name="Maker", distributor=None, domains=["maker.example"]),
    }
    # A user of the other distributor already holds an acme address (the take-over case).
    factories.MembershipFactory(
        user=factories.UserFactory(username="abc@acme.example", email="abc@acme.example"),
        distributor=rival,
    )
    provider = providers[provider_key]
    try:
        user = services.identity_sign_in(
            provider=provider, subject=subject, email=f"{local}@{domain}", claims=claims
        )
    except SignInRefused:
        return
    membership = Membership.objects.filter(user=user).first()
    if provider.distributor_id is None:
        assert membership is None
        assert user_role(user) in (Role.ADMIN, Role.MANAGER)
    else:
        assert membership.distributor_id == provider.distributor_id
    for identity in Identity.objects.select_related("user__membership", "provider"):
        owner = getattr(identity.user, "membership", None)
        assert (owner.distributor_id if owner else None) == identity.provider.distributor_id
