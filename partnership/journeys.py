"""The portal checks an onboarding step may rest on: figures the portal already holds, so that
"first revenue reported" is read from the revenue table, not ticked by hand.

Each check is a small class in a registry: `done(distributor_ids)` answers for a whole set of
distributors in one query, so refreshing every open onboarding costs one query per check.
A step once done stays done (a figure reached once is the step's evidence)."""

from django.utils.translation import gettext_lazy as _

CHECKS = {}


def register(cls):
    CHECKS[cls.key] = cls()
    return cls


def check_choices():
    """(key, label) of every check, in the reader's language: a callable for forms."""
    return [(key, check.label) for key, check in CHECKS.items()]


class Check:
    key = ""
    label = ""

    def done(self, distributor_ids):
        """The ids among `distributor_ids` for which the check holds."""
        raise NotImplementedError


def _having(queryset, distributor_ids, field="distributor_id"):
    return set(
        queryset.filter(**{f"{field}__in": list(distributor_ids)})
        .values_list(field, flat=True)
        .distinct()
        .order_by()
    )


@register
class ApplicationApproved(Check):
    key = "application_approved"
    label = _("Application approved")

    def done(self, distributor_ids):
        from distributors.models import Distributor

        return set(
            Distributor.objects.filter(pk__in=list(distributor_ids))
            .exclude(status__in=(Distributor.Status.APPLICANT, Distributor.Status.DECLINED))
            .values_list("pk", flat=True)
        )


@register
class AgreementAccepted(Check):
    key = "agreement_accepted"
    label = _("Current partner agreement accepted")

    def done(self, distributor_ids):
        from .models import AgreementAcceptance, AgreementVersion

        current = AgreementVersion.objects.order_by("-number").first()
        if current is None:
            return set()
        return _having(AgreementAcceptance.objects.filter(version=current), distributor_ids)


@register
class PortalUsersInvited(Check):
    key = "portal_users_invited"
    label = _("Portal users invited")

    def done(self, distributor_ids):
        from identity.models import Membership

        return _having(Membership.objects.all(), distributor_ids)


@register
class FirstTrainingPassed(Check):
    key = "first_training_passed"
    label = _("First training passed")

    def done(self, distributor_ids):
        from .models import Completion

        return _having(Completion.objects.all(), distributor_ids)


@register
class FirstRevenueReported(Check):
    key = "first_revenue_reported"
    label = _("First revenue reported")

    def done(self, distributor_ids):
        from distributors.models import RevenueRecord

        return _having(RevenueRecord.objects.all(), distributor_ids)


@register
class FirstLeadAccepted(Check):
    key = "first_lead_accepted"
    label = _("First lead accepted")

    def done(self, distributor_ids):
        from leads.models import Lead

        return _having(Lead.objects.filter(status__in=Lead.ACCEPTED_STATUSES), distributor_ids)


def checks_done(pairs):
    """{(distributor id, check key)} that hold, for `pairs` of (distributor id, check key):
    one query per check named."""
    wanted = {}
    for distributor_id, key in pairs:
        wanted.setdefault(key, set()).add(distributor_id)
    held = set()
    for key, ids in wanted.items():
        check = CHECKS.get(key)
        if check is not None:
            held.update((distributor_id, key) for distributor_id in check.done(ids))
    return held
