"""Users in the admin: the add form, who may hand out powers, no self-lockout."""

from http import HTTPStatus

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.forms import UserAddForm, UserChangeForm
from accounts.models import User
from accounts.tests.admin_pages import action_data, messages_of
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    GroupFactory,
    InvitedUserFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    grant,
    user_managing_staff,
)
from invites.links import services
from invites.models import Link

pytestmark = pytest.mark.django_db

USERS_URL = reverse("admin:accounts_user_changelist")
ADD_USER_URL = reverse("admin:accounts_user_add")


def change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def password_url(user: User) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def change_form_data(user: User, **changes) -> dict:
    """What the change form posts for ``user``, with ``changes`` applied."""
    values = {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": [group.pk for group in user.groups.all()],
        "user_permissions": [perm.pk for perm in user.user_permissions.all()],
    } | changes
    # Browsers leave unticked boxes out of the form.
    return {key: "on" if value is True else value for key, value in values.items() if value}


def form_field_names(response) -> set[str]:
    return set(response.context["adminform"].form.fields)


def errors_of(response) -> dict[str, list[str]]:
    return response.context["adminform"].form.errors


# --- The add form ------------------------------------------------------------------


def test_add_form_asks_for_email_names_groups_and_staff_never_a_password(admin_client):
    response = admin_client.get(ADD_USER_URL)

    assert response.status_code == HTTPStatus.OK
    # The set-password link's lifetime, which invites adds for those who may
    # issue links, aside.
    fields = form_field_names(response) - {"link_lifetime", "link_lifetime_other"}
    assert fields == {"email", "first_name", "last_name", "groups", "is_staff"}
    body = response.content.decode()
    assert 'type="password"' not in body
    assert "username" not in body.lower()


def test_add_form_gives_no_groups_to_staff_who_are_not_superusers(client):
    client.force_login(user_managing_staff())

    response = client.get(ADD_USER_URL)

    assert form_field_names(response) == {"email", "first_name", "last_name", "is_staff"}


def test_added_user_has_no_usable_password(admin_client):
    group = GroupFactory(name="editors")

    admin_client.post(
        ADD_USER_URL,
        {"email": "Ada@Example.COM", "first_name": "Ada", "groups": [group.pk], "is_staff": "on"},
    )

    user = User.objects.get(email="Ada@example.com")
    assert not user.has_usable_password()
    assert user.is_staff
    assert list(user.groups.all()) == [group]


def test_add_form_refuses_an_email_that_differs_only_in_case(admin_client):
    UserFactory(email="ada@example.com")

    response = admin_client.post(ADD_USER_URL, {"email": "ADA@example.com"})

    assert response.status_code == HTTPStatus.OK
    assert "already exists" in str(response.context["adminform"].form.errors)
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1


def test_add_form_refuses_an_email_another_account_has_in_another_spelling(admin_client):
    UserFactory(email="ada@example.com")
    accounts = User.objects.count()

    response = admin_client.post(ADD_USER_URL, {"email": "Ada@exa\uff4dple.com"})

    assert response.status_code == HTTPStatus.OK
    assert "already exists" in str(errors_of(response)["email"])
    assert User.objects.count() == accounts


def test_staff_cannot_give_groups_through_the_add_form(client):
    client.force_login(user_managing_staff())
    group = GroupFactory()

    client.post(ADD_USER_URL, {"email": "new@example.com", "groups": [group.pk]})

    assert not User.objects.get(email="new@example.com").groups.exists()


# --- Powers: only superusers hand them out ----------------------------------------------


def test_superuser_status_groups_and_permissions_are_read_only_for_other_staff(client):
    client.force_login(user_managing_staff())

    response = client.get(change_url(UserFactory()))

    fields = form_field_names(response)
    assert {"is_superuser", "groups", "user_permissions"}.isdisjoint(fields)
    assert {"email", "is_active", "is_staff"} <= fields


def test_staff_cannot_make_themselves_superusers_or_give_themselves_groups(client):
    staff = user_managing_staff()
    group = GroupFactory()
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    client.force_login(staff)

    response = client.post(
        change_url(staff),
        change_form_data(
            staff,
            is_superuser=True,
            groups=[group.pk],
            user_permissions=[Permission.objects.get(codename="delete_group").pk],
        ),
    )

    assert response.status_code == HTTPStatus.FOUND
    staff.refresh_from_db()
    assert not staff.is_superuser
    assert not staff.groups.exists()
    assert not staff.user_permissions.filter(codename="delete_group").exists()


