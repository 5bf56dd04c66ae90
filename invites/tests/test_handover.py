"""Handing links over: the links page's names, messages and counts, and the print view."""

import json
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY

from accounts import clock
from accounts.tests.admin_pages import action_data
from accounts.tests.factories import (
    InvitedUserFactory,
    StaffFactory,
    TOTPDeviceFactory,
    UserFactory,
    grant,
)
from invites.admin.handover import MAX_SHEETS, handover_messages, sheet_value
from invites.admin.issuing import QR_INLINE_LIMIT
from invites.keys.kinds import SET_PASSWORD, TEAM
from invites.keys.secrets import SECRET_LENGTH, secret_as_typed, secret_typable
from invites.keys.urls import key_url
from invites.links import services
from invites.models import Link
from invites.tests.factories import LinkFactory, TeamLinkFactory, secret_of
from invites.tests.test_admin import (
    assert_never_cached,
    attrs_of,
    find_all,
    link_rows,
    parse,
    row_url,
    text_of,
)

pytestmark = pytest.mark.django_db

USERS_URL = reverse("admin:accounts_user_changelist")
PRINT_URL = reverse("admin:accounts_user_handover_sheets")


def issue(client, users):
    data = action_data("generate_set_password_links", users) | {"post": "yes"}
    response = client.post(USERS_URL, data)
    assert response.status_code == HTTPStatus.OK
    return response


def ada(**fields):
    return InvitedUserFactory(
        **{"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"} | fields
    )


def buttons(root, attribute: str) -> list:
    """The buttons inside ``root`` that carry ``attribute``."""
    return [button for button in find_all(root, "button") if attribute in attrs_of(button)]


# --- The links page -------------------------------------------------------------------


def test_the_links_page_says_how_many_earlier_links_the_new_ones_revoked(admin_client):
    people = [InvitedUserFactory() for _ in range(3)]
    for person in people:
        LinkFactory(user=person)
        LinkFactory(user=person, used=True)
    LinkFactory(user=people[0])

    response = issue(admin_client, people)

    (note,) = find_all(parse(response), cls="issued-links-superseded")
    assert text_of(note).startswith("4 earlier links were revoked")
    assert Link.objects.filter(revoke_reason=Link.RevokeReason.SUPERSEDED).count() == 4


def test_the_links_page_says_nothing_of_revoked_links_when_there_were_none(admin_client):
    response = issue(admin_client, [InvitedUserFactory()])

    assert not find_all(parse(response), cls="issued-links-superseded")


def test_the_service_counts_the_links_it_superseded_without_a_query_of_its_own():
    person = InvitedUserFactory()
    LinkFactory(user=person)
    LinkFactory(user=person, expired=True)
    LinkFactory(user=person, revoked=True)

    issued = services.links_issue(users=[person], issuer=None, via=Link.Via.COMMAND)

    assert issued.superseded == 2
    assert services.links_issue(users=[person], issuer=None, via=Link.Via.COMMAND).superseded == 1


def test_each_row_names_its_person_next_to_the_email(admin_client):
    response = issue(admin_client, [ada(), InvitedUserFactory(first_name="", last_name="")])

    rows = link_rows(response)
    (heading,) = find_all(rows["ada@example.com"], "h2")
    assert text_of(heading) == "Ada Lovelace ada@example.com"
    assert attrs_of(rows["ada@example.com"])["data-name"] == "Ada Lovelace"
    (nameless,) = (row for email, row in rows.items() if email != "ada@example.com")
    assert text_of(find_all(nameless, "h2")[0]) == attrs_of(nameless)["data-email"]


def test_each_row_has_a_copy_ready_message_with_its_link_and_expiry(admin_client):
    response = issue(admin_client, [ada()])

    row = link_rows(response)["ada@example.com"]
    (message,) = find_all(row, "textarea", cls="message-text")
    text = text_of(message)
    expires = text_of(find_all(row, "time")[0])
    assert text.startswith("Hi Ada, set your password for People here: " + row_url(row))
    assert expires.split(" (")[0] in text
    assert "Your sign-in name is ada@example.com." in text
    assert buttons(row, "data-copy-message")


@pytest.fixture
def verified_admin_client(admin_client, admin_user, settings):
    """The admin's browser, signed in with a code (``TWO_FACTOR=staff``)."""
    settings.TWO_FACTOR = "staff"
    session = admin_client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDeviceFactory(user=admin_user).persistent_id
    session.save()
    return admin_client


