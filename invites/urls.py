from django.urls import path

from invites.access_requests import views as access_requests
from invites.keys.kinds import SET_PASSWORD, TEAM
from invites.keys.views import key_open
from invites.links import views as links
from invites.team_links import views as team_links
from invites.tokens import views as tokens

app_name = "invites"

urlpatterns = [
    path("set-password/", links.SetPasswordView.as_view(), name="set_password"),
    path("set-password/<str:secret>/", key_open, {"kind": SET_PASSWORD}, name="open"),
    # Team links: opening one takes no use; the join page's POST does.
    path("join/", team_links.TeamJoinView.as_view(), name="team_join"),
    path("join/<str:secret>/", key_open, {"kind": TEAM}, name="team_open"),
    # Access requests (ACCESS_REQUESTS): each view answers 404 while they are off.
    path("accounts/request/", access_requests.AccessRequestView.as_view(), name="access_request"),
    path(
        "accounts/request/status/",
        access_requests.access_request_status,
        name="access_request_status",
    ),
    path(
        "accounts/request/<str:secret>/",
        access_requests.access_request_open,
        name="access_request_open",
    ),
    # One's own API tokens, from the account page (staff only).
    path("accounts/api-tokens/", tokens.api_token_issue, name="api_token_issue"),
    path(
        "accounts/api-tokens/<int:token_id>/revoke/",
        tokens.api_token_revoke,
        name="api_token_revoke",
    ),
]