def test_superusers_may_change_superuser_status_groups_and_permissions(admin_client):
    user = UserFactory()
    group = GroupFactory()
    permission = Permission.objects.get(codename="view_user")

    response = admin_client.post(
        change_url(user),
        change_form_data(
            user,
            is_staff=True,
            is_superuser=True,
            groups=[group.pk],
            user_permissions=[permission.pk],
        ),
    )

    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.is_superuser
    assert list(user.groups.all()) == [group]
    assert list(user.user_permissions.all()) == [permission]


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("editor", ["superuser", "staff"])
def test_the_admin_password_page_is_not_found_and_sets_no_password(client, editor, method):
    client.force_login(SuperuserFactory() if editor == "superuser" else user_managing_staff())
    peer = UserFactory()

    response = getattr(client, method)(
        password_url(peer),
        {"password1": "Taken-over-passphrase-1", "password2": "Taken-over-passphrase-1"},
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    peer.refresh_from_db()
    assert peer.check_password(DEFAULT_PASSWORD)


# --- No self-lockout -------------------------------------------------------------------


@pytest.mark.parametrize("confirmed", [False, True], ids=["before asking", "confirmed"])
def test_admin_cannot_deactivate_themself_by_action(admin_client, admin_user, confirmed):
    other = UserFactory()

    response = admin_client.post(
        USERS_URL,
        action_data("deactivate_users", [admin_user, other], confirmed=confirmed),
        follow=True,
    )

    admin_user.refresh_from_db()
    other.refresh_from_db()
    assert admin_user.is_active
    assert other.is_active, "nothing is changed when one's own account is selected"
    (message,) = messages_of(response)
    assert "cannot deactivate yourself" in message


def test_admin_cannot_deactivate_themself_by_form(admin_client, admin_user):
    response = admin_client.post(
        change_url(admin_user), change_form_data(admin_user, is_active=False)
    )

    assert response.status_code == HTTPStatus.OK
    assert "cannot deactivate your own account" in errors_of(response)["is_active"][0]
    admin_user.refresh_from_db()
    assert admin_user.is_active


def test_admin_cannot_drop_their_own_staff_status_by_form(admin_client, admin_user):
    response = admin_client.post(
        change_url(admin_user), change_form_data(admin_user, is_staff=False)
    )

    assert "cannot remove your own staff status" in errors_of(response)["is_staff"][0]
    admin_user.refresh_from_db()
    assert admin_user.is_staff


def test_superuser_cannot_drop_their_own_superuser_status_by_form(admin_client, admin_user):
    response = admin_client.post(
        change_url(admin_user), change_form_data(admin_user, is_superuser=False)
    )

    assert "cannot remove your own superuser status" in errors_of(response)["is_superuser"][0]
    admin_user.refresh_from_db()
    assert admin_user.is_superuser


def test_staff_who_are_not_superusers_cannot_drop_their_own_staff_status(client):
    staff = user_managing_staff()
    client.force_login(staff)

    response = client.post(change_url(staff), change_form_data(staff, is_staff=False))

    assert "cannot remove your own staff status" in errors_of(response)["is_staff"][0]
    staff.refresh_from_db()
    assert staff.is_staff


def test_admin_may_still_edit_the_rest_of_their_own_account(admin_client, admin_user):
    response = admin_client.post(
        change_url(admin_user), change_form_data(admin_user, first_name="Ada")
    )

    assert response.status_code == HTTPStatus.FOUND
    admin_user.refresh_from_db()
    assert admin_user.first_name == "Ada"


def test_admin_may_remove_another_admins_powers(admin_client):
    other = SuperuserFactory()

    admin_client.post(
        change_url(other),
        change_form_data(other, is_active=False, is_staff=False, is_superuser=False),
    )

    other.refresh_from_db()
    assert (other.is_active, other.is_staff, other.is_superuser) == (False, False, False)


# --- The list and its actions --------------------------------------------------------------


def test_deactivating_asks_first_naming_whom_and_changes_nothing(admin_client):
    ada = UserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    gone = UserFactory(email="gone@example.com", first_name="", last_name="", is_active=False)

    response = admin_client.post(
        USERS_URL + "?q=example", action_data("deactivate_users", [ada, gone])
    )

    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/accounts/deactivate_users_confirmation.html"
    body = response.content.decode()
    assert "Deactivate this user?" in body
    assert "ada@example.com (Ada Lovelace)" in body
    assert "gone@example.com — already deactivated" in body
    assert 'value="Deactivate this user"' in body
    # Its button posts the action back as the list sent it, confirmed.
    for field in (
        f'name="_selected_action" value="{ada.pk}"',
        f'name="_selected_action" value="{gone.pk}"',
        'name="action" value="deactivate_users"',
        'name="post" value="yes"',
    ):
        assert field in body
    assert 'href="/admin/accounts/user/?q=example"' in body  # "No, take me back"
    ada.refresh_from_db()
    assert ada.is_active


def test_deactivating_only_deactivated_users_asks_nothing(admin_client):
    gone = UserFactory(is_active=False)
    response = admin_client.post(USERS_URL, action_data("deactivate_users", [gone]), follow=True)
    assert messages_of(response) == [
        "Nothing was changed: the selected users are deactivated already."
    ]


def test_deactivate_action_deactivates_others_and_revokes_their_links(admin_client):
    users = [UserFactory(), InvitedUserFactory()]
    links = services.links_issue(users=users, issuer=None, via=Link.Via.COMMAND)

    response = admin_client.post(
        USERS_URL, action_data("deactivate_users", users, confirmed=True), follow=True
    )

    assert not User.objects.filter(pk__in=[u.pk for u in users], is_active=True).exists()
    for issued in links:
        issued.link.refresh_from_db()
        assert issued.link.revoke_reason == Link.RevokeReason.USER_DEACTIVATED
    assert messages_of(response) == ["Deactivated 2 users; their open links were revoked."]


def test_reactivate_action_reactivates(admin_client):
    user = UserFactory(is_active=False)

    response = admin_client.post(USERS_URL, action_data("reactivate_users", [user]), follow=True)

    user.refresh_from_db()
    assert user.is_active
    assert messages_of(response) == ["Reactivated 1 user."]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("invited", "invited@example.com"),
        ("active", "active@example.com"),
        ("deactivated", "gone@example.com"),
    ],
)
def test_user_list_filters_by_status(admin_client, admin_user, status, expected):
    InvitedUserFactory(email="invited@example.com")
    UserFactory(email="active@example.com")
    UserFactory(email="gone@example.com", is_active=False)

    response = admin_client.get(USERS_URL, {"status": status})

    emails = {user.email for user in response.context["cl"].result_list} - {admin_user.email}
    assert emails == {expected}


