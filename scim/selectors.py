"""What SCIM reads: one user or group, and lists filtered and paged in the database."""

from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from scim2_models import NotFoundException, SearchRequest

from accounts.models import User
from scim.filters import GROUP_COLUMNS, USER_COLUMNS, filtered
from scim.resources import users_for_reading
from scim.schemas import MAX_PAGE_SIZE, PAGE_SIZE


def users_listed(search: SearchRequest) -> tuple[int, int, list[User]]:
    """The users ``search`` filters, as ``page`` gives them, each ready for its resource."""
    rows = filtered(User.objects.all(), search.filter, USER_COLUMNS)
    return page(users_for_reading(rows), search)


def groups_listed(search: SearchRequest) -> tuple[int, int, list[Group]]:
    """The groups ``search`` filters, as ``page`` gives them."""
    return page(filtered(Group.objects.all(), search.filter, GROUP_COLUMNS), search)


def page(rows: QuerySet, search: SearchRequest) -> tuple[int, int, list]:
    """The total, the first index, and the rows of the page asked for."""
    total = rows.count()
    start = search.start_index or 1
    count = min(PAGE_SIZE if search.count is None else search.count, MAX_PAGE_SIZE)
    if not count or start > total:  # past the end: no offset the database could not take
        return total, start, []
    return total, start, list(rows.order_by("pk")[start - 1 : start - 1 + count])


def user_get(pk: int) -> User:
    user = users_for_reading(User.objects.filter(pk=pk)).first()
    if user is None:
        raise NotFoundException(detail=_("No user %(pk)s.") % {"pk": pk})
    return user


def group_get(pk: int) -> Group:
    group = Group.objects.filter(pk=pk).first()
    if group is None:
        raise NotFoundException(detail=_("No group %(pk)s.") % {"pk": pk})
    return group
