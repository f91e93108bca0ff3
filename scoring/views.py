"""Portal pages of scoring: the manager's dashboard, the ranking and its export, a distributor's
scorecard (a partner's own only), the runs, the weights, and resources against revenue."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from distributors import record
from distributors.models import Distributor
from distributors.regions import region_display
from distributors.selectors import DistributorScope, distributor_scope_default
from drm.errors import DomainError
from drm.exports import csv_response, xlsx_response
from drm.throttling import bulk_rate_limited
from identity.access import (
    is_manufacturer,
    manufacturer_required,
    partner_required,
    portal_user_required,
    user_membership,
)

from . import selectors, services
from .forms import RankingFilterForm, RunTriggerForm, ScopeForm, WeightsForm
from .metrics import metric_list
from .models import ScoringRun

PAGE_SIZE = 50
RUNS_PAGE_SIZE = 20
SCATTER_POINTS = 2000


def _form_errors_text(form):
    return "\n".join(f"{name}: {error}" for name, errors in form.errors.items() for error in errors)


# --- the dashboard -----------------------------------------------------------------------------


@require_safe
@manufacturer_required
def dashboard(request):
    """What waits for the manager ("Waiting for you", over its distributors or all of them) and
    the channel's headline figures."""
    form = ScopeForm(request.GET or None)
    default = distributor_scope_default(user=request.user)
    status = 200
    if form.is_bound and not form.is_valid():
        # A scope that means nothing is said so, never read as "all".
        messages.error(request, _form_errors_text(form))
        scope, todos, status = default, [], 400
    else:
        scope = (form.cleaned_data.get("scope") if form.is_bound else "") or default
        todos = record.todos(request.user, scope=scope)
    context = selectors.dashboard(
        user=request.user, todos_of_all=todos if status == 200 and scope == "all" else None
    )
    context.update(
        reporting_currency=settings.REPORTING_CURRENCY,
        manufacturer=True,
        todos=todos,
        scope=scope,
        scope_tabs=[{"value": value, "label": label} for value, label in DistributorScope.choices],
    )
    return render(request, "scoring/dashboard.html", context, status=status)


# --- the ranking -------------------------------------------------------------------------------


def _filtered_ranking(request, run):
    """The filter form, the run's scorecards it selects and the sort; none when a value is
    invalid (an invalid filter must never export everything)."""
    form = RankingFilterForm(request.GET or None)
    if not form.is_bound:
        return form, selectors.ranking_list(run=run), "rank"
    if not form.is_valid():
        return form, selectors.ranking_list(run=run).none(), "rank"
    sort = form.cleaned_data.get("sort") or "rank"
    return form, selectors.ranking_list(run=run, filters=form.cleaned_data, sort=sort), sort


@require_safe
@manufacturer_required
def rankings(request):
    run = services.latest_run()
    if run is None:
        return render(request, "scoring/rankings.html", {"run": None, "form": RankingFilterForm()})
    form, cards, sort = _filtered_ranking(request, run)
    page = Paginator(cards, PAGE_SIZE).get_page(request.GET.get("page"))
    histories = selectors.score_histories(distributor_ids=[c.distributor_id for c in page])
    previous = None
    for card in page:
        card.sparkline = selectors.sparkline(histories.get(card.distributor_id, []))
        # The data cannot tell this row from the one above when their rank intervals overlap.
        card.overlaps_previous = selectors.rank_intervals_overlap(previous, card)
        previous = card
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = request.GET.copy()
    sort_query.pop("sort", None)
    sort_query.pop("page", None)
    return render(
        request,
        "scoring/rankings.html",
        {
            "run": run,
            "freshness": selectors.run_freshness(run),
            "manufacturer": True,
            "form": form,
            "page": page,
            "sort": sort,
            "buckets": selectors.score_buckets(cards),
            "query": query.urlencode(),
            "sort_query": sort_query.urlencode(),
        },
    )


RANKING_COLUMNS = [
    ("rank", lambda c: c.rank if c.rank is not None else ""),
    ("code", lambda c: c.distributor.code),
    ("name", lambda c: c.distributor.name),
    ("tier", lambda c: c.tier.display_name),
    ("region", lambda c: region_display(c.region)),
    ("account_manager", lambda c: c.distributor.account_manager_name),
    ("score", lambda c: float(c.score) if c.score is not None else ""),
    ("rank_in_tier", lambda c: c.rank_in_tier if c.rank_in_tier is not None else ""),
    ("rank_in_region", lambda c: c.rank_in_region if c.rank_in_region is not None else ""),
    ("percentile", lambda c: float(c.percentile) if c.percentile is not None else ""),
    ("rank_change", lambda c: c.rank_change if c.rank_change is not None else ""),
    ("score_change", lambda c: float(c.score_change) if c.score_change is not None else ""),
    ("rank_low", lambda c: c.rank_low if c.rank_low is not None else ""),
    ("rank_high", lambda c: c.rank_high if c.rank_high is not None else ""),
    (
        "top_quartile_probability",
        lambda c: (
            float(c.top_quartile_probability) if c.top_quartile_probability is not None else ""
        ),
    ),
    (
        "bottom_quartile_probability",
        lambda c: (
            float(c.bottom_quartile_probability)
            if c.bottom_quartile_probability is not None
            else ""
        ),
    ),
]
EXPORT_CHUNK = 1000


