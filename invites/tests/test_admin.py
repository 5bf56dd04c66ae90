"""The admin side of set-password links: issuing, the links page, the links list."""

import json
import re
from datetime import datetime, timedelta
from http import HTTPStatus
from urllib.parse import urlsplit

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.html import Element, parse_html
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import clock
from accounts.dates import when
from accounts.models import User
from accounts.tests.admin_pages import action_data, messages_of
from accounts.tests.factories import (
    GroupFactory,
    InvitedUserFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    grant,
    user_managing_staff,
)
from accounts.tests.queries import get_with_queries
from invites.keys.kinds import SET_PASSWORD
from invites.keys.secrets import SECRET_LENGTH, secret_digest
from invites.keys.urls import key_url
from invites.links import purging
from invites.links import services as link_services
from invites.models import Link
from invites.tests.factories import secret_of

pytestmark = pytest.mark.django_db

USERS_URL = reverse("admin:accounts_user_changelist")
ADD_USER_URL = reverse("admin:accounts_user_add")
LINKS_URL = reverse("admin:invites_link_changelist")
ACTION = "generate_set_password_links"
NEW_PASSWORD = "Fresh-and-long-passphrase-7"


# --- Helpers ---------------------------------------------------------------------


def parse(response) -> Element:
    """The page as the parser behind ``assertContains(..., html=True)`` reads it."""
    return parse_html(response.content.decode())


def attrs_of(element: Element) -> dict:
    """An element's attributes by name; a boolean one (``hidden``) maps to None."""
    return dict(element.attributes)


def find_all(root: Element, tag: str | None = None, *, cls: str | None = None, **attrs) -> list:
    """The elements inside ``root``, in document order, with this tag, class and attributes."""
    found = []
    for child in root.children:
        if isinstance(child, str):
            continue
        attributes = attrs_of(child)
        if (
            (tag is None or child.name == tag)
            and (cls is None or cls in (attributes.get("class") or "").split())
            and all(attributes.get(key) == value for key, value in attrs.items())
        ):
            found.append(child)
        found.extend(find_all(child, tag, cls=cls, **attrs))
    return found


def text_of(element: Element) -> str:
    """An element's text: parse_html collapses whitespace, and its pieces join with a space,
    but for those a ``<wbr>`` parts (where a line may break, as in an address)."""
    pieces: list[str] = []
    glued = False
    for child in element.children:
        if not isinstance(child, str) and child.name == "wbr":
            glued = True
            continue
        piece = child if isinstance(child, str) else text_of(child)
        if piece and glued and pieces:
            pieces[-1] += piece
        elif piece:
            pieces.append(piece)
        glued = False
    return " ".join(pieces)


def link_rows(response) -> dict[str, Element]:
    """The links page's rows by email (the UI contract: .issued-link[data-email])."""
    return {
        attrs_of(row)["data-email"]: row for row in find_all(parse(response), cls="issued-link")
    }


def row_url(row: Element) -> str:
    (field_,) = find_all(row, "input", cls="link-url")
    attributes = attrs_of(field_)
    assert attributes["type"] == "text"
    assert "readonly" in attributes
    return attributes["value"]


def issuing_staff(*extra_perms: str) -> User:
    """Staff who may see users and issue links for them."""
    return grant(StaffFactory(), "accounts.view_user", "invites.issue_link", *extra_perms)


def user_changing_staff() -> User:
    """Staff who may see and change users, and nothing more: no issuing, no deleting."""
    return grant(StaffFactory(), "accounts.view_user", "accounts.change_user")


def action_names(response) -> set[str]:
    """The actions a changelist offers (none at all: no action form)."""
    action_form = response.context["action_form"]
    if action_form is None:
        return set()
    return {name for name, _label in action_form.fields["action"].choices}


def issue_link_url(user: User) -> str:
    return reverse("admin:accounts_user_issue_link", args=[user.pk])


def issue_data(users, **lifetime) -> dict:
    """The action's confirmed POST: what its page posts back, the lifetime its default."""
    return action_data(ACTION, users) | {"post": "yes"} | lifetime


def add_user_data(**changes) -> dict:
    return {"email": "new.person@example.com", "first_name": "New", "last_name": "Person"} | changes


def assert_never_cached(response):
    cache_control = response["Cache-Control"]
    assert "no-store" in cache_control
    assert "private" in cache_control or "no-cache" in cache_control


# --- Adding a user -----------------------------------------------------------------


def test_adding_a_user_lands_on_a_page_with_their_invite_link(admin_client, admin_user):
    response = admin_client.post(ADD_USER_URL, add_user_data() | {"_save": "Save"})

    assert response.status_code == HTTPStatus.OK
    user = User.objects.get(email="new.person@example.com")
    assert not user.has_usable_password()
    link = Link.objects.get(user=user)
    assert (link.purpose, link.created_via, link.created_by) == (
        Link.Purpose.INVITE,
        Link.Via.ADMIN,
        admin_user,
    )
    rows = link_rows(response)
    assert list(rows) == ["new.person@example.com"]
    assert row_url(rows["new.person@example.com"]).startswith("http://testserver/set-password/")
    assert "The user “new.person@example.com” was added." in messages_of(response)


def test_the_link_from_the_add_page_opens_the_set_password_form(admin_client):
    response = admin_client.post(ADD_USER_URL, add_user_data())
    url = row_url(link_rows(response)["new.person@example.com"])

    opened = Client().get(urlsplit(url).path)

    assert opened.status_code == HTTPStatus.FOUND
    assert opened["Location"] == reverse("invites:set_password")


def test_the_page_with_the_new_users_link_is_never_cached(admin_client):
    response = admin_client.post(ADD_USER_URL, add_user_data())
    assert link_rows(response)
    assert_never_cached(response)


def test_adding_a_user_and_issuing_their_link_are_one_transaction(admin_client, monkeypatch):
    def broken_issue(**kwargs):
        raise RuntimeError("the link could not be issued")

    monkeypatch.setattr(link_services, "links_issue", broken_issue)

    with pytest.raises(RuntimeError, match="could not be issued"):
        admin_client.post(ADD_USER_URL, add_user_data())

    assert not User.objects.filter(email="new.person@example.com").exists()


