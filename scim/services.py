"""Provisioning acts: tokens created and revoked by the people who keep a directory's access,
and the users a directory creates, replaces, patches and deletes with its token.

A token's scope is its distributor's partner users, or (no distributor) the manufacturer's staff:
users in the "Channel managers" or "Manufacturer admins" group, never a superuser, never a
partner. Every user act locks the user row, checks the whole result, then writes it; a user
switched off or deleted loses its sessions and its API tokens at once.
"""

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token as ApiToken

from drm.errors import Conflict, NotAllowed, ValidationFailed
from identity.access import CHANNEL_MANAGERS, MANUFACTURER_ADMINS, Role, user_membership, user_role
from identity.models import Membership

from . import notices
from .models import Event, Identity, Token, token_digest, token_secret_new
from .protocol import PARTNER_ROLES, UserData, data_of

STAFF_GROUPS = {"manufacturer_admin": MANUFACTURER_ADMINS, "channel_manager": CHANNEL_MANAGERS}
# What the activity list calls each attribute a directory changed: its SCIM name.
SCIM_NAMES = {
    "user_name": "userName",
    "email": "emails",
    "given_name": "name.givenName",
    "family_name": "name.familyName",
    "external_id": "externalId",
    "roles": "roles",
}
# last_used_at is written at most this often per token: a directory's sync is many requests.
LAST_USED_EVERY = timedelta(seconds=60)
DB_SESSION_ENGINES = (
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
)


# --- tokens -------------------------------------------------------------------------------


def _token_scope(by):
    """The distributor (None: the manufacturer's staff) whose token `by` may keep."""
    role = user_role(by)
    if role == Role.ADMIN:
        return None
    if role == Role.PARTNER_ADMIN:
        return user_membership(by).distributor
    raise NotAllowed(
        _("Only a partner admin or a manufacturer admin may keep provisioning tokens.")
    )


@transaction.atomic
def token_create(*, by, description=""):
    """A new token for `by`'s scope; returns (token, secret). The secret is not kept: show it
    now, it cannot be read again."""
    distributor = _token_scope(by)
    description = (description or "").strip()
    if len(description) > 200:
        raise ValidationFailed(_("Keep the description under 200 characters."), field="description")
    secret = token_secret_new()
    token = Token.objects.create(
        distributor=distributor,
        description=description,
        prefix=secret[:12],
        digest=token_digest(secret),
        created_by=by,
    )
    Event.objects.create(
        distributor=distributor, token=token, action=Event.Action.TOKEN_CREATED, by=by
    )
    notices.token_changed_notify(token, created=True, by=by)
    return token, secret


@transaction.atomic
def token_revoke(*, token, by):
    """Revoke `token`: the next request made with it is refused."""
    token = Token.objects.visible_to(by).select_for_update().filter(pk=token.pk).first()
    if token is None:
        raise NotAllowed(_("This token is not yours to revoke."))
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.revoked_by = by
    token.save(update_fields=["revoked_at", "revoked_by"])
    Event.objects.create(
        distributor=token.distributor, token=token, action=Event.Action.TOKEN_REVOKED, by=by
    )
    notices.token_changed_notify(token, created=False, by=by)
    return token