def test_who_must_set_up_an_authenticator_is_told_in_their_message_and_sheet(
    verified_admin_client,
):
    response = issue(verified_admin_client, [ada(is_staff=True), ada(email="grace@example.com")])

    rows = link_rows(response)
    staff, other = rows["ada@example.com"], rows["grace@example.com"]
    warning = "Have your phone at hand: the same page sets up an authenticator app"
    assert warning in text_of(find_all(staff, "textarea")[0])
    assert "authenticator" not in text_of(find_all(other, "textarea")[0])
    # The row tells its printed sheet (issued-links.js posts it as "two_factor").
    assert attrs_of(staff)["data-two-factor"] == "yes"
    assert attrs_of(other)["data-two-factor"] == ""


def test_nobody_is_told_of_an_authenticator_while_two_factor_is_off(admin_client, settings):
    settings.TWO_FACTOR = "off"
    response = issue(admin_client, [ada(is_staff=True)])

    row = link_rows(response)["ada@example.com"]
    assert "authenticator" not in text_of(find_all(row, "textarea")[0])
    assert attrs_of(row)["data-two-factor"] == ""


def test_a_message_to_someone_without_a_first_name_greets_them_all_the_same(admin_client):
    response = issue(admin_client, [ada(first_name="", last_name=""), ada(email="b@example.com")])

    rows = link_rows(response)
    assert text_of(find_all(rows["ada@example.com"], "textarea")[0]).startswith("Hello, set")
    assert text_of(find_all(rows["b@example.com"], "textarea")[0]).startswith("Hi Ada, set")


@pytest.fixture
def message_template(tmp_path, settings):
    """Write the site's own message template; it takes precedence over the project's."""
    folder = tmp_path / "invites"
    folder.mkdir()
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]

    def write(text: str) -> None:
        (folder / "handover_message.txt").write_text(text)

    return write


def test_the_site_may_word_the_message_itself(message_template):
    message_template("Hello {{ first_name }} & co: {{ url }} until {{ expires_at }}")

    (message,) = handover_messages(
        [
            {
                "name": "Ada Lovelace",
                "first_name": "Ada",
                "email": "ada@example.com",
                "url": "https://example.com/set-password/x/",
                "expires_at": "2026-12-07 14:05 UTC",
                "expires_in": "in 7 days",
            }
        ]
    )

    url, until = "https://example.com/set-password/x/", "2026-12-07 14:05 UTC"
    assert message == f"Hello Ada & co: {url} until {until}\n"


def test_a_template_that_changes_the_values_is_rendered_for_each_person(message_template):
    message_template("{{ first_name|upper }} {{ email|length }} <{{ url }}>")
    people = [
        {"name": "", "first_name": first, "email": email, "url": f"u{n}", "expires_at": "t"}
        | {"expires_in": "soon"}
        for n, (first, email) in enumerate([("Ada", "a@x.org"), ("Grace", "grace@x.org")])
    ]

    assert handover_messages(people) == ["ADA 7 <u0>\n", "GRACE 11 <u1>\n"]


def test_each_row_keeps_a_persons_name_as_text(admin_client):
    # The row template is drawn once with marks in place of the values; a
    # name that looks like markup, or like a mark, is still only text.
    name = '<b>"Ada"</b> & \ue000email\ue001'
    response = issue(admin_client, [ada(first_name=name, last_name="")])

    assert "<b>" not in response.content.decode()
    row = link_rows(response)["ada@example.com"]
    assert attrs_of(row)["data-name"] == name
    assert text_of(find_all(row, "span", cls="issued-link-name")[0]) == name


@pytest.fixture
def row_template(tmp_path, settings):
    """Write the site's own row of the links page; it takes precedence over the project's."""
    folder = tmp_path / "admin" / "invites"
    folder.mkdir(parents=True)
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]

    def write(text: str) -> None:
        (folder / "issued_link_row.html").write_text(text)

    return write


def test_a_row_template_that_changes_or_tests_the_values_still_shows_each_rows_own(
    admin_client, row_template
):
    row_template(
        '<section class="issued-link" data-email="{{ email }}">'
        "<b>{{ email|upper }}</b>{% if name %}<i>{{ name }}</i>{% endif %}</section>"
    )
    people = [ada(), ada(email="b@example.com", first_name="", last_name=""), ada(email="c@x.org")]

    rows = link_rows(issue(admin_client, people))

    assert {email: text_of(row) for email, row in rows.items()} == {
        "ada@example.com": "ADA@EXAMPLE.COM Ada Lovelace",
        "b@example.com": "B@EXAMPLE.COM",
        "c@x.org": "C@X.ORG Ada Lovelace",
    }


