"""What invites does when accounts announces a change of a user (accounts.signals).

A signal is the right tool here: accounts is the lower layer and may not call
into invites, yet every path that changes a password, an email or an account's
being active ends in accounts (``User.save``, ``users_deactivate``). Listening
there sees them all, however the change was made; calling from each path would
miss the next one added.
"""

from accounts.models import User
from accounts.signals import credentials_changed, users_deactivated
from invites.links.models import Link
from invites.links.services import links_revoke_for_deactivated, links_revoke_for_users


def revoke_on_credentials_changed(sender, *, user: User, changed: set[str], **kwargs) -> None:
    """A link handed to an old address, or for an old password, dies with it."""
    reason = (
        Link.RevokeReason.EMAIL_CHANGED
        if "email" in changed
        else Link.RevokeReason.PASSWORD_CHANGED
    )
    links_revoke_for_users(user_ids=[user.pk], reason=reason)


def revoke_on_deactivated(sender, *, user_ids: list[int], **kwargs) -> None:
    """A deactivated user's links, and the links they issued, die."""
    links_revoke_for_deactivated(user_ids=user_ids)


def connect() -> None:
    credentials_changed.connect(revoke_on_credentials_changed, dispatch_uid="invites-credentials")
    users_deactivated.connect(revoke_on_deactivated, dispatch_uid="invites-deactivated")
