"""What every SCIM endpoint shares: the token, the body, the answer and its errors.

``ScimView`` authenticates the bearer token before anything else and maps
every failure to a SCIM error body (RFC 7644 §3.12) with its status: no HTML
page and no traceback ever reaches an API client.
"""

import json
import logging

import pydantic
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    Error,
    InvalidSyntaxException,
    NotFoundException,
    PayloadTooLargeException,
    SCIMException,
)

from accounts.audit import Actor
from invites.keys.errors import KeyInvalid
from invites.tokens.services import token_authenticate
from scim.schemas import POLICY
from scim.services import Caller

logger = logging.getLogger(__name__)

SCIM_JSON = "application/scim+json"


def scim_response(payload: dict | None, *, status: int = 200, **headers: str) -> HttpResponse:
    """A SCIM answer: its JSON, or no body for 204."""
    body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    response = HttpResponse(body, status=status, content_type=SCIM_JSON)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def error_response(error: Error, **headers: str) -> HttpResponse:
    """``error`` as SCIM's error body, with its status."""
    status = int(error.status or 400)
    return scim_response(error.model_dump(scim_ctx=Context.DEFAULT), status=status, **headers)


def unauthorized() -> HttpResponse:
    """The one answer to a missing, unknown, expired or revoked token, or a deactivated owner."""
    return error_response(
        Error(
            status=401,
            detail=_("Send a valid API token: Authorization: Bearer ppl_… (see docs/api.md)."),
        ),
        WWW_Authenticate='Bearer realm="scim"',
    )


def unavailable(*, retry_after: int) -> HttpResponse:
    """The answer when the database or the cache is out of reach."""
    return error_response(
        Error(status=503, detail=_("The service is unavailable. Try again shortly.")),
        Retry_After=str(retry_after),
    )


def too_many(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The answer to an address over its limit of failed token attempts."""
    return error_response(
        Error(
            status=429,
            detail=_("Too many failed attempts. Try again in %(after)s seconds.")
            % {"after": retry_after},
        ),
        Retry_After=str(retry_after),
    )


def bearer_token(request: HttpRequest) -> str | None:
    """The token an ``Authorization: Bearer …`` header presents (any case), or None."""
    scheme, _space, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return None
    return presented.strip()


@method_decorator([csrf_exempt, never_cache], name="dispatch")
class ScimView(View):
    """An endpoint under ``/scim/v2/``: token first, SCIM errors always."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return self._answer(request, *args, **kwargs)
        except SCIMException as error:
            return error_response(error.to_error())
        except pydantic.ValidationError as error:
            return error_response(Error.from_validation_errors(error)[0])
        except Http404:
            return error_response(NotFoundException().to_error())
        except (OperationalError, InterfaceError):
            # Out of reach, or a statement it gave up on: worth trying again.
            # Any other database error is a fault of ours: a 500, below.
            logger.exception("SCIM request failed: the database is out of reach.")
            return unavailable(retry_after=30)
        except Exception:
            # An API client gets SCIM's error body, never the site's page or a traceback.
            logger.exception("SCIM request failed.")
            return error_response(Error(status=500, detail=_("The service failed; it is logged.")))

    def _answer(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """The token first; then the endpoint's answer."""
        presented = bearer_token(request)
        if presented is None:
            return unauthorized()
        address = request.META.get("REMOTE_ADDR")
        try:
            token = token_authenticate(presented=presented, address=address)
        except KeyInvalid:  # token_authenticate logs why
            return unauthorized()
        self.caller = Caller(
            owner=token.owner, actor=Actor.token(token.pk, address), address=address
        )
        self.base = request.build_absolute_uri(reverse("scim:root")).rstrip("/")
        with POLICY:
            return super().dispatch(request, *args, **kwargs)

    def http_method_not_allowed(self, request, *args, **kwargs) -> HttpResponse:
        allowed = ", ".join(m.upper() for m in self.http_method_names if hasattr(self, m))
        return error_response(
            Error(
                status=405, detail=_("%(method)s is not allowed here.") % {"method": request.method}
            ),
            Allow=allowed,
        )

    def payload(self) -> dict:
        """The request's JSON object, or a SCIM error saying what is wrong with it."""
        try:
            body = self.request.body
        except RequestDataTooBig:
            raise PayloadTooLargeException(detail=_("The request's body is too large.")) from None
        try:
            payload = json.loads(body or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise InvalidSyntaxException(detail=_("The request's body is not JSON.")) from None
        if not isinstance(payload, dict):
            raise InvalidSyntaxException(detail=_("The request's body must be a JSON object."))
        return payload
