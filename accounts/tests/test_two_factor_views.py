"""Two-factor sign-in through the pages: both sign-in forms, the code, enrolment, the account
page, the guard on every signed-in page, the limits and the admin's user list."""

from http import HTTPStatus
from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.models import SignIn
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    SuperuserFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from accounts.tests.totp import base32_of, key_of_page

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_factor_staff")]


def password_step(client, user, url=None, **data):
    return client.post(
        url or reverse("login"), {"username": user.email, "password": DEFAULT_PASSWORD, **data}
    )


def signed_in_as(client):
    # Followed: a session that may not go on is ended on the way (accounts.middleware).
    user = client.get(reverse("home"), follow=True).context["user"]
    return user.email if user.is_authenticated else None


def type_code(client, code, **extra):
    return client.post(reverse("login_code"), {"code": code}, **extra)


def give_device(user) -> str:
    """Give ``user`` a confirmed authenticator; returns its key as the app holds it (base32)."""
    return base32_of(TOTPDeviceFactory(user=user).key)


def verified_client(user, clock, *, address="192.0.2.50") -> tuple[Client, str]:
    """A browser signed in to ``user`` with a code; and the device's base32 key."""
    key = give_device(user)
    client = Client(REMOTE_ADDR=address)
    password_step(client, user)
    assert type_code(client, clock.code(key)).status_code == HTTPStatus.FOUND
    return client, key


# --- The password alone signs nobody in ---------------------------------------------------


def test_a_staff_password_leads_to_the_code_and_signs_nobody_in(client):
    staff = StaffFactory()
    TOTPDeviceFactory(user=staff)
    response = password_step(client, staff)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("login_code")
    assert signed_in_as(client) is None
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == HTTPStatus.FOUND
    assert admin["Location"].startswith(reverse("admin:login"))
    assert client.get(reverse("account")).status_code == HTTPStatus.FOUND


def test_the_code_page_asks_for_a_one_time_code(client):
    staff = StaffFactory(email="ada@example.com")
    TOTPDeviceFactory(user=staff)
    password_step(client, staff)
    body = client.get(reverse("login_code")).content.decode()
    assert 'autocomplete="one-time-code"' in body
    assert 'inputmode="numeric"' in body
    assert "ada@example.com" in body
    assert "Lost your phone?" in body


def test_the_right_code_signs_in_where_the_sign_in_was_going(client, totp_clock):
    staff = StaffFactory()
    key = give_device(staff)
    password_step(client, staff, next="/admin/")
    response = type_code(client, totp_clock.code(key))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/admin/"
    assert signed_in_as(client) == staff.email
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK


def test_a_signed_in_page_after_the_code_lands_on_the_account_page(client, totp_clock):
    staff = StaffFactory()
    key = give_device(staff)
    password_step(client, staff)
    assert type_code(client, totp_clock.code(key, 1))["Location"] == reverse("account")
    assert client.get(reverse("account")).status_code == HTTPStatus.OK


def test_a_wrong_code_signs_nobody_in_and_is_recorded_as_a_failed_attempt(client, totp_clock):
    staff = StaffFactory()
    key = give_device(staff)
    password_step(client, staff)
    response = type_code(client, totp_clock.wrong_code(key))
    assert response.status_code == HTTPStatus.OK
    assert "That code is not right" in response.content.decode()
    assert signed_in_as(client) is None
    assert SignIn.objects.filter(user=staff, succeeded=False).count() == 1


def test_a_code_already_used_says_to_wait_for_the_next_one(client, totp_clock):
    staff = StaffFactory()
    _, key = verified_client(staff, totp_clock)
    # Signed in again within the same 30 seconds: the app still shows that code.
    password_step(client, staff)
    response = type_code(client, totp_clock.code(key))
    assert response.status_code == HTTPStatus.OK
    body = response.content.decode()
    assert "That code was already used" in body
    assert "Wait until your authenticator app shows the next code" in body
    assert signed_in_as(client) is None
    # Not a failed attempt: it is the code the app shows now.
    assert not SignIn.objects.filter(user=staff, succeeded=False).exists()
    totp_clock.advance(30)
    assert type_code(client, totp_clock.code(key)).status_code == HTTPStatus.FOUND
    assert signed_in_as(client) == staff.email


