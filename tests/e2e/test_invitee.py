"""The invitee's side, in a real browser: open the link, set a password, signed in."""

import pytest
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.tests.factories import InvitedUserFactory
from invites.models import Link
from tests.e2e.helpers import (
    CONFIRMATION,
    NEW_PASSWORD,
    expect,
    label,
    labelless_inputs,
    submit_new_password,
)
from tests.support import GOOD_PASSWORD, INVALID_LINK_TEXT, SUCCESS_TEXT

pytestmark = pytest.mark.e2e

WEAK_PASSWORD = "password"


def validator_messages(password: str, user: User) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def test_invitee_sets_a_password_and_signs_in(site, issue_link, page):
    user = InvitedUserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace")
    url = issue_link(user)
    secret = url.rstrip("/").rsplit("/", 1)[-1]

    page.goto(url)

    # The secret left the address bar before the form appeared.
    assert page.url == f"{site}/set-password/"
    assert secret not in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Set your password")
    expect(page.locator("main")).to_contain_text("ada@example.com")
    # The title (what tabs, history and link previews show) names no one.
    assert "ada" not in page.title().lower()

    expected = validator_messages(WEAK_PASSWORD, user)
    assert len(expected) >= 2  # too short and too common
    submit_new_password(page, WEAK_PASSWORD)

    errors = page.locator(".errors")
    for message in expected:
        expect(errors.filter(has_text=message)).to_have_count(1)
    assert page.url == f"{site}/set-password/"
    assert Link.objects.get(user=user).used_at is None

    submit_new_password(page, GOOD_PASSWORD)

    # The link signed her in: she lands on her own account page.
    expect(page).to_have_url(f"{site}/accounts/")
    expect(page.get_by_role("status")).to_contain_text(SUCCESS_TEXT)
    expect(page.locator(".account-email")).to_have_text("ada@example.com")
    # The header and the title name the site, not the host the request came to.
    expect(page.locator(".site-name")).to_have_text(settings.SITE_NAME)
    assert page.title() == f"Your account · {settings.SITE_NAME}"

    # Signed out, the sign-in form has her email filled in; the password signs in.
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.goto(f"{site}/accounts/login/")
    expect(page.get_by_label(label("Email address"))).to_have_value("ada@example.com")
    page.get_by_label(label("Password")).fill(GOOD_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site}/accounts/")
    expect(page.locator(".account-email")).to_have_text("ada@example.com")


def test_a_used_link_shows_the_invalid_link_page(site, issue_link, new_context):
    user = InvitedUserFactory()
    url = issue_link(user)
    first = new_context().new_page()
    first.goto(url)
    submit_new_password(first, GOOD_PASSWORD)
    expect(first).to_have_url(f"{site}/accounts/")

    again = new_context().new_page()
    response = again.goto(url)

    assert response.status == 404
    assert again.url == f"{site}/set-password/"
    expect(again.locator("main")).to_contain_text(INVALID_LINK_TEXT)
    expect(again.get_by_label(NEW_PASSWORD)).to_have_count(0)


def test_the_form_works_with_the_keyboard_alone(site, issue_link, page):
    user = InvitedUserFactory(email="grace@example.com")
    page.goto(issue_link(user))
    assert labelless_inputs(page) == []

    # Tab from the top of the page until the first password field has the focus.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "new_password1":
            break
    else:
        pytest.fail("Tab never reached the new-password field")
    page.keyboard.type(GOOD_PASSWORD)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "new_password2"
    page.keyboard.type(GOOD_PASSWORD)
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{site}/accounts/")
    expect(page.get_by_role("status")).to_contain_text(SUCCESS_TEXT)
    assert labelless_inputs(page) == []
    user.refresh_from_db()
    assert user.check_password(GOOD_PASSWORD)


def test_the_error_messages_are_announced_next_to_their_field(site, issue_link, page):
    page.goto(issue_link(InvitedUserFactory()))
    page.get_by_label(NEW_PASSWORD).fill(GOOD_PASSWORD)
    page.get_by_label(CONFIRMATION).fill(GOOD_PASSWORD + "x")
    page.keyboard.press("Enter")

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Type your new password again in both fields.")
    assert labelless_inputs(page) == []
