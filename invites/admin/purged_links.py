"""What purging kept of used and revoked links: their tripwires, read-only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from accounts.admin_lists import list_datetime, list_email
from invites.admin.records import RecordsWithDigests
from invites.models import PurgedLink


class PresentedAgainFilter(admin.SimpleListFilter):
    title = gettext_lazy("presented again")
    parameter_name = "presented_again"

    def lookups(self, request, model_admin):
        return [("yes", gettext_lazy("Yes"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(presented_again_count__gt=0)
        return queryset


@admin.register(PurgedLink)
class PurgedLinkAdmin(RecordsWithDigests, admin.ModelAdmin):
    """Purged links, kept so that one presented again still trips: whose, and when it came back.

    Only the digest is kept, shown nowhere. Nothing here is added, changed
    or deleted.
    """

    list_display = ("user_email", "purpose", "purged", "presented_again_count", "last_presented")
    list_filter = (PresentedAgainFilter, "purpose")
    list_select_related = ("user",)
    search_fields = ["user__email"]
    fields = (
        "user",
        "purpose",
        "created_at",
        "purged_at",
        "presented_again_count",
        "presented_again_first_at",
        "presented_again_at",
        "presented_again_from",
        "addresses",
    )
    readonly_fields = fields

    @admin.display(description=gettext_lazy("user"), ordering="user__email")
    def user_email(self, purged: PurgedLink) -> str:
        return list_email(purged.user.email)

    @admin.display(description=gettext_lazy("purged"), ordering="purged_at")
    def purged(self, purged: PurgedLink) -> str:
        return list_datetime(purged.purged_at)

    @admin.display(description=gettext_lazy("last presented again"), ordering="presented_again_at")
    def last_presented(self, purged: PurgedLink) -> str:
        return list_datetime(purged.presented_again_at) if purged.presented_again_at else "-"

    @admin.display(description=gettext_lazy("presented again from"))
    def addresses(self, purged: PurgedLink) -> str:
        return ", ".join(purged.presented_again_addresses) or "-"
