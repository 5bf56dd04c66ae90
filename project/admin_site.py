"""The admin site. Its sign-in is rate limited like the public one (project.ratelimits).

Its front page shows, above the app list, what needs an administrator
(``attention``): counts that each link to the list they count, filtered by
that list's own filters. The site's app config loads this module before any
model, so what it uses of the apps is imported inside its functions.
"""

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from accounts import clock
from project.errors import CACHE_UNAVAILABLE

logger = logging.getLogger(__name__)

# The counts are shared by every administrator and kept this long: a front
# page opened often costs its COUNTs at most twice a minute.
ATTENTION_CACHE_KEY = "admin-index-attention"
ATTENTION_CACHE_SECONDS = 30


@dataclass(frozen=True)
class Attention:
    """One line of the front page: how many of something, and the list that shows them."""

    key: str
    count: int
    text: str
    url: str
    urgent: bool = False


def attention_counts() -> dict[str, int]:
    """The front page's counts, from the cache when it has them (``ATTENTION_CACHE_SECONDS``).

    A cache that cannot be reached is skipped, not fatal: the counts are
    read from the database alone and the page still renders.
    """
    from accounts.audit_selectors import audit_needing_attention
    from invites.links.selectors import links_needing_attention
    from invites.models import AccessRequest

    try:
        counts = cache.get(ATTENTION_CACHE_KEY)
    except CACHE_UNAVAILABLE:
        logger.warning("The admin's front page counts without the cache: it cannot be reached.")
        counts, cache_up = None, False
    else:
        cache_up = True
    if counts is None:
        now = clock.now()
        counts = {
            "access_requests": AccessRequest.objects.pending().order_by().count(),
            **links_needing_attention(now=now),
            **audit_needing_attention(now=now),
        }
        if cache_up:
            with contextlib.suppress(CACHE_UNAVAILABLE):
                cache.set(ATTENTION_CACHE_KEY, counts, ATTENTION_CACHE_SECONDS)
    return counts


def attention(request, *, site: admin.AdminSite) -> list[Attention]:
    """What needs an administrator, as far as ``request.user`` may see it.

    Each line links to the admin's list that shows what it counts, filtered
    with that list's own filter.
    """
    from accounts.admin_audit_trail import may_view_trail
    from accounts.audit import AuditEvent
    from invites.models import AccessRequest

    user = request.user
    counts = attention_counts()
    items = []
    if site.is_registered(AccessRequest) and user.has_perm("invites.view_accessrequest"):
        items.append(_access_requests_line(counts["access_requests"], site=site))
    if user.has_perm("invites.view_link"):
        items += _links_lines(counts, site=site)
    if site.is_registered(AuditEvent) and may_view_trail(user):
        items += _trail_lines(counts, site=site)
    return items


def _filtered_list(site: admin.AdminSite, model, list_filter, value: str) -> str:
    """The URL of the admin's list of ``model``, filtered by ``list_filter`` to ``value``."""
    changelist = reverse(admin_urlname(model._meta, "changelist"), current_app=site.name)
    return f"{changelist}?{urlencode({list_filter.parameter_name: value})}"


def _access_requests_line(count: int, *, site: admin.AdminSite) -> Attention:
    from invites.admin.access_requests import AccessRequestStateFilter
    from invites.models import AccessRequest

    return Attention(
        "access_requests",
        count,
        ngettext(
            "%(count)d access request waits for a decision",
            "%(count)d access requests wait for a decision",
            count,
        )
        % {"count": count},
        _filtered_list(site, AccessRequest, AccessRequestStateFilter, AccessRequest.State.PENDING),
        urgent=count > 0,
    )


