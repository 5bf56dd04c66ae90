"""Two-factor: the policy, keys and codes, devices (accounts.two_factor)."""

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from accounts.powers import PowersExceeded
from accounts.tests.factories import StaffFactory, SuperuserFactory, TOTPDeviceFactory, UserFactory
from accounts.tests.totp import base32_of

pytestmark = pytest.mark.django_db


# --- The policy -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "person", "required"),
    [
        ("off", "superuser", False),
        ("off", "staff", False),
        ("staff", "superuser", True),
        ("staff", "staff", True),
        ("staff", "user", False),
        ("all", "user", True),
        ("all", "staff", True),
    ],
)
def test_who_must_use_two_factor_under_each_policy(settings, policy, person, required):
    settings.TWO_FACTOR = policy
    user = {"superuser": SuperuserFactory, "staff": StaffFactory, "user": UserFactory}[person]()
    assert two_factor.two_factor_required(user) is required


def test_a_superuser_without_staff_status_must_use_it_under_staff(two_factor_staff):
    assert two_factor.two_factor_required(UserFactory(is_superuser=True))


def test_nobody_signed_in_is_required_anything(settings):
    from django.contrib.auth.models import AnonymousUser

    settings.TWO_FACTOR = "all"
    assert not two_factor.two_factor_required(AnonymousUser())


# --- Keys and codes ------------------------------------------------------------------------


def test_a_key_has_160_random_bits():
    keys = {two_factor.key_make() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(bytes.fromhex(key)) == 20 for key in keys)


def test_the_key_for_people_is_base32_in_groups_of_four():
    key = "00" * 20
    assert two_factor.key_for_people(key) == "AAAA AAAA AAAA AAAA AAAA AAAA AAAA AAAA"


def test_the_otpauth_uri_names_the_site_as_issuer_and_the_email_as_account(settings):
    settings.SITE_NAME = "People: Acme"
    key = two_factor.key_make()
    uri = two_factor.otpauth_uri(key=key, email="ada@example.com")
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ("otpauth", "totp")
    assert unquote(parts.path) == "/People Acme:ada@example.com"
    query = parse_qs(parts.query)
    assert query["secret"] == [base32_of(key)]
    assert query["issuer"] == ["People Acme"]
    assert (query["digits"], query["period"]) == (["6"], ["30"])
    assert query["algorithm"] == ["SHA1"]
    # The label as authenticator apps parse it: issuer and account unescaped at ":" and "@".
    assert uri.startswith("otpauth://totp/People%20Acme:ada@example.com?")


def test_a_signed_key_comes_back_only_for_whom_it_was_drawn():
    key = two_factor.key_make()
    signed = two_factor.key_sign(key, bound_to="link:1")
    assert two_factor.key_unsign(signed, bound_to="link:1") == key
    assert two_factor.key_unsign(signed, bound_to="link:2") is None
    assert two_factor.key_unsign(signed[:-1] + "x", bound_to="link:1") is None


def test_a_signed_key_expires_after_an_hour(totp_clock, monkeypatch):
    from django.core import signing

    key = two_factor.key_make()
    signed = two_factor.key_sign(key, bound_to="enrol:1")
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + two_factor.KEY_MAX_AGE + 1)
    assert two_factor.key_unsign(signed, bound_to="enrol:1") is None


def test_a_code_matches_its_key_one_step_either_way(totp_clock):
    key = two_factor.key_make()
    base32 = base32_of(key)
    for steps in (-1, 0, 1):
        assert two_factor.code_step(key=key, code=totp_clock.code(base32, steps)) is not None
    for steps in (-2, 2):
        assert two_factor.code_step(key=key, code=totp_clock.code(base32, steps)) is None
    assert two_factor.code_step(key=key, code=totp_clock.wrong_code(base32)) is None
    assert two_factor.code_step(key=key, code="12345") is None


def test_a_code_of_six_characters_not_all_digits_or_of_seven_digits_is_refused(totp_clock):
    key = two_factor.key_make()
    code = totp_clock.code(base32_of(key))
    assert two_factor.code_step(key=key, code=code[:5] + "a") is None
    assert two_factor.code_step(key=key, code=code + "0") is None
    assert two_factor.code_step(key=key, code="0" + code) is None


# --- Devices -------------------------------------------------------------------------------


def enrol(user, clock) -> str:
    """Give ``user`` a device through enrolment, its code spent; returns its base32 key."""
    key = two_factor.key_make()
    step = two_factor.code_step(key=key, code=clock.code(base32_of(key)))
    two_factor.device_enrol(user=user, enrolment=two_factor.Enrolment(key=key, step=step))
    return base32_of(key)


