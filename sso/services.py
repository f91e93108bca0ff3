"""Single sign-on's writes: just-in-time provisioning of a signed-in identity, and keeping the
identity providers (add, edit, deactivate, local passwords off).

The one rule that matters most: a provider owned by a distributor only ever signs in, creates or
changes that distributor's people. Nothing a provider asserts (an e-mail, a group, a claim
naming a distributor) can attach a user to another distributor or to the manufacturer's side.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from drm.errors import NotAllowed, ValidationFailed
from identity.access import (
    CHANNEL_MANAGERS,
    MANUFACTURER_ADMINS,
    Role,
    is_manufacturer,
    user_membership,
    user_role,
)
from identity.models import Membership

from .models import (
    DOMAIN_RE,
    Identity,
    IdentityProvider,
    ProviderDomain,
    SamlAssertionSeen,
    email_domain,
)


class SignInRefused(NotAllowed):
    """A sign-in at a provider that the portal refuses; the message says why, for the user."""


# --- discovery ------------------------------------------------------------------------------


def provider_for_email(email):
    """The active provider whose domain `email` is at, or None."""
    domain = email_domain(email)
    if not domain:
        return None
    return (
        IdentityProvider.objects.filter(is_active=True, domains__domain__iexact=domain)
        .select_related("distributor")
        .first()
    )


# --- just-in-time provisioning --------------------------------------------------------------


def _claim_values(value):
    if value is None:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(v).strip() for v in value}
    return {v.strip() for v in str(value).split(",")}


def role_from_claims(provider, claims):
    """The portal role that `claims` give at `provider` (a Role), or None for none.

    A distributor's provider gives partner roles only (admin when one of its admin values is
    asserted, else rep); the manufacturer's gives manufacturer admin or channel manager, or none.
    """
    asserted = _claim_values((claims or {}).get(provider.role_claim))
    if provider.distributor_id is not None:
        if asserted & provider.values(provider.admin_values):
            return Role.PARTNER_ADMIN
        return Role.PARTNER_REP
    if asserted & provider.values(provider.admin_values):
        return Role.ADMIN
    if asserted & provider.values(provider.manager_values):
        return Role.MANAGER
    return None


def _on_providers_side(user, provider):
    """Is `user` one of the people `provider` may sign in: its distributor's, or the staff?"""
    membership = Membership.objects.filter(user=user).first()
    if provider.distributor_id is None:
        return membership is None
    return membership is not None and membership.distributor_id == provider.distributor_id


def _email_checked(provider, email):
    email = (email or "").strip()
    try:
        validate_email(email)
    except DjangoValidationError as exc:
        raise SignInRefused(
            _("Your company's sign-in did not give a valid e-mail address.")
        ) from exc
    if email_domain(email) not in {d.lower() for d in provider.domain_list()}:
        raise SignInRefused(
            _(
                "Your company's sign-in gave the address %(email)s, which is not at a domain "
                "of %(provider)s. Nothing was changed."
            )
            % {"email": email, "provider": provider.name}
        )
    return email


def _others_with(email, user=None):
    User = get_user_model()
    others = User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email.lower()))
    return others.exclude(pk=user.pk) if user is not None else others


def _role_apply(user, provider, role):
    """Give `user` the role the provider asserted, on the provider's side only."""
    if provider.distributor_id is not None:
        wanted = Membership.Role.ADMIN if role == Role.PARTNER_ADMIN else Membership.Role.REP
        membership = Membership.objects.filter(user=user).first()
        if membership is None:
            membership = Membership(user=user, distributor_id=provider.distributor_id, role=wanted)
            membership._history_user = user
            membership.save()
        elif membership.role != wanted:
            # Never the distributor: _on_providers_side has checked it is the provider's.
            membership.role = wanted
            membership._history_user = user
            membership.save(update_fields=["role", "updated_at"])
        return
    wanted, other = (
        (MANUFACTURER_ADMINS, CHANNEL_MANAGERS)
        if role == Role.ADMIN
        else (CHANNEL_MANAGERS, MANUFACTURER_ADMINS)
    )
    user.groups.add(Group.objects.get_or_create(name=wanted)[0])
    user.groups.remove(*Group.objects.filter(name=other))


