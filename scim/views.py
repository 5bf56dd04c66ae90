"""SCIM 2.0 endpoints (RFC 7644): discovery, Users, Groups, and a user's new link.

Thin: each view reads the request through scim2-models, calls one service
(``scim.services``) or selector (``scim.selectors``) and answers a resource
(``scim.resources``).
"""

from django.contrib.auth.models import Group as DjangoGroup
from django.utils.translation import gettext as _
from scim2_models import (
    Context,
    InvalidValueException,
    ListResponse,
    MutabilityException,
    NotFoundException,
    NotImplementedException,
    PatchOp,
    ResourceType,
    Schema,
    SearchRequest,
)

from accounts.models import User as Account
from scim import selectors, services
from scim.http import ScimView, scim_response
from scim.patches import restatements_dropped
from scim.resources import group_resource, members_of, user_resource
from scim.schemas import (
    CONFIG,
    GROUP_TYPE,
    USER_TYPE,
    Group,
    SetPasswordLink,
    User,
    UserWithLink,
)

QUERY = Context.RESOURCE_QUERY_RESPONSE


def _search(request) -> SearchRequest:
    """The list's parameters from the query string (RFC 7644 §3.4.2)."""
    params = {
        key: request.GET[key]
        for key in ("filter", "startIndex", "count")
        if request.GET.get(key, "") != ""
    }
    for key in ("attributes", "excludedAttributes"):
        if request.GET.get(key):
            params[key] = [name.strip() for name in request.GET[key].split(",") if name.strip()]
    return SearchRequest.model_validate(params, scim_ctx=Context.SEARCH_REQUEST)


def _listed(model, resources: list, total: int, start: int, search: SearchRequest):
    listed = ListResponse[model](
        total_results=total, start_index=start, items_per_page=len(resources), resources=resources
    )
    return scim_response(
        listed.model_dump(scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search)
    )


class ServiceProviderConfigView(ScimView):
    def get(self, request):
        return scim_response(CONFIG.model_dump(scim_ctx=QUERY))


class ResourceTypesView(ScimView):
    types = {"User": USER_TYPE, "Group": GROUP_TYPE}

    def get(self, request, name=None):
        if name is not None:
            if name not in self.types:
                raise NotFoundException(detail=_("No resource type %(name)s.") % {"name": name})
            return scim_response(self._shown(self.types[name]))
        shown = [self._shown(each) for each in self.types.values()]
        return scim_response(_list_of(shown))

    def _shown(self, resource_type: ResourceType) -> dict:
        shown = resource_type.model_dump(scim_ctx=QUERY)
        shown["meta"] = {
            "resourceType": "ResourceType",
            "location": f"{self.base}/ResourceTypes/{resource_type.id}",
        }
        return shown


class SchemasView(ScimView):
    models = (User, SetPasswordLink, Group)

    def get(self, request, urn=None):
        schemas = {str(model.__schema__): model.to_schema() for model in self.models}
        if urn is not None:
            if urn not in schemas:
                raise NotFoundException(detail=_("No schema %(urn)s.") % {"urn": urn})
            return scim_response(self._shown(schemas[urn]))
        return scim_response(_list_of([self._shown(each) for each in schemas.values()]))

    def _shown(self, schema: Schema) -> dict:
        shown = schema.model_dump(scim_ctx=QUERY)
        shown["meta"] = {"resourceType": "Schema", "location": f"{self.base}/Schemas/{schema.id}"}
        return shown


def _list_of(shown: list[dict]) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": len(shown),
        "startIndex": 1,
        "itemsPerPage": len(shown),
        "Resources": shown,
    }


def _user_fields(resource: UserWithLink, *, current: Account | None = None) -> services.UserFields:
    name = resource.name
    return services.UserFields(
        email=resource.user_name or "",
        first_name=(name.given_name if name else None) or "",
        last_name=(name.family_name if name else None) or "",
        # Left out: unchanged (a new account is active).
        active=(current.is_active if current else True)
        if resource.active is None
        else resource.active,
        external_id=resource.external_id or "",
    )


