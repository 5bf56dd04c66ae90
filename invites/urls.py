from django.urls import path

from invites import views

app_name = "invites"

urlpatterns = [
    path("set-password/", views.SetPasswordView.as_view(), name="set_password"),
    path("set-password/<str:secret>/", views.open_link, name="open"),
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