def test_copy_all_is_offered_for_two_links_and_not_for_one(admin_client):
    one = parse(issue(admin_client, [ada()]))
    two = parse(issue(admin_client, [ada(email="b@example.com"), ada(email="c@example.com")]))

    assert not buttons(one, "data-copy-all")
    assert buttons(two, "data-copy-all")
    assert buttons(two, "data-print-all")


def test_past_the_sheets_a_print_holds_print_all_gives_way_to_a_note(admin_client, monkeypatch):
    monkeypatch.setattr("invites.admin.handover.MAX_SHEETS", 2)

    page = parse(issue(admin_client, [InvitedUserFactory() for _ in range(3)]))

    assert not buttons(page, "data-print-all")
    assert "More than 2 links: print them with each row" in text_of(page)
    assert len(buttons(page, "data-print")) == 3


def test_show_all_qr_codes_is_offered_only_past_the_inline_limit(admin_client):
    few = parse(issue(admin_client, [InvitedUserFactory() for _ in range(QR_INLINE_LIMIT)]))
    many = parse(issue(admin_client, [InvitedUserFactory() for _ in range(QR_INLINE_LIMIT + 1)]))

    assert not buttons(few, "data-show-all-qr")
    assert len(find_all(few, "svg", cls="qr-code")) == QR_INLINE_LIMIT
    assert buttons(many, "data-show-all-qr")
    assert not find_all(many, "svg", cls="qr-code")


def test_the_links_page_posts_to_the_print_view_and_carries_no_secret_in_a_url(admin_client):
    page = parse(issue(admin_client, [ada()]))

    (main,) = find_all(page, id="content-main")
    assert attrs_of(main)["data-print-url"] == PRINT_URL
    assert attrs_of(main)["data-reload-url"] == USERS_URL
    secret = secret_of(row_url(link_rows_of(page)["ada@example.com"]))
    for element in find_all(page):
        for name in ("href", "src", "action", "data-print-url", "data-qr-url"):
            assert secret not in (attrs_of(element).get(name) or "")


def link_rows_of(page):
    return {attrs_of(row)["data-email"]: row for row in find_all(page, cls="issued-link")}


# --- The print view -------------------------------------------------------------------


def sheets_of(response) -> list:
    return find_all(parse(response), "section", cls="handover-sheet")


def issued_url(user) -> tuple[str, Link]:
    issued = services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND)
    return key_url(SET_PASSWORD, issued.secret), issued.link


def sheet_for(user, url=None, **changes) -> str:
    if url is None:
        url, link = issued_url(user)
        expires_at = link.expires_at
    else:
        expires_at = clock.now() + timedelta(days=7)
    fields = {"url": url, "name": user.get_full_name(), "email": user.email} | changes
    return sheet_value(expires_at=expires_at, **fields)


@pytest.fixture
def people():
    return [
        ada(),
        InvitedUserFactory(email="grace@example.com", first_name="Grace", last_name="Hopper"),
    ]


def assert_prints(url: str, printed: str) -> None:
    """``printed`` is ``url`` with its secret in the typable spelling, which reads back to it."""
    head, _, secret = url.rstrip("/").rpartition("/")
    printed_head, _, typed = printed.rstrip("/").rpartition("/")
    assert printed_head == head
    assert typed == secret_typable(secret)
    assert secret_as_typed(typed.lower()) == secret


def test_the_print_view_draws_one_sheet_per_link_posted(admin_client, people, settings):
    settings.SITE_NAME = "Acme People"
    urls = [issued_url(person)[0] for person in people]
    sheets = [
        sheet_value(
            url=url, name=person.get_full_name(), email=person.email, expires_at=clock.now()
        )
        for url, person in zip(urls, people, strict=True)
    ]

    response = admin_client.post(PRINT_URL, {"sheet": sheets})

    assert response.status_code == HTTPStatus.OK
    drawn = sheets_of(response)
    assert len(drawn) == 2
    for sheet, person, url in zip(drawn, people, urls, strict=True):
        text = text_of(sheet)
        assert "Acme People" in text
        assert person.get_full_name() in text
        assert person.email in text
        assert len(find_all(sheet, "svg")) == 1
        (link,) = find_all(sheet, "p", cls="handover-link")
        groups = [text_of(span) for span in find_all(link, "span")]
        assert_prints(url, "".join(groups))
        assert [len(group) for group in groups[1:-1]] == [4] * 9 + [3]
        assert "Valid until" in text
        assert "Later, sign in at http://testserver/accounts/login/" in text
        assert "authenticator" not in text
        assert len(find_all(sheet, "li")) == 3


