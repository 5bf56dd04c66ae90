"""A team link, in real browsers: made in the admin, copied, joined from another browser.

With ``UPDATE_SCREENSHOTS=1`` the pages go to docs/screenshots/:

    UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_team_links.py
"""

import pytest

from accounts.models import User
from accounts.tests.factories import GroupFactory, SuperuserFactory
from invites.keys.kinds import TEAM
from invites.keys.urls import key_url
from invites.models import TeamLink
from invites.tests.factories import TeamLinkFactory
from tests.e2e.helpers import admin_sign_in, clipboard_text, expect, label, qr_codes
from tests.support import GOOD_PASSWORD, INVALID_LINK_TEXT

pytestmark = pytest.mark.e2e

CLIPBOARD = ["clipboard-read", "clipboard-write"]
PHONE = {"width": 390, "height": 844}


def join(page, email: str, password: str = GOOD_PASSWORD, confirmation: str | None = None):
    page.get_by_label(label("Email address")).fill(email)
    page.get_by_label(label("First name")).fill("Ada")
    page.get_by_label(label("Last name")).fill("Byron")
    page.get_by_label(label("Password"), exact=True).fill(password)
    page.get_by_label(label("Password (again)")).fill(
        password if confirmation is None else confirmation
    )
    page.get_by_role("button", name="Create account").click()


def test_admin_makes_a_team_link_copies_it_and_sees_who_joined(site, new_context, shoot):
    GroupFactory(name="Readers")
    admin = SuperuserFactory(email="admin@example.com")
    page = new_context(permissions=CLIPBOARD).new_page()
    admin_sign_in(page, site, admin.email)
    expect(page).to_have_url(f"{site}/admin/")

    page.goto(f"{site}/admin/invites/teamlink/add/")
    page.get_by_label(label("Name")).fill("Data workshop, March")
    page.get_by_label("Readers").check()
    page.get_by_label(label("Number of uses")).fill("30")
    page.get_by_label("1 day").check()
    # "Cancel" stands level with the button beside it, and as tall.
    make = page.get_by_role("button", name="Make the team link").bounding_box()
    cancel = page.get_by_role("link", name="Cancel").bounding_box()
    assert abs(cancel["y"] - make["y"]) <= 1, (make, cancel)
    assert abs(cancel["height"] - make["height"]) <= 1, (make, cancel)
    shoot(page, "team-link-add", full_page=True)
    with page.expect_response(lambda r: r.request.method == "POST") as made:
        page.get_by_role("button", name="Make the team link").click()
    assert "no-store" in made.value.headers["cache-control"]

    url = page.locator("#team-link-url").input_value()
    assert url.startswith(f"{site}/join/")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert clipboard_text(page) == url
    qr = page.locator(".qr svg")
    expect(qr).to_be_visible()
    assert qr_codes(qr.screenshot()) == [url]
    shoot(page, "team-link-made", full_page=True)
    with page.context.expect_page() as printed:
        page.get_by_role("button", name="Print").click()
    sheet = printed.value
    expect(sheet.get_by_text("Data workshop, March").first).to_be_visible()
    assert url not in sheet.url
    sheet.close()

    # Someone else, in their own browser, on a phone.
    member = new_context(viewport=PHONE).new_page()
    member.goto(url)
    expect(member).to_have_url(f"{site}/join/")
    expect(member.get_by_role("heading", level=1)).to_contain_text("Data workshop, March")
    assert member.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(member, "team-join-390", full_page=True)
    join(member, "ada@example.com")
    expect(member).to_have_url(f"{site}/accounts/login/")
    expect(member.get_by_role("status")).to_contain_text(
        "Done. Sign in with this address and your password."
    )
    expect(member.get_by_label(label("Email address"))).to_have_value("ada@example.com")
    member.get_by_label(label("Password")).fill(GOOD_PASSWORD)
    member.get_by_role("button", name="Sign in").click()
    expect(member.get_by_text("ada@example.com").first).to_be_visible()

    # The administrator sees the member, on the list and on the link's page.
    team_link = TeamLink.objects.get()
    page.goto(f"{site}/admin/invites/teamlink/")
    expect(page.get_by_text("29 of 30 left")).to_be_visible()
    shoot(page, "team-links-list", full_page=True)
    page.get_by_role("link", name="Data workshop, March").click()
    page.get_by_role("link", name="ada@example.com").click()
    user = User.objects.get(email="ada@example.com")
    expect(page).to_have_url(f"{site}/admin/accounts/user/{user.pk}/change/")
    assert [group.name for group in user.groups.all()] == ["Readers"]

    # Revoked, the link shows the one invalid page.
    page.goto(f"{site}/admin/invites/teamlink/{team_link.pk}/change/")
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_text("Revoked 1 team link")).to_be_visible()
    late = new_context().new_page()
    late.goto(url)
    expect(late.get_by_text(INVALID_LINK_TEXT)).to_be_visible()


def test_the_join_page_passes_axe_and_fits_a_phone(site, new_context, axe_violations):
    team_link = TeamLinkFactory(name="Data workshop, March", uses_allowed=3)
    page = new_context(viewport=PHONE).new_page()
    page.goto(key_url(TEAM, team_link.secret))

    found = {"join form": axe_violations(page)}
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    join(page, "ada@example.com", GOOD_PASSWORD, "something-else")
    expect(page.get_by_role("alert").first).to_be_visible()
    found["join form with errors"] = axe_violations(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    stranger = page
    stranger.context.clear_cookies()
    stranger.goto(f"{site}/join/")
    found["invalid link"] = axe_violations(page)
    assert {where: ids for where, ids in found.items() if ids} == {}, found


def test_the_team_link_admin_pages_add_no_violation_to_djangos_own(
    site, new_context, axe_violations
):
    group = GroupFactory(name="Readers")
    admin = SuperuserFactory(email="admin@example.com")
    page = new_context().new_page()
    admin_sign_in(page, site, admin.email)

    stock = set()
    for path in ("/admin/auth/group/", f"/admin/auth/group/{group.pk}/change/"):
        page.goto(site + path)
        stock |= set(axe_violations(page))

    ours = {}
    page.goto(f"{site}/admin/invites/teamlink/add/")
    ours["add"] = axe_violations(page)
    page.get_by_label(label("Name")).fill("Data workshop, March")
    page.get_by_label(label("Number of uses")).fill("0")
    page.get_by_role("button", name="Make the team link").click()
    ours["add with errors"] = axe_violations(page)
    page.get_by_label(label("Number of uses")).fill("30")
    page.get_by_role("button", name="Make the team link").click()
    expect(page.locator("#team-link-url")).to_be_visible()
    ours["shown once"] = axe_violations(page)
    team_link = TeamLink.objects.get()
    for path in ("/admin/invites/teamlink/", f"/admin/invites/teamlink/{team_link.pk}/change/"):
        page.goto(site + path)
        ours[path] = axe_violations(page)
    beyond = {
        where: {rule: nodes for rule, nodes in found.items() if rule not in stock}
        for where, found in ours.items()
    }
    assert not {where: found for where, found in beyond.items() if found}, beyond


def test_the_made_team_link_asks_before_leaving_and_a_reload_makes_no_second_one(site, new_context):
    GroupFactory(name="Readers")
    admin = SuperuserFactory(email="admin@example.com")
    page = new_context().new_page()
    admin_sign_in(page, site, admin.email)
    page.goto(f"{site}/admin/invites/teamlink/add/")
    page.get_by_label(label("Name")).fill("Data workshop, March")
    page.get_by_label(label("Number of uses")).fill("30")
    page.get_by_role("button", name="Make the team link").click()
    expect(page.locator("#team-link-url")).to_be_visible()
    dialogs = []

    def stay(dialog):
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Back to the team links").click()
    page.wait_for_timeout(300)
    assert dialogs == ["beforeunload"]
    expect(page.locator("#team-link-url")).to_be_visible()  # still here
    page.remove_listener("dialog", stay)

    # Printed: handed on, so leaving (here a reload) asks nothing, and fetches
    # the list instead of posting the form that made the link again.
    with page.context.expect_page() as printed:
        page.get_by_role("button", name="Print").click()
    printed.value.close()
    page.on("dialog", stay)
    with page.expect_request(lambda request: request.url.startswith(site)) as reloaded:
        page.reload()
    assert reloaded.value.method == "GET"
    expect(page).to_have_url(f"{site}/admin/invites/teamlink/")
    assert dialogs == ["beforeunload"]
    assert TeamLink.objects.count() == 1
