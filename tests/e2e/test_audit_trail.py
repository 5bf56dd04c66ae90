"""The audit trail in a real browser: from a user's page to their events, and axe-clean."""

import pytest

from accounts.audit import Actor, AuditEvent, Via, audit_record
from accounts.tests.factories import GroupFactory, SuperuserFactory, UserFactory
from tests.e2e.helpers import admin_sign_in, expect

pytestmark = pytest.mark.e2e


def test_a_users_page_leads_to_their_events_and_the_trails_pages_add_no_violation(
    site, new_context, severe_violations
):
    admin = SuperuserFactory(email="admin@example.com")
    ada = UserFactory(email="ada@example.com")
    UserFactory(email="grace@example.com")
    group = GroupFactory(name="engineering")
    page = new_context().new_page()
    admin_sign_in(page, site, admin.email)

    audit_record(action="user.deactivated", actor=Actor.person(admin, Via.ADMIN), target=ada)
    audit_record(
        action="user.deactivated", actor=Actor.person(admin, Via.ADMIN), target="grace@example.com"
    )

    page.goto(f"{site}/admin/accounts/user/{ada.pk}/change/")
    page.get_by_role("link", name="Events in the audit trail").click()
    expect(page).to_have_url(f"{site}/admin/accounts/auditevent/?target=ada%40example.com")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("user.deactivated")
    page.get_by_role("link", name="Sign-ins").click()  # the filters combine
    expect(page).to_have_url(
        f"{site}/admin/accounts/auditevent/?action=sign_in&target=ada%40example.com"
    )
    expect(rows).to_have_count(0)

    # Django's stock pages: the baseline (tests/e2e/test_accessibility.py).
    stock = {}
    for path in ("/admin/auth/group/", f"/admin/auth/group/{group.pk}/change/"):
        page.goto(site + path)
        stock[path] = severe_violations(page)
    allowed = {rule for violations in stock.values() for rule in violations}

    sign_in = AuditEvent.objects.get(action="sign_in.succeeded", target="admin@example.com")
    ours = {}
    for path in (
        "/admin/",
        "/admin/accounts/auditevent/",
        "/admin/accounts/auditevent/?action=sign_in.failed&within=1h",
        "/admin/accounts/auditevent/?q=admin%40example.com",
        f"/admin/accounts/auditevent/{sign_in.pk}/change/",
        f"/admin/accounts/user/{ada.pk}/change/",
    ):
        page.goto(site + path)
        ours[path] = severe_violations(page)
    beyond_stock = {
        where: {rule: nodes for rule, nodes in violations.items() if rule not in allowed}
        for where, violations in ours.items()
    }
    beyond_stock = {where: v for where, v in beyond_stock.items() if v}
    assert not beyond_stock, f"stock pages have {sorted(allowed)}; ours add {beyond_stock}"