def test_a_sheet_for_who_sets_up_an_authenticator_says_to_have_a_phone_at_hand(
    admin_client, people
):
    person = people[0]
    url = issued_url(person)[0]
    sheet = sheet_value(
        url=url,
        name=person.get_full_name(),
        email=person.email,
        expires_at=clock.now(),
        two_factor=True,
    )

    (drawn,) = sheets_of(admin_client.post(PRINT_URL, {"sheet": [sheet]}))

    text = text_of(drawn)
    assert "add your key to an authenticator app on your phone" in text
    assert "Have your phone at hand." in text
    assert "that password and a code from the app." in text
    assert len(find_all(drawn, "li")) == 4


def test_the_print_view_is_never_cached_and_stores_nothing(admin_client, people):
    sheet = sheet_for(people[0])

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.post(PRINT_URL, {"sheet": [sheet]})

    assert response.status_code == HTTPStatus.OK
    assert_never_cached(response)
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []


def test_no_secret_appears_in_a_url_of_the_print_view(admin_client, people):
    url, _link = issued_url(people[0])
    secret = secret_of(url)

    response = admin_client.post(
        PRINT_URL, {"sheet": [sheet_for(people[0], url=url)]}, follow=False
    )

    assert secret not in PRINT_URL
    assert secret not in response.wsgi_request.get_full_path()
    for element in find_all(parse(response)):
        for name in ("href", "src", "action"):
            assert secret not in (attrs_of(element).get(name) or "")


FORGED = {
    "another site's link": "https://evil.example.net/set-password/{secret}/",
    "a path of this site that is no link": "http://testserver/admin/{secret}/",
    "a secret of the wrong length": "http://testserver/set-password/{secret}x/",
    "a query added": "http://testserver/set-password/{secret}/?next=https://evil.example.net",
    "not a URL": "javascript:alert(1)",
}


@pytest.mark.parametrize("forged", FORGED.values(), ids=FORGED.keys())
def test_a_forged_or_foreign_link_is_refused_with_a_page_that_says_why(
    admin_client, people, forged
):
    good = sheet_for(people[1])
    url = forged.format(secret="A" * SECRET_LENGTH)

    response = admin_client.post(PRINT_URL, {"sheet": [good, sheet_for(people[0], url=url)]})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    content = response.content.decode()
    assert "Sheet 2 does not hold a link of this site, so it is not printed." in content
    assert "qr-code" not in content
    assert url not in content
    assert_never_cached(response)


@pytest.mark.parametrize(
    "sheet",
    ["", "not json", "[]", '{"url": "x"}', json.dumps({"url": 1, "name": "", "email": ""})],
)
def test_an_incomplete_sheet_is_refused_with_a_page_that_says_why(admin_client, sheet):
    response = admin_client.post(PRINT_URL, {"sheet": [sheet]})

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "Sheet 1 is incomplete." in response.content.decode()


def test_an_expiry_without_its_time_zone_is_refused(admin_client, people):
    value = json.loads(sheet_for(people[0]))
    value["expires_at"] = "2026-12-07T14:05:00"

    response = admin_client.post(PRINT_URL, {"sheet": [json.dumps(value)]})

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_no_sheet_or_too_many_are_refused(admin_client, people):
    assert admin_client.post(PRINT_URL, {}).status_code == HTTPStatus.BAD_REQUEST
    sheet = sheet_for(people[0])
    response = admin_client.post(PRINT_URL, {"sheet": [sheet] * (MAX_SHEETS + 1)})
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert f"At most {MAX_SHEETS} sheets" in response.content.decode()
    assert admin_client.post(PRINT_URL, {"sheet": [sheet] * MAX_SHEETS}).status_code == 200