@transaction.atomic
def identity_sign_in(*, provider, subject, email, claims, provider_mfa=False):
    """The user that `provider` vouches for as `subject`, created or updated just in time.

    Linked by (provider, subject); the asserted e-mail must be at one of the provider's
    domains; an existing user is only ever taken over when it is on the provider's own side;
    a provider that must do MFA must have said it did (`provider_mfa`, read from the answer by
    oidc_mfa_asserted or saml_mfa_asserted). Raises SignInRefused (nothing changed) when any
    rule says no.
    """
    provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
    if not provider.is_active:
        raise SignInRefused(_("This company sign-in has been switched off."))
    if provider.require_provider_mfa and not provider_mfa:
        raise SignInRefused(
            _(
                "%(provider)s did not confirm a second factor (multi-factor authentication) for "
                "this sign-in, and the portal requires one. Sign in at your company again with "
                "your second factor, or ask your administrator."
            )
            % {"provider": provider.name}
        )
    subject = str(subject or "").strip()
    if not subject:
        raise SignInRefused(_("Your company's sign-in did not say who you are (no subject)."))
    email = _email_checked(provider, email)
    role = role_from_claims(provider, claims)
    if role is None:
        raise SignInRefused(
            _("Your company account has no role in the portal. Ask your administrator.")
        )
    User = get_user_model()
    identity = (
        Identity.objects.select_for_update()
        .select_related("user")
        .filter(provider=provider, subject=subject)
        .first()
    )
    if identity is not None:
        user = identity.user
        if not _on_providers_side(user, provider):
            raise SignInRefused(_("This account no longer belongs to your company."))
        if email.lower() != (user.email or "").lower():
            if _others_with(email, user).exists():
                raise SignInRefused(
                    _(
                        "Your new e-mail address %(email)s is already used by another account. "
                        "Nothing was changed."
                    )
                    % {"email": email}
                )
            if user.username.lower() == (user.email or "").lower():
                user.username = email.lower()
            user.email = email
            user.save(update_fields=["email", "username"])
    else:
        existing = list(_others_with(email)[:2])
        if len(existing) > 1:
            raise SignInRefused(_("More than one account uses %(email)s.") % {"email": email})
        if existing:
            user = existing[0]
            if not _on_providers_side(user, provider):
                raise SignInRefused(
                    _(
                        "An account with the address %(email)s already exists outside your "
                        "company's sign-in. Ask the channel manager to sort it out."
                    )
                    % {"email": email}
                )
            if Identity.objects.filter(provider=provider, user=user).exists():
                raise SignInRefused(
                    _("The account %(email)s is already linked to another identity here.")
                    % {"email": email}
                )
        else:
            user = User(
                username=email.lower(),
                email=email,
                first_name=str((claims or {}).get("given_name") or "")[:150],
                last_name=str((claims or {}).get("family_name") or "")[:150],
            )
            user.set_unusable_password()
            try:
                with transaction.atomic():
                    user.save()
            except IntegrityError as exc:
                raise SignInRefused(
                    _("An account with the address %(email)s already exists.") % {"email": email}
                ) from exc
        identity = Identity(provider=provider, subject=subject, user=user)
    if not user.is_active:
        raise SignInRefused(_("Your portal account has been deactivated."))
    _role_apply(user, provider, role)
    identity.email = email
    identity.last_login_at = timezone.now()
    identity.save()
    for memo in ("_drm_membership", "_drm_role", "_drm_groups"):
        user.__dict__.pop(memo, None)
    return user


# --- second factors ---------------------------------------------------------------------------

# OpenID Connect `amr` values (RFC 8176) that mean more than one factor was checked: MFA itself,
# or a factor that is never the first one alone (a one-time code, a key in hardware or software,
# a smart card, a text message or call to a known phone).
MFA_AMR = frozenset({"mfa", "mca", "otp", "hwk", "swk", "sc", "sms", "tel"})
# SAML AuthnContextClassRef values that name a multi-factor authentication.
MFA_AUTHN_CONTEXTS = frozenset(
    {
        "https://refeds.org/profile/mfa",
        "http://schemas.microsoft.com/claims/multipleauthn",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
    }
)


