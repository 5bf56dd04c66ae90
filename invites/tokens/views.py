"""One's own API tokens, from the account page (staff only): issuing one, revoking one.

The account page (accounts) shows them through ``{% api_tokens_section %}``
(``invites/templatetags/api_tokens.py``): accounts, the lower layer, knows
nothing of tokens. A new token is shown once, in the response to the POST
that made it, which no cache may keep; no page shows it again.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from invites.keys.models import Via
from invites.tokens.errors import TokenRefused
from invites.tokens.forms import OwnApiTokenForm
from invites.tokens.models import ApiToken, may_hold_own_tokens
from invites.tokens.services import token_issue, tokens_revoke


def _staff_only(request) -> None:
    """Tokens are for staff; anyone else has no token page at all."""
    if not may_hold_own_tokens(request.user):
        raise PermissionDenied


@sensitive_post_parameters("password")
@never_cache
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def api_token_issue(request):
    """The form (also on the account page); its POST, with one's password, issues a token
    and shows it once."""
    _staff_only(request)
    form = OwnApiTokenForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            issued = token_issue(
                owner=request.user,
                description=form.cleaned_data["description"],
                issuer=request.user,
                via=Via.PUBLIC,
                max_age=form.max_age,
            )
        except TokenRefused as refused:
            form.add_error(None, str(refused))
        else:
            return render(request, "invites/api_token_issued.html", {"issued": issued})
    return render(request, "invites/api_token_form.html", {"form": form})


@never_cache
@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    """Revoke one of one's own tokens; anyone else's is not found."""
    _staff_only(request)
    token = get_object_or_404(ApiToken, pk=token_id, owner=request.user)
    if tokens_revoke(tokens=[token], by=request.user, via=Via.PUBLIC):
        messages.success(
            request,
            _("The API token “%(description)s” was revoked: it no longer works.")
            % {"description": token.description},
        )
    return redirect("account")
