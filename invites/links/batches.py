"""What issuing links returns: each link with its secret, once, and the batch of them."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from accounts.audit import Happening, iso
from accounts.models import User
from invites.links.models import Link

Purpose = Link.Purpose


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued, with its secret: the only time the secret exists.

    ``user`` is the user's row where the link was issued for rows, None where
    for ids alone (``links_issue_for_ids``).
    """

    link_id: int
    user_id: int
    purpose: Purpose
    expires_at: datetime
    secret: str
    user: User | None = None

    @cached_property
    def link(self) -> Link:
        """The link's row, read from the database: for tests and one-off scripts."""
        return Link.objects.select_related("user").get(pk=self.link_id)


@dataclass(frozen=True)
class LinkBatch(Sequence[IssuedLink]):
    """Links just issued, in the order of their users, and how many older links they revoked.

    ``superseded`` is the revoking UPDATE's row count: it costs no query.
    """

    links: tuple[IssuedLink, ...] = ()
    superseded: int = 0

    def __getitem__(self, index):
        return self.links[index]

    def __len__(self) -> int:
        return len(self.links)

    def __iter__(self) -> Iterator[IssuedLink]:
        return iter(self.links)


def issued_event(item: IssuedLink, user) -> Happening:
    """The audit trail's event for a link issued to ``user`` (a row, or an email)."""
    return Happening(
        "link.issued",
        user,
        {"purpose": str(item.purpose), "expires_at": iso(item.expires_at), "link": item.link_id},
    )
