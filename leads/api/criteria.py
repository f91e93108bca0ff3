"""API of the qualification criteria (being built)."""

from rest_framework import viewsets

from distributors.access import IsPortalUser

from ..models import CriteriaVersion


class CriteriaVersionViewSet(viewsets.GenericViewSet):
    permission_classes = [IsPortalUser]
    queryset = CriteriaVersion.objects.none()
