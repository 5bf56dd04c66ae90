"""The limits table (project.ratelimits.LIMITS) as a browser meets it: which requests it holds."""

from http import HTTPStatus

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client
from django.urls import path, reverse

from accounts.tests.factories import DEFAULT_PASSWORD, StaffFactory, UserFactory
from project.ratelimit_urls import guarded

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-at-all"
SIGN_IN_URLS = [reverse("login"), reverse("admin:login")]


def sign_in(client, email, password=WRONG, url=None):
    return client.post(url or reverse("login"), {"username": email, "password": password})


def from_address(address="203.0.113.20"):
    return Client(REMOTE_ADDR=address)


@pytest.mark.parametrize("url", SIGN_IN_URLS)
def test_loading_the_sign_in_page_counts_nothing_and_is_never_refused(url):
    person = StaffFactory()  # the admin signs in staff only
    for _ in range(40):
        assert from_address().get(url).status_code == HTTPStatus.OK
    assert sign_in(from_address(), person.email, DEFAULT_PASSWORD, url).status_code == (
        HTTPStatus.FOUND
    )


@pytest.mark.parametrize("url", SIGN_IN_URLS)
def test_the_sign_in_page_still_loads_once_the_address_is_refused(url):
    for n in range(30):
        sign_in(from_address(), f"nobody{n}@example.com", url=url)
    assert sign_in(from_address(), "nobody@example.com", url=url).status_code == (
        HTTPStatus.TOO_MANY_REQUESTS
    )
    assert from_address().get(url).status_code == HTTPStatus.OK


def test_failures_at_the_site_and_at_the_admin_share_one_count_per_address():
    for n in range(15):
        assert sign_in(from_address(), f"a{n}@example.com").status_code == HTTPStatus.OK
        assert sign_in(
            from_address(), f"b{n}@example.com", url=reverse("admin:login")
        ).status_code == (HTTPStatus.OK)
    for url in SIGN_IN_URLS:
        assert sign_in(from_address(), "c@example.com", url=url).status_code == (
            HTTPStatus.TOO_MANY_REQUESTS
        )


def test_failures_at_the_site_and_at_the_admin_share_one_count_per_account():
    UserFactory(email="carol@example.com")
    for n in range(5):
        sign_in(from_address(f"198.51.100.{n}"), "carol@example.com")
        sign_in(
            from_address(f"198.51.100.{n + 50}"), "carol@example.com", url=reverse("admin:login")
        )
    response = sign_in(from_address("198.51.100.99"), "carol@example.com", DEFAULT_PASSWORD)
    assert response.status_code == HTTPStatus.TOO_MANY_REQUESTS


def test_failures_on_one_account_hold_that_account_only():
    UserFactory(email="carol@example.com")
    dave = UserFactory(email="dave@example.com")
    for n in range(10):
        sign_in(from_address(f"198.51.100.{n}"), "carol@example.com")
    assert sign_in(from_address("198.51.100.98"), "carol@example.com").status_code == (
        HTTPStatus.TOO_MANY_REQUESTS
    )
    assert sign_in(from_address("198.51.100.99"), dave.email, DEFAULT_PASSWORD).status_code == (
        HTTPStatus.FOUND
    )


def test_a_sign_in_the_view_fails_to_serve_counts_nothing(monkeypatch):
    """A server error is not the client's failure: it must not use up their attempts."""
    UserFactory(email="carol@example.com")
    broken = from_address("198.51.100.7")
    broken.raise_request_exception = False
    monkeypatch.setattr(
        "django.contrib.auth.views.LoginView.post",
        lambda *args, **kwargs: HttpResponse(status=HTTPStatus.INTERNAL_SERVER_ERROR),
    )
    for _ in range(12):
        assert sign_in(broken, "carol@example.com").status_code == (
            HTTPStatus.INTERNAL_SERVER_ERROR
        )
    monkeypatch.undo()
    assert sign_in(
        from_address("198.51.100.8"), "carol@example.com", DEFAULT_PASSWORD
    ).status_code == (HTTPStatus.FOUND)


def test_counts_carry_over_from_and_to_django_ratelimits_own_counting(rf):
    """Failures counted under django-ratelimit's keys, so none is lost to an upgrade."""
    from django_ratelimit.core import get_usage

    address = rf.post("/", REMOTE_ADDR="203.0.113.30")
    for _ in range(3):
        sign_in(from_address("203.0.113.30"), "nobody@example.com")
    counted = get_usage(address, group="sign-in-address", key="ip", rate="30/m")
    assert counted["count"] == 3
    for _ in range(27):
        get_usage(address, group="sign-in-address", key="ip", rate="30/m", increment=True)
    assert sign_in(from_address("203.0.113.30"), "nobody@example.com").status_code == (
        HTTPStatus.TOO_MANY_REQUESTS
    )


def test_with_the_limits_switched_off_nothing_is_refused(settings):
    settings.RATELIMIT_ENABLE = False
    for n in range(35):
        assert sign_in(from_address(), f"nobody{n}@example.com").status_code == HTTPStatus.OK


def test_a_limit_on_a_view_with_no_url_stops_the_site_from_starting():
    with pytest.raises(ImproperlyConfigured, match="LIMITS names views with no URL") as error:
        guarded([path("", lambda request: HttpResponse(), name="login")])
    assert "'admin:login'" in str(error.value)
    assert "'login'" not in str(error.value)


