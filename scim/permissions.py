"""What the owner of an identity provider's token needs: the permissions to grant."""

from django.contrib.auth.models import Permission

# What an identity provider's token owner needs for every SCIM endpoint: users'
# four permissions, issuing links (a new account's answer), groups' four.
PROVISIONING_PERMISSIONS = (
    "accounts.add_user",
    "accounts.change_user",
    "accounts.view_user",
    "accounts.delete_user",
    "invites.issue_link",
    "auth.add_group",
    "auth.change_group",
    "auth.view_group",
    "auth.delete_group",
)


def provisioning_permissions() -> list[Permission]:
    """``PROVISIONING_PERMISSIONS`` as rows, to grant a group or a user."""
    wanted = {tuple(name.split(".")) for name in PROVISIONING_PERMISSIONS}
    rows = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={codename for _, codename in wanted},
    ).select_related("content_type")
    return [row for row in rows if (row.content_type.app_label, row.codename) in wanted]