def _links_lines(counts: dict[str, int], *, site: admin.AdminSite) -> list[Attention]:
    from invites.admin.links import ExpiringSoonFilter, PresentedAgainFilter, RedeemedRecentlyFilter
    from invites.models import Link

    expiring, redeemed, tripped = (
        counts["expiring"],
        counts["redeemed"],
        counts["presented_again"],
    )
    return [
        Attention(
            "expiring",
            expiring,
            ngettext(
                "%(count)d link expires within 24 hours without being used",
                "%(count)d links expire within 24 hours without being used",
                expiring,
            )
            % {"count": expiring},
            _filtered_list(site, Link, ExpiringSoonFilter, ExpiringSoonFilter.VALUE),
            urgent=expiring > 0,
        ),
        Attention(
            "redeemed",
            redeemed,
            ngettext(
                "%(count)d link was used in the last 7 days",
                "%(count)d links were used in the last 7 days",
                redeemed,
            )
            % {"count": redeemed},
            _filtered_list(site, Link, RedeemedRecentlyFilter, RedeemedRecentlyFilter.VALUE),
        ),
        Attention(
            "presented_again",
            tripped,
            ngettext(
                "%(count)d used or revoked link was presented again",
                "%(count)d used or revoked links were presented again",
                tripped,
            )
            % {"count": tripped},
            _filtered_list(site, Link, PresentedAgainFilter, PresentedAgainFilter.VALUE),
            urgent=tripped > 0,
        ),
    ]


def _trail_list(site: admin.AdminSite, *, action: str, within: timedelta) -> str:
    """The URL of the audit trail's list: ``action``'s events within a period (``WithinFilter``)."""
    from accounts.admin_audit_trail import ActionFilter, WithinFilter
    from accounts.audit import AuditEvent

    changelist = reverse(admin_urlname(AuditEvent._meta, "changelist"), current_app=site.name)
    query = {
        ActionFilter.parameter_name: action,
        WithinFilter.parameter_name: WithinFilter.value_of(within),
    }
    return f"{changelist}?{urlencode(query)}"


def _trail_lines(counts: dict[str, int], *, site: admin.AdminSite) -> list[Attention]:
    from accounts.audit_selectors import BURST_FAILURES, BURST_WITHIN, TRIPWIRES_WITHIN

    tripwires, bursts = counts["tripwires"], counts["sign_in_bursts"]
    return [
        Attention(
            "tripwires",
            tripwires,
            ngettext(
                "%(count)d tripwire in the last 7 days: a used or revoked link presented again",
                "%(count)d tripwires in the last 7 days: used or revoked links presented again",
                tripwires,
            )
            % {"count": tripwires},
            _trail_list(site, action="link.presented_again", within=TRIPWIRES_WITHIN),
            urgent=tripwires > 0,
        ),
        Attention(
            "sign_in_bursts",
            bursts,
            ngettext(
                "%(count)d account had %(failures)d or more refused sign-ins in the last hour",
                "%(count)d accounts had %(failures)d or more refused sign-ins in the last hour",
                bursts,
            )
            % {"count": bursts, "failures": BURST_FAILURES},
            _trail_list(site, action="sign_in.failed", within=BURST_WITHIN),
            urgent=bursts > 0,
        ),
    ]


class AdminSite(admin.AdminSite):
    site_title = _("Administration")
    index_title = _("People and access")

    @property
    def site_header(self):
        from django.conf import settings

        return _("%(site)s administration") % {"site": settings.SITE_NAME}

    def has_permission(self, request):
        """Django's rule, and where ``TWO_FACTOR`` requires it, a code typed in this session."""
        from accounts.two_factor import two_factor_satisfied

        return super().has_permission(request) and two_factor_satisfied(request)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        """Django's admin sign-in, with the site's second step (``accounts.views``).

        Django's own view signs in on a correct password; this one leads
        whoever ``TWO_FACTOR`` requires on to the code first.
        """
        # Imported here, as Django's own view does: this module loads before the models.
        from django.contrib.admin.forms import AdminAuthenticationForm
        from django.contrib.auth.views import LoginView

        from accounts.views import TwoStepSignInMixin

        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        view = type("AdminSignInView", (TwoStepSignInMixin, LoginView), {})
        return view.as_view(
            extra_context=context,
            authentication_form=self.login_form or AdminAuthenticationForm,
            template_name=self.login_template or "admin/login.html",
        )(request)

    def index(self, request, extra_context=None):
        """Django's front page, with what needs an administrator above the app list."""
        extra_context = {**(extra_context or {}), "attention": attention(request, site=self)}
        return super().index(request, extra_context)


class AdminConfig(DjangoAdminConfig):
    default_site = "project.admin_site.AdminSite"