def test_loading_the_password_change_page_counts_nothing():
    person = UserFactory()
    browser = from_address()
    browser.force_login(person)
    for _ in range(15):
        assert browser.get(reverse("password_change")).status_code == HTTPStatus.OK
    response = browser.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "Another-passphrase-that-is-fine",
            "new_password2": "Another-passphrase-that-is-fine",
        },
    )
    assert response.status_code == HTTPStatus.FOUND


def test_a_sign_in_post_that_names_no_account_shows_the_form_again():
    response = from_address().post(reverse("login"), {"password": WRONG})
    assert response.status_code == HTTPStatus.OK


# --- guarded(): the site's URLs with the limits put on, everything else as it was ---------------


def page(request, **kwargs):
    return HttpResponse()


def site_patterns():
    """The site's URLs as project/urls.py composes them, and a namespaced include with kwargs."""
    from django.contrib import admin
    from django.urls import include

    from project.views import home

    extra = ([path("page/", page, name="page")], "extra_app")
    return [
        path("", home, name="home"),
        path("accounts/", include("accounts.urls")),
        path("admin/", admin.site.urls),
        path("", include("invites.urls")),
        path("scim/v2/", include("scim.urls")),
        path("extra/<int:n>/", include(extra, namespace="extra"), {"flag": "on"}),
    ]


def urlconf(name, patterns):
    from types import ModuleType

    module = ModuleType(name)
    module.urlpatterns = patterns
    return module


@pytest.fixture
def site():
    """The same URLs plain and guarded, each as a URLconf of its own."""
    from types import SimpleNamespace

    patterns = site_patterns()
    return SimpleNamespace(
        plain=urlconf("plain", patterns), guarded=urlconf("guarded", guarded(patterns))
    )


SECRET = "s" * 32
URLS = {
    "home": ("home", {}),
    "a SCIM user": ("scim:user", {"pk": "12"}),
    "login": ("login", {}),
    "logout": ("logout", {}),
    "password change": ("password_change", {}),
    "admin sign-in": ("admin:login", {}),
    "admin index": ("admin:index", {}),
    "link": ("invites:open", {"secret": SECRET}),
    "set-password form": ("invites:set_password", {}),
    "namespaced include": ("extra:page", {"n": 3}),
}
GUARDED = {"login", "password change", "admin sign-in", "link", "set-password form", "a SCIM user"}


@pytest.mark.parametrize("url", URLS)
def test_guarding_keeps_each_urls_route_name_namespace_and_arguments(site, url):
    from django.urls import resolve

    name, kwargs = URLS[url]
    route = reverse(name, kwargs=kwargs, urlconf=site.plain)
    assert reverse(name, kwargs=kwargs, urlconf=site.guarded) == route
    plain, guarded_match = resolve(route, urlconf=site.plain), resolve(route, urlconf=site.guarded)
    assert (guarded_match.view_name, guarded_match.app_names, guarded_match.namespaces) == (
        plain.view_name,
        plain.app_names,
        plain.namespaces,
    )
    assert guarded_match.kwargs == plain.kwargs


def test_the_namespaced_include_keeps_its_default_arguments(site):
    from django.urls import resolve

    match = resolve("/extra/3/page/", urlconf=site.guarded)
    assert match.kwargs == {"n": 3, "flag": "on"}
    assert match.app_names == ["extra_app"]


@pytest.mark.parametrize("url", URLS)
def test_guarding_wraps_exactly_the_views_the_limits_name(site, url):
    from django.urls import resolve

    name, kwargs = URLS[url]
    route = reverse(name, kwargs=kwargs, urlconf=site.plain)
    plain, guarded_match = resolve(route, urlconf=site.plain), resolve(route, urlconf=site.guarded)
    assert callable(guarded_match.func)
    assert (guarded_match.func is not plain.func) == (url in GUARDED)


def respond_with_arguments(request, **kwargs):
    return HttpResponse(",".join(f"{name}={value}" for name, value in sorted(kwargs.items())))


def every_limited_view(view, **kwargs_by_name):
    """A URL for each view LIMITS names, all answered by ``view``, in their namespaces."""
    from collections import defaultdict

    from django.urls import include

    from project.ratelimits import LIMITS

    by_namespace = defaultdict(list)
    for guard in LIMITS:
        namespace, _, name = guard.view.rpartition(":")
        if name not in {p.name for p in by_namespace[namespace]}:
            kwargs = kwargs_by_name.get(guard.view, {})
            by_namespace[namespace].append(path(f"{name}/", view, kwargs, name=name))
    return by_namespace.pop("") + [
        path(f"{namespace}/", include((patterns, namespace)))
        for namespace, patterns in by_namespace.items()
    ]


def test_a_limited_view_keeps_its_own_arguments_and_answers_as_before(rf):
    from django.urls import resolve

    patterns = every_limited_view(respond_with_arguments, login={"next": "/home/"})
    conf = urlconf("limited_views", guarded(patterns))
    match = resolve("/login/", urlconf=conf)
    assert match.kwargs == {"next": "/home/"}
    # A GET is not what the sign-in limits hold: the view answers it as it would unguarded.
    assert match.func(rf.get("/login/"), **match.kwargs).content == b"next=/home/"