def test_save_and_add_another_leads_on_to_a_new_add_form(admin_client):
    response = admin_client.post(ADD_USER_URL, add_user_data() | {"_addanother": "1"})

    assert link_rows(response)
    (default_step,) = [step for step in response.context["next_steps"] if step.is_default]
    assert default_step.url == ADD_USER_URL


def test_save_and_continue_leads_on_to_the_new_user(admin_client):
    response = admin_client.post(ADD_USER_URL, add_user_data() | {"_continue": "1"})

    user = User.objects.get(email="new.person@example.com")
    (default_step,) = [step for step in response.context["next_steps"] if step.is_default]
    assert default_step.url == reverse("admin:accounts_user_change", args=[user.pk])


def test_adding_a_user_in_a_popup_answers_the_opener_without_a_link(admin_client):
    response = admin_client.post(ADD_USER_URL, add_user_data() | {"_popup": "1"})

    assert response.status_code == HTTPStatus.OK
    assert "admin/popup_response.html" in [t.name for t in response.templates]
    assert not Link.objects.exists()


def test_staff_who_may_not_issue_links_add_users_without_one(client):
    client.force_login(user_managing_staff())

    response = client.post(ADD_USER_URL, add_user_data(), follow=True)

    user = User.objects.get(email="new.person@example.com")
    assert response.redirect_chain[-1][0] == reverse("admin:accounts_user_change", args=[user.pk])
    assert not Link.objects.exists()
    assert any("permission to issue them" in message for message in messages_of(response))


# --- The action and its links page ------------------------------------------------------


def test_action_issues_an_invite_or_a_reset_per_user_on_one_page(admin_client):
    invited = InvitedUserFactory(email="invited@example.com")
    active = UserFactory(email="active@example.com")

    response = admin_client.post(USERS_URL, issue_data([invited, active]))

    assert response.status_code == HTTPStatus.OK
    rows = link_rows(response)
    assert set(rows) == {"invited@example.com", "active@example.com"}
    assert "Invite" in text_of(rows["invited@example.com"])
    assert "Password reset" in text_of(rows["active@example.com"])
    purposes = dict(Link.objects.values_list("user__email", "purpose"))
    assert purposes == {"invited@example.com": "invite", "active@example.com": "reset"}
    for email, row in rows.items():
        link = Link.objects.get(user__email=email)
        expires_at = datetime.fromisoformat(attrs_of(row)["data-expires-at"])
        assert expires_at.utcoffset() == timedelta(0), "in UTC, with its offset"
        assert expires_at == link.expires_at.replace(microsecond=0)
        buttons = {text_of(button): attrs_of(button)["type"] for button in find_all(row, "button")}
        assert buttons == {"Copy": "button", "Copy message": "button", "Print sheet": "button"}
        (qr,) = find_all(row, cls="qr")
        assert find_all(qr, "svg")


def test_each_link_on_the_page_opens_for_its_own_user(admin_client):
    users = [InvitedUserFactory(), UserFactory()]
    response = admin_client.post(USERS_URL, issue_data(users))

    for user in users:
        visitor = Client()
        opened = visitor.get(urlsplit(row_url(link_rows(response)[user.email])).path)
        assert opened.status_code == HTTPStatus.FOUND
        form_page = visitor.get(opened["Location"])
        assert form_page.context["account"] == user


@pytest.mark.parametrize(
    "site_url",
    [
        "",  # the request's scheme and host
        "https://people.example.com",
        # Holds the stand-in key_urls() swaps for each secret: each URL is made on its own.
        "https://people.example.com/" + "0" * SECRET_LENGTH,
    ],
)
def test_every_link_on_the_page_is_what_link_url_makes_of_its_users_secret(
    admin_client, settings, site_url
):
    settings.SITE_URL = site_url
    users = [InvitedUserFactory() for _ in range(6)] + [UserFactory() for _ in range(6)]

    response = admin_client.post(USERS_URL, issue_data(users))

    rows = link_rows(response)
    assert len(rows) == len(users)
    for user in users:
        url = row_url(rows[user.email])
        secret = secret_of(url)
        assert url == key_url(SET_PASSWORD, secret, request=response.wsgi_request)
        assert Link.objects.get(digest=secret_digest(secret)).user == user


def test_links_page_offers_copy_all_and_csv_and_says_it_is_shown_once(admin_client):
    response = admin_client.post(USERS_URL, issue_data([UserFactory(), UserFactory()]))

    page = parse(response)
    buttons = {text_of(button): button for button in find_all(page, "button")}
    assert {"Copy", "Copy all", "Download CSV", "Print all"} <= set(buttons)
    assert attrs_of(buttons["Download CSV"])["data-filename"] == "set-password-links.csv"
    assert "shown only this once" in text_of(page)


def test_links_page_shows_everything_without_javascript(admin_client):
    response = admin_client.post(USERS_URL, issue_data([UserFactory(email="ada@example.com")]))

    page = parse(response)
    # The buttons need JavaScript, so they wait hidden until it runs...
    (tools,) = find_all(page, cls="issued-links-tools")
    assert "hidden" in attrs_of(tools)
    # (one link: nothing to copy all of, or print all of)
    assert {text_of(button) for button in find_all(tools, "button")} == {"Download CSV"}
    row = link_rows(response)["ada@example.com"]
    assert all("hidden" in attrs_of(button) for button in find_all(row, "button"))
    # ...while the link and its QR code are on the page from the start.
    assert "hidden" not in attrs_of(row)
    assert row_url(row).startswith("http://testserver/set-password/")
    assert find_all(find_all(row, cls="qr")[0], "svg")
    # Scripts come from this site's static files: none inline, none from elsewhere.
    sources = [attrs_of(script).get("src", "") for script in find_all(page, "script")]
    assert sources
    assert all(src.startswith("/") and not src.startswith("//") for src in sources)
    assert any(src.endswith("invites/issued-links.js") for src in sources)


def test_links_page_is_never_cached(admin_client):
    response = admin_client.post(USERS_URL, issue_data([UserFactory()]))
    assert link_rows(response)
    assert_never_cached(response)


