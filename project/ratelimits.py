"""The rate limits of the public forms, in one place so that they read as a table.

Limits count in the cache named by ``CACHE_URL``: production uses Redis so that
every worker process shares one count.
"""

from django.utils.decorators import method_decorator
from django_ratelimit.decorators import ratelimit


def _posted_account(group: str, request) -> str:
    """The account a sign-in POST names, so that case cannot dodge the limit."""
    return request.POST.get("username", "").strip().lower()[:254]


def _stacked(*decorators):
    def apply(view):
        for decorator in reversed(decorators):
            view = decorator(view)
        return view

    return apply


# 10 sign-in attempts a minute per client address and per account.
limit_sign_in = _stacked(
    ratelimit(group="sign-in-ip", key="ip", rate="10/m", method="POST"),
    ratelimit(group="sign-in-account", key=_posted_account, rate="10/m", method="POST"),
)

method_limit_sign_in = method_decorator(limit_sign_in, name="dispatch")
