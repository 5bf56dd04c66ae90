"""The words both admin lists use for people and their links, so that they read alike.

The user list labels a person "Invited" or "Reset pending" while their link
waits; the links list labels that link the same. Closed links read "Used",
"Expired" or "Revoked" in both.
"""

from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.admin import STATUS_LABELS
from accounts.admin_lists import list_datetime
from invites.models import Link

# accounts' statuses, and the one only links can tell.
USER_STATUS_LABELS = {
    **STATUS_LABELS,
    "reset_pending": gettext_lazy("Reset pending"),
}

CLOSED_LABELS = {
    Link.State.USED: gettext_lazy("Used"),
    Link.State.EXPIRED: gettext_lazy("Expired"),
    Link.State.REVOKED: gettext_lazy("Revoked"),
}

# An open link is labelled as the user list labels its person.
OPEN_LABELS = {
    Link.Purpose.INVITE: USER_STATUS_LABELS["invited"],
    Link.Purpose.RESET: USER_STATUS_LABELS["reset_pending"],
}


def link_state_label(link: Link) -> str:
    """A link's state in the links list: "Invited" or "Reset pending" while open, else closed."""
    state = link.state
    if state == Link.State.PENDING:
        return str(OPEN_LABELS[link.purpose])
    return str(CLOSED_LABELS[state])


def link_state_filter_choices() -> list[tuple[str, str]]:
    """The links list's state filter, in the same words as its column."""
    return [
        (Link.State.PENDING, gettext_lazy("Open (invited or reset pending)")),
        *CLOSED_LABELS.items(),
    ]


def user_link_label(link: Link | None) -> str:
    """A user's newest link in the user list: "Open until …", a closed state, or "None"."""
    if link is None:
        return _("None")
    if link.is_open:
        return format_html(_("Open until {when}"), when=list_datetime(link.expires_at))
    return str(CLOSED_LABELS[link.state])