def test_links_page_javascript_and_stylesheet_are_served(admin_client):
    response = admin_client.post(USERS_URL, issue_data([UserFactory()]))
    page = parse(response)
    assets = [attrs_of(script)["src"] for script in find_all(page, "script")] + [
        attrs_of(sheet)["href"]
        for sheet in find_all(page, "link")
        if "invites/" in attrs_of(sheet)["href"]
    ]
    assert any(asset.endswith("invites/admin.css") for asset in assets)
    for asset in assets:
        served = admin_client.get(asset)
        assert served.status_code == HTTPStatus.OK, asset
        served.close()


def test_action_revokes_the_users_older_links(admin_client):
    user = UserFactory()
    older = link_services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND).link

    admin_client.post(USERS_URL, issue_data([user]))

    older.refresh_from_db()
    assert older.revoke_reason == Link.RevokeReason.SUPERSEDED
    assert Link.objects.filter(user=user).open().count() == 1


def _queries_for_action(admin_client, users) -> int:
    # Both runs start with a cold content-type cache, as the first request would.
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(USERS_URL, issue_data(users))
    assert len(link_rows(response)) == len(users)
    return len(queries)


def test_action_costs_the_same_queries_for_one_user_and_for_fifty(admin_client):
    one = [UserFactory()]
    fifty = [InvitedUserFactory() for _ in range(25)] + [UserFactory() for _ in range(25)]
    for user in fifty[::5]:
        link_services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND)

    assert _queries_for_action(admin_client, one) == _queries_for_action(admin_client, fifty)


# --- QR codes: on the page up to the limit, on request past it ------------------------

QR_URL = reverse("admin:accounts_user_link_qr")


def qr_gray_image(svg: str, scale: int = 4) -> memoryview:
    """A segno SVG as an 8-bit gray image, shaped (height, width), for zxing-cpp.

    segno draws the dark modules as one stroked path of unit-high lines
    (``M x y`` to start, ``m dx dy`` to move, ``h n`` for n dark modules) on a
    square background path; this paints exactly those, so no SVG renderer is needed.
    """
    size = int(re.search(r'd="M0 0h(\d+)v', svg)[1])
    path = re.search(r'stroke="#000" d="([^"]+)"', svg)[1]
    dark = [[False] * size for _ in range(size)]
    x = y = 0.0
    for command, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            for column in range(int(x), int(x + float(first))):
                dark[int(y)][column] = True
            x += float(first)
    pixels = b"".join(
        bytes(0 if module else 255 for module in row for _ in range(scale)) * scale for row in dark
    )
    return memoryview(pixels).cast("B", (size * scale, size * scale))


def decode_qr(svg: str) -> list[str]:
    zxingcpp = pytest.importorskip("zxingcpp", reason="the zxing-cpp package is not installed")
    return [code.text for code in zxingcpp.read_barcodes(qr_gray_image(svg))]


def svg_of(element: Element) -> str:
    """The SVG markup inside an element, as the page has it."""
    (svg,) = find_all(element, "svg")
    (background, modules) = find_all(svg, "path")
    return (
        f'<svg><path fill="#fff" d="{attrs_of(background)["d"]}"/>'
        f'<path stroke="#000" d="{attrs_of(modules)["d"]}"/></svg>'
    )


def issued_page_url(client) -> str:
    """A link URL as the links page shows it, issued through the action."""
    user = UserFactory()
    return row_url(link_rows(client.post(USERS_URL, issue_data([user])))[user.email])


def test_links_page_draws_every_qr_code_up_to_ten_links(admin_client):
    users = UserFactory.create_batch(10)

    response = admin_client.post(USERS_URL, issue_data(users))

    rows = link_rows(response)
    assert len(rows) == 10
    for row in rows.values():
        (qr,) = find_all(row, cls="qr")
        assert find_all(qr, "svg")
        assert attrs_of(qr)["role"] == "img"
        assert not [
            button for button in find_all(row, "button") if "data-show-qr" in attrs_of(button)
        ]
    page = parse(response)
    (content,) = find_all(page, cls="issued-links")
    assert "data-qr-url" not in attrs_of(content)


def test_links_page_past_ten_links_offers_a_qr_button_per_row_instead(admin_client):
    users = UserFactory.create_batch(11)

    response = admin_client.post(USERS_URL, issue_data(users))

    rows = link_rows(response)
    assert len(rows) == 11
    for row in rows.values():
        # The UI contract: the code goes into the row's .qr element when asked for.
        (qr,) = find_all(row, cls="qr")
        assert not find_all(qr, "svg")
        (button,) = [
            button for button in find_all(row, "button") if "data-show-qr" in attrs_of(button)
        ]
        assert text_of(button) == "Show QR code"
        assert "hidden" in attrs_of(button), "the button needs JavaScript"
        assert row_url(row).startswith("http://testserver/set-password/")
    page = parse(response)
    (content,) = find_all(page, cls="issued-links")
    assert attrs_of(content)["data-qr-url"] == QR_URL
    assert attrs_of(content)["data-csrf-token"]
    (note,) = find_all(page, "noscript")
    assert "issue links for fewer users" in text_of(note)
    assert_never_cached(response)


def test_the_qr_code_on_the_page_reads_back_as_its_link(admin_client):
    users = [UserFactory(), InvitedUserFactory()]

    response = admin_client.post(USERS_URL, issue_data(users))

    for row in link_rows(response).values():
        (qr,) = find_all(row, cls="qr")
        assert decode_qr(svg_of(qr)) == [row_url(row)]


def test_qr_view_answers_the_svg_of_a_link_and_is_never_cached(admin_client):
    url = issued_page_url(admin_client)

    response = admin_client.post(QR_URL, {"url": url})

    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert url not in svg, "drawn as paths, not copied in as text"
    assert decode_qr(svg) == [url]
    assert_never_cached(response)


