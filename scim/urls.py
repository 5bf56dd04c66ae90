"""``/scim/v2/``: SCIM 2.0 provisioning (RFC 7644), for API tokens."""

from django.urls import path, re_path

from scim import views

app_name = "scim"

urlpatterns = [
    path("", views.ServiceProviderConfigView.as_view(), name="root"),
    path("ServiceProviderConfig", views.ServiceProviderConfigView.as_view(), name="config"),
    path("ResourceTypes", views.ResourceTypesView.as_view(), name="resource_types"),
    path("ResourceTypes/<str:name>", views.ResourceTypesView.as_view(), name="resource_type"),
    path("Schemas", views.SchemasView.as_view(), name="schemas"),
    re_path(r"^Schemas/(?P<urn>[^/]+)$", views.SchemasView.as_view(), name="schema"),
    path("Users", views.UsersView.as_view(), name="users"),
    path("Users/.search", views.UsersSearchView.as_view(), name="users_search"),
    path("Users/<int:pk>", views.UserView.as_view(), name="user"),
    path("Users/<int:pk>/set-password-link", views.UserLinkView.as_view(), name="user_link"),
    path("Groups", views.GroupsView.as_view(), name="groups"),
    path("Groups/.search", views.GroupsSearchView.as_view(), name="groups_search"),
    path("Groups/<int:pk>", views.GroupView.as_view(), name="group"),
    path(".search", views.RootSearchView.as_view(), name="search"),
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not_found"),
]

# Every view here: failed token attempts are limited per address (project.ratelimits).
VIEW_NAMES = tuple(f"{app_name}:{pattern.name}" for pattern in urlpatterns)
