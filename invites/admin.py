"""Set-password links in the admin (filled in by the links issue)."""


class SetPasswordLinksAdminMixin:
    """Adds link issuing to the user admin."""