def test_qr_view_takes_the_token_the_links_page_carries(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    csrf_fields = find_all(parse(client.get(USERS_URL)), "input", name="csrfmiddlewaretoken")
    csrf = attrs_of(csrf_fields[0])["value"]
    users = UserFactory.create_batch(11)
    page = client.post(USERS_URL, issue_data(users) | {"csrfmiddlewaretoken": csrf})
    (content,) = find_all(parse(page), cls="issued-links")
    url = row_url(next(iter(link_rows(page).values())))

    refused = client.post(QR_URL, {"url": url})
    drawn = client.post(
        QR_URL, {"url": url}, headers={"X-CSRFToken": attrs_of(content)["data-csrf-token"]}
    )

    assert refused.status_code == HTTPStatus.FORBIDDEN
    assert drawn.status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://testserver/admin/",
        "https://example.com/",
        "not a url at all",
        # The right shape elsewhere: the page's links all start with this site's address.
        "https://elsewhere.example/set-password/" + "A" * 32 + "/",
        # Malformed secrets: too short, too long, a character base64url never makes.
        "http://testserver/set-password/short/",
        "http://testserver/set-password/" + "A" * 33 + "/",
        "http://testserver/set-password/" + "A" * 31 + "!/",
        # Anything after the link.
        "http://testserver/set-password/" + "A" * 32 + "/?next=/admin/",
        "http://testserver/set-password/" + "A" * 32 + "/#x",
    ],
)
def test_qr_view_refuses_anything_but_a_link(admin_client, url):
    response = admin_client.post(QR_URL, {"url": url})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert b"<svg" not in response.content


def test_qr_view_draws_a_link_of_the_right_shape_without_looking_it_up(admin_client):
    # Nothing is stored and nothing looked up: the page already holds the link.
    url = "http://testserver/set-password/" + "A" * 32 + "/"
    links_before = Link.objects.count()

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(QR_URL, {"url": url})

    assert response.status_code == HTTPStatus.OK
    assert not [query for query in queries if "invites_link" in query["sql"]]
    assert Link.objects.count() == links_before


def test_qr_view_takes_only_post(admin_client):
    url = issued_page_url(admin_client)

    response = admin_client.get(QR_URL, {"url": url})

    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_qr_view_needs_the_issue_permission(client, admin_client):
    url = issued_page_url(admin_client)
    client.force_login(user_changing_staff())

    response = client.post(QR_URL, {"url": url})

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_qr_view_logs_no_link(admin_client, caplog):
    url = issued_page_url(admin_client)
    secret = secret_of(url)

    with caplog.at_level("DEBUG"):
        admin_client.post(QR_URL, {"url": url})
        admin_client.post(QR_URL, {"url": url + "?tampered"})

    assert secret not in caplog.text


# --- Who may issue -------------------------------------------------------------------


def test_superusers_have_the_issue_permission_and_see_the_action(admin_client, admin_user):
    assert admin_user.has_perm("invites.issue_link")
    assert ACTION in action_names(admin_client.get(USERS_URL))


def test_staff_without_the_issue_permission_do_not_see_the_action(client):
    client.force_login(user_changing_staff())
    assert ACTION not in action_names(client.get(USERS_URL))


def test_staff_with_the_issue_permission_see_the_action(client):
    client.force_login(issuing_staff())
    assert ACTION in action_names(client.get(USERS_URL))


def test_staff_without_the_issue_permission_cannot_post_the_action(client):
    client.force_login(user_changing_staff())

    response = client.post(USERS_URL, issue_data([UserFactory()]), follow=True)

    assert not Link.objects.exists()
    assert not find_all(parse(response), cls="issued-link")


def test_staff_may_issue_for_users_without_more_powers(client):
    staff = issuing_staff("accounts.change_user")
    peer = grant(UserFactory(), "accounts.view_user")
    client.force_login(staff)

    response = client.post(USERS_URL, issue_data([peer, UserFactory()]))

    assert len(link_rows(response)) == 2
    assert Link.objects.count() == 2


def test_staff_cannot_issue_for_a_superuser_and_then_issue_nothing(client):
    client.force_login(issuing_staff())
    superuser = SuperuserFactory(email="root@example.com")
    ordinary = UserFactory(email="ordinary@example.com")

    response = client.post(USERS_URL, issue_data([superuser, ordinary]), follow=True)

    assert not Link.objects.exists()
    (message,) = messages_of(response)
    assert "root@example.com" in message
    assert "ordinary@example.com" not in message
    assert not find_all(parse(response), cls="issued-link")


def test_staff_cannot_issue_for_a_user_holding_a_permission_they_lack(client):
    client.force_login(issuing_staff())
    powerful = UserFactory(email="powerful@example.com")
    group = GroupFactory()
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    powerful.groups.add(group)

    response = client.post(USERS_URL, issue_data([powerful]), follow=True)

    assert not Link.objects.exists()
    assert any("powerful@example.com" in message for message in messages_of(response))


def test_action_refuses_deactivated_users_and_names_them(admin_client):
    gone = UserFactory(email="gone@example.com", is_active=False)

    response = admin_client.post(USERS_URL, issue_data([gone, UserFactory()]), follow=True)

    assert not Link.objects.exists()
    assert any("gone@example.com is deactivated" in message for message in messages_of(response))


# --- The user's change page: history and the issue button --------------------------------


def test_change_page_has_the_issue_button_for_staff_who_may_issue(client):
    user = UserFactory()
    client.force_login(issuing_staff())

    page = parse(client.get(reverse("admin:accounts_user_change", args=[user.pk])))

    (form,) = find_all(page, "form", action=issue_link_url(user))
    assert attrs_of(form)["method"] == "post"
    assert attrs_of(find_all(form, "input")[0])["name"] == "csrfmiddlewaretoken"
    assert [text_of(button) for button in find_all(form, "button")] == ["Issue a set-password link"]


def test_change_page_has_no_issue_button_for_staff_who_may_not_issue(client):
    user = UserFactory()
    client.force_login(user_changing_staff())

    response = client.get(reverse("admin:accounts_user_change", args=[user.pk]))

    assert response.status_code == HTTPStatus.OK
    assert issue_link_url(user) not in response.content.decode()
    assert "Issue a set-password link" not in response.content.decode()


def test_issue_button_issues_a_link_and_shows_it_once(admin_client):
    user = UserFactory(email="ada@example.com")

    response = admin_client.post(issue_link_url(user))

    assert response.status_code == HTTPStatus.OK
    link = Link.objects.get(user=user)
    assert link.purpose == Link.Purpose.RESET
    assert list(link_rows(response)) == ["ada@example.com"]
    assert_never_cached(response)


