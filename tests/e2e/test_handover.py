"""Handing links over, in a real browser: messages, QR codes, leaving the page, print sheets."""

import io

import pytest

from accounts.tests.factories import InvitedUserFactory, SuperuserFactory
from invites.admin.issuing import QR_INLINE_LIMIT
from invites.keys.secrets import secret_typable
from invites.models import Link
from tests.e2e.helpers import admin_action, admin_sign_in, clipboard_text, expect, qr_codes

pytestmark = pytest.mark.e2e

CLIPBOARD = ["clipboard-read", "clipboard-write"]
ISSUE = "Generate set-password links"

pypdf = pytest.importorskip("pypdf", reason="the pypdf package is not installed")


@pytest.fixture
def admin_page(site, new_context):
    """A signed-in superuser's page, in a context that may use the clipboard."""
    admin = SuperuserFactory(email="admin@example.com")
    page = new_context(permissions=CLIPBOARD).new_page()
    admin_sign_in(page, site, admin.email)
    expect(page).to_have_url(f"{site}/admin/")
    return page


def issue(page, emails: list[str]) -> None:
    """From the user list, issue links for these users: the links page."""
    page.get_by_role("link", name="Users").first.click()
    admin_action(page, ISSUE, emails)


@pytest.fixture
def people():
    return [
        InvitedUserFactory(email="ada@example.com", first_name="Ada", last_name="Lovelace"),
        InvitedUserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper"),
        InvitedUserFactory(email="alan@example.com", first_name="Alan", last_name="Turing"),
    ]


def row_of(page, email: str):
    return page.locator(f'.issued-link[data-email="{email}"]')


