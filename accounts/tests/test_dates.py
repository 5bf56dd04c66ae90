from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.template import Context, Template
from django.urls import reverse

from accounts.dates import relative, when
from accounts.models import SignIn, User
from accounts.tests.factories import UserFactory

NOW = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)


def test_a_moment_reads_with_its_time_zone_named(settings):
    settings.TIME_ZONE = "UTC"
    assert when(NOW) == "2030-05-17 09:30 UTC"
    assert when(None) is None


def test_a_moment_in_a_narrow_cell_wraps_between_its_date_and_its_time(settings):
    settings.TIME_ZONE = "UTC"
    template = Template("{% load dates %}{{ moment|when_wrapping }}")
    assert template.render(Context({"moment": NOW})) == (
        '<span class="moment">2030-05-17</span> <span class="moment">09:30 UTC</span>'
    )
    assert template.render(Context({"moment": None})) == ""


def spaced(text: str) -> str:
    """Django joins a number and its unit with a no-break space."""
    return text.replace("\xa0", " ")


def test_a_link_issued_a_moment_ago_for_seven_days_reads_a_whole_week():
    issued_a_moment_ago = NOW + timedelta(days=7) - timedelta(seconds=3)
    assert spaced(relative(issued_a_moment_ago, now=NOW)) == "in 1 week"


def test_the_distance_reads_to_its_largest_unit_both_ways():
    assert spaced(relative(NOW + timedelta(hours=2, minutes=20), now=NOW)) == "in 2 hours"
    assert spaced(relative(NOW - timedelta(days=3, hours=5), now=NOW)) == "3 days ago"


# --- Every page writes a moment the same way -----------------------------------------

JOINED = datetime(2026, 1, 2, 9, 5, tzinfo=UTC)  # 10:05 in Paris, UTC+1 in January
SIGNED_IN = datetime(2026, 12, 7, 1, 45, tzinfo=UTC)


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


@pytest.mark.django_db
def test_the_admins_change_page_writes_dates_as_every_page(admin_client, paris):
    user = UserFactory(date_joined=JOINED, last_login=SIGNED_IN)
    SignIn.objects.create(user=user, succeeded=True, at=SIGNED_IN)

    body = admin_client.get(reverse("admin:accounts_user_change", args=[user.pk])).content.decode()

    assert "2026-01-02 10:05 CET" in body  # date joined, a read-only field
    assert body.count("2026-12-07 02:45 CET") >= 2  # last login, and the sign-ins table
    assert "a.m." not in body


@pytest.mark.django_db
def test_the_history_page_writes_dates_as_every_page(admin_client, admin_user, paris):
    user = UserFactory()
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(user.pk),
        object_repr=str(user),
        action_flag=CHANGE,
        change_message="[]",
        action_time=SIGNED_IN,
    )

    body = admin_client.get(reverse("admin:accounts_user_history", args=[user.pk]))

    assert "2026-12-07 02:45 CET" in body.content.decode()


@pytest.mark.django_db
def test_the_account_page_names_the_time_zone_of_its_sign_ins(client, paris):
    user = UserFactory()
    SignIn.objects.create(user=user, succeeded=True, at=SIGNED_IN)
    client.force_login(user)

    body = client.get(reverse("account")).content.decode()

    assert '<time datetime="2026-12-07T02:45:00+01:00">2026-12-07 02:45 CET</time>' in body
