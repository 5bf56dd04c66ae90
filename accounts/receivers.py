"""Sign-ins and failed attempts, recorded as Django announces them.

A receiver of Django's own signals rather than code in a view: both sign-in
forms, the site's (/accounts/login/) and the admin's (/admin/login/), go
through ``authenticate()`` and ``login()``, which send ``user_logged_in`` and
``user_login_failed``; so does any sign-in added later. Connected in
``AccountsConfig.ready()``.
"""

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from accounts import services
from accounts.models import User


def _client(request) -> tuple[str | None, str]:
    """The client's address (project's middleware puts the real one in REMOTE_ADDR)
    and its User-Agent; neither is there for a sign-in made without a request."""
    if request is None:
        return None, ""
    return request.META.get("REMOTE_ADDR"), request.META.get("HTTP_USER_AGENT", "")


@receiver(user_logged_in, dispatch_uid="accounts.record_sign_in")
def record_sign_in(sender, request, user, **kwargs):
    # Sets last_login too, in place of Django's update_last_login (disconnected
    # in AccountsConfig.ready()), and on this instance as that receiver did.
    address, user_agent = _client(request)
    record = services.sign_in_record(
        user_id=user.pk, email=user.email, succeeded=True, address=address, user_agent=user_agent
    )
    user.last_login = record.at


@receiver(user_login_failed, dispatch_uid="accounts.record_failed_sign_in")
def record_failed_sign_in(sender, credentials, request=None, **kwargs):
    # The address typed may name no account: then nothing is recorded, and
    # the person trying is told nothing either way (the form's error is the
    # same). ``credentials`` arrive with the password already masked.
    typed = credentials.get(User.USERNAME_FIELD) or credentials.get("username")
    if not isinstance(typed, str) or not typed:
        return
    account = User.objects.by_email(typed).values_list("pk", "email").first()
    if account is None:
        return
    address, user_agent = _client(request)
    services.sign_in_record(
        user_id=account[0],
        email=account[1],
        succeeded=False,
        address=address,
        user_agent=user_agent,
    )
