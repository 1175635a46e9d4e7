"""API plumbing shared by every app: authentication, the error format, tokens."""

import logging

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from .auth import check_credentials, create_token, user_for_token
from .errors import ServiceError, TooManyRequests
from .middleware import activate_user_language


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
            fields.setdefault(".".join(loc) or "body", []).append(item.get("msg", ""))
        return error(api, request, 422, "invalid", _("Some fields are not valid."), fields)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(AuthenticationError)
    def unauthorized(request, exc):
        return error(api, request, 401, "unauthorized", _("Log in or send a valid API token."))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        return error(api, request, exc.status_code, "error", str(exc))

    @api.exception_handler(Exception)
    def server_error(request, exc: Exception):
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
    username: str
    password: str
    name: str = "API"


class TokenOut(Schema):
    token: str


@router.post("/auth/token", auth=None, response={200: TokenOut}, summary="Get an API token")
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
    _token, raw = create_token(user, payload.name)
    return {"token": raw}