def test_the_print_view_answers_only_posts(admin_client):
    assert admin_client.get(PRINT_URL).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_staff_who_may_not_issue_links_may_not_print_them(client, people):
    client.force_login(grant(StaffFactory(), "accounts.view_user"))

    response = client.post(PRINT_URL, {"sheet": [sheet_for(people[0])]})

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_staff_who_may_issue_links_may_print_them(client, people):
    client.force_login(grant(StaffFactory(), "accounts.view_user", "invites.issue_link"))

    response = client.post(PRINT_URL, {"sheet": [sheet_for(people[0])]})

    assert response.status_code == HTTPStatus.OK
    assert len(sheets_of(response)) == 1


def test_staff_who_may_issue_team_links_only_may_not_print_set_password_links(client, people):
    client.force_login(grant(StaffFactory(), "invites.issue_team_link"))

    response = client.post(PRINT_URL, {"sheet": [sheet_for(people[0])]})

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_a_person_who_is_not_staff_is_sent_to_the_sign_in_page(client, people):
    client.force_login(UserFactory())

    response = client.post(PRINT_URL, {"sheet": [sheet_for(people[0])]})

    assert response.status_code == HTTPStatus.FOUND
    assert "/admin/login/" in response["Location"]


def test_the_print_view_needs_the_csrf_token(admin_user, people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    response = client.post(PRINT_URL, {"sheet": [sheet_for(people[0])]})

    assert response.status_code == HTTPStatus.FORBIDDEN


def test_the_print_view_keeps_posted_text_as_text(admin_client, people):
    sheet = sheet_for(people[0], name='<script>alert("x")</script>')

    response = admin_client.post(PRINT_URL, {"sheet": [sheet]})

    assert response.status_code == HTTPStatus.OK
    assert "<script>alert" not in response.content.decode()
    assert re.search(r"&lt;script&gt;alert", response.content.decode())


# --- A team link's sheet ----------------------------------------------------------------


@pytest.fixture
def team_link_sheet(settings) -> tuple[str, str]:
    """A team link's URL and the sheet its page posts (SITE_URL the test server's)."""
    settings.SITE_URL = "http://testserver"
    team_link = TeamLinkFactory(name="Data workshop, March")
    url = key_url(TEAM, team_link.secret)
    return url, sheet_value(url=url, name=team_link.name, expires_at=team_link.expires_at)


def test_a_team_links_sheet_names_the_link_and_says_how_to_join(admin_client, team_link_sheet):
    url, sheet = team_link_sheet

    response = admin_client.post(PRINT_URL, {"sheet": [sheet]})

    assert response.status_code == HTTPStatus.OK
    (drawn,) = sheets_of(response)
    text = text_of(drawn)
    assert "Data workshop, March" in text
    assert "Fill in your email, your name and a password of your choice." in text
    assert "for each person of the team once." in text
    assert "), once." not in text
    (link,) = find_all(drawn, "p", cls="handover-link")
    assert_prints(url, "".join(text_of(span) for span in find_all(link, "span")))


def test_a_team_links_sheet_under_two_factor_for_all_says_to_have_a_phone_at_hand(
    verified_admin_client, settings
):
    settings.TWO_FACTOR = "all"
    form = {"name": "Workshop", "uses": "5", "link_lifetime": "default", "link_lifetime_other": ""}

    made = verified_admin_client.post(reverse("admin:invites_teamlink_add"), form)
    sheet = made.context["print_sheet"]
    assert json.loads(sheet)["two_factor"] is True
    (drawn,) = sheets_of(verified_admin_client.post(PRINT_URL, {"sheet": [sheet]}))

    assert "Your first sign-in sets up an authenticator app" in text_of(drawn)


def test_a_team_link_on_another_path_is_refused(admin_client, team_link_sheet):
    url, _sheet = team_link_sheet
    forged = url.replace("/join/", "/joined/")
    sheet = sheet_value(url=forged, name="x", expires_at=clock.now())

    response = admin_client.post(PRINT_URL, {"sheet": [sheet]})

    assert response.status_code == HTTPStatus.BAD_REQUEST


def test_printing_a_team_links_sheet_needs_the_team_link_permission(client, team_link_sheet):
    _url, sheet = team_link_sheet
    client.force_login(grant(StaffFactory(), "accounts.view_user", "invites.issue_link"))
    assert client.post(PRINT_URL, {"sheet": [sheet]}).status_code == HTTPStatus.FORBIDDEN

    client.force_login(grant(StaffFactory(), "invites.issue_team_link"))
    assert client.post(PRINT_URL, {"sheet": [sheet]}).status_code == HTTPStatus.OK