def test_issue_link_url_takes_only_post(admin_client):
    response = admin_client.get(issue_link_url(UserFactory()))
    assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert not Link.objects.exists()


def test_issue_link_url_checks_csrf(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post(issue_link_url(UserFactory()))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Link.objects.exists()


def test_issue_link_url_needs_the_issue_permission(client):
    client.force_login(user_changing_staff())

    response = client.post(issue_link_url(UserFactory()))

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not Link.objects.exists()


def test_issue_link_url_refuses_a_more_powerful_user(client):
    client.force_login(issuing_staff())
    superuser = SuperuserFactory(email="root@example.com")

    response = client.post(issue_link_url(superuser), follow=True)

    assert response.redirect_chain[-1][0] == reverse(
        "admin:accounts_user_change", args=[superuser.pk]
    )
    assert not Link.objects.exists()
    assert any("root@example.com" in message for message in messages_of(response))


def test_issue_link_url_for_an_unknown_user_is_not_found(admin_client):
    response = admin_client.post(reverse("admin:accounts_user_issue_link", args=[999999]))
    assert response.status_code == HTTPStatus.NOT_FOUND


def test_change_page_shows_the_users_link_history(admin_client, admin_user):
    user = UserFactory()
    superseded = link_services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND)
    revoked = link_services.link_issue(user=user, issuer=admin_user, via=Link.Via.ADMIN)
    link_services.links_revoke(links=[revoked.link], by=admin_user)
    used = link_services.link_issue(user=user, issuer=admin_user, via=Link.Via.ADMIN)
    link_services.link_redeem(link=used.link, password=NEW_PASSWORD)
    pending = link_services.link_issue(user=user, issuer=admin_user, via=Link.Via.ADMIN)

    response = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))

    history = response.context["link_history"]
    assert [link.pk for link in history] == [
        pending.link.pk,
        used.link.pk,
        revoked.link.pk,
        superseded.link.pk,
    ]
    (table,) = find_all(parse(response), cls="link-history")
    rows = [[text_of(cell) for cell in find_all(row, "td")] for row in find_all(table, "tr")[1:]]
    # In the words of the lists: the user has a password, so theirs is a reset.
    assert [row[1] for row in rows] == ["Reset pending", "Used", "Revoked", "Revoked"]
    assert [row[2] for row in rows] == [admin_user.email] * 3 + ["(command)"]
    assert rows[1][5].startswith("Used ")
    assert rows[2][5].endswith(f"by {admin_user.email}: revoked by an administrator")
    assert rows[3][5].endswith(": superseded by a newer link")


def test_change_page_history_costs_the_same_for_one_link_and_for_many(admin_client, admin_user):
    few, many = UserFactory(), UserFactory()
    link_services.link_issue(user=few, issuer=admin_user, via=Link.Via.ADMIN)
    for _ in range(6):
        issued = link_services.link_issue(user=many, issuer=admin_user, via=Link.Via.ADMIN)
        link_services.links_revoke(links=[issued.link], by=admin_user)

    few_url = reverse("admin:accounts_user_change", args=[few.pk])
    many_url = reverse("admin:accounts_user_change", args=[many.pk])
    _, one_link = get_with_queries(admin_client, few_url, warm_up=True)
    _, six_links = get_with_queries(admin_client, many_url)

    assert len(one_link) == len(six_links)


def test_no_secret_or_digest_on_the_change_page_or_in_the_links_list(admin_client):
    user = UserFactory()
    response = admin_client.post(USERS_URL, issue_data([user]))
    secret = secret_of(row_url(link_rows(response)[user.email]))
    link = Link.objects.get(user=user)

    pages = [
        admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])),
        admin_client.get(LINKS_URL),
        admin_client.get(reverse("admin:invites_link_change", args=[link.pk])),
        admin_client.get(reverse("admin:accounts_user_history", args=[user.pk])),
    ]

    for page in pages:
        assert page.status_code == HTTPStatus.OK
        body = page.content.decode()
        assert link.digest not in body
        assert secret not in body


# --- The links list --------------------------------------------------------------------


def test_links_list_shows_user_purpose_state_creator_and_dates(admin_client, admin_user):
    user = InvitedUserFactory(email="ada@example.com")
    link_services.link_issue(user=user, issuer=admin_user, via=Link.Via.ADMIN)
    link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND)

    response = admin_client.get(LINKS_URL)

    headers = [text_of(th) for th in find_all(parse(response), "th", scope="col")]
    # Who created a link shares its cell with when (the list fits 1280 px).
    for column in ["User", "Purpose", "State", "Created", "Expires", "Revoke reason"]:
        assert column in headers
    (row,) = [r for r in find_all(parse(response), "tr") if "ada@example.com" in text_of(r)]
    cells = [text_of(cell) for cell in find_all(row, "td") + find_all(row, "th")]
    assert "Invite" in cells or "invite" in cells
    assert "Invited" in cells  # as the user list labels the person
    assert any(cell.endswith(f"UTC by {admin_user.email}") for cell in cells), cells
    assert "by command" in response.content.decode()


def _link_in_each_state(admin_user) -> dict[str, Link]:
    links = {}
    for state in Link.State.values:
        links[state] = link_services.link_issue(
            user=UserFactory(email=f"{state}@example.com"), issuer=admin_user, via=Link.Via.ADMIN
        ).link
    link_services.link_redeem(link=links["used"], password=NEW_PASSWORD)
    link_services.links_revoke(links=[links["revoked"]], by=admin_user)
    Link.objects.filter(pk=links["expired"].pk).update(expires_at=clock.now() - timedelta(1))
    return links


@pytest.mark.parametrize("state", Link.State.values)
def test_links_list_filters_by_state(admin_client, admin_user, state):
    links = _link_in_each_state(admin_user)

    response = admin_client.get(LINKS_URL, {"state": state})

    assert [link.pk for link in response.context["cl"].result_list] == [links[state].pk]


