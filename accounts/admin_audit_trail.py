"""The audit trail in the admin: a read-only list that stays quick at a million events.

Nobody adds, changes or deletes an event here (``audit_purge`` deletes old
ones); superusers and staff with ``accounts.view_auditevent`` read them.
Every filter is worked out without a query (no list of distinct actions, no
date hierarchy: both would read every event to draw the sidebar), the count
stops at what the pagination shows (``CountedUpTo``), and a whole email
address is searched through the indexes on ``target`` and ``actor``.
"""

import json
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.admin_lists import CountedUpTo, is_email, list_datetime, list_email, list_ip_address
from accounts.audit import AuditEvent, iso
from accounts.models import User

VIEW_PERMISSION = "accounts.view_auditevent"

# Each action's name starts with what it concerns: "link.issued", "sign_in.failed".
ACTION_KINDS = {
    "user": _("Users"),
    "group": _("Groups"),
    "link": _("Set-password links"),
    "team_link": _("Team links"),
    "access_request": _("Access requests"),
    "authenticator": _("Authenticators"),
    "sign_in": _("Sign-ins"),
    "history": _("Imported from History"),
}


class ActionFilter(admin.SimpleListFilter):
    """Events of a kind (``link``: every ``link.*``), or of one action (``link.revoked``)."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        kinds = list(ACTION_KINDS.items())
        value = request.GET.get(self.parameter_name)
        if value and value not in ACTION_KINDS:
            # One action, as the front page links to it: shown, so that it can be cleared.
            kinds.append((value, value))
        return kinds

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value in ACTION_KINDS:
            return queryset.filter(action__startswith=f"{value}.")
        return queryset.filter(action=value)


class WithinFilter(admin.SimpleListFilter):
    """Events of the last hour, day, week or month: relative, so a link to it stays true."""

    title = _("when")
    parameter_name = "within"
    PERIODS = {
        "1h": (timedelta(hours=1), _("Last hour")),
        "24h": (timedelta(hours=24), _("Last 24 hours")),
        "7d": (timedelta(days=7), _("Last 7 days")),
        "30d": (timedelta(days=30), _("Last 30 days")),
    }

    @classmethod
    def value_of(cls, period: timedelta) -> str:
        """The filter's value for ``period``, which must be one of ``PERIODS``."""
        return next(value for value, (each, _label) in cls.PERIODS.items() if each == period)

    def lookups(self, request, model_admin):
        return [(value, label) for value, (_period, label) in self.PERIODS.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.PERIODS:
            return queryset
        period, _label = self.PERIODS[self.value()]
        return queryset.filter(at__gte=clock.now() - period)


class TargetFilter(admin.SimpleListFilter):
    """One person's events, as their user page links to them; shown only while in use."""

    title = _("target")
    parameter_name = "target"

    def lookups(self, request, model_admin):
        value = request.GET.get(self.parameter_name)
        return [(value, value)] if value else []

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        return queryset.filter(target=self.value())


def may_view_trail(user) -> bool:
    """Superusers, and staff given the permission to view audit events."""
    return user.is_active and user.is_staff and user.has_perm(VIEW_PERMISSION)


def events_of_url(request, email: str, *, site: admin.AdminSite) -> str | None:
    """The list of the events concerning ``email``, if ``request.user`` may read the trail."""
    if not (site.is_registered(AuditEvent) and may_view_trail(request.user)):
        return None
    changelist = reverse(admin_urlname(AuditEvent._meta, "changelist"), current_app=site.name)
    return f"{changelist}?{urlencode({TargetFilter.parameter_name: email})}"


@admin.register(AuditEvent)
class AuditEventAdmin(CountedUpTo, admin.ModelAdmin):
    """The trail, newest first: read-only for everyone, superusers too."""

    # Narrow enough for 1280 px beside the sidebar and the filters: addresses
    # break only at "@" and dots, and the path shares the actor's cell.
    list_display = ("seq", "when", "actor_via", "action", "target_shown", "address_shown")
    list_display_links = ("seq",)
    list_filter = (ActionFilter, "via", WithinFilter, TargetFilter)
    # Sorting by another column would sort a million rows; these two are indexed.
    sortable_by = ("seq", "when")
    # By email, whole or in part: the person concerned or the one who acted
    # (get_search_results). No search_help_text, as the links' list: axe's
    # label-title-only fails a box described but labelled by an image alone.
    search_fields = ("target", "actor")
    list_per_page = 50
    actions = None
    # Facets count every filter's choices: a query each, over every event.
    show_facets = admin.ShowFacets.NEVER
    fields = (
        "seq",
        "exact_time",
        "actor",
        "via",
        "action",
        "target",
        "address",
        "detail_json",
        "hash",
        "imported",
    )
    readonly_fields = fields

    @admin.display(description=_("actor"))
    def actor_via(self, event: AuditEvent) -> str:
        return format_html("{}<br>{}", list_email(event.actor), event.get_via_display())

    @admin.display(description=_("target"))
    def target_shown(self, event: AuditEvent) -> str:
        return list_email(event.target) if event.target else "-"

    @admin.display(description=_("address"))
    def address_shown(self, event: AuditEvent) -> str:
        return list_ip_address(event.address) or "-"

    @admin.display(description=_("when"), ordering="at")
    def when(self, event: AuditEvent) -> str | None:
        return list_datetime(event.at)

    @admin.display(description=_("when (UTC, as exported)"))
    def exact_time(self, event: AuditEvent) -> str:
        return iso(event.at)

    @admin.display(description=_("detail"))
    def detail_json(self, event: AuditEvent) -> str:
        text = json.dumps(event.detail, indent=2, sort_keys=True, ensure_ascii=False)
        return format_html('<pre class="audit-detail">{}</pre>', text)

    def get_ordering(self, request):
        """Within a period, newest first by time, through the index on ``at``.

        By number, a period with less than a page of events (the last hour, on
        a quiet site) would read every older event looking for more. The two
        orders differ only where writers waited on each other for the head.
        """
        if request.GET.get(WithinFilter.parameter_name) in WithinFilter.PERIODS:
            return ("-at", "-seq")
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        """A whole email address, as typed or as the account spells it, probes the index;
        part of one is looked for in every event's target and actor."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if is_email(term):
            # Read first (one probe of the email key): a list, unlike a
            # subquery, lets PostgreSQL probe both indexes too.
            spellings = sorted({term, *User.objects.by_email(term).values_list("email", flat=True)})
            matches = Q(target__in=spellings) | Q(actor__in=spellings)
        else:
            matches = Q(target__icontains=term) | Q(actor__icontains=term)
        return queryset.filter(matches), False

    def has_view_permission(self, request, obj=None) -> bool:
        # Not Django's "view or change": nobody changes an event, and only the
        # view permission (or being a superuser) opens the trail.
        return may_view_trail(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