def link_of(page, email: str) -> str:
    return row_of(page, email).locator(".link-url").input_value()


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page of a PDF."""
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_each_row_names_its_person_and_copies_a_ready_message(admin_page, people):
    page = admin_page
    issue(page, ["ada@example.com"])
    row = row_of(page, "ada@example.com")
    expect(row.get_by_role("heading")).to_have_text("Ada Lovelace ada@example.com")

    row.get_by_role("button", name="Copy message").click()

    copied = clipboard_text(page)
    assert copied.startswith(
        f"Hi Ada,\nset your password for People here: {link_of(page, 'ada@example.com')}\n"
    )
    assert "valid until" in copied
    assert copied == row.locator("textarea").input_value()
    row.get_by_text("Message to send").click()
    expect(row.locator("textarea")).to_be_visible()
    # The box shows the whole message: nothing to scroll, no last line cut.
    inner, outer = row.locator("textarea").evaluate("(box) => [box.scrollHeight, box.clientHeight]")
    assert inner <= outer, f"the message is {inner} px tall in a {outer} px box"


def test_one_link_gets_no_copy_all_but_two_do(admin_page, people):
    page = admin_page
    issue(page, ["ada@example.com"])
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible()
    expect(page.get_by_role("button", name="Copy all")).to_have_count(0)
    expect(page.get_by_role("button", name="Print all")).to_have_count(0)
    # Its link is copied: leaving asks nothing.
    row_of(page, "ada@example.com").get_by_role("button", name="Copy", exact=True).click()
    expect(row_of(page, "ada@example.com").get_by_role("button", name="Copied")).to_be_visible()

    page.get_by_role("link", name="Back to the users").click()
    admin_action(page, ISSUE, ["ada@example.com", "grace@example.com"])
    expect(page.get_by_role("button", name="Copy all")).to_be_visible()
    expect(page.get_by_role("button", name="Print all")).to_be_visible()


def test_show_all_qr_codes_draws_every_code_on_a_long_page(admin_page, site):
    page = admin_page
    emails = [f"person{n:02}@example.com" for n in range(QR_INLINE_LIMIT + 2)]
    for email in emails:
        InvitedUserFactory(email=email)
    page.goto(f"{site}/admin/accounts/user/?q=person")
    page.get_by_role("checkbox", name="Select all objects on this page for an action").check()
    page.locator("select[name=action]").select_option(label=ISSUE)
    page.get_by_role("button", name="Go").click()
    page.get_by_role("button", name="Issue the links").click()
    expect(page.locator(".issued-link")).to_have_count(len(emails))
    expect(page.locator(".issued-link .qr svg")).to_have_count(0)

    page.get_by_role("button", name="Show all QR codes").click()

    expect(page.locator(".issued-link .qr svg")).to_have_count(len(emails))
    expect(page.get_by_role("button", name="Show all QR codes")).to_be_hidden()
    last = row_of(page, emails[-1])
    assert qr_codes(last.locator(".qr svg").screenshot()) == [link_of(page, emails[-1])]


def test_leaving_the_page_asks_first_until_the_links_are_handed_on(admin_page, people):
    page = admin_page
    issue(page, ["ada@example.com", "grace@example.com"])
    expect(page.locator(".issued-link")).to_have_count(2)
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Back to the users").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page.locator(".issued-link")).to_have_count(2)  # still here
    page.remove_listener("dialog", stay)

    # One copied, one not: still asks.
    row_of(page, "ada@example.com").get_by_role("button", name="Copy", exact=True).click()
    page.on("dialog", stay)
    page.get_by_role("link", name="Back to the users").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload", "beforeunload"]
    page.remove_listener("dialog", stay)

    # All copied: leaves without a word.
    page.get_by_role("button", name="Copy all").click()
    expect(page.locator(".issued-links-status")).to_have_text("All links copied.")
    page.get_by_role("link", name="Back to the users").click()
    expect(page.get_by_role("heading", name="Select user to change")).to_be_visible()
    assert dialogs == ["beforeunload", "beforeunload"]


def test_a_reload_does_not_post_the_form_again(admin_page, site, people):
    page = admin_page
    issue(page, ["ada@example.com"])
    expect(page.locator(".issued-link")).to_have_count(1)
    page.get_by_role("button", name="Download CSV").click()  # handed on: no question
    issued = Link.objects.count()

    with page.expect_request(lambda request: request.url.startswith(site)) as reloaded:
        page.reload()

    assert reloaded.value.method == "GET"
    expect(page).to_have_url(f"{site}/admin/accounts/user/")
    expect(page.get_by_role("heading", name="Select user to change")).to_be_visible()
    assert Link.objects.count() == issued


def print_tab(page, button):
    """Click a print button and return the tab its sheets open in."""
    with page.context.expect_page() as opened:
        button.click()
    sheets = opened.value
    sheets.wait_for_load_state()
    expect(sheets.locator(".handover-sheet").first).to_be_visible()
    return sheets


# A3 has room for two sheets a page: there only the page break keeps them apart.
@pytest.mark.parametrize("paper", ["A4", "Letter", "A3"])
def test_the_sheets_print_one_page_per_person(admin_page, people, paper):
    page = admin_page
    issue(page, [person.email for person in people])
    links = {person.email: link_of(page, person.email) for person in people}

    sheets = print_tab(page, page.get_by_role("button", name="Print all"))

    assert "/set-password/" not in sheets.url
    expect(sheets.locator(".handover-sheet")).to_have_count(3)
    expect(sheets.get_by_role("button", name="Print")).to_be_visible()
    pages = pdf_pages(sheets.pdf(format=paper))
    assert len(pages) == len(people)
    # Each page is one person's, in the order of the links page.
    order = [row.get_attribute("data-email") for row in page.locator(".issued-link").all()]
    by_email = {person.email: person for person in people}
    for text, email in zip(pages, order, strict=True):
        person = by_email[email]
        others = [other for other in people if other != person]
        assert person.get_full_name() in text
        assert not any(other.email in text for other in others)
        assert person.email in text
        assert "PEOPLE" in text.upper()
        assert "sign in at" in text
        # Printed in the spelling a person can type (keys.secrets.secret_typable).
        typable = secret_typable(links[person.email].rstrip("/").rsplit("/", 1)[1])
        assert typable[:4] in text
        assert typable[-3:] in text
    # The screen's QR code is the link itself.
    first = sheets.locator(".handover-sheet").first.locator(".handover-qr svg")
    assert qr_codes(first.screenshot()) == [links[order[0]]]


def test_one_persons_sheet_prints_on_one_page(admin_page, people):
    page = admin_page
    issue(page, [person.email for person in people])
    row = row_of(page, "grace@example.com")

    sheets = print_tab(page, row.get_by_role("button", name="Print sheet"))

    expect(sheets.locator(".handover-sheet")).to_have_count(1)
    (text,) = pdf_pages(sheets.pdf(format="A4"))
    assert "Grace Hopper" in text
    assert "Ada Lovelace" not in text
    # The links page is still there, with its links.
    expect(page.locator(".issued-link")).to_have_count(3)


def test_a_staff_members_message_and_sheet_say_to_have_a_phone_at_hand(site, new_context, settings):
    import pyotp

    from accounts.tests.factories import TOTPDeviceFactory
    from accounts.tests.totp import base32_of
    from tests.e2e.helpers import label

    settings.TWO_FACTOR = "staff"
    admin = SuperuserFactory(email="admin@example.com")
    device = TOTPDeviceFactory(user=admin)
    InvitedUserFactory(email="ada@example.com", first_name="Ada", is_staff=True)
    page = new_context(permissions=CLIPBOARD).new_page()
    admin_sign_in(page, site, admin.email)
    page.get_by_label(label("Code from your authenticator app")).fill(
        pyotp.TOTP(base32_of(device.key)).now()
    )
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site}/admin/")
    issue(page, ["ada@example.com"])

    row = row_of(page, "ada@example.com")
    row.get_by_role("button", name="Copy message").click()
    assert "Have your phone at hand: the same page sets up an authenticator app" in (
        clipboard_text(page)
    )
    sheets = print_tab(page, row.get_by_role("button", name="Print sheet"))
    expect(sheets.locator(".handover-steps")).to_contain_text(
        "add your key to an authenticator app on your phone"
    )
    expect(sheets.locator(".handover-steps li")).to_have_count(4)