def test_user_list_shows_status_and_searches_names(admin_client):
    InvitedUserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    UserFactory(email="bob@example.com", first_name="Bob")

    response = admin_client.get(USERS_URL, {"q": "lovelace"})

    assert [user.email for user in response.context["cl"].result_list] == ["ada@example.com"]
    body = response.content.decode()
    assert "Ada Lovelace" in body
    assert "Invited" in body


# --- Nobody acts on a more powerful account (accounts.powers) ---------------------------


def staff_with(*perms: str) -> User:
    """Staff holding ``perms`` (plus viewing and changing users)."""
    return grant(StaffFactory(), "accounts.view_user", "accounts.change_user", *perms)


@pytest.mark.parametrize("confirmed", [False, True], ids=["before asking", "confirmed"])
def test_staff_cannot_deactivate_a_superuser_and_the_whole_batch_is_refused(client, confirmed):
    boss, colleague = SuperuserFactory(email="boss@example.com"), UserFactory()
    client.force_login(staff_with())

    response = client.post(
        USERS_URL,
        action_data("deactivate_users", [boss, colleague], confirmed=confirmed),
        follow=True,
    )

    boss.refresh_from_db()
    colleague.refresh_from_db()
    assert boss.is_active
    assert colleague.is_active, "nothing is changed when one selected user is out of reach"
    (message,) = messages_of(response)
    assert (
        message
        == "Nothing was changed: boss@example.com has powers that exceed yours. Ask a superuser."
    )


def test_staff_cannot_reactivate_a_superuser_another_superuser_disabled(client):
    boss = SuperuserFactory(email="boss@example.com", is_active=False)
    client.force_login(staff_with())

    response = client.post(USERS_URL, action_data("reactivate_users", [boss]), follow=True)

    boss.refresh_from_db()
    assert not boss.is_active
    assert "boss@example.com has powers that exceed yours" in messages_of(response)[0]