def test_a_code_that_is_not_six_digits_says_what_a_code_is(client):
    staff = StaffFactory()
    TOTPDeviceFactory(user=staff)
    password_step(client, staff)
    response = type_code(client, "12 34")
    assert "A code is 6 digits" in response.content.decode()


def test_a_code_typed_in_groups_of_three_is_understood(client, totp_clock):
    staff = StaffFactory()
    key = give_device(staff)
    password_step(client, staff)
    code = totp_clock.code(key)
    assert type_code(client, f"{code[:3]} {code[3:]}").status_code == HTTPStatus.FOUND


def test_the_code_page_without_a_password_sends_to_sign_in(client):
    response = client.get(reverse("login_code"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("login")
    assert client.get(reverse("login_enrol"))["Location"] == reverse("login")


def test_a_code_typed_after_five_minutes_needs_the_password_again(client, totp_clock):
    staff = StaffFactory()
    key = give_device(staff)
    password_step(client, staff)
    totp_clock.advance(two_factor.PENDING_MAX_AGE + 30)
    response = type_code(client, totp_clock.code(key))
    assert response["Location"] == reverse("login")
    assert "took too long" in client.get(reverse("login")).content.decode()
    assert signed_in_as(client) is None


def test_someone_without_two_factor_signs_in_with_the_password_alone(client):
    user = UserFactory()
    assert password_step(client, user)["Location"] == reverse("account")
    assert signed_in_as(client) == user.email


def test_with_two_factor_off_staff_sign_in_with_the_password_alone(client, settings):
    settings.TWO_FACTOR = "off"
    staff = StaffFactory()
    password_step(client, staff)
    assert signed_in_as(client) == staff.email


def test_with_two_factor_for_all_everyone_enrols(client, settings):
    settings.TWO_FACTOR = "all"
    user = UserFactory()
    assert password_step(client, user)["Location"] == reverse("login_enrol")
    assert signed_in_as(client) is None


# --- The admin's sign-in ------------------------------------------------------------------


def test_the_admin_sign_in_asks_for_the_code_too(client, totp_clock):
    staff = StaffFactory()
    key = give_device(staff)
    response = password_step(client, staff, url=reverse("admin:login"), next="/admin/")
    assert response["Location"] == reverse("login_code")
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND
    response = type_code(client, totp_clock.code(key))
    assert response["Location"] == "/admin/"
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK


def test_the_admin_refuses_a_wrong_password_as_before(client):
    staff = StaffFactory()
    response = client.post(
        reverse("admin:login"), {"username": staff.email, "password": "not-the-password"}
    )
    assert response.status_code == HTTPStatus.OK
    assert two_factor.PENDING_SESSION_KEY not in client.session


# --- Enrolment at sign-in -----------------------------------------------------------------


def test_staff_without_a_device_enrol_after_the_password(client, totp_clock):
    staff = StaffFactory(email="grace@example.com")
    response = password_step(client, staff)
    assert response["Location"] == reverse("login_enrol")
    page = client.get(reverse("login_enrol")).content.decode()
    assert "otpauth://totp/" in page
    assert "People:grace@example.com" in page
    assert 'class="qr-code"' in page
    assert 'autocomplete="one-time-code"' in page
    key = key_of_page(page)
    assert signed_in_as(client) is None
    form = {"two_factor_key": _hidden_key(page), "code": totp_clock.code(key)}
    response = client.post(reverse("login_enrol"), form)
    assert response["Location"] == reverse("account")
    assert signed_in_as(client) == staff.email
    assert TOTPDevice.objects.get(user=staff, confirmed=True)


def test_a_wrong_enrolment_code_keeps_the_key_and_asks_again(client, totp_clock):
    staff = StaffFactory()
    password_step(client, staff)
    page = client.get(reverse("login_enrol")).content.decode()
    key = key_of_page(page)
    response = client.post(
        reverse("login_enrol"),
        {"two_factor_key": _hidden_key(page), "code": totp_clock.wrong_code(key)},
    )
    assert response.status_code == HTTPStatus.OK
    again = response.content.decode()
    assert "does not match this key" in again
    assert key_of_page(again) == key
    assert not TOTPDevice.objects.exists()
    assert signed_in_as(client) is None


def test_a_key_from_someone_elses_enrolment_page_is_refused(client, totp_clock):
    other = StaffFactory()
    other_client = Client()
    password_step(other_client, other)
    other_page = other_client.get(reverse("login_enrol")).content.decode()
    staff = StaffFactory()
    password_step(client, staff)
    response = client.post(
        reverse("login_enrol"),
        {
            "two_factor_key": _hidden_key(other_page),
            "code": totp_clock.code(key_of_page(other_page)),
        },
    )
    assert response.status_code == HTTPStatus.OK
    assert "shows a new key" in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_who_has_a_device_cannot_enrol_another_at_sign_in(client):
    staff = StaffFactory()
    TOTPDeviceFactory(user=staff)
    password_step(client, staff)
    assert client.get(reverse("login_enrol"))["Location"] == reverse("login_code")


def test_who_has_no_device_is_sent_from_the_code_to_enrolment(client):
    staff = StaffFactory()
    password_step(client, staff)
    assert client.get(reverse("login_code"))["Location"] == reverse("login_enrol")


def test_a_session_key_planted_before_the_password_cannot_finish_the_sign_in(client):
    planted = import_module(settings.SESSION_ENGINE).SessionStore()
    planted.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    staff = StaffFactory()

    password_step(client, staff)

    assert client.cookies[settings.SESSION_COOKIE_NAME].value != planted.session_key
    old = import_module(settings.SESSION_ENGINE).SessionStore(planted.session_key)
    assert two_factor.PENDING_SESSION_KEY not in old.load()
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted.session_key
    assert attacker.get(reverse("login_enrol"))["Location"] == reverse("login")
    assert client.get(reverse("login_enrol")).status_code == HTTPStatus.OK


def _hidden_key(page: str) -> str:
    import re

    return re.search(r'name="two_factor_key" value="([^"]+)"', page).group(1)


# --- Every signed-in page, for whom two-factor is required --------------------------------


def test_a_session_without_a_code_is_signed_out_on_any_page(client):
    staff = StaffFactory()
    client.force_login(staff)
    response = client.get(reverse("account"))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("login") + "?next=%2Faccounts%2F"
    assert signed_in_as(client) is None


def test_the_admin_is_closed_to_a_session_without_a_code(client):
    client.force_login(SuperuserFactory())
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == HTTPStatus.FOUND
    assert signed_in_as(client) is None


def test_someone_promoted_to_staff_while_signed_in_must_sign_in_again(totp_clock):
    user = UserFactory()
    client = Client()
    password_step(client, user)
    assert client.get(reverse("account")).status_code == HTTPStatus.OK
    type(user).objects.filter(pk=user.pk).update(is_staff=True)
    response = client.get(reverse("account"))
    assert response["Location"].startswith(reverse("login"))
    assert "needs a code from an authenticator app" in client.get(reverse("login")).content.decode()
    assert password_step(client, user)["Location"] == reverse("login_enrol")


def test_a_verified_session_ends_when_its_device_is_removed(totp_clock):
    staff = StaffFactory()
    client, _ = verified_client(staff, totp_clock)
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK
    TOTPDevice.objects.filter(user=staff).delete()
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.FOUND
    assert signed_in_as(client) is None


def test_admin_has_permission_checks_the_code_too(rf, totp_clock):
    from django.contrib import admin
    from django.contrib.sessions.backends.db import SessionStore

    request = rf.get("/admin/")
    request.session = SessionStore()
    request.user = StaffFactory()
    assert not admin.site.has_permission(request)
    request.user.is_verified = lambda: True
    assert admin.site.has_permission(request)


# --- Replacing one's authenticator --------------------------------------------------------


def test_the_account_page_offers_to_replace_the_authenticator(totp_clock):
    client, _ = verified_client(StaffFactory(), totp_clock)
    body = client.get(reverse("account")).content.decode()
    assert reverse("two_factor_replace") in body


def test_the_account_page_offers_nothing_to_who_has_no_authenticator(client):
    client.force_login(UserFactory())
    assert reverse("two_factor_replace") not in client.get(reverse("account")).content.decode()
    assert client.get(reverse("two_factor_replace"))["Location"] == reverse("account")


def replace(client, clock, old_key, *, current=None, new=None):
    page = client.get(reverse("two_factor_replace")).content.decode()
    new_key = key_of_page(page)
    return client.post(
        reverse("two_factor_replace"),
        {
            "current_code": current or clock.code(old_key),
            "two_factor_key": _hidden_key(page),
            "code": new or clock.code(new_key),
        },
    ), new_key


def test_replacing_the_authenticator_needs_a_current_code(totp_clock):
    staff = StaffFactory()
    client, old_key = verified_client(staff, totp_clock)
    totp_clock.advance(30)
    response, _ = replace(client, totp_clock, old_key, current=totp_clock.wrong_code(old_key))
    assert response.status_code == HTTPStatus.OK
    assert "That code is not right" in response.content.decode()
    assert base32_key(staff) == old_key


def test_a_wrong_new_code_spends_no_current_code(totp_clock):
    staff = StaffFactory()
    client, old_key = verified_client(staff, totp_clock)
    totp_clock.advance(30)
    current = totp_clock.code(old_key)
    response, _ = replace(
        client, totp_clock, old_key, current=current, new=totp_clock.wrong_code("A" * 32)
    )
    assert response.status_code == HTTPStatus.OK
    assert base32_key(staff) == old_key
    response, _new_key = replace(client, totp_clock, old_key, current=current)
    assert response["Location"] == reverse("account")


def test_replacing_the_authenticator_keeps_this_session_and_ends_the_others(totp_clock):
    staff = StaffFactory()
    client, old_key = verified_client(staff, totp_clock)
    totp_clock.advance(30)
    other = Client()
    password_step(other, staff)
    assert type_code(other, totp_clock.code(old_key)).status_code == HTTPStatus.FOUND
    totp_clock.advance(30)
    response, new_key = replace(client, totp_clock, old_key)
    assert response["Location"] == reverse("account")
    assert base32_key(staff) == new_key
    assert client.get(reverse("admin:index")).status_code == HTTPStatus.OK
    assert signed_in_as(other) is None


def base32_key(user) -> str:
    from accounts.tests.totp import base32_of

    return base32_of(TOTPDevice.objects.get(user=user).key)


# --- Limits -------------------------------------------------------------------------------


def test_the_sixth_wrong_code_a_minute_on_an_account_is_refused_from_anywhere(totp_clock):
    staff = StaffFactory()
    key = give_device(staff)
    for n in range(5):
        guesser = Client(REMOTE_ADDR=f"198.51.100.{n}")
        password_step(guesser, staff)
        assert type_code(guesser, totp_clock.wrong_code(key)).status_code == HTTPStatus.OK
        totp_clock.advance(40)  # past django-otp's own wait
    owner = Client(REMOTE_ADDR="192.0.2.99")
    password_step(owner, staff)
    response = type_code(owner, totp_clock.code(key))
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Too many failed attempts" in response.content.decode()
    assert signed_in_as(owner) is None


def test_the_eleventh_wrong_code_a_minute_from_an_address_is_refused(totp_clock):
    office = Client(REMOTE_ADDR="203.0.113.9")
    people = StaffFactory.create_batch(3)
    keys = {person.pk: give_device(person) for person in people}
    for n in range(10):
        person = people[n % 3]
        password_step(office, person)
        response = type_code(office, totp_clock.wrong_code(keys[person.pk]))
        assert response.status_code == HTTPStatus.OK
    password_step(office, people[0])
    response = type_code(office, totp_clock.code(keys[people[0].pk]))
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_right_codes_count_nothing_for_an_office_behind_one_address(totp_clock):
    people = StaffFactory.create_batch(12)
    keys = {person.pk: give_device(person) for person in people}
    for person in people:
        browser = Client(REMOTE_ADDR="203.0.113.7")
        password_step(browser, person)
        assert type_code(browser, totp_clock.code(keys[person.pk])).status_code == HTTPStatus.FOUND
        assert signed_in_as(browser) == person.email


def test_a_right_password_before_the_code_is_no_failed_sign_in():
    staff = StaffFactory()
    TOTPDeviceFactory(user=staff)
    for n in range(12):
        response = password_step(Client(REMOTE_ADDR=f"198.51.100.{n}"), staff)
        assert response["Location"] == reverse("login_code")


def test_the_browser_is_remembered_only_once_signed_in(totp_clock):
    staff = StaffFactory()
    key = give_device(staff)
    client = Client()
    response = password_step(client, staff)
    assert "device" not in response.cookies
    response = type_code(client, totp_clock.code(key))
    assert response.cookies["device"].value


def test_enrolment_codes_are_limited_like_codes(totp_clock):
    staff = StaffFactory()
    client = Client(REMOTE_ADDR="198.51.100.1")
    password_step(client, staff)
    for _ in range(5):
        page = client.get(reverse("login_enrol")).content.decode()
        response = client.post(
            reverse("login_enrol"),
            {"two_factor_key": _hidden_key(page), "code": "000000"},
        )
        assert response.status_code == HTTPStatus.OK
    response = client.post(reverse("login_enrol"), {"code": "000000"})
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


# --- The admin's user list ----------------------------------------------------------------


@pytest.fixture
def superuser_client(totp_clock):
    client, _ = verified_client(SuperuserFactory(), totp_clock)
    return client


def test_the_user_list_shows_and_filters_who_has_two_factor(superuser_client):
    with_device = StaffFactory(email="with@example.com")
    TOTPDeviceFactory(user=with_device)
    UserFactory(email="without@example.com")
    changelist = reverse("admin:accounts_user_changelist")
    body = superuser_client.get(changelist).content.decode()
    assert "Two-factor" in body
    listed = superuser_client.get(changelist + "?two_factor=yes").context["cl"].result_list
    assert "with@example.com" in {user.email for user in listed}
    assert "without@example.com" not in {user.email for user in listed}
    listed = superuser_client.get(changelist + "?two_factor=no").context["cl"].result_list
    assert {user.email for user in listed} == {"without@example.com"}


def test_the_action_removes_devices(superuser_client):
    staff = StaffFactory()
    TOTPDeviceFactory(user=staff)
    response = superuser_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "remove_two_factor_devices", "_selected_action": [staff.pk]},
        follow=True,
    )
    assert "Removed the authenticator of 1 user" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=staff).exists()


