from django.contrib import admin
from django.urls import include, path

from project import views
from project.ratelimit_urls import guarded

# The rate limits go on the apps' views here, where the project composes them.
urlpatterns = guarded(
    [
        path("", views.home, name="home"),
        path("favicon.ico", views.favicon, name="favicon"),
        path("accounts/", include("accounts.urls")),
        path("admin/", admin.site.urls),
        path("scim/v2/", include("scim.urls")),
        path("", include("invites.urls")),
    ]
)

handler400 = "project.errors.bad_request"
handler403 = "project.errors.permission_denied"
handler404 = "project.errors.page_not_found"
handler500 = "project.errors.server_error"
