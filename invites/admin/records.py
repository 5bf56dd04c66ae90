"""What the admin's lists of secret-bearing records share: read-only, digests unreachable."""


class RecordsWithDigests:
    """ModelAdmin mixin for rows that keep a secret's digest: links, access requests.

    They are made by their services, never added or edited here, and deleted by
    ``purge_links``; and no filter in the URL may name the digest, which would
    confirm a guessed one.
    """

    def lookup_allowed(self, lookup, value, request=None):
        return not lookup.startswith("digest") and super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
