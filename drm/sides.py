"""Rows one side of the portal keeps: a distributor's (its partner admins keep them) or, without a
distributor, the manufacturer's: the channel's. Provisioning tokens and their activity, webhook
subscriptions: the abstract models and the queryset they share."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SideQuerySet(models.QuerySet):
    def of_side(self, distributor_id):
        """The rows of the distributor `distributor_id`, or (None) the channel's."""
        if distributor_id is None:
            return self.filter(distributor__isnull=True)
        return self.filter(distributor_id=distributor_id)


class SideKept(models.Model):
    """A row of one side: its distributor's, or the channel's when there is none."""

    distributor = models.ForeignKey(
        "distributors.Distributor",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="%(app_label)s_%(class)ss",
        verbose_name=_("distributor"),
    )

    objects = SideQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_channel(self):
        return self.distributor_id is None


class SideKeptBy(SideKept):
    """A row of one side that someone made (kept when that someone is deleted)."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        abstract = True