def oidc_mfa_asserted(amr):
    """Did the ID token's `amr` claim (a list, or one string) say a second factor was used?"""
    return bool(_claim_values(amr) & MFA_AMR)


def saml_mfa_asserted(class_refs):
    """Did the assertion's authentication context class references name a multi-factor one?"""
    return bool({str(ref).strip() for ref in class_refs or ()} & MFA_AUTHN_CONTEXTS)


def portal_two_factor_required(provider):
    """Does a sign-in at `provider` also owe the portal's own second factor? By default the
    company's provider answers for it; the provider's box, or for the staff
    SSO_STAFF_REQUIRE_PORTAL_2FA, asks the portal's too."""
    if provider.require_portal_two_factor:
        return True
    return provider.distributor_id is None and settings.SSO_STAFF_REQUIRE_PORTAL_2FA


# --- local passwords ------------------------------------------------------------------------


def password_login_allowed(user):
    """May `user` log in with a password? Not when its side signs in at its company only."""
    membership = Membership.objects.filter(user=user).first()
    if membership is None:
        return not settings.SSO_STAFF_PASSWORD_LOGIN_DISABLED
    return not IdentityProvider.objects.filter(
        distributor_id=membership.distributor_id, is_active=True, password_login_disabled=True
    ).exists()


# --- keeping providers ----------------------------------------------------------------------

OIDC_REQUIRED = ("issuer", "client_id", "authorization_endpoint", "token_endpoint", "jwks_uri")
SAML_REQUIRED = ("entity_id", "sso_url", "certificate")
PROTOCOL_REQUIRED = {
    IdentityProvider.Protocol.OIDC: OIDC_REQUIRED,
    IdentityProvider.Protocol.SAML: SAML_REQUIRED,
}
MANUFACTURER_ONLY = ("admin_values", "manager_values")
HTTPS_FIELDS = (
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "end_session_endpoint",
    "sso_url",
    "slo_url",
)


def _may_keep(by, distributor):
    if is_manufacturer(by):
        return
    if (
        user_role(by) == Role.PARTNER_ADMIN
        and distributor is not None
        and distributor.pk == user_membership(by).distributor_id
    ):
        return
    raise NotAllowed(_("You may only keep your own distributor's sign-in."))


def _domains_checked(domains, provider):
    cleaned = []
    for domain in domains:
        domain = domain.strip().lower()
        if not domain:
            continue
        if not DOMAIN_RE.match(domain):
            raise ValidationFailed(
                _("%(domain)s is not a domain name (like example.com).") % {"domain": domain},
                field="domains",
            )
        cleaned.append(domain)
    if not cleaned:
        raise ValidationFailed(_("Give at least one e-mail domain."), field="domains")
    taken = ProviderDomain.objects.annotate(lower=Lower("domain")).filter(lower__in=cleaned)
    if provider.pk:
        taken = taken.exclude(provider=provider)
    taken = taken.first()
    if taken is not None:
        raise ValidationFailed(
            _("The domain %(domain)s already leads to another sign-in.") % {"domain": taken.domain},
            field="domains",
        )
    return sorted(set(cleaned))


@transaction.atomic
def provider_save(*, by, provider=None, distributor=None, data, domains):
    """Add (provider=None) or edit a provider from validated form `data` and its `domains`.

    The manufacturer keeps any; a partner admin only its own distributor's, and may not change
    which asserted values make an admin (only the manufacturer makes partner admins). A blank
    client secret on edit keeps the one stored.
    """
    if provider is None:
        provider = IdentityProvider(distributor=distributor)
    else:
        provider = IdentityProvider.objects.select_for_update().get(pk=provider.pk)
    _may_keep(by, provider.distributor)
    return _provider_write(provider, data, domains, manufacturer=is_manufacturer(by))


