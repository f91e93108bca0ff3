"""The demo_funds command: every request and claim status shows, balances add up, payments reach
the investments, the partner has something to do, a second run adds nothing, and the demo's
whole history is what the services make of it, act by act, at the times it is dated."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from distributors.models import Distributor, Investment, RevenueRecord
from funds import notices, selectors, services
from funds.demo import BUDGET_NAME
from funds.models import Allocation, Claim, Fund, FundRequest, ProofFile
from notifications.models import NotificationAct

pytestmark = pytest.mark.django_db

MODELS = (Fund, Allocation, FundRequest, Claim, ProofFile, Investment)
FIGURES = ("allocated", "reserved", "claimed", "paid", "expired", "available")


def counts():
    return {model._meta.label: model.objects.count() for model in MODELS}


@pytest.fixture(autouse=True)
def _clock():
    """The demo is built for the real today: no frozen clock here (see conftest's `_clock`)."""


@pytest.fixture(autouse=True)
def _media():
    """The module's demo keeps its proof files in one directory (see `world`)."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo channel and its funds (loaded twice), once for the module."""
    media = tmp_path_factory.mktemp("media")
    with (
        override_settings(MEDIA_ROOT=str(media), FUNDS_PROOF_SCAN=""),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        call_command("demo_data", "--quiet", stdout=StringIO())
        first = StringIO()
        call_command("demo_funds", stdout=first)
        loaded = counts()
        second = StringIO()
        call_command("demo_funds", "--quiet", stdout=second)
        yield {"first": first.getvalue(), "second": second.getvalue(), "loaded": loaded}
        transaction.set_rollback(True)


@pytest.fixture
def manager(world):
    return get_user_model().objects.get(username="manager")


@pytest.fixture
def budget(world):
    return Fund.objects.get(name__startswith=BUDGET_NAME)


# First in the file: the module's demo world is not loaded yet.
def test_demo_funds_needs_the_demo_channel(db):
    with pytest.raises(CommandError, match="demo_data"):
        call_command("demo_funds", "--quiet", stdout=StringIO())


def test_a_second_run_creates_nothing(world):
    assert "Demo funds:" in world["first"]
    assert "nothing to do" in world["second"]
    assert counts() == world["loaded"]


def test_requests_and_claims_exist_in_every_status(world):
    assert set(FundRequest.objects.values_list("status", flat=True)) == set(
        FundRequest.Status.values
    )
    assert set(Claim.objects.values_list("status", flat=True)) == set(Claim.Status.values)
    # Approved in full and in part (with the reason), before and after a claim.
    requests = FundRequest.objects.filter(status__in=FundRequest.DECIDED_FOR)
    assert any(r.is_partial and r.decision_reason for r in requests)
    assert any(not r.is_partial for r in requests)
    claims = Claim.objects.filter(status__in=(Claim.Status.APPROVED, Claim.Status.PAID))
    assert any(c.approved_amount < c.claimed_amount and c.decision_reason for c in claims)
    assert any(c.approved_amount == c.claimed_amount for c in claims)
    # Every rejection says why; a rejection after an approval too.
    for row in [
        *FundRequest.objects.filter(status="rejected"),
        *Claim.objects.filter(status="rejected"),
    ]:
        assert row.decision_reason
    assert FundRequest.objects.filter(status="rejected", approved_amount__isnull=False).exists()
    assert FundRequest.objects.filter(status="cancelled", approved_amount__isnull=False).exists()
    # Several distributors, several kinds of activity.
    assert FundRequest.objects.values("allocation__distributor").distinct().count() >= 10
    assert FundRequest.objects.values("activity_type").distinct().count() >= 5


def test_activities_lie_in_the_past_months_and_the_coming_weeks(world):
    today = timezone.localdate()
    starts = list(FundRequest.objects.values_list("start", flat=True))
    assert min(starts) <= today - datetime.timedelta(days=60)
    assert max(starts) > today
    expired = FundRequest.objects.get(status="expired")
    assert expired.claim_deadline < today
    open_to_claim = FundRequest.objects.filter(status="approved", end__lt=today)
    assert open_to_claim.exists() and all(r.claim_open(today) for r in open_to_claim)


def test_every_act_is_dated_in_order_and_before_the_load(world):
    now = timezone.now()
    for request in FundRequest.objects.all():
        assert request.submitted_at < now
        assert request.submitted_at.date() <= request.start
        if request.decided_at:
            assert request.submitted_at < request.decided_at < now
    for claim in Claim.objects.select_related("request"):
        request = claim.request
        assert request.decided_at < claim.submitted_at
        assert request.end <= claim.submitted_at.date() <= request.claim_deadline
        if claim.decided_at:
            assert claim.submitted_at < claim.decided_at < now
        if claim.paid_on:
            assert claim.decided_at.date() <= claim.paid_on <= timezone.localdate()
        for proof in claim.proofs.all():
            assert proof.uploaded_at == claim.submitted_at


def test_balances_add_up_for_every_fund_and_distributor(manager):
    rows = list(selectors.balances(visible_to=manager))
    assert len(rows) == Allocation.objects.count() > 30
    for row in rows:
        figures = {name: getattr(row, name) for name in FIGURES}
        assert all(value >= 0 for value in figures.values()), (row, figures)
        assert figures["allocated"] == sum(
            figures[name] for name in ("reserved", "claimed", "paid", "expired", "available")
        ), (row, figures)
    used = [row for row in rows if row.used]
    assert {
        name for row in used for name in ("reserved", "claimed", "paid") if getattr(row, name)
    } == {
        "reserved",
        "claimed",
        "paid",
    }


def test_paid_claims_have_their_own_market_funds_investment(world):
    paid = Claim.objects.filter(status="paid").select_related("request__allocation", "investment")
    assert paid.count() >= 3
    by_row = defaultdict(Decimal)
    for claim in paid:
        investment = claim.investment
        assert investment is not None
        assert investment.kind == Investment.Kind.MARKET_FUNDS
        assert investment.distributor_id == claim.request.allocation.distributor_id
        assert investment.date == claim.paid_on
        by_row[investment.pk] += claim.approved_amount
    # Each row holds the payments alone (none of demo_data's quarterly rows): a second
    # demo_data, which writes its own rows again, leaves them as they are.
    for pk, amount in by_row.items():
        assert Investment.objects.get(pk=pk).value == amount


def test_claims_carry_real_proof_files_in_the_services_storage(world):
    from PIL import Image
    from pypdf import PdfReader

    kinds = set()
    for claim in Claim.objects.prefetch_related("proofs"):
        proofs = list(claim.proofs.all())
        assert proofs
        for proof in proofs:
            assert proof.file.storage.exists(proof.file.name)
            content = proof.file.read()
            proof.file.close()
            assert len(content) == proof.size
            kinds.add(proof.content_type)
            if proof.content_type == "application/pdf":
                text = PdfReader(io.BytesIO(content)).pages[0].extract_text()
                assert text.strip()
            else:
                Image.open(io.BytesIO(content)).verify()
    assert kinds == {"application/pdf", "image/png"}


def test_the_demo_partner_has_a_request_of_each_kind_it_acts_on(world):
    partner = get_user_model().objects.get(username="partner")
    today = timezone.localdate()
    requests = list(selectors.request_list(visible_to=partner))
    assert {r.allocation.distributor.code for r in requests} == {"adriatica"}
    assert any(r.claim_open(today) for r in requests)
    assert any(r.status == FundRequest.Status.SUBMITTED for r in requests)
    assert selectors.claim_list(visible_to=partner, status=Claim.Status.PAID).exists()


def test_claims_waiting_are_on_the_managers_list_and_nothing_else_is(manager):
    waiting = Claim.objects.filter(status="submitted")
    assert waiting.count() >= 2
    for claim in Claim.objects.all():
        open_acts = NotificationAct.objects.filter(
            key=notices.claim_decide(claim.pk), notification__recipient=manager
        )
        assert open_acts.exists() == (claim.status == "submitted"), claim


def test_french_speaking_distributors_read_their_funds_in_french(world):
    french = Distributor.objects.filter(language="fr")
    requests = FundRequest.objects.filter(allocation__distributor__in=french)
    assert requests.count() >= 4
    english = (" the ", " and ", " our ", " for ", "Stand at")
    for request in requests:
        texts = [request.title, request.description, request.decision_reason]
        for text in texts:
            assert not any(word in f" {text} " for word in english), text
        assert any(
            word in f" {request.description} " for word in (" de ", " des ", " la ", " les ")
        )
    assert requests.exclude(decision_reason="").exists()
    assert Fund.objects.exclude(name_fr="").count() == Fund.objects.count()


def test_the_accrual_fund_holds_3_percent_of_last_years_revenue(world, manager):
    fund = Fund.objects.get(kind=Fund.Kind.ACCRUAL)
    last_year = timezone.localdate().year - 1
    assert (fund.period_start, fund.period_end) == (
        datetime.date(last_year, 1, 1),
        datetime.date(last_year, 12, 31),
    )
    allocations = list(fund.allocations.all())
    assert {a.distributor_id for a in allocations} == set(
        fund.eligible_distributors().values_list("pk", flat=True)
    )
    assert sum(a.amount for a in allocations) > 0
    for allocation in allocations:
        revenue = RevenueRecord.objects.filter(
            distributor_id=allocation.distributor_id, month__year=last_year
        ).aggregate(total=Sum("reporting_amount"))["total"] or Decimal(0)
        assert allocation.amount == fund.accrued_on(revenue)
    # Accrued again, it finds nothing new.
    assert services.fund_accrue(fund=fund, by=manager) == 0


def test_the_daily_job_has_done_its_part_already(world):
    assert services.funds_daily() == {"expired": 0, "reminded": 0}
    assert FundRequest.objects.filter(status="approved", claim_reminded_at__isnull=False).exists()


# --- the demo's history, replayed through the services -------------------------------------------


def recorded_acts(fund):
    """Every act on the fund's requests and claims, from their history rows, in the order they
    are dated: (time, history row, act)."""
    allocations = list(fund.allocations.values_list("pk", flat=True))
    acts = []
    for model, rows in (
        ("request", FundRequest.history.filter(allocation_id__in=allocations)),
        ("claim", Claim.history.filter(request__allocation_id__in=allocations)),
    ):
        before = {}
        for row in rows.order_by("history_date", "history_id"):
            previous = before.get(row.id)
            if row.history_type == "+":
                if model == "request":
                    acts.append((row.history_date, row.history_id, row, "submit"))
            elif previous is not None and previous.status != row.status:
                acts.append((row.history_date, row.history_id, row, f"{model}_{row.status}"))
            before[row.id] = row
    return sorted(acts, key=lambda act: act[:2])


def twin_fund(fund, by):
    """A copy of `fund` with the same allocations, made now."""
    twin = services.fund_create(
        by=by,
        name=f"{fund.name} (replayed)",
        kind=fund.kind,
        period_start=fund.period_start,
        period_end=fund.period_end,
        expires_on=fund.expires_on,
        cost_share_percent=fund.cost_share_percent,
        regions=fund.regions.all(),
    )
    for allocation in fund.allocations.select_related("distributor"):
        services.allocation_set(
            fund=twin, distributor=allocation.distributor, amount=allocation.amount, by=by
        )
    return twin


def proofs_of(claim):
    uploads = []
    for proof in claim.proofs.all():
        with proof.file.open("rb") as stored:
            uploads.append(
                SimpleUploadedFile(proof.original_name, stored.read(), proof.content_type)
            )
    return uploads


REQUEST_FIELDS = (
    "status",
    "activity_type",
    "title",
    "description",
    "start",
    "end",
    "planned_cost",
    "requested_amount",
    "expected_leads",
    "expected_revenue",
    "approved_amount",
    "decision_reason",
    "submitted_by_id",
    "submitted_at",
    "decided_by_id",
    "decided_at",
    "claim_deadline",
)
CLAIM_FIELDS = (
    "status",
    "actual_cost",
    "claimed_amount",
    "results_leads",
    "results_revenue",
    "approved_amount",
    "decision_reason",
    "submitted_by_id",
    "submitted_at",
    "decided_by_id",
    "decided_at",
    "paid_on",
    "payment_reference",
)


def test_the_demo_history_is_what_the_services_make_of_it_act_by_act(budget, manager, time_machine):
    """Rows the clock kept the demo from writing through the services (a request for an
    activity already started) and the times restamped after the acts: each request and claim
    of the demo fund is submitted, decided, claimed, paid or expired again through the
    services, on a copy of the fund, with the clock at the time its history dates each act.
    Any state the services could not produce there (a start before its submission, a claim
    before the activity ended or after its deadline, a payment before it is made, more than
    available) fails; the copy ends with the same rows and balances."""
    real_now = timezone.now()
    twin = twin_fund(budget, manager)
    requests, claims = {}, {}
    for moment, _order, row, act in recorded_acts(budget):
        time_machine.move_to(moment, tick=False)
        by = row.history_user
        if act == "submit":
            requests[row.id] = services.request_submit(
                by=by,
                fund=twin,
                activity_type=row.activity_type,
                title=row.title,
                description=row.description,
                start=row.start,
                end=row.end,
                planned_cost=row.planned_cost,
                expected_leads=row.expected_leads,
                expected_revenue=row.expected_revenue,
            )
        elif act == "request_approved":
            services.request_approve(
                request=requests[row.id],
                by=by,
                amount=row.approved_amount,
                reason=row.decision_reason,
            )
        elif act == "request_rejected":
            services.request_reject(request=requests[row.id], by=by, reason=row.decision_reason)
        elif act == "request_cancelled":
            services.request_cancel(request=requests[row.id], by=by)
        elif act == "request_expired":
            services.requests_expire()
        elif act == "request_claimed":
            claim = Claim.objects.get(request_id=row.id)
            first = claim.history.earliest("history_date")
            claims[claim.pk] = services.claim_submit(
                by=first.history_user,
                request=requests[row.id],
                actual_cost=first.actual_cost,
                files=proofs_of(claim),
                results_leads=first.results_leads,
                results_revenue=first.results_revenue,
            )
        elif act == "claim_approved":
            services.claim_approve(
                claim=claims[row.id], by=by, amount=row.approved_amount, reason=row.decision_reason
            )
        elif act == "claim_rejected":
            services.claim_reject(claim=claims[row.id], by=by, reason=row.decision_reason)
        elif act == "claim_paid":
            services.claim_pay(
                claim=claims[row.id], by=by, reference=row.payment_reference, paid_on=row.paid_on
            )
        else:
            assert act == "request_closed", act  # a claim's payment or rejection closes it
    time_machine.move_to(real_now, tick=False)

    demo_requests = FundRequest.objects.filter(allocation__fund=budget)
    assert len(requests) == demo_requests.count() > 15
    for original in demo_requests:
        replayed = FundRequest.objects.get(pk=requests[original.pk].pk)
        for name in REQUEST_FIELDS:
            assert getattr(replayed, name) == getattr(original, name), (original, name)
    assert len(claims) == Claim.objects.filter(request__allocation__fund=budget).count()
    for pk, replayed in claims.items():
        original, replayed = Claim.objects.get(pk=pk), Claim.objects.get(pk=replayed.pk)
        for name in CLAIM_FIELDS:
            assert getattr(replayed, name) == getattr(original, name), (original, name)
        assert sorted(replayed.proofs.values_list("content_type", "size")) == sorted(
            original.proofs.values_list("content_type", "size")
        )
    mine = {b.distributor_id: b for b in selectors.balances(visible_to=manager, fund=budget)}
    for copy in selectors.balances(visible_to=manager, fund=twin):
        original = mine[copy.distributor_id]
        assert [getattr(copy, n) for n in FIGURES] == [getattr(original, n) for n in FIGURES]