def test_staff_cannot_deactivate_a_user_holding_a_permission_they_lack(client):
    stronger = grant(StaffFactory(), "accounts.delete_user")
    client.force_login(staff_with())

    client.post(USERS_URL, action_data("deactivate_users", [stronger], confirmed=True))

    stronger.refresh_from_db()
    assert stronger.is_active


def test_staff_may_still_deactivate_and_reactivate_users_without_more_powers(client):
    user = UserFactory()
    client.force_login(staff_with())

    client.post(USERS_URL, action_data("deactivate_users", [user], confirmed=True))
    user.refresh_from_db()
    assert not user.is_active
    client.post(USERS_URL, action_data("reactivate_users", [user]))
    user.refresh_from_db()
    assert user.is_active


def test_a_superusers_change_page_is_read_only_for_staff(client):
    boss = SuperuserFactory()
    client.force_login(staff_with())

    response = client.get(change_url(boss))

    assert response.status_code == HTTPStatus.OK
    assert not response.context["has_change_permission"]
    assert 'name="_save"' not in response.content.decode()
    assert 'name="email"' not in response.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"email": "mine@example.com"},
        {"is_active": False},
        {"first_name": "Renamed"},
    ],
)
def test_staff_cannot_change_a_superusers_email_status_or_names(client, changes):
    boss = SuperuserFactory(email="boss@example.com", first_name="Grace")
    client.force_login(staff_with())

    response = client.post(change_url(boss), change_form_data(boss, **changes))

    assert response.status_code == HTTPStatus.FORBIDDEN
    boss.refresh_from_db()
    assert (boss.email, boss.is_active, boss.first_name) == ("boss@example.com", True, "Grace")


def test_staff_cannot_change_the_email_of_a_user_holding_a_permission_they_lack(client):
    stronger = grant(StaffFactory(email="strong@example.com"), "auth.change_group")
    client.force_login(staff_with())

    response = client.post(
        change_url(stronger), change_form_data(stronger, email="taken@example.com")
    )

    assert response.status_code == HTTPStatus.FORBIDDEN
    stronger.refresh_from_db()
    assert stronger.email == "strong@example.com"


def test_staff_may_still_change_users_without_more_powers(client):
    user = UserFactory()
    client.force_login(staff_with())

    response = client.post(change_url(user), change_form_data(user, email="new@example.com"))

    assert response.status_code == HTTPStatus.FOUND
    user.refresh_from_db()
    assert user.email == "new@example.com"


def test_staff_who_may_delete_users_cannot_delete_a_superuser(client):
    boss = SuperuserFactory()
    client.force_login(staff_with("accounts.delete_user"))

    by_page = client.post(reverse("admin:accounts_user_delete", args=[boss.pk]), {"post": "yes"})
    by_action = client.post(
        USERS_URL, {**action_data("delete_selected", [boss]), "post": "yes"}, follow=True
    )

    assert by_page.status_code == HTTPStatus.FORBIDDEN
    assert by_action.status_code == HTTPStatus.FORBIDDEN
    assert User.objects.filter(pk=boss.pk).exists()


# --- Groups: nobody grants a permission they lack (accounts.powers) ---------------------

GROUPS_URL = reverse("admin:auth_group_changelist")


def group_change_url(group) -> str:
    return reverse("admin:auth_group_change", args=[group.pk])


def permission(perm: str) -> Permission:
    app_label, codename = perm.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def group_editor(*perms: str) -> User:
    """Staff who may view, add, change and delete groups, holding ``perms`` besides."""
    return grant(
        StaffFactory(),
        "auth.view_group",
        "auth.add_group",
        "auth.change_group",
        "auth.delete_group",
        *perms,
    )


def test_staff_who_may_change_groups_cannot_give_their_own_group_every_permission(client):
    editor = group_editor()
    own = GroupFactory(name="editors")
    editor.groups.add(own)
    client.force_login(editor)

    response = client.post(
        group_change_url(own),
        {"name": "editors", "permissions": list(Permission.objects.values_list("pk", flat=True))},
    )

    assert response.status_code == HTTPStatus.OK
    (error,) = errors_of(response)["permissions"]
    assert error.startswith("You cannot grant permissions you do not have: ")
    assert "Accounts | user | Can delete user" in error
    assert "Can change group" not in error, "only what the editor lacks is named"
    assert not own.permissions.exists()
    assert not User.objects.get(pk=editor.pk).has_perm("accounts.delete_user")


