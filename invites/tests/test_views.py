import logging
import re
from datetime import timedelta
from http import HTTPStatus

import pytest
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from accounts.blank_forms import forget_drawn
from accounts.models import User
from accounts.tests.factories import (
    DEFAULT_PASSWORD,
    InvitedUserFactory,
    StaffFactory,
    UserFactory,
    grant,
)
from invites.keys.kinds import SET_PASSWORD as LINK_KIND
from invites.links import services
from invites.models import Link
from invites.tests.factories import LinkFactory

LINK_COOKIE, LINK_COOKIE_SALT = LINK_KIND.cookie.name, LINK_KIND.cookie.salt

pytestmark = pytest.mark.django_db

GOOD = "Correct-horse-battery-42"
INVALID_TEXT = "Otherwise ask your administrator for a new link."
SET_PASSWORD = reverse("invites:set_password")


def issue(user=None, **kwargs):
    user = user or InvitedUserFactory(email="ada@example.com", first_name="Ada", last_name="Byron")
    return services.link_issue(user=user, issuer=None, via=Link.Via.COMMAND, **kwargs)


def open_path(secret):
    return reverse("invites:open", kwargs={"secret": secret})


def held_link(client) -> str:
    """What the form's hidden field says for the link this browser holds ("" for none)."""
    request = HttpRequest()
    request.COOKIES = {name: morsel.value for name, morsel in client.cookies.items()}
    try:
        digest = request.get_signed_cookie(LINK_COOKIE, salt=LINK_COOKIE_SALT)
    except (KeyError, signing.BadSignature):
        return ""
    return str(Link.objects.filter(digest=digest).values_list("pk", flat=True).first() or "")


def submit(client, password=GOOD, confirm=None, **fields):
    """POST the form as a browser does: with the link the page was shown for."""
    fields.setdefault("link", held_link(client))
    return client.post(
        SET_PASSWORD, {"new_password1": password, "new_password2": confirm or password, **fields}
    )


def test_opening_a_link_redirects_to_a_url_without_the_secret(client):
    issued = issue()
    response = client.get(open_path(issued.secret))
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == SET_PASSWORD
    assert issued.secret not in response["Location"]


def test_a_link_typed_from_a_printed_sheet_with_spaces_opens(client):
    issued = issue()
    secret = issued.secret
    typed = " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))
    response = client.get(f"/set-password/ {typed} /")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == SET_PASSWORD
    assert held_link(client) == str(issued.link.pk)


def test_opening_a_link_never_consumes_it(client):
    issued = issue()
    for _ in range(3):
        client.get(open_path(issued.secret))
        Client().get(open_path(issued.secret))  # a chat app drawing a preview
    response = client.get(SET_PASSWORD)
    assert response.status_code == HTTPStatus.OK
    assert Link.objects.get().is_open


def test_opening_reads_and_writes_nothing_on_the_server(
    client, settings, django_assert_num_queries
):
    issued = issue()
    with django_assert_num_queries(0):
        response = client.get(open_path(issued.secret))
    assert response.status_code == HTTPStatus.FOUND
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_the_browser_keeps_a_signed_page_scoped_cookie_never_the_secret(client):
    issued = issue()
    cookie = client.get(open_path(issued.secret)).cookies[LINK_COOKIE]
    assert issued.secret not in cookie.value
    assert cookie["path"] == SET_PASSWORD
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_the_link_cookie_lasts_as_long_as_the_longest_link_may(client, settings):
    assert settings.LINK_MAX_AGE_LIMIT == 90 * 24 * 60 * 60
    settings.LINK_MAX_AGE_LIMIT = 30 * 24 * 60 * 60
    cookie = client.get(open_path(issue().secret)).cookies[LINK_COOKIE]
    assert cookie["max-age"] == 30 * 24 * 60 * 60


def forged(client, value):
    client.cookies[LINK_COOKIE] = value
    client.cookies[LINK_COOKIE]["path"] = SET_PASSWORD
    return client