def test_the_action_refuses_staff_acting_on_a_superuser(totp_clock):
    from accounts.tests.factories import grant

    actor = grant(StaffFactory(), "accounts.view_user", "accounts.change_user")
    client, _ = verified_client(actor, totp_clock)
    superuser = SuperuserFactory()
    TOTPDeviceFactory(user=superuser)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "remove_two_factor_devices", "_selected_action": [superuser.pk]},
        follow=True,
    )
    assert "Nothing was changed" in response.content.decode()
    assert TOTPDevice.objects.filter(user=superuser).exists()


def test_the_device_list_of_django_otp_is_not_in_the_admin(superuser_client):
    response = superuser_client.get("/admin/otp_totp/totpdevice/")
    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("query", ["", "two_factor=yes", "two_factor=no", "o=5"])
def test_the_user_list_costs_the_same_queries_with_two_factor_on_more_data(superuser_client, query):
    from accounts.tests.queries import assert_list_costs_the_same_on_more_data

    def people(count):
        for index in range(count):
            person = (StaffFactory if index % 2 else UserFactory)()
            if index % 3:
                TOTPDeviceFactory(user=person)

    people(3)
    url = reverse("admin:accounts_user_changelist") + "?" + query
    assert_list_costs_the_same_on_more_data(superuser_client, url, lambda: people(30), 13)


def test_the_users_page_says_whether_they_have_an_authenticator(superuser_client):
    staff = StaffFactory()
    url = reverse("admin:accounts_user_change", args=[staff.pk])
    page = superuser_client.get(url)
    assert page.context["adminform"].form.instance.has_two_factor is False
    assert "Two-factor" in page.content.decode()
    TOTPDeviceFactory(user=staff)
    assert superuser_client.get(url).context["adminform"].form.instance.has_two_factor is True