def test_links_list_filters_by_purpose_and_by_how_they_were_made(admin_client, admin_user):
    invite = link_services.link_issue(user=InvitedUserFactory(), issuer=None, via=Link.Via.COMMAND)
    reset = link_services.link_issue(user=UserFactory(), issuer=admin_user, via=Link.Via.ADMIN)

    by_purpose = admin_client.get(LINKS_URL, {"purpose__exact": "reset"})
    by_via = admin_client.get(LINKS_URL, {"created_via__exact": "command"})

    assert list(by_purpose.context["cl"].result_list) == [reset.link]
    assert list(by_via.context["cl"].result_list) == [invite.link]


def test_links_list_searches_by_email(admin_client):
    ada = link_services.link_issue(
        user=UserFactory(email="ada@example.com"), issuer=None, via=Link.Via.COMMAND
    )
    link_services.link_issue(
        user=UserFactory(email="bob@example.com"), issuer=None, via=Link.Via.COMMAND
    )

    response = admin_client.get(LINKS_URL, {"q": "ADA@"})

    assert list(response.context["cl"].result_list) == [ada.link]


def test_links_list_refuses_to_filter_by_digest(admin_client):
    link = link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link
    response = admin_client.get(LINKS_URL, {"digest": link.digest})
    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_links_list_costs_the_same_queries_for_one_link_and_for_many(admin_client, admin_user):
    link_services.link_issue(user=UserFactory(), issuer=admin_user, via=Link.Via.ADMIN)
    _, one = get_with_queries(admin_client, LINKS_URL, warm_up=True)
    link_services.links_issue(
        users=[UserFactory() for _ in range(10)], issuer=admin_user, via=Link.Via.ADMIN
    )

    _, eleven = get_with_queries(admin_client, LINKS_URL)

    assert len(eleven) == len(one)


def test_links_cannot_be_added_edited_or_deleted(admin_client):
    link = link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link
    change_url = reverse("admin:invites_link_change", args=[link.pk])

    assert admin_client.get(reverse("admin:invites_link_add")).status_code == HTTPStatus.FORBIDDEN
    view = admin_client.get(change_url)
    assert view.status_code == HTTPStatus.OK
    assert not view.context["has_change_permission"]
    assert 'name="_save"' not in view.content.decode()
    assert admin_client.post(change_url, {"purpose": "reset"}).status_code == (HTTPStatus.FORBIDDEN)
    delete_url = reverse("admin:invites_link_delete", args=[link.pk])
    assert admin_client.get(delete_url).status_code == HTTPStatus.FORBIDDEN
    assert "delete_selected" not in action_names(admin_client.get(LINKS_URL))
    link.refresh_from_db()
    assert link.purpose == Link.Purpose.RESET


def test_staff_with_the_view_permission_see_the_links_but_cannot_revoke(client):
    link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND)
    client.force_login(grant(StaffFactory(), "invites.view_link"))

    response = client.get(LINKS_URL)

    assert response.status_code == HTTPStatus.OK
    assert len(response.context["cl"].result_list) == 1
    assert "revoke_links" not in action_names(response)


def test_staff_who_may_issue_may_revoke(client):
    client.force_login(grant(StaffFactory(), "invites.view_link", "invites.issue_link"))
    assert "revoke_links" in action_names(client.get(LINKS_URL))


def test_revoking_asks_first_naming_whose_links_and_changes_nothing(admin_client):
    chosen = link_services.link_issue(
        user=InvitedUserFactory(email="ada@example.com"), issuer=None, via=Link.Via.COMMAND
    ).link
    used = link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link
    link_services.link_redeem(link=used, password=NEW_PASSWORD)

    response = admin_client.post(
        LINKS_URL + "?q=example", action_data("revoke_links", [chosen, used])
    )

    assert response.status_code == HTTPStatus.OK
    assert response.templates[0].name == "admin/invites/revoke_links_confirmation.html"
    body = response.content.decode()
    assert "Revoke this link?" in body
    assert f"ada@example.com: Invited, until {when(chosen.expires_at)}" in body
    assert "1 selected link was already used or revoked, and stays as it was." in body
    assert 'value="Revoke this link"' in body
    for field in (
        f'name="_selected_action" value="{chosen.pk}"',
        f'name="_selected_action" value="{used.pk}"',
        'name="action" value="revoke_links"',
        'name="post" value="yes"',
    ):
        assert field in body
    assert f'href="{LINKS_URL}?q=example"' in body  # "No, take me back"
    assert Link.objects.get(pk=chosen.pk).is_open


def test_revoking_only_closed_links_asks_nothing(admin_client):
    used = link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link
    link_services.link_redeem(link=used, password=NEW_PASSWORD)
    response = admin_client.post(LINKS_URL, action_data("revoke_links", [used]), follow=True)
    assert messages_of(response) == [
        "No link was revoked: the selected links were already used or revoked."
    ]


def test_revoke_action_revokes_the_selected_links(admin_client, admin_user):
    chosen = link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link
    other = link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link

    response = admin_client.post(
        LINKS_URL, action_data("revoke_links", [chosen], confirmed=True), follow=True
    )

    chosen.refresh_from_db()
    other.refresh_from_db()
    assert chosen.state == Link.State.REVOKED
    assert (chosen.revoked_by, chosen.revoke_reason) == (admin_user, Link.RevokeReason.ADMIN)
    assert other.state == Link.State.PENDING
    assert messages_of(response) == ["Revoked 1 link."]


def test_revoke_action_leaves_used_links_as_they_were_and_says_so(admin_client, admin_user):
    used = link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link
    link_services.link_redeem(link=used, password=NEW_PASSWORD)
    pending = [
        link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link
        for _ in range(2)
    ]

    response = admin_client.post(
        LINKS_URL, action_data("revoke_links", [used, *pending], confirmed=True), follow=True
    )

    used.refresh_from_db()
    assert used.state == Link.State.USED
    assert messages_of(response) == [
        "Revoked 2 links. 1 selected link was already used or revoked, and stays as it was."
    ]


# --- LogEntry: the user's History ------------------------------------------------------


