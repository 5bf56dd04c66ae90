"""Groups in the admin: Django's page, under the rule of ``accounts.powers``.

Django's own registration lets anyone who may change groups put every
permission into a group of theirs, and so hold them all. Here nobody gives a
group a permission they lack, and a group that grants more than its editor
holds is read-only to them, as a more powerful user is. Superusers may do
anything.
"""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group

from accounts.admin_audit import AuditedChanges
from accounts.forms import GroupForm
from accounts.powers import groups_beyond

if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedChanges, DjangoGroupAdmin):
    form = GroupForm
    audit_name = "group"

    def audit_detail(self, obj) -> dict:
        return {"group": obj.name}

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def _within_powers(self, request, group: Group) -> bool:
        """Whether ``group`` grants nothing the editor lacks; asked once per group and request."""
        answers = request.__dict__.setdefault("_group_within_powers", {})
        if group.pk not in answers:
            answers[group.pk] = not groups_beyond(actor=request.user, groups=[group])
        return answers[group.pk]

    def has_change_permission(self, request, obj=None):
        """A group that grants more than the editor holds is read-only to them.

        Changing or deleting it would take from its members powers the editor
        does not hold, as changing a more powerful user would. Django then
        shows the page without a save button and refuses its POST with 403.
        """
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self._within_powers(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or self._within_powers(request, obj)
