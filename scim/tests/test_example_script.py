"""docs/examples/scim_create_user.py against the live server, run as a reader would run it."""

import http.cookiejar
import os
import subprocess
import sys
import urllib.request
from http import HTTPStatus
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import User
from accounts.tests.factories import StaffFactory
from invites.tests.factories import ApiTokenFactory
from scim.tests.conftest import provisioner
from tests.addresses import free_port

SCRIPT = Path(settings.BASE_DIR) / "docs" / "examples" / "scim_create_user.py"


def run_script(url: str, token: str, *arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PEOPLE_SCIM_URL": url, "PEOPLE_SCIM_TOKEN": token}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *arguments],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def service(live_server, transactional_db, settings):
    # Links start with SITE_URL: here, the live server's address.
    settings.SITE_URL = live_server.url
    return f"{live_server.url}/scim/v2/"


@pytest.fixture
def token(service):
    return ApiTokenFactory(owner=provisioner(email="provisioner@example.com")).token


ADA = ("--email", "ada@example.com", "--first-name", "Ada", "--last-name", "Lovelace")


def test_creates_the_user_and_prints_a_link_that_opens_the_set_password_form(service, token):
    result = run_script(service, token, *ADA)

    assert result.returncode == 0, result.stderr
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines()[1:])
    assert result.stdout.startswith("created ada@example.com (id ")
    assert lines["expires"].startswith("20")
    user = User.objects.get(email="ada@example.com")
    assert (user.first_name, user.last_name, user.has_usable_password()) == (
        "Ada",
        "Lovelace",
        False,
    )
    # Opening the link moves its secret into a cookie and redirects to the form.
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with browser.open(lines["set-password link"], timeout=30) as page:
        assert page.status == HTTPStatus.OK
        assert page.url == f"{settings.SITE_URL}/set-password/"
        assert "ada@example.com" in page.read().decode()


def test_a_refused_token_is_explained_without_a_traceback(service):
    result = run_script(service, "ppl_" + "x" * 32, *ADA)

    assert result.returncode == 1
    assert "refused (HTTP 401)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not User.objects.filter(email="ada@example.com").exists()


def test_an_owner_without_the_permissions_is_told_what_they_lack(service):
    token = ApiTokenFactory(owner=StaffFactory()).token

    result = run_script(service, token, *ADA)

    assert result.returncode == 1
    assert "refused (HTTP 403)" in result.stderr
    assert "accounts.add_user" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_existing_email_is_a_conflict(service, token):
    assert run_script(service, token, *ADA).returncode == 0

    result = run_script(service, token, "--email", "ADA@example.com")

    assert result.returncode == 1
    assert "refused (HTTP 409)" in result.stderr
    assert "already exists" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_service_that_cannot_be_reached_is_named(token):
    result = run_script(f"http://127.0.0.1:{free_port()}/scim/v2/", token, *ADA)

    assert result.returncode == 2
    assert "cannot reach http://127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr


def test_without_an_address_it_says_what_to_set(token):
    result = run_script("", token, "--email", "ada@example.com")

    assert result.returncode == 2
    assert "PEOPLE_SCIM_URL" in result.stderr
