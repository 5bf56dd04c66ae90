from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

# Not django.contrib.auth.urls: its password-reset views send email, and this
# service has none. Resets are links an administrator hands out.
urlpatterns = [
    path("", views.account, name="account"),
    path("names/", views.account_names, name="account_names"),
    path("sign-out-elsewhere/", views.sign_out_elsewhere, name="sign_out_elsewhere"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("login/code/", views.SignInCodeView.as_view(), name="login_code"),
    path("login/authenticator/", views.SignInEnrolView.as_view(), name="login_enrol"),
    path(
        "authenticator/",
        views.ReplaceAuthenticatorView.as_view(),
        name="two_factor_replace",
    ),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    path(
        "password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
]
