"""The admin site. Its sign-in is rate limited like the public one (project.ratelimits)."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.utils.translation import gettext_lazy as _


class AdminSite(admin.AdminSite):
    site_title = _("Administration")
    index_title = _("People and access")

    @property
    def site_header(self):
        from django.conf import settings

        return _("%(site)s administration") % {"site": settings.SITE_NAME}


class AdminConfig(DjangoAdminConfig):
    default_site = "project.admin_site.AdminSite"
