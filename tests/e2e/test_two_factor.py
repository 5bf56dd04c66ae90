"""Two-factor in a real browser: enrol through the link (which signs in), sign in to the
admin with a code, enrol at sign-in; axe-core on each new page; the pages' screenshots.

Codes are computed by pyotp from the key the page shows, as an authenticator
app would, at the real time (the next step's code stands in for "30 seconds
later": one step of drift is allowed). ``UPDATE_SCREENSHOTS=1`` writes the
screenshots to docs/screenshots/, as tests/e2e/test_screenshots.py does.
"""

import re
import time

import pyotp
import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, InvitedUserFactory, StaffFactory
from tests.e2e.helpers import expect, label, qr_codes, submit_new_password
from tests.support import GOOD_PASSWORD

pytestmark = pytest.mark.e2e

CODE = label("Code from your authenticator app")


@pytest.fixture(autouse=True)
def two_factor_default(settings):
    """The default policy, staff (the suite runs with it off)."""
    settings.TWO_FACTOR = "staff"


def key_on(page) -> pyotp.TOTP:
    return pyotp.TOTP(page.locator(".authenticator-key code").inner_text().replace(" ", ""))


def test_a_new_administrator_enrols_through_the_link_and_signs_in_with_a_code(
    site, issue_link, page, axe_violations, shoot
):
    staff = InvitedUserFactory(email="ada@example.com", is_staff=True)
    page.goto(issue_link(staff))

    # The set-password page: the password, and the authenticator with its QR code.
    expect(page.get_by_role("group", name="Authenticator app")).to_be_visible()
    code_field = page.get_by_label(CODE)
    expect(code_field).to_have_attribute("autocomplete", "one-time-code")
    expect(code_field).to_have_attribute("inputmode", "numeric")
    totp = key_on(page)
    uri = page.get_by_role("link", name="Open in an authenticator app on this device")
    expect(uri).to_have_attribute("href", re.compile(r"^otpauth://totp/People:ada@example\.com\?"))
    assert qr_codes(page.locator(".authenticator-qr svg").screenshot()) == [
        uri.get_attribute("href")
    ]
    assert axe_violations(page) == {}
    shoot(page, "two-factor-set-password", full_page=True)

    # A wrong code sets nothing and asks again, for the same key.
    code_field.fill("000000" if totp.now() != "000000" else "111111")
    submit_new_password(page, GOOD_PASSWORD)
    expect(page.locator(".errors")).to_contain_text("does not match this key")
    assert key_on(page).secret == totp.secret
    enrolment_code = totp.now()
    page.get_by_label(CODE).fill(enrolment_code)
    submit_new_password(page, GOOD_PASSWORD)

    # The link and the code signed her in, verified: she is in the admin.
    expect(page).to_have_url(f"{site}/admin/")
    expect(page.locator(".messagelist")).to_contain_text(
        "Your password is set and your authenticator app is ready. You are signed in."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("People and access")
    page.get_by_role("button", name="Log out").click()

    # The admin's sign-in: the password, then the code. The code her app still
    # shows was used to set it up: the page says to wait for the next one.
    page.goto(f"{site}/admin/login/")
    page.get_by_label(label("Email address")).fill("ada@example.com")
    page.get_by_label(label("Password")).fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Type your code")
    expect(page.get_by_label(CODE)).to_be_focused()
    assert axe_violations(page) == {}
    shoot(page, "two-factor-code", full_page=True)
    page.get_by_label(CODE).fill(enrolment_code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".errors")).to_contain_text(
        "That code was already used, and works only once. Wait until your authenticator "
        "app shows the next code, then type that one."
    )
    assert axe_violations(page) == {}
    # django-otp makes a device wait a second after a refused code.
    page.wait_for_timeout(1100)
    page.get_by_label(CODE).fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site}/admin/")

    # Her account page offers to replace the authenticator.
    page.goto(f"{site}/accounts/")
    page.get_by_role("link", name="Replace your authenticator app").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Replace your authenticator app")
    assert axe_violations(page) == {}
    shoot(page, "two-factor-replace", full_page=True)


def test_staff_without_an_authenticator_set_one_up_after_the_password(
    site, page, axe_violations, shoot
):
    StaffFactory(email="grace@example.com")
    page.goto(f"{site}/accounts/login/")
    page.get_by_label(label("Email address")).fill("grace@example.com")
    page.get_by_label(label("Password")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up an authenticator app")
    assert axe_violations(page) == {}
    shoot(page, "two-factor-enrol", full_page=True)
    page.get_by_label(CODE).fill(key_on(page).now())
    page.get_by_role("button", name="Set up and sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.locator(".messages")).to_contain_text("Your authenticator app is set up.")


PHONE = {"width": 390, "height": 844}


def test_on_a_phone_the_key_comes_before_the_qr_code(
    site, issue_link, new_context, axe_violations, shoot
):
    phone = new_context(viewport=PHONE, is_mobile=True).new_page()
    phone.goto(issue_link(InvitedUserFactory(email="ada@example.com", is_staff=True)))

    here = phone.get_by_role("link", name="Open in an authenticator app on this device")
    key = phone.locator(".authenticator-key code")
    qr = phone.locator(".authenticator-qr svg")
    expect(phone.locator(".authenticator-here")).to_contain_text("Reading this on your phone?")
    # A phone cannot scan its own screen: the link and the key come first.
    assert here.bounding_box()["y"] < qr.bounding_box()["y"]
    assert key.bounding_box()["y"] < qr.bounding_box()["y"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert axe_violations(phone) == {}
    shoot(phone, "two-factor-set-password-390", full_page=True)
