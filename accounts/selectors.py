"""Reads of the accounts app that are more than one filter."""

from dataclasses import dataclass
from datetime import datetime

from accounts.models import SignIn, User

RECENT_SIGN_INS = 10


@dataclass(frozen=True)
class SignInHistory:
    """An account's newest sign-ins and the failed attempts on it since one of them."""

    sign_ins: list[SignIn]
    # Failed attempts after ``since`` (every one kept, when None), newest first.
    failures: list[SignIn]
    failure_count: int
    since: datetime | None


def sign_in_history(
    *, user: User, limit: int = RECENT_SIGN_INS, since_previous: bool = False
) -> SignInHistory:
    """``user``'s ``limit`` newest sign-ins, and the failures since the newest.

    With ``since_previous``, the failures since the sign-in before the newest:
    what the person reading their own page, signed in by the newest, has not
    seen yet. At most ``limit`` failures are listed; ``failure_count`` counts
    them all. Three queries, each a walk of the (user, succeeded, at) index.
    """
    sign_ins = list(SignIn.objects.filter(user=user).succeeded().order_by("-at")[:limit])
    anchor = 1 if since_previous else 0
    since = sign_ins[anchor].at if len(sign_ins) > anchor else None
    failures = SignIn.objects.filter(user=user).failed()
    if since is not None:
        failures = failures.filter(at__gt=since)
    listed = list(failures.order_by("-at")[:limit])
    count = len(listed) if len(listed) < limit else failures.count()
    return SignInHistory(sign_ins=sign_ins, failures=listed, failure_count=count, since=since)