def test_staff_may_give_a_group_only_permissions_they_hold(client):
    client.force_login(group_editor("accounts.view_user"))
    held, lacking = permission("accounts.view_user"), permission("accounts.delete_user")

    refused = client.post(
        reverse("admin:auth_group_add"), {"name": "helpers", "permissions": [held.pk, lacking.pk]}
    )
    added = client.post(
        reverse("admin:auth_group_add"), {"name": "helpers", "permissions": [held.pk]}
    )

    assert errors_of(refused)["permissions"] == [
        "You cannot grant a permission you do not have: Accounts | user | Can delete user. "
        "Ask a superuser."
    ]
    assert added.status_code == HTTPStatus.FOUND
    assert list(Group.objects.get(name="helpers").permissions.all()) == [held]


def test_a_group_granting_more_than_its_editor_holds_is_read_only_to_them(client, admin_client):
    stronger = GroupFactory(name="admins")
    stronger.permissions.add(permission("accounts.delete_user"))
    client.force_login(group_editor())

    page = client.get(group_change_url(stronger))
    changed = client.post(group_change_url(stronger), {"name": "mine", "permissions": []})
    deleted = client.post(reverse("admin:auth_group_delete", args=[stronger.pk]), {"post": "yes"})
    by_action = client.post(
        GROUPS_URL, {**action_data("delete_selected", [stronger]), "post": "yes"}
    )

    assert page.status_code == HTTPStatus.OK
    assert not page.context["has_change_permission"]
    assert 'name="_save"' not in page.content.decode()
    assert changed.status_code == HTTPStatus.FORBIDDEN
    assert deleted.status_code == HTTPStatus.FORBIDDEN
    assert by_action.status_code == HTTPStatus.FORBIDDEN
    stronger.refresh_from_db()
    assert stronger.name == "admins"
    assert list(stronger.permissions.all()) == [permission("accounts.delete_user")]
    # A superuser may do anything with it.
    everything = list(Permission.objects.values_list("pk", flat=True))
    response = admin_client.post(
        group_change_url(stronger), {"name": "admins", "permissions": everything}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert stronger.permissions.count() == len(everything)


def test_the_user_forms_refuse_groups_and_permissions_granting_what_the_editor_lacks():
    # The admin shows these fields to superusers only; the forms hold the rule
    # whoever shows them.
    editor = staff_with("accounts.add_user")
    stronger = GroupFactory(name="admins")
    stronger.permissions.add(permission("accounts.delete_user"))
    user = UserFactory()
    data = {
        "email": "new@example.com",
        "is_active": "on",
        "date_joined": "2030-01-01 00:00:00",
        "groups": [stronger.pk],
        "user_permissions": [permission("auth.delete_group").pk],
    }

    change_form = type("Form", (UserChangeForm,), {"editor": editor})(data, instance=user)
    add_form = type("Form", (UserAddForm,), {"editor": editor})(data)

    assert change_form.errors["groups"] == [
        "These groups grant a permission you do not have: Accounts | user | Can delete user. "
        "Ask a superuser."
    ]
    assert change_form.errors["user_permissions"] == [
        "You cannot grant a permission you do not have: "
        "Authentication and Authorization | group | Can delete group. Ask a superuser."
    ]
    assert "groups" in add_form.errors


# --- the user's recent sign-ins ----------------------------------------------


def test_the_user_page_shows_recent_sign_ins_and_failures_since_the_last(admin_client):
    from accounts.models import SignIn

    user = UserFactory()
    SignIn.objects.create(
        user=user, succeeded=True, address="192.0.2.1", browser="Firefox on Linux"
    )
    for _ in range(2):
        SignIn.objects.create(user=user, succeeded=False, address="198.51.100.66")
    body = admin_client.get(change_url(user)).content.decode()
    assert "Recent sign-ins" in body
    assert "2 failed attempts to sign in since the last successful sign-in." in body
    assert "Firefox on Linux" in body
    assert "192.0.2.1" in body
    assert body.count("198.51.100.66") == 2
    # The links' history, added by invites on the same page, is still there.
    assert "Set-password links" in body


def test_the_user_page_says_when_no_sign_in_is_recorded(admin_client):
    body = admin_client.get(change_url(InvitedUserFactory())).content.decode()
    assert "No sign-in recorded." in body
    assert "failed attempt" not in body