def test_users_history_shows_issuing_revoking_and_redeeming(admin_client, admin_user):
    user = UserFactory()
    admin_client.post(USERS_URL, issue_data([user]))
    first = Link.objects.get(user=user)
    admin_client.post(LINKS_URL, action_data("revoke_links", [first], confirmed=True))
    second = link_services.link_issue(user=user, issuer=admin_user, via=Link.Via.ADMIN)
    link_services.link_redeem(link=second.link, password=NEW_PASSWORD)

    response = admin_client.get(reverse("admin:accounts_user_history", args=[user.pk]))

    entries = [entry.get_change_message() for entry in response.context["action_list"]]
    assert sorted(entries) == sorted(
        [
            f"Added set-password link “password reset #{first.pk}”.",
            f"Changed revoked for set-password link “password reset #{first.pk}”.",
            f"Added set-password link “password reset #{second.link.pk}”.",
            f"Changed used for set-password link “password reset #{second.link.pk}”. "
            "Changed password.",
        ]
    )
    body = response.content.decode()
    assert f"Added set-password link “password reset #{first.pk}”." in body


def test_history_entries_are_structured_and_translated_when_shown(admin_client, admin_user):
    user = UserFactory()
    link_services.link_issue(user=user, issuer=admin_user, via=Link.Via.ADMIN)

    entry = LogEntry.objects.get(object_id=str(user.pk))

    assert json.loads(entry.change_message) == [
        {
            "added": {
                "name": "set-password link",
                "object": f"password reset #{Link.objects.get().pk}",
            }
        }
    ]
    assert entry.user == admin_user
    assert entry.object_repr == user.email


# --- Deleting users ----------------------------------------------------------------------


def test_deleting_a_user_takes_their_links_along(admin_client):
    user = UserFactory()
    link_services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND)
    delete_url = reverse("admin:accounts_user_delete", args=[user.pk])

    confirmation = admin_client.get(delete_url)
    assert not confirmation.context["perms_lacking"]
    response = admin_client.post(delete_url, {"post": "yes"})

    assert response.status_code == HTTPStatus.FOUND
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Link.objects.exists()


def test_staff_who_may_not_delete_users_still_cannot(client):
    user = UserFactory()
    client.force_login(user_changing_staff())

    response = client.post(reverse("admin:accounts_user_delete", args=[user.pk]), {"post": "yes"})

    assert response.status_code == HTTPStatus.FORBIDDEN
    assert User.objects.filter(pk=user.pk).exists()


# --- Acting on more powerful users, and tripwires ------------------------------------------------


@pytest.mark.parametrize("confirmed", [False, True], ids=["before asking", "confirmed"])
def test_staff_who_may_issue_cannot_revoke_a_superusers_link(client, confirmed):
    boss = SuperuserFactory(email="boss@example.com")
    boss_link = link_services.link_issue(user=boss, issuer=None, via=Link.Via.COMMAND).link
    other = link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND).link
    client.force_login(grant(StaffFactory(), "invites.view_link", "invites.issue_link"))

    response = client.post(
        LINKS_URL,
        action_data("revoke_links", [boss_link, other], confirmed=confirmed),
        follow=True,
    )

    assert Link.objects.open().count() == 2
    assert messages_of(response) == [
        "No link was revoked: boss@example.com has powers that exceed yours. Ask a superuser."
    ]


def _presented_again(user: User) -> Link:
    """A link of ``user`` that was used, then presented again by someone."""
    link = link_services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND).link
    link_services.link_redeem(link=link, password=NEW_PASSWORD)
    link_services.link_presented_again(key_id=link.pk, address="203.0.113.9")
    return link


def test_links_list_filters_the_links_presented_again(admin_client):
    tripped = _presented_again(UserFactory())
    link_services.link_issue(user=UserFactory(), issuer=None, via=Link.Via.COMMAND)

    response = admin_client.get(LINKS_URL, {"presented_again": "yes"})

    assert list(response.context["cl"].result_list) == [tripped]
    assert "Yes: someone else may hold a copy" in response.content.decode()


def test_links_change_page_shows_when_and_from_where_a_link_was_presented_again(admin_client):
    tripped = _presented_again(UserFactory())

    body = admin_client.get(reverse("admin:invites_link_change", args=[tripped.pk])).content
    assert b"203.0.113.9" in body
    assert b"Presented again" in body


def test_users_page_warns_that_a_closed_link_was_presented_again(admin_client):
    user = UserFactory()
    _presented_again(user)
    quiet = UserFactory()
    link_services.link_issue(user=quiet, issuer=None, via=Link.Via.COMMAND)

    warned = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    not_warned = admin_client.get(reverse("admin:accounts_user_change", args=[quiet.pk]))

    text = warned.content.decode()
    assert "was presented again: someone else may hold a copy of it" in text
    assert "from 203.0.113.9" in text
    assert "presented again" not in not_warned.content.decode()
    # At the top, in the summary "At a glance", before the form and the link history.
    (summary,) = find_all(parse(warned), cls="user-summary")
    assert "was presented again" in text_of(summary)
    assert text.index("was presented again") < text.index('id="user_form"')
    (history,) = find_all(parse(warned), cls="link-history")
    assert "presented again" not in text_of(history)


# --- How long links last, chosen when issuing -------------------------------------


def lifetime_of(user: User) -> timedelta:
    link = Link.objects.get(user=user)
    return link.expires_at - link.created_at


def test_action_first_lists_the_users_and_issues_nothing_until_confirmed(admin_client):
    invited = InvitedUserFactory(email="invited@example.com")
    active = UserFactory(email="active@example.com")

    response = admin_client.post(USERS_URL, action_data(ACTION, [invited, active]))

    assert response.status_code == HTTPStatus.OK
    assert not Link.objects.exists()
    page = parse(response)
    (users,) = find_all(page, "ul", cls="issue-links-users")
    assert {text_of(item) for item in find_all(users, "li")} == {
        "invited@example.com (invite)",
        "active@example.com (password reset)",
    }
    hidden = {
        (attrs_of(each)["name"], attrs_of(each)["value"])
        for each in find_all(page, "input", type="hidden")
    }
    assert {("action", ACTION), ("post", "yes")} <= hidden
    assert {("_selected_action", str(invited.pk)), ("_selected_action", str(active.pk))} <= hidden
    (default,) = find_all(page, "input", type="radio", value="default")
    assert "checked" in attrs_of(default)
    assert "7 days for invites, 1 day for password resets" in response.content.decode()