def test_a_forged_or_tampered_cookie_is_an_invalid_link(client):
    issued = issue()
    genuine = client.get(open_path(issued.secret)).cookies[LINK_COOKIE].value
    digest = genuine.partition(":")[0]
    attempts = [
        issued.link.digest,  # the digest alone, unsigned
        genuine.replace(digest, "0" * 64),  # another digest under the old signature
        genuine[:-1] + ("A" if genuine[-1] != "A" else "B"),  # a changed signature
        signing.get_cookie_signer(salt="another-salt").sign(issued.link.digest),
    ]
    for value in attempts:
        response = forged(Client(), value).get(SET_PASSWORD)
        assert response.status_code == HTTPStatus.NOT_FOUND, value
        assert INVALID_TEXT in response.content.decode()
        assert response.cookies[LINK_COOKIE]["max-age"] == 0
    assert client.get(SET_PASSWORD).status_code == HTTPStatus.OK


def test_form_shows_the_account_and_the_password_rules(client):
    client.get(open_path(issue().secret))
    body = client.get(SET_PASSWORD).content.decode()
    assert "ada@example.com" in body
    assert "at least 12 characters" in body
    assert 'autocomplete="new-password"' in body


def test_title_and_preview_tags_never_name_the_person(client):
    client.get(open_path(issue().secret))
    body = client.get(SET_PASSWORD).content.decode()
    head = body.split("</head>")[0]
    assert "ada" not in head.lower()
    assert "byron" not in head.lower()


def test_weak_password_shows_the_validators_and_keeps_the_link(client):
    client.get(open_path(issue().secret))
    response = submit(client, "password")
    body = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "too short" in body
    assert "too common" in body
    assert Link.objects.get().is_open
    assert not User.objects.get().has_usable_password()


def test_password_similar_to_the_email_is_refused(client):
    client.get(open_path(issue().secret))
    body = submit(client, "ada@example.com1").content.decode()
    assert "too similar" in body
    assert Link.objects.get().is_open


def test_mismatched_confirmation_is_refused(client):
    client.get(open_path(issue().secret))
    body = submit(client, GOOD, GOOD + "x").content.decode()
    assert "Type your new password again in both fields." in body
    assert Link.objects.get().is_open


def test_only_a_reset_shows_the_rule_about_replacing_a_password(client):
    replacing = "If you are replacing a password"
    client.get(open_path(issue().secret))
    assert replacing not in client.get(SET_PASSWORD).content.decode()
    client.get(open_path(issue(UserFactory()).secret))
    assert replacing in client.get(SET_PASSWORD).content.decode()


def _fields_of(page: str) -> str:
    """The form's fields: from the first label to the submit button."""
    return page[page.index("<label") : page.index('<button type="submit"')]


@pytest.mark.parametrize("has_password", [False, True], ids=["first password", "reset"])
def test_the_empty_form_is_drawn_once_and_as_it_would_be_each_time(client, settings, has_password):
    forget_drawn()
    user = (UserFactory if has_password else InvitedUserFactory)(email="ada@example.com")
    pages = []
    for request in range(4):
        if request == 2:
            settings.DEBUG = True  # while developing, the fields are drawn each time
        client.get(open_path(issue(user).secret))
        pages.append(client.get(SET_PASSWORD))

    drew = ["_form_fields.html" in [t.name for t in page.templates] for page in pages]
    assert drew == [True, False, True, True]
    assert _fields_of(pages[1].content.decode()) == _fields_of(pages[3].content.decode())


def test_a_refused_password_shows_its_error_after_the_empty_form_was_kept(client):
    forget_drawn()
    client.get(open_path(issue().secret))
    client.get(SET_PASSWORD)
    kept = client.get(SET_PASSWORD)
    assert "_form_fields.html" not in [t.name for t in kept.templates]

    body = submit(client, GOOD, GOOD + "x").content.decode()

    assert "Type your new password again in both fields." in body
    assert Link.objects.get().is_open


def test_a_form_with_an_authenticator_key_is_drawn_for_each_person(settings):
    settings.TWO_FACTOR = "staff"
    keys = set()
    for email in ("ada@example.com", "bob@example.com"):
        client = Client()
        client.get(open_path(issue(InvitedUserFactory(email=email, is_staff=True)).secret))
        page = client.get(SET_PASSWORD)
        assert "_form_fields.html" in [t.name for t in page.templates]
        keys.add(re.search(r'name="two_factor_key" value="([^"]+)"', page.content.decode())[1])
    assert len(keys) == 2


