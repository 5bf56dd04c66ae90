"""Who needs a link, in a browser at 1280 px: the lists fit, the pages pass axe.

Every admin list shows every column without scrolling sideways on a 1280 px
screen with the admin's navigation sidebar open, with long addresses and links
in every state, and breaks addresses only after an "@", a dot or a colon; the user
page's summary, the link page's Revoke button, the reactivation's button and
the add form's message for an address taken add no serious accessibility
violation to Django's own pages. Screenshots go to a temporary folder unless
UPDATE_SCREENSHOTS=1, which writes docs/screenshots/:

    UPDATE_SCREENSHOTS=1 .venv/bin/python -m pytest tests/e2e/test_needs_link.py
"""

import pytest

from accounts.tests.factories import (
    GroupFactory,
    InvitedUserFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
)
from invites.models import Link
from invites.tests.factories import LinkFactory
from tests.e2e.helpers import admin_action, admin_sign_in, expect, label

pytestmark = pytest.mark.e2e


DESKTOP = {"width": 1280, "height": 800}


# The elements that reach past the screen's right edge, innermost last.
OVERFLOWING = """
[...document.querySelectorAll("body *")]
  .filter((element) => element.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(-5)
  .map((element) => `${element.tagName.toLowerCase()}#${element.id}.${element.className}`)
"""