class UsersView(ScimView):
    def get(self, request):
        return self.listed(_search(request))

    def listed(self, search: SearchRequest):
        services.permission_require(caller=self.caller, permission="accounts.view_user")
        total, start, users = selectors.users_listed(search)
        resources = [user_resource(user, base=self.base) for user in users]
        return _listed(UserWithLink, resources, total, start, search)

    def post(self, request):
        resource = UserWithLink.model_validate(
            self.payload(), scim_ctx=Context.RESOURCE_CREATION_REQUEST
        )
        user, link = services.user_create(caller=self.caller, fields=_user_fields(resource))
        shown = user_resource(user, base=self.base, link=link, request=request)
        return scim_response(
            shown.model_dump(scim_ctx=Context.RESOURCE_CREATION_RESPONSE),
            status=201,
            Location=shown.meta.location,
        )


class _PermissionFirst:
    """One resource's view: the method's permission is checked before the lookup, so that
    no token learns which ids exist without the right to see them."""

    required: dict[str, str]

    def _permitted(self) -> None:
        services.permission_require(
            caller=self.caller, permission=self.required[self.request.method.lower()]
        )


class UserView(_PermissionFirst, ScimView):
    required = {
        "get": "accounts.view_user",
        "put": "accounts.change_user",
        "patch": "accounts.change_user",
        "delete": "accounts.delete_user",
    }

    def _user(self, pk: int) -> Account:
        self._permitted()
        return selectors.user_get(pk)

    def _shown(self, user: Account, context: Context, search: SearchRequest | None = None):
        shown = user_resource(user, base=self.base)
        return scim_response(shown.model_dump(scim_ctx=context, response_parameters=search))

    def get(self, request, pk):
        return self._shown(self._user(pk), QUERY, _search(request))

    def put(self, request, pk):
        user = self._user(pk)
        resource = UserWithLink.model_validate(
            self.payload(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
        services.user_update(
            caller=self.caller, user=user, fields=_user_fields(resource, current=user)
        )
        return self._shown(self._user(pk), Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, request, pk):
        user = self._user(pk)
        resource = user_resource(user, base=self.base)
        payload = restatements_dropped(
            self.payload(), display_name=resource.display_name, email=user.email
        )
        if payload.get("Operations") == []:  # nothing left to change
            return self._shown(user, Context.RESOURCE_PATCH_RESPONSE)
        patch = PatchOp[UserWithLink].model_validate(
            payload, scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        patch.patch(resource)
        if resource.active is None:
            raise MutabilityException(
                detail=_(
                    "active cannot be removed: an account is active or deactivated. "
                    "Replace it with true or false."
                )
            )
        services.user_update(
            caller=self.caller, user=user, fields=_user_fields(resource, current=user)
        )
        return self._shown(self._user(pk), Context.RESOURCE_PATCH_RESPONSE)

    def delete(self, request, pk):
        services.user_delete(caller=self.caller, user=self._user(pk))
        return scim_response(None, status=204)


class UserLinkView(ScimView):
    """``POST /Users/{id}/set-password-link``: a new link, the older ones revoked."""

    http_method_names = ["post"]

    def post(self, request, pk):
        # Before the lookup, as for every user: the answer is the user's resource.
        for permission in ("accounts.view_user", "invites.issue_link"):
            services.permission_require(caller=self.caller, permission=permission)
        user = selectors.user_get(pk)
        link = services.user_link_issue(caller=self.caller, user=user)
        shown = user_resource(user, base=self.base, link=link, request=request)
        return scim_response(
            shown.model_dump(scim_ctx=Context.RESOURCE_CREATION_RESPONSE), status=201
        )


def _member_ids(resource: Group) -> list[int]:
    ids = []
    for member in resource.members or []:
        value = str(member.value or "")
        if not (value.isascii() and value.isdigit()):
            raise InvalidValueException(
                detail=_("members names a user that does not exist: %(value)s") % {"value": value}
            )
        ids.append(int(value))
    return ids


def _shows_members(search: SearchRequest | None) -> bool:
    if search is None:
        return True
    excluded = {str(name).lower() for name in search.excluded_attributes or []}
    wanted = {str(name).lower().split(".")[0] for name in search.attributes or []}
    return "members" not in excluded and (not wanted or "members" in wanted)


class GroupsView(ScimView):
    def get(self, request):
        return self.listed(_search(request))

    def listed(self, search: SearchRequest):
        services.permission_require(caller=self.caller, permission="auth.view_group")
        members = _shows_members(search)
        total, start, groups = selectors.groups_listed(search)
        listed = members_of(groups) if members else {}
        resources = [
            group_resource(group, base=self.base, members=listed.get(group.pk)) for group in groups
        ]
        return _listed(Group, resources, total, start, search)

    def post(self, request):
        resource = Group.model_validate(self.payload(), scim_ctx=Context.RESOURCE_CREATION_REQUEST)
        group = services.group_create(
            caller=self.caller, name=resource.display_name or "", member_ids=_member_ids(resource)
        )
        shown = group_resource(group, base=self.base, members=members_of([group])[group.pk])
        return scim_response(
            shown.model_dump(scim_ctx=Context.RESOURCE_CREATION_RESPONSE),
            status=201,
            Location=shown.meta.location,
        )


class GroupView(_PermissionFirst, ScimView):
    required = {
        "get": "auth.view_group",
        "put": "auth.change_group",
        "patch": "auth.change_group",
        "delete": "auth.delete_group",
    }

    def _group(self, pk: int) -> DjangoGroup:
        self._permitted()
        return selectors.group_get(pk)

    def _shown(self, group: DjangoGroup, context: Context, search: SearchRequest | None = None):
        members = members_of([group])[group.pk] if _shows_members(search) else None
        shown = group_resource(group, base=self.base, members=members)
        return scim_response(shown.model_dump(scim_ctx=context, response_parameters=search))

    def get(self, request, pk):
        return self._shown(self._group(pk), QUERY, _search(request))

    def put(self, request, pk):
        group = self._group(pk)
        resource = Group.model_validate(
            self.payload(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST
        )
        services.group_update(
            caller=self.caller,
            group=group,
            name=resource.display_name or "",
            member_ids=_member_ids(resource),
        )
        return self._shown(group, Context.RESOURCE_REPLACEMENT_RESPONSE)

    def patch(self, request, pk):
        group = self._group(pk)
        patch = PatchOp[Group].model_validate(
            self.payload(), scim_ctx=Context.RESOURCE_PATCH_REQUEST
        )
        resource = group_resource(group, base=self.base, members=members_of([group])[group.pk])
        patch.patch(resource)
        services.group_update(
            caller=self.caller,
            group=group,
            name=resource.display_name or "",
            member_ids=_member_ids(resource),
        )
        return self._shown(group, Context.RESOURCE_PATCH_RESPONSE)

    def delete(self, request, pk):
        services.group_delete(caller=self.caller, group=self._group(pk))
        return scim_response(None, status=204)


class _SearchMixin:
    """``POST …/.search``: the list, its parameters in the body (RFC 7644 §3.4.3)."""

    http_method_names = ["post"]

    def post(self, request):
        search = SearchRequest.model_validate(self.payload(), scim_ctx=Context.SEARCH_REQUEST)
        return self.listed(search)


class UsersSearchView(_SearchMixin, UsersView):
    pass


class GroupsSearchView(_SearchMixin, GroupsView):
    pass


class RootSearchView(ScimView):
    """``POST /.search`` across resource types: not offered (RFC 7644 §3.4.3 allows 501)."""

    http_method_names = ["post"]

    def post(self, request):
        raise NotImplementedException(
            detail=_("Search Users and Groups apart: POST /Users/.search or /Groups/.search.")
        )


class NotFoundView(ScimView):
    """Any other path under ``/scim/v2/``: a SCIM 404, not the site's page."""

    def get(self, request, *args, **kwargs):
        raise NotFoundException(detail=_("No SCIM endpoint at %(path)s.") % {"path": request.path})

    post = put = patch = delete = get
