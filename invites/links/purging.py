"""Purging links: their records go, the evidence of a copy stays."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from invites.keys.models import Tripwire
from invites.keys.purging import Purged, purge_cutoff
from invites.links.models import Link, PurgedLink


@transaction.atomic
def links_purge(*, older_than: timedelta, dry_run: bool = False) -> Purged:
    """Delete the records of links used, revoked or expired more than ``older_than`` ago.

    Open links are never deleted (``purge_cutoff``); zero deletes every
    closed link. A used or revoked link leaves its digest, user and tripwire
    behind (``PurgedLink``), so that its coming back still trips. With
    ``dry_run`` the links are only counted.
    """
    cutoff = purge_cutoff(older_than)
    links = Link.objects.closed_before(cutoff)
    if dry_run:
        return Purged(count=links.count(), cutoff=cutoff)
    kept = links.filter(Q(used_at__isnull=False) | Q(revoked_at__isnull=False)).values_list(
        "digest", "user_id", "purpose", "created_at", *Tripwire.TRIPWIRE_FIELDS
    )
    PurgedLink.objects.bulk_create(
        (
            PurgedLink(
                digest=digest,
                user_id=user_id,
                purpose=purpose,
                created_at=created_at,
                **dict(zip(Tripwire.TRIPWIRE_FIELDS, tripwire, strict=True)),
            )
            for digest, user_id, purpose, created_at, *tripwire in kept.iterator()
        ),
        batch_size=1000,
        ignore_conflicts=True,
    )
    count = links.delete()[1].get(Link._meta.label, 0)
    return Purged(count=count, cutoff=cutoff)