def assert_no_sideways_scroll(page) -> None:
    """Neither the page nor a list's table (Django lets it scroll in its box) is too wide."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], (
        f"{page.url} is {widths[0]} px wide on a {widths[1]} px screen: "
        f"{page.evaluate(OVERFLOWING)}"
    )
    for box in page.locator("#changelist-form .results").all():
        inner, outer = box.evaluate("(box) => [box.scrollWidth, box.clientWidth]")
        columns = box.evaluate(
            "(box) => [...box.querySelectorAll('thead th')]"
            ".map((th) => `${th.className}: ${Math.round(th.getBoundingClientRect().width)}`)"
        )
        assert inner <= outer, (
            f"the list on {page.url} is {inner} px wide in a {outer} px box: {columns}"
        )


# The addresses in a list's cells that wrap anywhere but after an "@", a dot or a
# colon: each character's line is compared with the one before it.
ADDRESSES_BROKEN_MID_WORD = """
[...document.querySelectorAll("#result_list .address")].filter((address) => {
  let top = null;
  let before = null;
  const walker = document.createTreeWalker(address, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const at = range.getBoundingClientRect().top;
      if (top !== null && at > top + 2 && !"@.:".includes(before)) {
        return true;
      }
      top = at;
      before = node.data[i];
    }
  }
  return false;
}).map((address) => address.textContent)
"""


def people() -> dict[str, object]:
    """Users with long addresses, in groups, whose links are in every state."""
    admin = SuperuserFactory(email="admin@example.com")
    engineering = GroupFactory(name="engineering")
    support = GroupFactory(name="customer support")
    issuer = StaffFactory(email="operations.lead.with.a.long.name@people.example.com")
    invited = InvitedUserFactory(
        email="ada.lovelace.analytical.engine@example.com", first_name="Ada", last_name="Lovelace"
    )
    invited.groups.add(engineering, support)
    LinkFactory(user=invited, expired=True, created_by=issuer, created_via=Link.Via.ADMIN)
    reset = UserFactory(
        email="grace.hopper.compiler@navy.example.org", first_name="Grace", last_name="Hopper"
    )
    reset.groups.add(engineering)
    LinkFactory(
        user=reset,
        purpose=Link.Purpose.RESET,
        created_by=issuer,
        created_via=Link.Via.ADMIN,
        revoked=True,
        revoke_reason=Link.RevokeReason.SUPERSEDED,
        revoked_by=issuer,
    )
    open_reset = LinkFactory(user=reset, purpose=Link.Purpose.RESET, created_by=issuer)
    used = UserFactory(email="katherine.johnson.orbits@nasa.example.gov")
    LinkFactory(user=used, used=True)
    revoked = InvitedUserFactory(email="margaret.hamilton.apollo.guidance@mit.example.edu")
    LinkFactory(
        user=revoked,
        revoked=True,
        revoke_reason=Link.RevokeReason.ISSUER_DEACTIVATED,
    )
    gone = InvitedUserFactory(email="hedy.lamarr.frequency.hopping@example.com", is_active=False)
    return {"admin": admin, "invited": invited, "reset": reset, "open": open_reset, "gone": gone}


def test_the_lists_fit_1280_px_and_the_needs_link_pages_pass_axe(
    site,
    new_context,
    severe_violations,
    shoot,
):
    found = people()
    page = new_context(viewport=DESKTOP).new_page()
    admin_sign_in(page, site, found["admin"].email)

    # Django's stock pages: the baseline for axe.
    group = GroupFactory(name="baseline")
    stock = {}
    for path in ("/admin/auth/group/", f"/admin/auth/group/{group.pk}/change/"):
        page.goto(site + path)
        stock[path] = severe_violations(page)
    allowed = {rule for violations in stock.values() for rule in violations}
    ours = {}

    # The links list: every column on the screen, states worded as people are.
    page.goto(f"{site}/admin/invites/link/")
    expect(page.locator("#result_list tbody tr")).to_have_count(5)
    for word in ("Reset pending", "Expired", "Used", "Revoked", "Its issuer was deactivated"):
        expect(page.locator("#result_list")).to_contain_text(word)
    assert_no_sideways_scroll(page)
    shoot(page, "links-list-1280")
    ours["links list"] = severe_violations(page)

    # The user list: status, link and groups; the filter "needs a link".
    page.goto(f"{site}/admin/accounts/user/")
    assert_no_sideways_scroll(page)
    row = page.get_by_role("row").filter(has_text=found["invited"].email)
    expect(row).to_contain_text("Invited")
    expect(row).to_contain_text("Expired")
    expect(row).to_contain_text("customer support, engineering")
    page.get_by_role("link", name="Needs a link (no open link)").click()
    # Ada's invite expired, Margaret's was revoked; Grace holds an open reset.
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text(found["invited"].email)
    expect(page.locator("#result_list")).not_to_contain_text(found["reset"].email)
    assert_no_sideways_scroll(page)
    shoot(page, "users-needing-a-link-1280")
    ours["user list, needs a link"] = severe_violations(page)

    # Reactivation: the count, and the button that leads to issuing.
    page.goto(f"{site}/admin/accounts/user/?status=deactivated")
    admin_action(page, "Reactivate selected users", [found["gone"].email])
    expect(page.locator(".messagelist")).to_contain_text("1 of them has no password and no open")
    button = page.get_by_role("button", name="Issue a set-password link for this user")
    expect(button).to_be_visible()
    # In the content's margins, level with the list's title: not against the sidebar.
    title = page.get_by_role("heading", name="Select user to change").bounding_box()
    assert abs(button.bounding_box()["x"] - title["x"]) <= 1
    shoot(page, "users-after-a-reactivation-1280")
    ours["user list after a reactivation"] = severe_violations(page)
    button.click()
    expect(page.get_by_role("button", name="Issue the links")).to_be_visible()
    expect(page.locator("#content")).to_contain_text(found["gone"].email)

    # The user's page: the summary on top, the warning before issuing, Revoke.
    page.goto(f"{site}/admin/accounts/user/{found['reset'].pk}/change/")
    summary = page.locator(".user-summary")
    expect(summary).to_contain_text("Reset pending")
    expect(summary).to_contain_text("Open until")
    issue = page.get_by_role("button", name="Issue a set-password link")
    expect(issue).to_have_accessible_description(
        # Playwright reads the description the note gives the button.
        page.locator("#issue-link-note").inner_text()
    )
    expect(page.get_by_text("Enable password-based authentication")).to_have_count(0)
    shoot(page, "user-summary-1280")
    assert_no_sideways_scroll(page)
    ours["user page"] = severe_violations(page)
    page.get_by_role("button", name="Revoke the open link").click()
    expect(page.locator(".messagelist")).to_contain_text("was revoked")
    expect(summary).to_contain_text("Revoked")
    expect(page.get_by_role("button", name="Revoke the open link")).to_have_count(0)

    # A link's page: its Revoke button.
    link = LinkFactory(user=found["invited"], created_by=found["admin"])
    page.goto(f"{site}/admin/invites/link/{link.pk}/change/")
    ours["link page"] = severe_violations(page)
    page.get_by_role("button", name="Revoke this link").click()
    expect(page.locator(".messagelist")).to_contain_text("Revoked 1 link.")
    link.refresh_from_db()
    assert link.state == Link.State.REVOKED

    # Adding someone who exists: one message, leading to their page.
    page.goto(f"{site}/admin/accounts/user/add/")
    page.get_by_label(label("Email address")).fill(found["invited"].email.upper())
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errorlist")).to_have_count(1)
    ours["add page, address taken"] = severe_violations(page)
    page.get_by_role("link", name="Issue a new link").click()
    expect(page.locator(".user-summary")).to_be_visible()

    beyond_stock = {
        where: {rule: nodes for rule, nodes in violations.items() if rule not in allowed}
        for where, violations in ours.items()
    }
    beyond_stock = {where: v for where, v in beyond_stock.items() if v}
    assert not beyond_stock, f"stock pages have {sorted(allowed)}; ours add {beyond_stock}"


def test_every_admin_list_fits_1280_px_with_the_sidebar_open(site, new_context, settings, shoot):
    from django.contrib import admin
    from django.contrib.admin.templatetags.admin_urls import admin_urlname
    from django.urls import reverse

    from accounts import clock
    from invites.models import PurgedLink
    from invites.tests.factories import AccessRequestFactory, ApiTokenFactory, TeamLinkFactory

    settings.ACCESS_REQUESTS = True
    found = people()
    TeamLinkFactory(
        name="Data workshop of the analytics engineering group, March 2027",
        created_by=StaffFactory(email="workshop.organiser.with.a.long.name@events.example.org"),
    )
    AccessRequestFactory(
        email="charles.babbage.difference.engine@cambridge.example.ac.uk",
        client_address="2001:db8:85a3:1234:5678:8a2e:370:7334",
        note="I run the difference engine team and would like access for the whole term.",
    )
    ApiTokenFactory(
        owner=StaffFactory(email="provisioning.robot.of.the.hr.department@people.example.org"),
        description="Nightly provisioning from the HR system of the analytics engineering group",
        last_used_at=clock.now(),
        last_used_from="2001:db8:85a3:1234:5678:8a2e:370:7334",
    )
    PurgedLink.objects.create(
        digest="0" * 64,
        user=found["reset"],
        purpose=Link.Purpose.RESET,
        created_at=clock.now(),
        presented_again_count=2,
        presented_again_at=clock.now(),
        presented_again_from="2001:db8:85a3:1234:5678:8a2e:370:7334",
    )
    page = new_context(viewport=DESKTOP).new_page()
    admin_sign_in(page, site, found["admin"].email)

    lists = sorted(
        reverse(admin_urlname(model._meta, "changelist")) for model in admin.site._registry
    )
    assert len(lists) >= 6
    for path in lists:
        page.goto(site + path)
        expect(page.locator("#nav-sidebar")).to_be_visible()
        expect(page.locator("#result_list tbody tr").first).to_be_visible()
        assert_no_sideways_scroll(page)
        assert page.evaluate(ADDRESSES_BROKEN_MID_WORD) == [], path
    page.goto(f"{site}/admin/accounts/user/")
    shoot(page, "users-list-1280", full_page=True)
