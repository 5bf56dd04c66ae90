"""Reads on links: who may issue for whom, searches, and who still needs a link."""

from datetime import timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.admin_lists import is_email
from accounts.models import User
from accounts.powers import users_beyond
from invites.keys.models import may_issue
from invites.links.models import UNCLOSED, Link, PurgedLink

ISSUE_PERMISSION = Link.issue_permission

# What the admin's front page counts, and the links list filters on.
EXPIRING_WITHIN = timedelta(hours=24)
REDEEMED_WITHIN = timedelta(days=7)

# Up to this many users matching a search of the links, their links are listed
# by user id; beyond it, by walking the newest links (see ``links_search``).
SEARCH_FEW_USERS = 500


def users_refused_to_issuer(*, issuer: User, users: list[User]) -> list[User]:
    """The users ``issuer`` may not issue links for: all of them, or those beyond their powers.

    An administrator issues links while they are active staff who hold the
    right to issue, and only for users whose powers do not exceed their own
    (``accounts.powers``). A command has no issuer and runs with the
    operator's full trust: callers pass no issuer then.
    """
    if not may_issue(issuer, Link.issue_permission):
        return list(users)
    return users_beyond(actor=issuer, users=users)


def links_of_user(*, user: User, limit: int) -> list[Link]:
    """The user's ``limit`` newest links, with who made and who revoked them."""
    return list(
        Link.objects.filter(user=user)
        .select_related("created_by", "revoked_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def links_search(*, links: QuerySet[Link], term: str) -> QuerySet[Link]:
    """Those of ``links`` whose user's email contains ``term``, by the quicker of two plans.

    A whole email address is one probe of the user's LOWER(email) index. For a
    fragment, the matching users are looked up first (one query, stopping past
    ``SEARCH_FEW_USERS``). A few users' links come through the index on
    ``user_id``. For many, the newest links are walked and each one's user
    checked, which finds a page and the bounded count soon because matches are
    common. At 150,000 links on SQLite, either plan was the slow one for the
    other kind of term (230 ms walking for a rare term, 60 ms listing ids for a
    common one), and a join let SQLite scan every user's email first (12 ms).
    """
    term = term.strip()
    if not term:
        return links
    if is_email(term):
        return links.filter(user__in=User.objects.by_email(term))
    matching = User.objects.filter(email__icontains=term).order_by()
    few = list(matching.values_list("pk", flat=True)[: SEARCH_FEW_USERS + 1])
    if len(few) <= SEARCH_FEW_USERS:
        return links.filter(user_id__in=few)
    return links.filter(Exists(matching.filter(pk=OuterRef("user_id"))))


def links_needing_attention(*, now) -> dict[str, int]:
    """What the admin's front page counts: one COUNT each, whatever the number of rows.

    ``expiring``: open links that expire within ``EXPIRING_WITHIN`` unused;
    ``redeemed``: links used in the last ``REDEEMED_WITHIN``;
    ``presented_again``: the tripwire, closed links presented again, purged
    ones included.
    """
    links = Link.objects.order_by()
    purged = PurgedLink.objects.order_by().filter(presented_again_count__gt=0)
    # One COUNT over both tables (UNION ALL: their ids may coincide).
    tripped = links.presented_again().values("pk").union(purged.values("pk"), all=True)
    return {
        "expiring": links.expiring_unused(EXPIRING_WITHIN, now).count(),
        "redeemed": links.redeemed_since(now - REDEEMED_WITHIN).count(),
        "presented_again": tripped.count(),
    }


# --- Who still needs a link ------------------------------------------------------

# A reset not finished: a reset link neither used nor revoked (open, or expired
# unused). Issuing revokes a user's older links, so such a link is their
# newest; a revoked one was taken back, and the user keeps their password.
RESET_PENDING = UNCLOSED & Q(purpose=Link.Purpose.RESET)
NEWEST_LINKS = "newest_set_password_links"


def newest_link_prefetch() -> Prefetch:
    """Prefetch each user's newest link (one query for any number of users).

    Read it with ``newest_link``. Issuing revokes a user's older links, so the
    newest one is the only one that can be open.
    """
    return Prefetch(
        "set_password_links",
        queryset=Link.objects.order_by("-created_at", "-pk")[:1],
        to_attr=NEWEST_LINKS,
    )


def newest_link(user: User) -> Link | None:
    """The user's newest link, prefetched by ``newest_link_prefetch`` or read now."""
    if hasattr(user, NEWEST_LINKS):
        links = getattr(user, NEWEST_LINKS)
    else:
        links = Link.objects.filter(user=user).order_by("-created_at", "-pk")[:1]
    return next(iter(links), None)


def user_standing(*, user: User, newest: Link | None) -> str:
    """The user's status with their links in view: ``accounts``' one, or ``reset_pending``.

    ``reset_pending``: an active user with a password whose newest link is a
    reset neither used nor revoked (``RESET_PENDING``). The filters below
    apply the same rule in the database; a test keeps them alike.
    """
    status = user.status
    if (
        status == "active"
        and newest is not None
        and newest.purpose == Link.Purpose.RESET
        and newest.used_at is None
        and newest.revoked_at is None
    ):
        return "reset_pending"
    return status


def _has_reset_pending() -> Exists:
    # Through the partial index of each user's unclosed links: one probe a
    # user, where "the newest link" would sort each user's links.
    return Exists(Link.objects.filter(RESET_PENDING, user=OuterRef("pk")))


def users_reset_pending(*, users: QuerySet[User]) -> QuerySet[User]:
    """Those of ``users`` whose status ``user_standing`` reads as ``reset_pending``."""
    return users.with_password().filter(_has_reset_pending())


def users_active_not_reset_pending(*, users: QuerySet[User]) -> QuerySet[User]:
    """Those of ``users`` whose status ``user_standing`` reads as ``active``."""
    return users.with_password().exclude(_has_reset_pending())


def users_needing_link(*, users: QuerySet[User], now=None) -> QuerySet[User]:
    """Those of ``users`` who need a new link: invited or reset pending, with no open link.

    Active users who never set a password, or whose reset link expired
    unused, and who hold no open link: their invite expired, it was revoked,
    or they were reactivated after it was.
    """
    # A scalar subquery, not EXISTS: under an OR, PostgreSQL hashes every
    # unclosed reset of the database first (24,000 rows, 50 ms at 50,000
    # users) where one probe per user listed is enough.
    reset_pending = Link.objects.filter(RESET_PENDING, user=OuterRef("pk")).values("pk")[:1]
    return (
        users.filter(is_active=True)
        .alias(reset_pending_link=Subquery(reset_pending))
        .filter(
            Q(password__startswith=UNUSABLE_PASSWORD_PREFIX) | Q(reset_pending_link__isnull=False)
        )
        .exclude(Exists(Link.objects.open(now).filter(user=OuterRef("pk"))))
    )
