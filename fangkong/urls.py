from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from fangkong.api import api
from fangkong.core.forms import AdminLoginForm
from fangkong.core.urls import auth_urlpatterns
from fangkong.core.views import admin_login, favicon, healthz, metrics_view
from fangkong.workbench.views import home

admin.site.site_header = _("Fangkong administration")
admin.site.site_title = _("Fangkong administration")
admin.site.index_title = _("System administration")
admin.site.site_url = "/"  # "View site" goes back to the workbench
# The admin's login goes through the same throttle as every other way in (issue 10).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("", home, name="home"),
    # Browsers ask for /favicon.ico on every page that names no icon (the phone link, the API).
    path("favicon.ico", favicon),
    # Operability (docs/operations.md): no login; /metrics for a token or an allowed address.
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include(auth_urlpatterns)),
    path("me/", include("fangkong.core.urls")),
    path("orgs/", include("fangkong.orgs.urls")),
    path("accountability/", include("fangkong.accountability.urls")),
    path("reports/", include("fangkong.reporting.urls")),
    path("health/", include("fangkong.health.urls")),
    path("incidents/", include("fangkong.incidents.urls")),
    path("notify/", include("fangkong.notify.urls")),
    path("duty/", include("fangkong.duty.urls")),
    path("supplies/", include("fangkong.supplies.urls")),
    path("funds/", include("fangkong.funds.urls")),
    path("donations/", include("fangkong.donations.urls")),
    path("teams/", include("fangkong.teams.urls")),
    path("checkpoints/", include("fangkong.checkpoints.urls")),
    path("sites/", include("fangkong.sites.urls")),
    path("inspections/", include("fangkong.inspections.urls")),
    path("notices/", include("fangkong.notices.urls")),
    path("bulletins/", include("fangkong.bulletins.urls")),
    path("canteens/", include("fangkong.canteens.urls")),
    path("rules/", include("fangkong.rules.urls")),
    path("restart/", include("fangkong.restart.urls")),
    path("workbench/", include("fangkong.workbench.urls")),
    path("exports/", include("fangkong.exports.urls")),
    path("api/v1/", api.urls),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
]

# A database that does not answer is a 503 with Retry-After; anything else the 500 page.
handler500 = "fangkong.core.views.server_error"