def test_the_form_says_until_when_the_link_is_valid(client, fixed_clock, settings):
    settings.TIME_ZONE = "Europe/Paris"
    client.get(open_path(issue(max_age=timedelta(hours=2)).secret))
    body = client.get(SET_PASSWORD).content.decode()
    assert "valid until" in body
    assert "2030-05-17 13:30 CEST" in body
    assert "in 2\xa0hours" in body  # timeuntil's non-breaking space


def test_after_setting_a_password_the_sign_in_form_has_the_email_filled_in(client):
    client.get(open_path(issue().secret))
    response = submit(client)
    assert "ada@example.com" not in response["Location"]
    client.post(reverse("logout"))
    first = client.get(reverse("login"))
    assert first.context["form"]["username"].value() == "ada@example.com"
    # Once: the cookie is gone after the form showed it.
    assert first.cookies["sign_in_email"]["max-age"] == 0
    assert client.get(reverse("login")).context["form"]["username"].value() is None


def test_huge_password_is_refused_by_length_before_any_hashing(client, monkeypatch):
    client.get(open_path(issue().secret))
    hashed = []
    monkeypatch.setattr(
        "django.contrib.auth.hashers.MD5PasswordHasher.encode",
        lambda self, *a: hashed.append(a) or "md5$x$y",
    )
    body = submit(client, "Aa1-" * 50_000).content.decode()
    assert "too long" in body
    assert hashed == []
    assert Link.objects.get().is_open


def test_good_password_sets_it_consumes_the_link_and_signs_in_to_the_account_page(client):
    client.get(open_path(issue().secret))
    response = submit(client)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == reverse("account")
    user = User.objects.get()
    assert user.check_password(GOOD)
    assert Link.objects.get().state == Link.State.USED
    assert response.cookies[LINK_COOKIE]["max-age"] == 0
    assert client.session[AUTH_SESSION_KEY] == str(user.pk)
    page = client.get(reverse("account"))
    assert page.status_code == HTTPStatus.OK
    assert "Your password is set. You are signed in." in page.content.decode()


def test_staff_land_in_the_admin_signed_in(client):
    staff = InvitedUserFactory(is_staff=True)
    client.get(open_path(issue(staff).secret))
    response = submit(client)
    assert response["Location"] == reverse("admin:index")
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == HTTPStatus.OK
    assert "Your password is set. You are signed in." in admin.content.decode()


def test_signing_in_through_a_link_is_recorded_as_a_sign_in(client):
    client.get(open_path(issue().secret))
    submit(client)
    user = User.objects.get()
    assert user.last_login is not None
    assert user.sign_ins.filter(succeeded=True).count() == 1


def test_used_link_shows_the_invalid_page_on_a_second_open(client):
    issued = issue()
    client.get(open_path(issued.secret))
    submit(client)
    response = Client().get(open_path(issued.secret), follow=True)
    assert response.redirect_chain == [(SET_PASSWORD, HTTPStatus.FOUND)]
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert INVALID_TEXT in response.content.decode()


def test_a_second_submission_from_the_same_page_is_refused(client):
    issued = issue()
    other = Client()
    client.get(open_path(issued.secret))
    other.get(open_path(issued.secret))
    submit(client)
    response = submit(other, "Second-attempt-passphrase-1")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert INVALID_TEXT in response.content.decode()
    assert User.objects.get().check_password(GOOD)


def invalid_responses():
    """One response per reason a link can be refused, after the redirect if any."""
    yield "unknown", Client().get(open_path("A" * 32), follow=True)
    yield "malformed", Client().get(open_path("not-a-secret"), follow=True)
    for trait in ("used", "revoked", "expired"):
        yield trait, Client().get(open_path(LinkFactory(**{trait: True}).secret), follow=True)
    inactive = LinkFactory(user=InvitedUserFactory(is_active=False))
    yield "inactive", Client().get(open_path(inactive.secret), follow=True)
    yield "no cookie", Client().get(SET_PASSWORD)
    yield "no cookie post", Client().post(SET_PASSWORD, {"new_password1": GOOD})


