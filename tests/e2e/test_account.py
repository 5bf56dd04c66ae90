"""One's own account page, in a real browser: rename, see the sign-in, sign out elsewhere."""

import os

import pytest

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, GroupFactory, UserFactory
from tests.e2e.helpers import SCREENSHOTS, expect, label, labelless_inputs

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


def sign_in(page, site: str, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.goto(f"{site}/accounts/login/")
    page.get_by_label(label("Email address")).fill(email)
    page.get_by_label(label("Password")).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_person_renames_sees_their_sign_in_and_signs_out_elsewhere(site, new_context, tmp_path):
    user = UserFactory(email="ada@example.com", first_name="Ada", last_name="Byron")
    user.groups.add(GroupFactory(name="Analysts"))

    laptop = new_context().new_page()
    phone = new_context().new_page()
    stranger = new_context().new_page()
    sign_in(phone, site, user.email)
    for guess in ("password1", "Password1!"):
        sign_in(stranger, site, user.email, guess)
        expect(stranger.get_by_role("alert").first).to_be_visible()
    sign_in(laptop, site, user.email)

    # Signing in lands on the account page.
    assert laptop.url == f"{site}/accounts/"
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your account")
    main = laptop.locator("main")
    expect(main).to_contain_text("ada@example.com")
    expect(main).to_contain_text("Analysts")
    expect(main).to_contain_text("ask an administrator")
    # Both sign-ins are listed: the phone's and this one.
    tables = laptop.locator("table.sign-ins")
    expect(tables.filter(has_text="Sign-ins, newest first").locator("tbody tr")).to_have_count(2)
    expect(tables.filter(has_text="Failed attempts").locator("tbody tr")).to_have_count(2)
    expect(main).to_contain_text(
        "2 failed attempts to sign in to your account since your previous sign-in."
    )
    assert labelless_inputs(laptop) == []

    # An invalid name shows its error next to the field; a valid one is saved.
    # (The browser stops at maxlength: a client that does not gets the error.)
    first_name = laptop.get_by_label(label("First name"))
    first_name.evaluate("field => field.removeAttribute('maxlength')")
    first_name.fill("x" * 151)
    laptop.get_by_role("button", name="Save names").click()
    expect(laptop.locator("#id_first_name_errors")).to_contain_text("at most 150 characters")
    laptop.get_by_label(label("First name")).fill("Ada")
    laptop.get_by_label(label("Last name")).fill("Lovelace")
    laptop.get_by_role("button", name="Save names").click()
    expect(laptop.get_by_role("status").first).to_contain_text("Your names were saved.")
    assert User.objects.get(pk=user.pk).get_full_name() == "Ada Lovelace"

    shots = SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    laptop.screenshot(path=shots / "account.png", full_page=True)
    assert (shots / "account.png").stat().st_size < 200_000
    # At a phone's width nothing runs off the side.
    laptop.set_viewport_size(PHONE)
    assert laptop.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    laptop.screenshot(path=tmp_path / "account-390.png", full_page=True)
    laptop.set_viewport_size({"width": 1000, "height": 700})

    # Sign out everywhere else: the phone is signed out, the laptop stays.
    laptop.get_by_role("button", name="Sign out everywhere else").click()
    expect(laptop.get_by_role("status").first).to_contain_text("still signed in here")
    phone.goto(f"{site}/accounts/")
    assert phone.url.startswith(f"{site}/accounts/login/")
    laptop.goto(f"{site}/accounts/")
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Your account")
    assert User.objects.get(pk=user.pk).check_password(DEFAULT_PASSWORD)
