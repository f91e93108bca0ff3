"""Template context: the current user's role and distributor, for navigation."""

from .access import USER_MANAGERS, Role, can_use_admin, user_membership, user_role


def portal(request):
    user = getattr(request, "user", None)
    role = user_role(user) if user is not None else None
    membership = user_membership(user) if role else None
    return {
        "portal_role": role,
        "portal_is_manufacturer": role in (Role.ADMIN, Role.MANAGER),
        "portal_is_partner": membership is not None,
        "portal_distributor": membership.distributor if membership else None,
        "portal_can_use_admin": bool(role) and can_use_admin(user),
        "portal_manages_users": role in USER_MANAGERS,
    }
