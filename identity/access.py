"""Who may see what: roles, and the one place where data is scoped to a user's distributor.

Every app scopes its querysets with `Model.objects.visible_to(user)`; views and API views never
filter by distributor themselves.
"""

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from drm import compiled
from drm.errors import NotAllowed

MANUFACTURER_ADMINS = "Manufacturer admins"
CHANNEL_MANAGERS = "Channel managers"


class Role(models.TextChoices):
    ADMIN = "admin", _("Manufacturer admin")
    MANAGER = "manager", _("Channel manager")
    PARTNER_ADMIN = "partner_admin", _("Partner admin")
    PARTNER_REP = "partner_rep", _("Partner rep")


def user_membership(user):
    """The partner membership of `user`, or None for manufacturer staff and anonymous users."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_drm_membership"):
        from .models import Membership

        # Every request of a partner reads it: compiled once per process (drm.compiled).
        user._drm_membership = compiled.first(
            "identity.user_membership",
            lambda user: (
                Membership.objects.select_related("distributor").filter(user=user).order_by("pk")
            ),
            user=user,
        )
    return user._drm_membership


def user_portal_groups(user):
    """Which of the portal's two groups (MANUFACTURER_ADMINS, CHANNEL_MANAGERS) the user is in,
    read once per request (the API's token authentication reads them with the token)."""
    if not hasattr(user, "_drm_groups"):
        from django.contrib.auth.models import Group

        user._drm_groups = set(
            compiled.rows(
                "identity.user_portal_groups",
                lambda user: Group.objects.filter(
                    user=user, name__in=(MANUFACTURER_ADMINS, CHANNEL_MANAGERS)
                ).values_list("name", flat=True),
                user=user,
            )
        )
    return user._drm_groups


def user_role(user):
    """The user's role, or None when the user has no business in the portal."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if hasattr(user, "_drm_role"):
        return user._drm_role
    membership = user_membership(user)
    if membership is not None:
        # A partner stays a partner even if someone ticked a staff box by mistake.
        role = Role.PARTNER_ADMIN if membership.role == "admin" else Role.PARTNER_REP
    else:
        groups = user_portal_groups(user)
        if user.is_superuser or MANUFACTURER_ADMINS in groups:
            role = Role.ADMIN
        elif CHANNEL_MANAGERS in groups:
            # Not the staff flag: it only opens the Django admin, and only with a role.
            role = Role.MANAGER
        else:
            role = None
    user._drm_role = role
    return role


# Who manages partner users: the manufacturer for every distributor, a partner admin for its own.
USER_MANAGERS = (Role.ADMIN, Role.MANAGER, Role.PARTNER_ADMIN)


def manages_partner_users(user):
    return user_role(user) in USER_MANAGERS


def viewer_key(user):
    """What of `user` a scoped queryset's SQL can hold (its id, role and distributor): the key
    under which drm.compiled keeps a queryset built for this viewer."""
    membership = user_membership(user)
    return (
        getattr(user, "pk", None),
        user_role(user),
        membership.distributor_id if membership is not None else None,
    )


def is_manufacturer(user):
    return user_role(user) in (Role.ADMIN, Role.MANAGER)


def require_manufacturer(user, message):
    """Refuse (NotAllowed with `message`) anyone but the manufacturer's staff: the services'
    first line."""
    if not is_manufacturer(user):
        raise NotAllowed(message)


def is_partner(user):
    return user_role(user) in (Role.PARTNER_ADMIN, Role.PARTNER_REP)


def hidden_fields(user, model):
    """The fields of `model` that `user` may not see: its INTERNAL_FIELDS, unless manufacturer."""
    if is_manufacturer(user):
        return ()
    return tuple(getattr(model, "INTERNAL_FIELDS", ()))


def can_use_admin(user):
    """The Django admin: staff-flagged manufacturer users and superusers, never a partner.

    The staff flag alone is not enough: a partner or a user without a role is turned away. So is
    the superuser flag: a membership makes a partner whatever boxes were ticked (see user_role),
    and a superuser without one is a manufacturer admin anyway.
    """
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return False
    return is_manufacturer(user)


def two_factor_required(user):
    """Must `user` use two-factor authentication everywhere? Manufacturer admins, when set so."""
    return settings.TWO_FACTOR_REQUIRED_FOR_ADMINS and user_role(user) == Role.ADMIN


def admin_site_requires_verification(user):
    """The Django admin asks for a verified log-in of everyone it lets in, when set so."""
    return settings.TWO_FACTOR_REQUIRED_FOR_ADMINS and can_use_admin(user)


class VisibleToQuerySet(models.QuerySet):
    """A queryset that knows how to keep a partner inside its own distributor."""

    distributor_lookup = "distributor"

    def visible_to(self, user):
        if is_manufacturer(user):
            return self.all()
        membership = user_membership(user) if is_partner(user) else None
        if membership is None:
            return self.none()
        scoped = self.filter(**{self.distributor_lookup: membership.distributor_id})
        # Only a many-to-many path can repeat rows.
        return scoped.distinct() if self.distributor_lookup == "distributors" else scoped

    @classmethod
    def as_manager(cls, distributor_lookup="distributor"):
        scoped = type(cls.__name__, (cls,), {"distributor_lookup": distributor_lookup})
        return super(VisibleToQuerySet, scoped).as_manager()


def manufacturer_required(view):
    """Pages for the manufacturer's people only: partners get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_manufacturer(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def partner_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_partner(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def partner_user_manager_required(view):
    """Pages that manage partner users: manufacturer users and partner admins; reps get 403."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not manages_partner_users(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def portal_user_required(view):
    """Any user with a role: manufacturer staff or a partner."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if user_role(request.user) is None:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


class IsPortalUser(BasePermission):
    """API: any role may read what its scope allows; writes need a manufacturer role."""

    def has_permission(self, request, view):
        role = user_role(request.user)
        if role is None:
            return False
        return request.method in SAFE_METHODS or is_manufacturer(request.user)


class HasPortalRole(BasePermission):
    """API: any role, any method; the service decides what the caller may write."""

    def has_permission(self, request, view):
        return user_role(request.user) is not None


def user_language(user, *, fallback="default"):
    """The language to speak to `user` in: its own setting, else (for e-mails and documents)
    its distributor's preferred language, else `fallback` ("default": LANGUAGE_CODE)."""
    from django.conf import settings

    if fallback == "default":
        fallback = settings.LANGUAGE_CODE
    if not getattr(user, "is_authenticated", False):
        return fallback
    if not hasattr(user, "_drm_language"):
        from .models import UserProfile

        found = compiled.rows(
            "identity.user_language",
            lambda user: UserProfile.objects.filter(user=user).values_list("language", flat=True),
            user=user,
        )
        user._drm_language = found[0] if found else ""
    return user._drm_language or fallback


def recipient_language(user):
    """E-mails and documents: the user's setting, else its distributor's, else the default."""
    from django.conf import settings

    own = user_language(user, fallback=None)
    if own:
        return own
    membership = user_membership(user)
    if membership is not None and membership.distributor.language:
        return membership.distributor.language
    return settings.LANGUAGE_CODE


# The two sides an integration page serves: the manufacturer's (its staff keep the channel's
# settings) and a partner's (its admins keep their distributor's).
CHANNEL_SIDE, PARTNER_SIDE = "channel", "partner"


def side_keeper_required(view):
    """A page served for either side (`side=` in its URL pattern): the channel's to the
    manufacturer's staff, a partner's to its admins; others 403. The view reads the side as
    `request.keeper_side`."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, side, **kwargs):
        keeps = (
            is_manufacturer(request.user)
            if side == CHANNEL_SIDE
            else (user_role(request.user) == Role.PARTNER_ADMIN)
        )
        if not keeps:
            raise PermissionDenied
        request.keeper_side = side
        return view(request, *args, **kwargs)

    return wrapper
