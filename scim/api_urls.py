"""The SCIM 2.0 endpoints, under /scim/v2/."""

from django.urls import path

from . import api

urlpatterns = [
    path(
        "ServiceProviderConfig",
        api.ServiceProviderConfigView.as_view(),
        name="service-provider-config",
    ),
    path("ResourceTypes", api.ResourceTypesView.as_view(), name="resource-types"),
    path("ResourceTypes/<str:name>", api.ResourceTypeView.as_view(), name="resource-type"),
    path("Schemas", api.SchemasView.as_view(), name="schemas"),
    path("Schemas/<str:urn>", api.SchemaView.as_view(), name="schema"),
    path("Users", api.UsersView.as_view(), name="users"),
    path("Users/.search", api.SearchView.as_view(), name="users-search"),
    path(".search", api.SearchView.as_view(), name="search"),
    path("Users/<str:pk>", api.UserView.as_view(), name="user"),
    path("Groups", api.GroupsView.as_view(), name="groups"),
    path("Groups/.search", api.GroupsSearchView.as_view(), name="groups-search"),
    path("Groups/<str:group_id>", api.GroupView.as_view(), name="group"),
    path("<path:rest>", api.NotFoundView.as_view(), name="not-found"),
]
