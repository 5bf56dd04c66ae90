"""Every page, the admin's included, sends a Content-Security-Policy and a Permissions-Policy,
and no page carries what that policy would block: inline scripts, styles or event handlers.
"""

from html.parser import HTMLParser
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import InvitedUserFactory, UserFactory
from invites.links.services import link_issue
from invites.models import Link

pytestmark = pytest.mark.django_db

KEYWORDS = {"'self'", "'none'"}


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy, directive by directive."""
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def permissions(response) -> dict[str, str]:
    header = response.headers.get("Permissions-Policy")
    assert header, f"no Permissions-Policy on {response.request['PATH_INFO']}"
    features = [part.strip().split("=", 1) for part in header.split(",")]
    return dict(features)


class _InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' blocks: inline scripts,
    style elements and attributes, and event handler attributes."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        # A data block (JSON) is never executed, so the policy allows it.
        data_block = dict(attrs).get("type") == "application/json"
        if tag == "script" and "src" not in names and not data_block:
            self.found.append(self.get_starttag_text())
        if tag == "style" or "style" in names or any(n.startswith("on") for n in names):
            self.found.append(self.get_starttag_text())


def inline_code(html: str) -> list[str]:
    parser = _InlineCode()
    parser.feed(html)
    return parser.found


def public_pages(client) -> list:
    issued = link_issue(user=InvitedUserFactory(), issuer=None, via=Link.Via.COMMAND)
    return [
        client.get(reverse("home")),
        client.get(reverse("login")),
        client.get("/no/such/page/"),
        client.get(reverse("invites:open", kwargs={"secret": "x" * 32})),
        client.get(reverse("invites:open", kwargs={"secret": issued.secret})),
        client.get(reverse("invites:set_password")),
        Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a"}),
    ]


def admin_pages(admin_client) -> list:
    user = UserFactory()
    pages = [
        admin_client.get(reverse("admin:index")),
        admin_client.get(reverse("admin:accounts_user_changelist")),
        admin_client.get(reverse("admin:accounts_user_add")),
        admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])),
        admin_client.get(reverse("admin:invites_link_changelist")),
        admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "generate_set_password_links", "_selected_action": [user.pk]},
        ),
        admin_client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "generate_set_password_links", "_selected_action": [user.pk], "post": "yes"},
        ),
    ]
    assert b"issued-link" in pages[-1].content
    return pages


def test_every_page_sends_a_strict_content_security_policy(client, admin_client):
    for response in [*public_pages(client), *admin_pages(admin_client)]:
        directives = policy(response)
        assert directives["default-src"] == ["'none'"]
        for name in ("script-src", "style-src", "img-src", "connect-src", "form-action"):
            assert directives[name] == ["'self'"], name
        for name in ("frame-ancestors", "base-uri", "object-src"):
            assert directives[name] == ["'none'"], name
        # No inline code, no eval, no other origin.
        sources = {source for values in directives.values() for source in values}
        assert sources <= KEYWORDS, sources


def test_no_page_carries_inline_scripts_styles_or_event_handlers(client, admin_client):
    for response in [*public_pages(client), *admin_pages(admin_client)]:
        if response.status_code == HTTPStatus.FOUND:
            continue
        assert inline_code(response.content.decode()) == [], response.request["PATH_INFO"]


def test_the_server_error_page_sends_the_policy_too(client, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("project.views.render", explode)
    client.raise_request_exception = False
    response = client.get(reverse("home"))
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert policy(response)["default-src"] == ["'none'"]
    assert permissions(response)["camera"] == "()"


def test_every_page_turns_off_the_browser_features_the_site_never_uses(client, admin_client):
    for response in [*public_pages(client), *admin_pages(admin_client)]:
        features = permissions(response)
        for feature in ("camera", "microphone", "geolocation", "payment", "usb", "clipboard-read"):
            assert features[feature] == "()", feature
        # The Copy buttons of the links page write to the clipboard.
        assert features["clipboard-write"] == "(self)"


def test_static_files_send_the_policy_too(client):
    response = client.get("/static/invites/issued-links.js")
    assert response.status_code == HTTPStatus.OK
    assert policy(response)["default-src"] == ["'none'"]
