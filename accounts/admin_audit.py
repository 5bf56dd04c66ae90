"""What the admin's forms change goes into the audit trail, beside its History."""

import json

from accounts.audit import Actor, Happening, Via, audit_record, audit_record_many


def _plain(message) -> list | str:
    """Django's structured change message as plain JSON (its labels may be lazy)."""
    return json.loads(json.dumps(message, default=str))


class AuditedChanges:
    """ModelAdmin mixin: every addition, change and deletion it logs is an audit event too.

    In the admin's own transaction, with the editor as actor. ``audit_name``
    names the thing in the event's action (``user.created``, ``group.changed``).
    """

    audit_name: str

    def audit_target(self, obj):
        """The account an event concerns: the user itself; None for anything else."""
        return None

    def audit_detail(self, obj) -> dict:
        return {}

    def _actor(self, request) -> Actor:
        return Actor.person(request.user, Via.ADMIN)

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self._record(request, obj, "created", message)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self._record(request, obj, "changed", message)
        return entry

    def log_deletions(self, request, queryset):
        entries = super().log_deletions(request, queryset)
        audit_record_many(
            actor=self._actor(request),
            happenings=[
                Happening(
                    f"{self.audit_name}.deleted",
                    self.audit_target(obj),
                    {**self.audit_detail(obj), "object": str(obj)},
                    request.META.get("REMOTE_ADDR"),
                )
                for obj in queryset
            ],
        )
        return entries

    def _record(self, request, obj, what: str, message) -> None:
        audit_record(
            action=f"{self.audit_name}.{what}",
            actor=self._actor(request),
            target=self.audit_target(obj),
            detail={**self.audit_detail(obj), "changes": _plain(message)},
            address=request.META.get("REMOTE_ADDR"),
        )
