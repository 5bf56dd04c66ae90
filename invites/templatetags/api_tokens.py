"""``{% load api_tokens %}{% api_tokens_section %}``: one's API tokens on the account page.

The account page belongs to accounts, which may not import invites; its
template loads this library instead, and draws nothing for anyone but staff.
"""

from django import template

from invites.tokens.forms import OwnApiTokenForm
from invites.tokens.models import may_hold_own_tokens
from invites.tokens.selectors import tokens_of_owner

register = template.Library()


@register.inclusion_tag("invites/account_api_tokens.html", takes_context=True)
def api_tokens_section(context) -> dict:
    """The signed-in staff member's working tokens, with Revoke, and the form for a new one."""
    user = context["request"].user
    if not may_hold_own_tokens(user):
        return {"shown": False}
    return {
        "shown": True,
        "tokens": list(tokens_of_owner(owner=user)),
        "form": OwnApiTokenForm(user=user),
        "csrf_token": context.get("csrf_token"),
    }
