"""The distributors app's own parts of the 360° record: revenue and investments, the months not
reported, profile changes and committed imports in the timeline, and two to-do items (months to
report for a partner admin, contracts due for renewal for a manager)."""

from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drm import compiled
from drm.formats import year_month
from identity.access import Role, is_manufacturer, user_role, viewer_key

from . import record, selectors
from .models import Distributor, ImportBatch, Investment

PROFILE_FIELDS = ("status", "contract_start", "contract_end", "tier", "account_manager")


def _unreported(distributor, today):
    """The months not reported yet, read once for the revenue section and the partner's to-do."""
    return record.shared(
        distributor,
        ("unreported", today),
        lambda: selectors.unreported_months(distributor=distributor, today=today),
    )


def revenue_section(distributor, viewer, today):
    summary = selectors.investment_summary(
        distributor=distributor, months=selectors.INVESTMENT_MONTHS, today=today
    )
    return {
        "chart": selectors.revenue_chart(distributor=distributor, today=today),
        "investments": compiled.rows(
            "distributors.record.investments",
            lambda distributor: Investment.objects.filter(distributor=distributor).order_by(
                "-date", "-pk"
            )[:12],
            distributor=distributor,
        ),
        "investment_chart": {
            "labels": [Investment.Kind(row["kind"]).label for row in summary],
            "datasets": [
                {"label": str(_("Value")), "data": [float(row["value"]) for row in summary]}
            ],
        },
        "return_on_investment": selectors.revenue_per_invested(
            distributor=distributor,
            months=selectors.INVESTMENT_MONTHS,
            today=today,
            invested=sum((row["value"] or Decimal(0) for row in summary), Decimal(0)),
        ),
        "unreported": _unreported(distributor, today),
        "revenue_url": reverse("distributors:revenue", args=[distributor.code])
        if is_manufacturer(viewer)
        else reverse("distributors:my-revenue"),
        "can_edit": is_manufacturer(viewer),
    }


def profile_timeline(distributor, viewer, limit):
    """Status, contract, tier and account manager changes, from the profile's history (which
    the page reads once for its history section too)."""
    return [
        record.TimelineEntry(
            when=change.when,
            kind=_("Profile"),
            text=f"{change.field}: {change.old or '—'} → {change.new or '—'}",
            url="#history",
            who=change.who_name,
        )
        for change in selectors.distributor_profile_history(distributor=distributor, viewer=viewer)
        if change.action == "changed" and change.name in PROFILE_FIELDS
    ][:limit]


def import_timeline(distributor, viewer, limit):

    def build(distributor):
        return (
            ImportBatch.objects.filter(
                distributor=distributor,
                status=ImportBatch.Status.COMMITTED,
                finished_at__isnull=False,
            )
            .select_related("uploaded_by")
            .only(
                "pk",
                "filename",
                "kind",
                "processed_rows",
                "finished_at",
                "uploaded_by__username",
                "uploaded_by__first_name",
                "uploaded_by__last_name",
            )
            .order_by("-finished_at", "-pk")[:limit]
        )

    batches = compiled.rows(("distributors.imports", limit), build, distributor=distributor)
    return [
        record.TimelineEntry(
            when=batch.finished_at,
            kind=_("Import committed"),
            text=ngettext(
                "%(filename)s: %(rows)d row imported",
                "%(filename)s: %(rows)d rows imported",
                batch.processed_rows,
            )
            % {"filename": batch.filename, "rows": batch.processed_rows},
            url=reverse("distributors:import-detail", args=[batch.pk]),
            who=batch.uploaded_by.get_full_name() or batch.uploaded_by.get_username(),
            tone="info",
        )
        for batch in batches
    ]


def months_to_report(viewer, *, distributor, scope, today):
    """A partner admin's months of revenue not reported yet: the list on its revenue page."""
    if distributor is None or user_role(viewer) != Role.PARTNER_ADMIN:
        return None
    months = _unreported(distributor, today)
    return record.Todo(
        key="months_to_report",
        label=_("Months of revenue not reported yet"),
        count=len(months),
        url=reverse("distributors:my-revenue") + "#unreported-months",
        rows=tuple(
            record.TodoRow(
                text=year_month(month),
                url=reverse("distributors:import-create"),
            )
            for month in months[: record.TODO_PREVIEW]
        ),
        action=_("Upload a revenue report"),
    )


def contracts_ending(viewer, *, distributor, scope, today):
    """A manager's distributors whose contract is due for renewal, soonest first."""
    if distributor is not None or not is_manufacturer(viewer):
        return None
    state = Distributor.Contract.RENEWAL_DUE
    scope = scope or selectors.distributor_scope_default(user=viewer)
    key = ("distributors.todo-contracts", viewer_key(viewer), scope)
    dates = {"today": today, "renewal_from": Distributor.renewal_from(today)}

    def due(today, renewal_from):
        return selectors.distributors_in_scope(visible_to=viewer, scope=scope).filter(
            Distributor.contract_q(state, today, renewal_from)
        )

    first = compiled.rows(
        key,
        lambda **dates: (
            due(**dates)
            .order_by("contract_end", "code")
            .only("code", "name", "contract_end")[: record.TODO_PREVIEW]
        ),
        **dates,
    )
    return record.Todo(
        key="contracts_ending",
        label=_("Contracts due for renewal"),
        count=compiled.count(key, due, **dates),
        url=f"{reverse('distributors:list')}?contract={state.value}&scope={scope}",
        rows=tuple(
            record.TodoRow(
                text=distributor.name,
                url=distributor.get_absolute_url(),
                due=distributor.contract_end,
                due_word=_("ends"),
            )
            for distributor in first
        ),
        action=_("Agree the renewal"),
    )


def register():
    record.register_section(
        "revenue", order=50, template="distributors/record/_revenue.html", build=revenue_section
    )
    record.register_timeline("profile", profile_timeline)
    record.register_timeline("imports", import_timeline)
    record.register_todo("months_to_report", order=60, build=months_to_report)
    record.register_todo("contracts_ending", order=70, build=contracts_ending)
