"""Every write on an access request: filing it, approving it, declining it, purging."""

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.admin.models import ADDITION
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from accounts import clock
from accounts.audit import Actor, Happening, Via, audit_record, audit_record_many
from accounts.models import User
from invites.access_requests.errors import AccessRequestRefused, AccessRequestsFull
from invites.access_requests.models import AccessRequest
from invites.access_requests.networks import network_of
from invites.history import history_write
from invites.keys.purging import Purged, purge_cutoff
from invites.keys.secrets import secret_digest, secret_make
from invites.links.errors import IssueRefused
from invites.links.selectors import users_refused_to_issuer
from invites.links.services import link_issue_for_digest

logger = logging.getLogger(__name__)


def access_request_submit(
    *, email: str, first_name: str, last_name: str, note: str, address: str | None
) -> str:
    """Store a request for an account; return the secret of its status link.

    The same for every email, whether it has an account, a pending request
    or neither: nothing here reads the users, so neither the reply nor its
    time can tell them apart. A request for an email that has an account is
    stored like any other and can never be approved (``access_request_approve``
    changes no account); the admin shows it for what it is. Only the
    secret's digest is stored, as for links (``keys.secrets``).

    Raises ``AccessRequestsFull`` while ``ACCESS_REQUESTS_MAX_PENDING``
    requests wait, or ``ACCESS_REQUESTS_MAX_PENDING_PER_NETWORK`` from the
    address's network (``networks.network_of``), so that one network's flood
    cannot fill the queue for everyone: whatever the email, so it tells
    nothing either. Expired requests count for neither. Requests sent at the
    same moment may pass a cap by as many.
    """
    network = network_of(address) or ""
    pending = AccessRequest.objects.pending().order_by()
    for requests, cap in [
        (pending, settings.ACCESS_REQUESTS_MAX_PENDING),
        (pending.filter(client_network=network), settings.ACCESS_REQUESTS_MAX_PENDING_PER_NETWORK),
    ]:
        if requests[:cap].count() >= cap:
            raise AccessRequestsFull
    secret = secret_make()
    with transaction.atomic():
        AccessRequest.objects.create(
            email=email,
            first_name=first_name,
            last_name=last_name,
            note=note,
            digest=secret_digest(secret),
            client_address=address,
            client_network=network,
        )
        audit_record(
            action="access_request.filed",
            actor=Actor(email, Via.PUBLIC),
            target=email,
            address=address,
            detail={"network": network},
        )
    return secret


def access_request_approve(
    *,
    access_request: AccessRequest,
    approver: User,
    groups: Sequence[Group] = (),
    is_staff: bool = False,
) -> User:
    """Create the requested account and give it the request's status link as its invite.

    In one transaction: the request's row is locked and must still be
    pending; the user is created with no usable password, ``groups`` and
    ``is_staff``; their invite link is inserted with the request's digest
    (``link_issue_for_digest``, under the approver's powers over the new
    user, as for issuing any link); the request is marked approved. Of two
    approvals at once, one creates the user and the other raises.

    Raises ``AccessRequestRefused`` (decided already; an account with this
    email exists, which approval never changes) or ``IssueRefused`` (the new
    user's powers would exceed the approver's), having written nothing.
    """
    with transaction.atomic():
        locked = AccessRequest.objects.select_for_update().filter(pk=access_request.pk).first()
        if locked is None or locked.state != AccessRequest.State.PENDING:
            raise AccessRequestRefused(AccessRequestRefused.Reason.DECIDED)
        if locked.is_expired:
            raise AccessRequestRefused(AccessRequestRefused.Reason.EXPIRED)
        user = _account_create(locked, groups=groups, is_staff=is_staff)
        history_write(actor_id=approver.pk, flag=ADDITION, entries=[(user, [{"added": {}}])])
        _approval_record(approver, user, locked, groups=groups, is_staff=is_staff)
        if locked.password:
            # Filed by joining a team link: the account takes the password its
            # owner chose there, and needs no link; the approver's powers over
            # it are checked as issuing one would.
            User.objects.filter(pk=user.pk).update(password=locked.password)
            user.password = locked.password
            refused = users_refused_to_issuer(issuer=approver, users=[user])
            if refused:
                raise IssueRefused(refused)
        else:
            link_issue_for_digest(user=user, issuer=approver, digest=locked.digest)
        now = clock.now()
        AccessRequest.objects.filter(pk=locked.pk).update(
            state=AccessRequest.State.APPROVED,
            decided_at=now,
            decided_by=approver,
            user=user,
            password="",
        )
    access_request.refresh_from_db()
    logger.info("Access request %s approved by user %s: user %s.", locked.pk, approver.pk, user.pk)
    return user


