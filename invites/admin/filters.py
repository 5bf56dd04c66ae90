"""List filters every key's admin list shares."""

from django.contrib import admin
from django.utils.translation import gettext_lazy


class KeyStateFilter(admin.SimpleListFilter):
    """By state (``?state=…``): the model's ``State`` choices, its queryset's ``with_state``."""

    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return model_admin.model.State.choices

    def queryset(self, request, queryset):
        if self.value() in queryset.model.State.values:
            return queryset.with_state(self.value())
        return queryset
