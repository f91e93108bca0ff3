"""REST API of the distributors app (stub)."""
from rest_framework import viewsets
from .models import Distributor
class _Stub(viewsets.ReadOnlyModelViewSet):
    queryset = Distributor.objects.none()
DistributorViewSet = TerritoryViewSet = ProductLineViewSet = RevenueViewSet = InvestmentViewSet = _Stub
