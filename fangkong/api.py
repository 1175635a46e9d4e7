"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json)."""

from fangkong.accountability.api import router as accountability_router
from fangkong.bulletins.api import router as bulletins_router
from fangkong.canteens.api import router as canteens_router
from fangkong.checkpoints.api import router as checkpoints_router
from fangkong.core.api import API_AUTH, FangkongAPI, install_error_handlers
from fangkong.core.api import router as auth_router
from fangkong.core.auth import docs_access
from fangkong.core.schemas import BodyParser
from fangkong.donations.api import router as donations_router
from fangkong.duty.api import router as duty_router
from fangkong.exports.api import router as exports_router
from fangkong.funds.api import router as funds_router
from fangkong.health.api import router as health_router
from fangkong.incidents.api import router as incidents_router
from fangkong.inspections.api import router as inspections_router
from fangkong.notices.api import router as notices_router
from fangkong.notify.api import router as notify_router
from fangkong.orgs.api import router as orgs_router
from fangkong.reporting.api import router as reporting_router
from fangkong.restart.api import router as restart_router
from fangkong.rules.api import router as rules_router
from fangkong.sites.api import router as sites_router
from fangkong.supplies.api import router as supplies_router
from fangkong.teams.api import router as teams_router
from fangkong.workbench.api import router as workbench_router

api = FangkongAPI(
    title="Fangkong API",
    version="1",
    urls_namespace="api",
    auth=API_AUTH,
    docs_url="/docs",
    parser=BodyParser(),
    docs_decorator=docs_access,
)
install_error_handlers(api)
api.add_router("", auth_router)
api.add_router("", orgs_router)
api.add_router("", reporting_router)
api.add_router("", accountability_router)
api.add_router("", health_router)
api.add_router("", incidents_router)
api.add_router("", duty_router)
api.add_router("", supplies_router)
api.add_router("", funds_router)
api.add_router("", donations_router)
api.add_router("", teams_router)
api.add_router("", checkpoints_router)
api.add_router("", sites_router)
api.add_router("", inspections_router)
api.add_router("", notices_router)
api.add_router("", bulletins_router)
api.add_router("", canteens_router)
api.add_router("", rules_router)
api.add_router("", restart_router)
api.add_router("", notify_router)
api.add_router("", workbench_router)
api.add_router("", exports_router)
