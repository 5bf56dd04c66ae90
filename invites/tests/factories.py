from datetime import timedelta
from urllib.parse import urlsplit

import factory

from accounts import clock
from accounts.tests.factories import InvitedUserFactory
from invites.keys.secrets import secret_digest, secret_make
from invites.models import Link


class LinkFactory(factory.django.DjangoModelFactory):
    """A link row in any state; ``secret`` is kept on the instance for tests."""

    class Meta:
        model = Link

    user = factory.SubFactory(InvitedUserFactory)
    purpose = Link.Purpose.INVITE
    secret = factory.LazyFunction(secret_make)
    digest = factory.LazyAttribute(lambda o: secret_digest(o.secret))
    created_at = factory.LazyFunction(clock.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=7))
    created_via = Link.Via.COMMAND

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret = kwargs.pop("secret", None)
        link = super()._create(model_class, *args, **kwargs)
        link.secret = secret
        return link

    class Params:
        used = factory.Trait(used_at=factory.LazyFunction(clock.now))
        revoked = factory.Trait(
            revoked_at=factory.LazyFunction(clock.now), revoke_reason=Link.RevokeReason.ADMIN
        )
        expired = factory.Trait(
            created_at=factory.LazyFunction(lambda: clock.now() - timedelta(days=8)),
        )


def secret_of(url: str) -> str:
    """The secret a link's URL carries, as handed out (…/set-password/<secret>/)."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[1]
