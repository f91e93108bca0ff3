"""The notifications funds send: requests and claims to decide (to the distributor's account
manager), decisions and payments (to the partner), claims due soon. A notice never fails the
act it reports on."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from drm.templatetags.money import money
from leads.notices import _send, channel_managers, partner_admins
from notifications.kinds import Delivery, Kind, register
from notifications.services import act_key

REQUEST_SUBMITTED = register(Kind("fund_request_submitted", _("Fund requests to decide")))
REQUEST_DECIDED = register(Kind("fund_request_decided", _("Decisions on my fund requests")))
CLAIM_DUE = register(
    Kind("fund_claim_due", _("Approved fund requests to claim soon"), Delivery.DIGEST)
)
CLAIM_SUBMITTED = register(Kind("fund_claim_submitted", _("Fund claims to decide")))
CLAIM_DECIDED = register(Kind("fund_claim_decided", _("Decisions on my fund claims")))
CLAIM_PAID = register(Kind("fund_claim_paid", _("Fund claims paid")))


# The acts notices ask for: services resolve them when they are done (by anyone).
def request_decide(request_id):
    """Approve or reject a fund request."""
    return act_key("fundrequest", request_id, "decide")


def request_claim(request_id):
    """Claim an approved request (or let it expire)."""
    return act_key("fundrequest", request_id, "claim")


def claim_decide(claim_id):
    """Approve or reject a claim."""
    return act_key("claim", claim_id, "decide")


class Money:
    """An amount in the reporting currency written when it is read: a notice takes the
    recipient's language, not the sender's."""

    def __init__(self, amount):
        self.amount = amount

    def __str__(self):
        return money(self.amount, settings.REPORTING_CURRENCY)


class FundName:
    """A fund's name in the reader's language, written when it is read."""

    def __init__(self, fund):
        self.fund = fund

    def __str__(self):
        return self.fund.display_name


def _link(request):
    """The request's page: where every act on it and its claim is done."""
    return reverse("funds:request", args=[request.pk])


def _partner_side(request):
    """Who hears of a request's fate: whoever submitted it and its distributor's admins."""
    admins = partner_admins(_distributor(request).pk)
    people = {user.pk: user for user in [request.submitted_by, *admins]}
    return [user for user in people.values() if user.is_active]


def _distributor(request):
    return request.allocation.distributor


def _context(request, **more):
    distributor = _distributor(request)
    return {
        "title": request.title,
        "fund": FundName(request.allocation.fund),
        "distributor": distributor.name,
        **more,
    }


def request_submitted_notify(request, *, by):
    distributor = _distributor(request)
    _send(
        channel_managers(distributor.pk),
        kind=REQUEST_SUBMITTED.slug,
        subject=_("A fund request awaits your decision: %(title)s"),
        body=_(
            "%(distributor)s asks %(amount)s of %(fund)s for %(title)s, from %(start)s to "
            "%(end)s (planned cost %(cost)s). Approve it, in full or in part, or reject it."
        ),
        link=_link(request),
        context=_context(
            request,
            amount=Money(request.requested_amount),
            cost=Money(request.planned_cost),
            start=request.start,
            end=request.end,
        ),
        acts=[request_decide(request.pk)],
        actor=by,
    )


def request_decided_notify(request, *, by):
    status = request.Status
    if request.status == status.REJECTED:
        subject = _("Your fund request was rejected: %(title)s")
        body = _("Why: %(reason)s")
    elif request.is_partial:
        subject = _("Your fund request was approved in part: %(title)s")
        body = _(
            "%(amount)s of the %(requested)s asked is approved. Why: %(reason)s\n"
            "Claim it with proof by %(deadline)s, once the activity is over."
        )
    else:
        subject = _("Your fund request was approved: %(title)s")
        body = _(
            "%(amount)s is approved. Claim it with proof by %(deadline)s, once the activity is "
            "over."
        )
    _send(
        _partner_side(request),
        kind=REQUEST_DECIDED.slug,
        subject=subject,
        body=body,
        link=_link(request),
        context=_context(
            request,
            amount=Money(request.approved_amount),
            requested=Money(request.requested_amount),
            reason=request.decision_reason,
            deadline=request.claim_deadline,
        ),
        actor=by,
    )


def claims_due_notify(requests):
    """Each approved request still to claim tells its partner side once, with the deadline."""
    for request in requests:
        _send(
            _partner_side(request),
            kind=CLAIM_DUE.slug,
            subject=_("Claim your activity by %(deadline)s: %(title)s"),
            body=_(
                "%(amount)s is approved for it. Without a claim with proof by %(deadline)s, "
                "the approval expires."
            ),
            link=_link(request),
            context=_context(
                request, amount=Money(request.approved_amount), deadline=request.claim_deadline
            ),
            acts=[request_claim(request.pk)],
        )


def claim_submitted_notify(claim, *, by):
    request = claim.request
    distributor = _distributor(request)
    count = claim.proofs.count()
    _send(
        channel_managers(distributor.pk),
        kind=CLAIM_SUBMITTED.slug,
        subject=_("A fund claim awaits your decision: %(title)s"),
        body=ngettext_lazy(
            "%(distributor)s claims %(amount)s of %(fund)s (actual cost %(cost)s), with "
            "%(count)d proof file. Approve it, in full or in part, or reject it.",
            "%(distributor)s claims %(amount)s of %(fund)s (actual cost %(cost)s), with "
            "%(count)d proof files. Approve it, in full or in part, or reject it.",
            count,
        ),
        link=_link(request),
        context=_context(
            request,
            amount=Money(claim.claimed_amount),
            cost=Money(claim.actual_cost),
            count=count,
        ),
        acts=[claim_decide(claim.pk)],
        actor=by,
    )


def claim_decided_notify(claim, *, by):
    request = claim.request
    if claim.status == claim.Status.REJECTED:
        subject = _("Your fund claim was rejected: %(title)s")
        body = _("Why: %(reason)s")
    elif claim.approved_amount < claim.claimed_amount:
        subject = _("Your fund claim was approved in part: %(title)s")
        body = _(
            "%(amount)s of the %(claimed)s claimed is approved and will be paid. Why: %(reason)s"
        )
    else:
        subject = _("Your fund claim was approved: %(title)s")
        body = _("%(amount)s is approved and will be paid.")
    _send(
        _partner_side(request),
        kind=CLAIM_DECIDED.slug,
        subject=subject,
        body=body,
        link=_link(request),
        context=_context(
            request,
            amount=Money(claim.approved_amount),
            claimed=Money(claim.claimed_amount),
            reason=claim.decision_reason,
        ),
        actor=by,
    )


def claim_paid_notify(claim, *, by):
    request = claim.request
    distributor = _distributor(request)
    _send(
        partner_admins(distributor.pk),
        kind=CLAIM_PAID.slug,
        subject=_("Fund claim paid: %(title)s"),
        body=_("%(amount)s was paid on %(paid_on)s (reference %(reference)s)."),
        link=_link(request),
        context=_context(
            request,
            amount=Money(claim.approved_amount),
            paid_on=claim.paid_on,
            reference=claim.payment_reference,
        ),
        actor=by,
    )
