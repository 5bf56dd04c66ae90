"""Who may act on whom (accounts.powers): nobody acts on a user more powerful than themselves."""

import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from accounts.powers import (
    PowersExceeded,
    ensure_may_act_on,
    may_act_on,
    users_beyond,
    users_within_powers,
)
from accounts.tests.factories import (
    GroupFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    grant,
)

pytestmark = pytest.mark.django_db


def deactivated(user: User) -> User:
    User.objects.filter(pk=user.pk).update(is_active=False)
    return User.objects.get(pk=user.pk)


def in_group_with(user: User, *codenames: str) -> User:
    group = GroupFactory()
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    user.groups.add(group)
    return User.objects.get(pk=user.pk)


def test_a_superuser_may_act_on_anyone_without_a_query(django_assert_num_queries):
    admin = SuperuserFactory()
    others = [SuperuserFactory(), grant(StaffFactory(), "accounts.delete_user"), UserFactory()]
    with django_assert_num_queries(0):
        assert users_beyond(actor=admin, users=others) == []


def test_an_inactive_superuser_may_not_act_on_anyone_with_powers():
    former = deactivated(SuperuserFactory())
    boss = SuperuserFactory()
    manager = grant(StaffFactory(), "accounts.change_user")
    plain = UserFactory()
    assert users_beyond(actor=former, users=[boss, manager, plain]) == [boss, manager]
    with pytest.raises(PowersExceeded):
        ensure_may_act_on(actor=former, users=[boss])


def test_an_inactive_staff_member_keeps_none_of_their_permissions():
    former = deactivated(grant(StaffFactory(), "accounts.change_user"))
    peer = grant(StaffFactory(), "accounts.change_user")
    assert not may_act_on(actor=former, user=peer)


def test_staff_may_act_on_users_with_exactly_their_permissions():
    staff = grant(StaffFactory(), "accounts.change_user")
    peer = grant(StaffFactory(), "accounts.change_user")
    assert may_act_on(actor=staff, user=peer)


def test_anyone_may_act_on_a_user_with_no_powers():
    assert may_act_on(actor=UserFactory(), user=UserFactory())
    assert may_act_on(actor=StaffFactory(), user=UserFactory())


def test_staff_may_not_act_on_a_superuser_even_holding_every_permission():
    staff = grant(StaffFactory(), *(f"accounts.{p}_user" for p in ("add", "change", "delete")))
    assert not may_act_on(actor=staff, user=SuperuserFactory())


def test_a_permission_the_actor_lacks_puts_a_user_beyond_them():
    staff = grant(StaffFactory(), "accounts.change_user")
    target = grant(UserFactory(), "accounts.change_user", "accounts.delete_user")
    assert not may_act_on(actor=staff, user=target)


def test_a_permission_held_through_a_group_counts_on_either_side():
    staff = grant(StaffFactory(), "accounts.change_user")
    target = in_group_with(UserFactory(), "delete_user")
    assert users_beyond(actor=staff, users=[target]) == [target]
    staff = in_group_with(staff, "delete_user")
    assert users_beyond(actor=staff, users=[target]) == []


def test_a_group_counts_for_each_of_its_members_only():
    staff = grant(StaffFactory(), "accounts.change_user")
    group = GroupFactory()
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    members = UserFactory.create_batch(2)
    for member in members:
        member.groups.add(group)
    outsider = UserFactory()
    assert users_beyond(actor=staff, users=[outsider, *members]) == members


def test_users_beyond_come_back_in_the_order_given():
    staff = grant(StaffFactory(), "accounts.change_user")
    first, second, third = SuperuserFactory(), UserFactory(), SuperuserFactory()
    assert users_beyond(actor=staff, users=[third, second, first]) == [third, first]


def test_deciding_for_many_users_costs_as_many_queries_as_for_one(django_assert_num_queries):
    def users_with_powers(count):
        users = [in_group_with(UserFactory(), "view_user") for _ in range(count)]
        return users + [grant(UserFactory(), "accounts.delete_user") for _ in range(count)]

    one, many = users_with_powers(1), users_with_powers(10)
    actors = [grant(StaffFactory(), "accounts.change_user") for _ in range(2)]
    # the actor's own permissions (two queries, then cached), the users'
    # direct permissions, their groups and the groups' permissions
    with django_assert_num_queries(5):
        assert users_beyond(actor=actors[0], users=one) == one
    with django_assert_num_queries(5):
        assert users_beyond(actor=actors[1], users=many) == many


def test_no_users_asked_about_none_refused():
    assert users_beyond(actor=StaffFactory(), users=[]) == []
    ensure_may_act_on(actor=StaffFactory(), users=[])


def test_the_refusal_names_every_refused_user_by_email():
    staff = grant(StaffFactory(), "accounts.change_user")
    boss = SuperuserFactory(email="boss@example.com")
    owner = SuperuserFactory(email="owner@example.com")
    with pytest.raises(PowersExceeded, match=r"^boss@example\.com, owner@example\.com$") as error:
        ensure_may_act_on(actor=staff, users=[boss, UserFactory(), owner])
    assert error.value.users == [boss, owner]


@pytest.mark.parametrize("kind", ["staff", "superuser", "inactive staff"])
def test_the_query_of_users_within_powers_agrees_with_the_rule_for_each(kind):
    actor = {
        "staff": lambda: grant(StaffFactory(), "accounts.view_user", "accounts.change_user"),
        "superuser": SuperuserFactory,
        "inactive staff": lambda: deactivated(grant(StaffFactory(), "accounts.view_user")),
    }[kind]()
    people = [
        UserFactory(),
        grant(UserFactory(), "accounts.view_user"),
        in_group_with(UserFactory(), "view_user"),
        in_group_with(UserFactory(), "delete_user"),
        grant(UserFactory(), "accounts.delete_user"),
        SuperuserFactory(),
        deactivated(UserFactory()),
    ]
    within = set(users_within_powers(actor=actor))
    assert [person in within for person in people] == [
        may_act_on(actor=actor, user=person) for person in people
    ]
