"""The admin site, with its sign-in form rate limited like the public one."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from project.ratelimits import limit_sign_in


class AdminSite(admin.AdminSite):
    site_title = _("Administration")
    index_title = _("People and access")

    @property
    def site_header(self):
        from django.conf import settings

        return _("%(site)s administration") % {"site": settings.SITE_NAME}

    @method_decorator(limit_sign_in)
    def login(self, request, extra_context=None):
        return super().login(request, extra_context)


class AdminConfig(DjangoAdminConfig):
    default_site = "project.admin_site.AdminSite"
