"""Why links were not issued."""

from collections.abc import Iterable

from accounts.models import User
from accounts.powers import PowersExceeded


class IssueRefused(PowersExceeded):
    """The issuer may not issue links for some of the users asked for."""


class UsersInactive(Exception):
    """Some of the users asked for are deactivated: a link of theirs could set nothing."""

    def __init__(self, users: Iterable[User]):
        self.users = list(users)
        super().__init__(", ".join(user.email for user in self.users))
