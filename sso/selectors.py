"""Single sign-on's reads, always scoped to who asks."""

from django.db.models import Count

from .models import IdentityProvider


def provider_list(*, visible_to):
    """The providers `visible_to` may keep, with their domains and how many have signed in."""
    return (
        IdentityProvider.objects.visible_to(visible_to)
        .select_related("distributor")
        .prefetch_related("domains")
        .annotate(identity_count=Count("identities"))
        .order_by("distributor__name", "name", "pk")
    )
