"""The admin's History (``LogEntry``): one writer for every service that records in it."""

import json
from collections.abc import Sequence

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_noop

from accounts import clock
from accounts.sql import rows_insert

# What the History calls a link: the msgid, which LogEntry.get_change_message()
# translates when it shows it.
LINK_NAME = gettext_noop("set-password link")


def link_event(kind: str, purpose_label: str, link_pk: int, *, fields: Sequence[str] = ()) -> dict:
    """One of Django's structured change messages ("added" or "changed"), about one link."""
    about = {"name": LINK_NAME, "object": f"{purpose_label} #{link_pk}"}
    if kind == "changed":
        about["fields"] = list(fields)
    return {kind: about}


def history_write(
    *, actor_id: int, flag: int, entries: Sequence[tuple[models.Model, list[dict]]]
) -> None:
    """Write what ``actor_id`` did to each object, as the admin's own forms write it.

    ``entries`` pairs objects of one model with Django's structured change
    messages ("Added set-password link “invite #12”.", "Changed used for …"),
    translated when shown; ``flag`` is ADDITION or CHANGE. One statement
    however many entries (``sql.rows_insert``).
    """
    if not entries:
        return
    with translation.override(None):
        rows = [
            (str(each.pk), str(each)[:200], json.dumps(message, ensure_ascii=False))
            for each, message in entries
        ]
    rows_insert(
        LogEntry,
        ("object_id", "object_repr", "change_message"),
        rows,
        user=actor_id,
        content_type=ContentType.objects.get_for_model(type(entries[0][0])).pk,
        action_flag=flag,
        action_time=clock.now(),
    )
