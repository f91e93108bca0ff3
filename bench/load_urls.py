"""The portal's URLs plus `/bench/bare/`: a DRF view with the same authentication and the
default permission (logged in) that does no work at all, the baseline of the API load run."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from drm.urls import urlpatterns as portal_urlpatterns


class Bare(APIView):
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("bench/bare/", Bare.as_view()), *portal_urlpatterns]
