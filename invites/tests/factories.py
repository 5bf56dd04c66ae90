from datetime import timedelta
from urllib.parse import urlsplit

import factory

from accounts import clock
from accounts.tests.factories import (
    InvitedUserFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
)
from invites.keys.models import Via
from invites.keys.secrets import secret_digest, secret_make
from invites.models import AccessRequest, ApiToken, Link, TeamLink, TeamLinkJoin


class DigestKeyFactory(factory.django.DjangoModelFactory):
    """A row that stores only its secret's digest, as ``DigestKey``.

    The secret never reaches the database; it is kept on the instance as
    ``secret``, for the test to present it as the key's holder would.
    """

    class Meta:
        abstract = True

    secret = factory.LazyFunction(secret_make)
    digest = factory.LazyAttribute(lambda o: secret_digest(o.secret))

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        secret = kwargs.pop("secret", None)
        key = super()._build(model_class, *args, **kwargs)
        key.secret = secret
        return key

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret = kwargs.pop("secret", None)
        key = super()._create(model_class, *args, **kwargs)
        key.secret = secret
        return key


class LinkFactory(DigestKeyFactory):
    """A link row in any state; ``secret`` is kept on the instance for tests."""

    class Meta:
        model = Link

    user = factory.SubFactory(InvitedUserFactory)
    purpose = Link.Purpose.INVITE
    created_at = factory.LazyFunction(clock.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=7))
    created_via = Link.Via.COMMAND

    class Params:
        used = factory.Trait(used_at=factory.LazyFunction(clock.now))
        revoked = factory.Trait(
            revoked_at=factory.LazyFunction(clock.now), revoke_reason=Link.RevokeReason.ADMIN
        )
        expired = factory.Trait(
            created_at=factory.LazyFunction(lambda: clock.now() - timedelta(days=8)),
        )


class TeamLinkFactory(DigestKeyFactory):
    """An open team link with 30 uses; ``secret`` is kept on the instance for tests.

    Made by a command unless ``created_by`` names an administrator. ``groups``
    takes the groups it hands out: ``TeamLinkFactory(groups=[readers])``.
    """

    class Meta:
        model = TeamLink
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Workshop {n}")
    uses_allowed = 30
    created_at = factory.LazyFunction(clock.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=7))
    created_by = None
    created_via = factory.LazyAttribute(
        lambda o: Via.COMMAND if o.created_by is None else Via.ADMIN
    )

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.set(extracted)

    class Params:
        used_up = factory.Trait(uses_taken=factory.SelfAttribute("uses_allowed"))
        revoked = factory.Trait(revoked_at=factory.LazyFunction(clock.now))
        expired = factory.Trait(
            created_at=factory.LazyFunction(lambda: clock.now() - timedelta(days=8)),
        )


class TeamLinkJoinFactory(factory.django.DjangoModelFactory):
    """One use of a team link that made an account.

    The team link's ``uses_taken`` is left as it is: a test that needs the
    count to agree sets it on the link.
    """

    class Meta:
        model = TeamLinkJoin

    team_link = factory.SubFactory(TeamLinkFactory)
    user = factory.SubFactory(UserFactory)
    joined_at = factory.LazyFunction(clock.now)


class AccessRequestFactory(DigestKeyFactory):
    """A pending request for an account; ``secret`` is its status link's, kept for tests.

    ``approved`` and ``declined`` are decided by a superuser now; an approved
    one has its account (no password yet) but no invite link: a test that
    needs the status link to lead on to the password approves through
    ``access_request_approve``. ``groups`` takes the groups it carries.
    """

    class Meta:
        model = AccessRequest
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"asker{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    note = "Charles Babbage can vouch for me."
    created_at = factory.LazyFunction(clock.now)

    @factory.post_generation
    def groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.set(extracted)

    class Params:
        approved = factory.Trait(
            state=AccessRequest.State.APPROVED,
            decided_at=factory.LazyFunction(clock.now),
            decided_by=factory.SubFactory(SuperuserFactory),
            user=factory.SubFactory(
                InvitedUserFactory,
                email=factory.SelfAttribute("..email"),
                first_name=factory.SelfAttribute("..first_name"),
                last_name=factory.SelfAttribute("..last_name"),
            ),
        )
        declined = factory.Trait(
            state=AccessRequest.State.DECLINED,
            decided_at=factory.LazyFunction(clock.now),
            decided_by=factory.SubFactory(SuperuserFactory),
        )


class ApiTokenFactory(DigestKeyFactory):
    """An active API token a command issued, valid 30 days.

    ``secret`` is the bare secret and ``token`` the whole string a client
    presents (``ppl_…``), both kept on the instance for tests only. Issued by
    an administrator where ``created_by`` names one; ``self_issued`` makes
    the owner, a staff member, its issuer.
    """

    class Meta:
        model = ApiToken

    owner = factory.SubFactory(UserFactory)
    description = factory.Sequence(lambda n: f"Provisioning script {n}")
    created_at = factory.LazyFunction(clock.now)
    expires_at = factory.LazyAttribute(lambda o: o.created_at + timedelta(days=30))
    created_by = None
    created_via = factory.LazyAttribute(
        lambda o: Via.COMMAND if o.created_by is None else Via.ADMIN
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        token = super()._create(model_class, *args, **kwargs)
        token.token = ApiToken.PREFIX + token.secret
        return token

    class Params:
        revoked = factory.Trait(revoked_at=factory.LazyFunction(clock.now))
        expired = factory.Trait(
            created_at=factory.LazyFunction(lambda: clock.now() - timedelta(days=31)),
        )
        self_issued = factory.Trait(
            owner=factory.SubFactory(StaffFactory),
            created_by=factory.SelfAttribute("owner"),
            created_via=Via.PUBLIC,
        )


def secret_of(url: str) -> str:
    """The secret a link's URL carries, as handed out (…/set-password/<secret>/)."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[1]