def test_every_invalid_link_gets_one_identical_page():
    responses = dict(invalid_responses())
    statuses = {name: r.status_code for name, r in responses.items()}
    bodies = {r.content.decode() for r in responses.values()}
    assert set(statuses.values()) == {HTTPStatus.NOT_FOUND}, statuses
    assert len(bodies) == 1
    assert INVALID_TEXT in bodies.pop()


def test_link_that_expires_while_the_form_is_open_is_refused_and_forgotten(client, frozen_clock):
    client.get(open_path(issue().secret))
    frozen_clock.advance(days=8)
    response = submit(client)
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert response.cookies[LINK_COOKIE]["max-age"] == 0
    assert not User.objects.get().has_usable_password()


def test_the_holder_of_a_link_that_expired_while_they_typed_is_told_so(client, frozen_clock):
    client.get(open_path(issue().secret))
    frozen_clock.advance(days=8)
    body = submit(client).content.decode()
    assert "expired while you were typing" in body
    assert "your password was not set" in body
    # Not a dead end: the ways on, to sign in and to the home page.
    assert f'href="{reverse("login")}"' in body
    assert f'href="{reverse("home")}"' in body


@pytest.mark.parametrize("kind", ["set-password", "team"])
def test_the_invalid_page_is_worded_for_every_kind_of_link(client, kind):
    url = reverse("invites:open" if kind == "set-password" else "invites:team_open", args=["x"])
    body = client.get(url).content.decode()
    assert "This link cannot be used." in body
    assert "cannot set a password" not in body


def test_only_the_form_of_that_very_link_learns_it_expired(client, frozen_clock):
    """Without the link's cookie and the form's field, an expired link is one invalid link."""
    issued = issue()
    client.get(open_path(issued.secret))
    frozen_clock.advance(days=8)
    link_id = str(issued.link.pk)
    for response in (
        submit(client, link=""),  # a POST that was not the form
        submit(Client(), link=link_id),  # the field, without the cookie
        client.get(SET_PASSWORD),
    ):
        body = response.content.decode()
        assert response.status_code == HTTPStatus.NOT_FOUND
        assert INVALID_TEXT in body
        assert "expired" not in body.lower()


def test_link_revoked_while_the_form_is_open_is_refused(client):
    issued = issue()
    client.get(open_path(issued.secret))
    issue(issued.user)  # a newer link supersedes it
    assert submit(client).status_code == HTTPStatus.NOT_FOUND
    assert not User.objects.get().has_usable_password()


def test_reset_must_differ_from_the_current_password(client):
    user = UserFactory()
    client.get(open_path(issue(user).secret))
    body = submit(client, DEFAULT_PASSWORD).content.decode()
    assert "must be different from your current password" in body
    assert Link.objects.get().is_open


def test_reset_ends_the_users_other_sessions(client):
    user = UserFactory()
    elsewhere = Client()
    elsewhere.force_login(user)
    assert elsewhere.get(reverse("home")).context["user"] == user
    client.get(open_path(issue(user).secret))
    submit(client)
    assert not elsewhere.get(reverse("home")).context["user"].is_authenticated


def test_someone_signed_in_as_another_user_is_told_and_signed_out(client):
    other = UserFactory(email="grace@example.com")
    client.force_login(other)
    client.get(open_path(issue().secret))
    body = client.get(SET_PASSWORD).content.decode()
    assert "You are signed in as <strong>grace@example.com</strong>" in body
    assert "ada@example.com" in body
    submit(client)
    assert client.session[AUTH_SESSION_KEY] == str(User.objects.get(email="ada@example.com").pk)