def test_enrolling_replaces_the_old_device_with_a_confirmed_one(totp_clock):
    user = StaffFactory()
    enrol(user, totp_clock)
    key = enrol(user, totp_clock)
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert device.tolerance == 1
    assert base32_of(device.key) == key


def test_the_code_that_enrolled_a_device_does_not_sign_in(totp_clock):
    user = StaffFactory()
    key = enrol(user, totp_clock)
    assert two_factor.device_verify(user=user, code=totp_clock.code(key)).device is None
    totp_clock.advance(30)
    assert two_factor.device_verify(user=user, code=totp_clock.code(key)).device is not None


def test_a_code_is_accepted_once(totp_clock):
    user = StaffFactory()
    key = base32_of(TOTPDeviceFactory(user=user).key)
    code = totp_clock.code(key)
    assert two_factor.device_verify(user=user, code=code).device is not None
    totp_clock.advance(2)
    assert two_factor.device_verify(user=user, code=code).device is None


def test_a_code_from_a_minute_ago_or_ahead_is_refused(totp_clock):
    user = StaffFactory()
    key = base32_of(TOTPDeviceFactory(user=user).key)
    assert two_factor.device_verify(user=user, code=totp_clock.code(key, -2)).device is None
    totp_clock.advance(2)
    assert two_factor.device_verify(user=user, code=totp_clock.code(key, 2)).device is None
    totp_clock.advance(4)
    assert two_factor.device_verify(user=user, code=totp_clock.code(key, 1)).device is not None


def test_wrong_codes_in_a_row_make_the_device_wait(totp_clock):
    user = StaffFactory()
    key = base32_of(TOTPDeviceFactory(user=user).key)
    for _ in range(3):
        assert two_factor.device_verify(user=user, code=totp_clock.wrong_code(key)).device is None
        totp_clock.advance(0.5)
    refused = two_factor.device_verify(user=user, code=totp_clock.code(key))
    assert refused.device is None
    assert refused.throttled_until is not None
    totp_clock.advance(5)
    assert two_factor.device_verify(user=user, code=totp_clock.code(key)).device is not None


def test_an_unconfirmed_device_checks_nothing(totp_clock):
    device = TOTPDeviceFactory(confirmed=False)
    code = totp_clock.code(base32_of(device.key))
    assert two_factor.device_verify(user=device.user, code=code).device is None


def test_removing_devices_obeys_who_may_act_on_whom():
    staff = StaffFactory()
    superuser = SuperuserFactory()
    TOTPDeviceFactory(user=staff)
    TOTPDeviceFactory(user=superuser)
    with pytest.raises(PowersExceeded, match=superuser.email):
        two_factor.devices_remove(users=[staff, superuser], actor=StaffFactory())
    assert TOTPDevice.objects.count() == 2
    assert two_factor.devices_remove(users=[staff, superuser], actor=SuperuserFactory()) == 2
    assert not TOTPDevice.objects.exists()


# --- Between the password and the code -------------------------------------------------


def request_with_session():
    from django.contrib.sessions.backends.db import SessionStore

    request = RequestFactory().get("/")
    request.session = SessionStore()
    return request


def test_a_pending_sign_in_lasts_five_minutes(totp_clock):
    user = StaffFactory()
    request = request_with_session()
    two_factor.pending_start(request, user=user, next_url="/admin/")
    assert two_factor.pending_user(request) == user
    totp_clock.advance(two_factor.PENDING_MAX_AGE + 1)
    assert two_factor.pending_user(request) is None


def test_a_pending_sign_in_ends_when_the_password_changes(totp_clock):
    user = StaffFactory()
    request = request_with_session()
    two_factor.pending_start(request, user=user, next_url="/")
    user.set_password("another-Long-passphrase-93")
    user.save()
    assert two_factor.pending_user(request) is None


def test_a_pending_sign_in_ends_when_the_user_is_deactivated(totp_clock):
    user = StaffFactory()
    request = request_with_session()
    two_factor.pending_start(request, user=user, next_url="/")
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert two_factor.pending_user(request) is None


def test_the_code_limit_counts_the_pending_account_else_the_signed_in_one(totp_clock):
    pending, signed_in = StaffFactory(), StaffFactory()
    request = request_with_session()
    request.user = signed_in
    assert two_factor.pending_account(request) == str(signed_in.pk)
    two_factor.pending_start(request, user=pending, next_url="/")
    assert two_factor.pending_account(request) == str(pending.pk)
    assert two_factor.pending_started_here(request) is True
    assert two_factor.pending_started_here(request_with_session()) is False

    from django.contrib.auth.models import AnonymousUser

    nobody = request_with_session()
    nobody.user = AnonymousUser()
    assert two_factor.pending_account(nobody) is None
