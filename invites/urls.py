from django.urls import path

from invites import views

app_name = "invites"

urlpatterns = [
    path("set-password/", views.SetPasswordView.as_view(), name="set_password"),
    path("set-password/<str:secret>/", views.open_link, name="open"),
]
