from django.urls import path

from invites import views

app_name = "invites"

urlpatterns = [
    path("set-password/", views.SetPasswordView.as_view(), name="set_password"),
    path("set-password/<str:secret>/", views.open_link, name="open"),
    # Team links: opening one takes no use; the join page's POST does.
    path("join/", views.TeamJoinView.as_view(), name="team_join"),
    path("join/<str:secret>/", views.team_open, name="team_open"),
    # Access requests (ACCESS_REQUESTS): each view answers 404 while they are off.
    path("accounts/request/", views.AccessRequestView.as_view(), name="access_request"),
    path(
        "accounts/request/status/",
        views.access_request_status,
        name="access_request_status",
    ),
    path(
        "accounts/request/<str:secret>/",
        views.access_request_open,
        name="access_request_open",
    ),
]
