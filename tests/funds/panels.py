"""Generated revenue panels in the database, with a known injected effect: the simulated panels
of tests.funds.test_impact (`simulated`) written as the revenue rows of real distributors, their
months moved so that the treatment falls where the services can make it (an activity from July
to September 2026, as the clock of the funds tests, 15 June 2026, allows), and cut after the
effect window (November 2026), the last month reported when the job runs (`ESTIMATED_ON`)."""

import datetime
from decimal import Decimal

import pandas as pd

from distributors.models import Distributor, RevenueRecord
from drm.periods import add_months
from funds import services
from tests import factories
from tests.funds import files
from tests.funds.test_impact import FIRST, LAG, LAST, MONTHS, simulated

D = Decimal
# Simulated month `FIRST` (the treatment's first) is July 2026.
PANEL_START = add_months(datetime.date(2026, 7, 1), -FIRST)
FIRST_MONTH = datetime.date(2026, 7, 1)
LAST_MONTH = add_months(PANEL_START, LAST)
EFFECT_END = add_months(PANEL_START, LAST + LAG)
ESTIMATED_ON = datetime.date(2026, 12, 15)
ACTIVITY_START = datetime.date(2026, 7, 1)
ACTIVITY_END = datetime.date(2026, 9, 30)
PAID_ON = datetime.date(2026, 10, 9)


def month_of(index):
    return add_months(PANEL_START, index)


def distributors_make(count, *, first=(), tier=None):
    """`count` distributors of one tier (codes p001…), those of `first` (a distributor or a
    list of them: the personas') at the first indexes."""
    tier = tier or factories.TierFactory(code="panel")
    made = [first] if isinstance(first, Distributor) else list(first)
    for each in made:
        each.tier = tier
        each.save(update_fields=["tier"])
    made += Distributor.objects.bulk_create(
        factories.DistributorFactory.build(
            code=f"p{index:03d}", name=f"Panel {index:03d}", tier=tier
        )
        for index in range(len(made), count)
    )
    return made


def panel_write(frame, distributors):
    """Write a `simulated` frame as one revenue row per distributor and month, in the
    reporting currency (rate 1), up to the end of the effect window."""
    line = factories.ProductLineFactory(code="panel-line")
    offsets = (pd.PeriodIndex(frame["month"], freq="M") - MONTHS[0]).map(lambda gap: gap.n)
    rows = []
    for index, offset, revenue in zip(frame["distributor"], offsets, frame["revenue"], strict=True):
        if offset > LAST + LAG:
            continue
        month = month_of(offset)
        amount = D(f"{revenue:.2f}")
        rows.append(
            RevenueRecord(
                distributor_id=distributors[index].pk,
                month=month,
                product_line_id=line.pk,
                currency="EUR",
                amount=amount,
                units=0,
                margin=D(0),
                rate=D(1),
                rate_month=month,
                reporting_amount=amount,
            )
        )
    RevenueRecord.objects.bulk_create(rows, batch_size=5000)


def panel(seed, distributors, **options):
    """A simulated panel (tests.funds.test_impact) of len(distributors) written for them, and
    the true incremental revenue of each treated one, by index."""
    frame, truth = simulated(seed, distributors=len(distributors), **options)
    panel_write(frame, distributors)
    return truth


def activity_approved(*, allocation, partner, manager, title="Hanover fair stand", **over):
    """A trade show from July to September 2026, submitted and approved through the services
    (the clock still before it)."""
    fields = {
        "by": partner,
        "fund": allocation.fund,
        "activity_type": "trade_show",
        "title": title,
        "start": ACTIVITY_START,
        "end": ACTIVITY_END,
        "planned_cost": D("4000.00"),
    }
    fields.update(over)
    return services.request_approve(request=services.request_submit(**fields), by=manager)


def activity_settle(request, *, partner, manager, pay=True):
    """Claim an approved activity (the clock after it, before its claim deadline), approve the
    claim and, `pay`, record its payment on the day."""
    claim = services.claim_submit(
        by=partner, request=request, actual_cost="3600.00", files=[files.pdf()]
    )
    services.claim_approve(claim=claim, by=manager)
    if pay:
        services.claim_pay(claim=claim, by=manager, reference="PAY-2026-101", paid_on=PAID_ON)
    request.refresh_from_db()
    return request


def activity_paid(*, allocation, partner, manager, travel, **over):
    """`activity_approved`, then claimed and paid on `PAID_ON` (the clock moves there)."""
    request = activity_approved(allocation=allocation, partner=partner, manager=manager, **over)
    travel(PAID_ON)
    return activity_settle(request, partner=partner, manager=manager)