def _ranking_export_rows(cards):
    """The export's rows: the scorecard's columns, then every rate of counts' raw value, shrunk
    estimate and interval (one query of metric values per chunk of scorecards)."""
    rates = [m.key for m in metric_list() if m.counts]
    estimates = selectors.estimate_headers()
    chunk = []

    def flush():
        figures = selectors.metric_figures(chunk)
        for card in chunk:
            figure = figures[(card.run_id, card.distributor_id)]
            yield [
                *(cell(card) for _name, cell in RANKING_COLUMNS),
                *(_cell(figure.get(key)) for key in (*rates, *estimates)),
            ]

    for card in cards.iterator(chunk_size=EXPORT_CHUNK):
        chunk.append(card)
        if len(chunk) == EXPORT_CHUNK:
            yield from flush()
            chunk = []
    if chunk:
        yield from flush()


def _cell(value):
    return "" if value is None else float(value)


def _ranking_export_headers():
    return [
        *(name for name, _cell in RANKING_COLUMNS),
        *(m.key for m in metric_list() if m.counts),
        *selectors.estimate_headers(),
    ]


@require_safe
@manufacturer_required
def rankings_export(request):
    run = services.latest_run()
    if run is None:
        raise Http404("No published run")
    form, cards, _sort = _filtered_ranking(request, run)
    if form.errors:
        return HttpResponseBadRequest(
            _("Invalid filter, nothing exported:") + "\n" + _form_errors_text(form),
            content_type="text/plain; charset=utf-8",
        )
    headers = _ranking_export_headers()
    rows = _ranking_export_rows(cards)
    filename = f"ranking-{run.as_of.isoformat()}"
    if request.GET.get("format") == "xlsx":
        return xlsx_response(filename, headers, list(rows), sheet="Ranking")
    return csv_response(filename, headers, rows)


# --- one distributor's scorecard ---------------------------------------------------------------


def _radar_chart(rows, *, own_label):
    return {
        "labels": [str(row["metric"].label) for row in rows],
        "datasets": [
            {
                "label": own_label,
                "data": [
                    float(row["value"].normalised) if row["value"].normalised is not None else None
                    for row in rows
                ],
                "backgroundColor": "rgba(13, 110, 253, 0.2)",
            },
            {
                "label": _("Peer median"),
                "data": [row["peer_position"] for row in rows],
                "backgroundColor": "rgba(253, 126, 20, 0.1)",
            },
        ],
        "max": 100,
        "decimals": 1,
    }


def _uncertainty_charts(rows, card):
    """(rates, quartiles): each rate of counts' 90 % interval with its shrunk estimate and its
    raw rate (floating bars and points), and the chances of the top, middle and bottom
    quartile (one stacked bar); None where there is nothing to draw."""
    rated = [row for row in rows if row["value"].shrunk_low is not None]
    rates = None
    if rated:
        rates = {
            "labels": [str(row["metric"].label) for row in rated],
            "datasets": [
                {
                    "label": _("Interval (90 %)"),
                    "data": [
                        [float(row["value"].shrunk_low), float(row["value"].shrunk_high)]
                        for row in rated
                    ],
                    "backgroundColor": "rgba(13, 110, 253, 0.25)",
                    "barPercentage": 0.5,
                },
                {
                    "type": "line",
                    "label": _("Shrunk estimate"),
                    "data": [float(row["value"].shrunk) for row in rated],
                    "showLine": False,
                    "pointRadius": 6,
                },
                {
                    "type": "line",
                    "label": _("Raw rate"),
                    "data": [
                        float(row["value"].raw) if row["value"].raw is not None else None
                        for row in rated
                    ],
                    "showLine": False,
                    "pointRadius": 6,
                    "pointStyle": "crossRot",
                    "borderWidth": 2,
                },
            ],
            "max": 100,
            "percent_values": True,
            "decimals": 1,
        }
    quartiles = None
    if card.top_quartile_probability is not None:
        top = float(card.top_quartile_probability) * 100
        bottom = float(card.bottom_quartile_probability) * 100
        quartiles = {
            "labels": [_("Quartile")],
            "datasets": [
                {"label": _("Top quartile"), "data": [top], "backgroundColor": "#198754"},
                {
                    "label": _("Middle half"),
                    "data": [max(0.0, 100 - top - bottom)],
                    "backgroundColor": "#adb5bd",
                },
                {"label": _("Bottom quartile"), "data": [bottom], "backgroundColor": "#dc3545"},
            ],
            "max": 100,
            "percent_values": True,
        }
    return rates, quartiles


