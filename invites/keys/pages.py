"""What every key's public pages share: their headers, and the one invalid page."""

import logging
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus

from django.shortcuts import render

from invites.keys.errors import KeyInvalid
from invites.keys.kinds import KeyKind

logger = logging.getLogger("invites.keys")


def noindex(view):
    """Ask search engines and link unfurlers not to index or keep the page."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
        return response

    return wrapped


def client_address(request) -> str | None:
    """The client's address: the project puts it in REMOTE_ADDR, behind a trusted proxy too."""
    return request.META.get("REMOTE_ADDR") or None


def key_invalid(
    request,
    error: KeyInvalid,
    *,
    kind: KeyKind,
    presented_again: Callable[..., object] | None = None,
    context: dict | None = None,
):
    """The one page for every key that cannot be used, whatever the reason (a 404).

    The reason goes to the log only, and the browser forgets the kind's
    cookie. A used or revoked key presented again is handed to
    ``presented_again`` (the tripwire), where its kind keeps one.
    """
    logger.info("Refused %s (%s): key %s.", kind.label, error.reason, error.key_id)
    if presented_again is not None and error.reason in (
        KeyInvalid.Reason.USED,
        KeyInvalid.Reason.REVOKED,
    ):
        presented_again(key_id=error.key_id, address=client_address(request))
    response = render(
        request, "invites/link_invalid.html", context or {}, status=HTTPStatus.NOT_FOUND
    )
    return kind.cookie.forget(response)