def _approval_record(approver, user, access_request, *, groups, is_staff: bool) -> None:
    audit_record_many(
        actor=Actor.person(approver, Via.ADMIN),
        happenings=[
            Happening("access_request.approved", user, {"access_request": access_request.pk}),
            Happening(
                "user.created",
                user,
                {"groups": [group.name for group in groups], "staff": is_staff},
            ),
        ],
    )


def _account_create(
    access_request: AccessRequest, *, groups: Sequence[Group], is_staff: bool
) -> User:
    """The requested account, or ``AccessRequestRefused`` if its email has one already."""
    if User.objects.by_email(access_request.email).exists():
        raise AccessRequestRefused(AccessRequestRefused.Reason.ACCOUNT_EXISTS)
    try:
        # A savepoint: on PostgreSQL a failed statement aborts the rest.
        with transaction.atomic():
            user = User.objects.create_user(
                email=access_request.email,
                first_name=access_request.first_name,
                last_name=access_request.last_name,
                is_staff=is_staff,
            )
    except IntegrityError:
        # Another request for the same email was approved at this moment.
        raise AccessRequestRefused(AccessRequestRefused.Reason.ACCOUNT_EXISTS) from None
    user.groups.set(groups)
    return user


def access_requests_decline(
    *, access_requests: Iterable[AccessRequest], by: User, reason: str = ""
) -> int:
    """Decline the pending ones of these requests; returns how many.

    ``reason``, if any, is shown on the requester's status page.
    """
    ids = [each.pk for each in access_requests]
    with transaction.atomic():
        declining = list(
            AccessRequest.objects.filter(state=AccessRequest.State.PENDING, pk__in=ids).values_list(
                "pk", "email"
            )
        )
        audit_record_many(
            actor=Actor.person(by, Via.ADMIN),
            happenings=[
                Happening("access_request.declined", email, {"access_request": pk})
                for pk, email in declining
            ],
        )
        return _decline(ids, by=by, reason=reason)


def _decline(ids: list[int], *, by: User, reason: str) -> int:
    return (
        # Expired ones too: declining says so on their status page.
        AccessRequest.objects.filter(state=AccessRequest.State.PENDING, pk__in=ids).update(
            state=AccessRequest.State.DECLINED,
            decided_at=clock.now(),
            decided_by=by,
            decline_reason=reason.strip(),
            # A team link's request carries a password's hash: a declined one
            # keeps none.
            password="",
        )
    )


def access_requests_purge(*, older_than: timedelta | None = None, dry_run: bool = False) -> Purged:
    """Delete requests declined, or left pending, more than ``older_than`` ago.

    ``older_than`` defaults to ``ACCESS_REQUESTS_MAX_AGE``. The status link of
    a deleted request then gets the one invalid-link page. Approved requests
    stay (see ``AccessRequestQuerySet.purgeable``). ``purge_links`` calls this.
    """
    older_than = older_than or timedelta(seconds=settings.ACCESS_REQUESTS_MAX_AGE)
    if older_than <= timedelta(0):
        raise ValueError("older_than must be above zero.")
    cutoff = purge_cutoff(older_than)
    requests = AccessRequest.objects.purgeable(cutoff)
    count = requests.count() if dry_run else requests.delete()[1].get(AccessRequest._meta.label, 0)
    return Purged(count=count, cutoff=cutoff)