def _history_charts(history):
    labels = [as_of.isoformat() for as_of, _score, _rank in history]
    score = {
        "labels": labels,
        "datasets": [
            {
                "label": _("Score"),
                "data": [float(s) if s is not None else None for _a, s, _r in history],
            }
        ],
        "max": 100,
        "decimals": 2,
    }
    rank = {
        "labels": labels,
        "datasets": [{"label": _("Rank"), "data": [r for _a, _s, r in history]}],
    }
    return score, rank


@require_safe
@portal_user_required
def scorecard(request, code):
    distributor = Distributor.objects.visible_to(request.user).filter(code__caseless=code).first()
    if distributor is None:
        raise Http404("No such distributor")
    manufacturer = is_manufacturer(request.user)
    card = selectors.scorecard_get(visible_to=request.user, code=code)
    context = {"distributor": distributor, "card": card, "manufacturer": manufacturer}
    if card is not None:
        rows = selectors.scorecard_metrics(card)
        history = selectors.score_history(distributor=distributor)
        score_chart, rank_chart = _history_charts(history)
        rates_chart, quartile_chart = _uncertainty_charts(rows, card)
        context.update(
            rates_chart=rates_chart,
            quartile_chart=quartile_chart,
            rows=rows,
            radar_chart=_radar_chart(
                rows, own_label=distributor.code if manufacturer else _("You")
            ),
            score_chart=score_chart,
            rank_chart=rank_chart,
            freshness=selectors.run_freshness(card.run),
            bottom_level=round(settings.SCORING_BOTTOM_QUARTILE_PROBABILITY * 100),
            bottom_level_fraction=settings.SCORING_BOTTOM_QUARTILE_PROBABILITY,
        )
    return render(request, "scoring/scorecard.html", context)


@require_safe
@partner_required
def my_scorecard(request):
    return redirect("scoring:scorecard", code=user_membership(request.user).distributor.code)


# --- runs --------------------------------------------------------------------------------------


@require_safe
@manufacturer_required
def run_list(request):
    page = Paginator(selectors.run_list(), RUNS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "scoring/runs.html",
        {
            "page": page,
            "active": selectors.run_active(),
            "latest": services.latest_run(),
            "form": RunTriggerForm(),
        },
    )


@require_POST
@manufacturer_required
@bulk_rate_limited
def run_trigger(request):
    form = RunTriggerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors_text(form))
        return redirect("scoring:runs")
    try:
        run = services.scoring_run_trigger(as_of=form.cleaned_data["as_of"], by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Scoring run started (as of %(as_of)s).") % {"as_of": run.as_of}
        )
    return redirect("scoring:runs")


@require_safe
@manufacturer_required
def run_progress(request, pk):
    """The progress box of one run, polled by htmx while the run is queued or running."""
    run = get_object_or_404(ScoringRun.objects.select_related("model"), pk=pk)
    return render(request, "scoring/_run_progress.html", {"run": run})


# --- weights -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@manufacturer_required
def weights(request):
    current = services.scoring_model_current()
    form = WeightsForm(
        request.POST or None, current=current.weights, rate_estimate=current.rate_estimate
    )
    if request.method == "POST" and form.is_valid():
        try:
            model = services.scoring_model_publish(
                weights=form.weights(),
                by=request.user,
                note=form.cleaned_data["note"],
                rate_estimate=form.cleaned_data["rate_estimate"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("Weights saved as version %(version)s; the next run uses them.")
                % {"version": model.version},
            )
            return redirect("scoring:weights")
    versions = Paginator(selectors.model_versions(), RUNS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "scoring/weights.html",
        {"form": form, "current": current, "page": versions},
        status=400 if form.errors else 200,
    )


# --- resources against revenue -------------------------------------------------------------------


def _scatter_chart(values):
    return {
        "labels": [],
        "datasets": [
            {
                "label": _("Distributors"),
                "data": [
                    {
                        "x": float(v.denominator),
                        "y": float(v.numerator or 0),
                        "label": v.distributor.code,
                    }
                    for v in values
                ],
            }
        ],
        "currency": settings.REPORTING_CURRENCY,
    }


@require_safe
@manufacturer_required
def resources(request):
    run = services.latest_run()
    context = {"run": run, "reporting_currency": settings.REPORTING_CURRENCY}
    if run is not None:
        values = selectors.resources_list(run=run)
        context.update(
            page=Paginator(values, PAGE_SIZE).get_page(request.GET.get("page")),
            summary=selectors.resources_summary(run=run),
            scatter_chart=_scatter_chart(values[:SCATTER_POINTS]),
        )
    return render(request, "scoring/resources.html", context)
