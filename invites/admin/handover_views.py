"""The views that draw what a page of links posts back: handover sheets and QR codes.

A link's secret is never stored where these could read it back, so a page
that shows links (the links page, a team link's page) posts them here, and
each link must be one this site makes (``handover.link_kind``): nothing else
is ever drawn. Nothing is looked up or kept, and no cache may keep the answer.
The user admin serves both (``SetPasswordLinksAdminMixin.get_urls``), passing
itself as ``model_admin``, as Django's admin passes itself to its
``AutocompleteJsonView``.
"""

from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from accounts.qr import qr_svg
from invites.admin.handover import SheetsInvalid, link_kind, sheets_read, site_address
from invites.keys.kinds import SET_PASSWORD, TEAM
from invites.team_links.services import TEAM_ISSUE_PERMISSION


@method_decorator(sensitive_post_parameters("url"), name="dispatch")
class LinkQRView(View):
    """The QR code of one link on the links page, drawn when its button asks (POST only).

    The link must be a set-password link of this site, or the answer is a 400
    in plain text; asking needs the permission to issue set-password links.
    ``admin_view`` marks the answer ``no-store``.
    """

    http_method_names = ["post"]
    model_admin = None

    def post(self, request):
        if not self.model_admin.has_issue_link_permission(request):
            raise PermissionDenied
        url = request.POST.get("url", "")
        if link_kind(url, request=request) != SET_PASSWORD:
            return HttpResponseBadRequest(
                _("This is not a set-password link."), content_type="text/plain; charset=utf-8"
            )
        return HttpResponse(qr_svg(url), content_type="image/svg+xml")


@method_decorator(sensitive_post_parameters("sheet"), name="dispatch")
class HandoverSheetsView(View):
    """Printable handover sheets of the links a page posts back (POST only).

    Each ``sheet`` field describes one sheet (``handover.sheet_value``). A
    sheet that is incomplete or holds a link this site does not make gets a
    400 page saying why; set-password links need the permission to issue
    them, team links the permission to issue team links.
    """

    http_method_names = ["post"]
    model_admin = None
    template_name = "admin/invites/handover_sheets.html"
    invalid_template_name = "admin/invites/handover_sheets_invalid.html"

    def post(self, request):
        request.current_app = self.model_admin.admin_site.name
        may_issue = self.model_admin.has_issue_link_permission(request)
        may_issue_team = request.user.has_perm(TEAM_ISSUE_PERMISSION)
        if not (may_issue or may_issue_team):
            raise PermissionDenied
        try:
            sheets = sheets_read(request.POST.getlist("sheet"), request=request)
        except SheetsInvalid as invalid:
            return self.render(
                self.invalid_template_name,
                {"title": _("These sheets cannot be printed"), "reason": str(invalid)},
                status=HTTPStatus.BAD_REQUEST,
            )
        kinds = {sheet.kind for sheet in sheets}
        if (SET_PASSWORD in kinds and not may_issue) or (TEAM in kinds and not may_issue_team):
            raise PermissionDenied
        return self.render(
            self.template_name,
            {
                "title": ngettext("Handover sheet", "Handover sheets", len(sheets)),
                "site_name": settings.SITE_NAME,
                "sign_in_url": site_address(reverse("login"), request=request),
                "sheets": [(sheet, qr_svg(sheet.url, scalable=True)) for sheet in sheets],
                "set_password_kind": SET_PASSWORD,
            },
        )

    def render(self, template_name: str, context: dict, *, status=HTTPStatus.OK):
        """A page of the admin without its sidebar, which no cache may keep: it holds links."""
        admin_site = self.model_admin.admin_site
        response = TemplateResponse(
            self.request,
            template_name,
            {
                **admin_site.each_context(self.request),
                "opts": self.model_admin.opts,
                "is_nav_sidebar_enabled": False,
                **context,
            },
            status=status,
        )
        add_never_cache_headers(response)
        return response
