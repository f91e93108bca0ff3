"""API of the catalogue of materials (being built)."""

from rest_framework import viewsets

from distributors.access import IsPortalUser

from ..models import Material


class MaterialViewSet(viewsets.GenericViewSet):
    permission_classes = [IsPortalUser]
    queryset = Material.objects.none()
