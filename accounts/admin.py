"""Users in the admin: no passwords set here, no self-lockout, nobody acts beyond their powers."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import (
    admin_groups,  # noqa: F401  (registers the group admin)
    services,
    two_factor,
)
from accounts.admin_audit import AuditedChanges
from accounts.admin_audit_trail import events_of_url  # and registers the trail's list
from accounts.admin_confirmation import action_confirmation_response, action_confirmed
from accounts.admin_lists import CountedUpTo, is_email, list_datetime, list_email
from accounts.forms import UserAddForm, UserChangeForm
from accounts.models import User
from accounts.powers import PowersExceeded, may_act_on
from accounts.selectors import sign_in_history

STATUS_LABELS = {
    "invited": _("Invited"),
    "active": _("Active"),
    "deactivated": _("Deactivated"),
}


class StatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        value = self.value()
        if value == "invited":
            return queryset.invited()
        if value == "active":
            return queryset.with_password()
        if value == "deactivated":
            return queryset.deactivated()
        return queryset


class GroupFilter(admin.SimpleListFilter):
    """Users in a group, through EXISTS: no join, so no DISTINCT over all users.

    EXISTS rather than IN: the page walks the email index and stops at a page's
    worth of members, where IN would fetch and sort the whole group first.
    """

    title = _("group")
    parameter_name = "group"

    def lookups(self, request, model_admin):
        return Group.objects.order_by("name").values_list("pk", "name")

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        memberships = User.groups.through.objects.filter(
            group_id=self.value(), user_id=OuterRef("pk")
        )
        return queryset.filter(Exists(memberships))


class TwoFactorFilter(admin.SimpleListFilter):
    """Users with a confirmed authenticator, or without one (EXISTS, as the group filter)."""

    title = _("two-factor")
    parameter_name = "two_factor"

    def lookups(self, request, model_admin):
        return [("yes", _("Set up")), ("no", _("Not set up"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(two_factor.confirmed_device_exists())
        if self.value() == "no":
            return queryset.exclude(two_factor.confirmed_device_exists())
        return queryset


# django-otp's own device list shows and edits every key: devices are managed
# through the users instead (this list's column, filter and action).
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(User)
class UserAdmin(AuditedChanges, CountedUpTo, DjangoUserAdmin):
    """Users by email, never with a password on the add form.

    Apps above this one extend it by registering a subclass in its place.
    Every change it makes is in the audit trail (``AuditedChanges``).
    """

    audit_name = "user"

    def audit_target(self, obj):
        return obj

    form = UserChangeForm
    add_form = UserAddForm
    # The change page adds the user's recent sign-ins; apps above extend
    # this template (their own extends it) to add theirs.
    change_form_template = "admin/accounts/user_change_form.html"
    # Django's user add template speaks of a username and a password; this
    # form has neither.
    add_form_template = "admin/change_form.html"
    fieldsets = (
        # No password: Django's field links to its password page, closed here
        # (user_change_password).
        (None, {"fields": ("email", "two_factor_set_up")}),
        (_("Personal info"), {"fields": ("first_name", "last_name")}),
        (
            _("Permissions"),
            {
                "fields": (
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                )
            },
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "groups", "is_staff"),
                "description": _(
                    "No password: after saving you get a set-password link to hand to this person."
                ),
            },
        ),
    )
    # The name under the email, each date's time under its day: the list fits a
    # 1280 px screen beside the admin's sidebar and the filters.
    list_display = (
        "email_address",
        "status_label",
        "is_staff",
        "two_factor_set_up",
        "last_signed_in",
        "joined",
    )
    list_filter = (StatusFilter, "is_staff", "is_superuser", GroupFilter, TwoFactorFilter)
    search_fields = ("email", "first_name", "last_name")
    ordering = ("email",)
    list_per_page = 20
    readonly_fields = ("last_login", "date_joined", "two_factor_set_up")
    actions = ["deactivate_users", "reactivate_users", "remove_two_factor_devices"]

    # Only superusers may hand out powers: with the plain "change user"
    # permission, other staff could otherwise make themselves superusers.
    superuser_only_fields = ("is_superuser", "groups", "user_permissions")

    def get_search_results(self, request, queryset, search_term):
        """A whole email address, however spelled, is one probe of the email key's index."""
        if is_email(search_term):
            return queryset.by_email(search_term.strip()), False
        return super().get_search_results(request, queryset, search_term)

    def get_queryset(self, request):
        # One EXISTS per row inside the list's own query, not a query per row.
        return (
            super()
            .get_queryset(request)
            .annotate(has_two_factor=two_factor.confirmed_device_exists())
        )

    @admin.display(description=_("Two-factor"), boolean=True, ordering="has_two_factor")
    def two_factor_set_up(self, user: User) -> bool:
        return user.has_two_factor

    @admin.display(description=_("email address and name"), ordering="email")
    def email_address(self, user: User) -> str:
        name = user.get_full_name()
        if not name:
            return list_email(user.email)
        return format_html(
            '{}<br><span class="list-detail">{}</span>', list_email(user.email), name
        )

    @admin.display(description=_("status"))
    def status_label(self, user: User) -> str:
        return str(STATUS_LABELS[user.status])

    @admin.display(description=_("last sign-in"), ordering="last_login", empty_value=_("never"))
    def last_signed_in(self, user: User) -> str | None:
        return list_datetime(user.last_login)

    @admin.display(description=_("added"), ordering="date_joined")
    def joined(self, user: User) -> str | None:
        return list_datetime(user.date_joined)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            # Failures since the newest sign-in: someone trying the account now.
            context["sign_in_history"] = sign_in_history(user=obj)
            context["audit_trail_url"] = events_of_url(request, obj.email, site=self.admin_site)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            fields += self.superuser_only_fields
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and not request.user.is_superuser:
            fieldsets = [
                (name, {**options, "fields": [f for f in options["fields"] if f != "groups"]})
                for name, options in fieldsets
            ]
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"editor": request.user})

    def _may_act_on(self, request, user: User) -> bool:
        """``accounts.powers.may_act_on``, asked once per user and request."""
        answers = request.__dict__.setdefault("_may_act_on", {})
        if user.pk not in answers:
            answers[user.pk] = may_act_on(actor=request.user, user=user)
        return answers[user.pk]

    def has_change_permission(self, request, obj=None):
        """Nobody changes a user whose powers exceed theirs: the page is read-only.

        Django then shows the change page without a save button to staff who
        may view users, and refuses its POST with 403.
        """
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or self._may_act_on(request, obj)

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or self._may_act_on(request, obj)

    def user_change_password(self, request, id, form_url=""):
        """Not found, for everyone, superusers too: nobody sets another person's password here.

        Django's page let staff who may change users set a peer's password,
        which is taking the account over. A person sets their own password
        through a set-password link; the route stays so that its name resolves.
        """
        raise Http404

    def _refuse_beyond_powers(self, request, refused: PowersExceeded) -> None:
        self.message_user(
            request,
            ngettext(
                "Nothing was changed: %(emails)s has powers that exceed yours. Ask a superuser.",
                "Nothing was changed: %(emails)s have powers that exceed yours. Ask a superuser.",
                len(refused.users),
            )
            % {"emails": ", ".join(user.email for user in refused.users)},
            messages.ERROR,
        )

    @admin.action(description=_("Deactivate selected users"), permissions=["change"])
    def deactivate_users(self, request, queryset):
        """Deactivate the selected users, after a page that names them.

        The list's "Go" shows that page (``admin_confirmation``), or says at
        once why nobody can be deactivated; its button deactivates.
        """
        users = list(queryset)
        try:
            if not action_confirmed(request):
                services.users_deactivate_check(users=users, actor=request.user)
                return self._deactivate_confirmation_response(request, users)
            count = services.users_deactivate(users=users, actor=request.user)
        except PowersExceeded as refused:
            self._refuse_beyond_powers(request, refused)
            return
        except ValueError:
            self.message_user(
                request,
                _(
                    "Nothing was changed: you selected your own account, and you "
                    "cannot deactivate yourself. Ask another administrator if it "
                    "must be deactivated."
                ),
                messages.ERROR,
            )
            return
        self.message_user(
            request,
            ngettext(
                "Deactivated %(count)d user; their open links were revoked.",
                "Deactivated %(count)d users; their open links were revoked.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def _deactivate_confirmation_response(self, request, users: list[User]):
        active_count = sum(user.is_active for user in users)
        if not active_count:
            self.message_user(
                request,
                _("Nothing was changed: the selected users are deactivated already."),
                messages.WARNING,
            )
            return None
        return action_confirmation_response(
            self,
            request,
            action="deactivate_users",
            template="admin/accounts/deactivate_users_confirmation.html",
            title=_("Deactivate users"),
            # Those it deactivates first.
            objects=sorted(users, key=lambda user: not user.is_active),
            context={"active_count": active_count},
        )

    @admin.action(description=_("Remove two-factor devices"), permissions=["change"])
    def remove_two_factor_devices(self, request, queryset):
        try:
            count = two_factor.devices_remove(users=queryset, actor=request.user)
        except PowersExceeded as refused:
            self._refuse_beyond_powers(request, refused)
            return
        self.message_user(
            request,
            ngettext(
                "Removed the authenticator of %(count)d user. Where two-factor is "
                "required, they set up a new one when they next sign in.",
                "Removed the authenticators of %(count)d users. Where two-factor is "
                "required, they set up a new one when they next sign in.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reactivate selected users"), permissions=["change"])
    def reactivate_users(self, request, queryset):
        try:
            count = services.users_reactivate(users=queryset, actor=request.user)
        except PowersExceeded as refused:
            self._refuse_beyond_powers(request, refused)
            return
        self.message_user(
            request,
            ngettext(
                "Reactivated %(count)d user.",
                "Reactivated %(count)d users.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )
