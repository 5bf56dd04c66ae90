"""Every public page, and every admin page this project adds or changes, passes axe-core.

axe-core (Deque's engine, shipped by axe-playwright-python) runs in the page as
it is shown. A public page may have no violation of impact serious or critical.
An admin page may have only those that Django's stock admin pages have
themselves, measured on the Groups list and change page in the same run, so
that a Django upgrade that fixes or adds one moves the baseline with it.
"""

import pytest
from django.urls import NoReverseMatch, reverse

from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    GroupFactory,
    InvitedUserFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
)
from invites.models import ApiToken, Link
from tests.e2e.helpers import admin_action, admin_sign_in, expect, label, submit_new_password
from tests.support import GOOD_PASSWORD

pytestmark = pytest.mark.e2e


def url_or_none(name: str, **kwargs) -> str | None:
    """The path of a URL name, or None where that page does not exist (yet)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def test_the_public_pages_have_no_serious_accessibility_violation(
    site, new_context, issue_link, settings, severe_violations
):
    settings.ACCESS_REQUESTS = True
    found = {}

    anonymous = new_context().new_page()
    for name in ("home", "login"):
        anonymous.goto(site + reverse(name))
        found[name] = severe_violations(anonymous)
    request_page = url_or_none("invites:access_request")
    if request_page:
        anonymous.goto(site + request_page)
        found["access request"] = severe_violations(anonymous)

    invitee = new_context().new_page()
    user = InvitedUserFactory(email="ada@example.com")
    url = issue_link(user)
    invitee.goto(url)
    found["set-password form"] = severe_violations(invitee)
    submit_new_password(invitee, GOOD_PASSWORD, "something-else")
    expect(invitee.get_by_role("alert").first).to_be_visible()
    found["set-password form with errors"] = severe_violations(invitee)
    submit_new_password(invitee, GOOD_PASSWORD)
    expect(invitee).to_have_url(f"{site}/accounts/")
    found["account page after setting a password"] = severe_violations(invitee)

    stranger = new_context().new_page()
    stranger.goto(url)
    found["invalid link"] = severe_violations(stranger)

    hasty = new_context().new_page()
    hasty.goto(issue_link(InvitedUserFactory()))
    for _ in range(6):
        with hasty.expect_response(lambda r: r.request.method == "POST") as posted:
            submit_new_password(hasty, GOOD_PASSWORD, "something-else")
        if posted.value.status == 429:
            break
    assert posted.value.status == 429
    found["too many attempts"] = severe_violations(hasty)

    member = UserFactory(email="member@example.com")
    signed_in = new_context().new_page()
    signed_in.goto(site + reverse("login"))
    signed_in.get_by_label(label("Email address")).fill(member.email)
    signed_in.get_by_label(label("Password")).fill("x")
    signed_in.get_by_role("button", name="Sign in").click()
    found["sign-in error"] = severe_violations(signed_in)
    signed_in.get_by_label(label("Password")).fill(DEFAULT_PASSWORD)
    signed_in.get_by_role("button", name="Sign in").click()
    signed_in.goto(site + reverse("home"))
    found["home, signed in"] = severe_violations(signed_in)
    signed_in.goto(site + reverse("password_change"))
    found["password change"] = severe_violations(signed_in)
    account = url_or_none("account")
    if account:
        signed_in.goto(site + account)
        found["account"] = severe_violations(signed_in)
    signed_in.get_by_role("button", name="Sign out", exact=True).click()
    found["signed out"] = severe_violations(signed_in)

    assert {page: ids for page, ids in found.items() if ids} == {}, found


def stock_admin_violations(page, site, severe_violations) -> set[str]:
    """The rules Django's stock admin pages break themselves: what ours may break too."""
    group = GroupFactory(name="engineering")
    stock = set()
    for path in (
        "/admin/auth/group/",
        f"/admin/auth/group/{group.pk}/change/",
        "/admin/auth/group/add/",
    ):
        page.goto(site + path)
        stock |= set(severe_violations(page))
    return stock


def test_the_admin_pages_of_this_project_add_no_violation_to_djangos_own(
    site, new_context, severe_violations
):
    admin = SuperuserFactory(email="admin@example.com")
    person = InvitedUserFactory(email="ada@example.com")
    UserFactory(email="grace@example.com")
    page = new_context().new_page()
    admin_sign_in(page, site, admin.email)
    allowed = stock_admin_violations(page, site, severe_violations)

    ours = {}
    page.goto(f"{site}/admin/accounts/user/")
    admin_action(page, "Generate set-password links", [person.email])
    expect(page.locator(".issued-link")).to_have_count(1)
    ours["links page"] = severe_violations(page)
    with page.context.expect_page() as printed:
        page.get_by_role("button", name="Print sheet").click()
    sheets = printed.value
    expect(sheets.locator(".handover-sheet")).to_have_count(1)
    ours["handover sheets"] = severe_violations(sheets)
    sheets.close()
    link = Link.objects.get(user=person)
    for path in (
        "/admin/",
        "/admin/accounts/user/",
        f"/admin/accounts/user/{person.pk}/change/",
        "/admin/accounts/user/add/",
        "/admin/invites/link/",
        "/admin/invites/link/?expires_soon=24h",
        f"/admin/invites/link/{link.pk}/change/",
    ):
        page.goto(site + path)
        ours[path] = severe_violations(page)
    for name in ("admin:invites_accessrequest_changelist",):
        path = url_or_none(name)
        if path:
            page.goto(site + path)
            ours[path] = severe_violations(page)
    # The pages that ask before an action revokes or deactivates.
    page.goto(f"{site}/admin/invites/link/")
    admin_action(page, "Revoke selected links", [person.email])
    expect(page.get_by_role("button", name="Revoke this link")).to_be_visible()
    ours["revoke confirmation"] = severe_violations(page)
    page.goto(f"{site}/admin/accounts/user/")
    admin_action(page, "Deactivate selected users", [person.email])
    expect(page.get_by_role("button", name="Deactivate this user")).to_be_visible()
    ours["deactivate confirmation"] = severe_violations(page)

    beyond_stock = {
        where: {rule: nodes for rule, nodes in violations.items() if rule not in allowed}
        for where, violations in ours.items()
    }
    beyond_stock = {where: v for where, v in beyond_stock.items() if v}
    assert not beyond_stock, f"stock pages have {sorted(allowed)}; ours add {beyond_stock}"
    print(f"\nDjango's stock admin pages: {sorted(allowed) or 'no'} serious or critical violations")


def test_the_api_token_pages_have_no_serious_accessibility_violation(
    site, new_context, severe_violations
):
    StaffFactory(email="ada@example.com")
    page = new_context(permissions=["clipboard-read", "clipboard-write"]).new_page()
    page.goto(site + reverse("login"))
    page.get_by_label(label("Email address")).fill("ada@example.com")
    page.get_by_label(label("Password")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="API tokens")).to_be_visible()

    found = {"account, no token": severe_violations(page)}
    page.get_by_label(label("Description")).fill("HR system provisioning")
    page.get_by_label(label("Your password")).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Issue a token").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your new API token")
    found["token just issued"] = severe_violations(page)
    page.get_by_role("button", name="Copy").click()  # copied: leaving asks nothing
    page.goto(site + reverse("account"))
    expect(
        page.get_by_role("button", name="Revoke the token HR system provisioning")
    ).to_be_visible()
    found["account with a token"] = severe_violations(page)
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: the list is laid out anew
    found["account with a token, on a phone"] = severe_violations(page)
    page.goto(site + reverse("invites:api_token_issue"))
    page.get_by_role("button", name="Issue a token").click()
    expect(page.get_by_role("alert").first).to_be_visible()
    found["token form with errors"] = severe_violations(page)

    assert {where: ids for where, ids in found.items() if ids} == {}, found


def test_the_api_token_admin_pages_add_no_violation_to_djangos_own(
    site, new_context, severe_violations
):
    admin = SuperuserFactory(email="admin@example.com")
    UserFactory(email="grace@example.com")
    page = new_context(permissions=["clipboard-read", "clipboard-write"]).new_page()
    admin_sign_in(page, site, admin.email)
    allowed = stock_admin_violations(page, site, severe_violations)

    ours = {}
    page.goto(f"{site}/admin/invites/apitoken/add/")
    ours["add"] = severe_violations(page)
    page.get_by_label(label("Owner's email")).fill("nobody@example.com")
    page.get_by_role("button", name="Issue the token").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    ours["add with errors"] = severe_violations(page)
    page.get_by_label(label("Owner's email")).fill("grace@example.com")
    page.get_by_label(label("Description")).fill("Nightly export")
    page.get_by_role("button", name="Issue the token").click()
    expect(page.get_by_role("heading", name="Nightly export")).to_be_visible()
    ours["issued"] = severe_violations(page)
    page.get_by_role("button", name="Copy").click()  # copied: leaving asks nothing
    token = ApiToken.objects.get()
    for path in ("/admin/invites/apitoken/", f"/admin/invites/apitoken/{token.pk}/change/"):
        page.goto(site + path)
        ours[path] = severe_violations(page)

    beyond_stock = {
        where: {rule: nodes for rule, nodes in violations.items() if rule not in allowed}
        for where, violations in ours.items()
    }
    beyond_stock = {where: v for where, v in beyond_stock.items() if v}
    assert not beyond_stock, f"stock pages have {sorted(allowed)}; ours add {beyond_stock}"