FLOW_HEADERS = {
    "X-Robots-Tag": "noindex",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_flow_headers(response):
    assert "no-store" in response["Cache-Control"]
    for header, value in FLOW_HEADERS.items():
        assert value in response[header], header


def test_every_response_of_the_flow_carries_the_privacy_headers(client):
    issued = issue()
    assert_flow_headers(client.get(open_path(issued.secret)))
    assert_flow_headers(client.get(SET_PASSWORD))
    assert_flow_headers(submit(client, "weak"))
    assert_flow_headers(submit(client))
    assert_flow_headers(Client().get(open_path(issued.secret), follow=True))
    assert_flow_headers(Client().get(open_path("not-a-secret")))


def test_pages_ask_not_to_be_indexed(client):
    client.get(open_path(issue().secret))
    assert '<meta name="robots" content="noindex' in client.get(SET_PASSWORD).content.decode()


def test_post_without_csrf_token_is_refused():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.get(open_path(issue().secret))
    response = submit(csrf_client)
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert Link.objects.get().is_open


def test_password_is_a_sensitive_post_parameter(rf):
    from invites.links.views import SetPasswordView

    request = rf.post(SET_PASSWORD, {"new_password1": GOOD})
    request.session = {}
    request.user = AnonymousUser()
    SetPasswordView.as_view()(request)
    assert request.sensitive_post_parameters == "__ALL__"


def test_opening_malformed_links_is_limited_to_30_a_minute_per_address(client):
    for _ in range(30):
        assert client.get(open_path("not-a-secret")).status_code == HTTPStatus.NOT_FOUND
    assert client.get(open_path("not-a-secret")).status_code == HTTPStatus.TOO_MANY_REQUESTS
    # A well-formed secret moves into the cookie uncounted (a cache round trip
    # saved on every link opened): the form's page, under the same limit, refuses.
    opened = client.get(open_path(issue().secret))
    assert opened.status_code == HTTPStatus.FOUND
    response = client.get(opened["Location"])
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert "Wait a minute" in response.content.decode()
    assert response["Retry-After"] == "60"
    assert "noindex" in response["X-Robots-Tag"]
    assert "Your new password" not in response.content.decode()
    other_address = Client(REMOTE_ADDR="127.0.0.9")
    assert other_address.get(open_path("not-a-secret")).status_code == HTTPStatus.NOT_FOUND


def test_opening_good_links_is_never_refused(client):
    for _ in range(40):
        assert client.get(open_path(issue(InvitedUserFactory()).secret)).status_code == (
            HTTPStatus.FOUND
        )
        assert client.get(SET_PASSWORD).status_code == HTTPStatus.OK


def test_unknown_links_met_by_the_form_page_count_as_failed_openings(client):
    assert client.get(open_path("u" * 32)).status_code == HTTPStatus.FOUND
    for _ in range(30):
        assert client.get(SET_PASSWORD).status_code == HTTPStatus.NOT_FOUND
    assert client.get(open_path(issue().secret)).status_code == HTTPStatus.FOUND
    response = client.get(SET_PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert client.get(open_path("not-a-secret")).status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_guesses_opened_ahead_are_refused_at_the_form_page_past_the_limit():
    guesses = [Client(REMOTE_ADDR="192.0.2.66") for _ in range(31)]
    for n, browser in enumerate(guesses):
        assert browser.get(open_path(f"{n:032d}")).status_code == HTTPStatus.FOUND
    statuses = [browser.get(SET_PASSWORD).status_code for browser in guesses]
    assert statuses == [HTTPStatus.NOT_FOUND] * 30 + [HTTPStatus.TOO_MANY_REQUESTS]


def test_set_password_posts_are_limited_to_5_failures_a_minute_per_link():
    issued = issue()
    for n in range(5):
        browser = Client(REMOTE_ADDR=f"10.0.0.{n + 1}")
        browser.get(open_path(issued.secret))
        assert submit(browser, "weak").status_code == HTTPStatus.OK
    browser = Client(REMOTE_ADDR="10.0.0.99")
    browser.get(open_path(issued.secret))
    assert submit(browser).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert Link.objects.get().is_open


def test_set_password_refuses_the_31st_failure_from_one_address(client):
    for _ in range(30):
        client.get(open_path(issue(InvitedUserFactory()).secret))
        assert submit(client, "weak").status_code == HTTPStatus.OK
    client.get(open_path(issue(InvitedUserFactory()).secret))
    assert submit(client).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert not Link.objects.filter(used_at__isnull=False).exists()


def test_an_office_behind_one_address_sets_passwords_and_signs_in_unrefused():
    for _ in range(35):
        person = InvitedUserFactory()
        browser = Client(REMOTE_ADDR="203.0.113.10")
        assert browser.get(open_path(issue(person).secret)).status_code == HTTPStatus.FOUND
        assert browser.get(SET_PASSWORD).status_code == HTTPStatus.OK
        assert submit(browser).status_code == HTTPStatus.FOUND
        browser.post(reverse("logout"))
        signed_in = browser.post(reverse("login"), {"username": person.email, "password": GOOD})
        assert signed_in.status_code == HTTPStatus.FOUND


def test_set_password_posts_without_a_link_are_counted_per_address_not_together():
    for n in range(10):
        assert submit(Client(REMOTE_ADDR=f"10.3.0.{n}")).status_code == HTTPStatus.NOT_FOUND
    one_address = Client(REMOTE_ADDR="10.3.0.99")
    for _ in range(30):
        assert submit(one_address).status_code == HTTPStatus.NOT_FOUND
    assert submit(one_address).status_code == HTTPStatus.TOO_MANY_REQUESTS
    assert submit(Client(REMOTE_ADDR="10.3.0.100")).status_code == HTTPStatus.NOT_FOUND


def test_spoofed_forwarded_for_does_not_escape_the_limit(client):
    for n in range(30):
        client.get(open_path("not-a-secret"), HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    response = client.get(open_path("A" * 32), HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == HTTPStatus.FOUND
    response = client.get(SET_PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_rule_messages_stand_under_the_password_they_judge(client):
    client.get(open_path(issue().secret))
    form = submit(client, "password").context["form"]
    assert "This password is too short" in " ".join(form.errors["new_password1"])
    assert "new_password2" not in form.errors


def test_a_form_shown_before_another_link_was_opened_sets_no_password(client):
    """Two links opened in one browser: the older tab's form must not set the newer's account."""
    ada = issue()
    bob = issue(InvitedUserFactory(email="bob@example.com"))
    client.get(open_path(ada.secret))
    ada_form = client.get(SET_PASSWORD)
    client.get(open_path(bob.secret))  # in another tab

    shown_for = ada_form.context["link"].pk
    response = submit(client, link=shown_for)

    assert response.status_code == HTTPStatus.CONFLICT
    body = response.content.decode()
    assert "Another set-password link was opened in this browser" in body
    assert "bob@example.com" in body
    assert not User.objects.filter(password__startswith="md5").exists()
    assert Link.objects.filter(used_at__isnull=False).count() == 0
    response = submit(client, link=bob.link.pk)
    assert response.status_code == HTTPStatus.FOUND
    assert User.objects.get(email="bob@example.com").check_password(GOOD)
    assert not User.objects.get(email="ada@example.com").has_usable_password()


def test_a_post_without_the_link_the_form_was_shown_for_changes_nothing(client):
    issued = issue()
    client.get(open_path(issued.secret))
    response = client.post(SET_PASSWORD, {"new_password1": GOOD, "new_password2": GOOD})
    assert response.status_code == HTTPStatus.CONFLICT
    assert "nothing was changed" in response.content.decode()
    assert Link.objects.get().is_open
    assert not User.objects.get().has_usable_password()
    assert submit(client).status_code == HTTPStatus.FOUND


def test_the_form_names_the_link_it_was_shown_for(client):
    issued = issue()
    client.get(open_path(issued.secret))
    body = client.get(SET_PASSWORD).content.decode()
    assert f'name="link" value="{issued.link.pk}"' in body


# --- Tripwires and issuers' powers, as the invitee's browser meets them ----------------------


def test_a_used_link_opened_again_shows_the_one_invalid_page_and_is_recorded(client, caplog):
    issued = issue()
    services.link_redeem(link=issued.link, password=GOOD)
    unknown = Client()
    unknown.get(open_path("u" * 32))
    unknown_page = unknown.get(SET_PASSWORD)

    client.get(open_path(issued.secret), REMOTE_ADDR="203.0.113.50")
    with caplog.at_level(logging.WARNING, logger="invites.links.services"):
        page = client.get(SET_PASSWORD, REMOTE_ADDR="203.0.113.50")

    assert page.status_code == unknown_page.status_code == HTTPStatus.NOT_FOUND
    assert page.content == unknown_page.content
    issued.link.refresh_from_db()
    assert issued.link.presented_again_count == 1
    assert issued.link.presented_again_from == "203.0.113.50"
    assert any("was presented again" in record.getMessage() for record in caplog.records)


def test_a_superseded_link_opened_again_is_recorded(client):
    first = issue()
    issue(first.link.user)  # supersedes the first

    client.get(open_path(first.secret))
    client.get(SET_PASSWORD)

    first.link.refresh_from_db()
    assert first.link.revoke_reason == Link.RevokeReason.SUPERSEDED
    assert first.link.presented_again_count == 1


def test_an_expired_link_opened_again_is_no_tripwire(client, settings):
    issued = issue()
    Link.objects.filter(pk=issued.link.pk).update(expires_at=issued.link.created_at)

    client.get(open_path(issued.secret))
    assert client.get(SET_PASSWORD).status_code == HTTPStatus.NOT_FOUND

    issued.link.refresh_from_db()
    assert issued.link.presented_again_count == 0


def test_a_link_whose_issuer_was_demoted_shows_the_invalid_page(client):
    issuer = grant(StaffFactory(), "invites.issue_link")
    issued = services.link_issue(user=InvitedUserFactory(), issuer=issuer, via=Link.Via.ADMIN)
    client.get(open_path(issued.secret))
    assert client.get(SET_PASSWORD).status_code == HTTPStatus.OK

    User.objects.filter(pk=issuer.pk).update(is_staff=False)

    page = client.get(SET_PASSWORD)
    assert page.status_code == HTTPStatus.NOT_FOUND
    assert INVALID_TEXT in page.content.decode()


def test_the_tripwire_records_the_client_behind_the_trusted_proxy(client, settings):
    settings.PROXY_CLIENT_IP_HEADER = "X-Real-IP"
    issued = issue()
    services.link_redeem(link=issued.link, password=GOOD)

    client.get(open_path(issued.secret), REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.77")
    client.get(SET_PASSWORD, REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="::ffff:203.0.113.78")

    issued.link.refresh_from_db()
    assert issued.link.presented_again_from == "203.0.113.78"


# --- Holes mutation testing found (docs/testing.md, "Mutation testing") ------------------------


def test_a_secret_of_non_ascii_characters_is_refused_at_once():
    response = Client().get(open_path("é" * 32))
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert INVALID_TEXT in response.content.decode()
    assert response.cookies[LINK_COOKIE]["max-age"] == 0


@pytest.mark.parametrize("outcome", ["password set", "link invalid"])
def test_the_browser_is_told_to_forget_the_link_on_the_page_that_holds_it(client, outcome):
    issued = issue()
    client.get(open_path(issued.secret))
    if outcome == "link invalid":
        issue(issued.user)  # a newer link supersedes it
    response = submit(client)
    forget = response.cookies[LINK_COOKIE]
    assert forget.value == ""
    assert forget["max-age"] == 0
    # A browser deletes a cookie only where it was set: anywhere else it keeps it.
    assert forget["path"] == SET_PASSWORD


def test_a_crash_while_opening_a_link_reports_its_secret_as_stars(rf, monkeypatch):
    from django.views.debug import ExceptionReporter

    from invites.keys.kinds import SET_PASSWORD as KIND
    from invites.keys.views import key_open

    def crash(secret):
        raise RuntimeError("the hash is gone")

    monkeypatch.setattr("invites.keys.views.secret_digest", crash)
    secret = issue().secret
    request = rf.get(open_path(secret))
    with pytest.raises(RuntimeError) as crashed:
        key_open(request, secret=secret, kind=KIND)
    report = ExceptionReporter(request, crashed.type, crashed.value, crashed.tb)
    frames = report.get_traceback_frames()
    [frame] = [frame for frame in frames if frame["function"] == "key_open"]
    assert dict(frame["vars"])["secret"] == "********************"


RIVALS_PASSWORD = "Rivals-passphrase-1234"


class RivalRedeemsMeanwhile:
    """A password rule that lets a rival browser redeem the link while it checks this one's."""

    def validate(self, password, user=None):
        link = Link.objects.open().select_related("user").filter(user=user).first()
        if link is not None:
            services.link_redeem(link=link, password=RIVALS_PASSWORD)

    def get_help_text(self):
        return ""


def test_a_rival_redemption_landing_first_shows_the_invalid_page_not_success(client, settings):
    """Two browsers post at once: the rival's commits after this one read the link."""
    client.get(open_path(issue().secret))
    settings.AUTH_PASSWORD_VALIDATORS = [
        *settings.AUTH_PASSWORD_VALIDATORS,
        {"NAME": f"{__name__}.RivalRedeemsMeanwhile"},
    ]

    response = submit(client)

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert INVALID_TEXT in response.content.decode()
    assert response.cookies[LINK_COOKIE]["max-age"] == 0
    assert "Your password is set" not in client.get(reverse("login")).content.decode()
    assert User.objects.get().check_password(RIVALS_PASSWORD)


def test_a_refused_link_is_logged_with_its_reason_and_its_id(client, caplog):
    issued = issue()
    services.link_redeem(link=issued.link, password=GOOD)
    client.get(open_path(issued.secret))
    with caplog.at_level(logging.INFO, logger="invites.keys"):
        client.get(SET_PASSWORD)
    refusals = [r.getMessage() for r in caplog.records if r.name == "invites.keys"]
    assert refusals == [f"Refused a set-password link (used): key {issued.link.pk}."]


def test_the_invalid_link_page_is_in_the_sites_own_frame(settings):
    settings.SITE_NAME = "Acme People"
    body = Client().get(open_path("not-a-secret")).content.decode()
    assert "<title>Link not valid · Acme People</title>" in body


def test_the_form_shown_again_for_the_link_opened_since_can_set_its_password(client):
    ada = issue()
    bob = issue(InvitedUserFactory(email="bob@example.com"))
    client.get(open_path(ada.secret))
    client.get(open_path(bob.secret))  # in another tab

    response = submit(client, link=ada.link.pk)

    assert response.status_code == HTTPStatus.CONFLICT
    form = response.context["form"]
    assert form.user == bob.link.user
    assert not form.is_bound  # nothing typed for ada's account is carried over
    body = response.content.decode()
    assert 'name="new_password1"' in body
    assert f'name="link" value="{bob.link.pk}"' in body


def test_success_says_in_so_many_words_that_the_password_is_set(client):
    client.get(open_path(issue().secret))
    submit(client)
    page = client.get(reverse("account"))
    assert [str(message) for message in page.context["messages"]] == [
        "Your password is set. You are signed in."
    ]


@pytest.mark.parametrize("signed_in", ["nobody", "the link's own account"])
def test_only_someone_signed_in_as_another_account_is_warned(client, signed_in):
    issued = issue()
    if signed_in != "nobody":
        client.force_login(issued.link.user)
    client.get(open_path(issued.secret))
    assert "You are signed in as" not in client.get(SET_PASSWORD).content.decode()


def test_over_https_the_link_cookie_is_sent_over_https_only(client, settings):
    settings.SESSION_COOKIE_SECURE = True
    cookie = client.get(open_path(issue().secret)).cookies[LINK_COOKIE]
    assert cookie["secure"]


def test_a_link_typed_in_its_printed_spelling_opens_the_same_link(client):
    from invites.keys.secrets import secret_typable

    issued = issue()
    typable = secret_typable(issued.secret)
    typed = " ".join(typable[i : i + 4] for i in range(0, len(typable), 4)).lower()
    typed = typed.replace("1", "l").replace("0", "o")
    opened = client.get(open_path(typed), follow=True)
    assert opened.status_code == HTTPStatus.OK
    assert opened.context["link"].pk == issued.link.pk