def token_authenticate(secret):
    """The usable token whose secret is `secret`, or None; notes when it was last used."""
    if not secret or not secret.startswith("scim_") or len(secret) > 200:
        return None
    token = (
        Token.objects.usable()
        .select_related("distributor")
        .filter(digest=token_digest(secret))
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        Token.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
        token.last_used_at = now
    return token


# --- users --------------------------------------------------------------------------------


def scim_users(token):
    """The users `token` may see and touch."""
    users = get_user_model().objects.all()
    if token.distributor_id is not None:
        return users.filter(membership__distributor_id=token.distributor_id)
    staff = (
        get_user_model().objects.filter(groups__name__in=list(STAFF_GROUPS.values())).values("pk")
    )
    return users.filter(pk__in=staff, membership__isnull=True, is_superuser=False)


def scim_group_members(token, group_id):
    """The users of `token`'s scope holding the role `group_id` (a role group's id)."""
    users = scim_users(token)
    if token.distributor_id is not None:
        return users.filter(membership__role=PARTNER_ROLES[group_id])
    return users.filter(groups__name=STAFF_GROUPS[group_id])


def scim_group_member_lists(token):
    """{role group id: [(user id, userName)]} of every role group of `token`'s scope, in one
    query."""
    users = scim_users(token).order_by("pk")
    if token.distributor_id is not None:
        roles = {role: group_id for group_id, role in PARTNER_ROLES.items()}
        rows = users.values_list("pk", "username", "membership__role")
        lists = {group_id: [] for group_id in PARTNER_ROLES}
    else:
        roles = {name: group_id for group_id, name in STAFF_GROUPS.items()}
        rows = users.filter(groups__name__in=list(roles)).values_list(
            "pk", "username", "groups__name"
        )
        lists = {group_id: [] for group_id in STAFF_GROUPS}
    for pk, username, role in rows:
        if role in roles:
            lists[roles[role]].append((pk, username))
    return lists


def _role_added(before, group_id, *, staff):
    # A partner holds one role: joining a group leaves the other.
    roles = set(before.roles) | {group_id} if staff else {group_id}
    return replace(before, roles=tuple(sorted(roles)))


def _role_removed(before, group_id):
    # A user left with no role gets the lowest (_checked): a partner rep, a channel manager.
    return replace(before, roles=tuple(r for r in before.roles if r != group_id))


@transaction.atomic
def scim_group_change(*, token, group_id, changes):
    """Apply `changes` (groups.MemberChange: add, remove or replace members, in order) to the
    role group `group_id` of `token`'s scope: each user who joins or leaves it has its roles
    changed by scim_user_change (locked, checked, logged). All or nothing; ValidationFailed
    names a member that is no user of the scope (another distributor's user is none).

    A user removed from its only role group keeps the lowest role (partner rep, channel
    manager), as when a directory removes a user's `roles`: a portal user always has a role;
    to take one out, deactivate or delete it.
    """
    staff = token.distributor_id is None
    current = set(scim_group_members(token, group_id).values_list("pk", flat=True))
    wanted = set(current)
    named = {}  # each member value sent: the user id it names
    for change in changes:
        ids = None
        if change.ids is not None:
            ids = {_member_id(value) for value in change.ids}
            named.update((value, _member_id(value)) for value in change.ids)
        if change.op == "add":
            wanted |= ids
        elif change.op == "replace":
            wanted = set(ids)
        else:
            wanted = set() if ids is None else wanted - ids
    found = set(scim_users(token).filter(pk__in=named.values()).values_list("pk", flat=True))
    missing = [value for value, pk in named.items() if pk not in found]
    if missing:
        raise ValidationFailed(
            _("There is no user %(id)s.") % {"id": missing[0][:40]}, field="members"
        )
    for user_id in sorted(current - wanted):
        scim_user_change(
            token=token, user_id=user_id, change=lambda before: _role_removed(before, group_id)
        )
    for user_id in sorted(wanted - current):
        scim_user_change(
            token=token,
            user_id=user_id,
            change=lambda before: _role_added(before, group_id, staff=staff),
        )


def _member_id(value):
    """A member's value as a user id; a value that is none names no user (a 0 is no one's)."""
    return int(value) if value.isdigit() and len(value) < 19 else 0


def _checked(data, token, *, user=None):
    """`data` made whole (the e-mail from a userName that is one, a default role) and checked;
    ValidationFailed names the attribute at fault, Conflict says the name is taken."""
    user_name = data.user_name.lower()
    try:
        UnicodeUsernameValidator()(user_name)
    except DjangoValidationError:
        raise ValidationFailed(
            _("'userName' may hold only letters, digits and @ . + - _."), field="userName"
        ) from None
    email = data.email
    if not email:
        try:
            validate_email(user_name)
        except DjangoValidationError:
            raise ValidationFailed(
                _("'emails' is required: the portal writes to each user."), field="emails"
            ) from None
        email = user_name
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationFailed(
            _("'emails.value' is not a valid e-mail address."), field="emails"
        ) from None
    roles = data.roles
    if token.distributor_id is not None:
        roles = ("partner_admin",) if "partner_admin" in roles else ("partner_rep",)
    elif not roles:
        roles = ("channel_manager",)
    taken = get_user_model().objects.filter(
        Q(username__iexact=user_name) | Q(email__iexact=email) | Q(username__iexact=email)
    )
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        # The same answer whoever holds the name: nothing about the other user leaks.
        raise Conflict(_("'userName' or 'emails' is already used by another user."))
    return UserData(
        user_name=user_name,
        email=email,
        given_name=data.given_name,
        family_name=data.family_name,
        active=data.active,
        external_id=data.external_id,
        roles=roles,
    )


def _write(user, data, token):
    """Write `data` onto `user` (saved or not) and its membership or groups."""
    user.username = data.user_name
    user.email = data.email
    user.first_name = data.given_name
    user.last_name = data.family_name
    user.is_active = data.active
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:  # the same name, created at the same moment
        raise Conflict(_("'userName' or 'emails' is already used by another user.")) from exc
    if token.distributor_id is not None:
        role = PARTNER_ROLES[data.roles[0]]
        membership = Membership.objects.filter(user=user).first() or Membership(
            user=user, distributor_id=token.distributor_id
        )
        membership.role = role
        # A history record of every change, with whether the user could log in.
        membership._history_user = None
        membership.save()
    else:
        wanted = {STAFF_GROUPS[role] for role in data.roles}
        groups = {g.name: g for g in Group.objects.filter(name__in=STAFF_GROUPS.values())}
        for name in STAFF_GROUPS.values():
            group = groups.get(name) or Group.objects.get_or_create(name=name)[0]
            if name in wanted:
                user.groups.add(group)
            else:
                user.groups.remove(group)
    Identity.objects.update_or_create(user=user, defaults={"external_id": data.external_id})


def user_access_end(user):
    """End `user`'s sessions and delete its API tokens: the next request it makes is anonymous.

    With sessions in the database (the default), the user's are deleted; with another engine a
    deactivated user's session stops anyway (the authentication backend refuses inactive users).
    """
    ApiToken.objects.filter(user=user).delete()
    if settings.SESSION_ENGINE not in DB_SESSION_ENGINES:
        return
    from importlib import import_module

    store = import_module(settings.SESSION_ENGINE).SessionStore
    ident = str(user.pk)
    doomed = []
    sessions = Session.objects.filter(expire_date__gt=timezone.now())
    for session in sessions.only("session_key", "session_data").iterator(chunk_size=2000):
        if session.get_decoded().get("_auth_user_id") == ident:
            doomed.append(session.session_key)
    for key in doomed:
        store(session_key=key).delete()


def _record(token, action, user, changed=()):
    Event.objects.create(
        distributor_id=token.distributor_id,
        token=token,
        action=action,
        user=user if user.pk else None,
        user_name=user.username,
        changed=list(changed),
    )


@transaction.atomic
def scim_user_create(*, token, data):
    """A new user in `token`'s scope; its password unusable (it sets one with "Forgot your
    password?", or logs in by single sign-on)."""
    data = _checked(data, token)
    user = get_user_model()(date_joined=timezone.now())
    user.set_unusable_password()
    _write(user, data, token)
    _record(token, Event.Action.CREATED, user)
    if not data.active:
        user_access_end(user)
    return user


@transaction.atomic
def scim_user_change(*, token, user_id, change):
    """Apply `change` (UserData -> UserData, raising protocol errors) to the user `user_id` of
    `token`'s scope under a row lock; None when there is no such user there."""
    user = scim_users(token).select_for_update(of=("self",)).filter(pk=user_id).first()
    if user is None:
        return None
    staff = token.distributor_id is None
    identity = Identity.objects.filter(user=user).first()
    before = data_of(user, staff=staff, external_id=identity.external_id if identity else "")
    after = _checked(change(before), token, user=user)
    changed = after.changed_from(before)
    if not changed:
        return user
    _write(user, after, token)
    if "active" in changed:
        action = Event.Action.REACTIVATED if after.active else Event.Action.DEACTIVATED
    else:
        action = Event.Action.UPDATED
    _record(token, action, user, [SCIM_NAMES[c] for c in changed if c != "active"])
    if not after.active:
        user_access_end(user)
    return user


@transaction.atomic
def scim_user_delete(*, token, user_id):
    """Delete the user `user_id` of `token`'s scope; False when there is no such user there.

    A user whose name is on records the portal keeps (a goal's amendment, a fund's claim) cannot
    be deleted: it is switched off and taken out of the scope instead (its membership or its
    groups removed), so the directory sees it gone either way.
    """
    user = scim_users(token).select_for_update(of=("self",)).filter(pk=user_id).first()
    if user is None:
        return False
    _record(token, Event.Action.DELETED, user)
    user_access_end(user)
    try:
        with transaction.atomic():
            user.delete()
    except ProtectedError:
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
        Membership.objects.filter(user=user).delete()
        user.groups.remove(*Group.objects.filter(name__in=STAFF_GROUPS.values()))
        Identity.objects.filter(user=user).delete()
    return True