def _provider_write(provider, data, domains, *, manufacturer):
    before = {name: getattr(provider, name) for name in MANUFACTURER_ONLY}
    for name, value in data.items():
        if name == "client_secret" and not value:
            continue
        setattr(provider, name, value)
    if not manufacturer:
        for name, value in before.items():
            setattr(provider, name, value)
    if provider.distributor_id is None:
        provider.password_login_disabled = False  # the staff's is a setting
    # Only the chosen protocol's settings are kept: the other's would mislead a later reader.
    for protocol, names in IdentityProvider.PROTOCOL_FIELDS.items():
        if protocol != provider.protocol:
            for name in names:
                setattr(provider, name, "")
    for name in PROTOCOL_REQUIRED.get(provider.protocol, OIDC_REQUIRED):
        if not getattr(provider, name):
            raise ValidationFailed(
                _("%(field)s is required for this protocol.")
                % {"field": IdentityProvider._meta.get_field(name).verbose_name},
                field=name,
            )
    if settings.SSO_REQUIRE_HTTPS:
        for name in HTTPS_FIELDS:
            value = getattr(provider, name)
            if value and not value.startswith("https://"):
                raise ValidationFailed(
                    _("%(field)s must be an https:// address.")
                    % {"field": IdentityProvider._meta.get_field(name).verbose_name},
                    field=name,
                )
    if provider.password_login_disabled and not provider_works(provider):
        raise ValidationFailed(
            _("Local passwords can be switched off once someone has signed in with this provider."),
            field="password_login_disabled",
        )
    cleaned = _domains_checked(domains, provider)
    provider.save()
    provider.domains.exclude(domain__in=cleaned).delete()
    for domain in cleaned:
        ProviderDomain.objects.get_or_create(provider=provider, domain=domain)
    return provider


# What a provider's page edits; the staff's provider, written from the settings, takes the same
# fields but its switches (active, passwords off), which have settings of their own.
PROVIDER_FIELDS = (
    "name",
    "protocol",
    "is_active",
    "issuer",
    "client_id",
    "client_secret",
    "authorization_endpoint",
    "token_endpoint",
    "jwks_uri",
    "userinfo_endpoint",
    "end_session_endpoint",
    "scopes",
    "entity_id",
    "sso_url",
    "slo_url",
    "certificate",
    "email_claim",
    "role_claim",
    "admin_values",
    "manager_values",
    "password_login_disabled",
    "require_provider_mfa",
    "require_portal_two_factor",
)
# SSO_STAFF_REQUIRE_PORTAL_2FA asks the staff's second factor whatever the row says.
STAFF_FIELDS = tuple(
    name
    for name in PROVIDER_FIELDS
    if name not in ("is_active", "password_login_disabled", "require_portal_two_factor")
)


@transaction.atomic
def staff_provider_sync(*, config):
    """Write the manufacturer's provider from the settings (`config`: SSO_STAFF_PROVIDER):
    created, updated, or switched off when the settings name no domain. Returns it, or None."""
    provider = (
        IdentityProvider.objects.select_for_update()
        .filter(from_settings=True, distributor__isnull=True)
        .first()
    )
    domains = [d for d in config.get("domains") or [] if d.strip()]
    if not domains:
        if provider is not None:
            provider_deactivate_unchecked(provider)
        return provider
    if provider is None:
        provider = IdentityProvider(distributor=None, from_settings=True)
    data = {name: config[name] for name in STAFF_FIELDS if config.get(name) is not None}
    data["is_active"] = True
    return _provider_write(provider, data, domains, manufacturer=True)


def provider_deactivate_unchecked(provider):
    IdentityProvider.objects.filter(pk=provider.pk).update(
        is_active=False, password_login_disabled=False, updated_at=timezone.now()
    )


def provider_works(provider):
    """Has anyone signed in with `provider` yet?"""
    return provider.pk is not None and provider.identities.exists()


@transaction.atomic
def provider_deactivate(*, by, provider):
    """Switch a provider off: it signs no one in, and its people may use passwords again."""
    _may_keep(by, provider.distributor)
    provider_deactivate_unchecked(provider)
    provider.refresh_from_db()
    return provider


# --- SAML replay memory ---------------------------------------------------------------------

SEEN_KEPT = timedelta(days=1)


def saml_seen_prune(*, now=None):
    """Forget the SAML responses seen more than a day ago: an assertion lives minutes, so a
    replay of one that old is refused by its own NotOnOrAfter. Returns how many went."""
    cutoff = (now or timezone.now()) - SEEN_KEPT
    deleted, _kinds = SamlAssertionSeen.objects.filter(seen_at__lt=cutoff).delete()
    return deleted
