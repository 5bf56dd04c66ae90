"""The rate limits of the public forms (LIMITS), and how the project puts them on views.

Limits count failures, not attempts (OWASP, "Blocking Brute Force Attacks"):
before a guarded view runs, the request is refused with 429 when a limit that
holds it has no failure left; after the view, the request is counted against
those limits only if it failed. Sign-ins and set-passwords that work count
nothing, so a whole office behind one address is never refused, while
guessing stops at the limit.

Counts live in the cache named by ``CACHE_URL``, in django-ratelimit's fixed
windows and under its keys: production uses Redis so that every worker shares
one count. A count that cannot be read raises (the cache is down) and nothing
is waved through. A request reads all its limits' counts at once (one
``get_many``: in Redis one round trip, where django-ratelimit's ``get_usage``
takes one for each), and a failure adds to them at once too (``incr_counts``
of project.cache, one pipeline; another cache counts as django-ratelimit does).

Checking and counting are two steps: failures that arrive at the same moment
all pass the check, so a window can see up to the limit plus the requests
served at once (gunicorn's workers) less one.

The apps know nothing of this module: where the project composes their URLs
(project/urls.py) it wraps each view LIMITS names, by URL name, and reads from
the view's answer whether it failed. The limits run inside the wrapped view,
so a cache that cannot count raises where the view's own errors do.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django_ratelimit import ALL
from django_ratelimit.core import (
    EXPIRATION_FUDGE,
    _get_ip,
    _get_window,
    _make_cache_key,
    _split_rate,
)

from accounts.devices import known_device, remember_device
from accounts.models import sign_in_key
from accounts.two_factor import pending_account, pending_started_here
from invites.access_requests.networks import network_of, site_of
from invites.keys.kinds import SET_PASSWORD, TEAM
from invites.keys.secrets import looks_like_secret, secret_as_typed
from project.net import client_ip
from scim.http import too_many as scim_too_many
from scim.urls import VIEW_NAMES as SCIM_VIEWS

# django-ratelimit's key for the client's address (project.net.client_ip).
ADDRESS = "ip"
ANY_METHOD = frozenset()


@dataclass(frozen=True)
class Limit:
    """At most ``rate`` failures ("30/m": 30 a minute) for each value of ``per``.

    ``per`` is ADDRESS, or a function of the request; where it gives None the
    limit does not hold that request.
    """

    group: str
    rate: str
    per: str | Callable[[HttpRequest], str | None]


@dataclass(frozen=True)
class Guard:
    """The limits on one view (by URL name) for some methods, and which answers are failures.

    ``methods`` empty: every method. ``succeeded``, if given, runs after an
    answer that is not a failure. ``passes``, if given, is asked with the
    view's URL arguments first: a request it lets pass is neither checked nor
    counted here, because a later view checks and counts it. ``refused``, if
    given, answers a request over a limit (an API's own error body) in place
    of the site's 429 page.
    """

    view: str
    methods: frozenset[str]
    limits: tuple[Limit, ...]
    failed: Callable[["Attempt", HttpResponse], bool]
    succeeded: Callable[["Attempt", HttpResponse], None] | None = None
    passes: Callable[[dict], bool] | None = None
    refused: Callable[[HttpRequest, int], HttpResponse] | None = None


_SIGN_IN_DEVICE = "_ratelimits_sign_in_device"


def _account_and_device(request: HttpRequest) -> tuple[str, str | None]:
    """The account a sign-in names, and this browser's device id if it signed in to it before.

    Both sign-in limits ask; the cookie's signature is checked once a request.
    """
    found = getattr(request, _SIGN_IN_DEVICE, None)
    if found is None:
        account = sign_in_key(request.POST.get("username", ""))
        found = (account, known_device(request, account=account))
        setattr(request, _SIGN_IN_DEVICE, found)
    return found


def _account_of_a_stranger(request: HttpRequest) -> str | None:
    """The account a sign-in names, unless this browser has signed in to it before."""
    account, device = _account_and_device(request)
    return None if device else account


def _device_known_to_the_account(request: HttpRequest) -> str | None:
    return _account_and_device(request)[1]


def _signed_in_account(request: HttpRequest) -> str | None:
    return str(request.user.pk) if request.user.is_authenticated else None


def _signed_in_nobody(attempt: "Attempt", response: HttpResponse) -> bool:
    # django.contrib.auth.login() puts the user it signs in on the request.
    return attempt.request.user is attempt.user_before


def _password_refused(attempt: "Attempt", response: HttpResponse) -> bool:
    """Signed in nobody, and did not lead on to the code either (a correct password did)."""
    return _signed_in_nobody(attempt, response) and not pending_started_here(attempt.request)


def _remember_the_browser(attempt: "Attempt", response: HttpResponse) -> None:
    # Only a browser that signed in: a password still waiting for its code is
    # not one, or knowing the password would spare its holder the account's limit.
    if not _signed_in_nobody(attempt, response):
        account = sign_in_key(attempt.request.user.get_username())
        remember_device(attempt.request, response, account=account)


def _not_redirected(attempt: "Attempt", response: HttpResponse) -> bool:
    """A form that worked redirects; one shown again (invalid, refused) did not work."""
    return response.status_code // 100 != 3


def _always(attempt: "Attempt", response: HttpResponse) -> bool:
    """For a form that cannot fail: every request counts, bounding its writes."""
    return True


def _a_secret_that_may_be_a_link(url_arguments: dict) -> bool:
    """A well-formed secret: opening it only moves it into a cookie, and the form's
    page, under the same limit, checks the link and counts it if unknown.

    Reading the count there and here cost a second cache round trip on every
    link opened; malformed secrets, which no link has, are counted here.
    """
    return looks_like_secret(secret_as_typed(url_arguments.get("secret", "")))


def _unauthorized(attempt: "Attempt", response: HttpResponse) -> bool:
    """An API's answer to a missing or invalid token."""
    return response.status_code == 401


def _not_found(attempt: "Attempt", response: HttpResponse) -> bool:
    """The one page every unknown, malformed, used or closed link gets is a 404."""
    return response.status_code == 404


SIGN_IN_PER_ADDRESS = Limit("sign-in-address", "30/m", ADDRESS)
SIGN_IN_PER_ACCOUNT = Limit("sign-in-account", "10/m", _account_of_a_stranger)
SIGN_IN_PER_DEVICE = Limit("sign-in-device", "10/m", _device_known_to_the_account)
PASSWORD_CHANGE_PER_ADDRESS = Limit("password-change-address", "30/m", ADDRESS)
PASSWORD_CHANGE_PER_ACCOUNT = Limit("password-change-account", "10/m", _signed_in_account)
LINK_OPEN_PER_ADDRESS = Limit("link-open-address", "30/m", ADDRESS)
SET_PASSWORD_PER_ADDRESS = Limit("set-password-address", "30/m", ADDRESS)
SET_PASSWORD_PER_LINK = Limit("set-password-link", "5/m", SET_PASSWORD.cookie.read)
# Joining through a team link: failures per address and per link (the one
# this browser opened). Joins that work count nothing: a workshop of thirty
# behind one address all join.
TEAM_JOIN_PER_ADDRESS = Limit("team-join-address", "30/m", ADDRESS)
TEAM_JOIN_PER_LINK = Limit("team-join-link", "30/m", TEAM.cookie.read)
# Every access request counts, taken or not: a request taken is what a bot
# wants. Five an hour lets a person retry a typo; a flood meets the cap on
# pending requests (ACCESS_REQUESTS_MAX_PENDING) soon after.
ACCESS_REQUEST_PER_ADDRESS = Limit("access-request-address", "5/h", ADDRESS)
# And per network, so that forty addresses of one network are not forty
# senders: an IPv4 /24 or IPv6 /64, and an IPv6 /48 (a site's many /64s).
ACCESS_REQUEST_PER_NETWORK = Limit(
    "access-request-network", "10/h", lambda request: network_of(client_ip(request))
)
ACCESS_REQUEST_PER_SITE = Limit(
    "access-request-site", "20/h", lambda request: site_of(client_ip(request))
)
ACCOUNT_NAMES_PER_ADDRESS = Limit("account-names-address", "30/m", ADDRESS)
ACCOUNT_NAMES_PER_ACCOUNT = Limit("account-names-account", "10/m", _signed_in_account)
SIGN_OUT_ELSEWHERE_PER_ADDRESS = Limit("sign-out-elsewhere-address", "60/m", ADDRESS)
SIGN_OUT_ELSEWHERE_PER_ACCOUNT = Limit("sign-out-elsewhere-account", "10/m", _signed_in_account)
# One's own API tokens: every issue and revoke counts (each writes).
API_TOKEN_PER_ADDRESS = Limit("api-token-address", "60/m", ADDRESS)
API_TOKEN_PER_ACCOUNT = Limit("api-token-account", "10/m", _signed_in_account)
# Two-factor codes: wrong ones, per address and per account (the one whose
# password was just typed, or who is signed in), whichever page they are typed on.
TWO_FACTOR_CODE_PER_ADDRESS = Limit("two-factor-code-address", "10/m", ADDRESS)
TWO_FACTOR_CODE_PER_ACCOUNT = Limit("two-factor-code-account", "5/m", pending_account)

# SCIM: failed token attempts (none, unknown, expired, revoked), like sign-in's.
TOKEN_FAILURES_PER_ADDRESS = Limit("api-token-failures-address", "30/m", ADDRESS)

_SIGN_IN = (SIGN_IN_PER_ADDRESS, SIGN_IN_PER_ACCOUNT, SIGN_IN_PER_DEVICE)
_TWO_FACTOR_CODE = (TWO_FACTOR_CODE_PER_ADDRESS, TWO_FACTOR_CODE_PER_ACCOUNT)
_POST = frozenset({"POST"})

LIMITS = (
    Guard("login", _POST, _SIGN_IN, _password_refused, _remember_the_browser),
    Guard("admin:login", _POST, _SIGN_IN, _password_refused, _remember_the_browser),
    # The second step of signing in: a code, or a first authenticator's code.
    Guard("login_code", _POST, _TWO_FACTOR_CODE, _signed_in_nobody, _remember_the_browser),
    Guard("login_enrol", _POST, _TWO_FACTOR_CODE, _signed_in_nobody, _remember_the_browser),
    Guard("two_factor_replace", _POST, _TWO_FACTOR_CODE, _not_redirected),
    Guard(
        "password_change",
        _POST,
        (PASSWORD_CHANGE_PER_ADDRESS, PASSWORD_CHANGE_PER_ACCOUNT),
        _not_redirected,
    ),
    # One's own account page: the names form's invalid submissions; every
    # "sign out everywhere else", which has nothing to fail (each one writes).
    Guard(
        "account_names",
        _POST,
        (ACCOUNT_NAMES_PER_ADDRESS, ACCOUNT_NAMES_PER_ACCOUNT),
        _not_redirected,
    ),
    Guard(
        "sign_out_elsewhere",
        _POST,
        (SIGN_OUT_ELSEWHERE_PER_ADDRESS, SIGN_OUT_ELSEWHERE_PER_ACCOUNT),
        _always,
    ),
    # One's own API tokens (staff): every issue or revoke, sharing one count.
    Guard(
        "invites:api_token_issue", _POST, (API_TOKEN_PER_ADDRESS, API_TOKEN_PER_ACCOUNT), _always
    ),
    Guard(
        "invites:api_token_revoke", _POST, (API_TOKEN_PER_ADDRESS, API_TOKEN_PER_ACCOUNT), _always
    ),
    # Opening a link: its malformed secrets, and the unknown or closed links
    # the form's page then finds. A link that opens counts nothing. A
    # well-formed secret passes the opening unchecked: the form's page, the
    # only one that looks a link up, checks the same count.
    Guard(
        "invites:open",
        ANY_METHOD,
        (LINK_OPEN_PER_ADDRESS,),
        _not_found,
        passes=_a_secret_that_may_be_a_link,
    ),
    Guard("invites:set_password", frozenset({"GET", "HEAD"}), (LINK_OPEN_PER_ADDRESS,), _not_found),
    # Team links: openings like a set-password link's, sharing their count;
    # joins that fail (an invalid form, a closed link), per address and link.
    Guard(
        "invites:team_open",
        ANY_METHOD,
        (LINK_OPEN_PER_ADDRESS,),
        _not_found,
        passes=_a_secret_that_may_be_a_link,
    ),
    Guard("invites:team_join", frozenset({"GET", "HEAD"}), (LINK_OPEN_PER_ADDRESS,), _not_found),
    Guard("invites:team_join", _POST, (TEAM_JOIN_PER_ADDRESS, TEAM_JOIN_PER_LINK), _not_redirected),
    # Access requests: every submission; the status link's openings like a
    # link's, sharing their count (a guess is a guess, whichever the path).
    Guard(
        "invites:access_request",
        _POST,
        (ACCESS_REQUEST_PER_ADDRESS, ACCESS_REQUEST_PER_NETWORK, ACCESS_REQUEST_PER_SITE),
        _always,
    ),
    Guard("invites:access_request_open", ANY_METHOD, (LINK_OPEN_PER_ADDRESS,), _not_found),
    Guard("invites:access_request_status", ANY_METHOD, (LINK_OPEN_PER_ADDRESS,), _not_found),
    # Setting the password: invalid forms and unknown or closed links; per link
    # only where the browser holds one.
    Guard(
        "invites:set_password",
        _POST,
        (SET_PASSWORD_PER_ADDRESS, SET_PASSWORD_PER_LINK),
        _not_redirected,
    ),
    # SCIM: every endpoint, every method; answered as SCIM errors.
    *(
        Guard(name, ANY_METHOD, (TOKEN_FAILURES_PER_ADDRESS,), _unauthorized, refused=scim_too_many)
        for name in SCIM_VIEWS
    ),
)
"""Every rate limit of the site: the view it guards (by URL name), for which
methods, the limits that hold a request there, and what counts as a failure.

Sign-in (``/accounts/login/``, ``/admin/login/``): 30 failures a minute per
address, and 10 per account; a browser that has signed in to the account
before (accounts.devices) is held by 10 of its own instead of the account's.
Password change: 30 per address, 10 per account. Opening links (set-password,
team and access-request status links): 30 failed openings per address, checked
where a link is looked up.
Set-password: 30 failures per address, 5 per link. Joining through a team
link: 30 failures per address, 30 per link. Access requests: 5
submissions an hour per address, 10 per IPv4 /24 or IPv6 /64, 20 per IPv6 /48.
One's names (``/accounts/names/``): 30 invalid forms per address, 10 per
account. Sign out everywhere else: 10 per account and 60 per address, every
one counted (it cannot fail; the limit bounds its writes). Issuing and
revoking one's own API tokens: 10 a minute per account and 60 per address,
every one counted.
Two-factor codes (after the password, at enrolment, replacing one's
authenticator): 10 wrong a minute per address, 5 per account. API tokens
(``/scim/v2/``): 30 failed attempts a minute per address. A correct
password that leads on to the code is not a failed sign-in, and only a
browser that signed in (after its code) is remembered as the account's.
"""

_GUARDS: dict[str, list[Guard]] = {}
for _guard in LIMITS:
    _GUARDS.setdefault(_guard.view, []).append(_guard)


def _counts_cache():
    """The cache django-ratelimit counts in (RATELIMIT_USE_CACHE)."""
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


class Attempt:
    """One request under the limits that hold it."""

    def __init__(self, request: HttpRequest, guard: Guard):
        self.request = request
        self.guard = guard
        # Not evaluated: compared by identity once the view has run.
        self.user_before = request.user
        # Each limit that holds the request, and the value it counts it under.
        self._counted: list[tuple[Limit, str]] = []
        if not settings.RATELIMIT_ENABLE:
            return
        for limit in guard.limits:
            # django-ratelimit's "ip" key: the client's address (its /64 for IPv6).
            value = _get_ip(request) if limit.per == ADDRESS else limit.per(request)
            if value is not None:
                self._counted.append((limit, value))

    def _count_keys(self) -> dict[str, Limit]:
        """Each count's cache key in the window of now, and its limit.

        django-ratelimit's keys (``get_usage``), so counts carry over an upgrade.
        """
        keys = {}
        for limit, value in self._counted:
            window = _get_window(value, _split_rate(limit.rate)[1])
            keys[_make_cache_key(limit.group, window, limit.rate, value, ALL)] = limit
        return keys

    def is_over(self) -> bool:
        """Whether a limit that holds this request has no failure left.

        ``retry_after`` is then the length of that limit's window, in seconds.
        """
        if not self._counted:
            return False
        keys = self._count_keys()
        counts = _counts_cache().get_many(list(keys))
        for key, limit in keys.items():
            allowed, period = _split_rate(limit.rate)
            if counts.get(key, 0) >= allowed:
                self.retry_after = period
                return True
        return False

    def finish(self, response: HttpResponse) -> None:
        """Count the request against its limits if it failed."""
        if self.guard.failed(self, response):
            self._count_failure()
        elif self.guard.succeeded is not None:
            self.guard.succeeded(self, response)

    def _count_failure(self) -> None:
        if not self._counted:
            return
        # The window of now, as django-ratelimit counts: a failure that ends
        # after its window's edge counts in the next one.
        timeouts = {
            key: _split_rate(limit.rate)[1] + EXPIRATION_FUDGE
            for key, limit in self._count_keys().items()
        }
        cache = _counts_cache()
        incr_counts = getattr(cache, "incr_counts", None)
        if incr_counts is not None:
            incr_counts(timeouts)
            return
        for key, timeout in timeouts.items():
            # django-ratelimit's count, in a cache without incr_counts (local memory).
            if not cache.add(key, 1, timeout):
                with contextlib.suppress(ValueError):  # gone since: this failure is lost
                    cache.incr(key)
