"""Team links in the admin, and the team_link command."""

import csv
import html
import io
import json
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import (
    GroupFactory,
    StaffFactory,
    SuperuserFactory,
    UserFactory,
    grant,
)
from invites.keys.secrets import secret_digest
from invites.models import Link, TeamLink
from invites.team_links.services import team_link_create, team_link_join
from invites.tests.factories import AccessRequestFactory, TeamLinkFactory, TeamLinkJoinFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:invites_teamlink_add")
LIST = reverse("admin:invites_teamlink_changelist")
GOOD = "Correct-horse-battery-42"


def form(**fields):
    return {
        "name": "Data workshop, March",
        "uses": "30",
        "link_lifetime": "default",
        "link_lifetime_other": "",
        **fields,
    }


def issuer_client(*perms) -> tuple[Client, User]:
    user = grant(StaffFactory(), "invites.issue_team_link", *perms)
    client = Client()
    client.force_login(user)
    return client, user


def join(team_link, email):
    return team_link_join(
        team_link=team_link,
        email=email,
        first_name="P",
        last_name="Q",
        password=GOOD,
        address=None,
    )


def dangerous_group():
    group = GroupFactory(name="Admins")
    group.permissions.add(Permission.objects.get(codename="delete_user"))
    return group


# --- Making one -----------------------------------------------------------------


def test_the_link_is_shown_once_with_copy_and_qr_and_no_cache(admin_client, settings):
    settings.SITE_URL = "https://people.example.com"
    readers = GroupFactory(name="Readers")
    page = admin_client.post(ADD, form(groups=[readers.pk], link_lifetime="1d"))
    assert page.status_code == HTTPStatus.OK
    assert "no-store" in page.headers["Cache-Control"]
    text = page.content.decode()
    team_link = TeamLink.objects.get()
    url = text.split('id="team-link-url" value="', 1)[1].split('"', 1)[0]
    assert url.startswith("https://people.example.com/join/")
    assert secret_digest(url.rstrip("/").rsplit("/", 1)[1]) == team_link.digest
    assert "data-copy=" in text
    assert "<svg" in text
    assert list(team_link.groups.all()) == [readers]
    assert team_link.uses_allowed == 30
    assert timedelta(hours=23) < team_link.expires_at - team_link.created_at <= timedelta(days=1)
    # Nobody can read it back: neither the list nor the link's page has it.
    for other in (LIST, reverse("admin:invites_teamlink_change", args=[team_link.pk])):
        assert url not in admin_client.get(other).content.decode()


def test_the_add_page_needs_the_permission():
    client, _ = issuer_client()
    assert client.get(ADD).status_code == HTTPStatus.OK
    staff = grant(StaffFactory(), "invites.view_teamlink")
    other = Client()
    other.force_login(staff)
    assert other.get(ADD).status_code == HTTPStatus.FORBIDDEN
    assert other.post(ADD, form()).status_code == HTTPStatus.FORBIDDEN
    assert not TeamLink.objects.exists()


def test_groups_beyond_the_issuer_are_refused_on_the_form():
    client, _ = issuer_client()
    page = client.post(ADD, form(groups=[dangerous_group().pk]))
    assert page.status_code == HTTPStatus.OK
    assert "grants permissions you do not have" in page.content.decode()
    assert not TeamLink.objects.exists()


def test_the_lifetime_ceiling_and_uses_are_checked(admin_client, settings):
    settings.LINK_MAX_AGE_LIMIT = 7 * 86400
    page = admin_client.post(ADD, form(link_lifetime="30d"))
    assert "LINK_MAX_AGE_LIMIT" in page.content.decode()
    page = admin_client.post(ADD, form(uses="0"))
    assert page.status_code == HTTPStatus.OK
    assert not TeamLink.objects.exists()


# --- The list and a link's page ---------------------------------------------------


def test_the_list_shows_state_uses_left_and_members(admin_client):
    team_link = TeamLinkFactory(uses_allowed=30, uses_taken=18)
    TeamLinkJoinFactory.create_batch(18, team_link=team_link)
    TeamLinkJoinFactory(team_link=TeamLinkFactory(uses_allowed=1, used_up=True))
    text = admin_client.get(LIST).content.decode()
    assert "12 of 30 left" in text
    assert "used up" in text
    assert ">18<" in text
    only_open = admin_client.get(LIST, {"state": "open"}).content.decode()
    assert "12 of 30 left" in only_open
    assert "0 of 1 left" not in only_open


def test_a_links_page_lists_who_joined_with_links_to_them(admin_client):
    joined = TeamLinkJoinFactory(user=UserFactory(email="ada@example.com"))
    user = joined.user
    page = admin_client.get(reverse("admin:invites_teamlink_change", args=[joined.team_link.pk]))
    text = page.content.decode()
    assert reverse("admin:accounts_user_change", args=[user.pk]) in text
    assert "ada@example.com" in text
    assert 'name="_save"' not in text


