"""A set-password link enrols the authenticator of whoever must use two-factor (TWO_FACTOR)."""

import re
from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import (
    InvitedUserFactory,
    StaffFactory,
    TOTPDeviceFactory,
    UserFactory,
)
from accounts.tests.totp import TotpClock, base32_of, key_of_page
from invites.links import services as link_services
from invites.models import Link

pytestmark = pytest.mark.django_db

GOOD = "Correct-horse-battery-42"
SET_PASSWORD = reverse("invites:set_password")


@pytest.fixture(autouse=True)
def two_factor_staff(settings):
    settings.TWO_FACTOR = "staff"


@pytest.fixture
def totp_clock(monkeypatch):
    return TotpClock(monkeypatch)


def open_link(user, client=None) -> tuple[Client, Link, str]:
    """A browser that opened a new link for ``user``: the link, and the form's page."""
    client = client or Client()
    issued = link_services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND)
    client.get(reverse("invites:open", kwargs={"secret": issued.secret}))
    page = client.get(SET_PASSWORD).content.decode()
    return client, issued.link, page


def hidden_key(page: str) -> str:
    return re.search(r'name="two_factor_key" value="([^"]+)"', page).group(1)


def submit(client, link, page, code, password=GOOD):
    return client.post(
        SET_PASSWORD,
        {
            "link": link.pk,
            "new_password1": password,
            "new_password2": password,
            "two_factor_key": hidden_key(page),
            "code": code,
        },
    )


def test_the_page_shows_the_authenticator_to_who_must_use_it():
    staff = InvitedUserFactory(email="ada@example.com", is_staff=True)
    _, _, page = open_link(staff)
    assert 'class="qr-code"' in page
    assert "otpauth://totp/People:ada@example.com?secret=" in page
    assert 'autocomplete="one-time-code"' in page
    assert 'inputmode="numeric"' in page
    assert len(key_of_page(page)) == 32


def test_the_page_shows_nothing_of_it_to_who_need_not(settings):
    _, _, page = open_link(InvitedUserFactory())
    assert "otpauth://" not in page
    assert "qr-code" not in page
    assert "two_factor_key" not in page
    settings.TWO_FACTOR = "off"
    _, _, page = open_link(InvitedUserFactory(is_staff=True))
    assert "otpauth://" not in page


def test_password_and_authenticator_are_set_and_the_link_used_together(totp_clock):
    staff = InvitedUserFactory(is_staff=True)
    client, link, page = open_link(staff)
    response = submit(client, link, page, totp_clock.code(key_of_page(page)))
    assert response.status_code == HTTPStatus.FOUND
    staff.refresh_from_db()
    assert staff.check_password(GOOD)
    device = TOTPDevice.objects.get(user=staff)
    assert device.confirmed
    assert base32_of(device.key) == key_of_page(page)
    link.refresh_from_db()
    assert link.used_at is not None


