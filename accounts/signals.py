"""What the accounts app announces, for other apps to react to.

accounts is the lowest layer: it knows nothing of the apps built on it. Where
they must react to a change of a user (invites revokes set-password links), it
sends one of these, as ``django.contrib.auth`` sends ``user_logged_in``.
"""

from django.dispatch import Signal

# A user's credentials changed: their password (set, changed or disabled) or
# the email address they sign in with. Arguments: ``user``, ``changed`` (a set
# of "password" and "email").
credentials_changed = Signal()

# Users were deactivated, by a form or in bulk. Arguments: ``user_ids``.
users_deactivated = Signal()
