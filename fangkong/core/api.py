"""API plumbing shared by every app: authentication, the error format, tokens."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from .auth import check_credentials, create_token, may_use_api, user_for_token
from .errors import ServiceError, TooManyRequests
from .middleware import activate_user_language
from .schemas import BodyRefused, Line, field_message


class BearerAuth(HttpBearer):
    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is not None:
            request.user = user
            activate_user_language(request, user)
        return user


class SessionAuth(APIKeyCookie):
    """The UI's session cookie, with Django's CSRF check on unsafe methods."""

    param_name = "sessionid"

    def authenticate(self, request, key):
        user = getattr(request, "user", None)
        return user if user is not None and user.is_authenticated else None


API_AUTH = [BearerAuth(), SessionAuth(csrf=True)]


class ErrorOut(Schema):
    """Every 4xx and 5xx answer of the API."""

    code: str
    message: str
    fields: dict[str, list[str]] = {}


# What each error status means, for every operation that may answer it (FangkongAPI).
ERRORS = {
    400: "The body is not JSON, or a check of the service refused the values (`fields`).",
    401: "Not logged in and no valid API token (`Authorization: Bearer …`).",
    403: "You may see the record but not change it, or the session's CSRF token is missing.",
    404: "No such record in your scope: one outside your units reads as one that does not exist.",
    409: "A conflict: the Idempotency-Key was used for another request, the record changed "
    "meanwhile, or values need confirming (`code` says which).",
    422: "A parameter or a field of the body is not valid (`fields` names each).",
    429: "Too many attempts: wait `Retry-After` seconds.",
}


# Errors of a database that does not answer (restarting, failing over, out of
# connections): the request changed nothing and can be sent again.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER = 5  # seconds


def error_statuses(method: str, operation: dict) -> set[int]:
    """The error answers an operation may give, read off what the document says of it."""
    statuses = set()
    if operation.get("parameters") or "requestBody" in operation:
        statuses |= {400, 422}
    if operation.get("security"):
        statuses |= {401, 404}
    if method in ("post", "put", "patch", "delete") and operation.get("security"):
        statuses.add(403)
    if any(p.get("name") == "Idempotency-Key" for p in operation.get("parameters", ())):
        statuses.add(409)
    return statuses


class FangkongAPI(NinjaAPI):
    """NinjaAPI whose document lists every error answer of every operation, in one place:
    an operation declares only its successes (and an error of its own, such as 429)."""

    def get_openapi_schema(self, **kwargs):
        doc = super().get_openapi_schema(**kwargs)
        components = doc.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorOut"] = ErrorOut.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in doc["paths"].values():
            for method, operation in operations.items():
                responses = operation.setdefault("responses", {})
                declared = {int(s) for s in responses if str(s).isdigit()}
                for status in sorted(error_statuses(method, operation) | (declared - {200, 201})):
                    if status >= 400:
                        responses[str(status)] = {"description": ERRORS[status], "content": content}
        return doc


def error(api, request, status: int, code: str, message: str, fields=None):
    return api.create_response(
        request, {"code": code, "message": message, "fields": fields or {}}, status=status
    )


def install_error_handlers(api) -> None:
    @api.exception_handler(ServiceError)
    def service_error(request, exc: ServiceError):
        response = api.create_response(request, exc.as_dict(), status=exc.status)
        if isinstance(exc, TooManyRequests):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        fields: dict[str, list[str]] = {}
        for item in exc.errors:
            loc = [
                str(p) for p in item.get("loc", ()) if p not in ("body", "query", "path", "payload")
            ]
            fields.setdefault(".".join(loc) or "body", []).append(field_message(item))
        return error(api, request, 422, "invalid", _("Some fields are not valid."), fields)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc):
        return error(api, request, 401, "unauthorized", _("Log in or send a valid API token."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        cause = exc.__cause__
        if isinstance(cause, BodyRefused):  # BodyParser's: ninja wraps it in a 400
            return service_error(request, cause)
        return error(api, request, exc.status_code, "error", str(exc))

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
        if isinstance(exc, DATABASE_DOWN):
            # PostgreSQL restarting or failing over: a retry in a moment succeeds (with its
            # Idempotency-Key, a write whose commit did land is not made twice), so 503
            # with Retry-After, not a 500.
            request_logger.warning(
                "Service Unavailable: %s (database: %s)",
                request.path,
                type(exc).__name__,
                extra={"status_code": 503, "request": request},
            )
            response = error(
                api,
                request,
                503,
                "unavailable",
                _("The database is not reachable right now. Try again in a moment."),
            )
            response["Retry-After"] = str(RETRY_AFTER)
            response._has_been_logged = True  # type: ignore[attr-defined]
            return response
        # An API client reads JSON, never Django's HTML error page. Logged as Django logs
        # its own 500s (the same logger, so the same redaction and mail to admins).
        request_logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exc,
            extra={"status_code": 500, "request": request},
        )
        return error(
            api,
            request,
            500,
            "server_error",
            _("Something went wrong on the server. Try again in a moment."),
        )


request_logger = logging.getLogger("django.request")


router = Router(tags=["auth"])


class TokenIn(Schema):
    username: Line(150)
    password: Line(4096)
    name: Line(100) = "API"


class TokenOut(Schema):
    token: str


@router.post(
    "/auth/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    summary="Get an API token",
)
def obtain_token(request, payload: TokenIn):
    user, refusal = check_credentials(request, payload.username, payload.password)
    if refusal is not None:
        raise TooManyRequests(
            refusal.code, _("Too many failed logins; try again later."), refusal.retry_after
        )
    if user is None:
        exc = ServiceError("bad_credentials", _("Wrong username or password."))
        exc.status = 401
        raise exc
    if not may_use_api(user):
        exc = ServiceError("no_api_access", _("Your account has not been given API access."))
        exc.status = 403
        raise exc
    _token, raw = create_token(user, payload.name)
    return {"token": raw}
