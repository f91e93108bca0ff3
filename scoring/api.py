"""REST API of scoring: the published ranking (JSON or CSV), one distributor's scorecard and its
history, with ETag and Last-Modified from the last published run; and the runs, which the
manufacturer's staff list, follow and start. Every read is scoped to the caller: a partner sees
its own scorecard only, never another distributor's code or name."""

import csv
import gzip
import hashlib
import io
import re

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from drm.api import Pagination
from drm.exports import neutralise
from identity.access import HasPortalRole, is_manufacturer, user_membership, user_role

from . import freshness, selectors, services
from .models import Scorecard, ScoringRun
from .serializers import (
    ScorecardAsOfSerializer,
    ScorecardHistorySerializer,
    ScorecardQuerySerializer,
    ScorecardSerializer,
    ScoringRunInputSerializer,
    ScoringRunSerializer,
)


class IsManufacturer(BasePermission):
    """The manufacturer's staff only, for reads too."""

    def has_permission(self, request, view):
        return is_manufacturer(request.user)


class RankingCsvRenderer(renderers.BaseRenderer):
    """The ranking as CSV: the view hands over {"headers": [...], "rows": [[...], ...]}."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([neutralise(h) for h in data["headers"]])
        for row in data["rows"]:
            writer.writerow(["" if cell is None else neutralise(cell) for cell in row])
        return buffer.getvalue().encode(self.charset)


# Rendered answers kept in the cache under their ETag (which names the run, the query, the
# caller's role and scope, the language and the format): a published run never changes, so a
# second caller asking the same thing gets the same bytes without a query or a serializer.
CACHED_FORMATS = ("json", "csv")
CACHE_MAX_BYTES = 8 * 1024 * 1024
CACHED_HEADERS = ("Content-Type", "Content-Disposition")
# Kept answers this big are kept gzipped too, and served so to clients that accept it (a page of
# 50 scorecards, ~200 KB of JSON, is ~15 KB gzipped).
GZIP_MIN_BYTES = 1024
ACCEPTS_GZIP = re.compile(r"\bgzip\b")


NOT_FOUND = OpenApiResponse(
    description="No published run with that as-of date, or no such distributor among those "
    "you may see"
)
NOT_MODIFIED = OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since)")


class ScorecardViewSet(viewsets.GenericViewSet):
    """Scorecards of the published ranking. The manufacturer sees every distributor; a partner
    its own scorecard only (its peers appear only as the tier's peer median in its metrics)."""

    serializer_class = ScorecardSerializer
    permission_classes = [HasPortalRole]
    pagination_class = Pagination
    filter_backends = []
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    renderer_classes = [renderers.JSONRenderer, renderers.BrowsableAPIRenderer]

    def get_renderers(self):
        # Only the ranking comes as CSV; a scorecard or a history asked for as CSV is a 404.
        renderer_classes = list(self.renderer_classes)
        if self.action == "list":
            renderer_classes.append(RankingCsvRenderer)
        return [renderer() for renderer in renderer_classes]

    def get_queryset(self):
        # Only for the browsable API and the schema; the actions read through the selectors.
        return Scorecard.objects.none()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Errors keep the one JSON error shape even when the caller asked for CSV.
        if response.status_code >= 400 and isinstance(
            getattr(response, "accepted_renderer", None), RankingCsvRenderer
        ):
            response.accepted_renderer = renderers.JSONRenderer()
            response.accepted_media_type = "application/json"
        self._cache_store(response)
        return response

    # --- the rendered-answer cache -------------------------------------------------------------

    def _cache_key(self, request, validators):
        etag = validators[0]
        seconds = settings.SCORING_API_CACHE_SECONDS
        accepted = getattr(getattr(request, "accepted_renderer", None), "format", "")
        if etag is None or not seconds or accepted not in CACHED_FORMATS:
            return None
        return "scoring:api:" + etag.strip('"')

    def _cached(self, request, validators):
        """The rendered answer kept for these validators, or None (and remember where to keep
        the one about to be made)."""
        self._store_key = self._cache_key(request, validators)
        if self._store_key is None:
            return None
        accepts_gzip = ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        # The gzipped copy first for a client that takes it: a fraction of the bytes to fetch.
        for gzipped in (True, False) if accepts_gzip else (False,):
            kept = cache.get(self._store_key + (":gz" if gzipped else ""))
            if kept is not None:
                break
        else:
            return None
        self._store_key = None
        content, headers = kept
        response = HttpResponse(content)
        for name, value in headers.items():
            response[name] = value
        response = self._with_validators(response, validators)
        if gzipped:
            # Compressed once, when it was kept; another representation of the same answer, so
            # its ETag is weak (If-None-Match compares weakly: either one gets the 304).
            response["Content-Encoding"] = "gzip"
            response["ETag"] = "W/" + response["ETag"]
        return response

    def _cache_store(self, response):
        key = getattr(self, "_store_key", None)
        if key is None or response.status_code != 200 or not isinstance(response, Response):
            return
        response.render()
        if len(response.content) > CACHE_MAX_BYTES:
            return
        headers = {name: response[name] for name in CACHED_HEADERS if name in response}
        kept = {key: (response.content, headers)}
        if len(response.content) >= GZIP_MIN_BYTES:
            compressed = gzip.compress(response.content, compresslevel=6, mtime=0)
            kept[key + ":gz"] = (compressed, headers)
        cache.set_many(kept, settings.SCORING_API_CACHE_SECONDS)

    # --- conditional requests ------------------------------------------------------------------

    def _validators(self, request):
        """(ETag, Last-Modified timestamp) of what this caller reads now, or (None, None) before
        any run is published. A new publication changes both; the ETag also tells apart the
        query, the caller's scope, the language and the format."""
        self._changes = {}
        run = self._latest = services.latest_run()
        if run is None:
            return None, None
        changed = self._changed_since_run(run)
        membership = user_membership(request.user)
        scope = membership.distributor_id if membership else "all"
        accepted = getattr(request, "accepted_renderer", None)
        parts = [
            str(run.pk),
            run.published_at.isoformat(),
            request.get_full_path(),
            str(user_role(request.user)),
            str(scope),
            get_language() or "",
            getattr(accepted, "format", "") or "",
            # What changed since the run is in the answer: a kept answer is never served once
            # it no longer holds.
            ",".join(changed),
        ]
        digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
        modified = max([run.published_at, *changed.values()])
        return quote_etag(digest), int(modified.timestamp())

    def _changed_since_run(self, run):
        """{source: when} of the live figures changed since the run served (the latest, or the
        one `as_of` names) was computed (scoring.freshness, one query); kept for the answer.
        A history names no run's freshness: nothing."""
        if self.action not in ("list", "retrieve"):
            return {}
        as_of = getattr(self, "_as_of", None)
        served = run if as_of is None else selectors.published_run(as_of=as_of)
        if served is None:
            return {}
        changed = freshness.run_changes(served)
        self._changes = {served.pk: list(changed)}
        return changed

    def _conditional(self, request):
        """(a 304 when the caller's copy is current or None, the validators to send)."""
        validators = self._validators(request)
        etag, last_modified = validators
        if etag is None:
            return None, validators
        not_modified = get_conditional_response(
            request._request, etag=etag, last_modified=last_modified
        )
        if not_modified is not None:
            not_modified = self._with_validators(not_modified, validators)
        return not_modified, validators

    def _with_validators(self, response, validators):
        etag, last_modified = validators
        if etag is not None:
            response["ETag"] = etag
            response["Last-Modified"] = http_date(last_modified)
        # What a caller sees depends on who it is: shared caches keep nothing.
        patch_cache_control(response, private=True, no_cache=True)
        patch_vary_headers(
            response, ("Authorization", "Cookie", "Accept", "Accept-Language", "Accept-Encoding")
        )
        return response

    def _run(self, as_of):
        if as_of is None:
            # Read once per request, with the validators.
            return self._latest
        run = selectors.published_run(as_of=as_of)
        if run is None:
            raise NotFound(_("No scoring run was published as of that date."))
        return run

    # --- actions -------------------------------------------------------------------------------

    @extend_schema(
        summary="The published ranking: scorecards with their metrics (JSON, or CSV)",
        description="The current run's scorecards (the published run with the latest as-of "
        "date; of two with the same date, the one published last), or with `as_of` the last "
        "published run with that as-of date (none: 404). Before any run is published: an empty "
        "list. A partner gets its own scorecard only. `?format=csv` (or `Accept: text/csv`) "
        "returns the whole ranking, unpaginated: distributor, name, tier, region, score, rank, "
        "rank_in_tier, rank_in_region, percentile, rank_change, then each metric's raw value "
        "(one column per metric key). Answers carry ETag and Last-Modified; a current copy "
        "gets 304.",
        parameters=[ScorecardQuerySerializer],
        responses={
            (200, "application/json"): ScorecardSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            304: NOT_MODIFIED,
            400: OpenApiResponse(description="An invalid date, tier code or ordering"),
            404: NOT_FOUND,
        },
    )
    def list(self, request):
        query = ScorecardQuerySerializer(data=dict(request.query_params.items()))
        query.is_valid(raise_exception=True)
        data = query.validated_data
        self._as_of = data.get("as_of")
        not_modified, validators = self._conditional(request)
        if not_modified is not None:
            return not_modified
        cached = self._cached(request, validators)
        if cached is not None:
            return cached
        run = self._run(data.get("as_of"))
        if run is None:
            cards = Scorecard.objects.none()
        else:
            cards = selectors.scorecard_list(
                visible_to=request.user,
                run=run,
                filters={"tier": data.get("tier"), "region": data.get("region")},
                ordering=data["ordering"],
            )
        if isinstance(request.accepted_renderer, RankingCsvRenderer):
            headers, rows = selectors.ranking_rows(cards)
            response = Response({"headers": headers, "rows": rows})
            response["Content-Disposition"] = (
                f'attachment; filename="scorecards-{run.as_of if run else "none"}.csv"'
            )
            return self._with_validators(response, validators)
        page = selectors.scorecards_with_metrics(self.paginate_queryset(cards))
        context = {"changed_since_run": self._changes}
        response = self.get_paginated_response(
            ScorecardSerializer(page, many=True, context=context).data
        )
        return self._with_validators(response, validators)

    @extend_schema(
        summary="One distributor's scorecard with its metrics",
        description="In the current run, or with `as_of` the last published run with "
        "that as-of date. A partner: its own code only (another: 404).",
        parameters=[ScorecardAsOfSerializer],
        responses={200: ScorecardSerializer, 304: NOT_MODIFIED, 404: NOT_FOUND},
    )
    def retrieve(self, request, code=None):
        query = ScorecardAsOfSerializer(data=dict(request.query_params.items()))
        query.is_valid(raise_exception=True)
        self._as_of = query.validated_data.get("as_of")
        not_modified, validators = self._conditional(request)
        if not_modified is not None:
            return not_modified
        cached = self._cached(request, validators)
        if cached is not None:
            return cached
        run = self._run(query.validated_data.get("as_of"))
        card = None
        if run is not None:
            card = selectors.scorecard_get(visible_to=request.user, run=run, code=code)
        if card is None:
            raise Http404
        (card,) = selectors.scorecards_with_metrics([card])
        data = ScorecardSerializer(card, context={"changed_since_run": self._changes}).data
        return self._with_validators(Response(data), validators)

    @extend_schema(
        summary="A distributor's score, rank and percentile in every published run",
        description="Oldest as-of date first, for trends. A partner: its own code only "
        "(another: 404).",
        responses={
            200: ScorecardHistorySerializer(many=True),
            304: NOT_MODIFIED,
            404: OpenApiResponse(description="No such distributor among those you may see"),
        },
    )
    # Every run, unpaginated (the schema says so).
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, code=None):
        not_modified, validators = self._conditional(request)
        if not_modified is not None:
            return not_modified
        cached = self._cached(request, validators)
        if cached is not None:
            return cached
        cards = selectors.scorecard_history(visible_to=request.user, code=code)
        if cards is None:
            raise Http404
        data = ScorecardHistorySerializer(cards, many=True).data
        return self._with_validators(Response(data), validators)


class ScoringRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Scoring runs, newest first, with their progress: the manufacturer's staff only."""

    serializer_class = ScoringRunSerializer
    permission_classes = [IsManufacturer]
    # Starting a run recomputes every scorecard: the stricter rate (API_BULK_RATE).
    bulk_actions = ("create",)
    pagination_class = Pagination
    filter_backends = []
    queryset = ScoringRun.objects.none()

    def get_queryset(self):
        return selectors.run_list().order_by("-created_at", "-id")

    @extend_schema(summary="Scoring runs, newest first")
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="One run and how far it is (stage, timings, counts)")
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(
        summary="Start a run (as of today, or the date given) with the current weights",
        description="The run is queued and computed in the background: follow it at "
        "/api/v1/scoring-runs/{id}/. `as_of` lies from the first month of data the portal "
        "holds (revenue or leads) to today. A run as of a day before the current run's is "
        "back-dated: published as history, it never replaces the current ranking. One run at "
        "a time: while one is queued or running, a second is refused with 409.",
        request=ScoringRunInputSerializer,
        responses={
            202: ScoringRunSerializer,
            400: OpenApiResponse(
                description="An invalid date, or one outside the data's range (`as_of`)"
            ),
            403: OpenApiResponse(description="Not the manufacturer's staff"),
            409: OpenApiResponse(description="A run is already under way"),
        },
    )
    def create(self, request):
        # No body is {} (all defaults); a JSON body that is not an object (null, a list) is a 400.
        payload = ScoringRunInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        # A run already under way is a Conflict: 409 with the one error shape.
        run = services.scoring_run_trigger(as_of=payload.validated_data["as_of"], by=request.user)
        run = self.get_queryset().get(pk=run.pk)
        return Response(ScoringRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)