def test_enrolling_through_the_link_signs_in_verified_and_lands_in_the_admin(totp_clock):
    staff = InvitedUserFactory(is_staff=True)
    client, link, page = open_link(staff)
    response = submit(client, link, page, totp_clock.code(key_of_page(page)))
    assert response["Location"] == reverse("admin:index")
    device = TOTPDevice.objects.get(user=staff)
    assert client.session[SESSION_KEY] == str(staff.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    # Verified: the guard on signed-in pages (accounts.middleware) lets it through.
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == HTTPStatus.OK
    assert admin.context["user"].is_verified()
    assert "Your password is set and your authenticator app is ready." in admin.content.decode()


def test_who_enrols_through_the_link_of_another_account_is_signed_out_of_it(totp_clock):
    client = Client()
    client.force_login(UserFactory())
    staff = InvitedUserFactory(is_staff=True)
    client, link, page = open_link(staff, client)
    submit(client, link, page, totp_clock.code(key_of_page(page)))
    assert client.session[SESSION_KEY] == str(staff.pk)


def test_a_wrong_code_burns_nothing_and_asks_again_with_the_same_key(totp_clock):
    staff = InvitedUserFactory(is_staff=True)
    client, link, page = open_link(staff)
    key = key_of_page(page)
    response = submit(client, link, page, totp_clock.wrong_code(key))
    assert response.status_code == HTTPStatus.OK
    again = response.content.decode()
    assert "does not match this key" in again
    assert key_of_page(again) == key
    staff.refresh_from_db()
    assert not staff.has_usable_password()
    assert not TOTPDevice.objects.exists()
    link.refresh_from_db()
    assert link.is_open
    assert submit(client, link, again, totp_clock.code(key)).status_code == HTTPStatus.FOUND


def test_a_missing_code_sets_nothing(totp_clock):
    staff = InvitedUserFactory(is_staff=True)
    client, link, page = open_link(staff)
    response = submit(client, link, page, "")
    assert "Type the 6-digit code" in response.content.decode()
    link.refresh_from_db()
    assert link.is_open


def test_a_weak_password_sets_no_device_even_with_the_right_code(totp_clock):
    staff = InvitedUserFactory(is_staff=True)
    client, link, page = open_link(staff)
    response = submit(client, link, page, totp_clock.code(key_of_page(page)), password="123")
    assert response.status_code == HTTPStatus.OK
    assert not TOTPDevice.objects.exists()


def test_a_key_drawn_for_another_link_is_refused(totp_clock):
    staff = InvitedUserFactory(is_staff=True)
    _, _, other_page = open_link(InvitedUserFactory(is_staff=True))
    client, link, _ = open_link(staff)
    response = submit(client, link, other_page, totp_clock.code(key_of_page(other_page)))
    assert response.status_code == HTTPStatus.OK
    assert "shows a new key" in response.content.decode()
    assert not TOTPDevice.objects.exists()


def test_a_reset_link_replaces_the_old_device_only_when_redeemed(totp_clock):
    staff = StaffFactory()
    old = TOTPDeviceFactory(user=staff)
    client, link, page = open_link(staff)
    assert link.purpose == Link.Purpose.RESET
    assert TOTPDevice.objects.filter(pk=old.pk).exists()
    submit(client, link, page, totp_clock.code(key_of_page(page)))
    devices = TOTPDevice.objects.filter(user=staff)
    assert [base32_of(device.key) for device in devices] == [key_of_page(page)]


def test_a_link_that_closed_meanwhile_enrols_nothing(totp_clock):
    staff = InvitedUserFactory(is_staff=True)
    client, link, page = open_link(staff)
    Link.objects.filter(pk=link.pk).update(revoked_at=link.created_at)
    response = submit(client, link, page, totp_clock.code(key_of_page(page)))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not TOTPDevice.objects.exists()


def test_a_failed_redemption_rolls_the_device_back(totp_clock, monkeypatch):
    """The device is written inside the redemption's transaction: a failure after it undoes it."""
    staff = InvitedUserFactory(is_staff=True)
    client, link, page = open_link(staff)

    def failing_log(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(link_services, "history_write", failing_log)
    client.raise_request_exception = False
    response = submit(client, link, page, totp_clock.code(key_of_page(page)))
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert not TOTPDevice.objects.exists()
    link.refresh_from_db()
    assert link.is_open


def test_who_need_not_use_two_factor_keeps_any_device_they_have():
    user = UserFactory()
    TOTPDeviceFactory(user=user)
    client, link, _ = open_link(user)
    response = client.post(
        SET_PASSWORD, {"link": link.pk, "new_password1": GOOD, "new_password2": GOOD}
    )
    assert response.status_code == HTTPStatus.FOUND
    assert TOTPDevice.objects.filter(user=user).exists()


def test_opening_a_link_costs_no_more_queries_with_two_factor_on(settings):
    """For who needs no authenticator, the policy adds nothing to the pages (bench/open_link.py)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(policy):
        settings.TWO_FACTOR = policy
        issued = link_services.link_issue(
            user=InvitedUserFactory(), issuer=None, via=Link.Via.COMMAND
        )
        client = Client()
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("invites:open", kwargs={"secret": issued.secret}))
            page = client.get(SET_PASSWORD)
        assert page.status_code == HTTPStatus.OK
        assert "otpauth://" not in page.content.decode()
        return len(queries)

    assert cost("staff") == cost("off")