def test_action_for_invites_only_states_the_invites_default(admin_client):
    response = admin_client.post(USERS_URL, action_data(ACTION, [InvitedUserFactory()]))

    assert "Default for invites: 7 days" in response.content.decode()


def test_action_default_gives_each_purpose_its_own_lifetime(admin_client):
    invited, active = InvitedUserFactory(), UserFactory()

    admin_client.post(USERS_URL, issue_data([invited, active], link_lifetime="default"))

    assert lifetime_of(invited) == timedelta(days=7)
    assert lifetime_of(active) == timedelta(days=1)


@pytest.mark.parametrize(
    ("preset", "lifetime"),
    [
        ("1h", timedelta(hours=1)),
        ("1d", timedelta(days=1)),
        ("7d", timedelta(days=7)),
        ("30d", timedelta(days=30)),
    ],
)
def test_action_issues_links_for_the_chosen_preset(admin_client, preset, lifetime):
    invited, active = InvitedUserFactory(), UserFactory()

    response = admin_client.post(USERS_URL, issue_data([invited, active], link_lifetime=preset))

    assert len(link_rows(response)) == 2
    assert lifetime_of(invited) == lifetime_of(active) == lifetime


def test_action_issues_links_for_a_free_duration(admin_client):
    user = UserFactory()

    response = admin_client.post(
        USERS_URL, issue_data([user], link_lifetime="other", link_lifetime_other="36h")
    )

    assert lifetime_of(user) == timedelta(hours=36)
    (row,) = link_rows(response).values()
    expires_at = datetime.fromisoformat(attrs_of(row)["data-expires-at"])
    assert expires_at == Link.objects.get(user=user).expires_at.replace(microsecond=0)


@pytest.mark.parametrize(
    ("other", "message"),
    [("", "Give the duration"), ("soon", "is not a duration"), ("0m", "above zero")],
)
def test_action_refuses_a_free_duration_it_cannot_read(admin_client, other, message):
    response = admin_client.post(
        USERS_URL,
        issue_data([UserFactory()], link_lifetime="other", link_lifetime_other=other),
    )

    assert response.status_code == HTTPStatus.OK
    assert message in str(response.context["form"].errors["link_lifetime_other"])
    assert not Link.objects.exists()


def test_action_refuses_a_lifetime_over_the_ceiling_and_issues_nothing(admin_client, settings):
    settings.LINK_MAX_AGE_LIMIT = 10 * 24 * 60 * 60

    free = admin_client.post(
        USERS_URL,
        issue_data([UserFactory()], link_lifetime="other", link_lifetime_other="11d"),
    )
    preset = admin_client.post(USERS_URL, issue_data([UserFactory()], link_lifetime="30d"))

    assert "at most 10 days (LINK_MAX_AGE_LIMIT)" in str(
        free.context["form"].errors["link_lifetime_other"]
    )
    assert "at most 10 days" in str(preset.context["form"].errors["link_lifetime"])
    (errors,) = find_all(parse(free), "ul", cls="errorlist")
    assert "at most 10 days" in text_of(errors)
    assert not Link.objects.exists()


def test_the_add_form_offers_the_lifetime_with_the_invites_default(admin_client):
    response = admin_client.get(ADD_USER_URL)

    (default,) = find_all(parse(response), "input", type="radio", value="default")
    assert "checked" in attrs_of(default)
    assert "Default for invites: 7 days" in response.content.decode()


@pytest.mark.parametrize(
    ("choice", "lifetime"),
    [
        ({}, timedelta(days=7)),
        ({"link_lifetime": "1h"}, timedelta(hours=1)),
        ({"link_lifetime": "other", "link_lifetime_other": "90m"}, timedelta(minutes=90)),
    ],
)
def test_adding_a_user_issues_the_link_with_the_chosen_lifetime(admin_client, choice, lifetime):
    admin_client.post(ADD_USER_URL, add_user_data(**choice) | {"_save": "Save"})

    assert lifetime_of(User.objects.get(email="new.person@example.com")) == lifetime


def test_adding_a_user_with_a_lifetime_over_the_ceiling_adds_nothing(admin_client, settings):
    settings.LINK_MAX_AGE_LIMIT = 24 * 60 * 60

    response = admin_client.post(
        ADD_USER_URL,
        add_user_data(link_lifetime="other", link_lifetime_other="2d") | {"_save": "Save"},
    )

    assert response.status_code == HTTPStatus.OK
    assert "at most 1 day" in str(response.context["adminform"].form.errors)
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert not Link.objects.exists()


def test_action_confirmed_after_every_selected_user_was_deleted_says_so(admin_client):
    """It answered 500: issuing for no user returned a list, not a batch."""
    gone = [InvitedUserFactory(), UserFactory()]
    data = issue_data(gone)
    for user in gone:
        user.delete()

    response = admin_client.post(USERS_URL, data, follow=True)

    assert response.status_code == HTTPStatus.OK
    assert [str(message) for message in response.context["messages"]] == [
        "No link was issued: the selected users no longer exist. Select users from the list again."
    ]
    assert not Link.objects.exists()


def test_a_purged_link_presented_again_is_listed_and_counted_on_the_front_page(admin_client):
    from invites.models import PurgedLink

    user = UserFactory(email="tripped@example.com")
    link = link_services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND).link
    link_services.link_redeem(link=link, password=NEW_PASSWORD)
    Link.objects.update(used_at=clock.now() - timedelta(days=31))
    purging.links_purge(older_than=timedelta(days=30))
    link_services.link_presented_again(digest=link.digest, address="203.0.113.9")

    listed = admin_client.get(
        reverse("admin:invites_purgedlink_changelist"), {"presented_again": "yes"}
    )
    front = admin_client.get(reverse("admin:index")).content.decode()

    assert "tripped@example.com" in text_of(parse(listed))
    assert PurgedLink.objects.get().presented_again_count == 1
    assert "presented again" in front
