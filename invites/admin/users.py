"""The user admin, with set-password links: accounts' own, extended here.

accounts knows nothing of links (``project`` above ``invites`` above
``accounts``), so this app puts its features on the user admin: it replaces
the registration accounts made with a subclass that adds them.
"""

from django.contrib import admin

from accounts import admin as accounts_admin
from accounts.models import User
from invites.admin.issuing import SetPasswordLinksAdminMixin


class UserAdmin(SetPasswordLinksAdminMixin, accounts_admin.UserAdmin):
    actions = ["generate_set_password_links", *accounts_admin.UserAdmin.actions]


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
