"""What tokens do when accounts announces that users were deactivated (accounts.signals).

A signal, for the reason ``links/receivers.py`` gives: every path that
deactivates an account ends in accounts, which may not call into invites.
"""

from accounts.signals import users_deactivated
from invites.tokens.services import tokens_revoke_for_deactivated


def revoke_on_deactivated(sender, *, user_ids: list[int], **kwargs) -> None:
    """A deactivated user's tokens, and the tokens they issued, die; reactivating revives none."""
    tokens_revoke_for_deactivated(user_ids=user_ids)


def connect() -> None:
    users_deactivated.connect(revoke_on_deactivated, dispatch_uid="invites-tokens-deactivated")
