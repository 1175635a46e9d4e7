"""Errors raised by services. Views show them inline; the API turns them into
JSON `{"code", "message", "fields"}` with a 4xx status."""


class ServiceError(Exception):
    status = 400

    def __init__(self, code: str, message, fields: dict | None = None):
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }


class InvalidInput(ServiceError):
    """Input the user can fix; `fields` maps field name → list of messages."""

    def __init__(self, fields: dict, message=None, code: str = "invalid"):
        from django.utils.translation import gettext_lazy as _

        fields = {k: v if isinstance(v, list | tuple) else [v] for k, v in fields.items()}
        super().__init__(code, message or _("Some fields are not valid."), fields)


class Conflict(ServiceError):
    status = 409


class PermissionDeniedInScope(ServiceError):
    """The object is visible but the user may not change it."""

    status = 403

    def __init__(self, message=None):
        from django.utils.translation import gettext_lazy as _

        super().__init__("forbidden", message or _("You may not change this record."))


class TooManyRequests(ServiceError):
    """Refused for now; the API answers 429 with `Retry-After: retry_after` seconds."""

    status = 429

    def __init__(self, code: str, message, retry_after: int):
        super().__init__(code, message)
        self.retry_after = retry_after
