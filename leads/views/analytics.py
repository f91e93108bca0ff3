"""Lead analytics pages: the whole channel (or one distributor) for managers; for a partner,
its own funnel against the anonymous median of its tier's peers. Read from the rollups."""

from django import forms
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from distributors.models import Distributor, Tier
from drm.caseless import CodeChoiceField
from identity.access import is_manufacturer, portal_user_required, user_membership

from .. import analytics
from ..forms import DistributorCodeInput
from ..models import LeadSource
from ..rates import rate_get


class MonthField(forms.DateField):
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class AnalyticsForm(forms.Form):
    start = MonthField(required=False, label=gettext_lazy("From"))
    end = MonthField(required=False, label=gettext_lazy("To"))
    distributor = CodeChoiceField(
        Distributor.objects.all(),
        required=False,
        label=gettext_lazy("Distributor"),
        widget=DistributorCodeInput,
    )
    source = forms.ModelChoiceField(
        LeadSource.objects.all(), to_field_name="code", required=False, label=gettext_lazy("Source")
    )
    tier = forms.ModelChoiceField(
        Tier.objects.all(), to_field_name="code", required=False, label=gettext_lazy("Tier")
    )

    def __init__(self, *args, manufacturer, **kwargs):
        super().__init__(*args, **kwargs)
        if not manufacturer:
            # A partner's figures are its own: a code it names is ignored, never checked, so
            # that the page does not tell which distributor codes exist.
            del self.fields["distributor"]
            del self.fields["tier"]


# The rates of a distributor's row in the channel's best and worst lists.
DISTRIBUTOR_ROW_RATES = ("acceptance", "qualification", "late")


def _funnel_chart(funnel):
    return {
        "labels": [step["label"] for step in funnel["steps"]],
        "datasets": [{"label": _("Leads"), "data": [step["count"] for step in funnel["steps"]]}],
    }


def _trend_chart(trend, first_label):
    return {
        "labels": trend["months"],
        "datasets": [
            {"label": first_label, "data": trend["first"], "type": "line"},
            {"label": _("Accepted"), "data": trend["accepted"], "type": "line"},
            {"label": _("Distributor-qualified"), "data": trend["dql"], "type": "line"},
            {"label": _("Won"), "data": trend["won"], "type": "line"},
        ],
    }


def _reasons_chart(reasons):
    return {
        "labels": [row["label"] for row in reasons],
        "datasets": [{"label": _("Rejections"), "data": [row["count"] for row in reasons]}],
    }


def _rate_name(key):
    """A rate's name with its denominator, as a chart's legend gives it."""
    rate = rate_get(key)
    return f"{rate.label} ({rate.of_words})"


def _yield_chart(rows):
    return {
        "labels": [row["name"] for row in rows],
        "datasets": [
            {
                "label": _rate_name("dql_conversion"),
                "data": [row["dql_yield"] or 0 for row in rows],
            },
            {
                "label": _rate_name("rejection"),
                "data": [row["rejection_rate"] or 0 for row in rows],
            },
        ],
        "currency": "%",
    }


@require_safe
@portal_user_required
def analytics_page(request):
    manufacturer = is_manufacturer(request.user)
    if not manufacturer and "distributor" in request.GET:
        # A partner's figures are its own: the URL should not claim otherwise.
        query = request.GET.copy()
        query.pop("distributor")
        return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    form = AnalyticsForm(request.GET or None, manufacturer=manufacturer)
    data = form.cleaned_data if form.is_valid() else {}
    period = analytics.month_range(data.get("start"), data.get("end"))
    source = data.get("source")
    if manufacturer:
        distributor = data.get("distributor")
    else:
        membership = user_membership(request.user)
        if membership is None:
            raise Http404("No distributor")
        # A partner's figures are its own, whatever the query string names.
        distributor = membership.distributor
    funnel = analytics.funnel(period=period, distributor=distributor, source=source)
    trend = analytics.trend(period=period, distributor=distributor, source=source)
    reasons = analytics.reasons(period=period, distributor=distributor, source=source)
    yields = analytics.source_yield(period=period, distributor=distributor)
    first_label = funnel["steps"][0]["label"]
    context = {
        "form": form,
        "manufacturer": manufacturer,
        "period": period,
        "distributor": distributor,
        "source": source,
        "funnel": funnel,
        "reasons": reasons,
        "yields": yields,
        "funnel_chart": _funnel_chart(funnel),
        "trend_chart": _trend_chart(trend, first_label),
        "reasons_chart": _reasons_chart(reasons),
        "yield_chart": _yield_chart(yields[:12]),
        "rates": {key: rate_get(key) for key in ("dql_conversion", "rejection", "late")},
        "rate_columns": [rate_get(key) for key in DISTRIBUTOR_ROW_RATES],
        # A distributor's row links to its funnel over the same months.
        "period_query": f"start={period.first:%Y-%m}&end={period.last:%Y-%m}",
    }
    if distributor is not None:
        context["peers"] = analytics.peers(period=period, distributor=distributor)
        context["peer_minimum"] = analytics.PEER_MINIMUM
    if manufacturer and distributor is None:
        leaders, laggards, ranked = analytics.distributor_ranking(
            period=period, tier=data.get("tier"), minimum=5
        )
        context.update(leaders=leaders, laggards=laggards, ranked=ranked)
    return render(request, "leads/analytics.html", context)