def test_revoking_by_button_and_action_with_the_powers_rule(admin_client):
    team_link = TeamLinkFactory(groups=[dangerous_group()])
    client, _ = issuer_client()
    revoke = reverse("admin:invites_teamlink_revoke", args=[team_link.pk])
    response = client.post(revoke, follow=True)
    assert "permissions you do not have" in response.content.decode()
    team_link.refresh_from_db()
    assert team_link.revoked_at is None

    admin_client.post(LIST, {"action": "revoke_team_links", "_selected_action": [team_link.pk]})
    team_link.refresh_from_db()
    assert team_link.state == TeamLink.State.REVOKED
    # And the link now gets the one invalid page.
    browser = Client()
    browser.get(reverse("invites:team_open", kwargs={"secret": team_link.secret}))
    assert browser.get(reverse("invites:team_join")).status_code == HTTPStatus.NOT_FOUND


def test_revoke_is_post_only(admin_client):
    team_link = TeamLinkFactory()
    revoke = reverse("admin:invites_teamlink_revoke", args=[team_link.pk])
    assert admin_client.get(revoke).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_approving_a_team_links_request_proposes_its_groups(admin_client):
    readers = GroupFactory(name="Readers")
    request = AccessRequestFactory(
        email="ada@example.com",
        team_link=TeamLinkFactory(groups=[readers], approval=True),
        password=make_password(GOOD),
        groups=[readers],
    )
    approve = reverse("admin:invites_accessrequest_approve", args=[request.pk])
    page = admin_client.get(approve).content.decode()
    assert f'value="{readers.pk}"' in page
    assert "checked" in page.split(f'value="{readers.pk}"', 1)[1].split(">", 1)[0]
    response = admin_client.post(approve, {"groups": [readers.pk]}, follow=True)
    assert "the password they chose" in response.content.decode()
    assert Client().login(username="ada@example.com", password=GOOD)


# --- The command -------------------------------------------------------------------


def test_the_command_prints_the_link_as_csv(settings):
    settings.SITE_URL = "https://people.example.com"
    GroupFactory(name="Readers")
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "team_link",
        "--name",
        "Data workshop, March",
        "--group",
        "Readers",
        "--uses",
        "30",
        "--expires-in",
        "36h",
        "--approval",
        stdout=out,
        stderr=err,
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert list(rows[0]) == ["name", "link", "uses", "expires_at"]
    team_link = TeamLink.objects.get()
    assert rows[0]["name"] == "Data workshop, March"
    assert rows[0]["uses"] == "30"
    assert rows[0]["link"].startswith("https://people.example.com/join/")
    assert secret_digest(rows[0]["link"].rstrip("/").rsplit("/", 1)[1]) == team_link.digest
    assert rows[0]["expires_at"].endswith("+00:00")
    assert team_link.approval
    assert team_link.created_via == Link.Via.COMMAND
    assert [group.name for group in team_link.groups.all()] == ["Readers"]
    assert "valid until" in err.getvalue()


def test_the_command_refuses_unknown_groups_and_bad_uses_writing_nothing(settings, tmp_path):
    settings.SITE_URL = "https://people.example.com"
    output = tmp_path / "links.csv"
    with pytest.raises(CommandError, match="'Nope'"):
        call_command(
            "team_link", "--name", "X", "--group", "Nope", "--uses", "3", "--output", str(output)
        )
    for uses in ("0", "1001"):
        with pytest.raises(CommandError, match="--uses"):
            call_command("team_link", "--name", "X", "--uses", uses)
    with pytest.raises(CommandError, match="LINK_MAX_AGE_LIMIT"):
        call_command("team_link", "--name", "X", "--uses", "3", "--expires-in", "365d")
    assert not output.exists()
    assert not TeamLink.objects.exists()


def test_the_command_needs_site_url(settings):
    settings.SITE_URL = ""
    with pytest.raises(CommandError, match="SITE_URL"):
        call_command("team_link", "--name", "X", "--uses", "3")
    assert not TeamLink.objects.exists()


def test_the_command_writes_a_private_file(settings, tmp_path):
    settings.SITE_URL = "https://people.example.com"
    output = tmp_path / "team.csv"
    call_command("team_link", "--name", "X", "--uses", "3", "--output", str(output), verbosity=0)
    assert output.stat().st_mode & 0o777 == 0o600
    assert output.read_text().startswith("name,link,uses,expires_at\n")


def test_a_superuser_made_link_with_any_group_works(settings):
    issued = team_link_create(
        name="Ops",
        groups=[dangerous_group()],
        uses=1,
        issuer=SuperuserFactory(),
        via=Link.Via.ADMIN,
    )
    join(issued.team_link, "ops@example.com")
    assert User.objects.get(email="ops@example.com").groups.get().name == "Admins"


def test_the_shown_once_page_prints_a_handover_sheet_by_posting_the_link_back(admin_client):
    page = admin_client.post(ADD, form()).content.decode()
    url = page.split('id="team-link-url" value="', 1)[1].split('"', 1)[0]
    print_url = reverse("admin:accounts_user_handover_sheets")
    assert f'action="{print_url}"' in page
    assert url not in print_url
    sheet = html.unescape(page.split('name="sheet" value="', 1)[1].split('"', 1)[0])
    assert json.loads(sheet)["url"] == url
    printed = admin_client.post(print_url, {"sheet": sheet})
    assert printed.status_code == HTTPStatus.OK
    assert "Data workshop, March" in printed.content.decode()
    assert "no-store" in printed.headers["Cache-Control"]
