"""What the SCIM service serves, as scim2-models describes it (RFC 7643).

The resources carry the attributes the project keeps and no others, so that
the schemas published at ``/Schemas`` promise exactly what the views do. A
user's ``userName`` is their email address; ``groups`` is read-only (RFC 7643
§4.1.2: memberships change through the Group). The set-password link travels
in an extension of the project's own, answered once, to the request that
issued it.
"""

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    Email,
    ETag,
    Extension,
    Filter,
    GroupMembership,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    Returned,
    ScimPolicy,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)

# Pages of a list: what a client gets without ``count``, and the most it may ask for.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class SetPasswordLink(Extension):
    """The set-password link of a user just created, or just given a new one."""

    __schema__ = URN("urn:people:params:scim:schemas:extension:link:2.0:User")

    set_password_link: Annotated[str | None, Mutability.read_only, Returned.default] = None
    """The link to hand to the person: opening it lets them set their password."""

    set_password_link_expires: Annotated[
        datetime | None, Mutability.read_only, Returned.default
    ] = None
    """When the link stops working."""


class UserName(ComplexAttribute):
    given_name: str | None = None
    """The first name."""

    family_name: str | None = None
    """The last name."""


class User(Resource[Any]):
    """A person's account. ``userName`` is the email they sign in with."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The email address the person signs in with, unique however it is spelt."""

    name: UserName | None = None
    """The person's names."""

    display_name: Annotated[str | None, Mutability.read_only] = None
    """The names together, or the email where there are none."""

    active: bool | None = None
    """Whether the account may sign in. False ends its sessions, links and tokens."""

    emails: Annotated[list[Email] | None, Mutability.read_only] = None
    """The one email address of the account, the same as ``userName``."""

    groups: Annotated[list[GroupMembership] | None, Mutability.read_only] = None
    """The groups the account belongs to (their roles)."""


class Member(ComplexAttribute):
    """A user in a group, by id; the service fills in the rest."""

    value: Annotated[str | None, Mutability.immutable, CaseExact.true] = None
    """The user's id."""

    ref: Annotated[Reference["User"] | None, Mutability.immutable] = Field(
        None, serialization_alias="$ref", validation_alias="$ref"
    )
    """The user's URL."""

    type: Annotated[str | None, Mutability.immutable] = Field(None, examples=["User"])
    """Always "User": groups hold no groups."""


class Group(Resource[Any]):
    """A Django group: a role, and the people in it."""

    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:Group")

    # Django's groups keep no identifier of an identity provider's.
    external_id: Annotated[str | None, Mutability.read_only] = None

    display_name: Annotated[str | None, Uniqueness.server, Required.true] = None
    """The group's name, unique."""

    members: list[Member] | None = None
    """The users in the group."""


UserWithLink = User[SetPasswordLink]

USER_TYPE = ResourceType.from_resource(UserWithLink)
GROUP_TYPE = ResourceType.from_resource(Group)

CONFIG = ServiceProviderConfig(
    documentation_uri=None,
    patch=Patch(supported=True),
    bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
    filter=Filter(supported=True, max_results=MAX_PAGE_SIZE),
    change_password=ChangePassword(supported=False),
    sort=Sort(supported=False),
    etag=ETag(supported=False),
    authentication_schemes=[
        AuthenticationScheme(
            type="oauthbearertoken",
            name="API token",
            description="Authorization: Bearer ppl_… (an API token; see docs/api.md)",
            primary=True,
        )
    ],
)

# What the service tolerates in what it reads, as identity providers write
# it: attributes it does not keep (an enterprise extension's department, a
# phone number) are dropped rather than refused, since Entra ID, Okta and
# others send their default mappings whatever the schemas say; and Entra's
# PATCH dialect (a remove carrying a value, a filter that names an entry to
# create) is understood.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.ignore,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)

PROVIDER = ScimProvider(
    models=[User, SetPasswordLink, Group],
    resource_types=[USER_TYPE, GROUP_TYPE],
    config=CONFIG,
    policy=POLICY,
)
